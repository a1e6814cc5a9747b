//! `certkeep vault sync|list` and `certkeep issuer sync|list`.

use super::out;
use crate::cli::{IssuerCmd, VaultCmd};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::{render, render_one};
use crate::rows::{IssuerRow, IssuerSyncRow, VaultRow, VaultSyncRow};

pub(super) async fn run_vault(ctx: &Context, cmd: VaultCmd) -> CliResult {
    let engine = ctx.open().await?;
    match cmd {
        VaultCmd::Sync(scope) => {
            let rows: Vec<VaultSyncRow> = engine
                .sync_vaults(scope.credential.as_deref())
                .await?
                .into_iter()
                .map(|(credential, counts)| VaultSyncRow {
                    credential,
                    counts: counts.into(),
                })
                .collect();
            out(&render(&rows, ctx.output))
        }
        VaultCmd::List(scope) => {
            let rows: Vec<VaultRow> = engine
                .list_vaults(scope.credential.as_deref())
                .await?
                .iter()
                .map(|(credential, v)| VaultRow::new(credential, v))
                .collect();
            out(&render(&rows, ctx.output))
        }
    }
}

pub(super) async fn run_issuer(ctx: &Context, cmd: IssuerCmd) -> CliResult {
    let engine = ctx.open().await?;
    match cmd {
        IssuerCmd::Sync(v) => {
            let counts = engine.sync_issuers(&v.credential, &v.vault).await?;
            let row = IssuerSyncRow {
                credential: v.credential,
                vault: v.vault,
                counts: counts.into(),
            };
            out(&render_one(&row, ctx.output))
        }
        IssuerCmd::List(v) => {
            let rows: Vec<IssuerRow> = engine
                .list_issuers(&v.credential, &v.vault)
                .await?
                .iter()
                .map(|i| IssuerRow::new(&v.credential, &v.vault, i))
                .collect();
            out(&render(&rows, ctx.output))
        }
    }
}
