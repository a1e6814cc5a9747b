//! Long work as jobs: discovery, bulk renewal and a round of request polling answer `202`
//! with the job (and its URL in `Location`); `GET /api/v1/jobs/{id}` shows its progress and
//! outcome.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use certkeep_engine::Scope;
use certkeep_engine::access::Role;
use certkeep_engine::jobs::{DiscoveryJob, JobQuery, JobView};
use certkeep_engine::requests::RenewTarget;
use certkeep_engine::secret_discovery::SecretKind;
use certkeep_engine::views::Listing;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::params;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

fn accepted(job: JobView) -> Response {
    let location = format!("/api/v1/jobs/{}", job.id);
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        axum::Json(job),
    )
        .into_response()
}

/// "Discovery » Azure".
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscoveryBody {
    /// One credential (all when absent).
    pub credential: Option<String>,
    /// One vault of the credential.
    pub vault: Option<String>,
    /// Discover certificates (default true).
    #[serde(default = "yes")]
    pub certificates: bool,
    /// "Import Previous Versions" (default true).
    #[serde(default = "yes")]
    pub all_versions: bool,
    /// Discover TLS secrets too: `tls_only` or `all` ("Discovery Type"); none when absent.
    pub secrets: Option<String>,
    /// "Add discovered certificate type secrets to Certificates".
    #[serde(default)]
    pub add_certificates: bool,
}

fn yes() -> bool {
    true
}

#[utoipa::path(operation_id = "jobs_discovery", post, path = "/api/v1/discovery", tag = "discovery", request_body = DiscoveryBody,
    responses((status = 202, body = JobView, description = "started; follow Location"),
              (status = 400, description = "Bad input: the error names the field", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn discovery(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<DiscoveryBody>,
) -> ApiResult<Response> {
    let p = auth.require(Role::Operator)?;
    let secrets = match b.secrets.as_deref() {
        None => None,
        Some("tls_only") => Some(SecretKind::TlsOnly),
        Some("all") => Some(SecretKind::All),
        Some(_) => return Err(ApiError::invalid("secrets", "must be tls_only or all")),
    };
    let job = st
        .engine
        .start_discovery(
            &p.actor,
            DiscoveryJob {
                scope: params::scope(&b.credential, &b.vault),
                certificates: b.certificates,
                all_versions: b.all_versions,
                secrets,
                add_certificates: b.add_certificates,
            },
        )
        .await?;
    Ok(accepted(job))
}

/// "Renew": the chosen certificates of one vault, with a new validity.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewBody {
    pub names: Vec<String>,
    pub validity_months: u32,
}

#[utoipa::path(operation_id = "jobs_renew", post, path = "/api/v1/vaults/{credential}/{vault}/certificates/renew", tag = "certificates",
    request_body = RenewBody, params(("credential" = String, Path), ("vault" = String, Path)),
    responses((status = 202, description = "Accepted: the job started; follow Location", body = JobView), (status = 400, description = "Bad input: the error names the field", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn renew(
    State(st): State<AppState>,
    auth: Auth,
    Path((credential, vault)): Path<(String, String)>,
    ApiJson(b): ApiJson<RenewBody>,
) -> ApiResult<Response> {
    let p = auth.require(Role::Operator)?;
    if b.names.len() > 5000 {
        return Err(ApiError::invalid(
            "names",
            "at most 5000 certificates per renewal",
        ));
    }
    let targets = b
        .names
        .into_iter()
        .map(|name| RenewTarget {
            name,
            version: None,
        })
        .collect();
    let job = st
        .engine
        .start_renewal(
            &p.actor,
            Scope::vault(credential, vault),
            targets,
            b.validity_months,
        )
        .await?;
    Ok(accepted(job))
}

#[utoipa::path(operation_id = "jobs_poll", post, path = "/api/v1/requests/poll", tag = "requests",
    responses((status = 202, description = "Accepted: the job started; follow Location", body = JobView)))]
pub async fn poll(State(st): State<AppState>, auth: Auth) -> ApiResult<Response> {
    let p = auth.require(Role::Operator)?;
    Ok(accepted(st.engine.start_poll(&p.actor).await?))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JobParams {
    /// `discovery`, `renew` or `poll`.
    pub kind: Option<String>,
    /// `queued`, `running`, `succeeded`, `partial`, `failed` or `interrupted`.
    pub status: Option<String>,
    pub requested_by: Option<String>,
    pub offset: Option<u64>,
    pub limit: Option<u64>,
}

#[utoipa::path(operation_id = "jobs_list", get, path = "/api/v1/jobs", tag = "jobs", params(JobParams),
    responses((status = 200, description = "OK", body = Listing<JobView>), (status = 400, description = "Bad input: the error names the field", body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<JobParams>,
) -> ApiResult<axum::Json<Listing<JobView>>> {
    auth.require(Role::Auditor)?;
    let status = q
        .status
        .as_deref()
        .map(|s| {
            certkeep_engine::jobs::parse_status(s).ok_or_else(|| {
                ApiError::invalid(
                    "status",
                    "must be queued, running, succeeded, partial, failed or interrupted",
                )
            })
        })
        .transpose()?;
    Ok(axum::Json(
        st.engine
            .list_jobs(&JobQuery {
                kind: q.kind,
                status,
                requested_by: q.requested_by,
                page: params::page(q.offset, q.limit)?,
            })
            .await?,
    ))
}

#[utoipa::path(operation_id = "jobs_show", get, path = "/api/v1/jobs/{id}", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, description = "OK", body = JobView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn show(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<JobView>> {
    auth.require(Role::Auditor)?;
    Ok(axum::Json(st.engine.show_job(&id).await?))
}
