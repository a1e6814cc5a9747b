//! `certkeep demo`: starts the bundled emulator with the demo estate (and prints its banner),
//! then inventories it in-process — a data directory (temporary unless `--data-dir`), a master
//! key, a SQLite store, the demo credential for each demo subscription (custom cloud `emulator`),
//! certificate discovery with every version and TLS-secret discovery — prints a summary and the
//! settings that let further `certkeep` commands use the same inventory, and keeps running until
//! Ctrl-C (or SIGTERM).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use certkeep_azure::secrecy::SecretString;
use certkeep_emulator::demo::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_SUBSCRIPTIONS, DEMO_TENANT,
};
use certkeep_emulator::{Config, Emulator};
use certkeep_engine::config_file::{CloudEntry, ConfigFile};
use certkeep_engine::credentials::AddCredential;
use certkeep_engine::master_key::MASTER_KEY_ENV;
use certkeep_engine::queries::InventorySummary;
use certkeep_engine::{Actor, Scope, reports};
use serde::Serialize;

use super::out;
use crate::cli::{DemoArgs, GlobalArgs, SecretType};
use crate::context::{Context, create_private_dir, sqlite_url};
use crate::error::CliResult;
use crate::output::{Format, Table, render_one};

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
        r = inventory(&emulator, &data_dir, g.output, started, args.listen) => r,
        _ = stop_signal() => Err(anyhow::anyhow!("interrupted").into()),
    };
    let result = match result {
        Ok(server) => {
            stop_signal().await;
            server.shutdown(std::time::Duration::from_secs(5)).await;
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
    listen: std::net::SocketAddr,
) -> CliResult<certkeep_server::Server> {
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
    certkeep_engine::config_file::write(
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
            server: Default::default(),
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
    let actor = Actor::cli();
    for (name, sub) in CREDENTIALS {
        engine
            .add_credential(
                &actor,
                AddCredential {
                    name: name.into(),
                    cloud: CLOUD.into(),
                    tenant_id: DEMO_TENANT.into(),
                    subscription_id: DEMO_SUBSCRIPTIONS[sub].into(),
                    client_id: DEMO_CLIENT_ID.into(),
                    client_secret: SecretString::from(DEMO_CLIENT_SECRET.to_string()),
                },
            )
            .await?;
    }
    let all = Scope::default();
    let certs = super::discover::certificates(&engine, &all, true).await?;
    reports::check(&certs)?;
    let secrets = super::discover::secrets(&engine, &all, SecretType::All, true).await?;
    reports::check(&secrets)?;

    let inventory = engine.inventory_summary().await?;
    let engine = std::sync::Arc::new(engine);
    let password = engine
        .bootstrap_admin()
        .await?
        .unwrap_or_else(|| "(unchanged: admin existed in this data directory)".into());
    let server = certkeep_server::Server::start(
        engine,
        certkeep_server::ServerSettings {
            listen,
            scheduler: true,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| {
        anyhow::anyhow!(
            "starting Certkeep's server on {listen} (in use? try --listen 127.0.0.1:0): {e}"
        )
    })?;
    let summary = DemoSummary {
        inventory,
        data_dir: ctx.data_dir.display().to_string(),
        config: config_file.display().to_string(),
        ready_ms: started.elapsed().as_millis(),
        url: server.url(),
        api_docs: format!("{}/api/docs", server.url()),
        username: certkeep_engine::access::FIRST_ADMIN.into(),
        one_time_password: password,
    };
    if format == Format::Table {
        out(&summary.text())?;
    } else {
        out(&render_one(&summary, format))?;
        eprint!("{}", summary.instructions());
    }
    Ok(server)
}

#[derive(Debug, Serialize)]
struct DemoSummary {
    #[serde(flatten)]
    inventory: InventorySummary,
    data_dir: String,
    config: String,
    ready_ms: u128,
    url: String,
    api_docs: String,
    username: String,
    one_time_password: String,
}

impl DemoSummary {
    fn text(&self) -> String {
        format!(
            "Certkeep inventory of the demo estate (ready in {} ms):\n\
             \x20 vaults:                   {}\n\
             \x20 Key Vault certificates:   {} ({} versions)\n\
             \x20 TLS secrets:              {} ({} versions; {} certificates read from them)\n\
             \x20 expired:                  {} distinct current certificates\n\
             \x20 expiring within 30 days:  {}\n\n\
             Certkeep's web interface: {} (open it in a browser; Swagger UI and the API: {})\n\
             \x20 sign in as {} with the one-time password {} (change it at first sign-in)\n\n{}",
            self.ready_ms,
            self.inventory.vaults,
            self.inventory.certificates,
            self.inventory.certificate_versions,
            self.inventory.tls_secrets,
            self.inventory.tls_secret_versions,
            self.inventory.certificates_from_secrets,
            self.inventory.expired,
            self.inventory.expiring_within_30_days,
            self.url,
            self.api_docs,
            self.username,
            self.one_time_password,
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

impl Table for DemoSummary {
    const COLUMNS: &'static [&'static str] = &[
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
        "url",
        "username",
    ];
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
pub(super) async fn stop_signal() {
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
