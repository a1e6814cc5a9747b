//! "Request Status": the certificate requests and renewals, newest first, with "Obtain
//! Certificate" and "Obtain History" (read the certificate from Key Vault now), cancel, the CSR
//! download and the merge upload of requests to `Unknown` issuers, and a round of polling.

use askama::Template;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use certkeep_engine::Scope;
use certkeep_engine::access::Role;
use certkeep_engine::requests::{RequestQuery, RequestView};
use certkeep_engine::views::Listing;

use super::form::FormPairs;
use super::list_query::ListQuery;
use super::page::{Layout, PageError, PageResult, html};
use super::viewer::Viewer;
use crate::api::params;
use crate::error::ApiError;
use crate::state::AppState;

const KEYS: &[&str] = &["credential", "vault", "status", "name", "offset", "limit"];

#[derive(Template)]
#[template(path = "requests.html")]
struct RequestsPage {
    layout: Layout,
    tab: &'static str,
    notice: Option<String>,
    problem: Option<String>,
    q: ListQuery,
    listing: Listing<RequestView>,
    statuses: [&'static str; 5],
    prev: Option<String>,
    next: Option<String>,
}

async fn requests_page(
    st: &AppState,
    viewer: &Viewer,
    q: ListQuery,
    status: StatusCode,
    notice: Option<String>,
    problem: Option<String>,
) -> PageResult {
    let text = |k: &str| q.get(k).map(str::to_string);
    let listing = st
        .engine
        .list_requests(&RequestQuery {
            scope: params::scope(&text("credential"), &text("vault")),
            status: params::request_status(&text("status"))?,
            certificate_name: text("name"),
            page: params::page(q.number("offset")?, q.number("limit")?)?,
        })
        .await?;
    let (prev, next) = q.pager(&listing);
    Ok(html(
        status,
        &RequestsPage {
            layout: viewer.layout("Request Status", "certificates"),
            tab: "requests",
            notice,
            problem,
            prev,
            next,
            listing,
            statuses: ["sending", "in_progress", "completed", "failed", "cancelled"],
            q,
        },
    ))
}

pub(crate) async fn list(
    State(st): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    viewer.require(Role::Auditor)?;
    let q = ListQuery::parse("/requests", raw.as_deref().unwrap_or_default(), KEYS)?;
    requests_page(&st, &viewer, q, StatusCode::OK, None, None).await
}

/// After an action: the list (of that certificate, when there is one) with what happened.
async fn after(
    st: &AppState,
    viewer: &Viewer,
    name: Option<&str>,
    outcome: Result<String, ApiError>,
) -> PageResult {
    let raw = name
        .map(|n| {
            format!(
                "name={}",
                form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>()
            )
        })
        .unwrap_or_default();
    let q = ListQuery::parse("/requests", &raw, KEYS)?;
    match outcome {
        Ok(notice) => requests_page(st, viewer, q, StatusCode::OK, Some(notice), None).await,
        Err(e) => requests_page(st, viewer, q, e.status, None, Some(e.message)).await,
    }
}

/// "Obtain Certificate" / "Obtain History": reads the certificate (and with history every
/// earlier version) from Key Vault into the inventory now.
pub(crate) async fn obtain(
    State(st): State<AppState>,
    viewer: Viewer,
    form: FormPairs,
) -> PageResult {
    viewer.check_form(form.get("csrf"))?;
    viewer.require(Role::Operator)?;
    let (credential, vault, name) = (form.get("credential"), form.get("vault"), form.get("name"));
    let history = form.get("history") == "true";
    let outcome = st
        .engine
        .obtain_vault_certificate(
            &viewer.principal.actor,
            &Scope::vault(credential.to_string(), vault.to_string()),
            name,
            history,
        )
        .await
        .map(|r| {
            let mut text = format!(
                "Obtained {}{} from {}: {} new, {} updated, {} unchanged version(s)",
                r.name,
                if r.history { " with its history" } else { "" },
                r.vault,
                r.versions_added,
                r.versions_updated,
                r.versions_unchanged
            );
            if !r.skipped.is_empty() {
                text.push_str(&format!("; not read: {}", r.skipped.join("; ")));
            }
            text
        })
        .map_err(ApiError::from);
    after(&st, &viewer, Some(name), outcome).await
}

/// Cancels an in-progress request in Key Vault.
pub(crate) async fn cancel(
    State(st): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: FormPairs,
) -> PageResult {
    viewer.check_form(form.get("csrf"))?;
    viewer.require(Role::Operator)?;
    let outcome = st
        .engine
        .cancel_request(&viewer.principal.actor, &id)
        .await
        .map(|r| {
            format!(
                "Cancellation of {} asked of Key Vault: {}",
                r.certificate, r.status
            )
        })
        .map_err(ApiError::from);
    after(&st, &viewer, None, outcome).await
}

/// The merge of a request to an `Unknown` issuer: the CA's signed certificate, uploaded.
pub(crate) async fn merge(
    State(st): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    multipart: Multipart,
) -> PageResult {
    let upload = crate::multipart::read(multipart, &["csrf"]).await;
    let upload = match upload {
        Ok(u) => u,
        Err(e) => return after(&st, &viewer, None, Err(e)).await,
    };
    viewer.check_form(upload.text("csrf").unwrap_or_default())?;
    viewer.require(Role::Operator)?;
    let outcome = match upload.file.filter(|f| !f.is_empty()) {
        None => Err(ApiError::invalid(
            "file",
            "choose the CA's signed certificate to upload",
        )),
        Some(file) => st
            .engine
            .merge_request(&viewer.principal.actor, &id, &file)
            .await
            .map(|r| format!("Merged into {}: {}", r.certificate, r.status))
            .map_err(ApiError::from),
    };
    after(
        &st,
        &viewer,
        None,
        outcome.map_err(|e| {
            let mut e = e;
            if let Some(f) = &e.field {
                e.message = format!("{f}: {}", e.message);
            }
            e
        }),
    )
    .await
}

/// A round of request polling, as a job.
pub(crate) async fn poll(
    State(st): State<AppState>,
    viewer: Viewer,
    form: FormPairs,
) -> PageResult {
    viewer.check_form(form.get("csrf"))?;
    viewer.require(Role::Operator)?;
    let job = st
        .engine
        .start_poll(&viewer.principal.actor)
        .await
        .map_err(PageError::from)?;
    Ok(Redirect::to(&format!("/jobs/{}", job.id)).into_response())
}

/// The list after a new request, with its notice.
pub(crate) async fn list_with_notice(
    st: &AppState,
    viewer: &Viewer,
    q: ListQuery,
    notice: String,
) -> PageResult {
    requests_page(st, viewer, q, StatusCode::OK, Some(notice), None).await
}
