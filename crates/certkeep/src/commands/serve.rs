//! `certkeep serve`: opens the engine, creates the first `admin` (printing its one-time
//! password once) when there is no user, and serves the API until Ctrl-C or SIGTERM, letting
//! in-flight requests finish.

use std::sync::Arc;
use std::time::Duration;

use certkeep_server::{Server, ServerSettings, TlsMode};

use super::demo::stop_signal;
use certkeep_engine::scheduler::Schedule;

use crate::cli::{ServeArgs, parse_duration};
use crate::context::Context;
use crate::error::CliResult;

/// The settings: a flag or `CERTKEEP_` variable (clap reads both), else the config file's
/// `[server]` section, else the default.
pub(super) fn settings(ctx: &Context, args: &ServeArgs) -> CliResult<ServerSettings> {
    let file = certkeep_engine::config_file::server_section(ctx.config_file.as_deref())?;
    let bad = |field: &str, reason: String| {
        certkeep_engine::EngineError::invalid("config", format!("[server].{field}: {reason}"))
    };
    let duration =
        |flag: Option<i64>, text: &Option<String>, field: &str, default: i64| match (flag, text) {
            (Some(secs), _) => Ok(secs),
            (None, Some(t)) => parse_duration(t).map_err(|e| bad(field, e)),
            (None, None) => Ok(default),
        };
    let listen = match (args.listen, &file.listen) {
        (Some(a), _) => a,
        (None, Some(text)) => text
            .parse()
            .map_err(|e| bad("listen", format!("'{text}' is not ADDRESS:PORT ({e})")))?,
        (None, None) => ServerSettings::default().listen,
    };
    let trusted_proxies = if args.trusted_proxies.is_empty() {
        file.trusted_proxies
            .iter()
            .map(|a| {
                a.parse()
                    .map_err(|_| bad("trusted_proxies", format!("'{a}' is not an IP address")))
            })
            .collect::<Result<Vec<_>, _>>()?
    } else {
        args.trusted_proxies.clone()
    };
    let tls = match (
        args.tls_cert.clone().or(file.tls_cert.clone()),
        args.tls_key.clone().or(file.tls_key.clone()),
        args.tls_self_signed || file.tls_self_signed.unwrap_or(false),
    ) {
        (Some(cert), Some(key), _) => TlsMode::Files { cert, key },
        (Some(_), None, _) | (None, Some(_), _) => {
            return Err(bad("tls_cert", "give both tls_cert and tls_key".into()).into());
        }
        (None, None, true) => TlsMode::SelfSigned {
            dir: ctx.data_dir.join("tls"),
        },
        (None, None, false) => TlsMode::Off,
    };
    let defaults = Schedule::default();
    Ok(ServerSettings {
        listen,
        tls,
        trusted_proxies,
        behind_proxy: args.behind_proxy || file.behind_proxy.unwrap_or(false),
        metrics_token: args.metrics_token.clone().map(Into::into),
        metrics_tags: if args.metrics_tags.is_empty() {
            file.metrics_tags
                .clone()
                .unwrap_or_else(|| ServerSettings::default().metrics_tags)
        } else {
            args.metrics_tags.clone()
        },
        session_idle_secs: duration(
            args.session_idle,
            &file.session_idle,
            "session_idle",
            30 * 60,
        )?,
        session_absolute_secs: duration(
            args.session_max,
            &file.session_max,
            "session_max",
            12 * 3600,
        )?,
        scheduler: !args.no_scheduler && file.scheduler.unwrap_or(true),
        schedule: Schedule {
            discovery_secs: duration(
                args.discovery_interval,
                &file.discovery_interval,
                "discovery_interval",
                defaults.discovery_secs,
            )?,
            poll_secs: duration(
                args.poll_interval,
                &file.poll_interval,
                "poll_interval",
                defaults.poll_secs,
            )?,
            ..defaults
        },
        ..Default::default()
    })
}

pub(super) async fn run(ctx: &Context, args: &ServeArgs) -> CliResult {
    let settings = settings(ctx, args)?;
    settings
        .check()
        .map_err(|e| certkeep_engine::EngineError::invalid(e.field, e.reason))?;
    let engine = Arc::new(ctx.open().await?);
    let grace = Duration::from_secs(settings.shutdown_grace_secs);
    let server = Server::start(engine.clone(), settings)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // Only once the server runs: a start that fails (TLS, a port in use) must not create the
    // user and lose the password it printed.
    if let Some(password) = engine.bootstrap_admin().await? {
        eprintln!(
            "First start: created user '{}' with the one-time password\n\n    {password}\n\nIt is shown only now and must be changed at first sign-in.",
            certkeep_engine::access::FIRST_ADMIN
        );
    }
    eprintln!(
        "Certkeep is serving {url}  (API {url}/api/v1, Swagger UI {url}/api/docs); Ctrl-C stops it",
        url = server.url()
    );
    stop_signal().await;
    eprintln!(
        "stopping: letting requests in flight finish (at most {} s)",
        grace.as_secs()
    );
    server.shutdown(grace).await;
    if let Ok(engine) = Arc::try_unwrap(engine) {
        engine.close().await?;
    }
    Ok(())
}
