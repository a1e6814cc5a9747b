//! `certkeep-bench api`: Certkeep's REST API under a UI's and scripts' read load, on an
//! inventory of 100,000 certificate versions (SQLite file or PostgreSQL). Fills the store once
//! (the emulator's bulk seed discovered through the engine, in a child process so that the
//! emulator's estate is not in the server's memory), starts `certkeep_server::Server` in this
//! process, and sends each endpoint's requests at a fixed concurrency with an API token; prints
//! requests, errors, latency percentiles, the server's CPU and the process's peak RSS, and
//! PASS/FAIL per target.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use certkeep_azure::{BudgetConfig, Cloud, PoolConfig};
use certkeep_emulator::demo::{
    BULK_SUBSCRIPTION, BulkSpec, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT,
};
use certkeep_emulator::gate::{Faults, ThrottleSettings};
use certkeep_engine::access::{NewApiTokenInput, Role, SessionPolicy, ThrottlePolicy};
use certkeep_engine::credentials::AddCredential;
use certkeep_engine::master_key::MasterKey;
use certkeep_engine::{Actor, Engine, EngineConfig, NoProgress, Scope};
use certkeep_server::{Server, ServerSettings};
use certkeep_store::{CertificateFilter, Show, Store};
use rand::{Rng as _, RngCore};

use crate::discovery::{FreshStore, drop_store, file_mb, fresh_store};
use crate::proc_stats::{CpuSnapshot, MachineCpu, peak_rss_mb, rss_mb};

/// Target: the 99th percentile of every endpoint, milliseconds.
const P99_TARGET_MS: f64 = 50.0;
/// Target: peak RSS of the process (server, engine, store pool and the load client), MB.
const RSS_TARGET_MB: f64 = 200.0;
/// The credential the fill adds (the vaults are `bulk-000…` under it).
const CREDENTIAL: &str = "bench";
/// How the parent hands the store's URL to the fill process (not on the command line, where
/// a PostgreSQL password would show in `ps`).
pub(crate) const FILL_URL_ENV: &str = "CERTKEEP_BENCH_FILL_URL";
/// Requests sent one at a time per endpoint before the load, for the unloaded latency.
const ALONE: usize = 5;
/// The client gives up on a request after this long (a reverse proxy's usual limit); that
/// request counts as an error.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(60);

/// What `certkeep-bench api` was asked for.
#[derive(Debug, Clone)]
pub(crate) struct Args {
    pub(crate) bulk: BulkSpec,
    pub(crate) concurrency: usize,
    pub(crate) seconds: u64,
    pub(crate) database_url: Option<String>,
    pub(crate) client_threads: usize,
    pub(crate) only: Vec<String>,
    pub(crate) keep: bool,
    pub(crate) filled: Option<PathBuf>,
    /// The web pages (`ui`) instead of the API, with a session cookie.
    pub(crate) pages: bool,
}

impl Args {
    fn name(&self) -> &'static str {
        if self.pages { "ui" } else { "api" }
    }

    fn endpoints(&self) -> &'static [Endpoint] {
        if self.pages {
            PAGE_ENDPOINTS
        } else {
            ENDPOINTS
        }
    }

    fn p99_target_ms(&self) -> f64 {
        if self.pages {
            PAGE_P99_TARGET_MS
        } else {
            P99_TARGET_MS
        }
    }
}

/// How far ahead of the system clock the `ui` run's engine is.
const PAGES_CLOCK_AHEAD_SECS: i64 = 60 * 86_400;

/// The system clock, `.0` seconds ahead.
#[derive(Debug)]
struct Later(i64);

impl certkeep_engine::Clock for Later {
    fn now(&self) -> i64 {
        certkeep_engine::Clock::now(&certkeep_engine::SystemClock) + self.0
    }
}

/// The pages' targets (issue 8): p99 and the HTML of one page.
const PAGE_P99_TARGET_MS: f64 = 100.0;
const PAGE_HTML_TARGET_KB: f64 = 150.0;

/// What the fill process (`certkeep-bench api-fill`, started by `api`) is told.
#[derive(Debug, Clone)]
pub(crate) struct FillArgs {
    pub(crate) bulk: BulkSpec,
    pub(crate) dir: PathBuf,
}

/// One kind of request of the mix.
struct Endpoint {
    name: &'static str,
    /// The request's shape, for the output (`{v}`, `{c}`: random vault and certificate).
    shape: &'static str,
    /// A request path with its random parts filled in.
    path: fn(&BulkSpec, &mut dyn RngCore) -> String,
}

fn vault_of(spec: &BulkSpec, rng: &mut dyn RngCore) -> String {
    format!("bulk-{:03}", rng.random_range(0..spec.vaults))
}

fn cert_of(spec: &BulkSpec, rng: &mut dyn RngCore) -> String {
    format!("cert-{:05}", rng.random_range(0..spec.certs))
}

const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "list",
        shape: "/api/v1/certificates?limit=50",
        path: |_, _| "/api/v1/certificates?limit=50".into(),
    },
    Endpoint {
        name: "expiring",
        shape: "/api/v1/certificates?state=expiring&expiring_within_days=30",
        path: |_, _| "/api/v1/certificates?state=expiring&expiring_within_days=30".into(),
    },
    Endpoint {
        name: "vault",
        shape: "/api/v1/certificates?vault={v}&credential=bench",
        path: |spec, rng| {
            format!(
                "/api/v1/certificates?vault={}&credential={CREDENTIAL}",
                vault_of(spec, rng)
            )
        },
    },
    Endpoint {
        name: "issuer-self",
        shape: "/api/v1/certificates?issuer_kind=self",
        path: |_, _| "/api/v1/certificates?issuer_kind=self".into(),
    },
    Endpoint {
        name: "ec-by-name",
        shape: "/api/v1/certificates?key_type=EC&sort=name&order=desc",
        path: |_, _| "/api/v1/certificates?key_type=EC&sort=name&order=desc".into(),
    },
    Endpoint {
        name: "search-name",
        shape: "/api/v1/certificates?search=rt-{c/10} (10 names per vault)",
        path: |spec, rng| {
            format!(
                "/api/v1/certificates?search=rt-{:04}",
                rng.random_range(0..spec.certs.div_ceil(10))
            )
        },
    },
    Endpoint {
        name: "search-san",
        shape: "/api/v1/certificates?search=.{v without -}.example.com (a vault's domain)",
        path: |spec, rng| {
            format!(
                "/api/v1/certificates?search=.bulk{:03}.example.com",
                rng.random_range(0..spec.vaults)
            )
        },
    },
    Endpoint {
        name: "deep-page",
        shape: "/api/v1/certificates?show=all&offset=90000&limit=50",
        path: |spec, _| {
            let versions = spec.vaults * spec.certs * spec.versions;
            format!(
                "/api/v1/certificates?show=all&offset={}&limit=50",
                versions.saturating_sub(versions / 10)
            )
        },
    },
    Endpoint {
        name: "facets",
        shape: "/api/v1/certificates/facets",
        path: |_, _| "/api/v1/certificates/facets".into(),
    },
    Endpoint {
        name: "detail",
        shape: "/api/v1/vaults/bench/{v}/certificates/{c}",
        path: |spec, rng| {
            format!(
                "/api/v1/vaults/{CREDENTIAL}/{}/certificates/{}",
                vault_of(spec, rng),
                cert_of(spec, rng)
            )
        },
    },
    Endpoint {
        name: "summary",
        shape: "/api/v1/summary",
        path: |_, _| "/api/v1/summary".into(),
    },
];

/// The web pages of the mix (server-rendered HTML).
const PAGE_ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "dashboard",
        shape: "/dashboard",
        path: |_, _| "/dashboard".into(),
    },
    Endpoint {
        name: "dash-issuer",
        shape: "/dashboard?split=issuer",
        path: |_, _| "/dashboard?split=issuer".into(),
    },
    Endpoint {
        name: "list-page",
        shape: "/certificates",
        path: |_, _| "/certificates".into(),
    },
    Endpoint {
        name: "vault-page",
        shape: "/certificates?credential=bench&vault={v}&state=expiring",
        path: |spec, rng| {
            format!(
                "/certificates?credential={CREDENTIAL}&vault={}&state=expiring",
                vault_of(spec, rng)
            )
        },
    },
    Endpoint {
        name: "search-page",
        shape: "/certificates?search=rt-{c/10}&key_type=EC",
        path: |spec, rng| {
            format!(
                "/certificates?search=rt-{:04}&key_type=EC",
                rng.random_range(0..spec.certs.div_ceil(10))
            )
        },
    },
    Endpoint {
        name: "cert-page",
        shape: "/certificates/bench/{v}/{c}",
        path: |spec, rng| {
            format!(
                "/certificates/{CREDENTIAL}/{}/{}",
                vault_of(spec, rng),
                cert_of(spec, rng)
            )
        },
    },
];

/// What the seed holds, to check the answers against.
struct Expected {
    versions: u64,
    current: u64,
    current_ec: u64,
}

impl Expected {
    fn of(spec: &BulkSpec) -> Self {
        let rsa_per_vault = (0..spec.certs).filter(|c| c % 10 == 9).count();
        let current = (spec.vaults * spec.certs) as u64;
        Self {
            versions: current * spec.versions as u64,
            current,
            current_ec: current - (spec.vaults * rsa_per_vault) as u64,
        }
    }

    /// The `total` a listing endpoint must report, when the seed decides it.
    fn total(&self, endpoint: &str, spec: &BulkSpec) -> Option<u64> {
        match endpoint {
            "list" | "issuer-self" => Some(self.current),
            "vault" => Some(spec.certs as u64),
            "ec-by-name" => Some(self.current_ec),
            "search-san" => Some(spec.certs as u64),
            "deep-page" => Some(self.versions),
            "detail" => Some(spec.versions as u64),
            _ => None,
        }
    }
}

/// One endpoint's load.
struct Figures {
    name: &'static str,
    requests: usize,
    errors: usize,
    first_error: Option<String>,
    wall: f64,
    /// Sorted, milliseconds.
    latencies: Vec<f64>,
    cpu: CpuSnapshot,
    machine: MachineCpu,
    /// The process's peak RSS (VmHWM) so far, MB.
    peak_rss: f64,
    /// The size of the checked answer's body (the HTML of a page).
    body_bytes: usize,
}

impl Figures {
    /// Nearest-rank percentile, milliseconds.
    fn percentile(&self, p: f64) -> f64 {
        percentile(&self.latencies, p)
    }

    fn client_cpu(&self) -> f64 {
        self.cpu
            .by_thread_name
            .get("client-rt")
            .copied()
            .unwrap_or(0.0)
    }

    fn server_cpu(&self) -> f64 {
        (self.cpu.process - self.client_cpu()).max(0.0)
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub(crate) async fn api(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.concurrency > 0 && args.seconds > 0,
        "--concurrency and --seconds must be positive"
    );
    for only in &args.only {
        anyhow::ensure!(
            args.endpoints().iter().any(|e| e.name == only),
            "--only {only}: no such endpoint (one of {})",
            args.endpoints()
                .iter()
                .map(|e| e.name)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let dir = std::env::temp_dir().join(format!(
        "certkeep-bench-{}-{}",
        args.name(),
        std::process::id()
    ));
    std::fs::create_dir_all(&dir)?;
    let result = run(&args, &dir).await;
    if args.keep {
        println!("kept {} (--keep)", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

async fn run(args: &Args, dir: &Path) -> anyhow::Result<()> {
    let spec = args.bulk;
    let expected = Expected::of(&spec);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "certkeep-bench {}: {} certificate versions ({} vaults x {} certificates x {} versions), concurrency {}, {} s per endpoint, {cores} cores",
        args.name(),
        expected.versions,
        spec.vaults,
        spec.certs,
        spec.versions,
        args.concurrency,
        args.seconds
    );

    // 1. A fresh store, filled by a child process (emulator bulk seed + all-versions discovery),
    // or a copy of one filled before.
    if let Some(filled) = &args.filled {
        std::fs::copy(filled, dir.join("certkeep.db"))
            .with_context(|| format!("copying --filled {}", filled.display()))?;
    }
    let fresh = fresh_store(args.database_url.as_deref(), dir).await?;
    println!("store: {}", fresh.shown);
    let outcome = fill_and_measure(args, dir, &fresh, &expected).await;
    if args.keep {
        if let Some((_, name)) = &fresh.drop_pg {
            println!("kept the PostgreSQL database {name} (--keep)");
        }
        fresh.store.close().await?;
    } else {
        drop_store(fresh).await?;
    }
    outcome
}

async fn fill_and_measure(
    args: &Args,
    dir: &Path,
    fresh: &FreshStore,
    expected: &Expected,
) -> anyhow::Result<()> {
    if let Some(filled) = &args.filled {
        println!(
            "fill: none, the store is a copy of {} (--filled)",
            filled.display()
        );
    } else {
        fill_store(args, dir, fresh).await?;
    }
    measure(args, dir, fresh, expected).await
}

/// The fill, in a child process (so the emulator's estate is not in this one's memory).
async fn fill_store(args: &Args, dir: &Path, fresh: &FreshStore) -> anyhow::Result<()> {
    let spec = args.bulk;
    let t = Instant::now();
    let status = tokio::process::Command::new(std::env::current_exe()?)
        .arg("api-fill")
        .arg("--bulk")
        .arg(format!("{},{},{}", spec.vaults, spec.certs, spec.versions))
        .arg("--dir")
        .arg(dir)
        .env(FILL_URL_ENV, &fresh.url)
        .status()
        .await
        .context("starting the fill process")?;
    anyhow::ensure!(status.success(), "the fill process failed: {status}");
    println!(
        "fill: {:.1} s in all (child process: emulator start, bulk seed, credential, discovery; not part of the targets)",
        t.elapsed().as_secs_f64()
    );
    if args.keep && fresh.sqlite_file.is_some() {
        keep_filled(&fresh.url, &dir.join("filled.db")).await?;
    }
    Ok(())
}

/// A copy of the filled SQLite store (`VACUUM INTO`: consistent, WAL included), for `--filled`.
async fn keep_filled(url: &str, to: &Path) -> anyhow::Result<()> {
    use sea_orm::ConnectionTrait as _;
    let db = sea_orm::Database::connect(url).await?;
    let path = to.display().to_string().replace('\'', "''");
    db.execute_unprepared(&format!("VACUUM INTO '{path}'"))
        .await?;
    db.close().await?;
    println!("kept the filled store as {} (for --filled)", to.display());
    Ok(())
}

async fn measure(
    args: &Args,
    dir: &Path,
    fresh: &FreshStore,
    expected: &Expected,
) -> anyhow::Result<()> {
    let store = &fresh.store;
    let versions = count(store, Show::All).await?;
    let current = count(store, Show::Current).await?;
    check(
        versions == expected.versions && current == expected.current,
        &format!(
            "the store holds {versions} versions, {current} current (expected {} and {})",
            expected.versions, expected.current
        ),
    );
    if let Some(file) = &fresh.sqlite_file {
        let mut wal = file.clone().into_os_string();
        wal.push("-wal");
        println!(
            "SQLite file {:.1} MB (+ WAL {:.1} MB); no ANALYZE (the store runs none: SQLite plans without statistics)",
            file_mb(file),
            file_mb(Path::new(&wal))
        );
    }
    if fresh.drop_pg.is_some() {
        analyze_postgres(&fresh.url).await?;
    }

    // 2. The engine on the filled store, an API token, the server on a free port.
    let rss_store = rss_mb();
    let key = MasterKey::load_or_create(&dir.join("master.key"))?;
    let mut engine = Engine::new(store.clone(), key, EngineConfig::default());
    if args.pages {
        // The bulk seed's current versions all end 364 days and a few hours from now, just
        // past the dashboard's 52 weeks: 60 days later they fall inside its timeline, so it
        // draws (and counts) all 20,000.
        engine = engine.with_clock(Arc::new(Later(PAGES_CLOCK_AHEAD_SECS)));
        println!(
            "the pages' clock runs {} days ahead (the whole inventory on the dashboard's timeline)",
            PAGES_CLOCK_AHEAD_SECS / 86_400
        );
    }
    let engine = Arc::new(engine);
    let (token, session) = api_token(&engine).await?;
    println!(
        "RSS with the store open: {rss_store:.0} MB; after bootstrap, two sign-ins, a password change and the token (argon2id, 19 MiB each): {:.0} MB (peak {:.0} MB)",
        rss_mb(),
        peak_rss_mb()
    );
    let server = Server::start(
        engine.clone(),
        ServerSettings {
            listen: "127.0.0.1:0".parse()?,
            ..Default::default()
        },
    )
    .await?;
    let base: Arc<str> = server.url().into();
    println!(
        "server: {base} (in this process, on the main tokio runtime: {cores} workers); {}",
        if args.pages {
            "a signed-in admin's session cookie"
        } else {
            "Authorization: Bearer ck_… (an auditor token)"
        },
        cores = std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads.max(1))
        .thread_name("client-rt")
        .enable_all()
        .build()?;
    let mut headers = reqwest::header::HeaderMap::new();
    if args.pages {
        headers.insert(
            reqwest::header::COOKIE,
            format!("certkeep_session={session}").parse()?,
        );
    } else {
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {token}").parse()?,
        );
    }
    let client = reqwest::Client::builder()
        .default_headers(headers)
        // A redirect (to the sign-in page) is an error here, not a page.
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(args.concurrency)
        .timeout(CLIENT_TIMEOUT)
        .build()?;
    let rss_before = rss_mb();
    println!(
        "client: reqwest, {} connections, on its own runtime ({} thread{}, \"client-rt\"); RSS before the load: {rss_before:.0} MB",
        args.concurrency,
        args.client_threads.max(1),
        if args.client_threads > 1 { "s" } else { "" }
    );

    let endpoints: Vec<&'static Endpoint> = args
        .endpoints()
        .iter()
        .filter(|e| args.only.is_empty() || args.only.iter().any(|o| o == e.name))
        .collect();
    // 3. Each endpoint checked, alone, then under load.
    let outcome = load(
        args,
        &client_rt,
        &client,
        &base,
        &endpoints,
        expected,
        fresh.drop_pg.is_some(),
    )
    .await;
    let peak = peak_rss_mb();
    client_rt.shutdown_background();
    server.shutdown(Duration::from_secs(5)).await;
    drop(engine);
    let figures = outcome?;

    // 4. Targets: reported, never an error (this is a measurement).
    println!();
    println!(
        "peak RSS (VmHWM) of the process: {peak:.0} MB (server, engine, store pool and the load client; the emulator ran in the fill process)"
    );
    println!();
    println!("targets:");
    let p99_target = args.p99_target_ms();
    for f in &figures {
        let p99 = f.percentile(0.99);
        target(
            f.errors == 0 && p99 <= p99_target,
            &format!(
                "{:<12} p99 <= {p99_target:.0} ms, no errors: p99 {p99:.1} ms, {} errors in {} requests",
                f.name, f.errors, f.requests
            ),
        );
        if args.pages {
            let kb = f.body_bytes as f64 / 1024.0;
            target(
                kb <= PAGE_HTML_TARGET_KB,
                &format!(
                    "{:<12} HTML <= {PAGE_HTML_TARGET_KB:.0} KB: {kb:.1} KB",
                    f.name
                ),
            );
        }
    }
    target(
        peak <= RSS_TARGET_MB,
        &format!("peak RSS <= {RSS_TARGET_MB:.0} MB: {peak:.0} MB"),
    );
    Ok(())
}

async fn count(store: &Store, show: Show) -> anyhow::Result<u64> {
    Ok(store
        .count_certificates(&CertificateFilter {
            show,
            ..Default::default()
        })
        .await?)
}

/// `VACUUM ANALYZE` after the bulk fill, as autovacuum would do within a minute of it (this
/// machine's server runs with autovacuum off, which would leave the planner without
/// statistics and every index-only scan reading the table: no visibility map), and the
/// table's size.
async fn analyze_postgres(url: &str) -> anyhow::Result<()> {
    use sea_orm::ConnectionTrait as _;
    let db = sea_orm::Database::connect(url).await?;
    let one = |sql: &str| sea_orm::Statement::from_string(db.get_database_backend(), sql);
    let autovacuum = db
        .query_one_raw(one("SHOW autovacuum"))
        .await?
        .and_then(|r| r.try_get_by_index::<String>(0).ok())
        .unwrap_or_default();
    let t = Instant::now();
    db.execute_unprepared("VACUUM ANALYZE").await?;
    let analyzed = t.elapsed().as_secs_f64();
    let sizes = db
        .query_one_raw(one(
            "SELECT pg_size_pretty(pg_relation_size('certificates')), pg_size_pretty(pg_total_relation_size('certificates')), current_setting('shared_buffers')",
        ))
        .await?
        .map(|r| {
            (0..3)
                .map(|i| r.try_get_by_index::<String>(i).unwrap_or_default())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    println!(
        "PostgreSQL: VACUUM ANALYZE in {analyzed:.1} s (autovacuum is {autovacuum} on this server; with it on it would have vacuumed and analyzed after the fill); certificates table {} ({} with indexes), shared_buffers {}",
        sizes.first().map_or("?", String::as_str),
        sizes.get(1).map_or("?", String::as_str),
        sizes.get(2).map_or("?", String::as_str),
    );
    db.close().await?;
    Ok(())
}

/// The first admin, signed in with its one-time password changed, makes an auditor token.
/// An auditor's API token, and the signed-in admin's session token (for the pages).
async fn api_token(engine: &Engine) -> anyhow::Result<(String, String)> {
    let otp = engine
        .bootstrap_admin()
        .await?
        .context("the new store already has users")?;
    let sessions = SessionPolicy {
        idle_secs: 3600,
        absolute_secs: 3600,
    };
    let first = engine
        .login(
            "admin",
            &otp,
            None,
            None,
            sessions,
            ThrottlePolicy::default(),
        )
        .await?;
    let password = format!("bench-{:032x}", rand::random::<u128>());
    engine
        .change_own_password(&first.principal, &otp, &password)
        .await?;
    let signed_in = engine
        .login(
            "admin",
            &password,
            None,
            None,
            sessions,
            ThrottlePolicy::default(),
        )
        .await?;
    let made = engine
        .create_api_token(
            &signed_in.principal,
            NewApiTokenInput {
                name: "bench".into(),
                role: Role::Auditor,
                expires_in_days: 1,
            },
        )
        .await?;
    Ok((made.token, signed_in.session_token))
}

/// Each endpoint: one checked request, a few alone (unloaded latency), then the load.
async fn load(
    args: &Args,
    client_rt: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    base: &Arc<str>,
    endpoints: &[&'static Endpoint],
    expected: &Expected,
    external_db: bool,
) -> anyhow::Result<Vec<Figures>> {
    let spec = args.bulk;
    // Connections first (not measured): every worker's connection is open before the load.
    let mut warm = Vec::new();
    for _ in 0..args.concurrency {
        let (client, url) = (client.clone(), format!("{base}/healthz"));
        warm.push(client_rt.spawn(async move { client.get(url).send().await }));
    }
    for w in warm {
        w.await?.context("GET /healthz")?.error_for_status()?;
    }

    println!();
    println!("each endpoint once, then {ALONE} requests one at a time (unloaded latency, median):");
    let mut sizes = std::collections::HashMap::new();
    for ep in endpoints {
        let path = (ep.path)(&spec, &mut rand::rng());
        let (c, url) = (client.clone(), format!("{base}{path}"));
        let answer = client_rt
            .spawn(async move {
                let r = c.get(url).send().await?;
                let status = r.status();
                Ok::<_, reqwest::Error>((status, r.text().await?))
            })
            .await??;
        let json: serde_json::Value = serde_json::from_str(&answer.1).unwrap_or_default();
        sizes.insert(ep.name, answer.1.len());
        let shown = if args.pages {
            page_summary(&answer.1)
        } else {
            describe(ep.name, &json)
        };
        let mut alone = Vec::new();
        for _ in 0..ALONE {
            let path = (ep.path)(&spec, &mut rand::rng());
            let (c, url) = (client.clone(), format!("{base}{path}"));
            let t = Instant::now();
            let _ = client_rt
                .spawn(async move { c.get(url).send().await?.bytes().await })
                .await?;
            alone.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        alone.sort_by(f64::total_cmp);
        let want = expected.total(ep.name, &spec);
        let total = json.get("total").and_then(serde_json::Value::as_u64);
        let good = answer.0.is_success() && want.is_none_or(|w| total == Some(w));
        check(
            good,
            &format!(
                "{:<12} {} -> {}{}; alone {:.1} ms  [{}]",
                ep.name,
                path,
                answer.0.as_u16(),
                shown,
                percentile(&alone, 0.5),
                ep.shape
            ),
        );
        if let Some(w) = want.filter(|w| total != Some(*w)) {
            println!("    expected total {w}");
        }
    }

    println!();
    println!(
        "load: {} connections for {} s per endpoint (latency measured by the client, request sent to body read)",
        args.concurrency, args.seconds
    );
    println!(
        "  {:<12} {:>8} {:>8} {:>7} {:>8} {:>8} {:>8} {:>8}  {:>14} {:>11} {:>8} {:>9}",
        "endpoint",
        "requests",
        "req/s",
        "errors",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "server CPU",
        "CPU/req",
        "peak RSS",
        "machine"
    );
    let mut all = Vec::new();
    for ep in endpoints {
        let mut f = run_endpoint(args, client_rt, client, base, ep).await?;
        f.body_bytes = sizes.get(ep.name).copied().unwrap_or(0);
        print_figures(&f, external_db);
        all.push(f);
    }
    let requests: usize = all.iter().map(|f| f.requests).sum();
    let server_cpu: f64 = all.iter().map(Figures::server_cpu).sum();
    let client_cpu: f64 = all.iter().map(Figures::client_cpu).sum();
    let wall: f64 = all.iter().map(|f| f.wall).sum();
    println!(
        "  all: {requests} requests in {wall:.1} s; server CPU {server_cpu:.1} s ({:.0} % of one core, {:.2} ms per request), client CPU {client_cpu:.1} s ({:.2} ms per request)",
        100.0 * server_cpu / wall.max(1e-9),
        1000.0 * server_cpu / requests.max(1) as f64,
        1000.0 * client_cpu / requests.max(1) as f64,
    );
    let mut threads: std::collections::BTreeMap<String, f64> = Default::default();
    for f in &all {
        for (name, t) in &f.cpu.by_thread_name {
            *threads.entry(name.clone()).or_insert(0.0) += t;
        }
    }
    println!(
        "  CPU by thread: {}",
        threads
            .iter()
            .filter(|(_, t)| **t >= 0.05)
            .map(|(name, t)| format!("{} {t:.1} s", thread_label(name)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for f in all.iter().filter(|f| f.first_error.is_some()) {
        println!(
            "  {}: first error: {}",
            f.name,
            f.first_error.as_deref().unwrap_or_default()
        );
    }
    Ok(all)
}

/// What a page holds, briefly: its size, table rows and chart bars.
fn page_summary(html: &str) -> String {
    format!(
        ", {:.1} KB HTML, {} table rows, {} chart bars",
        html.len() as f64 / 1024.0,
        html.matches("<tr").count(),
        html.matches("<rect").count()
    )
}

/// What an answer holds, briefly.
fn describe(endpoint: &str, json: &serde_json::Value) -> String {
    let len = |k: &str| json.get(k).and_then(|v| v.as_array()).map_or(0, Vec::len);
    let num = |k: &str| json.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0);
    match endpoint {
        "facets" => format!(
            ", {} vaults, {} issuers, {} key types, states {}",
            len("by_vault"),
            len("by_issuer"),
            len("by_key_type"),
            json.get("by_state")
                .map(|s| s.to_string())
                .unwrap_or_default()
        ),
        "summary" => format!(
            ", {} vaults, {} certificates, {} versions, {} expired, {} expiring within 30 days",
            num("vaults"),
            num("certificates"),
            num("certificate_versions"),
            num("expired"),
            num("expiring_within_30_days")
        ),
        _ => format!(", total {}, {} items", num("total"), len("items")),
    }
}

/// `concurrency` workers, each sending requests one after another until the time is up.
async fn run_endpoint(
    args: &Args,
    client_rt: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    base: &Arc<str>,
    ep: &'static Endpoint,
) -> anyhow::Result<Figures> {
    let spec = args.bulk;
    let cpu_before = CpuSnapshot::take();
    let machine_before = MachineCpu::take();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (client, base) = (client.clone(), base.clone());
        workers.push(client_rt.spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let mut first_error = None;
            while Instant::now() < deadline {
                let url = format!("{base}{}", (ep.path)(&spec, &mut rand::rng()));
                let t = Instant::now();
                let outcome = match client.get(&url).send().await {
                    Ok(r) => {
                        let status = r.status();
                        match r.bytes().await {
                            Ok(_) if status.is_success() => Ok(()),
                            Ok(body) => Err(format!(
                                "{status}: {}",
                                String::from_utf8_lossy(&body[..body.len().min(200)])
                            )),
                            Err(e) => Err(format!("{status}, reading the body: {e}")),
                        }
                    }
                    Err(e) if e.is_timeout() => Err(format!(
                        "no answer within the client's timeout of {} s",
                        CLIENT_TIMEOUT.as_secs()
                    )),
                    Err(e) => Err(e.to_string()),
                };
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                if let Err(e) = outcome {
                    errors += 1;
                    first_error.get_or_insert(format!("{url}: {e}"));
                }
            }
            (latencies, errors, first_error)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for w in workers {
        let (l, e, first) = w.await?;
        latencies.extend(l);
        errors += e;
        if first_error.is_none() {
            first_error = first;
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = CpuSnapshot::take().since(&cpu_before);
    let machine = MachineCpu::take().since(&machine_before);
    latencies.sort_by(f64::total_cmp);
    Ok(Figures {
        name: ep.name,
        requests: latencies.len(),
        errors,
        first_error,
        wall,
        latencies,
        cpu,
        machine,
        peak_rss: peak_rss_mb(),
        body_bytes: 0,
    })
}

fn print_figures(f: &Figures, external_db: bool) {
    let server = f.server_cpu();
    let others = (f.machine.busy - f.cpu.process).max(0.0);
    println!(
        "  {:<12} {:>8} {:>8.0} {:>7} {:>8.1} {:>8.1} {:>8.1} {:>8.1}  {:>5.1} s {:>4.0} % {:>8.2} ms {:>5.0} MB {:>7.0} %{}",
        f.name,
        f.requests,
        f.requests as f64 / f.wall.max(1e-9),
        f.errors,
        f.percentile(0.50),
        f.percentile(0.90),
        f.percentile(0.99),
        f.latencies.last().copied().unwrap_or(0.0),
        server,
        100.0 * server / f.wall.max(1e-9),
        1000.0 * server / f.requests.max(1) as f64,
        f.peak_rss,
        100.0 * f.machine.busy / f.machine.total.max(1e-9),
        if external_db {
            format!(
                " (others {:.0} % of a core, PostgreSQL among them)",
                100.0 * others / f.wall.max(1e-9)
            )
        } else if others / f.wall.max(1e-9) > 0.10 {
            format!(
                " (others {:.0} % of a core: not quiet)",
                100.0 * others / f.wall.max(1e-9)
            )
        } else {
            String::new()
        }
    );
}

/// What a thread group is, for people reading the figures.
fn thread_label(name: &str) -> String {
    match name {
        "certkeep-bench" => "main thread".into(),
        "tokio-rt-worker" | "tokio-runtime-w" => "server runtime workers + blocking pool".into(),
        "client-rt" => "load client".into(),
        "sqlx-sqlite-wor" | "sqlx-sqlite-worker" => "SQLite connection threads".into(),
        other => other.into(),
    }
}

fn check(pass: bool, text: &str) {
    println!("  check {} {text}", if pass { "PASS" } else { "FAIL" });
}

fn target(pass: bool, text: &str) {
    println!("  {} {text}", if pass { "PASS" } else { "FAIL" });
}

/// `certkeep-bench api-fill`: the emulator (no latency, throttle off) bulk-seeded, a
/// credential, and one all-versions discovery into the store at `$CERTKEEP_BENCH_FILL_URL`.
/// Runs in a child process of `certkeep-bench api`, so the emulator's estate never counts in
/// the server's memory.
pub(crate) async fn fill(args: FillArgs) -> anyhow::Result<()> {
    let url = std::env::var(FILL_URL_ENV)
        .with_context(|| format!("{FILL_URL_ENV} is not set (api-fill is started by api)"))?;
    let config = certkeep_emulator::Config {
        data_dir: args.dir.join("emulator"),
        faults: Faults::default(),
        throttle: ThrottleSettings {
            enabled: false,
            ..Default::default()
        },
        ..Default::default()
    };
    let emu = certkeep_emulator::Emulator::start(config).await?;
    let outcome = fill_from(&args, &url, &emu).await;
    emu.shutdown().await;
    outcome
}

async fn fill_from(
    args: &FillArgs,
    url: &str,
    emu: &certkeep_emulator::Emulator,
) -> anyhow::Result<()> {
    let spec = args.bulk;
    let state = emu.state.clone();
    let t = Instant::now();
    let seeded =
        tokio::task::spawn_blocking(move || certkeep_emulator::demo::bulk(&state, spec)).await??;
    println!(
        "fill: emulator seeded {} vaults, {} certificates, {} versions in {:.1} s (every 10th RSA 2048, the rest EC P-256, all Self, 60 days apart)",
        seeded.vaults,
        seeded.certificates,
        seeded.certificate_versions,
        t.elapsed().as_secs_f64()
    );
    let e = emu.endpoints().clone();
    let cloud = Cloud::custom(
        "emulator",
        &e.authority(),
        &e.arm(),
        "vault.localhost",
        Some(emu.ca_pem().to_string()),
    )?;
    let store = Store::connect(url).await?;
    let key = MasterKey::load_or_create(&args.dir.join("master.key"))?;
    let item_concurrency = 8;
    let mut config = EngineConfig {
        pool: PoolConfig {
            budget: BudgetConfig::per_window(1_000_000, Duration::from_secs(10)),
            max_in_flight: spec.vaults * item_concurrency,
        },
        vault_concurrency: spec.vaults,
        item_concurrency,
        ..Default::default()
    };
    config.clouds.insert(cloud.name.clone(), cloud);
    let engine = Engine::new(store.clone(), key, config);
    let actor = Actor::system("bench");
    engine
        .add_credential(
            &actor,
            AddCredential {
                name: CREDENTIAL.into(),
                cloud: "emulator".into(),
                tenant_id: DEMO_TENANT.into(),
                subscription_id: BULK_SUBSCRIPTION.into(),
                client_id: DEMO_CLIENT_ID.into(),
                client_secret: DEMO_CLIENT_SECRET.to_string().into(),
            },
        )
        .await?;
    let t = Instant::now();
    let reports = engine
        .discover_certificates(&actor, &Scope::default(), true, &NoProgress)
        .await?;
    let wall = t.elapsed().as_secs_f64();
    let failed: Vec<String> = reports
        .iter()
        .filter_map(|r| r.error.as_ref().map(|e| format!("{}: {e}", r.vault)))
        .collect();
    anyhow::ensure!(failed.is_empty(), "discovery failed: {}", failed.join("; "));
    let added: usize = reports.iter().map(|r| r.versions_added).sum();
    println!(
        "fill: discovered {added} versions of {} vaults through the engine in {wall:.1} s ({:.0} versions/s; no latency, throttle off)",
        reports.len(),
        added as f64 / wall.max(1e-9)
    );
    drop(engine);
    store.close().await?;
    Ok(())
}
