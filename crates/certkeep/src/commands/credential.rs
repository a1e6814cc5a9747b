//! `certkeep credential add|list|show|update|remove`.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use certkeep_engine::Actor;
use certkeep_engine::credentials::AddCredential;

use super::out;
use crate::cli::{AddArgs, CredentialCmd};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::{Format, render, render_one};
use crate::secret_input::read_client_secret;

pub(super) async fn run(ctx: &Context, cmd: CredentialCmd) -> CliResult {
    match cmd {
        CredentialCmd::Add(args) => add(ctx, args).await,
        CredentialCmd::List => {
            let engine = ctx.open_read().await?;
            out(&render(&engine.list_credentials().await?, ctx.output))
        }
        CredentialCmd::Show { name } => {
            let engine = ctx.open_read().await?;
            out(&render_one(
                &engine.show_credential(&name).await?,
                ctx.output,
            ))
        }
        CredentialCmd::Update { name, secret } => {
            let engine = ctx.open().await?;
            // An unknown name fails before anyone types a secret.
            engine.show_credential(&name).await?;
            let secret = read_client_secret(secret.client_secret_stdin, &name)?;
            let view = engine
                .update_credential_secret(&Actor::cli(), &name, secret)
                .await?;
            if ctx.output == Format::Table {
                eprintln!("client secret of '{name}' replaced (checked against Azure)");
            }
            out(&render_one(&view, ctx.output))
        }
        CredentialCmd::Remove { name, yes } => remove(ctx, &name, yes).await,
    }
}

async fn add(ctx: &Context, args: AddArgs) -> CliResult {
    let engine = ctx.open().await?;
    let client_secret = read_client_secret(args.secret.client_secret_stdin, &args.name)?;
    let added = engine
        .add_credential(
            &Actor::cli(),
            AddCredential {
                name: args.name,
                cloud: args.cloud,
                tenant_id: args.tenant_id,
                subscription_id: args.subscription_id,
                client_id: args.client_id,
                client_secret,
            },
        )
        .await?;
    if ctx.output == Format::Table {
        let name = &added.credential.name;
        if added.already_existed {
            eprintln!(
                "credential '{name}' already existed with this identity: its vaults were synced"
            );
        }
        eprintln!(
            "imported {} vaults ({} new); next: certkeep discover certificates --credential '{name}'",
            added.credential.vaults, added.vaults.added
        );
    }
    out(&render_one(&added, ctx.output))
}

async fn remove(ctx: &Context, name: &str, yes: bool) -> CliResult {
    let engine = ctx.open().await?;
    let view = engine.show_credential(name).await?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::usage(format!(
                "yes: removing credential '{name}' needs confirmation: pass --yes (stdin is not a terminal)"
            )));
        }
        let certificates = engine.credential_certificate_count(name).await?;
        eprint!(
            "Remove credential '{name}' with its {} vaults and {certificates} certificate versions from \
             Certkeep? Azure is not changed. [y/N] ",
            view.vaults
        );
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            return Err(anyhow::anyhow!("not confirmed: nothing was removed").into());
        }
    }
    let removed = engine.remove_credential(&Actor::cli(), name).await?;
    if ctx.output == Format::Table {
        eprintln!("removed credential '{name}' and everything discovered through it:");
    }
    out(&render_one(&removed, ctx.output))
}
