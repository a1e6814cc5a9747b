//! `certkeep`: certificate lifecycle manager for Azure Key Vault.
//!
//! Today: `certkeep demo` starts the bundled Azure emulator with the demo estate and prints how
//! to reach it. Later issues add the inventory engine, web UI, REST API and CLI commands.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "certkeep",
    version,
    about = "Certificate lifecycle manager for Azure Key Vault"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the bundled Azure emulator seeded with the demo estate and keep it running.
    Demo {
        /// HTTPS port of the emulator (0 picks a free port).
        #[arg(long, default_value_t = 8443)]
        port: u16,
        /// Where the emulator keeps its CA (reused across runs so trust survives restarts).
        #[arg(long, default_value = "./certkeep-data/emulator")]
        data_dir: PathBuf,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Demo { port, data_dir } => match demo(port, data_dir).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(1)
            }
        },
    }
}

async fn demo(port: u16, data_dir: PathBuf) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let started = std::time::Instant::now();
    let emulator = certkeep_emulator::Emulator::start(certkeep_emulator::Config {
        port,
        data_dir: data_dir.clone(),
        ..Default::default()
    })
    .await
    .with_context(|| {
        format!("starting the emulator on port {port} (is it in use? try --port 0)")
    })?;
    let seed = certkeep_emulator::demo::demo_seed();
    let state = emulator.state.clone();
    let summary = tokio::task::spawn_blocking(move || certkeep_emulator::seed::load(&state, &seed))
        .await?
        .context("loading the demo seed")?;
    println!(
        "{}",
        certkeep_emulator::admin::banner(&emulator.state, true)
    );
    println!(
        "demo estate: {} vaults, {} certificates ({} versions), {} secrets; ready in {} ms",
        summary.vaults,
        summary.certificates,
        summary.certificate_versions,
        summary.secrets,
        started.elapsed().as_millis()
    );
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    emulator.shutdown().await;
    Ok(())
}
