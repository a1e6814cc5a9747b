//! `certkeep cert request|obtain|renew` and `certkeep request ...`: each turns its arguments
//! into one engine use case and prints the result.

use std::time::Duration;

use certkeep_engine::requests::{CertificateRequestInput, RenewTarget, RequestQuery};
use certkeep_engine::views::PageRequest;
use certkeep_engine::{Actor, reports};

use super::out;
use crate::cli_request::{
    CriticalArg, LifetimeArg, ObtainArgs, RenewArgs, RequestArgs, RequestCmd, StatusArg,
};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::{Format, render, render_one};

/// How long `--wait` waits for Key Vault to issue.
const WAIT: Duration = Duration::from_secs(600);

/// `rsa:2048` → ("RSA", "2048", ""); `ec:p-256` → ("EC", "", "P-256"); anything else is passed
/// on as the key type for the engine to judge.
fn split_key(key: &str) -> (String, String, String) {
    let (kty, param) = key.split_once(':').unwrap_or((key, ""));
    let kty = kty.trim().to_ascii_uppercase();
    if kty.starts_with("EC") {
        (kty, String::new(), param.trim().to_ascii_uppercase())
    } else {
        (kty, param.trim().to_string(), String::new())
    }
}

fn raw_request(a: &RequestArgs) -> certkeep_core_request::RawRequest {
    let (key, key_size, curve) = split_key(&a.key);
    certkeep_core_request::RawRequest {
        name: a.name.clone(),
        common_name: a.cn.clone(),
        sans: a.san.clone(),
        email: a.email.clone(),
        key,
        key_size,
        curve,
        organization: a.org.clone(),
        organizational_unit: a.org_unit.clone(),
        locality: a.locality.clone(),
        state: a.state.clone(),
        country: a.country.clone(),
        validity_months: a.validity_months.clone(),
        lifetime_action: match a.lifetime_action {
            None => String::new(),
            Some(LifetimeArg::AutoRenew) => "AutoRenew".into(),
            Some(LifetimeArg::EmailContacts) => "EmailContacts".into(),
        },
        days_before_expiry: a.days_before_expiry.clone(),
        key_usage: vec![a.key_usage.clone()],
        eku: vec![a.eku.clone()],
        critical: certkeep_core_request::Criticality {
            key_usage: a.critical.contains(&CriticalArg::KeyUsage),
            eku: a.critical.contains(&CriticalArg::Eku),
        },
        issuer: a.issuer.clone(),
        content_type: a.content_type.clone(),
        exportable: Some(!a.not_exportable),
        reuse_key: Some(a.reuse_key),
        tags: a.tags.clone(),
    }
}

/// The request vocabulary, re-exported by the engine.
use certkeep_engine::requests::raw as certkeep_core_request;

pub(super) async fn request(ctx: &Context, a: RequestArgs) -> CliResult {
    let engine = ctx.open().await?;
    let actor = Actor::cli();
    let mut view = engine
        .request_certificate(
            &actor,
            CertificateRequestInput {
                scope: (&a.scope).into(),
                raw: raw_request(&a),
            },
        )
        .await?;
    if a.wait
        && view.status == "in_progress"
        && let Some(v) = engine
            .wait_for_requests(&actor, std::slice::from_ref(&view.id), WAIT)
            .await?
            .pop()
    {
        view = v;
    }
    if ctx.output == Format::Table {
        match view.status {
            "in_progress" if view.csr_available => eprintln!(
                "request {} waits for an external CA: certkeep request csr {} > {}.csr, then certkeep request merge {} --file SIGNED.pem",
                view.id, view.id, view.certificate, view.id
            ),
            "in_progress" => eprintln!(
                "request {} is in progress in Key Vault: certkeep request wait {}",
                view.id, view.id
            ),
            _ => {}
        }
        for p in &view.criticality_problems {
            eprintln!("note: {p} (Key Vault's policy has no critical flag)");
        }
    }
    out(&render_one(&view, ctx.output))?;
    finished(view.status, view.error.as_deref())
}

/// A request that ended failed exits non-zero (1), with Key Vault's reason.
fn finished(status: &str, error: Option<&str>) -> CliResult {
    if status == "failed" {
        return Err(CliError::Failed {
            message: format!("the request failed: {}", error.unwrap_or("no reason given")),
            code: 1,
        });
    }
    Ok(())
}

pub(super) async fn obtain(ctx: &Context, a: ObtainArgs) -> CliResult {
    let engine = ctx.open().await?;
    let report = engine
        .obtain_vault_certificate(&Actor::cli(), &(&a.scope).into(), &a.name, a.history)
        .await?;
    out(&render_one(&report, ctx.output))
}

pub(super) async fn renew(ctx: &Context, a: RenewArgs) -> CliResult {
    let engine = ctx.open().await?;
    let targets: Vec<RenewTarget> = a
        .names
        .iter()
        .map(|n| RenewTarget {
            name: n.clone(),
            version: a.version.clone(),
        })
        .collect();
    let outcomes = engine
        .renew_certificates(
            &Actor::cli(),
            &(&a.scope).into(),
            &targets,
            a.validity_months,
            a.wait,
        )
        .await?;
    out(&render(&outcomes, ctx.output))?;
    Ok(reports::check(&outcomes)?)
}

pub(super) async fn run(ctx: &Context, cmd: RequestCmd) -> CliResult {
    match cmd {
        RequestCmd::List(a) => {
            let engine = ctx.open_read().await?;
            let listing = engine
                .list_requests(&RequestQuery {
                    scope: (&a.scope).into(),
                    status: a.status.map(|s| match s {
                        StatusArg::Sending => certkeep_engine::requests::RequestStatus::Sending,
                        StatusArg::InProgress => {
                            certkeep_engine::requests::RequestStatus::InProgress
                        }
                        StatusArg::Completed => certkeep_engine::requests::RequestStatus::Completed,
                        StatusArg::Failed => certkeep_engine::requests::RequestStatus::Failed,
                        StatusArg::Cancelled => certkeep_engine::requests::RequestStatus::Cancelled,
                    }),
                    certificate_name: a.name.clone(),
                    page: PageRequest::new(0, a.limit),
                })
                .await?;
            out(&render(&listing.items, ctx.output))
        }
        RequestCmd::Show { id } => {
            let engine = ctx.open_read().await?;
            out(&render_one(&engine.show_request(&id).await?, ctx.output))
        }
        RequestCmd::Poll => {
            let engine = ctx.open().await?;
            let report = engine.poll_requests(&Actor::cli()).await?;
            if ctx.output == Format::Table {
                eprintln!(
                    "polled {}: {} completed, {} failed, {} cancelled, {} still open",
                    report.polled,
                    report.completed,
                    report.failed,
                    report.cancelled,
                    report.still_open
                );
                for e in &report.errors {
                    eprintln!("error: {e}");
                }
            }
            out(&render(&report.requests, ctx.output))?;
            if report.errors.is_empty() {
                Ok(())
            } else {
                Err(CliError::Failed {
                    message: format!("{} requests could not be polled", report.errors.len()),
                    code: 6,
                })
            }
        }
        RequestCmd::Wait { ids, timeout } => {
            let engine = ctx.open().await?;
            let views = engine
                .wait_for_requests(&Actor::cli(), &ids, Duration::from_secs(timeout))
                .await?;
            out(&render(&views, ctx.output))
        }
        RequestCmd::Cancel { id } => {
            let engine = ctx.open().await?;
            out(&render_one(
                &engine.cancel_request(&Actor::cli(), &id).await?,
                ctx.output,
            ))
        }
        RequestCmd::Csr { id } => {
            let engine = ctx.open_read().await?;
            out(&engine.request_csr(&id).await?)
        }
        RequestCmd::Merge { id, file } => {
            let bytes = std::fs::read(&file).map_err(|e| {
                CliError::usage(format!("file: cannot read {}: {e}", file.display()))
            })?;
            let engine = ctx.open().await?;
            let view = engine.merge_request(&Actor::cli(), &id, &bytes).await?;
            out(&render_one(&view, ctx.output))
        }
        RequestCmd::DeleteOperation { id } => {
            let engine = ctx.open().await?;
            out(&render_one(
                &engine.delete_request_operation(&Actor::cli(), &id).await?,
                ctx.output,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_key;

    #[test]
    fn keys_split_into_type_size_and_curve() {
        let s = |k: &str| split_key(k);
        assert_eq!(s("rsa:3072"), ("RSA".into(), "3072".into(), String::new()));
        assert_eq!(s("ec:p-384"), ("EC".into(), String::new(), "P-384".into()));
        assert_eq!(
            s("ec-hsm:p-256"),
            ("EC-HSM".into(), String::new(), "P-256".into())
        );
        assert_eq!(s("dsa"), ("DSA".into(), String::new(), String::new()));
    }
}
