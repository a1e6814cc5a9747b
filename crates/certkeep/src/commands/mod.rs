//! One module per command group; each opens the engine, runs one use case and prints rows.

mod cert_local;
mod credential;
mod demo;
mod discover;
mod list;
mod request;
mod secret;
mod serve;
mod user;
mod vault;

use std::io::Write as _;

use certkeep_engine::Scope;

use crate::cli::{CertCmd, Cli, Command, SecretCmd, VaultScope};
use crate::context::Context;
use crate::error::CliResult;

pub(crate) async fn run(cli: Cli) -> CliResult {
    let ctx = Context::from_args(&cli.global);
    match cli.command {
        Command::Credential(c) => credential::run(&ctx, c).await,
        Command::Vault(c) => vault::run_vault(&ctx, c).await,
        Command::Issuer(c) => vault::run_issuer(&ctx, c).await,
        Command::Discover(c) => discover::run(&ctx, c).await,
        Command::Cert(CertCmd::List(a)) => list::certificates(&ctx, &a).await,
        Command::Cert(CertCmd::Request(a)) => request::request(&ctx, *a).await,
        Command::Cert(CertCmd::Obtain(a)) => request::obtain(&ctx, a).await,
        Command::Cert(CertCmd::Renew(a)) => request::renew(&ctx, a).await,
        Command::Request(c) => request::run(&ctx, c).await,
        Command::Cert(CertCmd::Delete(a)) => cert_local::delete(&ctx, a).await,
        Command::Cert(CertCmd::Export(a)) => cert_local::export(&ctx, a).await,
        Command::Cert(CertCmd::Exclusions(c)) => cert_local::exclusions(&ctx, c).await,
        Command::Secret(SecretCmd::List(a)) => list::secrets(&ctx, &a).await,
        Command::Secret(c) => secret::run(&ctx, c).await,
        Command::Demo(a) => demo::run(&cli.global, &a).await,
        Command::Serve(a) => serve::run(&ctx, &a).await,
        Command::User(c) => user::run(&ctx, c).await,
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn out(text: &str) -> CliResult {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

impl From<&VaultScope> for Scope {
    fn from(s: &VaultScope) -> Self {
        Scope {
            credential: s.credential.clone(),
            vault: s.vault.clone(),
        }
    }
}
