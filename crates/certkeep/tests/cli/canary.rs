//! A client secret must appear nowhere: not in any command's stdout or stderr (with debug logs
//! on), not in the database (file, -wal, -shm) nor any other file of the data directory.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::common::{Cli, DEMO_TENANT, Out, shared};

const CLIENT_ID: &str = "0c4a2f6e-8b1d-4e3f-9a5c-7d2e4f6a8b10";
const SUBSCRIPTION: &str = "5e7a9c1b-3d5f-4a7c-8e9b-1c3d5e7f9a20";

/// An application of the demo tenant with `secret`, reader of its own subscription with a vault.
fn seed(secret: &str) -> serde_json::Value {
    json!({
        "tenants": [{"id": DEMO_TENANT, "applications": [
            {"client_id": CLIENT_ID, "name": "canary", "secrets": [{"value": secret}]}]}],
        "subscriptions": [{"id": SUBSCRIPTION, "tenant": DEMO_TENANT, "name": "Canary",
            "readers": [CLIENT_ID],
            "vaults": [{"name": "kv-canary", "resource_group": "rg-canary", "access": [CLIENT_ID],
                "issuers": [{"name": "digicert-ov", "provider": "DigiCert", "account_id": "acct"}],
                "certificates": [
                    {"name": "www", "policy": {"x509_props": {"subject": "CN=www.canary.test"}, "issuer": {"name": "Self"}},
                     "versions": [{"created_days_ago": 400, "validity_days": 365}, {"created_days_ago": 20, "validity_days": 365}]},
                    {"name": "api", "policy": {"x509_props": {"subject": "CN=api.canary.test"}, "issuer": {"name": "Self"},
                                               "secret_props": {"contentType": "application/x-pem-file"}},
                     "versions": [{"created_days_ago": 10, "validity_days": 20}]}],
                "secrets": [
                    {"name": "tls-lb", "content_type": "application/x-pkcs12",
                     "tls": {"subject": "CN=lb.canary.test", "dns_names": ["lb.canary.test"], "created_days_ago": 30, "validity_days": 365}},
                    {"name": "db-password", "content_type": "text/plain", "value": "not-the-canary"}]}]}]
    })
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn assert_not_in_files(dir: &Path, canaries: &[&str]) {
    let files = files_under(dir);
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n == "certkeep.db"), "{names:?}");
    assert!(names.iter().any(|n| n == "master.key"), "{names:?}");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        for canary in canaries {
            assert!(
                !bytes.windows(canary.len()).any(|w| w == canary.as_bytes()),
                "the secret is in {}",
                file.display()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_secret_appears_nowhere() {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let canary = format!("ck-canary~{}~{nanos:x}~Qz7", std::process::id());
    let rotated = format!("{canary}~rotated");
    let wrong = format!("{canary}~wrong");
    shared().admin_post("seed", &seed(&canary)).await;
    let cli = Cli::new("canary");
    let mut outputs: Vec<Out> = Vec::new();
    let run = |args: &[&str]| cli.cmd(args).env("RUST_LOG", "debug");
    let v = ["--credential", "canary", "--vault", "kv-canary"];

    outputs.push(
        run(&[
            "credential",
            "add",
            "--name",
            "canary",
            "--tenant-id",
            DEMO_TENANT,
            "--subscription-id",
            SUBSCRIPTION,
            "--client-id",
            CLIENT_ID,
            "--cloud",
            "emulator",
        ])
        .env("CERTKEEP_CLIENT_SECRET", &canary)
        .run()
        .await
        .ok(),
    );
    for format in ["table", "json", "csv"] {
        outputs.push(run(&["credential", "list", "-o", format]).run().await.ok());
        outputs.push(
            run(&["credential", "show", "canary", "-o", format])
                .run()
                .await
                .ok(),
        );
    }
    outputs.push(run(&["vault", "sync"]).run().await.ok());
    outputs.push(run(&["vault", "list", "-o", "json"]).run().await.ok());
    outputs.push(
        run(&[&["issuer", "sync"][..], &v].concat())
            .run()
            .await
            .ok(),
    );
    outputs.push(
        run(&[&["issuer", "list"][..], &v].concat())
            .run()
            .await
            .ok(),
    );
    let discovered = run(&["discover", "certificates", "--all-versions", "-o", "json"])
        .run()
        .await
        .ok();
    assert_eq!(
        discovered.json()[0]["versions_added"],
        3,
        "{}",
        discovered.stdout
    );
    outputs.push(discovered);
    outputs.push(
        run(&["discover", "secrets", "--type", "all", "--add-certificates"])
            .run()
            .await
            .ok(),
    );
    for format in ["table", "json", "csv"] {
        outputs.push(
            run(&["cert", "list", "--show", "all", "-o", format])
                .run()
                .await
                .ok(),
        );
        outputs.push(
            run(&["secret", "list", "--show", "all", "-o", format])
                .run()
                .await
                .ok(),
        );
    }
    // Rotate the secret (through stdin), then fail to rotate it to a wrong one (exit 3).
    shared()
        .admin_post("seed", &json!({"tenants": [{"id": DEMO_TENANT, "applications": [
            {"client_id": CLIENT_ID, "name": "canary", "secrets": [{"value": canary}, {"value": rotated}]}]}]}))
        .await;
    outputs.push(
        run(&["credential", "update", "canary", "--client-secret-stdin"])
            .stdin(&format!("{rotated}\n"))
            .run()
            .await
            .ok(),
    );
    outputs.push(
        run(&["credential", "update", "canary"])
            .env("CERTKEEP_CLIENT_SECRET", &wrong)
            .run()
            .await
            .fails(3, "AADSTS7000215"),
    );
    // The rotated secret is the one in use now.
    outputs.push(run(&["discover", "certificates"]).run().await.ok());

    let debug_lines: usize = outputs
        .iter()
        .map(|o| o.stderr.matches("DEBUG").count())
        .sum();
    assert!(debug_lines > 0, "RUST_LOG=debug printed no debug logs");
    let canaries = [canary.as_str(), rotated.as_str(), wrong.as_str()];
    for o in &outputs {
        for c in canaries {
            assert!(
                !o.stdout.contains(c),
                "secret in stdout of certkeep {}",
                o.args
            );
            assert!(
                !o.stderr.contains(c),
                "secret in stderr of certkeep {}",
                o.args
            );
        }
    }
    assert_not_in_files(&cli.data_dir, &canaries);

    let removed = run(&["credential", "remove", "canary", "--yes"])
        .run()
        .await
        .ok();
    for c in canaries {
        assert!(!removed.stdout.contains(c) && !removed.stderr.contains(c));
    }
    assert_not_in_files(&cli.data_dir, &canaries);
}
