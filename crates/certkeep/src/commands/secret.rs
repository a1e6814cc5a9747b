//! `certkeep secret create|update|rediscover|obtain-certificate|export|delete`: each reads its
//! input, runs one engine use case and prints the result.
//!
//! The PFX password is never a flag value: `--password-stdin` (first line of stdin), else
//! `CERTKEEP_PFX_PASSWORD`, else a prompt with echo off on a terminal. It goes straight into a
//! `SecretString` and is never printed.

use std::collections::BTreeMap;
use std::io::{BufRead as _, IsTerminal as _, Write as _};

use certkeep_azure::secrecy::SecretString;
use certkeep_engine::tls_manage::{
    CreateSecret, ExportFormat, Exported, UpdateSecret, UploadFormat, guess_format,
};
use certkeep_engine::{Actor, Scope};

use super::out;
use crate::cli::{
    ExportFormatArg, OneVault, SecretCmd, SecretCreateArgs, SecretDeleteArgs, SecretExportArgs,
    UploadFormatArg,
};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::{Format, render, render_one};

/// Environment variable holding a PFX password.
pub(crate) const PFX_PASSWORD_ENV: &str = "CERTKEEP_PFX_PASSWORD";

pub(super) async fn run(ctx: &Context, cmd: SecretCmd) -> CliResult {
    match cmd {
        SecretCmd::List(_) => unreachable!("dispatched to list::secrets"),
        SecretCmd::Create(a) => create(ctx, a).await,
        SecretCmd::Update(a) => {
            let engine = ctx.open().await?;
            let enabled = match (a.enabled, a.disabled) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            let view = engine
                .update_tls_secret(
                    &Actor::cli(),
                    UpdateSecret {
                        scope: scope(&a.vault),
                        name: a.name,
                        activation: a.activation,
                        expiration: a.expiration,
                        enabled,
                    },
                )
                .await?;
            out(&render_one(&view, ctx.output))
        }
        SecretCmd::Rediscover(a) => {
            let engine = ctx.open().await?;
            let reports = engine
                .rediscover_secrets(&Actor::cli(), &scope(&a.vault), &a.names)
                .await?;
            out(&render(&reports, ctx.output))?;
            Ok(certkeep_engine::reports::check(&reports)?)
        }
        SecretCmd::ObtainCertificate(a) => {
            let engine = ctx.open().await?;
            let view = engine
                .obtain_secret_certificate(&Actor::cli(), &scope(&a.vault), &a.name)
                .await?;
            out(&render_one(&view, ctx.output))
        }
        SecretCmd::Export(a) => export(ctx, a).await,
        SecretCmd::Delete(a) => delete(ctx, a).await,
    }
}

pub(super) fn scope(v: &OneVault) -> Scope {
    Scope {
        credential: v.credential.clone(),
        vault: Some(v.vault.clone()),
    }
}

/// `KEY=VALUE` tags.
fn tags(args: &[String]) -> CliResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for t in args {
        let Some((k, v)) = t.split_once('=') else {
            return Err(CliError::usage(format!("tag: '{t}' is not KEY=VALUE")));
        };
        out.insert(k.trim().to_string(), v.to_string());
    }
    Ok(out)
}

async fn create(ctx: &Context, a: SecretCreateArgs) -> CliResult {
    let file = std::fs::read(&a.file)
        .map_err(|e| CliError::usage(format!("file: cannot read {}: {e}", a.file.display())))?;
    let tags = tags(&a.tag)?;
    let format = a.format.map(|f| match f {
        UploadFormatArg::Pfx => UploadFormat::Pfx,
        UploadFormatArg::Pem => UploadFormat::Pem,
    });
    let engine = ctx.open().await?;
    let password = match format.unwrap_or_else(|| guess_format(&file)) {
        UploadFormat::Pfx => read_pfx_password(a.password_stdin, &a.file)?,
        UploadFormat::Pem => SecretString::from(String::new()),
    };
    let created = engine
        .create_tls_secret(
            &Actor::cli(),
            CreateSecret {
                scope: scope(&a.vault),
                name: a.name,
                file,
                format,
                password,
                activation: a.activation,
                expiration: a.expiration,
                enabled: !a.disabled,
                tags,
                new_version: a.new_version,
            },
        )
        .await?;
    if ctx.output == Format::Table {
        eprintln!(
            "created secret '{}' version {} ({} certificates{})",
            created.secret.name,
            created.secret.version,
            created.chain_length,
            if created.ignored_certificates > 0 {
                format!(
                    "; {} certificates outside the chain left out",
                    created.ignored_certificates
                )
            } else {
                String::new()
            }
        );
    }
    out(&render_one(&created, ctx.output))
}

/// The PFX password: `--password-stdin`, else `CERTKEEP_PFX_PASSWORD`, else a hidden prompt.
fn read_pfx_password(from_stdin: bool, file: &std::path::Path) -> CliResult<SecretString> {
    if from_stdin {
        let mut line = String::new();
        let n = std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| anyhow::anyhow!("reading the PFX password from stdin: {e}"))?;
        if n == 0 {
            return Err(CliError::usage(
                "password: stdin is empty (--password-stdin reads the password from the first line)",
            ));
        }
        while line.ends_with(['\n', '\r']) {
            line.pop();
        }
        return Ok(SecretString::from(line));
    }
    if let Some(value) = std::env::var_os(PFX_PASSWORD_ENV) {
        let value = value.into_string().map_err(|_| {
            CliError::usage(format!("password: {PFX_PASSWORD_ENV} is not valid UTF-8"))
        })?;
        return Ok(SecretString::from(value));
    }
    if std::io::stdin().is_terminal() {
        let value =
            rpassword::prompt_password(format!("Password of {} (input hidden): ", file.display()))
                .map_err(|e| anyhow::anyhow!("reading the PFX password from the terminal: {e}"))?;
        return Ok(SecretString::from(value));
    }
    Err(CliError::usage(format!(
        "password: no PFX password given: pass --password-stdin and write it to stdin, set \
         {PFX_PASSWORD_ENV}, or run on a terminal to be prompted"
    )))
}

pub(super) fn export_format(f: ExportFormatArg) -> ExportFormat {
    match f {
        ExportFormatArg::Pem => ExportFormat::Pem,
        ExportFormatArg::Der => ExportFormat::Der,
        ExportFormatArg::Chain => ExportFormat::Chain,
    }
}

/// DER is binary: refused on a terminal unless written to a file.
pub(super) fn check_der_target(format: ExportFormat, out: Option<&std::path::Path>) -> CliResult {
    if format == ExportFormat::Der && out.is_none() && std::io::stdout().is_terminal() {
        return Err(CliError::usage(
            "out: DER is binary: give --out FILE (or redirect stdout)",
        ));
    }
    Ok(())
}

/// Writes an export to `--out` (then prints what was written) or to stdout.
pub(super) fn write_export(
    ctx: &Context,
    exported: &Exported,
    path: Option<&std::path::Path>,
) -> CliResult {
    if let Some(note) = &exported.note {
        eprintln!("note: {note}");
    }
    match path {
        Some(p) => {
            std::fs::write(p, &exported.bytes)
                .map_err(|e| anyhow::anyhow!("writing {}: {e}", p.display()))?;
            if ctx.output == Format::Table {
                eprintln!(
                    "wrote {} certificate(s) of '{}' version {} to {}",
                    exported.certificates,
                    exported.name,
                    exported.version,
                    p.display()
                );
            }
            out(&render_one(exported, ctx.output))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(&exported.bytes)
                .and_then(|()| stdout.flush())
            {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(()),
            }
        }
    }
}

async fn export(ctx: &Context, a: SecretExportArgs) -> CliResult {
    let format = export_format(a.format);
    check_der_target(format, a.out.as_deref())?;
    let engine = ctx.open().await?;
    let exported = engine
        .export_secret_certificate(&Actor::cli(), &scope(&a.vault), &a.name, format)
        .await?;
    write_export(ctx, &exported, a.out.as_deref())
}

/// Asks on the terminal (refused without `--yes` when stdin is not one).
pub(super) fn confirm(yes: bool, question: &str) -> CliResult {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(
            "yes: this needs confirmation: pass --yes (stdin is not a terminal)",
        ));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(anyhow::anyhow!("not confirmed: nothing was deleted").into())
    }
}

async fn delete(ctx: &Context, a: SecretDeleteArgs) -> CliResult {
    confirm(
        a.yes,
        &format!(
            "Delete {} secret(s) from Certkeep? Key Vault keeps them.",
            a.names.len()
        ),
    )?;
    let engine = ctx.open().await?;
    let report = engine
        .delete_tls_secrets(
            &Actor::cli(),
            &scope(&a.vault),
            &a.names,
            a.exclude_from_discovery,
        )
        .await?;
    if ctx.output == Format::Table {
        eprintln!("deleted from Certkeep only; Key Vault was not changed");
    }
    out(&render_one(&report, ctx.output))
}
