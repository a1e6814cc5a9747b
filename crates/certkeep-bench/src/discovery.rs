//! `certkeep-bench discovery`: a full all-versions certificate discovery of a bulk-seeded
//! emulator through the engine (Azure SDK clients, per-vault budgets, the store), then an
//! unchanged re-sync; prints requests, wall time against its floor, CPU and memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use certkeep_azure::{BudgetConfig, Cloud, PoolConfig};
use certkeep_emulator::demo::{
    BULK_SUBSCRIPTION, BulkSpec, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT,
};
use certkeep_emulator::gate::{Counters, Faults, ThrottleSettings};
use certkeep_emulator::state::AppState;
use certkeep_engine::credentials::AddCredential;
use certkeep_engine::discovery::VaultReport;
use certkeep_engine::master_key::MasterKey;
use certkeep_engine::{Actor, Engine, EngineConfig, NoProgress, Scope};
use certkeep_store::{CertificateFilter, Show, Store};
use clap::ValueEnum as _;

use crate::model::{self, Floor, Limits};
use crate::proc_stats::{CpuSnapshot, MachineCpu, peak_rss_mb, rss_mb};

/// The window `--requests-per-10s` is counted in.
const WINDOW: Duration = Duration::from_secs(10);
/// Target: a full discovery within this multiple of its floor.
const FULL_TARGET_X_FLOOR: f64 = 1.5;
/// Target: peak RSS of the whole process (emulator included), MB.
const RSS_TARGET_MB: f64 = 200.0;

/// What `certkeep-bench discovery` was asked for.
#[derive(Debug, Clone)]
pub(crate) struct Args {
    pub(crate) bulk: BulkSpec,
    pub(crate) latency_ms: u64,
    pub(crate) requests_per_10s: u32,
    pub(crate) database_url: Option<String>,
    pub(crate) vault_concurrency: Option<usize>,
    pub(crate) item_concurrency: Option<usize>,
    pub(crate) max_in_flight: Option<usize>,
    pub(crate) shared_runtime: bool,
    pub(crate) emulator_threads: usize,
    pub(crate) run_on: RunOn,
}

/// Where the discovery call runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[clap(rename_all = "kebab-case")]
pub(crate) enum RunOn {
    /// One `discover_certificates` call awaited by `main` (like a CLI command).
    Main,
    /// The same call in a spawned task, on a runtime worker (like a server request).
    Spawned,
    /// One spawned call per vault (what the engine would do if it spawned its vault tasks).
    TaskPerVault,
}

/// One measured discovery.
struct Run {
    label: &'static str,
    wall: Duration,
    counters: Counters,
    reports: Vec<VaultReport>,
    versions_in_store: u64,
    cpu: CpuSnapshot,
    machine: MachineCpu,
    timeline: Vec<Sample>,
}

/// Requests and CPU of one second of a run.
#[derive(Debug, Clone, Copy)]
struct Sample {
    at: f64,
    requests: u64,
    cpu: f64,
}

impl Run {
    /// Requests that are not the Key Vault challenge nor Entra ID.
    fn data_requests(&self) -> u64 {
        data_requests(&self.counters)
    }
}

fn data_requests(c: &Counters) -> u64 {
    let excluded: u64 = c
        .by_route
        .iter()
        .filter(|(route, _)| *route == "kv.challenge" || route.starts_with("aad."))
        .map(|(_, n)| n)
        .sum();
    c.total - excluded
}

/// The emulator's own tokio runtime (so its CPU time shows apart from the engine's), or the
/// caller's.
struct EmulatorRuntime {
    handle: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EmulatorRuntime {
    fn shared() -> Self {
        Self {
            handle: tokio::runtime::Handle::current(),
            stop: None,
            thread: None,
        }
    }

    fn separate(threads: usize) -> anyhow::Result<Self> {
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("emulator-main".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(threads.max(1))
                    .thread_name("emulator-rt")
                    .enable_all()
                    .build();
                match rt {
                    Ok(rt) => {
                        let _ = handle_tx.send(Ok(rt.handle().clone()));
                        rt.block_on(async {
                            let _ = stopped.await;
                        });
                    }
                    Err(e) => {
                        let _ = handle_tx.send(Err(e));
                    }
                }
            })?;
        let handle = handle_rx
            .recv()
            .context("the emulator runtime thread ended")??;
        Ok(Self {
            handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

/// A store made for this run, and how to get rid of it (also used by `certkeep-bench api`).
pub(crate) struct FreshStore {
    pub(crate) store: Store,
    /// The URL the store was opened with (for another process to open it too).
    pub(crate) url: String,
    pub(crate) shown: String,
    /// PostgreSQL: (admin URL, database name) to drop at the end.
    pub(crate) drop_pg: Option<(String, String)>,
    pub(crate) sqlite_file: Option<PathBuf>,
}

pub(crate) async fn fresh_store(
    database_url: Option<&str>,
    dir: &Path,
) -> anyhow::Result<FreshStore> {
    let Some(admin_url) = database_url else {
        let file = dir.join("certkeep.db");
        let url = format!("sqlite://{}", file.display());
        let store = Store::connect(&url).await?;
        return Ok(FreshStore {
            store,
            url,
            shown: format!("SQLite {} (WAL, synchronous=FULL)", file.display()),
            drop_pg: None,
            sqlite_file: Some(file),
        });
    };
    if admin_url.starts_with("sqlite:") {
        // As given (for experiments such as `sqlite::memory:`); a file must not exist yet.
        let store = Store::connect(admin_url).await?;
        let existing = store.list_credentials().await?.len();
        anyhow::ensure!(
            existing == 0,
            "{admin_url} already holds {existing} credentials: give a new file"
        );
        return Ok(FreshStore {
            store,
            url: admin_url.to_string(),
            shown: format!("SQLite {admin_url} (as given)"),
            drop_pg: None,
            sqlite_file: None,
        });
    }
    if !(admin_url.starts_with("postgres://") || admin_url.starts_with("postgresql://")) {
        anyhow::bail!("--database-url must be a postgres:// or sqlite: URL");
    }
    // A database of its own, made on the server the URL names and dropped at the end.
    use sea_orm::ConnectionTrait as _;
    let name = format!(
        "certkeep_bench_{}_{:08x}",
        std::process::id(),
        rand::random::<u32>()
    );
    let admin = sea_orm::Database::connect(admin_url)
        .await
        .context("connecting to --database-url")?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .context("creating the benchmark's database")?;
    admin.close().await?;
    let mut url = url::Url::parse(admin_url).context("--database-url is not a URL")?;
    url.set_path(&name);
    let store = Store::connect(url.as_str()).await?;
    let host = url.host_str().unwrap_or("localhost").to_string();
    Ok(FreshStore {
        store,
        url: url.to_string(),
        shown: format!("PostgreSQL database {name} on {host} (dropped at the end)"),
        drop_pg: Some((admin_url.to_string(), name)),
        sqlite_file: None,
    })
}

pub(crate) async fn drop_store(fresh: FreshStore) -> anyhow::Result<()> {
    use sea_orm::ConnectionTrait as _;
    fresh.store.close().await?;
    if let Some((admin_url, name)) = fresh.drop_pg {
        let admin = sea_orm::Database::connect(&admin_url).await?;
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await?;
        admin.close().await?;
    }
    Ok(())
}

pub(crate) fn file_mb(path: &Path) -> f64 {
    std::fs::metadata(path)
        .map(|m| m.len() as f64 / 1_048_576.0)
        .unwrap_or(0.0)
}

pub(crate) async fn discovery(args: Args) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("certkeep-bench-discovery-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run(&args, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run(args: &Args, dir: &Path) -> anyhow::Result<()> {
    let spec = args.bulk;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "certkeep-bench discovery: bulk {},{},{} ({} certificate versions), latency {} ms, budget {} requests / 10 s per vault, {cores} cores",
        spec.vaults,
        spec.certs,
        spec.versions,
        spec.vaults * spec.certs * spec.versions,
        args.latency_ms,
        args.requests_per_10s
    );

    // 1. The emulator: latency on every call, Azure's throttle at its defaults.
    let emu_rt = if args.shared_runtime {
        EmulatorRuntime::shared()
    } else {
        EmulatorRuntime::separate(args.emulator_threads)?
    };
    let config = certkeep_emulator::Config {
        data_dir: dir.join("emulator"),
        faults: Faults {
            latency_ms: args.latency_ms,
            ..Default::default()
        },
        throttle: ThrottleSettings::default(),
        ..Default::default()
    };
    let emu = emu_rt
        .handle
        .spawn(certkeep_emulator::Emulator::start(config))
        .await??;
    let outcome = measure(args, dir, &emu).await;
    emu_rt.handle.spawn(emu.shutdown()).await?;
    emu_rt.finish().await;
    outcome
}

async fn measure(args: &Args, dir: &Path, emu: &certkeep_emulator::Emulator) -> anyhow::Result<()> {
    let spec = args.bulk;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let state = emu.state.clone();
    let t = Instant::now();
    let seeded =
        tokio::task::spawn_blocking(move || certkeep_emulator::demo::bulk(&state, spec)).await??;
    println!(
        "seeded {} vaults, {} certificates, {} versions in {:.1} s",
        seeded.vaults,
        seeded.certificates,
        seeded.certificate_versions,
        t.elapsed().as_secs_f64()
    );

    // 2. A fresh store, a master key, and the engine with the emulator as a custom cloud.
    let e = emu.endpoints().clone();
    let cloud = Cloud::custom(
        "emulator",
        &e.authority(),
        &e.arm(),
        "vault.localhost",
        Some(emu.ca_pem().to_string()),
    )?;
    let fresh = fresh_store(args.database_url.as_deref(), dir).await?;
    let key = MasterKey::load_or_create(&dir.join("master.key"))?;
    let per_vault_rate = f64::from(args.requests_per_10s.max(1)) / WINDOW.as_secs_f64();
    let latency = args.latency_ms as f64 / 1000.0;
    let vault_concurrency = args.vault_concurrency.unwrap_or(spec.vaults).max(1);
    let item_concurrency = args
        .item_concurrency
        .unwrap_or_else(|| model::item_concurrency_for(per_vault_rate, latency));
    let max_in_flight = args
        .max_in_flight
        .unwrap_or(vault_concurrency.min(spec.vaults) * item_concurrency);
    let budget = BudgetConfig::per_window(args.requests_per_10s.max(1), WINDOW);
    let limits = Limits {
        per_vault_rate,
        burst: f64::from(budget.burst),
        vaults_at_once: vault_concurrency.min(spec.vaults),
        latency,
    };
    let mut engine_config = EngineConfig {
        pool: PoolConfig {
            budget,
            max_in_flight,
        },
        vault_concurrency,
        item_concurrency,
        ..Default::default()
    };
    engine_config.clouds.insert(cloud.name.clone(), cloud);
    println!("store: {}", fresh.shown);
    println!(
        "engine: vault_concurrency {vault_concurrency}, item_concurrency {item_concurrency}, max_in_flight {max_in_flight}; --run-on {}; emulator on {}",
        args.run_on
            .to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default(),
        if args.shared_runtime {
            "the same tokio runtime".to_string()
        } else {
            format!("its own tokio runtime ({} threads)", args.emulator_threads)
        }
    );
    let engine = Arc::new(Engine::new(fresh.store.clone(), key, engine_config));
    let actor = Actor::system("bench");
    let t = Instant::now();
    let added = engine
        .add_credential(
            &actor,
            AddCredential {
                name: "bench".into(),
                cloud: "emulator".into(),
                tenant_id: DEMO_TENANT.into(),
                subscription_id: BULK_SUBSCRIPTION.into(),
                client_id: DEMO_CLIENT_ID.into(),
                client_secret: DEMO_CLIENT_SECRET.to_string().into(),
            },
        )
        .await?;
    println!(
        "credential added, {} vaults imported in {:.0} ms",
        added.vaults.added,
        t.elapsed().as_secs_f64() * 1000.0
    );
    let rss_before = rss_mb();
    println!("RSS before discovery (emulator with its estate loaded): {rss_before:.0} MB");

    // 3. and 4. The full discovery, then an unchanged re-sync, counters reset before each.
    let full = discover(
        &engine,
        &fresh.store,
        args.run_on,
        emu,
        "full discovery (all versions)",
    )
    .await?;
    let resync = discover(&engine, &fresh.store, args.run_on, emu, "unchanged re-sync").await?;
    let peak = peak_rss_mb();

    // 5. Figures.
    let total_certs = spec.vaults * spec.certs;
    let full_expected = (spec.vaults * model::full_requests_per_vault(spec)) as u64;
    let resync_expected = (spec.vaults * model::resync_requests_per_vault(spec)) as u64;
    println!();
    let full_floor = report_run(
        &full,
        &limits,
        model::chain(spec),
        full_expected,
        total_certs,
    );
    let burst_aware = model::burst_aware_floor(
        full.data_requests() as f64 / spec.vaults as f64,
        model::chain(spec),
        &limits,
    );
    println!(
        "  counting each vault's initial burst of {:.0} requests the budget needs only {burst_aware:.2} s: wall / that = {:.2}",
        limits.burst,
        full.wall.as_secs_f64() / burst_aware
    );
    println!(
        "  the engine's own chain is {} calls (it GETs a certificate's versions one after another): x latency = {:.2} s",
        model::engine_chain(spec),
        model::engine_chain(spec) as f64 * latency,
    );
    println!(
        "  with item_concurrency {item_concurrency} the engine's shape needs at least {:.2} s (pages, then certificates {item_concurrency} at a time, each chain x latency)",
        model::concurrency_bound(spec, item_concurrency, latency)
    );
    let external_db = fresh.drop_pg.is_some();
    print_cpu(&full, cores, external_db);
    print_timeline(&full);
    println!();
    report_run(
        &resync,
        &limits,
        model::pages(spec.certs),
        resync_expected,
        total_certs,
    );
    print_cpu(&resync, cores, external_db);
    println!();
    if let Some(file) = &fresh.sqlite_file {
        let mut wal = file.clone().into_os_string();
        wal.push("-wal");
        println!(
            "SQLite file {:.1} MB (+ WAL {:.1} MB)",
            file_mb(file),
            file_mb(Path::new(&wal))
        );
    }
    println!("peak RSS (VmHWM) of the process, emulator included: {peak:.0} MB");

    // 6. Targets: reported, never an error (this is a measurement).
    let allowed_resync = resync_expected + 1;
    let resync_requests = resync.data_requests();
    println!();
    println!("targets:");
    target(
        full.wall.as_secs_f64() <= FULL_TARGET_X_FLOOR * full_floor.seconds(),
        &format!(
            "full discovery <= {FULL_TARGET_X_FLOOR}x floor: {:.2} s vs {:.2} s ({:.2}x)",
            full.wall.as_secs_f64(),
            FULL_TARGET_X_FLOOR * full_floor.seconds(),
            full.wall.as_secs_f64() / full_floor.seconds()
        ),
    );
    target(
        resync_requests <= allowed_resync,
        &format!(
            "re-sync <= 1 request per 25 certificates + the vault listing: {resync_requests} requests vs {allowed_resync} allowed"
        ),
    );
    target(
        peak <= RSS_TARGET_MB,
        &format!("peak RSS <= {RSS_TARGET_MB:.0} MB: {peak:.0} MB"),
    );

    drop(engine);
    drop_store(fresh).await?;
    Ok(())
}

fn target(pass: bool, text: &str) {
    println!("  {} {text}", if pass { "PASS" } else { "FAIL" });
}

/// Resets the emulator's counters, runs one all-versions discovery of every vault, and reads
/// the counters back.
async fn discover(
    engine: &Arc<Engine>,
    store: &Store,
    run_on: RunOn,
    emu: &certkeep_emulator::Emulator,
    label: &'static str,
) -> anyhow::Result<Run> {
    *emu.state.counters.lock() = Counters::default();
    let actor = Actor::system("bench");
    let samples = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sampler = tokio::spawn(sample(emu.state.clone(), samples.clone()));
    let cpu_before = CpuSnapshot::take();
    let machine_before = MachineCpu::take();
    let started = Instant::now();
    let reports = match run_on {
        RunOn::Main => {
            engine
                .discover_certificates(&actor, &Scope::default(), true, &NoProgress)
                .await?
        }
        RunOn::Spawned => {
            let engine = engine.clone();
            tokio::spawn(async move {
                let actor = Actor::system("bench");
                engine
                    .discover_certificates(&actor, &Scope::default(), true, &NoProgress)
                    .await
            })
            .await??
        }
        RunOn::TaskPerVault => {
            let mut tasks = tokio::task::JoinSet::new();
            for vault in engine.list_vaults(None).await? {
                let engine = engine.clone();
                let scope = Scope::vault(vault.credential, vault.name);
                tasks.spawn(async move {
                    let actor = Actor::system("bench");
                    engine
                        .discover_certificates(&actor, &scope, true, &NoProgress)
                        .await
                });
            }
            let mut reports = Vec::new();
            while let Some(done) = tasks.join_next().await {
                reports.extend(done??);
            }
            reports
        }
    };
    let wall = started.elapsed();
    let cpu = CpuSnapshot::take().since(&cpu_before);
    let machine = MachineCpu::take().since(&machine_before);
    let counters = emu.state.counters.lock().clone();
    sampler.abort();
    let _ = sampler.await;
    let timeline = samples.lock().map(|s| s.clone()).unwrap_or_default();
    let versions_in_store = store
        .count_certificates(&CertificateFilter {
            show: Show::All,
            ..Default::default()
        })
        .await?;
    for r in &reports {
        if let Some(e) = &r.error {
            println!("  {label}: vault {} failed: {e}", r.vault);
        }
    }
    Ok(Run {
        label,
        wall,
        counters,
        reports,
        versions_in_store,
        cpu,
        machine,
        timeline,
    })
}

/// Requests and CPU once a second, into `samples`, until aborted.
async fn sample(state: Arc<AppState>, samples: Arc<std::sync::Mutex<Vec<Sample>>>) {
    let start = Instant::now();
    let mut last_requests = 0;
    let mut last_cpu = CpuSnapshot::take().process;
    let mut interval = tokio::time::interval(Duration::from_secs(1));
    interval.tick().await;
    loop {
        interval.tick().await;
        let requests = state.counters.lock().total;
        let cpu = CpuSnapshot::take().process;
        if let Ok(mut s) = samples.lock() {
            s.push(Sample {
                at: start.elapsed().as_secs_f64(),
                requests: requests.saturating_sub(last_requests),
                cpu: cpu - last_cpu,
            });
        }
        last_requests = requests;
        last_cpu = cpu;
    }
}

/// Prints one run's figures; returns its floor.
fn report_run(
    run: &Run,
    limits: &Limits,
    chain: usize,
    expected_requests: u64,
    total_certs: usize,
) -> Floor {
    let wall = run.wall.as_secs_f64();
    let data = run.data_requests();
    let floor = Floor::new(data, chain, limits);
    let sum = |f: fn(&VaultReport) -> usize| run.reports.iter().map(f).sum::<usize>();
    let failed = run.reports.iter().filter(|r| r.error.is_some()).count();
    println!("{}:", run.label);
    println!(
        "  vaults {} ({} failed), certificates listed {}, unchanged skipped {}, versions added {} / updated {} / unchanged {}",
        run.reports.len(),
        failed,
        sum(|r| r.certificates),
        sum(|r| r.unchanged_skipped),
        sum(|r| r.versions_added),
        sum(|r| r.versions_updated),
        sum(|r| r.versions_unchanged)
    );
    println!("  versions in the store: {}", run.versions_in_store);
    let routes: Vec<String> = run
        .counters
        .by_route
        .iter()
        .map(|(r, n)| format!("{r} {n}"))
        .collect();
    println!(
        "  requests: {} in all, {} without kv.challenge and aad.* (expected {expected_requests}); {}",
        run.counters.total,
        data,
        routes.join(", ")
    );
    println!(
        "  throttled (429): {}; injected errors {}; dropped {}",
        run.counters.throttled, run.counters.injected_errors, run.counters.dropped
    );
    println!(
        "  wall time {wall:.2} s = {:.0} versions/s, {:.0} requests/s",
        run.versions_in_store as f64 / wall,
        data as f64 / wall
    );
    println!(
        "  floor {:.2} s (bound by the {}): requests / budget = {data} / {:.0} per s = {:.2} s; chain {chain} x {:.0} ms = {:.2} s",
        floor.seconds(),
        floor.bound_by(),
        limits.total_rate(),
        floor.budget,
        limits.latency * 1000.0,
        floor.latency
    );
    println!("  wall / floor = {:.2}", wall / floor.seconds());
    println!(
        "  requests per 25 certificates: {:.2}",
        data as f64 / (total_certs as f64 / model::PAGE as f64)
    );
    floor
}

fn print_cpu(run: &Run, cores: usize, external_db: bool) {
    let wall = run.wall.as_secs_f64();
    let groups: Vec<String> = run
        .cpu
        .by_thread_name
        .iter()
        .filter(|(_, t)| **t >= 0.01)
        .map(|(name, t)| format!("{} {t:.2} s", thread_label(name)))
        .collect();
    println!(
        "  CPU {:.2} s = {:.0} % of one core, {:.0} % of {cores} cores ({:.2} ms per request; CPU time / cores = {:.2} s, wall / that = {:.2})",
        run.cpu.process,
        100.0 * run.cpu.process / wall,
        100.0 * run.cpu.process / wall / cores as f64,
        1000.0 * run.cpu.process / run.counters.total.max(1) as f64,
        run.cpu.process / cores as f64,
        wall * cores as f64 / run.cpu.process.max(1e-9)
    );
    println!("  CPU by thread: {}", groups.join(", "));
    let others = (run.machine.busy - run.cpu.process).max(0.0);
    println!(
        "  machine: {:.0} % busy; other processes used {others:.2} CPU s ({:.0} % of one core){}",
        100.0 * run.machine.busy / run.machine.total.max(1e-9),
        100.0 * others / wall,
        if external_db {
            ", the PostgreSQL server among them"
        } else if others / wall > 0.10 {
            " -- the machine was not quiet: figures are pessimistic"
        } else {
            ""
        }
    );
}

/// What a thread group is, for people reading the figures.
fn thread_label(name: &str) -> String {
    match name {
        "certkeep-bench" => "main thread (runs the discovery with --run-on main)".into(),
        "tokio-rt-worker" => "engine runtime workers + blocking pool".into(),
        "emulator-rt" => "emulator runtime".into(),
        "sqlx-sqlite-wor" | "sqlx-sqlite-worker" => "SQLite connection threads".into(),
        other => other.into(),
    }
}

fn print_timeline(run: &Run) {
    if run.timeline.is_empty() {
        return;
    }
    // At most about 30 entries: merge seconds into buckets.
    let per = run.timeline.len().div_ceil(30).max(1);
    let mut merged: BTreeMap<usize, (f64, u64, f64)> = BTreeMap::new();
    for (i, s) in run.timeline.iter().enumerate() {
        let e = merged.entry(i / per).or_insert((0.0, 0, 0.0));
        e.0 = s.at;
        e.1 += s.requests;
        e.2 += s.cpu;
    }
    let cells: Vec<String> = merged
        .values()
        .map(|(at, requests, cpu)| {
            format!(
                "{at:.0}s:{:.0}/{:.0}%",
                *requests as f64 / per as f64,
                100.0 * cpu / per as f64
            )
        })
        .collect();
    println!(
        "  requests/s and CPU (% of one core), each {per} s: {}",
        cells.join(" ")
    );
}
