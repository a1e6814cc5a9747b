//! Harness of the kill and fault tests of requests and renewals (`tests/crash_requests.rs`):
//! an in-process emulator per test (bulk seed: vault `bulk-000`, certificates `cert-00000`..),
//! the real `certkeep` binary on SQLite and on PostgreSQL when `CERTKEEP_TEST_DATABASE_URL` is
//! set (a set but unreachable URL fails the test; every throw-away database is dropped), and
//! readers of the emulator's ground truth (versions, pending operation, per-route counters).
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use certkeep_emulator::demo::{
    BULK_SUBSCRIPTION, BulkSpec, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT,
};
use certkeep_emulator::gate::Faults;
use certkeep_emulator::{Config, Emulator};
use certkeep_store::Store;
use serde_json::Value;

/// The bulk seed's only vault.
pub const VAULT: &str = "bulk-000";
/// Key Vault's create route, as the emulator counts it.
pub const CREATE: &str = "kv.certificates.create";
/// Every command gets at most this long (unkilled runs).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// Variables a developer's shell might set that must not leak into the tests.
const CLEARED: [&str; 6] = [
    "CERTKEEP_DATA_DIR",
    "CERTKEEP_DATABASE_URL",
    "CERTKEEP_CONFIG",
    "CERTKEEP_CLIENT_SECRET",
    "CERTKEEP_MASTER_KEY_FILE",
    "RUST_LOG",
];

/// One test's emulator, its directory and the Certkeep config file pointing at it.
pub struct Env {
    pub emu: Emulator,
    pub dir: PathBuf,
    pub config: PathBuf,
}

impl Env {
    /// An emulator with `faults` and the Self issuer answering after `self_delay_secs`, seeded
    /// with one vault of `certs` certificates (two versions each).
    pub async fn start(test: &str, faults: Faults, self_delay_secs: f64, certs: usize) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("ck-crashreq-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("test dir");
        let emu = Emulator::start(Config {
            port: 0,
            data_dir: dir.join("emulator"),
            self_delay_secs,
            faults,
            ..Default::default()
        })
        .await
        .expect("emulator starts");
        certkeep_emulator::demo::bulk(
            &emu.state,
            BulkSpec {
                vaults: 1,
                certs,
                versions: 2,
            },
        )
        .expect("bulk seed");
        let e = emu.endpoints().clone();
        let ca = dir.join("emulator-ca.pem");
        std::fs::write(&ca, emu.ca_pem()).expect("CA");
        let config = dir.join("certkeep.toml");
        std::fs::write(
            &config,
            format!(
                "[[clouds]]\nname = \"emulator\"\nauthority_host = \"{}\"\narm_endpoint = \"{}\"\nvault_dns_suffix = \"vault.localhost\"\nca_file = \"{}\"\n\n[azure]\nvault_concurrency = 1\nitem_concurrency = 1\n",
                e.authority(),
                e.arm(),
                ca.display()
            ),
        )
        .expect("config");
        Self { emu, dir, config }
    }

    /// Replaces the emulator's faults.
    pub fn set_faults(&self, faults: Faults) {
        *self.emu.state.faults.lock() = faults;
    }

    /// The emulator's count of requests on `route`.
    pub fn count(&self, route: &str) -> u64 {
        self.emu
            .state
            .counters
            .lock()
            .by_route
            .get(route)
            .copied()
            .unwrap_or(0)
    }

    pub fn counters(&self) -> certkeep_emulator::gate::Counters {
        self.emu.state.counters.lock().clone()
    }

    pub fn clear_counters(&self) {
        *self.emu.state.counters.lock() = Default::default();
    }

    /// Key Vault's ground truth for one certificate of [`VAULT`].
    pub fn snap(&self, name: &str) -> Snap {
        let w = self.emu.state.world.lock();
        let v = w.vaults.get(VAULT).expect("bulk vault");
        let entry = v
            .certificates
            .values()
            .find(|c| c.name.eq_ignore_ascii_case(name));
        let versions = entry
            .map(|c| {
                c.versions
                    .iter()
                    .map(|ver| KvVersion {
                        version: ver.version.clone(),
                        x5t: ver.x5t.clone(),
                        tags: ver.tags.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let pending = entry.and_then(|c| c.pending.as_ref()).map(|p| {
            (
                p.request_id.clone(),
                format!("{:?}", p.status),
                p.tags.get("certkeep-request").cloned(),
            )
        });
        drop(w);
        Snap {
            versions,
            pending,
            creates: self.count(CREATE),
        }
    }

    /// An emulator bug, not Certkeep's, guarded against: a pending operation of `name` still in
    /// progress after its issuance time but without a key, which would never complete. (The
    /// emulator finishes an accepted create in a task of its own, so a killed client's dropped
    /// connection cannot leave one.)
    pub fn zombie_pending(&self, name: &str) -> Option<String> {
        let w = self.emu.state.world.lock();
        let now = self.emu.state.clock.now();
        let v = w.vaults.get(VAULT)?;
        let entry = v
            .certificates
            .values()
            .find(|c| c.name.eq_ignore_ascii_case(name))?;
        let op = entry.pending.as_ref()?;
        (format!("{:?}", op.status) == "InProgress" && op.key.is_none() && now > op.complete_at + 1)
            .then(|| op.request_id.clone())
    }

    pub async fn shutdown(self) {
        self.emu.shutdown().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvVersion {
    pub version: String,
    pub x5t: String,
    pub tags: BTreeMap<String, String>,
}

/// One certificate as Key Vault has it, and the create counter at that moment.
#[derive(Debug, Clone)]
pub struct Snap {
    pub versions: Vec<KvVersion>,
    /// The pending operation: (Key Vault's request id, status, its `certkeep-request` tag).
    pub pending: Option<(String, String, Option<String>)>,
    pub creates: u64,
}

impl Snap {
    /// Whether Key Vault committed anything for this certificate since `before`: a new
    /// version or a new pending operation.
    pub fn committed_since(&self, before: &Snap) -> bool {
        self.versions.len() != before.versions.len()
            || self.pending.as_ref().map(|p| &p.0) != before.pending.as_ref().map(|p| &p.0)
    }
}

/// A throw-away PostgreSQL database, dropped when the guard goes (also on panic).
struct PgDb {
    base: String,
    name: String,
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let ok = StdCommand::new("psql")
            .args([
                self.base.as_str(),
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .stdout(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            eprintln!("warning: could not drop database {}", self.name);
        }
    }
}

/// One database the binary runs against, with its own data directory.
pub struct Backend {
    pub label: &'static str,
    pub url: String,
    pub data: PathBuf,
    pub config: PathBuf,
    _pg: Option<PgDb>,
}

/// SQLite always; PostgreSQL too when `CERTKEEP_TEST_DATABASE_URL` is set (a set URL that
/// cannot be reached fails here, it is never skipped).
pub fn backends(env: &Env, test: &str) -> Vec<Backend> {
    let mut out = vec![sqlite_backend(env)];
    out.extend(pg_backend(env, test));
    out
}

pub fn sqlite_backend(env: &Env) -> Backend {
    Backend {
        label: "sqlite",
        url: format!("sqlite://{}", env.dir.join("certkeep.db").display()),
        data: env.dir.join("data-sqlite"),
        config: env.config.clone(),
        _pg: None,
    }
}

/// A throw-away PostgreSQL database when `CERTKEEP_TEST_DATABASE_URL` is set; `test` names it
/// (letters, digits and `_`).
pub fn pg_backend(env: &Env, test: &str) -> Option<Backend> {
    let Ok(base) = std::env::var("CERTKEEP_TEST_DATABASE_URL") else {
        eprintln!("{test}: CERTKEEP_TEST_DATABASE_URL not set: SQLite only");
        return None;
    };
    let name = format!("ck_crq_{test}_{}", std::process::id());
    let guard = PgDb {
        base: base.clone(),
        name: name.clone(),
    };
    let created = StdCommand::new("psql")
        .args([
            base.as_str(),
            "-q",
            "-c",
            &format!("CREATE DATABASE {name}"),
        ])
        .output()
        .expect("psql runs");
    assert!(
        created.status.success(),
        "CERTKEEP_TEST_DATABASE_URL is set but PostgreSQL cannot be used: {}",
        String::from_utf8_lossy(&created.stderr)
    );
    let (prefix, _) = base
        .split('?')
        .next()
        .unwrap_or(&base)
        .rsplit_once('/')
        .expect("database URL with a database name");
    Some(Backend {
        label: "postgres",
        url: format!("{prefix}/{name}"),
        data: env.dir.join("data-pg"),
        config: env.config.clone(),
        _pg: Some(guard),
    })
}

/// What one run of the binary printed.
#[derive(Debug)]
pub struct Out {
    pub args: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Out {
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "certkeep {} failed:\nstdout: {}\nstderr: {}",
            self.args, self.stdout, self.stderr
        );
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "certkeep {}: stdout is not JSON ({e}): {}\nstderr: {}",
                self.args, self.stdout, self.stderr
            )
        })
    }
}

impl Backend {
    /// The binary with this backend's data directory, database and config.
    pub fn command(&self, args: &[String]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_certkeep"));
        for var in CLEARED {
            cmd.env_remove(var);
        }
        cmd.arg("--data-dir")
            .arg(&self.data)
            .arg("--config")
            .arg(&self.config)
            .arg("--database-url")
            .arg(&self.url)
            .args(args)
            .env("CERTKEEP_CLIENT_SECRET", DEMO_CLIENT_SECRET)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        cmd
    }

    /// Runs the binary to the end (never killed).
    pub async fn run(&self, args: &[&str]) -> Out {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        self.run_owned(&args).await
    }

    pub async fn run_owned(&self, args: &[String]) -> Out {
        let started = Instant::now();
        if std::env::var_os("CRASH_VERBOSE").is_some() {
            eprintln!("{}: certkeep {}", self.label, args.join(" "));
        }
        let mut cmd = self.command(args);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let child = cmd.spawn().expect("spawn certkeep");
        let output = tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("certkeep {args:?} timed out"))
            .expect("certkeep output");
        Out {
            args: args.join(" "),
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            elapsed: started.elapsed(),
        }
    }

    /// Starts the binary and SIGKILLs it after `delay` unless it ended before; returns
    /// whether it was killed, and its exit code when it ended on its own.
    pub async fn run_killed(&self, args: &[String], delay: Duration) -> (bool, Option<i32>) {
        let mut cmd = self.command(args);
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        let mut child = cmd.spawn().expect("spawn certkeep");
        match tokio::time::timeout(delay, child.wait()).await {
            Ok(status) => (false, status.expect("wait").code()),
            Err(_) => {
                child.start_kill().expect("SIGKILL"); // tokio's kill is SIGKILL on Unix
                let status = child.wait().await.expect("wait after kill");
                // It may have ended between the timeout and the signal.
                match status.code() {
                    Some(code) => (false, Some(code)),
                    None => (true, None),
                }
            }
        }
    }

    /// `credential add` of the demo application for the bulk subscription, then discovery of
    /// every certificate version.
    pub async fn inventory(&self) {
        self.run(&[
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
        .await
        .ok();
        self.run(&["discover", "certificates", "--all-versions"])
            .await
            .ok();
    }

    /// Every request record of certificate `name` (the Request Status list).
    pub async fn requests(&self, name: &str) -> Vec<Value> {
        let out = self
            .run(&[
                "request", "list", "--name", name, "--limit", "10000", "-o", "json",
            ])
            .await
            .ok();
        out.json()
            .as_array()
            .expect("request list is an array")
            .clone()
    }

    /// The inventory's versions of `name` in [`VAULT`]: (version, x5t, current).
    pub async fn inventory_of(&self, name: &str) -> Vec<(String, String, bool)> {
        let out = self
            .run(&[
                "cert", "list", "--vault", VAULT, "--show", "all", "--limit", "10000", "-o", "json",
            ])
            .await
            .ok();
        out.json()
            .as_array()
            .expect("cert list is an array")
            .iter()
            .filter(|c| {
                c["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .map(|c| {
                (
                    c["version"].as_str().expect("version").to_string(),
                    c["x5t"].as_str().expect("x5t").to_string(),
                    c["current"].as_bool().expect("current"),
                )
            })
            .collect()
    }

    /// Whether certificate `name` has a lease (held, or left by a killed holder).
    pub async fn has_lease(&self, name: &str) -> bool {
        let store = Store::connect(&self.url).await.expect("store");
        let lease = lease_name(&store, name).await;
        let found = store.find_lease(&lease).await.expect("find lease");
        store.close().await.expect("close store");
        found.is_some()
    }
}

/// The engine's lease name for certificate `name` of [`VAULT`] (`certificate:{vault id}:{name}`).
async fn lease_name(store: &Store, name: &str) -> String {
    let vault = store
        .list_vaults(None)
        .await
        .expect("vaults")
        .into_iter()
        .find(|v| v.record.name == VAULT)
        .expect("bulk vault in the inventory");
    format!("certificate:{}:{}", vault.id.0, name.to_ascii_lowercase())
}

/// A small PRNG (xorshift64*) for kill delays; seeded from `CRASH_SEED` or the clock, and the
/// seed printed so a failing run can be replayed.
pub struct Rng(u64);

impl Rng {
    pub fn new(label: &str) -> Self {
        let seed = std::env::var("CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
                    ^ u64::from(std::process::id())
            })
            | 1;
        eprintln!("{label}: kill delays from seed CRASH_SEED={seed}");
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `[0, max)`.
    pub fn below(&mut self, max: Duration) -> Duration {
        let ms = max.as_millis().max(1) as u64;
        Duration::from_millis(self.next() % ms)
    }
}

/// Whether an emulator route id is a write (`…create|update|set|delete|merge|import|purge|recover`).
pub fn is_write(route: &str) -> bool {
    matches!(
        route.rsplit('.').next(),
        Some("create" | "update" | "set" | "delete" | "merge" | "import" | "purge" | "recover")
    )
}
