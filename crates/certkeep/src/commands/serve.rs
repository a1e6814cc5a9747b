//! `certkeep serve`: opens the engine, creates the first `admin` (printing its one-time
//! password once) when there is no user, and serves the API until Ctrl-C or SIGTERM, letting
//! in-flight requests finish.

use std::sync::Arc;
use std::time::Duration;

use certkeep_server::{Server, ServerSettings, TlsMode};

use super::demo::stop_signal;
use crate::cli::ServeArgs;
use crate::context::Context;
use crate::error::CliResult;

pub(super) fn settings(ctx: &Context, args: &ServeArgs) -> ServerSettings {
    let tls = match (&args.tls_cert, &args.tls_key, args.tls_self_signed) {
        (Some(cert), Some(key), _) => TlsMode::Files {
            cert: cert.clone(),
            key: key.clone(),
        },
        (_, _, true) => TlsMode::SelfSigned {
            dir: ctx.data_dir.join("tls"),
        },
        _ => TlsMode::Off,
    };
    ServerSettings {
        listen: args.listen,
        tls,
        trusted_proxies: args.trusted_proxies.clone(),
        behind_proxy: args.behind_proxy,
        session_idle_secs: args.session_idle,
        session_absolute_secs: args.session_max,
        scheduler: !args.no_scheduler,
        schedule: certkeep_engine::scheduler::Schedule {
            discovery_secs: args.discovery_interval,
            poll_secs: args.poll_interval,
            ..Default::default()
        },
        ..Default::default()
    }
}

pub(super) async fn run(ctx: &Context, args: &ServeArgs) -> CliResult {
    let settings = settings(ctx, args);
    settings.check().map_err(|e| anyhow::anyhow!("{e}"))?;
    let engine = Arc::new(ctx.open().await?);
    if let Some(password) = engine.bootstrap_admin().await? {
        eprintln!(
            "First start: created user '{}' with the one-time password\n\n    {password}\n\nIt is shown only now and must be changed at first sign-in.",
            certkeep_engine::access::FIRST_ADMIN
        );
    }
    let grace = Duration::from_secs(settings.shutdown_grace_secs);
    let server = Server::start(engine.clone(), settings)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
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
