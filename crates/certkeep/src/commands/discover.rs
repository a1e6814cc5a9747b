//! `certkeep discover certificates|secrets`: per-vault reports; exit 6 when some vault failed.

use certkeep_engine::secret_discovery::SecretKind;
use certkeep_engine::{Engine, EngineError};

use super::{out, resolve_scope};
use crate::cli::{DiscoverCmd, SecretType, VaultScope};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::{Format, render};
use crate::progress::Bar;
use crate::rows::{CertDiscoveryRow, SecretDiscoveryRow};

pub(super) async fn run(ctx: &Context, cmd: DiscoverCmd) -> CliResult {
    let engine = ctx.open().await?;
    match cmd {
        DiscoverCmd::Certificates {
            scope,
            all_versions,
        } => {
            let rows = certificates(&engine, &scope, all_versions).await?;
            out(&render(&rows, ctx.output))?;
            if ctx.output == Format::Table && rows.is_empty() {
                eprintln!(
                    "no vaults to discover: add a credential first (certkeep credential add)"
                );
            }
            failures(rows.iter().map(|r| (&r.credential, &r.vault, &r.error)))
        }
        DiscoverCmd::Secrets {
            scope,
            kind,
            add_certificates,
        } => {
            let rows = secrets(&engine, &scope, kind, add_certificates).await?;
            out(&render(&rows, ctx.output))?;
            failures(rows.iter().map(|r| (&r.credential, &r.vault, &r.error)))
        }
    }
}

/// Certificate discovery with a progress bar; reports sorted by credential and vault.
pub(super) async fn certificates(
    engine: &Engine,
    scope: &VaultScope,
    all_versions: bool,
) -> CliResult<Vec<CertDiscoveryRow>> {
    let scope = resolve_scope(engine, scope).await?;
    let bar = Bar::new("certificates");
    let reports = engine
        .discover_certificates(&scope, all_versions, &bar)
        .await?;
    bar.finish();
    let mut rows: Vec<CertDiscoveryRow> = reports.iter().map(CertDiscoveryRow::from).collect();
    rows.sort_by(|a, b| (&a.credential, &a.vault).cmp(&(&b.credential, &b.vault)));
    Ok(rows)
}

/// TLS-secret discovery with a progress bar; reports sorted by credential and vault.
pub(super) async fn secrets(
    engine: &Engine,
    scope: &VaultScope,
    kind: SecretType,
    add_certificates: bool,
) -> CliResult<Vec<SecretDiscoveryRow>> {
    let scope = resolve_scope(engine, scope).await?;
    let kind = match kind {
        SecretType::Tls => SecretKind::TlsOnly,
        SecretType::All => SecretKind::All,
    };
    let bar = Bar::new("TLS secrets");
    let reports = engine
        .discover_secrets(&scope, kind, add_certificates, &bar)
        .await?;
    bar.finish();
    let mut rows: Vec<SecretDiscoveryRow> = reports.iter().map(SecretDiscoveryRow::from).collect();
    rows.sort_by(|a, b| (&a.credential, &a.vault).cmp(&(&b.credential, &b.vault)));
    Ok(rows)
}

/// `Partial` (exit 6) when any vault failed; the reports were printed already.
pub(super) fn failures<'a>(
    reports: impl Iterator<Item = (&'a String, &'a String, &'a Option<String>)>,
) -> CliResult {
    let mut total = 0;
    let mut failed = Vec::new();
    for (credential, vault, error) in reports {
        total += 1;
        if let Some(e) = error {
            failed.push(format!("{credential}/{vault}: {e}"));
        }
    }
    match failed.first() {
        None => Ok(()),
        Some(first) => Err(EngineError::Partial {
            failed: failed.len(),
            total,
            first: first.clone(),
        }
        .into()),
    }
}
