//! `certkeep-bench renew`: a bulk renewal of `Self` certificates through the engine, one
//! `renew_certificates` call per vault (the engine takes one vault per call), the calls run at
//! once, each waiting until Key Vault has issued every new version and the engine has stored it.
//! Prints requests per renewal by route, wall time against its floor, where the time went, and
//! checks the emulator and the store: exactly one new version per certificate, all in the
//! inventory.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use certkeep_azure::{BudgetConfig, Cloud, PoolConfig};
use certkeep_emulator::demo::{
    BULK_SUBSCRIPTION, BulkSpec, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT,
};
use certkeep_emulator::gate::{Counters, Faults, ThrottleSettings};
use certkeep_emulator::kv::policy::Effective;
use certkeep_emulator::pki::KeySpec;
use certkeep_emulator::state::AppState;
use certkeep_engine::credentials::AddCredential;
use certkeep_engine::master_key::MasterKey;
use certkeep_engine::requests::{RenewOutcome, RenewTarget};
use certkeep_engine::{Actor, Engine, EngineConfig, NoProgress, Scope};
use certkeep_store::{CertificateFilter, PageRequest, Show, Store};

use crate::model::{self, Limits};
use crate::proc_stats::{CpuSnapshot, MachineCpu};

/// The window `--requests-per-10s` is counted in.
const WINDOW: Duration = Duration::from_secs(10);
/// Target: every new version in the inventory within this multiple of the floor.
const TARGET_X_FLOOR: f64 = 1.5;
/// How often the emulator's counters are sampled for the timeline.
const SAMPLE_EVERY: Duration = Duration::from_millis(5);

/// What `certkeep-bench renew` was asked for.
#[derive(Debug, Clone)]
pub(crate) struct Args {
    pub(crate) vaults: usize,
    pub(crate) certs: usize,
    pub(crate) latency_ms: u64,
    pub(crate) self_delay_secs: f64,
    pub(crate) requests_per_10s: u32,
    pub(crate) validity_months: u32,
    pub(crate) database_url: Option<String>,
    pub(crate) item_concurrency: Option<usize>,
    pub(crate) emulator_threads: usize,
    pub(crate) reuse_key: bool,
    pub(crate) call_per_certificate: bool,
}

/// The emulator's own tokio runtime, so its work does not queue behind the engine's.
struct EmulatorRuntime {
    handle: tokio::runtime::Handle,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl EmulatorRuntime {
    fn start(threads: usize) -> anyhow::Result<Self> {
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("emulator-main".into())
            .spawn(move || {
                match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(threads.max(1))
                    .thread_name("emulator-rt")
                    .enable_all()
                    .build()
                {
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
            stop,
            thread,
        })
    }

    async fn finish(self) {
        let _ = self.stop.send(());
        let thread = self.thread;
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }
}

pub(crate) async fn renew(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.vaults > 0 && args.certs > 0,
        "--vaults and --certs must be positive"
    );
    let dir = std::env::temp_dir().join(format!("certkeep-bench-renew-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run(&args, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run(args: &Args, dir: &Path) -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "certkeep-bench renew: {} vaults x {} Self certificates, latency {} ms, Self issuance delay {} s, budget {} requests / 10 s per vault, throttle on, {cores} cores",
        args.vaults, args.certs, args.latency_ms, args.self_delay_secs, args.requests_per_10s
    );
    let emu_rt = EmulatorRuntime::start(args.emulator_threads)?;
    let config = certkeep_emulator::Config {
        data_dir: dir.join("emulator"),
        self_delay_secs: args.self_delay_secs,
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

/// A store for this run: a new SQLite file (default) or a `sqlite:` URL as given.
async fn fresh_store(database_url: Option<&str>, dir: &Path) -> anyhow::Result<(Store, String)> {
    match database_url {
        None => {
            let file = dir.join("certkeep.db");
            let store = Store::connect(&format!("sqlite://{}", file.display())).await?;
            Ok((
                store,
                format!("SQLite {} (WAL, synchronous=FULL)", file.display()),
            ))
        }
        Some(url) if url.starts_with("sqlite:") || url.starts_with("postgres") => {
            let store = Store::connect(url).await?;
            anyhow::ensure!(
                store.list_credentials().await?.is_empty(),
                "{} already holds credentials: give an empty database",
                certkeep_store::redact_database_url(url)
            );
            Ok((
                store,
                format!("{} (as given)", certkeep_store::redact_database_url(url)),
            ))
        }
        Some(_) => anyhow::bail!("--database-url must be a sqlite: or postgres:// URL"),
    }
}

/// Makes, before the clock starts, one key for each renewal the emulator will issue (the key
/// type of each certificate's policy), so the emulator's RSA key generation does not compete
/// with the engine for the machine's cores. Returns how many keys were made.
async fn fill_key_pool(state: &Arc<AppState>) -> anyhow::Result<usize> {
    let mut wanted: BTreeMap<String, (KeySpec, usize)> = BTreeMap::new();
    for (_, v) in state
        .world
        .lock()
        .vaults
        .iter()
        .filter(|(n, _)| n.starts_with("bulk-"))
    {
        for c in v.certificates.values() {
            let spec = Effective::of(&c.policy).key;
            wanted.entry(format!("{spec:?}")).or_insert((spec, 0)).1 += 1;
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let t = Instant::now();
    let st = state.clone();
    let specs: Vec<(KeySpec, usize)> = wanted.values().copied().collect();
    let total: usize = specs.iter().map(|(_, n)| n).sum();
    tokio::task::spawn_blocking(move || {
        specs
            .into_iter()
            .try_for_each(|(spec, n)| st.key_pool.fill(spec, n, cores))
    })
    .await??;
    println!(
        "emulator key pool: {total} keys made before the clock starts ({}) in {:.1} s",
        wanted
            .iter()
            .map(|(k, (_, n))| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", "),
        t.elapsed().as_secs_f64()
    );
    Ok(total)
}

/// Keys left unused in the emulator's pool (a renewal that changed its key type made its own).
fn pool_left(state: &AppState) -> usize {
    [
        KeySpec::Rsa(2048),
        KeySpec::Rsa(3072),
        KeySpec::Rsa(4096),
        KeySpec::Ec("P-256"),
        KeySpec::Ec("P-384"),
        KeySpec::Ec("P-521"),
    ]
    .into_iter()
    .map(|spec| state.key_pool.len(spec))
    .sum()
}

/// Counts of the routes the timeline follows, at one instant.
#[derive(Debug, Clone, Copy, Default)]
struct Tick {
    at: f64,
    creates: u64,
    gets: u64,
    pending_gets: u64,
    total: u64,
    throttled: u64,
}

fn tick(c: &Counters, at: f64) -> Tick {
    let n = |r: &str| c.by_route.get(r).copied().unwrap_or(0);
    Tick {
        at,
        creates: n("kv.certificates.create"),
        gets: n("kv.certificates.get"),
        pending_gets: n("kv.certificates.pending.get"),
        total: c.total,
        throttled: c.throttled,
    }
}

/// Samples the emulator's counters every [`SAMPLE_EVERY`] until aborted.
async fn sample(state: Arc<AppState>, start: Instant, ticks: Arc<std::sync::Mutex<Vec<Tick>>>) {
    let mut interval = tokio::time::interval(SAMPLE_EVERY);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        interval.tick().await;
        let t = tick(&state.counters.lock(), start.elapsed().as_secs_f64());
        if let Ok(mut v) = ticks.lock() {
            v.push(t);
        }
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

/// The first sample at which `f` reached `n`.
fn reached(ticks: &[Tick], n: u64, f: impl Fn(&Tick) -> u64) -> Option<f64> {
    ticks.iter().find(|t| f(t) >= n).map(|t| t.at)
}

async fn measure(args: &Args, dir: &Path, emu: &certkeep_emulator::Emulator) -> anyhow::Result<()> {
    let spec = BulkSpec {
        vaults: args.vaults,
        certs: args.certs,
        versions: 1,
    };
    let state = emu.state.clone();
    let t = Instant::now();
    let seeded =
        tokio::task::spawn_blocking(move || certkeep_emulator::demo::bulk(&state, spec)).await??;
    println!(
        "seeded {} vaults, {} certificates ({} versions) in {:.1} s; every 10th is RSA 2048, the rest EC P-256, all issuer Self",
        seeded.vaults,
        seeded.certificates,
        seeded.certificate_versions,
        t.elapsed().as_secs_f64()
    );
    let versions_before = emulator_versions(&emu.state);
    if args.reuse_key {
        let mut w = emu.state.world.lock();
        for (_, v) in w.vaults.iter_mut().filter(|(n, _)| n.starts_with("bulk-")) {
            for c in v.certificates.values_mut() {
                c.policy
                    .key_props
                    .get_or_insert_with(Default::default)
                    .reuse_key = Some(true);
            }
        }
        println!("--reuse-key: every policy has reuse_key = true (the emulator generates no keys)");
    }
    let pooled = if args.reuse_key {
        0
    } else {
        fill_key_pool(&emu.state).await?
    };

    // The engine, with the emulator as a custom cloud, as `certkeep` runs it.
    let e = emu.endpoints().clone();
    let cloud = Cloud::custom(
        "emulator",
        &e.authority(),
        &e.arm(),
        "vault.localhost",
        Some(emu.ca_pem().to_string()),
    )?;
    let (store, shown) = fresh_store(args.database_url.as_deref(), dir).await?;
    let key = MasterKey::load_or_create(&dir.join("master.key"))?;
    let budget = BudgetConfig::per_window(args.requests_per_10s.max(1), WINDOW);
    let limits = Limits {
        per_vault_rate: f64::from(args.requests_per_10s.max(1)) / WINDOW.as_secs_f64(),
        burst: f64::from(budget.burst),
        vaults_at_once: args.vaults,
        latency: args.latency_ms as f64 / 1000.0,
    };
    let mut engine_config = EngineConfig {
        pool: PoolConfig {
            budget,
            ..Default::default()
        },
        vault_concurrency: args.vaults,
        ..Default::default()
    };
    if let Some(n) = args.item_concurrency {
        engine_config.item_concurrency = n;
    }
    engine_config.clouds.insert(cloud.name.clone(), cloud);
    println!("store: {shown}");
    println!(
        "engine: item_concurrency {} (renew sends and waits for {} per vault at once), max_in_flight {}",
        engine_config.item_concurrency,
        engine_config.item_concurrency.max(1) * 8,
        engine_config.pool.max_in_flight
    );
    let engine = Arc::new(Engine::new(store.clone(), key, engine_config));
    let actor = Actor::system("bench");
    engine
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
    let t = Instant::now();
    let reports = engine
        .discover_certificates(&actor, &Scope::default(), true, &NoProgress)
        .await?;
    let inventoried = count_versions(&store).await?;
    println!(
        "inventoried first (discovery of {} vaults): {inventoried} versions in {:.2} s",
        reports.len(),
        t.elapsed().as_secs_f64()
    );
    anyhow::ensure!(
        inventoried as usize == args.vaults * args.certs,
        "discovery stored {inventoried} versions, expected {}",
        args.vaults * args.certs
    );
    let vaults = engine.list_vaults(None).await?;

    // The renewal: one call per vault, all at once, counters reset first.
    *emu.state.counters.lock() = Counters::default();
    let ticks = Arc::new(std::sync::Mutex::new(Vec::new()));
    let cpu_before = CpuSnapshot::take();
    let machine_before = MachineCpu::take();
    let started = Instant::now();
    let sampler = tokio::spawn(sample(emu.state.clone(), started, ticks.clone()));
    let mut calls = tokio::task::JoinSet::new();
    for v in &vaults {
        let targets: Vec<RenewTarget> = (0..args.certs)
            .map(|c| RenewTarget {
                name: format!("cert-{c:05}"),
                version: None,
            })
            .collect();
        // One call with every certificate of the vault (the benchmark), or with
        // --call-per-certificate one call per certificate (an experiment: each renewal is then
        // waited for right after its own create, as a pipelined engine would).
        let batches: Vec<Vec<RenewTarget>> = if args.call_per_certificate {
            targets.into_iter().map(|t| vec![t]).collect()
        } else {
            vec![targets]
        };
        for targets in batches {
            let engine = engine.clone();
            let scope = Scope::vault(v.credential.clone(), v.name.clone());
            let vault = v.name.clone();
            let months = args.validity_months;
            calls.spawn(async move {
                let actor = Actor::system("bench");
                let r = engine
                    .renew_certificates(&actor, &scope, &targets, months, true)
                    .await;
                (vault, started.elapsed().as_secs_f64(), r)
            });
        }
    }
    let mut outcomes: Vec<RenewOutcome> = Vec::new();
    let mut last_by_vault: BTreeMap<String, f64> = BTreeMap::new();
    while let Some(done) = calls.join_next().await {
        let (vault, at, r) = done?;
        let r = r.with_context(|| format!("renew_certificates of vault {vault}"))?;
        let last = last_by_vault.entry(vault).or_default();
        *last = last.max(at);
        outcomes.extend(r);
    }
    let mut finished: Vec<(String, f64)> = last_by_vault.into_iter().collect();
    let wall = started.elapsed().as_secs_f64();
    let cpu = CpuSnapshot::take().since(&cpu_before);
    let machine = MachineCpu::take().since(&machine_before);
    let counters = emu.state.counters.lock().clone();
    let pool_left = pool_left(&emu.state);
    sampler.abort();
    let _ = sampler.await;
    let ticks = ticks.lock().map(|t| t.clone()).unwrap_or_default();
    finished.sort_by(|a, b| a.1.total_cmp(&b.1));

    // Checks: the outcomes, the emulator's state, the store.
    let n = args.vaults * args.certs;
    let mut by_outcome: BTreeMap<&str, usize> = BTreeMap::new();
    for o in &outcomes {
        *by_outcome.entry(o.outcome).or_default() += 1;
    }
    let versions_after = emulator_versions(&emu.state);
    let pending_left = emulator_pending(&emu.state);
    let mut one_new = 0usize;
    let mut wrong: Vec<String> = Vec::new();
    for (key, before) in &versions_before {
        let after = versions_after.get(key).copied().unwrap_or(0);
        if after == before + 1 {
            one_new += 1;
        } else if wrong.len() < 5 {
            wrong.push(format!("{}/{}: {before} -> {after}", key.0, key.1));
        }
    }
    let stored = stored_versions(&store).await?;
    let completed_in_store = outcomes
        .iter()
        .filter(|o| o.outcome == "completed")
        .filter(|o| {
            o.version
                .as_ref()
                .is_some_and(|ver| stored.contains(&(o.name.clone(), ver.to_ascii_lowercase())))
        })
        .count();
    let total_in_store = stored.len();
    let new_in_store = total_in_store.saturating_sub(inventoried as usize);

    // Figures.
    let data = data_requests(&counters);
    let chain = model::RENEW_CALLS.len();
    let floor = model::renew_floor(data, chain, args.self_delay_secs, &limits);
    println!();
    println!(
        "renewal ({n} certificates, {} calls at once, wait: true):",
        if args.call_per_certificate {
            n
        } else {
            vaults.len()
        }
    );
    if pooled > 0 {
        println!(
            "  emulator keys: {} of {pooled} pooled keys used, {} made during the run",
            pooled - pool_left.min(pooled),
            n.saturating_sub(pooled - pool_left.min(pooled))
        );
    }
    println!(
        "  outcomes: {}",
        by_outcome
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for o in outcomes.iter().filter(|o| o.outcome != "completed").take(5) {
        println!(
            "    {}/{} {}: {}",
            o.vault,
            o.name,
            o.outcome,
            o.reason.as_deref().unwrap_or("")
        );
    }
    println!(
        "  requests: {} in all, {data} without kv.challenge and aad.*; throttled (429) {}",
        counters.total, counters.throttled
    );
    println!("  requests per renewal by route:");
    for (route, count) in &counters.by_route {
        println!(
            "    {route:<32} {count:>6}  {:.2}",
            *count as f64 / n as f64
        );
    }
    println!(
        "    {:<32} {data:>6}  {:.2} (the chain of one renewal is {chain} calls: {})",
        "data requests",
        data as f64 / n as f64,
        model::RENEW_CALLS.join(" -> ")
    );
    println!(
        "  wall time {wall:.2} s = {:.0} renewals/s",
        n as f64 / wall
    );
    println!(
        "  floor {:.2} s (bound by the {}): requests / budget = {data} / ({} vaults x {:.0} per s) = {:.2} s; issuance {:.2} s + chain {chain} x {:.0} ms = {:.2} s",
        floor.seconds(),
        floor.bound_by(),
        limits.vaults_at_once,
        limits.per_vault_rate,
        floor.budget,
        args.self_delay_secs,
        limits.latency * 1000.0,
        floor.latency
    );
    println!("  wall / floor = {:.2}", wall / floor.seconds());
    let per_vault = data as f64 / args.vaults as f64;
    if per_vault <= limits.burst {
        println!(
            "  (each vault sent {per_vault:.0} requests, within its bucket of {:.0}: the budget never made anyone wait, so the chain {:.2} s is what the engine could reach)",
            limits.burst, floor.latency
        );
    }

    // Where the time went.
    println!("  where the time goes (from the emulator's counters, sampled every 5 ms):");
    let n64 = n as u64;
    let at = |v: Option<f64>| v.map_or("never".to_string(), |s| format!("{s:.2} s"));
    println!(
        "    first create {}, all {n} creates {}; first new version fetched {}, all {}",
        at(reached(&ticks, 1, |t| t.creates)),
        at(reached(&ticks, n64, |t| t.creates)),
        at(reached(&ticks, 1, |t| t.gets)),
        at(reached(&ticks, n64, |t| t.gets)),
    );
    let last_request = ticks
        .windows(2)
        .rev()
        .find(|w| w[1].total > w[0].total)
        .map(|w| w[1].at);
    println!(
        "    last request {}; the calls returned at {}",
        at(last_request),
        finished
            .iter()
            .map(|(v, s)| format!("{v} {s:.2} s"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    print_timeline(&ticks, wall);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "  CPU {:.2} s = {:.0} % of {cores} cores over the wall time; machine {:.0} % busy; by thread: {}",
        cpu.process,
        100.0 * cpu.process / wall / cores as f64,
        100.0 * machine.busy / machine.total.max(1e-9),
        cpu.by_thread_name
            .iter()
            .filter(|(_, t)| **t >= 0.01)
            .map(|(name, t)| format!("{name} {t:.2} s"))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // Targets.
    println!();
    println!("checks:");
    check(
        one_new == n && wrong.is_empty(),
        &format!(
            "emulator: every certificate got exactly one new version: {one_new} of {n}{}",
            if wrong.is_empty() {
                String::new()
            } else {
                format!(" (e.g. {})", wrong.join(", "))
            }
        ),
    );
    check(
        pending_left == 0,
        &format!("emulator: no operation left pending: {pending_left}"),
    );
    check(
        completed_in_store == n && new_in_store == n,
        &format!(
            "store: {completed_in_store} of {n} renewals completed with their new version in the inventory; versions {inventoried} -> {total_in_store} (+{new_in_store})"
        ),
    );
    println!("target:");
    let all_in = completed_in_store == n && new_in_store == n;
    check(
        all_in && wall <= TARGET_X_FLOOR * floor.seconds(),
        &format!(
            "all {n} new versions in the inventory within {TARGET_X_FLOOR}x floor: {wall:.2} s vs {:.2} s ({:.2}x)",
            TARGET_X_FLOOR * floor.seconds(),
            wall / floor.seconds()
        ),
    );
    drop(engine);
    store.close().await?;
    Ok(())
}

fn check(pass: bool, text: &str) {
    println!("  {} {text}", if pass { "PASS" } else { "FAIL" });
}

/// Creates, fetched new versions and requests per 250 ms.
fn print_timeline(ticks: &[Tick], wall: f64) {
    if ticks.is_empty() {
        return;
    }
    let step = if wall > 15.0 { 1.0 } else { 0.25 };
    let mut cells = Vec::new();
    let mut last = Tick::default();
    let mut edge = step;
    for t in ticks {
        if t.at >= edge {
            cells.push(format!(
                "{:.2}s c{} g{} p{} r{}{}",
                edge,
                t.creates - last.creates,
                t.gets - last.gets,
                t.pending_gets - last.pending_gets,
                t.total - last.total,
                if t.throttled > last.throttled {
                    format!(" 429x{}", t.throttled - last.throttled)
                } else {
                    String::new()
                }
            ));
            last = *t;
            while edge <= t.at {
                edge += step;
            }
        }
    }
    println!(
        "    per {step} s (c creates, g new versions fetched, p pending reads, r requests): {}",
        cells.join(" | ")
    );
}

/// Versions per (vault, certificate) in the emulator.
fn emulator_versions(state: &AppState) -> BTreeMap<(String, String), usize> {
    let w = state.world.lock();
    let mut out = BTreeMap::new();
    for (vault, v) in &w.vaults {
        if !vault.starts_with("bulk-") {
            continue;
        }
        for (name, c) in &v.certificates {
            out.insert((vault.clone(), name.clone()), c.versions.len());
        }
    }
    out
}

/// Operations still pending in the bulk vaults (in progress).
fn emulator_pending(state: &AppState) -> usize {
    let w = state.world.lock();
    w.vaults
        .iter()
        .filter(|(name, _)| name.starts_with("bulk-"))
        .map(|(_, v)| v.pending.len())
        .sum()
}

async fn count_versions(store: &Store) -> anyhow::Result<u64> {
    Ok(store
        .count_certificates(&CertificateFilter {
            show: Show::All,
            ..Default::default()
        })
        .await?)
}

/// Every (name, version) in the inventory, all vaults.
async fn stored_versions(store: &Store) -> anyhow::Result<BTreeSet<(String, String)>> {
    let mut out = BTreeSet::new();
    let mut offset = 0;
    loop {
        let page = store
            .certificate_page(
                &CertificateFilter {
                    show: Show::All,
                    ..Default::default()
                },
                Default::default(),
                false,
                PageRequest {
                    offset,
                    limit: 1000,
                },
            )
            .await?;
        let got = page.items.len() as u64;
        for s in page.items {
            out.insert((s.name, s.version.to_ascii_lowercase()));
        }
        if got < 1000 {
            break;
        }
        offset += got;
    }
    Ok(out)
}
