//! `certkeep-bench emulator`: emulator cold start, bulk seed time and requests per second.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use certkeep_emulator::demo::{BulkSpec, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT};

use crate::proc_stats::peak_rss_mb;

pub(crate) async fn emulator(
    bulk: BulkSpec,
    concurrency: usize,
    seconds: u64,
) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("certkeep-bench-{}", std::process::id()));
    let started = Instant::now();
    let emu = certkeep_emulator::Emulator::start(certkeep_emulator::Config {
        data_dir: dir.clone(),
        ..Default::default()
    })
    .await?;
    let e = emu.endpoints().clone();
    let cloud = certkeep_azure::Cloud::custom(
        "emulator",
        &e.authority(),
        &e.arm(),
        "vault.localhost",
        Some(emu.ca_pem().to_string()),
    )?;
    let http = certkeep_azure::transport::http_client(&cloud)?;
    let health = http
        .get(format!("{}/_emulator/health", e.arm()))
        .send()
        .await?;
    anyhow::ensure!(health.status().is_success(), "health check failed");
    let cold_start = started.elapsed();
    println!(
        "cold start (new CA, TLS, token key, first HTTPS answer): {:.0} ms",
        cold_start.as_secs_f64() * 1000.0
    );

    let state = emu.state.clone();
    let t = Instant::now();
    let summary =
        tokio::task::spawn_blocking(move || certkeep_emulator::demo::bulk(&state, bulk)).await??;
    let seed_time = t.elapsed();
    println!(
        "bulk seed {},{},{}: {} certificate versions in {:.2} s ({:.0} versions/s)",
        bulk.vaults,
        bulk.certs,
        bulk.versions,
        summary.certificate_versions,
        seed_time.as_secs_f64(),
        summary.certificate_versions as f64 / seed_time.as_secs_f64()
    );

    // Throughput: authenticated GETs of random certificate bundles, throttling off.
    http.put(format!("{}/_emulator/throttle", e.arm()))
        .json(&serde_json::json!({"enabled": false, "vault_requests": 4000, "window_secs": 10.0, "subscription_multiplier": 5.0}))
        .send()
        .await?;
    let token: serde_json::Value = http
        .post(format!("{}/{DEMO_TENANT}/oauth2/v2.0/token", e.authority()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("scope", &format!("{}/.default", e.vault_resource())),
        ])
        .send()
        .await?
        .json()
        .await?;
    let token = token["access_token"]
        .as_str()
        .context("no token")?
        .to_string();
    for (label, path) in [
        ("GET certificate bundle", "get"),
        ("GET list page (25 items)", "list"),
    ] {
        let done = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for worker in 0..concurrency {
            let (http, token, e, done, failed) = (
                http.clone(),
                token.clone(),
                e.clone(),
                done.clone(),
                failed.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let mut i = worker;
                while Instant::now() < deadline {
                    let vault = format!("bulk-{:03}", i % bulk.vaults);
                    let url = if path == "get" {
                        format!(
                            "{}/certificates/cert-{:05}/?api-version=7.6",
                            e.vault_url(&vault),
                            (i * 7919) % bulk.certs
                        )
                    } else {
                        format!(
                            "{}/certificates?api-version=7.6&maxresults=25",
                            e.vault_url(&vault)
                        )
                    };
                    match http.get(url).bearer_auth(&token).send().await {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    i += concurrency;
                }
            }));
        }
        for t in tasks {
            t.await?;
        }
        let n = done.load(Ordering::Relaxed);
        println!(
            "{label}: {n} requests in {seconds} s with {concurrency} connections = {:.0} requests/s ({} failed)",
            n as f64 / seconds as f64,
            failed.load(Ordering::Relaxed)
        );
    }
    println!(
        "peak RSS of this process (emulator + client): {:.0} MB",
        peak_rss_mb()
    );
    emu.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}
