//! One module per command group; each opens the engine, runs one use case and prints rows.

mod credential;
mod demo;
mod discover;
mod list;
mod vault;

use std::io::Write as _;

use certkeep_engine::discovery::Scope;
use certkeep_engine::{Engine, EngineError};

use crate::cli::{CertCmd, Cli, Command, SecretCmd, VaultScope};
use crate::context::Context;
use crate::error::{CliError, CliResult};

pub(crate) async fn run(cli: Cli) -> CliResult {
    let ctx = Context::from_args(&cli.global);
    match cli.command {
        Command::Credential(c) => credential::run(&ctx, c).await,
        Command::Vault(c) => vault::run_vault(&ctx, c).await,
        Command::Issuer(c) => vault::run_issuer(&ctx, c).await,
        Command::Discover(c) => discover::run(&ctx, c).await,
        Command::Cert(CertCmd::List(a)) => list::certificates(&ctx, &a).await,
        Command::Secret(SecretCmd::List(a)) => list::secrets(&ctx, &a).await,
        Command::Demo(a) => demo::run(&cli.global, &a).await,
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

/// The discovery scope; `--vault` alone is accepted when exactly one credential has that vault.
pub(crate) async fn resolve_scope(engine: &Engine, scope: &VaultScope) -> CliResult<Scope> {
    let credential = match (&scope.credential, &scope.vault) {
        (None, Some(vault)) => Some(credential_of_vault(engine, vault).await?),
        (c, _) => c.clone(),
    };
    if let (Some(c), Some(v)) = (&credential, &scope.vault) {
        // Not found now rather than after progress bars.
        engine.vault(c, v).await?;
    } else if let Some(c) = &credential {
        engine.credential(c).await?;
    }
    Ok(Scope {
        credential,
        vault: scope.vault.clone(),
    })
}

async fn credential_of_vault(engine: &Engine, vault: &str) -> CliResult<String> {
    let mut owners = Vec::new();
    for c in engine.store().list_credentials().await? {
        if engine.store().find_vault(&c.id, vault).await?.is_some() {
            owners.push(c.name);
        }
    }
    match owners.len() {
        0 => Err(EngineError::NotFound {
            what: format!("vault '{vault}'"),
        }
        .into()),
        1 => Ok(owners.remove(0)),
        _ => Err(CliError::usage(format!(
            "vault: '{vault}' is seen by several credentials ({}): give --credential",
            owners.join(", ")
        ))),
    }
}
