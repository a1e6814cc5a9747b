//! `certkeep demo`: starts the bundled emulator with the demo estate (and prints its banner),
//! then inventories it in-process — a data directory (temporary unless `--data-dir`), a master
//! key, a SQLite store, the demo credential for each demo subscription (custom cloud `emulator`),
//! certificate discovery with every version and TLS-secret discovery — prints a summary and the
//! settings that let further `certkeep` commands use the same inventory, and keeps running until
//! Ctrl-C (or SIGTERM).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use certkeep_azure::secrecy::SecretString;
use certkeep_emulator::demo::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_SUBSCRIPTIONS, DEMO_TENANT,
};
use certkeep_emulator::{Config, Emulator};
use certkeep_engine::Engine;
use certkeep_engine::credentials::AddCredential;
use certkeep_engine::master_key::MASTER_KEY_ENV;
use certkeep_store::{CertificateFilter, CertificateSource, Show, TlsSecretFilter};
use serde::Serialize;

use super::out;
use crate::cli::{DemoArgs, GlobalArgs, SecretType, VaultScope};
use crate::config::{CloudEntry, ConfigFile};
use crate::context::{Context, create_private_dir, sqlite_url};
use crate::error::CliResult;
use crate::output::{Format, Row, render_one};
use crate::rows::now;

/// The custom cloud the demo writes into its config file.
const CLOUD: &str = "emulator";
/// The credentials the demo adds: one per demo subscription.
const CREDENTIALS: [(&str, usize); 2] = [("demo-production", 0), ("demo-staging", 1)];

pub(super) async fn run(g: &GlobalArgs, args: &DemoArgs) -> CliResult {
    let started = Instant::now();
    let (data_dir, temporary) = match &g.data_dir {
        Some(d) => (d.clone(), false),
        None => (temp_dir(), true),
    };
    create_private_dir(&data_dir)
        .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
    let data_dir = std::fs::canonicalize(&data_dir)?;
    let port = args.port;
    let emulator = Emulator::start(Config {
        port,
        data_dir: data_dir.join("emulator"),
        ..Default::default()
    })
    .await
    .with_context(|| {
        format!("starting the emulator on port {port} (is it in use? try --port 0)")
    })?;

    let result = tokio::select! {
        r = inventory(&emulator, &data_dir, g.output, started) => r,
        _ = stop_signal() => Err(anyhow::anyhow!("interrupted").into()),
    };
    let result = match result {
        Ok(()) => {
            stop_signal().await;
            Ok(())
        }
        Err(e) => Err(e),
    };
    emulator.shutdown().await;
    if temporary {
        let _ = std::fs::remove_dir_all(&data_dir);
    }
    result
}

/// Seeds the emulator, builds the inventory and prints how to use it.
async fn inventory(
    emulator: &Emulator,
    data_dir: &Path,
    format: Format,
    started: Instant,
) -> CliResult {
    // Human-readable text goes to stdout for tables, to stderr when stdout is JSON or CSV.
    let say = |text: &str| -> CliResult {
        if format == Format::Table {
            out(text)
        } else {
            eprint!("{text}");
            Ok(())
        }
    };
    let seed = certkeep_emulator::demo::demo_seed();
    let state = emulator.state.clone();
    let estate = tokio::task::spawn_blocking(move || certkeep_emulator::seed::load(&state, &seed))
        .await
        .context("loading the demo seed")?
        .context("loading the demo seed")?;
    say(&format!(
        "{}\n",
        certkeep_emulator::admin::banner(&emulator.state, true)
    ))?;
    say(&format!(
        "demo estate: {} vaults, {} certificates ({} versions), {} secrets; emulator ready in {} ms\n\n",
        estate.vaults,
        estate.certificates,
        estate.certificate_versions,
        estate.secrets,
        started.elapsed().as_millis()
    ))?;

    let config_file = data_dir.join("certkeep.toml");
    let e = emulator.endpoints();
    crate::config::write(
        &config_file,
        &ConfigFile {
            clouds: vec![CloudEntry {
                name: CLOUD.into(),
                authority_host: e.authority(),
                arm_endpoint: e.arm(),
                vault_dns_suffix: "vault.localhost".into(),
                ca_file: Some(emulator.ca_path()),
            }],
            azure: Default::default(),
        },
    )?;
    let ctx = Context {
        data_dir: data_dir.to_path_buf(),
        database_url: sqlite_url(&data_dir.join("certkeep.db")),
        master_key_file: data_dir.join("master.key"),
        config_file: Some(config_file.clone()),
        output: format,
    };
    let engine = ctx.open().await?;
    for (name, sub) in CREDENTIALS {
        engine
            .add_credential(AddCredential {
                name: name.into(),
                cloud: CLOUD.into(),
                tenant_id: DEMO_TENANT.into(),
                subscription_id: DEMO_SUBSCRIPTIONS[sub].into(),
                client_id: DEMO_CLIENT_ID.into(),
                client_secret: SecretString::from(DEMO_CLIENT_SECRET.to_string()),
            })
            .await?;
    }
    let all = VaultScope::default();
    let certs = super::discover::certificates(&engine, &all, true).await?;
    super::discover::failures(certs.iter().map(|r| (&r.credential, &r.vault, &r.error)))?;
    let secrets = super::discover::secrets(&engine, &all, SecretType::All, true).await?;
    super::discover::failures(secrets.iter().map(|r| (&r.credential, &r.vault, &r.error)))?;

    let summary = summarize(&engine, &ctx, started).await?;
    engine.store().clone().close().await?;
    if format == Format::Table {
        out(&summary.text())?;
    } else {
        out(&render_one(&summary, format))?;
        eprint!("{}", summary.instructions());
    }
    Ok(())
}

#[derive(Debug, Serialize)]
struct DemoSummary {
    vaults: usize,
    /// Current Key Vault certificates, and all their versions.
    certificates: u64,
    certificate_versions: u64,
    /// Certificates read from the current version of TLS secrets.
    certificates_from_secrets: u64,
    /// Distinct current certificates (by SHA-256) past their notAfter / within 30 days of it.
    expired: usize,
    expiring_within_30_days: usize,
    tls_secrets: u64,
    tls_secret_versions: u64,
    data_dir: String,
    config: String,
    ready_ms: u128,
}

async fn summarize(engine: &Engine, ctx: &Context, started: Instant) -> CliResult<DemoSummary> {
    let store = engine.store();
    let now = now();
    let certs = |show: Show, source: Option<CertificateSource>| CertificateFilter {
        show,
        source,
        ..Default::default()
    };
    // A certificate-backed secret holds the same certificate as its Key Vault certificate.
    let mut by_sha256 = HashMap::new();
    for c in store.list_certificates(&certs(Show::Current, None)).await? {
        by_sha256.insert(c.record.sha256_hex, c.record.not_after);
    }
    let expired = by_sha256.values().filter(|t| **t <= now).count();
    let expiring = by_sha256
        .values()
        .filter(|t| **t > now && **t <= now + 30 * 86_400)
        .count();
    let secrets = |show: Show| TlsSecretFilter {
        show,
        ..Default::default()
    };
    let key_vault = Some(CertificateSource::KeyVault);
    Ok(DemoSummary {
        vaults: engine.list_vaults(None).await?.len(),
        certificates: store
            .count_certificates(&certs(Show::Current, key_vault))
            .await?,
        certificate_versions: store
            .count_certificates(&certs(Show::All, key_vault))
            .await?,
        certificates_from_secrets: store
            .count_certificates(&certs(Show::Current, Some(CertificateSource::TlsSecret)))
            .await?,
        expired,
        expiring_within_30_days: expiring,
        tls_secrets: store.count_tls_secrets(&secrets(Show::Current)).await?,
        tls_secret_versions: store.count_tls_secrets(&secrets(Show::All)).await?,
        data_dir: ctx.data_dir.display().to_string(),
        config: ctx
            .config_file
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        ready_ms: started.elapsed().as_millis(),
    })
}

impl DemoSummary {
    fn text(&self) -> String {
        format!(
            "Certkeep inventory of the demo estate (ready in {} ms):\n\
             \x20 vaults:                   {}\n\
             \x20 Key Vault certificates:   {} ({} versions)\n\
             \x20 TLS secrets:              {} ({} versions; {} certificates read from them)\n\
             \x20 expired:                  {} distinct current certificates\n\
             \x20 expiring within 30 days:  {}\n\n{}",
            self.ready_ms,
            self.vaults,
            self.certificates,
            self.certificate_versions,
            self.tls_secrets,
            self.tls_secret_versions,
            self.certificates_from_secrets,
            self.expired,
            self.expiring_within_30_days,
            self.instructions()
        )
    }

    fn instructions(&self) -> String {
        let mut text = format!(
            "Run further commands against this inventory while the demo runs:\n\
             \x20 export CERTKEEP_DATA_DIR={}\n\
             \x20 export CERTKEEP_CONFIG={}\n",
            shell_quote(&self.data_dir),
            shell_quote(&self.config)
        );
        for var in ["CERTKEEP_DATABASE_URL", MASTER_KEY_ENV] {
            if std::env::var_os(var).is_some() {
                text.push_str(&format!("  unset {var}\n"));
            }
        }
        text.push_str(
            "  certkeep credential list\n\
             \x20 certkeep cert list --expiring-within 30d\n\
             \x20 certkeep cert list --show all --vault kv-prod-web --output json\n\
             \x20 certkeep secret list\n\
             \x20 certkeep discover certificates --all-versions\n",
        );
        text.push_str(&format!(
            "or with flags: certkeep --data-dir {} --config {} cert list\n\
             Press Ctrl-C to stop.\n",
            shell_quote(&self.data_dir),
            shell_quote(&self.config)
        ));
        text
    }
}

impl Row for DemoSummary {
    fn headers() -> &'static [&'static str] {
        &[
            "vaults",
            "certificates",
            "certificate_versions",
            "certificates_from_secrets",
            "expired",
            "expiring_within_30_days",
            "tls_secrets",
            "tls_secret_versions",
            "data_dir",
            "config",
            "ready_ms",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.vaults.to_string(),
            self.certificates.to_string(),
            self.certificate_versions.to_string(),
            self.certificates_from_secrets.to_string(),
            self.expired.to_string(),
            self.expiring_within_30_days.to_string(),
            self.tls_secrets.to_string(),
            self.tls_secret_versions.to_string(),
            self.data_dir.clone(),
            self.config.clone(),
            self.ready_ms.to_string(),
        ]
    }
}

/// `'text'` for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn temp_dir() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    std::env::temp_dir().join(format!("certkeep-demo-{}-{nanos:08x}", std::process::id()))
}

/// Ctrl-C, or SIGTERM on Unix.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
