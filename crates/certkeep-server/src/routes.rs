//! Every URL of the server in one place.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};

use crate::api::{
    certificates, credentials, health, inventory, jobs, manage, requests, secrets, session,
    settings, tokens, users,
};
use crate::error::ApiError;
use crate::extract::{MAX_JSON_BYTES, MAX_UPLOAD_BYTES};
use crate::state::AppState;

pub(crate) fn api() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/session",
            post(session::login)
                .get(session::whoami)
                .delete(session::logout),
        )
        .route("/api/v1/session/password", post(session::change_password))
        .route("/api/v1/users", get(users::list).post(users::create))
        .route(
            "/api/v1/users/{id}",
            get(users::show).patch(users::update).delete(users::delete),
        )
        .route("/api/v1/roles", get(users::roles))
        .route("/api/v1/tokens", get(tokens::list).post(tokens::create))
        .route("/api/v1/tokens/{id}", axum::routing::delete(tokens::revoke))
        .route(
            "/api/v1/settings/schedule",
            get(settings::schedule)
                .put(settings::set_schedule)
                .delete(settings::reset_schedule),
        )
        .route(
            "/api/v1/credentials",
            get(credentials::list).post(credentials::add),
        )
        .route(
            "/api/v1/credentials/{name}",
            get(credentials::show).delete(credentials::remove),
        )
        .route(
            "/api/v1/credentials/{name}/secret",
            put(credentials::rotate),
        )
        .route("/api/v1/vaults", get(inventory::vaults))
        .route("/api/v1/vaults/sync", post(inventory::sync_vaults))
        .route(
            "/api/v1/vaults/{credential}/{vault}/issuers",
            get(inventory::issuers),
        )
        .route(
            "/api/v1/vaults/{credential}/{vault}/issuers/sync",
            post(inventory::sync_issuers),
        )
        .route(
            "/api/v1/vaults/{credential}/{vault}/certificates/{name}",
            get(certificates::versions),
        )
        .route(
            "/api/v1/vaults/{credential}/{vault}/certificates/{name}/export",
            get(certificates::export),
        )
        .route("/api/v1/certificates", get(certificates::list))
        .route("/api/v1/certificates/facets", get(certificates::facets))
        .route("/api/v1/secrets", get(inventory::secrets))
        .route(
            "/api/v1/vaults/{credential}/{vault}/certificates/{name}/obtain",
            post(requests::obtain),
        )
        .route(
            "/api/v1/vaults/{credential}/{vault}/certificates/renew",
            post(jobs::renew),
        )
        .route(
            "/api/v1/vaults/{credential}/{vault}/certificates/delete",
            post(manage::delete_certificates),
        )
        .route(
            "/api/v1/vaults/{credential}/{vault}/secrets/rediscover",
            post(secrets::rediscover),
        )
        .route(
            "/api/v1/vaults/{credential}/{vault}/secrets/delete",
            post(manage::delete_secrets),
        )
        .route(
            "/api/v1/vaults/{credential}/{vault}/secrets/{name}",
            axum::routing::patch(secrets::update),
        )
        .route(
            "/api/v1/vaults/{credential}/{vault}/secrets/{name}/obtain-certificate",
            post(secrets::obtain_certificate),
        )
        .route(
            "/api/v1/vaults/{credential}/{vault}/secrets/{name}/certificate",
            get(secrets::export_certificate),
        )
        .route("/api/v1/exclusions", get(manage::exclusions))
        .route(
            "/api/v1/exclusions/{id}",
            axum::routing::delete(manage::remove_exclusion),
        )
        .route(
            "/api/v1/requests",
            get(inventory::requests).post(requests::create),
        )
        .route("/api/v1/requests/poll", post(jobs::poll))
        .route("/api/v1/requests/{id}", get(inventory::request))
        .route("/api/v1/requests/{id}/cancel", post(requests::cancel))
        .route(
            "/api/v1/requests/{id}/operation",
            axum::routing::delete(requests::delete_operation),
        )
        .route("/api/v1/requests/{id}/csr", get(requests::csr))
        .route("/api/v1/discovery", post(jobs::discovery))
        .route("/api/v1/jobs", get(jobs::list))
        .route("/api/v1/jobs/{id}", get(jobs::show))
        .route("/api/v1/sync-runs", get(inventory::sync_runs))
        .route("/api/v1/summary", get(inventory::summary))
        .route("/api/v1/audit", get(inventory::audit))
        .route("/api/v1/audit/verify", get(inventory::verify))
        .fallback(api_not_found)
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
        .merge(uploads())
}

/// Routes that take a file, with the upload limit.
fn uploads() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/vaults/{credential}/{vault}/secrets",
            post(secrets::create),
        )
        .route("/api/v1/requests/{id}/merge", post(requests::merge))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
}

pub(crate) fn health() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(crate::metrics::metrics))
}

async fn api_not_found() -> ApiError {
    ApiError::not_found("no such API endpoint")
}
