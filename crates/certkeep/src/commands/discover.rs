//! `certkeep discover certificates|secrets`: per-vault reports; exit 6 when some vault failed.

use certkeep_engine::discovery::VaultReport;
use certkeep_engine::secret_discovery::{SecretKind, SecretReport};
use certkeep_engine::{Actor, Engine, Scope, reports};

use super::out;
use crate::cli::{DiscoverCmd, SecretType};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::{Format, render};
use crate::progress::Bar;

pub(super) async fn run(ctx: &Context, cmd: DiscoverCmd) -> CliResult {
    let engine = ctx.open().await?;
    match cmd {
        DiscoverCmd::Certificates {
            scope,
            all_versions,
        } => {
            let rows = certificates(&engine, &(&scope).into(), all_versions).await?;
            out(&render(&rows, ctx.output))?;
            if ctx.output == Format::Table && rows.is_empty() {
                eprintln!(
                    "no vaults to discover: add a credential first (certkeep credential add)"
                );
            }
            Ok(reports::check(&rows)?)
        }
        DiscoverCmd::Secrets {
            scope,
            kind,
            add_certificates,
        } => {
            let rows = secrets(&engine, &(&scope).into(), kind, add_certificates).await?;
            out(&render(&rows, ctx.output))?;
            Ok(reports::check(&rows)?)
        }
    }
}

/// Certificate discovery with a progress bar; reports sorted by credential and vault.
pub(super) async fn certificates(
    engine: &Engine,
    scope: &Scope,
    all_versions: bool,
) -> CliResult<Vec<VaultReport>> {
    // An unknown name fails now rather than after the progress bar.
    let scope = engine.resolve_scope(scope).await?;
    let bar = Bar::new("certificates");
    let mut rows = engine
        .discover_certificates(&Actor::cli(), &scope, all_versions, &bar)
        .await?;
    bar.finish();
    rows.sort_by(|a, b| (&a.credential, &a.vault).cmp(&(&b.credential, &b.vault)));
    Ok(rows)
}

/// TLS-secret discovery with a progress bar; reports sorted by credential and vault.
pub(super) async fn secrets(
    engine: &Engine,
    scope: &Scope,
    kind: SecretType,
    add_certificates: bool,
) -> CliResult<Vec<SecretReport>> {
    let scope = engine.resolve_scope(scope).await?;
    let kind = match kind {
        SecretType::Tls => SecretKind::TlsOnly,
        SecretType::All => SecretKind::All,
    };
    let bar = Bar::new("TLS secrets");
    let mut rows = engine
        .discover_secrets(&Actor::cli(), &scope, kind, add_certificates, &bar)
        .await?;
    bar.finish();
    rows.sort_by(|a, b| (&a.credential, &a.vault).cmp(&(&b.credential, &b.vault)));
    Ok(rows)
}
