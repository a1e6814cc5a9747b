//! `certkeep`: certificate lifecycle manager for Azure Key Vault — the command-line front end of
//! `certkeep-engine`. Commands translate arguments into use cases and print rows (table, JSON or
//! CSV); see `docs/cli.md`. Exit codes: 0 ok, 1 other, 2 usage or invalid input, 3 Azure refused
//! the credential or access, 4 not found, 5 conflict, 6 some vaults failed.

mod cli;
mod cli_request;
mod commands;
mod context;
mod error;
mod output;
mod progress;
mod secret_input;
mod tables;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser as _;

/// mimalloc for Rust and C alike (see the workspace's Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Usage errors exit 2; --help and --version exit 0.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
