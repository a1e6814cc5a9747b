//! Certkeep's HTTP server: the REST API with its OpenAPI document, users, roles, sessions and
//! API tokens. It translates HTTP to the engine's use cases and back; no business rule lives
//! here (see `docs/api.md`).

pub mod api;
pub mod auth;
pub mod error;
pub mod extract;
mod metrics;
mod multipart;
pub mod openapi;
mod request_log;
mod routes;
mod scheduler;
pub mod security;
pub mod settings;
pub mod state;
pub mod tls;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum_server::Handle;
use certkeep_engine::Engine;

pub use settings::{ServerSettings, SettingsError, TlsMode};
pub use state::AppState;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// The whole application: API, docs, health, with security headers and request logs.
pub fn app(state: AppState) -> Router {
    let doc = openapi::document();
    let api = routes::api()
        .layer(from_fn_with_state(state.clone(), auth::middleware))
        .layer(from_fn(error::refuse_nul))
        .layer(from_fn(error::json_errors));
    Router::new()
        .merge(api)
        .merge(routes::health())
        .merge(web::routes())
        .merge(utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/openapi.json", doc))
        .fallback(web::not_found)
        .with_state(state.clone())
        .layer(from_fn(request_log::log))
        .layer(from_fn_with_state(state, security::headers))
}

/// A running server.
pub struct Server {
    pub local_addr: SocketAddr,
    pub https: bool,
    handle: Handle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    scheduler: Option<scheduler::Running>,
    engine: Option<Arc<Engine>>,
}

impl Server {
    /// Binds and starts serving (port 0 picks a free port; see `local_addr`).
    pub async fn start(engine: Arc<Engine>, settings: ServerSettings) -> Result<Self, ServerError> {
        settings.check()?;
        let tls = tls::server_config(&settings.tls)?;
        let listener =
            std::net::TcpListener::bind(settings.listen).map_err(|source| ServerError::Listen {
                addr: settings.listen,
                source,
            })?;
        listener
            .set_nonblocking(true)
            .map_err(|source| ServerError::Listen {
                addr: settings.listen,
                source,
            })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| ServerError::Listen {
                addr: settings.listen,
                source,
            })?;
        let https = tls.is_some();
        if let Err(e) = engine.interrupt_stale_jobs().await {
            tracing::warn!("marking jobs of stopped instances interrupted failed: {e}");
        }
        let state = AppState {
            engine,
            settings: Arc::new(settings),
        };
        let scheduler = state
            .settings
            .scheduler
            .then(|| scheduler::start(state.clone()));
        let engine = Some(state.engine.clone());
        let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
        let handle = Handle::new();
        let task = match tls {
            Some(config) => {
                let config = axum_server::tls_rustls::RustlsConfig::from_config(config);
                let server = axum_server::from_tcp_rustls(listener, config).handle(handle.clone());
                tokio::spawn(server.serve(service))
            }
            None => {
                let server = axum_server::from_tcp(listener).handle(handle.clone());
                tokio::spawn(server.serve(service))
            }
        };
        Ok(Self {
            local_addr,
            https,
            handle,
            task,
            scheduler,
            engine,
        })
    }

    /// The base URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!(
            "{}://{}",
            if self.https { "https" } else { "http" },
            self.local_addr
        )
    }

    /// Stops accepting connections, lets in-flight requests finish within `grace`, then
    /// returns.
    pub async fn shutdown(self, grace: Duration) {
        if let Some(s) = self.scheduler {
            s.stop().await;
        }
        self.handle.graceful_shutdown(Some(grace));
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!("server ended with: {e}"),
            Err(e) => tracing::warn!("server task failed: {e}"),
        }
        if let Some(engine) = self.engine {
            let (finished, interrupted) = engine.stop_jobs(grace).await;
            if finished + interrupted > 0 {
                tracing::info!(finished, interrupted, "jobs at shutdown");
            }
        }
    }
}
