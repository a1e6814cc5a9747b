//! Harness for the CLI tests: one emulator per test binary (demo seed, port 0) on its own
//! runtime thread, a data directory and config file (custom cloud `emulator` with the
//! emulator's CA) per test, and the real `certkeep` binary run with a timeout.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use certkeep_azure::Cloud;
use certkeep_emulator::{Config, Emulator};
use serde_json::Value;
use tokio::io::AsyncWriteExt as _;

pub use certkeep_emulator::demo::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_SUBSCRIPTIONS, DEMO_TENANT, NO_ACCESS_CLIENT_ID,
    NO_ACCESS_CLIENT_SECRET,
};

pub const PROD: &str = DEMO_SUBSCRIPTIONS[0];
pub const PROD_VAULTS: [&str; 3] = ["kv-prod-api", "kv-prod-shared", "kv-prod-web"];

/// Every command gets at most this long.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// Variables a developer's shell might set that must not leak into the tests.
const CLEARED: [&str; 6] = [
    "CERTKEEP_DATA_DIR",
    "CERTKEEP_DATABASE_URL",
    "CERTKEEP_CONFIG",
    "CERTKEEP_CLIENT_SECRET",
    "CERTKEEP_MASTER_KEY_FILE",
    "RUST_LOG",
];

pub struct Shared {
    pub port: u16,
    pub ca_path: PathBuf,
    pub root: PathBuf,
}

/// The emulator of this test binary, started (with the demo seed) on first use.
pub fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        remove_stale_roots(tmp);
        let root = tmp.join(format!("certkeep-cli-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("test root");
        let emu_dir = root.join("emulator");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let emu = Emulator::start(Config {
                    port: 0,
                    data_dir: emu_dir,
                    self_delay_secs: 0.0,
                    ..Default::default()
                })
                .await
                .expect("emulator starts");
                emu.load_seed(&certkeep_emulator::demo::demo_seed())
                    .expect("demo seed");
                tx.send((emu.endpoints().port, emu.ca_path()))
                    .expect("send");
                // Serve until the test binary exits.
                std::future::pending::<()>().await;
            });
        });
        let (port, ca_path) = rx.recv().expect("emulator started");
        Shared {
            port,
            ca_path,
            root,
        }
    })
}

/// Removes the directories of earlier test runs whose process has ended (Linux: /proc).
fn remove_stale_roots(tmp: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("certkeep-cli-")
            && pid.chars().all(|c| c.is_ascii_digit())
            && !Path::new("/proc").join(pid).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Shared {
    pub fn base(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    fn cloud(&self) -> Cloud {
        let ca = std::fs::read_to_string(&self.ca_path).expect("CA");
        Cloud::custom(
            "emulator",
            &self.base(),
            &self.base(),
            "vault.localhost",
            Some(ca),
        )
        .expect("cloud")
    }

    /// An admin API client (build one per test: clients belong to a runtime).
    pub fn http(&self) -> reqwest::Client {
        certkeep_azure::transport::http_client(&self.cloud()).expect("http client")
    }

    pub async fn admin_get(&self, path: &str) -> Value {
        let resp = self
            .http()
            .get(format!("{}/_emulator/{path}", self.base()))
            .send()
            .await
            .expect("admin GET");
        assert!(resp.status().is_success(), "GET {path}: {}", resp.status());
        resp.json().await.expect("admin JSON")
    }

    pub async fn admin_post(&self, path: &str, body: &Value) -> Value {
        let resp = self
            .http()
            .post(format!("{}/_emulator/{path}", self.base()))
            .json(body)
            .send()
            .await
            .expect("admin POST");
        let status = resp.status();
        let text = resp.text().await.expect("admin body");
        assert!(status.is_success(), "POST {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

/// One test's Certkeep installation: its data directory and config file.
pub struct Cli {
    pub data_dir: PathBuf,
    pub config: PathBuf,
}

impl Cli {
    /// A fresh data directory named after the test, and a config with the emulator cloud.
    pub fn new(test: &str) -> Self {
        let s = shared();
        let dir = s.root.join(test);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("test dir");
        let config = dir.join("certkeep.toml");
        std::fs::write(
            &config,
            format!(
                "[[clouds]]\nname = \"emulator\"\nauthority_host = \"{b}\"\narm_endpoint = \"{b}\"\n\
                 vault_dns_suffix = \"vault.localhost\"\nca_file = \"{}\"\n\n[azure]\nvault_concurrency = 3\n",
                s.ca_path.display(),
                b = s.base()
            ),
        )
        .expect("config");
        Self {
            data_dir: dir.join("data"),
            config,
        }
    }

    pub fn cmd(&self, args: &[&str]) -> Cmd {
        Cmd {
            args: args.iter().map(|a| a.to_string()).collect(),
            envs: vec![
                (
                    "CERTKEEP_DATA_DIR".into(),
                    self.data_dir.display().to_string(),
                ),
                ("CERTKEEP_CONFIG".into(), self.config.display().to_string()),
            ],
            stdin: None,
        }
    }

    /// `credential add` of the demo application for a subscription.
    pub async fn add_demo(&self, name: &str, subscription: &str) -> Out {
        self.cmd(&[
            "credential",
            "add",
            "--name",
            name,
            "--tenant-id",
            DEMO_TENANT,
            "--subscription-id",
            subscription,
            "--client-id",
            DEMO_CLIENT_ID,
            "--cloud",
            "emulator",
            "--output",
            "json",
        ])
        .env("CERTKEEP_CLIENT_SECRET", DEMO_CLIENT_SECRET)
        .run()
        .await
    }
}

pub struct Cmd {
    args: Vec<String>,
    envs: Vec<(String, String)>,
    stdin: Option<String>,
}

impl Cmd {
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    pub fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.into());
        self
    }

    pub async fn run(self) -> Out {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_certkeep"));
        command
            .args(&self.args)
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for var in CLEARED {
            command.env_remove(var);
        }
        for (k, v) in &self.envs {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("spawn certkeep");
        if let Some(text) = &self.stdin {
            let mut stdin = child.stdin.take().expect("stdin");
            // A command that refuses its arguments exits before reading stdin;
            // the closed pipe is then expected, and its exit code is what the test checks.
            match stdin.write_all(text.as_bytes()).await {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                other => other.expect("write stdin"),
            }
            drop(stdin);
        }
        let output = tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("certkeep {:?} timed out", self.args))
            .expect("certkeep output");
        Out {
            args: self.args.join(" "),
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

#[derive(Debug)]
pub struct Out {
    pub args: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Asserts exit 0 and returns itself.
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "certkeep {} failed:\n{}",
            self.args, self.stderr
        );
        self
    }

    /// Asserts the exit code and that stderr holds `error: ...` with `needle`.
    pub fn fails(self, code: i32, needle: &str) -> Self {
        assert_eq!(
            self.code, code,
            "certkeep {}: expected exit {code}\nstdout: {}\nstderr: {}",
            self.args, self.stdout, self.stderr
        );
        assert!(
            self.stderr.contains("error:") && self.stderr.contains(needle),
            "certkeep {}: stderr lacks 'error:' and '{needle}': {}",
            self.args,
            self.stderr
        );
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "certkeep {}: stdout is not JSON ({e}): {}",
                self.args, self.stdout
            )
        })
    }
}

/// Sum of a numeric field over a JSON array of reports.
pub fn sum(reports: &Value, field: &str) -> u64 {
    reports
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r[field].as_u64().expect(field))
        .sum()
}
