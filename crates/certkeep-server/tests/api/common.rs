//! The harness of the server's integration tests: one emulator per test binary (demo seed) on
//! its own runtime thread; per test and per backend (SQLite always, PostgreSQL when
//! `CERTKEEP_TEST_DATABASE_URL` is set: a throw-away database, dropped afterwards even on
//! panic, and a set but unusable URL fails the test) an engine on a settable clock and the
//! server on 127.0.0.1:0; an HTTP client that records every answer; and a log capture
//! (a global `tracing` subscriber writing into a buffer) for the secret scans.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use certkeep_azure::Cloud;
use certkeep_engine::credentials::AddCredential;
use certkeep_engine::master_key::MasterKey;
use certkeep_engine::{Actor, Clock, Engine, EngineConfig, NoProgress, Scope};
use certkeep_server::{Server, ServerSettings};
use certkeep_store::Store;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

pub use certkeep_emulator::demo::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_SUBSCRIPTIONS, DEMO_TENANT,
};

/// The production subscription's vaults in the demo seed.
pub const PROD_VAULTS: [&str; 3] = ["kv-prod-api", "kv-prod-shared", "kv-prod-web"];

// ---------------------------------------------------------------------------------------------
// The emulator, shared by every test of the binary.

pub struct Emu {
    pub port: u16,
    pub ca_pem: String,
    pub cloud: Cloud,
    pub root: PathBuf,
    /// A private emulator's handle (kept so that it lives as long as the test).
    pub handle: Option<certkeep_emulator::Emulator>,
}

fn emulator_cloud(port: u16, ca_pem: &str) -> Cloud {
    let base = format!("https://127.0.0.1:{port}");
    Cloud::custom(
        "emulator",
        &base,
        &base,
        "vault.localhost",
        Some(ca_pem.to_string()),
    )
    .expect("emulator cloud")
}

impl Emu {
    /// An emulator of the test's own (demo seed), on the test's runtime, for tests that change
    /// Key Vault (requests, renewals, secrets): Self issuances stay pending for an hour.
    pub async fn private(test: &str) -> Self {
        Self::private_with_delay(test, 3600.0).await
    }

    /// [`Emu::private`] whose Self and CA issuances take `secs`.
    pub async fn private_with_delay(test: &str, secs: f64) -> Self {
        let root = test_root().join(format!(
            "{test}-emulator-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        ));
        let emu = certkeep_emulator::Emulator::start(certkeep_emulator::Config {
            port: 0,
            data_dir: root.join("emulator"),
            self_delay_secs: secs,
            ca_delay_secs: secs,
            ..Default::default()
        })
        .await
        .expect("emulator starts");
        emu.load_seed(&certkeep_emulator::demo::demo_seed())
            .expect("demo seed");
        let port = emu.endpoints().port;
        let ca_pem = emu.ca_pem().to_string();
        Self {
            port,
            cloud: emulator_cloud(port, &ca_pem),
            ca_pem,
            root,
            handle: Some(emu),
        }
    }
}

/// This test binary's directory (made empty on first use).
pub fn test_root() -> &'static PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        // Earlier runs' directories, whose process has ended (Linux: /proc).
        if Path::new("/proc/self").exists()
            && let Ok(entries) = std::fs::read_dir(tmp)
        {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(pid) = name.strip_prefix("certkeep-server-tests-")
                    && pid.chars().all(|c| c.is_ascii_digit())
                    && !Path::new("/proc").join(pid).exists()
                {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let root = tmp.join(format!("certkeep-server-tests-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("test root");
        root
    })
}

/// The emulator of this test binary, started with the demo seed on first use; it serves on a
/// runtime thread of its own until the binary exits.
pub fn emulator() -> &'static Emu {
    static EMU: OnceLock<Emu> = OnceLock::new();
    EMU.get_or_init(|| {
        let root = test_root().clone();
        let emu_dir = root.join("emulator");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("emulator runtime");
            rt.block_on(async move {
                let emu = certkeep_emulator::Emulator::start(certkeep_emulator::Config {
                    port: 0,
                    data_dir: emu_dir,
                    self_delay_secs: 0.0,
                    ..Default::default()
                })
                .await
                .expect("emulator starts");
                emu.load_seed(&certkeep_emulator::demo::demo_seed())
                    .expect("demo seed");
                tx.send((emu.endpoints().port, emu.ca_pem().to_string()))
                    .expect("send");
                std::future::pending::<()>().await;
            });
        });
        let (port, ca_pem) = rx
            .recv_timeout(Duration::from_secs(300))
            .expect("the emulator started");
        Emu {
            port,
            cloud: emulator_cloud(port, &ca_pem),
            ca_pem,
            root,
            handle: None,
        }
    })
}

impl Emu {
    /// The emulator's whole state (`/_emulator/state`).
    pub async fn state(&self) -> Value {
        let http = certkeep_azure::transport::http_client(&self.cloud).expect("client");
        let resp = http
            .get(format!("https://127.0.0.1:{}/_emulator/state", self.port))
            .send()
            .await
            .expect("emulator state");
        assert!(resp.status().is_success());
        resp.json().await.expect("state JSON")
    }
}

// ---------------------------------------------------------------------------------------------
// Log capture: every test's server logs go through one global subscriber into a buffer.

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber (once): everything at DEBUG and above, from every crate
/// but the emulator (which is not the server: it may log what clients send it).
pub fn capture_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "debug,certkeep_emulator=off",
            ))
            .with_ansi(false)
            .with_target(true)
            .with_writer(|| LogWriter)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one global subscriber");
    });
}

/// Everything logged so far (by every test of the binary).
pub fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

/// The log lines naming an internal error's id (`internal error (logged as ID)` in an answer).
pub fn logged_error(answer: &str) -> String {
    let Some(id) = answer
        .split("logged as ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
    else {
        return String::new();
    };
    logs()
        .lines()
        .filter(|l| l.contains(id))
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------------------------
// A clock the tests move.

#[derive(Debug)]
pub struct TestClock(AtomicI64);

impl TestClock {
    pub fn now_real() -> Arc<Self> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs() as i64;
        Arc::new(Self(AtomicI64::new(now)))
    }
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl Clock for TestClock {
    fn now(&self) -> i64 {
        self.get()
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: a throw-away database per stack.

pub struct PgDb {
    base: String,
    pub name: String,
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ = std::process::Command::new("psql")
            .args([
                self.base.as_str(),
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

/// A new empty PostgreSQL database when `CERTKEEP_TEST_DATABASE_URL` is set (its URL and the
/// guard that drops it); a set URL where no database can be made fails the test.
fn pg_database(test: &str) -> Option<(String, PgDb)> {
    let Ok(base) = std::env::var("CERTKEEP_TEST_DATABASE_URL") else {
        eprintln!("{test}: CERTKEEP_TEST_DATABASE_URL not set: SQLite only");
        return None;
    };
    let name = format!(
        "ck_srv_{}_{}",
        test.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(24)
            .collect::<String>(),
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    );
    let created = std::process::Command::new("psql")
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
    let guard = PgDb {
        base: base.clone(),
        name: name.clone(),
    };
    let (prefix, _) = base
        .split('?')
        .next()
        .unwrap_or(&base)
        .rsplit_once('/')
        .expect("CERTKEEP_TEST_DATABASE_URL names a database");
    Some((format!("{prefix}/{name}"), guard))
}

// ---------------------------------------------------------------------------------------------
// Answers and callers.

/// One answer, read whole.
#[derive(Clone)]
pub struct Resp {
    pub method: Method,
    pub path: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Resp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} -> {} {}",
            self.method,
            &self.path[..self.path.len().min(200)],
            self.status,
            String::from_utf8_lossy(&self.body[..self.body.len().min(600)])
        )
    }
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{self:?}: the body is not JSON: {e}"))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap_or_default().to_string())
    }
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap_or_default().to_string())
            .collect()
    }
    /// `error.code` of an error answer.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("{self:?}: no error.code"))
            .to_string()
    }
    /// `error.field` of an error answer.
    pub fn field(&self) -> Option<String> {
        self.json()["error"]["field"].as_str().map(str::to_string)
    }
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status, status, "{self:?}");
        self
    }
    #[track_caller]
    pub fn ok(self) -> Self {
        assert!((200..300).contains(&self.status), "{self:?}");
        self
    }
}

/// A signed-in browser session.
#[derive(Clone, Debug)]
pub struct Session {
    pub username: String,
    pub password: String,
    pub cookie: String,
    pub csrf: String,
}

/// Who sends a request.
#[derive(Clone, Debug)]
pub enum Who {
    Anon,
    /// The session cookie and its CSRF token (sent on every request).
    Session(Session),
    /// `Authorization: Bearer <token>`.
    Token(String),
}

/// A password the rules accept, different every time.
pub fn fresh_password() -> String {
    format!("Zq7!{}", &uuid::Uuid::new_v4().simple().to_string()[..18])
}

/// The value of `certkeep_session=` in a `Set-Cookie` header.
pub fn cookie_value(set_cookie: &str) -> Option<String> {
    set_cookie
        .split(';')
        .next()?
        .trim()
        .strip_prefix("certkeep_session=")
        .map(str::to_string)
}

// ---------------------------------------------------------------------------------------------
// The stack: store, engine (on the test clock) and server, for one backend.

pub struct Stack {
    pub backend: &'static str,
    /// The server's base URL.
    pub url: String,
    /// The database's URL.
    pub db_url: String,
    pub engine: Arc<Engine>,
    pub store: Store,
    pub clock: Arc<TestClock>,
    pub dir: PathBuf,
    /// The SQLite file (None on PostgreSQL).
    pub sqlite_file: Option<PathBuf>,
    pub http: reqwest::Client,
    /// Every answer this stack's client received (for the secret scans).
    pub transcript: Mutex<Vec<Resp>>,
    server: Option<Server>,
    /// The stack's own emulator ([`private_stacks`]).
    pub emu: Option<Emu>,
    _pg: Option<PgDb>,
}

/// The stacks a test runs on: SQLite, and PostgreSQL when configured (the shared emulator).
pub async fn stacks(test: &str) -> Vec<Stack> {
    build_stacks(test, None).await
}

/// [`stacks`], each against an emulator of its own ([`Emu::private`]), for tests that change
/// Key Vault.
pub async fn private_stacks(test: &str) -> Vec<Stack> {
    build_stacks(test, Some(3600.0)).await
}

/// [`private_stacks`] whose emulators issue Self and CA certificates in `secs`.
pub async fn quick_stacks(test: &str, secs: f64) -> Vec<Stack> {
    build_stacks(test, Some(secs)).await
}

async fn build_stacks(test: &str, private: Option<f64>) -> Vec<Stack> {
    capture_logs();
    let dir = test_root().join(format!(
        "{test}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    ));
    std::fs::create_dir_all(&dir).expect("test dir");
    let emu = || async {
        match private {
            Some(secs) => Some(Emu::private_with_delay(test, secs).await),
            None => None,
        }
    };
    let mut out = Vec::new();
    let file = dir.join("certkeep.db");
    out.push(
        Stack::start(
            "sqlite",
            emu().await,
            format!("sqlite://{}", file.display()),
            dir.join("sqlite"),
            Some(file),
            None,
        )
        .await,
    );
    if let Some((url, guard)) = pg_database(test) {
        out.push(
            Stack::start(
                "postgres",
                emu().await,
                url,
                dir.join("postgres"),
                None,
                Some(guard),
            )
            .await,
        );
    }
    out
}

impl Stack {
    async fn start(
        backend: &'static str,
        private: Option<Emu>,
        db_url: String,
        dir: PathBuf,
        sqlite_file: Option<PathBuf>,
        pg: Option<PgDb>,
    ) -> Self {
        std::fs::create_dir_all(&dir).expect("stack dir");
        let clock = TestClock::now_real();
        let store = Store::connect_with_clock(&db_url, clock.clone())
            .await
            .unwrap_or_else(|e| panic!("{backend}: the store opens: {e}"));
        let key = MasterKey::load_or_create(&dir.join("master.key")).expect("master key");
        let mut config = EngineConfig::default();
        config.clouds.insert(
            "emulator".into(),
            private.as_ref().unwrap_or_else(|| emulator()).cloud.clone(),
        );
        let engine = Arc::new(Engine::new(store.clone(), key, config).with_clock(clock.clone()));
        let server = Server::start(
            engine.clone(),
            ServerSettings {
                listen: "127.0.0.1:0".parse().expect("address"),
                ..Default::default()
            },
        )
        .await
        .expect("the server starts");
        let url = server.url();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(120))
            .build()
            .expect("client");
        Self {
            backend,
            url,
            db_url,
            engine,
            store,
            clock,
            dir,
            sqlite_file,
            http,
            transcript: Mutex::new(Vec::new()),
            server: Some(server),
            emu: private,
            _pg: pg,
        }
    }

    /// Stops the server (the database is dropped with the stack).
    pub async fn finish(mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown(Duration::from_secs(5)).await;
        }
    }

    /// A request builder for `path` with `who`'s credentials (no body).
    pub fn request(&self, who: &Who, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut b = self.http.request(method, format!("{}{path}", self.url));
        match who {
            Who::Anon => {}
            Who::Session(s) => {
                b = b
                    .header("cookie", format!("certkeep_session={}", s.cookie))
                    .header("x-csrf-token", &s.csrf);
            }
            Who::Token(t) => b = b.header("authorization", format!("Bearer {t}")),
        }
        b
    }

    /// Sends a built request and reads the answer whole (recorded in the transcript).
    pub async fn send(&self, b: reqwest::RequestBuilder) -> Resp {
        self.try_send(b).await.unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Stack::send`], with a transport failure (a dropped connection) as an error.
    pub async fn try_send(&self, b: reqwest::RequestBuilder) -> Result<Resp, String> {
        let req = b.build().expect("request builds");
        let method = req.method().clone();
        let path = match req.url().query() {
            Some(q) => format!("{}?{q}", req.url().path()),
            None => req.url().path().to_string(),
        };
        let short = &path[..path.len().min(200)];
        let resp = self
            .http
            .execute(req)
            .await
            .map_err(|e| format!("{method} {short}: no answer: {e}"))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .bytes()
            .await
            .map_err(|e| format!("{method} {short}: body: {e}"))?
            .to_vec();
        let r = Resp {
            method,
            path,
            status,
            headers,
            body,
        };
        self.transcript
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(r.clone());
        Ok(r)
    }

    /// `method path` as `who`, with a JSON body when given.
    pub async fn call(&self, who: &Who, method: Method, path: &str, body: Option<Value>) -> Resp {
        let mut b = self.request(who, method, path);
        if let Some(v) = body {
            b = b.json(&v);
        }
        self.send(b).await
    }

    pub async fn get(&self, who: &Who, path: &str) -> Resp {
        self.call(who, Method::GET, path, None).await
    }

    pub async fn post(&self, who: &Who, path: &str, body: Value) -> Resp {
        self.call(who, Method::POST, path, Some(body)).await
    }

    /// `POST /api/v1/session` with no cookie.
    pub async fn login(&self, username: &str, password: &str) -> Resp {
        self.post(
            &Who::Anon,
            "/api/v1/session",
            json!({"username": username, "password": password}),
        )
        .await
    }

    /// Signs in (must succeed) and returns the session.
    pub async fn sign_in(&self, username: &str, password: &str) -> Session {
        let r = self.login(username, password).await;
        assert_eq!(
            r.status, 200,
            "{}: sign-in of {username}: {r:?}",
            self.backend
        );
        let cookie = r
            .set_cookies()
            .iter()
            .find_map(|c| cookie_value(c))
            .unwrap_or_else(|| panic!("no session cookie in {:?}", r.set_cookies()));
        let csrf = r.json()["csrf_token"]
            .as_str()
            .expect("csrf_token")
            .to_string();
        Session {
            username: username.to_string(),
            password: password.to_string(),
            cookie,
            csrf,
        }
    }

    /// Changes the session's password (must succeed); the session stays signed in.
    pub async fn change_password(&self, s: &mut Session) {
        let new = fresh_password();
        let r = self
            .post(
                &Who::Session(s.clone()),
                "/api/v1/session/password",
                json!({"current_password": s.password, "new_password": new}),
            )
            .await;
        assert_eq!(r.status, 204, "{}: password change: {r:?}", self.backend);
        s.password = new;
    }

    /// The first admin: bootstrapped, signed in, its one-time password changed.
    pub async fn admin(&self) -> Session {
        let otp = self
            .engine
            .bootstrap_admin()
            .await
            .expect("bootstrap")
            .expect("no user yet");
        let mut s = self.sign_in("admin", &otp).await;
        self.change_password(&mut s).await;
        s
    }

    /// A user made by `admin` with `role`, signed in, with the one-time password changed.
    pub async fn user(&self, admin: &Session, name: &str, role: &str) -> Session {
        let otp = fresh_password();
        let r = self
            .post(
                &Who::Session(admin.clone()),
                "/api/v1/users",
                json!({"username": name, "password": otp, "role": role}),
            )
            .await;
        assert_eq!(r.status, 201, "{}: create {name}: {r:?}", self.backend);
        let mut s = self.sign_in(name, &otp).await;
        self.change_password(&mut s).await;
        s
    }

    /// An API token made by `owner` (must succeed): (token, id).
    pub async fn token(
        &self,
        owner: &Session,
        name: &str,
        role: &str,
        days: i64,
    ) -> (String, String) {
        let r = self
            .post(
                &Who::Session(owner.clone()),
                "/api/v1/tokens",
                json!({"name": name, "role": role, "expires_in_days": days}),
            )
            .await;
        assert_eq!(r.status, 201, "{}: token {name}: {r:?}", self.backend);
        let j = r.json();
        (
            j["token"].as_str().expect("token").to_string(),
            j["details"]["id"].as_str().expect("id").to_string(),
        )
    }

    /// The demo credential `name` on the production subscription, added through the engine.
    pub async fn add_demo_credential(&self, name: &str) {
        self.engine
            .add_credential(
                &Actor::user("setup"),
                AddCredential {
                    name: name.into(),
                    cloud: "emulator".into(),
                    tenant_id: DEMO_TENANT.into(),
                    subscription_id: DEMO_SUBSCRIPTIONS[0].into(),
                    client_id: DEMO_CLIENT_ID.into(),
                    client_secret: DEMO_CLIENT_SECRET.to_string().into(),
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{}: add credential {name}: {e}", self.backend));
    }

    /// The demo estate: credential `prod` and every certificate version discovered.
    pub async fn demo_estate(&self) {
        self.add_demo_credential("prod").await;
        let reports = self
            .engine
            .discover_certificates(&Actor::user("setup"), &Scope::default(), true, &NoProgress)
            .await
            .expect("discovery");
        assert!(
            reports.iter().all(|r| r.error.is_none()),
            "{}: discovery: {reports:?}",
            self.backend
        );
    }

    /// Every answer so far, bodies and headers, as text.
    pub fn transcript_text(&self) -> String {
        let t = self.transcript.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        for r in t.iter() {
            out.push_str(&format!("{} {} {}\n", r.method, r.path, r.status));
            for (k, v) in &r.headers {
                out.push_str(&format!("{k}: {}\n", String::from_utf8_lossy(v.as_bytes())));
            }
            out.push_str(&String::from_utf8_lossy(&r.body));
            out.push('\n');
        }
        out
    }
}

/// The JSON of any serialisable engine value.
pub fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("serialises")
}

/// A `multipart/form-data` body: text fields, then a `file` part (content type, body).
pub fn multipart(fields: &[(&str, &str)], file: Option<&[u8]>) -> (String, Vec<u8>) {
    let boundary = format!("ckboundary{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some(f) = file {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend(f);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
