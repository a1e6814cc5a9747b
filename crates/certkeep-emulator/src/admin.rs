//! The admin API under `/_emulator/`: seeds, state dump, reset, counters, faults, throttle,
//! clock (time warp), issuer provider behaviour, events and the CA.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Json, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::gate::{Counters, Faults, ThrottleSettings};
use crate::http::{ApiError, json_response};
use crate::kv::model::{ProviderBehaviour, World};
use crate::state::AppState;

type St = State<Arc<AppState>>;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/info", get(info))
        .route("/ca.pem", get(ca))
        .route("/seed", post(seed))
        .route("/seed/demo", post(seed_demo))
        .route("/seed/bulk", post(seed_bulk))
        .route("/state", get(state))
        .route("/reset", post(reset))
        .route("/counters", get(counters).delete(reset_counters))
        .route("/faults", get(get_faults).put(put_faults))
        .route("/throttle", get(get_throttle).put(put_throttle))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance))
        .route("/providers", get(get_providers).put(put_providers))
        .route("/events", get(events))
        .route(
            "/vaults/{name}",
            axum::routing::delete(delete_vault).patch(patch_vault),
        )
}

fn admin_error(status: StatusCode, msg: impl Into<String>) -> Response {
    ApiError::new(status, "BadRequest", msg).into_response()
}

/// The URLs and identities a client needs.
pub fn info_json(st: &AppState) -> Value {
    let w = st.world.lock();
    let e = &st.endpoints;
    json!({
        "authority_host": e.authority(),
        "arm_endpoint": e.arm(),
        "vault_dns_suffix": "vault.localhost",
        "vault_resource": e.vault_resource(),
        "port": e.port,
        "ca_file": st.data_dir.join(crate::tls::CA_FILE),
        "clock": {"now": st.clock.now(), "offset_secs": st.clock.offset()},
        "tenants": w.tenants.values().map(|t| json!({"id": t.id, "name": t.name, "applications": t.applications.values().map(|a| json!({"client_id": a.client_id, "name": a.name})).collect::<Vec<_>>()})).collect::<Vec<_>>(),
        "subscriptions": w.subscriptions.values().map(|s| json!({"id": s.id, "tenant": s.tenant_id, "name": s.name})).collect::<Vec<_>>(),
        "vaults": w.vaults.values().filter_map(|v| v.props.as_ref()).map(|p| json!({"name": p.name, "subscription": p.subscription_id, "url": e.vault_url(&p.name)})).collect::<Vec<_>>(),
    })
}

async fn info(State(st): St) -> Response {
    json_response(StatusCode::OK, &info_json(&st))
}

async fn ca(State(st): St) -> Response {
    (
        [(header::CONTENT_TYPE, "application/x-pem-file")],
        st.tls_ca.cert_pem.clone(),
    )
        .into_response()
}

async fn seed(State(st): St, body: axum::body::Bytes) -> Response {
    let seed: crate::seed::Seed = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, format!("invalid seed JSON: {e}")),
    };
    load(st, move |st| crate::seed::load(st, &seed)).await
}

async fn seed_demo(State(st): St) -> Response {
    load(st, |st| crate::seed::load(st, &crate::demo::demo_seed())).await
}

async fn seed_bulk(State(st): St, Json(spec): Json<crate::demo::BulkSpec>) -> Response {
    if spec.vaults == 0 || spec.certs == 0 || spec.versions == 0 {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "vaults, certs and versions must be positive",
        );
    }
    load(st, move |st| crate::demo::bulk(st, spec)).await
}

/// Seeding signs certificates: run it off the async runtime.
async fn load<F>(st: Arc<AppState>, f: F) -> Response
where
    F: FnOnce(&AppState) -> Result<crate::seed::SeedSummary, crate::error::EmulatorError>
        + Send
        + 'static,
{
    match tokio::task::spawn_blocking(move || f(&st)).await {
        Ok(Ok(summary)) => json_response(StatusCode::OK, &json!(summary)),
        Ok(Err(e)) => admin_error(StatusCode::BAD_REQUEST, e.to_string()),
        Err(e) => admin_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// A dump of everything (no private keys, no client secrets).
async fn state(State(st): St) -> Response {
    let w = st.world.lock();
    let vaults: Vec<Value> = w
        .vaults
        .values()
        .filter_map(|v| {
            let p = v.props.as_ref()?;
            Some(json!({
                "properties": p,
                "certificates": v.certificates.values().map(|e| json!({
                    "name": e.name,
                    "policy": e.policy,
                    "pending": e.pending.as_ref().map(|op| json!({"status": op.status.wire(), "issuer": op.issuer_name, "cancellation_requested": op.cancellation_requested})),
                    "versions": e.versions.iter().map(|c| json!({"version": c.version, "x5t": c.x5t, "enabled": c.enabled, "nbf": c.nbf, "exp": c.exp, "created": c.created, "updated": c.updated, "tags": c.tags, "content_type": c.content_type})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "deleted_certificates": v.deleted_certificates.keys().collect::<Vec<_>>(),
                "secrets": v.secrets.values().map(|s| json!({
                    "name": s.name,
                    "versions": s.versions.iter().map(|x| json!({"version": x.version, "content_type": x.content_type, "enabled": x.enabled, "nbf": x.nbf, "exp": x.exp, "managed": x.managed, "tags": x.tags})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "issuers": v.issuers.values().map(|i| json!({"name": i.name, "provider": i.provider})).collect::<Vec<_>>(),
                "contacts": v.contacts,
            }))
        })
        .collect();
    json_response(
        StatusCode::OK,
        &json!({
            "tenants": w.tenants.values().collect::<Vec<_>>(),
            "subscriptions": w.subscriptions.values().collect::<Vec<_>>(),
            "vaults": vaults,
            "events": w.events,
        }),
    )
}

async fn reset(State(st): St) -> Response {
    let (self_delay, providers) = {
        let w = st.world.lock();
        (w.self_delay_secs, w.providers.clone())
    };
    *st.world.lock() = World {
        self_delay_secs: self_delay,
        providers,
        ..Default::default()
    };
    *st.counters.lock() = Counters::default();
    *st.faults.lock() = Faults::default();
    st.drops_after_commit
        .store(0, std::sync::atomic::Ordering::SeqCst);
    st.clock.reset();
    json_response(StatusCode::OK, &json!({"reset": true}))
}

async fn counters(State(st): St) -> Response {
    json_response(StatusCode::OK, &json!(*st.counters.lock()))
}

async fn reset_counters(State(st): St) -> Response {
    *st.counters.lock() = Counters::default();
    json_response(StatusCode::OK, &json!({"reset": true}))
}

async fn get_faults(State(st): St) -> Response {
    json_response(StatusCode::OK, &json!(*st.faults.lock()))
}

async fn put_faults(State(st): St, body: axum::body::Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, format!("invalid faults: {e}")),
    };
    if let Err(e) = faults.validate() {
        return admin_error(StatusCode::BAD_REQUEST, e);
    }
    {
        let mut current = st.faults.lock();
        *current = faults.clone();
        st.drops_after_commit
            .store(0, std::sync::atomic::Ordering::SeqCst);
    }
    json_response(StatusCode::OK, &json!(faults))
}

async fn get_throttle(State(st): St) -> Response {
    json_response(StatusCode::OK, &json!(st.throttle.lock().settings))
}

async fn put_throttle(State(st): St, body: axum::body::Bytes) -> Response {
    let settings: ThrottleSettings = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                format!("invalid throttle settings: {e}"),
            );
        }
    };
    if settings.vault_requests == 0
        || settings.window_secs <= 0.0
        || settings.subscription_multiplier < 1.0
    {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "vault_requests must be positive, window_secs > 0, subscription_multiplier >= 1",
        );
    }
    st.throttle.lock().set(settings.clone());
    json_response(StatusCode::OK, &json!(settings))
}

async fn clock(State(st): St) -> Response {
    json_response(
        StatusCode::OK,
        &json!({"now": st.clock.now(), "offset_secs": st.clock.offset()}),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    #[serde(default)]
    seconds: i64,
    #[serde(default)]
    days: f64,
}

async fn advance(State(st): St, body: axum::body::Bytes) -> Response {
    let a: Advance = match serde_json::from_slice(&body) {
        Ok(a) => a,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, format!("invalid body: {e}")),
    };
    let secs = a.seconds + (a.days * 86_400.0) as i64;
    if secs <= 0 {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "the clock only moves forward: give positive seconds or days",
        );
    }
    st.clock.advance(secs);
    crate::kv::lifecycle::tick(&st).await;
    json_response(
        StatusCode::OK,
        &json!({"now": st.clock.now(), "offset_secs": st.clock.offset()}),
    )
}

async fn get_providers(State(st): St) -> Response {
    let w = st.world.lock();
    json_response(
        StatusCode::OK,
        &json!({"self_delay_secs": w.self_delay_secs, "providers": w.providers}),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvidersBody {
    #[serde(default)]
    self_delay_secs: Option<f64>,
    #[serde(default)]
    providers: std::collections::BTreeMap<String, ProviderBehaviour>,
}

async fn put_providers(State(st): St, body: axum::body::Bytes) -> Response {
    let b: ProvidersBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, format!("invalid body: {e}")),
    };
    if b.self_delay_secs.is_some_and(|d| d < 0.0)
        || b.providers.values().any(|p| p.delay_secs < 0.0)
    {
        return admin_error(StatusCode::BAD_REQUEST, "delays cannot be negative");
    }
    let mut w = st.world.lock();
    if let Some(d) = b.self_delay_secs {
        w.self_delay_secs = d;
    }
    w.providers.extend(b.providers);
    json_response(
        StatusCode::OK,
        &json!({"self_delay_secs": w.self_delay_secs, "providers": w.providers}),
    )
}

/// Removes a vault as if it had been deleted in Azure (ARM stops listing it).
async fn delete_vault(
    State(st): St,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> Response {
    match st.world.lock().vaults.remove(&name.to_ascii_lowercase()) {
        Some(_) => json_response(StatusCode::OK, &json!({"deleted": name})),
        None => admin_error(StatusCode::NOT_FOUND, format!("no vault '{name}'")),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VaultPatch {
    #[serde(default)]
    tags: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default)]
    location: Option<String>,
}

/// Changes a vault's ARM properties (tags, location), as an administrator might in Azure.
async fn patch_vault(
    State(st): St,
    axum::extract::Path(name): axum::extract::Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let patch: VaultPatch = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, format!("invalid body: {e}")),
    };
    let mut w = st.world.lock();
    let Some(props) = w
        .vaults
        .get_mut(&name.to_ascii_lowercase())
        .and_then(|v| v.props.as_mut())
    else {
        return admin_error(StatusCode::NOT_FOUND, format!("no vault '{name}'"));
    };
    if let Some(t) = patch.tags {
        props.tags = t;
    }
    if let Some(l) = patch.location {
        props.location = l;
    }
    json_response(StatusCode::OK, &json!({"updated": name}))
}

async fn events(State(st): St) -> Response {
    json_response(StatusCode::OK, &json!({"events": st.world.lock().events}))
}

/// Human-readable connection details (URLs, tenant, subscriptions, client id and secret, CA file).
pub fn banner(st: &AppState, demo_identities: bool) -> String {
    let e = &st.endpoints;
    let mut out = String::new();
    out.push_str("Certkeep Azure emulator\n");
    out.push_str(&format!(
        "  authority host (Entra ID): {}   (also https://login.localhost:{})\n",
        e.authority(),
        e.port
    ));
    out.push_str(&format!(
        "  ARM endpoint:              {}   (also https://management.localhost:{})\n",
        e.arm(),
        e.port
    ));
    out.push_str(&format!(
        "  vault URLs:                https://<vault>.vault.localhost:{}/\n",
        e.port
    ));
    out.push_str(&format!(
        "  vault challenge resource:  {}\n",
        e.vault_resource()
    ));
    out.push_str(&format!(
        "  CA certificate:            {}\n",
        st.data_dir.join(crate::tls::CA_FILE).display()
    ));
    out.push_str(&format!(
        "  admin API:                 {}/_emulator/info\n",
        e.arm()
    ));
    if demo_identities {
        out.push_str(&format!(
            "  tenant (directory) id:     {}\n",
            crate::demo::DEMO_TENANT
        ));
        out.push_str(&format!(
            "  client (application) id:   {}\n",
            crate::demo::DEMO_CLIENT_ID
        ));
        out.push_str(&format!(
            "  client secret:             {}\n",
            crate::demo::DEMO_CLIENT_SECRET
        ));
        let w = st.world.lock();
        for s in w.subscriptions.values() {
            let vaults: Vec<&str> = w
                .vaults
                .values()
                .filter_map(|v| v.props.as_ref())
                .filter(|p| p.subscription_id == s.id)
                .map(|p| p.name.as_str())
                .collect();
            out.push_str(&format!(
                "  subscription {} ({}): {} vaults{}\n",
                s.id,
                s.name,
                vaults.len(),
                if vaults.len() <= 6 {
                    format!(": {}", vaults.join(", "))
                } else {
                    String::new()
                }
            ));
        }
    }
    out.push_str("  *.localhost names are loopback (RFC 6761): map them to 127.0.0.1 if your resolver does not.");
    out
}
