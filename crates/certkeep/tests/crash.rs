//! Crash safety: `certkeep discover certificates --all-versions` is killed with SIGKILL at random
//! moments, again and again, then run to the end; the inventory must equal the emulator's ground
//! truth with no duplicate rows — on SQLite, and on PostgreSQL when `CERTKEEP_TEST_DATABASE_URL`
//! is set.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use certkeep_emulator::demo::{
    BULK_SUBSCRIPTION, BulkSpec, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT,
};
use certkeep_emulator::gate::Faults;
use certkeep_emulator::{Config, Emulator};
use certkeep_store::{CertificateFilter, Show, Store};

const ROUNDS: usize = 20;

fn certkeep(dir: &Path, config: &Path, db: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_certkeep"));
    cmd.arg("--data-dir")
        .arg(dir)
        .arg("--config")
        .arg(config)
        .arg("--database-url")
        .arg(db);
    cmd.env("CERTKEEP_CLIENT_SECRET", DEMO_CLIENT_SECRET)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    cmd
}

async fn truth(emu: &Emulator) -> BTreeSet<(String, String, String, String)> {
    let w = emu.state.world.lock();
    let mut out = BTreeSet::new();
    for (name, v) in &w.vaults {
        if v.props().subscription_id != BULK_SUBSCRIPTION {
            continue;
        }
        for c in v.certificates.values() {
            for ver in &c.versions {
                out.insert((
                    name.clone(),
                    c.name.clone(),
                    ver.version.clone(),
                    ver.x5t.clone(),
                ));
            }
        }
    }
    out
}

async fn stored(db: &str) -> Vec<(String, String, String, String)> {
    let store = Store::connect(db).await.unwrap();
    let vaults = store.list_vaults(None).await.unwrap();
    let rows = store
        .list_certificates(&CertificateFilter {
            show: Show::All,
            ..Default::default()
        })
        .await
        .unwrap();
    rows.iter()
        .map(|c| {
            let v = vaults.iter().find(|v| v.id == c.vault_id).unwrap();
            (
                v.record.name.clone(),
                c.record.name.clone(),
                c.record.version.clone(),
                c.record.x5t.clone(),
            )
        })
        .collect()
}

fn databases(dir: &Path) -> Vec<String> {
    let mut out = vec![format!("sqlite://{}", dir.join("crash.db").display())];
    match std::env::var("CERTKEEP_TEST_DATABASE_URL") {
        Ok(base) => {
            let db = format!("ck_crash_{}", std::process::id());
            assert!(
                Command::new("psql")
                    .args([
                        base.as_str(),
                        "-q",
                        "-c",
                        &format!("DROP DATABASE IF EXISTS {db}")
                    ])
                    .status()
                    .unwrap()
                    .success()
            );
            assert!(
                Command::new("psql")
                    .args([base.as_str(), "-q", "-c", &format!("CREATE DATABASE {db}")])
                    .status()
                    .unwrap()
                    .success()
            );
            let (prefix, _) = base.rsplit_once('/').unwrap();
            out.push(format!("{prefix}/{db}"));
        }
        Err(_) => {
            eprintln!("CERTKEEP_TEST_DATABASE_URL not set: crash test ran against SQLite only")
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_killed_at_random_points_converges_without_duplicates() {
    let dir: PathBuf = std::env::temp_dir().join(format!("ck-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let emu = Emulator::start(Config {
        data_dir: dir.join("emulator"),
        faults: Faults {
            latency_ms: 3,
            ..Default::default()
        },
        ..Default::default()
    })
    .await
    .unwrap();
    certkeep_emulator::demo::bulk(
        &emu.state,
        BulkSpec {
            vaults: 2,
            certs: 60,
            versions: 3,
        },
    )
    .unwrap();
    let e = emu.endpoints().clone();
    let config = dir.join("certkeep.toml");
    std::fs::write(dir.join("emulator-ca.pem"), emu.ca_pem()).unwrap();
    std::fs::write(
        &config,
        format!(
            "[[clouds]]\nname = \"emulator\"\nauthority_host = \"{}\"\narm_endpoint = \"{}\"\nvault_dns_suffix = \"vault.localhost\"\nca_file = \"{}\"\n\n[azure]\nvault_concurrency = 1\nitem_concurrency = 1\n",
            e.authority(),
            e.arm(),
            dir.join("emulator-ca.pem").display()
        ),
    )
    .unwrap();
    let expected = truth(&emu).await;
    assert_eq!(expected.len(), 360);

    for db in databases(&dir) {
        let data = dir.join(format!(
            "data-{}",
            if db.starts_with("sqlite") {
                "sqlite"
            } else {
                "pg"
            }
        ));
        let out = certkeep(&data, &config, &db)
            .args([
                "credential",
                "add",
                "--name",
                "bulk",
                "--cloud",
                "emulator",
                "--tenant-id",
                DEMO_TENANT,
                "--subscription-id",
                BULK_SUBSCRIPTION,
                "--client-id",
                DEMO_CLIENT_ID,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut killed = 0;
        for round in 0..ROUNDS {
            let mut child = certkeep(&data, &config, &db)
                .args([
                    "discover",
                    "certificates",
                    "--all-versions",
                    "--output",
                    "json",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            // Spread the kills over start-up, listing and writing.
            let wait = 50 + (round as u64 * 7919 + std::process::id() as u64) % 950;
            tokio::time::sleep(Duration::from_millis(wait)).await;
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap(); // SIGKILL
                killed += 1;
            }
            child.wait().unwrap();
            let rows = stored(&db).await;
            let unique: BTreeSet<_> = rows.iter().cloned().collect();
            assert_eq!(
                unique.len(),
                rows.len(),
                "{db}: duplicates after kill {round}"
            );
            assert!(
                unique.is_subset(&expected),
                "{db}: only real versions are stored"
            );
        }
        assert!(
            killed >= ROUNDS / 2,
            "{db}: most runs were killed mid-way ({killed})"
        );
        eprintln!("{db}: {killed} of {ROUNDS} discoveries were killed with SIGKILL mid-way");
        let out = certkeep(&data, &config, &db)
            .args(["discover", "certificates", "--all-versions"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows = stored(&db).await;
        let unique: BTreeSet<_> = rows.iter().cloned().collect();
        assert_eq!(unique.len(), rows.len(), "{db}: no duplicates");
        let got: BTreeSet<_> = unique.into_iter().collect();
        assert_eq!(
            got, expected,
            "{db}: converged to the ground truth after {killed} kills"
        );
    }
    emu.shutdown().await;
    if let Ok(base) = std::env::var("CERTKEEP_TEST_DATABASE_URL") {
        let db = format!("ck_crash_{}", std::process::id());
        let _ = Command::new("psql")
            .args([
                base.as_str(),
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS {db}"),
            ])
            .status();
    }
    let _ = std::fs::remove_dir_all(&dir);
}
