//! The web interface: server-rendered pages (askama templates compiled into the binary) over
//! the same engine use cases as the API, with embedded assets and no inline script or style.
//! Pages work without JavaScript; htmx (vendored) and `certkeep.js` only enhance them.

mod admin;
mod audit;
mod bulk;
mod certificate;
mod certificates;
pub mod chart;
mod credentials;
mod dashboard;
mod discovery;
mod fields;
mod form;
mod list_query;
mod login;
mod page;
mod request_form;
mod requests;
mod secrets;
pub mod statics;
mod vaults;
mod viewer;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/dashboard") }))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route(
            "/password",
            get(login::password_form).post(login::change_password),
        )
        .route("/dashboard", get(dashboard::page))
        .route("/certificates", get(certificates::list))
        .route("/certificates.csv", get(certificates::csv))
        .route("/certificates/bulk", post(bulk::confirm))
        .route("/certificates/renew", post(bulk::renew))
        .route("/certificates/delete", post(bulk::delete))
        .route(
            "/certificates/{credential}/{vault}/{name}",
            get(certificate::show),
        )
        .route(
            "/certificates/{credential}/{vault}/{name}/policy",
            get(certificate::policy),
        )
        .route("/requests", get(requests::list).post(request_form::submit))
        .route("/requests/new", get(request_form::new))
        .route("/requests/obtain", post(requests::obtain))
        .route("/requests/poll", post(requests::poll))
        .route("/requests/{id}/cancel", post(requests::cancel))
        .route("/secrets", get(secrets::list))
        .route("/secrets/new", get(secrets::new))
        .route(
            "/secrets/{credential}/{vault}/{name}/edit",
            get(secrets::edit),
        )
        .route(
            "/secrets/{credential}/{vault}/{name}",
            post(secrets::update),
        )
        .route(
            "/secrets/{credential}/{vault}/{name}/delete",
            get(secrets::confirm_delete).post(secrets::act_delete),
        )
        .route(
            "/secrets/{credential}/{vault}/{name}/{action}",
            post(secrets::act),
        )
        .route("/audit", get(audit::page))
        .route("/admin", get(admin::page))
        .route("/admin/tokens", post(admin::create_token))
        .route("/admin/tokens/{id}/revoke", post(admin::revoke_token))
        .route("/admin/users", post(admin::create_user))
        .route("/admin/schedule", post(admin::set_schedule))
        .route("/admin/schedule/reset", post(admin::reset_schedule))
        .route("/admin/users/{id}/{action}", post(admin::change_user))
        .route("/discovery", get(discovery::form).post(discovery::start))
        .route("/jobs/{id}", get(discovery::job))
        .route("/jobs/{id}/progress", get(discovery::progress))
        .route("/vaults", get(vaults::vaults))
        .route("/vaults/sync", post(vaults::sync_vaults))
        .route("/issuers", get(vaults::issuers))
        .route("/issuers/sync", post(vaults::sync_issuers))
        .route(
            "/credentials",
            get(credentials::list).post(credentials::add),
        )
        .route("/credentials/{name}/secret", post(credentials::rotate))
        .route(
            "/credentials/{name}/remove",
            get(credentials::confirm_remove).post(credentials::remove),
        )
        .route("/assets/{file}", get(statics::serve))
        .layer(DefaultBodyLimit::max(form::MAX_FORM_BYTES))
        .merge(uploads())
}

/// Pages that take a file, with the API's upload limit.
fn uploads() -> Router<AppState> {
    Router::new()
        .route("/requests/{id}/merge", post(requests::merge))
        .route("/secrets/create", post(secrets::create))
        .layer(DefaultBodyLimit::max(crate::extract::MAX_UPLOAD_BYTES))
}

/// A URL that does not exist: the API's JSON error under `/api/`, a page elsewhere.
pub(crate) async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::ApiError::not_found("no such API endpoint").into_response();
    }
    page::PageError::not_found("there is no such page").into_response()
}
