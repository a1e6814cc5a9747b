//! Request budget, in-flight cap, throttling and retries against the emulator.

mod common;

use std::time::{Duration, Instant};

use certkeep_azure::{AzureError, BudgetConfig, PoolConfig, RetrySettings};
use common::Env;
use serde_json::json;

#[tokio::test]
async fn a_throttled_vault_still_completes() {
    let env = Env::start().await;
    env.admin(
        reqwest::Method::PUT,
        "throttle",
        Some(json!({"enabled": true, "vault_requests": 5, "window_secs": 1.0, "subscription_multiplier": 5.0})),
    )
    .await;
    env.reset_counters().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-api")).unwrap();
    let certs = vault.list_certificates().await.unwrap();
    assert_eq!(certs.len(), 12);
    let bundles =
        futures::future::try_join_all(certs.iter().map(|c| vault.get_certificate(&c.name, None)))
            .await
            .unwrap();
    assert_eq!(bundles.len(), 12);
    let counters = env.counters().await;
    assert!(
        counters["throttled"].as_u64().unwrap() > 0,
        "the emulator throttled: {counters}"
    );
}

#[tokio::test]
async fn the_budget_caps_what_the_vault_sees_per_window() {
    const N: u32 = 20;
    let env = Env::start().await;
    let pool = env.pool_with(
        PoolConfig {
            budget: BudgetConfig::per_window(N, Duration::from_secs(1)),
            max_in_flight: 16,
        },
        &RetrySettings::default(),
    );
    let vault = pool.vault(&env.vault_uri("kv-prod-shared")).unwrap();
    env.reset_counters().await;

    // Sample the emulator's per-vault counter while 80 reads race for the budget.
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let sampler = {
        let http = env.http.clone();
        let url = format!("{}/_emulator/counters", env.emu.endpoints().arm());
        tokio::spawn(async move {
            let mut samples: Vec<(Instant, u64)> = Vec::new();
            loop {
                let c: serde_json::Value =
                    http.get(&url).send().await.unwrap().json().await.unwrap();
                samples.push((
                    Instant::now(),
                    c["by_vault"]["kv-prod-shared"].as_u64().unwrap_or(0),
                ));
                tokio::select! {
                    _ = &mut stop_rx => break,
                    _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                }
            }
            samples
        })
    };
    let start = Instant::now();
    let reads =
        futures::future::try_join_all((0..80).map(|_| vault.get_secret("db-password", None)))
            .await
            .unwrap();
    let elapsed = start.elapsed();
    assert!(reads.iter().all(|s| s.name == "db-password"));
    stop_tx.send(()).unwrap();
    let samples = sampler.await.unwrap();

    let total = env.vault_requests("kv-prod-shared").await;
    // 80 reads and one challenge: the first call went alone, so the others were authorized.
    assert_eq!(total, 81);
    // The burst (N) goes at once; the rest at N per second.
    let floor = Duration::from_secs_f64((total - u64::from(N)) as f64 / f64::from(N) * 0.9);
    assert!(
        elapsed >= floor,
        "{total} requests in {elapsed:?}: the budget held them back"
    );
    let mut worst = 0;
    for (i, (t0, c0)) in samples.iter().enumerate() {
        for (t1, c1) in &samples[i + 1..] {
            if t1.duration_since(*t0) <= Duration::from_millis(900) {
                worst = worst.max(c1 - c0);
            }
        }
    }
    eprintln!(
        "{total} requests in {elapsed:?}; worst window {worst} ({} samples)",
        samples.len()
    );
    assert!(
        worst <= u64::from(2 * N),
        "at most N + burst requests in any window; saw {worst}"
    );
    assert!(
        worst >= u64::from(N) / 2,
        "the sampler saw traffic: {worst}"
    );
}

#[tokio::test]
async fn the_in_flight_cap_limits_concurrency_across_vaults() {
    let env = Env::start().await;
    env.admin(
        reqwest::Method::PUT,
        "faults",
        Some(json!({"latency_ms": 200})),
    )
    .await;
    let pool = env.pool_with(
        PoolConfig {
            max_in_flight: 2,
            ..Default::default()
        },
        &RetrySettings::default(),
    );
    let web = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    let api = pool.vault(&env.vault_uri("kv-prod-api")).unwrap();
    // Warm both clients (token, challenge) so the timed part is only the reads.
    web.get_secret("api-key", None).await.unwrap();
    api.get_secret("api-key", None).await.unwrap();
    let start = Instant::now();
    futures::future::try_join_all((0..10).map(|i| {
        if i % 2 == 0 {
            web.get_secret("api-key", None)
        } else {
            api.get_secret("api-key", None)
        }
    }))
    .await
    .unwrap();
    let elapsed = start.elapsed();
    // 10 reads of ≥200 ms, two at a time: ≥ 1 s (16 at a time would take ~200 ms).
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
}

#[tokio::test]
async fn a_429_storm_ends_in_throttled() {
    let env = Env::start().await;
    let retry = RetrySettings {
        initial_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        max_retries: 3,
        max_total_elapsed: Duration::from_secs(20),
    };
    let pool = env.pool_with(PoolConfig::default(), &retry);
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    env.admin(
        reqwest::Method::PUT,
        "faults",
        Some(json!({"errors": [{"status": 429, "rate": 1.0, "route": "kv.secrets"}]})),
    )
    .await;
    env.reset_counters().await;
    let start = Instant::now();
    let e = vault.get_secret("db-password", None).await.unwrap_err();
    assert!(matches!(e, AzureError::Throttled), "{e:?}");
    assert!(start.elapsed() < Duration::from_secs(20));
    let counters = env.counters().await;
    // The first try and 3 retries, each answered 429, then no more.
    assert_eq!(
        counters["by_vault"]["kv-prod-web"].as_u64(),
        Some(4),
        "{counters}"
    );
    assert_eq!(counters["injected_errors"].as_u64(), Some(4), "{counters}");
}
