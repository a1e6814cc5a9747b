//! `certkeep vault sync|list` and `certkeep issuer sync|list`.

use certkeep_engine::queries::VaultQuery;
use certkeep_engine::views::{MAX_PAGE_LIMIT, PageRequest};
use certkeep_engine::{Actor, reports};

use super::out;
use crate::cli::{IssuerCmd, VaultCmd};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::{render, render_one};

pub(super) async fn run_vault(ctx: &Context, cmd: VaultCmd) -> CliResult {
    match cmd {
        VaultCmd::Sync(scope) => {
            let engine = ctx.open().await?;
            let reports = engine
                .sync_vaults(&Actor::cli(), scope.credential.as_deref())
                .await?;
            out(&render(&reports, ctx.output))?;
            // One credential alone that Azure refused exits with that refusal's code.
            if let [only] = reports.as_slice()
                && only.error.is_some()
            {
                return Err(crate::error::CliError::Failed {
                    message: only.error.clone().unwrap_or_default(),
                    code: only.exit_code.unwrap_or(1),
                });
            }
            Ok(reports::check(&reports)?)
        }
        VaultCmd::List(scope) => {
            let engine = ctx.open_read().await?;
            let mut query = VaultQuery {
                credential: scope.credential.clone(),
                include_missing: true,
                page: PageRequest::new(0, MAX_PAGE_LIMIT),
                ..Default::default()
            };
            let mut rows = Vec::new();
            loop {
                let page = engine.list_vault_page(&query).await?;
                let got = page.items.len() as u64;
                rows.extend(page.items);
                query.page.offset += got;
                if got == 0 || query.page.offset >= page.total {
                    break;
                }
            }
            out(&render(&rows, ctx.output))
        }
    }
}

pub(super) async fn run_issuer(ctx: &Context, cmd: IssuerCmd) -> CliResult {
    match cmd {
        IssuerCmd::Sync(v) => {
            let engine = ctx.open().await?;
            let report = engine
                .sync_issuers(&Actor::cli(), &v.credential, &v.vault)
                .await?;
            out(&render_one(&report, ctx.output))
        }
        IssuerCmd::List(v) => {
            let engine = ctx.open_read().await?;
            out(&render(
                &engine.list_issuers(&v.credential, &v.vault).await?,
                ctx.output,
            ))
        }
    }
}
