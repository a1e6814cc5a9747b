//! `certkeep cert delete|export|exclusions` end to end: certificates deleted from Certkeep
//! only (zero deletes reach Key Vault), excluded from discovery until the exclusion is removed,
//! exported without a key; bad input exits 2 naming the field.

use serde_json::{Value, json};

use crate::common::{Cli, DEMO_TENANT, shared};

const CLIENT_ID: &str = "8d0f2b4c-6e8a-4c0b-9d3f-5b7d9f1a3c83";
const CLIENT_SECRET: &str = "cli-local-delete-app-secret";
const SUBSCRIPTION: &str = "9e1a3c5d-7f9b-4d1c-8e4a-6c8e0a2b4d94";
const VAULT: &str = "kv-cli-delete";

fn seed() -> Value {
    json!({
        "tenants": [{"id": DEMO_TENANT, "applications": [
            {"client_id": CLIENT_ID, "name": "cli-delete", "secrets": [{"value": CLIENT_SECRET}]}]}],
        "subscriptions": [{"id": SUBSCRIPTION, "tenant": DEMO_TENANT, "name": "CLI delete",
            "readers": [CLIENT_ID],
            "vaults": [{"name": VAULT, "resource_group": "rg-cli", "access": [CLIENT_ID],
                "certificates": [
                    {"name": "www", "policy": {"x509_props": {"subject": "CN=www.delete.test"}, "issuer": {"name": "Self"}},
                     "versions": [{"created_days_ago": 400, "validity_days": 365}, {"created_days_ago": 20, "validity_days": 365}]},
                    {"name": "api", "policy": {"x509_props": {"subject": "CN=api.delete.test"}, "issuer": {"name": "Self"}},
                     "versions": [{"created_days_ago": 10, "validity_days": 90}]}]}]}]
    })
}

async fn kv_deletes() -> u64 {
    let c = shared().admin_get("counters").await;
    ["kv.certificates.delete", "kv.secrets.delete"]
        .iter()
        .map(|r| c["by_route"][r].as_u64().unwrap_or(0))
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_are_deleted_locally_excluded_and_exported() {
    shared().admin_post("seed", &seed()).await;
    let cli = Cli::new("local-delete");
    let run = |args: &[&str]| cli.cmd(args);
    run(&[
        "credential",
        "add",
        "--name",
        "cli-delete",
        "--tenant-id",
        DEMO_TENANT,
        "--subscription-id",
        SUBSCRIPTION,
        "--client-id",
        CLIENT_ID,
        "--cloud",
        "emulator",
    ])
    .env("CERTKEEP_CLIENT_SECRET", CLIENT_SECRET)
    .run()
    .await
    .ok();
    let discover = || async {
        run(&[
            "discover",
            "certificates",
            "--vault",
            VAULT,
            "--all-versions",
            "-o",
            "json",
        ])
        .run()
        .await
        .ok()
        .json()
    };
    assert_eq!(discover().await[0]["versions_added"], 3);
    let count = || async {
        run(&[
            "cert", "list", "--vault", VAULT, "--show", "all", "-o", "json",
        ])
        .run()
        .await
        .ok()
        .json()
        .as_array()
        .unwrap()
        .len()
    };
    let before = kv_deletes().await;

    // Bad input and confirmation.
    run(&["cert", "delete", "--vault", VAULT, "bad_name", "-y"])
        .run()
        .await
        .fails(2, "name");
    run(&["cert", "delete", "--vault", VAULT, "www"])
        .run()
        .await
        .fails(2, "yes");
    run(&["cert", "delete", "--vault", VAULT, "no-such", "-y"])
        .run()
        .await
        .fails(4, "no-such");
    run(&[
        "cert",
        "delete",
        "--vault",
        VAULT,
        "www",
        "api",
        "--version",
        "abc",
        "-y",
    ])
    .run()
    .await
    .fails(2, "version");
    run(&["cert", "delete", "--vault", "kv-nowhere", "www", "-y"])
        .run()
        .await
        .fails(4, "kv-nowhere");

    // Not excluded: discovery imports it again.
    let d = run(&[
        "cert", "delete", "--vault", VAULT, "api", "-y", "-o", "json",
    ])
    .run()
    .await
    .ok()
    .json();
    assert_eq!(d["versions_deleted"], 1);
    assert_eq!(count().await, 2);
    discover().await;
    assert_eq!(count().await, 3);

    // Excluded: skipped and counted until the exclusion is removed.
    let d = run(&[
        "cert",
        "delete",
        "--vault",
        VAULT,
        "www",
        "-y",
        "--exclude-from-discovery",
        "-o",
        "json",
    ])
    .run()
    .await
    .ok()
    .json();
    assert_eq!(
        (
            d["versions_deleted"].as_u64(),
            d["exclusions_added"].as_u64()
        ),
        (Some(2), Some(1))
    );
    let r = discover().await;
    assert_eq!(r[0]["excluded"], 1, "{r}");
    assert_eq!(count().await, 1);
    let table = run(&["cert", "exclusions", "list", "--vault", VAULT])
        .run()
        .await
        .ok();
    assert!(
        table.stdout.contains("www") && table.stdout.contains("certificate"),
        "{}",
        table.stdout
    );
    let list = run(&["cert", "exclusions", "list", "-o", "json"])
        .run()
        .await
        .ok()
        .json();
    let ours: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["vault"] == VAULT)
        .collect();
    assert_eq!(ours.len(), 1);
    let id = ours[0]["id"].as_i64().unwrap().to_string();
    run(&["cert", "exclusions", "remove", &id]).run().await.ok();
    run(&["cert", "exclusions", "remove", &id])
        .run()
        .await
        .fails(4, "exclusion");
    run(&["cert", "exclusions", "remove", "not-a-number"])
        .run()
        .await
        .fails(2, "ID");
    assert_eq!(discover().await[0]["excluded"], 0);
    assert_eq!(count().await, 3);
    assert_eq!(kv_deletes().await, before, "no delete reached Key Vault");

    // Export: PEM, chain (from the backing secret), DER to a file; never a key.
    let pem = run(&["cert", "export", "--vault", VAULT, "www", "--format", "pem"])
        .run()
        .await
        .ok();
    assert!(pem.stdout.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(!pem.stdout.contains("PRIVATE KEY"));
    let chain = run(&[
        "cert", "export", "--vault", VAULT, "www", "--format", "chain",
    ])
    .run()
    .await
    .ok();
    assert!(!chain.stdout.contains("PRIVATE KEY"));
    assert!(chain.stdout.contains("BEGIN CERTIFICATE"));
    let leaf = certkeep_core::pem::parse_bundle(&pem.stdout)
        .unwrap()
        .certificates;
    let der_file = cli.data_dir.parent().unwrap().join("www.der");
    run(&[
        "cert",
        "export",
        "--vault",
        VAULT,
        "www",
        "--format",
        "der",
        "--out",
        &der_file.display().to_string(),
    ])
    .run()
    .await
    .ok();
    assert_eq!(std::fs::read(&der_file).unwrap(), leaf[0]);
    run(&[
        "cert", "export", "--vault", VAULT, "no-such", "--format", "pem",
    ])
    .run()
    .await
    .fails(4, "no-such");
    run(&[
        "cert",
        "export",
        "--vault",
        VAULT,
        "www",
        "--format",
        "pem",
        "--version",
        "0000",
    ])
    .run()
    .await
    .fails(4, "0000");
}
