//! A vault the application may not read fails on its own: the other vaults are discovered, every
//! report is printed, and the exit code is 6.

use serde_json::json;

use crate::common::{Cli, DEMO_CLIENT_ID, DEMO_TENANT, shared};

const SUBSCRIPTION: &str = "7b9d1f3a-5c7e-4b9d-a1f3-5c7e9b1d3f42";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_vault_is_a_partial_failure() {
    let cert = json!({"name": "www", "policy": {"x509_props": {"subject": "CN=www.partial.test"}, "issuer": {"name": "Self"}},
                      "versions": [{"created_days_ago": 5, "validity_days": 90}]});
    shared()
        .admin_post(
            "seed",
            &json!({"tenants": [{"id": DEMO_TENANT}], "subscriptions": [{"id": SUBSCRIPTION, "tenant": DEMO_TENANT, "name": "Partial",
                "readers": [DEMO_CLIENT_ID],
                "vaults": [
                    {"name": "kv-partial-ok", "access": [DEMO_CLIENT_ID], "certificates": [cert]},
                    {"name": "kv-partial-denied", "access": [], "certificates": [cert]}]}]}),
        )
        .await;
    let cli = Cli::new("partial");
    cli.add_demo("partial", SUBSCRIPTION).await.ok();
    let out = cli
        .cmd(&["discover", "certificates", "-o", "json"])
        .run()
        .await
        .fails(6, "1 of 2 vaults failed");
    assert!(out.stderr.contains("kv-partial-denied"), "{}", out.stderr);
    let reports = out.json();
    assert_eq!(reports[0]["vault"], "kv-partial-denied");
    assert!(
        reports[0]["error"].as_str().unwrap().contains("denied"),
        "{reports}"
    );
    assert_eq!(reports[1]["vault"], "kv-partial-ok");
    assert_eq!(reports[1]["versions_added"], 1);
    assert!(reports[1]["error"].is_null());
    let certs = cli
        .cmd(&["cert", "list", "-o", "json"])
        .run()
        .await
        .ok()
        .json();
    assert_eq!(certs.as_array().unwrap().len(), 1);
    assert_eq!(certs[0]["vault"], "kv-partial-ok");
}
