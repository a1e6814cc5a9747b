//! credential add → vaults imported → discover every version → `cert list` equals the emulator's
//! ground truth; a second discovery adds nothing; TLS secrets with their certificates.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::common::{Cli, PROD, PROD_VAULTS, shared, sum};

/// The emulator's certificate versions in the production vaults: x5t → (vault, name, version, current).
async fn ground_truth_certificates() -> BTreeMap<String, (String, String, String, bool)> {
    let state = shared().admin_get("state").await;
    let mut out = BTreeMap::new();
    for v in prod_vaults(&state) {
        let vault = v["properties"]["name"].as_str().unwrap().to_string();
        for c in v["certificates"].as_array().unwrap() {
            let versions = c["versions"].as_array().unwrap();
            for (i, ver) in versions.iter().enumerate() {
                let x5t = ver["x5t"].as_str().unwrap().to_string();
                let row = (
                    vault.clone(),
                    c["name"].as_str().unwrap().to_string(),
                    ver["version"].as_str().unwrap().to_string(),
                    i + 1 == versions.len(),
                );
                assert!(
                    out.insert(x5t, row).is_none(),
                    "duplicate x5t in the emulator"
                );
            }
        }
    }
    out
}

/// (vault, secret, version) of every TLS secret version in the production vaults.
async fn ground_truth_tls_secrets() -> BTreeSet<(String, String, String)> {
    let is_tls = |v: &Value| {
        matches!(
            v["content_type"].as_str(),
            Some("application/x-pkcs12" | "application/x-pem-file")
        )
    };
    let state = shared().admin_get("state").await;
    let mut out = BTreeSet::new();
    for v in prod_vaults(&state) {
        let vault = v["properties"]["name"].as_str().unwrap();
        for s in v["secrets"].as_array().unwrap() {
            let versions = s["versions"].as_array().unwrap();
            if !versions.last().is_some_and(is_tls) {
                continue;
            }
            for ver in versions.iter().filter(|v| is_tls(v)) {
                out.insert((
                    vault.to_string(),
                    s["name"].as_str().unwrap().to_string(),
                    ver["version"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    out
}

fn prod_vaults(state: &Value) -> Vec<&Value> {
    state["vaults"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["properties"]["subscription_id"] == PROD)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inventory_matches_the_emulator() {
    let cli = Cli::new("end-to-end");

    // One credential is one subscription: the three production vaults.
    let added = cli.add_demo("prod", PROD).await.ok().json();
    assert_eq!(added["credential"]["name"], "prod");
    assert_eq!(added["credential"]["cloud"], "emulator");
    assert_eq!(added["credential"]["secret_set"], true);
    assert_eq!(added["credential"]["vaults"], 3);
    assert_eq!(added["vaults"]["added"], 3);
    assert_eq!(added["already_existed"], false);
    let vaults = cli
        .cmd(&["vault", "list", "-o", "json"])
        .run()
        .await
        .ok()
        .json();
    let names: Vec<&str> = vaults
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, PROD_VAULTS);

    // Every version of every certificate, once.
    let truth = ground_truth_certificates().await;
    let reports = cli
        .cmd(&["discover", "certificates", "--all-versions", "-o", "json"])
        .run()
        .await
        .ok()
        .json();
    assert_eq!(reports.as_array().unwrap().len(), 3, "{reports}");
    assert!(
        reports
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["error"].is_null()),
        "{reports}"
    );
    assert_eq!(
        sum(&reports, "versions_added") as usize,
        truth.len(),
        "{reports}"
    );

    let listed = cli
        .cmd(&["cert", "list", "--show", "all", "-o", "json"])
        .run()
        .await
        .ok()
        .json();
    let mut seen = BTreeMap::new();
    for c in listed.as_array().unwrap() {
        let x5t = c["x5t"].as_str().unwrap().to_string();
        let row = (
            c["vault"].as_str().unwrap().to_string(),
            c["name"].as_str().unwrap().to_string(),
            c["version"].as_str().unwrap().to_string(),
            c["current"].as_bool().unwrap(),
        );
        assert_eq!(c["credential"], "prod");
        assert_eq!(c["source"], "keyvault");
        assert!(seen.insert(x5t.clone(), row).is_none(), "duplicate {x5t}");
    }
    assert_eq!(seen, truth, "cert list differs from the emulator's state");

    // Nothing changed in Azure: a second run adds nothing and skips every certificate.
    let again = cli
        .cmd(&["discover", "certificates", "--all-versions", "-o", "json"])
        .run()
        .await
        .ok()
        .json();
    assert_eq!(sum(&again, "versions_added"), 0, "{again}");
    assert_eq!(sum(&again, "versions_updated"), 0, "{again}");
    assert_eq!(
        sum(&again, "unchanged_skipped"),
        sum(&again, "certificates"),
        "{again}"
    );
    let relisted = cli
        .cmd(&["cert", "list", "--show", "all", "-o", "json"])
        .run()
        .await
        .ok()
        .json();
    assert_eq!(relisted.as_array().unwrap().len(), truth.len());

    // Filters: current and previous split the versions; --vault alone finds its credential.
    let count = |args: &'static [&'static str]| {
        let cli = &cli;
        async move {
            let mut full = vec!["cert", "list", "-o", "json"];
            full.extend_from_slice(args);
            cli.cmd(&full)
                .run()
                .await
                .ok()
                .json()
                .as_array()
                .unwrap()
                .len()
        }
    };
    let current = count(&["--show", "current"]).await;
    let previous = count(&["--show", "previous"]).await;
    assert_eq!(current + previous, truth.len());
    assert_eq!(current, truth.values().filter(|t| t.3).count());
    let web = count(&["--show", "all", "--vault", "kv-prod-web"]).await;
    assert_eq!(web, truth.values().filter(|t| t.0 == "kv-prod-web").count());
    let soon = cli
        .cmd(&["cert", "list", "--expiring-within", "30d", "-o", "json"])
        .run()
        .await
        .ok()
        .json();
    assert!(!soon.as_array().unwrap().is_empty());
    assert!(
        soon.as_array()
            .unwrap()
            .iter()
            .all(|c| c["days_left"].as_i64().unwrap() <= 30)
    );
    let www = cli
        .cmd(&["cert", "list", "--search", "WWW-PROD", "-o", "json"])
        .run()
        .await
        .ok()
        .json();
    assert!(
        www.as_array()
            .unwrap()
            .iter()
            .all(|c| c["name"] == "www-prod"),
        "{www}"
    );

    // TLS secrets, certificate-backed ones included, with the certificates inside them.
    let secret_reports = cli
        .cmd(&[
            "discover",
            "secrets",
            "--type",
            "all",
            "--add-certificates",
            "-o",
            "json",
        ])
        .run()
        .await
        .ok()
        .json();
    assert!(
        secret_reports
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["error"].is_null()),
        "{secret_reports}"
    );
    assert!(
        sum(&secret_reports, "certificates_added") > 0,
        "{secret_reports}"
    );
    let secrets = cli
        .cmd(&["secret", "list", "--show", "all", "-o", "json"])
        .run()
        .await
        .ok()
        .json();
    let listed: BTreeSet<(String, String, String)> = secrets
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["vault"].as_str().unwrap().to_string(),
                s["name"].as_str().unwrap().to_string(),
                s["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        listed.len(),
        secrets.as_array().unwrap().len(),
        "duplicate secret versions"
    );
    assert_eq!(listed, ground_truth_tls_secrets().await);
    let from_secrets = cli
        .cmd(&["cert", "list", "-o", "json"])
        .run()
        .await
        .ok()
        .json();
    assert!(
        from_secrets
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["source"] == "tls_secret"),
        "no certificate read from a TLS secret"
    );

    // Issuers of one vault.
    let synced = cli
        .cmd(&[
            "issuer",
            "sync",
            "--credential",
            "prod",
            "--vault",
            "kv-prod-web",
            "-o",
            "json",
        ])
        .run()
        .await
        .ok()
        .json();
    assert!(synced["added"].as_u64().unwrap() >= 1, "{synced}");
    let issuers = cli
        .cmd(&[
            "issuer",
            "list",
            "--credential",
            "prod",
            "--vault",
            "kv-prod-web",
            "-o",
            "json",
        ])
        .run()
        .await
        .ok()
        .json();
    assert_eq!(
        issuers.as_array().unwrap().len() as u64,
        synced["added"].as_u64().unwrap()
    );
}
