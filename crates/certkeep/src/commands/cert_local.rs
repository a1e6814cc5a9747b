//! `certkeep cert delete|export|exclusions`: certificates deleted from Certkeep only (Key Vault
//! untouched), exported without keys, and the exclusions that keep discovery from importing
//! deleted ones again.

use certkeep_engine::Actor;

use super::out;
use super::secret::{check_der_target, confirm, export_format, scope, write_export};
use crate::cli::{CertDeleteArgs, CertExportArgs, ExclusionsCmd};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::{Format, render, render_one};

pub(super) async fn delete(ctx: &Context, a: CertDeleteArgs) -> CliResult {
    let what = match &a.version {
        Some(v) => format!("version {v} of certificate '{}'", a.names.join(", ")),
        None => format!("every version of {} certificate(s)", a.names.len()),
    };
    confirm(
        a.yes,
        &format!("Delete {what} from Certkeep? Key Vault keeps them."),
    )?;
    let engine = ctx.open().await?;
    let report = engine
        .delete_certificates(
            &Actor::cli(),
            &scope(&a.vault),
            &a.names,
            a.version.as_deref(),
            a.exclude_from_discovery,
        )
        .await?;
    if ctx.output == Format::Table {
        eprintln!("deleted from Certkeep only; Key Vault was not changed");
    }
    out(&render_one(&report, ctx.output))
}

pub(super) async fn export(ctx: &Context, a: CertExportArgs) -> CliResult {
    let format = export_format(a.format);
    check_der_target(format, a.out.as_deref())?;
    let engine = ctx.open().await?;
    let exported = engine
        .export_certificate(
            &Actor::cli(),
            &scope(&a.vault),
            &a.name,
            a.version.as_deref(),
            format,
        )
        .await?;
    write_export(ctx, &exported, a.out.as_deref())
}

pub(super) async fn exclusions(ctx: &Context, cmd: ExclusionsCmd) -> CliResult {
    match cmd {
        ExclusionsCmd::List(s) => {
            let engine = ctx.open_read().await?;
            let rows = engine.list_exclusions(&(&s).into()).await?;
            out(&render(&rows, ctx.output))
        }
        ExclusionsCmd::Remove { id } => {
            let engine = ctx.open().await?;
            let removed = engine.remove_exclusion(&Actor::cli(), id).await?;
            if ctx.output == Format::Table {
                eprintln!(
                    "removed: the next discovery imports '{}' again",
                    removed.name
                );
            }
            out(&render_one(&removed, ctx.output))
        }
    }
}
