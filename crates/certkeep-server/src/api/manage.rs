//! Deleting from Certkeep ("Delete": Azure is untouched) and the discovery exclusions it may
//! leave.

use axum::extract::{Path, State};
use certkeep_engine::Scope;
use certkeep_engine::access::Role;
use certkeep_engine::local_delete::{ExclusionView, LocalDeleteReport};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::params;
use crate::auth::Auth;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

/// What to delete from Certkeep.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteBody {
    pub names: Vec<String>,
    /// Only this version (certificates); every version when absent.
    pub version: Option<String>,
    /// Keep discovery from finding them again.
    #[serde(default)]
    pub exclude_from_discovery: bool,
}

#[utoipa::path(operation_id = "manage_delete_certificates", post, path = "/api/v1/vaults/{credential}/{vault}/certificates/delete", tag = "certificates",
    params(("credential" = String, Path), ("vault" = String, Path)), request_body = DeleteBody,
    responses((status = 200, body = LocalDeleteReport, description = "deleted from Certkeep; Azure is untouched"),
              (status = 400, description = "Bad input: the error names the field", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn delete_certificates(
    State(st): State<AppState>,
    auth: Auth,
    Path((credential, vault)): Path<(String, String)>,
    ApiJson(b): ApiJson<DeleteBody>,
) -> ApiResult<axum::Json<LocalDeleteReport>> {
    let p = auth.require(Role::Operator)?;
    Ok(axum::Json(
        st.engine
            .delete_certificates(
                &p.actor,
                &Scope::vault(credential, vault),
                &b.names,
                b.version.as_deref(),
                b.exclude_from_discovery,
            )
            .await?,
    ))
}

/// TLS secrets to delete from Certkeep.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteSecretsBody {
    pub names: Vec<String>,
    #[serde(default)]
    pub exclude_from_discovery: bool,
}

#[utoipa::path(operation_id = "manage_delete_secrets", post, path = "/api/v1/vaults/{credential}/{vault}/secrets/delete", tag = "secrets",
    params(("credential" = String, Path), ("vault" = String, Path)), request_body = DeleteSecretsBody,
    responses((status = 200, description = "OK", body = LocalDeleteReport), (status = 400, description = "Bad input: the error names the field", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn delete_secrets(
    State(st): State<AppState>,
    auth: Auth,
    Path((credential, vault)): Path<(String, String)>,
    ApiJson(b): ApiJson<DeleteSecretsBody>,
) -> ApiResult<axum::Json<LocalDeleteReport>> {
    let p = auth.require(Role::Operator)?;
    Ok(axum::Json(
        st.engine
            .delete_tls_secrets(
                &p.actor,
                &Scope::vault(credential, vault),
                &b.names,
                b.exclude_from_discovery,
            )
            .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExclusionParams {
    pub credential: Option<String>,
    pub vault: Option<String>,
}

#[utoipa::path(operation_id = "manage_exclusions", get, path = "/api/v1/exclusions", tag = "certificates", params(ExclusionParams),
    responses((status = 200, description = "OK", body = [ExclusionView])))]
pub async fn exclusions(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ExclusionParams>,
) -> ApiResult<axum::Json<Vec<ExclusionView>>> {
    auth.require(Role::Auditor)?;
    let scope: Scope = params::scope(&q.credential, &q.vault);
    Ok(axum::Json(st.engine.list_exclusions(&scope).await?))
}

#[utoipa::path(operation_id = "manage_remove_exclusion", delete, path = "/api/v1/exclusions/{id}", tag = "certificates", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = ExclusionView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn remove_exclusion(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<ExclusionView>> {
    let p = auth.require(Role::Operator)?;
    Ok(axum::Json(st.engine.remove_exclusion(&p.actor, id).await?))
}
