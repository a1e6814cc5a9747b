//! `certkeep cert list` and `certkeep secret list`: what discovery stored, soonest expiry first.

use std::collections::HashMap;

use certkeep_engine::Engine;
use certkeep_store::{CertificateFilter, CredentialId, Show, TlsSecretFilter, VaultId};

use super::{out, resolve_scope};
use crate::cli::{ListArgs, ShowArg};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::render;
use crate::rows::{CertRow, SecretRow, now};

/// The filter fields both listings share.
struct Common {
    show: Show,
    vault: Option<VaultId>,
    credential: Option<CredentialId>,
    expiring_before: Option<i64>,
    /// Vault id → (credential name, vault name).
    names: HashMap<VaultId, (String, String)>,
}

async fn common(engine: &Engine, args: &ListArgs, now: i64) -> CliResult<Common> {
    let scope = resolve_scope(engine, &args.scope).await?;
    let credential = match &scope.credential {
        Some(c) => Some(engine.credential(c).await?.id),
        None => None,
    };
    let vault = match (&scope.credential, &scope.vault) {
        (Some(c), Some(v)) => Some(engine.vault(c, v).await?.1.id),
        _ => None,
    };
    let mut names = HashMap::new();
    for c in engine.store().list_credentials().await? {
        for v in engine.store().list_vaults(Some(&c.id)).await? {
            names.insert(v.id, (c.name.clone(), v.record.name.clone()));
        }
    }
    Ok(Common {
        show: match args.show {
            ShowArg::Current => Show::Current,
            ShowArg::Previous => Show::Previous,
            ShowArg::All => Show::All,
        },
        vault,
        credential,
        expiring_before: args.expiring_within.map(|d| now.saturating_add(d)),
        names,
    })
}

fn names_of(names: &HashMap<VaultId, (String, String)>, id: VaultId) -> (&str, &str) {
    names
        .get(&id)
        .map(|(c, v)| (c.as_str(), v.as_str()))
        .unwrap_or(("", ""))
}

pub(super) async fn certificates(ctx: &Context, args: &ListArgs) -> CliResult {
    let engine = ctx.open().await?;
    let now = now();
    let c = common(&engine, args, now).await?;
    let filter = CertificateFilter {
        show: c.show,
        vault: c.vault,
        credential: c.credential,
        expiring_before: c.expiring_before,
        search: args.search.clone(),
        include_missing: args.include_missing,
        ..Default::default()
    };
    let rows: Vec<CertRow> = engine
        .store()
        .list_certificates(&filter)
        .await?
        .iter()
        .map(|cert| {
            let (credential, vault) = names_of(&c.names, cert.vault_id);
            CertRow::new(credential, vault, cert, now)
        })
        .collect();
    out(&render(&rows, ctx.output))
}

pub(super) async fn secrets(ctx: &Context, args: &ListArgs) -> CliResult {
    let engine = ctx.open().await?;
    let now = now();
    let c = common(&engine, args, now).await?;
    let filter = TlsSecretFilter {
        show: c.show,
        vault: c.vault,
        credential: c.credential,
        expiring_before: c.expiring_before,
        search: args.search.clone(),
        include_missing: args.include_missing,
    };
    let rows: Vec<SecretRow> = engine
        .store()
        .list_tls_secrets(&filter)
        .await?
        .iter()
        .map(|s| {
            let (credential, vault) = names_of(&c.names, s.vault_id);
            SecretRow::new(credential, vault, s, now)
        })
        .collect();
    out(&render(&rows, ctx.output))
}
