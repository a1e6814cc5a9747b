//! `certkeep secret create|update|rediscover|obtain-certificate|export|delete` end to end
//! against the emulator (a subscription and vault of their own), compared with the emulator's
//! state; bad input exits 2 naming the field; the PFX password appears in no output and no file
//! of the data directory.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use serde_json::{Value, json};

use crate::common::{Cli, DEMO_TENANT, Out, shared};

const CLIENT_ID: &str = "6a1c3e5f-7b9d-4f1a-8c2e-4a6b8c0d2e41";
const CLIENT_SECRET: &str = "cli-secrets-app-secret";
const SUBSCRIPTION: &str = "7c9e1a3b-5d7f-4b9c-8a1e-3c5e7a9b1d62";
const VAULT: &str = "kv-cli-secrets";

/// A leaf with its key, issued by a root.
pub(crate) struct Pki {
    root: Vec<u8>,
    leaf: Vec<u8>,
    key: Vec<u8>,
}

pub(crate) fn pki(cn: &str) -> Pki {
    let root_key = KeyPair::generate().unwrap();
    let mut root_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    root_params
        .distinguished_name
        .push(DnType::CommonName, "CLI Test Root");
    let root = root_params.self_signed(&root_key).unwrap();
    let issuer = Issuer::new(root_params, &root_key);
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec![cn.to_string()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2031, 3, 1);
    let leaf = params.signed_by(&key, &issuer).unwrap();
    Pki {
        root: root.der().to_vec(),
        leaf: leaf.der().to_vec(),
        key: key.serialize_der(),
    }
}

impl Pki {
    pub(crate) fn pfx(&self, password: &str) -> Vec<u8> {
        certkeep_core::pfx::write_pfx(&self.key, &[self.leaf.clone(), self.root.clone()], password)
            .unwrap()
    }
}

fn seed() -> Value {
    json!({
        "tenants": [{"id": DEMO_TENANT, "applications": [
            {"client_id": CLIENT_ID, "name": "cli-secrets", "secrets": [{"value": CLIENT_SECRET}]}]}],
        "subscriptions": [{"id": SUBSCRIPTION, "tenant": DEMO_TENANT, "name": "CLI secrets",
            "readers": [CLIENT_ID],
            "vaults": [{"name": VAULT, "resource_group": "rg-cli", "access": [CLIENT_ID],
                "secrets": [
                    {"name": "tls-seeded", "content_type": "application/x-pkcs12",
                     "tls": {"subject": "CN=seeded.cli.test", "dns_names": ["seeded.cli.test"], "created_days_ago": 30, "validity_days": 365}}]}]}]
    })
}

/// The emulator's versions of a secret in the test vault.
async fn kv_versions(name: &str) -> Vec<Value> {
    let state = shared().admin_get("state").await;
    state["vaults"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["properties"]["name"] == VAULT)
        .and_then(|v| {
            v["secrets"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == name)
                .map(|s| s["versions"].as_array().unwrap().clone())
        })
        .unwrap_or_default()
}

async fn deletes() -> u64 {
    let c = shared().admin_get("counters").await;
    c["by_route"]["kv.secrets.delete"].as_u64().unwrap_or(0)
}

pub(crate) fn files_under(dir: &Path) -> Vec<PathBuf> {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_are_created_managed_exported_and_deleted_locally() {
    shared().admin_post("seed", &seed()).await;
    let cli = Cli::new("secrets");
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let password = format!("pfx-canary~{nanos:x}~Zq9");
    let p = pki("new.cli.test");
    let work = cli.data_dir.parent().unwrap().to_path_buf();
    let pfx = work.join("upload.pfx");
    std::fs::write(&pfx, p.pfx(&password)).unwrap();
    let corrupt = work.join("corrupt.pfx");
    std::fs::write(&corrupt, &p.pfx(&password)[..200]).unwrap();
    let pfx_s = pfx.display().to_string();
    let corrupt_s = corrupt.display().to_string();
    let mut outputs: Vec<Out> = Vec::new();
    let run = |args: &[&str]| cli.cmd(args).env("RUST_LOG", "debug");

    run(&[
        "credential",
        "add",
        "--name",
        "cli-secrets",
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
    let create = [
        "secret", "create", "--vault", VAULT, "--name", "tls-new", "--file",
    ];

    // Bad input: exit 2 naming the field, nothing written to Key Vault.
    outputs.push(
        run(&[&create[..], &[&pfx_s, "--password-stdin"]].concat())
            .stdin("not-the-password\n")
            .run()
            .await
            .fails(2, "password"),
    );
    outputs.push(
        run(&[&create[..], &[&corrupt_s, "--password-stdin"]].concat())
            .stdin(&format!("{password}\n"))
            .run()
            .await
            .fails(2, "file"),
    );
    outputs.push(
        run(&[&create[..], &[&pfx_s]].concat())
            .run()
            .await
            .fails(2, "password"),
    );
    outputs.push(
        run(&[
            &create[..],
            &[
                &pfx_s,
                "--password-stdin",
                "--activation",
                "2031-06-01",
                "--expiration",
                "2031-01-01",
            ],
        ]
        .concat())
        .stdin(&format!("{password}\n"))
        .run()
        .await
        .fails(2, "activation"),
    );
    outputs.push(
        run(&[
            &create[..],
            &[&pfx_s, "--password-stdin", "--activation", "next tuesday"],
        ]
        .concat())
        .stdin(&format!("{password}\n"))
        .run()
        .await
        .fails(2, "--activation"),
    );
    outputs.push(
        run(&[
            "secret",
            "create",
            "--vault",
            VAULT,
            "--name",
            "bad_name",
            "--file",
            &pfx_s,
            "--password-stdin",
        ])
        .stdin(&format!("{password}\n"))
        .run()
        .await
        .fails(2, "name"),
    );
    assert!(kv_versions("tls-new").await.is_empty(), "nothing was set");

    // Created from stdin's password; then a new version from the environment's.
    let created = run(&[
        &create[..],
        &[
            &pfx_s,
            "--password-stdin",
            "--activation",
            "2025-06-01",
            "--tag",
            "env=cli",
            "-o",
            "json",
        ],
    ]
    .concat())
    .stdin(&format!("{password}\n"))
    .run()
    .await
    .ok();
    let j = created.json();
    assert_eq!(j["secret"]["content_type"], "application/x-pkcs12");
    assert_eq!(j["secret"]["activation"], "2025-06-01T00:00:00Z");
    assert_eq!(j["secret"]["expires"], "2031-03-01T00:00:00Z");
    assert_eq!(j["certificate"]["subject"], "CN=new.cli.test");
    outputs.push(created);
    let versions = kv_versions("tls-new").await;
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0]["content_type"], "application/x-pkcs12");
    assert_eq!(versions[0]["tags"]["env"], "cli");
    outputs.push(
        run(&[&create[..], &[&pfx_s]].concat())
            .env("CERTKEEP_PFX_PASSWORD", &password)
            .run()
            .await
            .fails(5, "already exists"),
    );
    outputs.push(
        run(&[&create[..], &[&pfx_s, "--new-version", "--disabled"]].concat())
            .env("CERTKEEP_PFX_PASSWORD", &password)
            .run()
            .await
            .ok(),
    );
    let versions = kv_versions("tls-new").await;
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1]["enabled"], false);

    // Update, rediscover, obtain, export.
    let updated = run(&[
        "secret",
        "update",
        "--vault",
        VAULT,
        "tls-new",
        "--expiration",
        "2030-12-31",
        "--enabled",
        "-o",
        "json",
    ])
    .run()
    .await
    .ok();
    assert_eq!(updated.json()["expires"], "2030-12-31T00:00:00Z");
    assert_eq!(updated.json()["enabled"], true);
    let v = &kv_versions("tls-new").await[1];
    assert_eq!(
        (v["exp"].as_i64(), v["enabled"].as_bool()),
        (Some(1_924_905_600), Some(true))
    );
    outputs.push(updated);
    outputs.push(
        run(&[
            "secret",
            "update",
            "--vault",
            VAULT,
            "tls-new",
            "--activation",
            "2031-01-01",
        ])
        .run()
        .await
        .fails(2, "activation"),
    );
    outputs.push(
        run(&["secret", "update", "--vault", VAULT, "no-such"])
            .run()
            .await
            .fails(2, "nothing to change"),
    );
    outputs.push(
        run(&["discover", "secrets", "--vault", VAULT])
            .run()
            .await
            .ok(),
    );
    let re = run(&[
        "secret",
        "rediscover",
        "--vault",
        VAULT,
        "tls-new",
        "tls-seeded",
        "-o",
        "json",
    ])
    .run()
    .await
    .ok();
    assert_eq!(re.json().as_array().unwrap().len(), 2, "{}", re.stdout);
    outputs.push(re);
    outputs.push(
        run(&[
            "secret",
            "rediscover",
            "--vault",
            VAULT,
            "tls-new",
            "never-seen",
        ])
        .run()
        .await
        .fails(6, "never-seen"),
    );
    let obtained = run(&[
        "secret",
        "obtain-certificate",
        "--vault",
        VAULT,
        "tls-seeded",
        "-o",
        "json",
    ])
    .run()
    .await
    .ok();
    assert_eq!(obtained.json()["subject"], "CN=seeded.cli.test");
    outputs.push(obtained);
    let pem = run(&[
        "secret", "export", "--vault", VAULT, "tls-new", "--format", "pem",
    ])
    .run()
    .await
    .ok();
    assert!(
        pem.stdout.starts_with("-----BEGIN CERTIFICATE-----"),
        "{}",
        pem.stdout
    );
    assert!(!pem.stdout.contains("PRIVATE KEY"));
    assert_eq!(
        certkeep_core::pem::parse_bundle(&pem.stdout)
            .unwrap()
            .certificates,
        vec![p.leaf.clone()]
    );
    outputs.push(pem);
    let chain_file = work.join("chain.pem");
    let chain = run(&[
        "secret",
        "export",
        "--vault",
        VAULT,
        "tls-new",
        "--format",
        "chain",
        "--out",
        &chain_file.display().to_string(),
        "-o",
        "json",
    ])
    .run()
    .await
    .ok();
    assert_eq!(chain.json()["certificates"], 2);
    let text = std::fs::read_to_string(&chain_file).unwrap();
    assert_eq!(text.matches("BEGIN CERTIFICATE").count(), 2);
    assert!(!text.contains("PRIVATE KEY"));
    outputs.push(chain);
    let der_file = work.join("leaf.der");
    outputs.push(
        run(&[
            "secret",
            "export",
            "--vault",
            VAULT,
            "tls-new",
            "--format",
            "der",
            "--out",
            &der_file.display().to_string(),
        ])
        .run()
        .await
        .ok(),
    );
    assert_eq!(std::fs::read(&der_file).unwrap(), p.leaf);
    outputs.push(
        run(&[
            "secret", "export", "--vault", VAULT, "tls-new", "--format", "p7b",
        ])
        .run()
        .await
        .fails(2, "--format"),
    );

    // Delete from Certkeep only.
    let before = deletes().await;
    outputs.push(
        run(&["secret", "delete", "--vault", VAULT, "tls-new"])
            .run()
            .await
            .fails(2, "yes"),
    );
    let deleted = run(&[
        "secret",
        "delete",
        "--vault",
        VAULT,
        "tls-new",
        "-y",
        "--exclude-from-discovery",
        "-o",
        "json",
    ])
    .run()
    .await
    .ok();
    assert_eq!(deleted.json()["versions_deleted"], 2, "{}", deleted.stdout);
    assert_eq!(deleted.json()["exclusions_added"], 1);
    outputs.push(deleted);
    assert_eq!(kv_versions("tls-new").await.len(), 2, "Key Vault keeps it");
    let listed = run(&[
        "secret", "list", "--vault", VAULT, "--show", "all", "-o", "json",
    ])
    .run()
    .await
    .ok();
    assert!(!listed.stdout.contains("tls-new"));
    let rediscovered = run(&["discover", "secrets", "--vault", VAULT, "-o", "json"])
        .run()
        .await
        .ok();
    assert_eq!(
        rediscovered.json()[0]["excluded"],
        1,
        "{}",
        rediscovered.stdout
    );
    outputs.push(
        run(&["secret", "delete", "--vault", VAULT, "never-seen", "-y"])
            .run()
            .await
            .fails(4, "never-seen"),
    );
    assert_eq!(deletes().await, before, "no delete reached Key Vault");

    // The password: in no output (debug logs on), in no file of the data directory.
    for o in &outputs {
        assert!(
            !o.stdout.contains(&password) && !o.stderr.contains(&password),
            "password in the output of certkeep {}",
            o.args
        );
    }
    for file in files_under(&cli.data_dir) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes
                .windows(password.len())
                .any(|w| w == password.as_bytes()),
            "password in {}",
            file.display()
        );
    }
}
