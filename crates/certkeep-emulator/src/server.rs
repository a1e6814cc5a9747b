//! Starting the emulator: one HTTPS listener that routes by host name — `{vault}.vault.localhost`
//! to the Key Vault data plane, everything else to Entra ID, ARM and the admin API.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;

use crate::auth::TokenSigner;
use crate::clock::Clock;
use crate::error::EmulatorError;
use crate::gate::{Counters, Faults, Throttle, ThrottleSettings};
use crate::http::ApiError;
use crate::kv::model::World;
use crate::request::{Req, parse_query};
use crate::state::{AppState, Endpoints};

/// How to start an emulator.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: std::net::IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub data_dir: PathBuf,
    /// Seconds a `Self` issuance stays pending.
    pub self_delay_secs: f64,
    /// Seconds an integrated-CA issuance stays pending.
    pub ca_delay_secs: f64,
    pub throttle: ThrottleSettings,
    pub faults: Faults,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: std::net::IpAddr::from([127, 0, 0, 1]),
            port: 0,
            data_dir: std::env::temp_dir()
                .join(format!("certkeep-emulator-{}", std::process::id())),
            self_delay_secs: 1.0,
            ca_delay_secs: 3.0,
            throttle: ThrottleSettings::default(),
            faults: Faults::default(),
        }
    }
}

/// A running emulator. Dropping it does not stop it; call `shutdown`.
pub struct Emulator {
    pub state: Arc<AppState>,
    pub addr: SocketAddr,
    handle: axum_server::Handle,
    task: tokio::task::JoinHandle<()>,
    ticker: tokio::task::JoinHandle<()>,
}

impl Emulator {
    /// Binds, makes (or loads) the CA and server certificate, and starts serving.
    pub async fn start(config: Config) -> Result<Self, EmulatorError> {
        let clock = Clock::default();
        let now = clock.now();
        let data_dir = config.data_dir.clone();
        let ca = crate::tls::load_or_create_ca(&data_dir, now)?;
        let tls = crate::tls::server_config(&ca, now)?;
        let listener = std::net::TcpListener::bind(SocketAddr::new(config.bind, config.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let state = Arc::new(AppState {
            world: Mutex::new(World::new(config.self_delay_secs, config.ca_delay_secs)),
            clock,
            counters: Mutex::new(Counters::default()),
            faults: Mutex::new(config.faults.clone()),
            drops_after_commit: Default::default(),
            throttle: Mutex::new(Throttle::new(config.throttle.clone())),
            signer: TokenSigner::generate()?,
            tls_ca: ca,
            authorities: Mutex::new(Default::default()),
            endpoints: Endpoints { port: addr.port() },
            data_dir,
            key_pool: Default::default(),
        });
        let app = Router::new()
            .nest("/_emulator", crate::admin::router())
            .fallback(dispatch)
            .with_state(state.clone());
        let handle = axum_server::Handle::new();
        let server = axum_server::from_tcp_rustls(
            listener,
            axum_server::tls_rustls::RustlsConfig::from_config(tls),
        )
        .handle(handle.clone());
        let task = tokio::spawn(async move {
            if let Err(e) = server.serve(app.into_make_service()).await {
                tracing::error!("emulator server stopped: {e}");
            }
        });
        let ticker_state = state.clone();
        let ticker = tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_millis(500));
            loop {
                interval.tick().await;
                crate::kv::lifecycle::tick(&ticker_state).await;
            }
        });
        Ok(Self {
            state,
            addr,
            handle,
            task,
            ticker,
        })
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.state.endpoints
    }

    /// PEM of the CA that signed the emulator's TLS certificate.
    pub fn ca_pem(&self) -> &str {
        &self.state.tls_ca.cert_pem
    }

    /// Path of the CA file in the data directory.
    pub fn ca_path(&self) -> PathBuf {
        self.state.data_dir.join(crate::tls::CA_FILE)
    }

    /// Loads a seed into the running emulator.
    pub fn load_seed(
        &self,
        seed: &crate::seed::Seed,
    ) -> Result<crate::seed::SeedSummary, EmulatorError> {
        crate::seed::load(&self.state, seed)
    }

    /// Waits until the server task ends (it runs until shutdown).
    pub async fn wait(self) {
        let _ = self.task.await;
    }

    pub async fn shutdown(self) {
        self.ticker.abort();
        self.handle.shutdown();
        let _ = self.task.await;
    }
}

/// Routes a non-admin request by host name, after counting it and applying faults.
async fn dispatch(State(st): State<Arc<AppState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let host = parts
        .uri
        .host()
        .map(str::to_string)
        .or_else(|| {
            parts
                .headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_default();
    let host = host
        .rsplit_once(':')
        .filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
        .map(|(h, _)| h.to_string())
        .unwrap_or(host)
        .to_ascii_lowercase();
    let bytes = match axum::body::to_bytes(body, 4 * 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestTooLarge",
                "The request body is larger than 4 MB.",
            )
            .into_response();
        }
    };
    let req = Req {
        method: parts.method.clone(),
        path: parts.uri.path().to_string(),
        query: parse_query(parts.uri.query()),
        headers: parts.headers.clone(),
        body: bytes,
        host: host.clone(),
    };
    let vault = host.strip_suffix(".vault.localhost").map(str::to_string);
    let route = match &vault {
        Some(_) => Some(crate::kv::route_of(&req)),
        None => crate::entra::route_of(&req).or_else(|| crate::arm::route_of(&req)),
    };
    let Some(route) = route else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("No emulated Azure endpoint at {} {}", req.method, req.path),
        )
        .into_response();
    };
    // Unauthenticated first requests (the Key Vault challenge) are counted on their own.
    let counted = if vault.is_some() && crate::auth::bearer(&req.headers).is_none() {
        "kv.challenge"
    } else {
        route
    };
    st.counters.lock().count(counted, vault.as_deref());
    let faults = st.faults.lock().clone();
    if let Some(delay) = faults.delay() {
        tokio::time::sleep(delay).await;
    }
    if faults.should_drop(route) {
        st.counters.lock().dropped += 1;
        return crate::gate::dropped_response();
    }
    if let Some(err) = faults.injected_error(route) {
        st.counters.lock().injected_errors += 1;
        return err.into_response();
    }
    let mut resp = match vault {
        Some(v) => crate::kv::handle(st.clone(), v, req, route).await,
        None if route.starts_with("aad.") => crate::entra::handle(&st, &req, route),
        None => crate::arm::handle(&st, &req, route),
    };
    if faults.should_drop_after_commit(route, resp.status(), &st.drops_after_commit) {
        st.counters.lock().dropped_after_commit += 1;
        return crate::gate::dropped_response();
    }
    add_azure_headers(&mut resp);
    resp
}

fn add_azure_headers(resp: &mut Response) {
    let h = resp.headers_mut();
    let request_id = uuid::Uuid::new_v4().to_string();
    for (k, v) in [
        ("cache-control", "no-cache"),
        ("pragma", "no-cache"),
        ("expires", "-1"),
        ("x-content-type-options", "nosniff"),
        (
            "strict-transport-security",
            "max-age=31536000;includeSubDomains",
        ),
        ("x-ms-keyvault-region", "local"),
        ("x-ms-keyvault-service-version", "1.9.0.0-certkeep-emulator"),
    ] {
        h.entry(k)
            .or_insert(axum::http::HeaderValue::from_static(v));
    }
    if let Ok(v) = axum::http::HeaderValue::from_str(&request_id) {
        h.insert("x-ms-request-id", v);
    }
}
