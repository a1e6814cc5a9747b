//! The rest of the inventory's reading side: vaults (and their sync), issuers, TLS secrets,
//! requests, sync runs, the summary and the audit log with its chain check.

use axum::extract::{Path, State};
use certkeep_engine::access::Role;
use certkeep_engine::queries::{
    AuditChainStatus, AuditQuery, InventorySummary, SecretQuery, VaultQuery,
};
use certkeep_engine::requests::{RequestQuery, RequestView};
use certkeep_engine::vaults::{IssuerSyncReport, VaultSyncReport};
use certkeep_engine::views::{
    AuditFilter, AuditView, IssuerView, Listing, SecretView, SyncRunView, VaultView,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::params;
use crate::auth::Auth;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VaultParams {
    pub credential: Option<String>,
    pub search: Option<String>,
    #[serde(default)]
    pub include_missing: bool,
    pub offset: Option<u64>,
    pub limit: Option<u64>,
}

#[utoipa::path(operation_id = "inventory_vaults", get, path = "/api/v1/vaults", tag = "vaults", params(VaultParams),
    responses((status = 200, description = "OK", body = Listing<VaultView>)))]
pub async fn vaults(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<VaultParams>,
) -> ApiResult<axum::Json<Listing<VaultView>>> {
    auth.require(Role::Auditor)?;
    Ok(axum::Json(
        st.engine
            .list_vault_page(&VaultQuery {
                credential: p.credential,
                search: p.search,
                include_missing: p.include_missing,
                page: params::page(p.offset, p.limit)?,
            })
            .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct VaultSyncBody {
    /// One credential (all when absent).
    pub credential: Option<String>,
}

#[utoipa::path(operation_id = "inventory_sync_vaults", post, path = "/api/v1/vaults/sync", tag = "vaults", request_body = VaultSyncBody,
    responses((status = 200, description = "OK", body = [VaultSyncReport])))]
pub async fn sync_vaults(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<VaultSyncBody>,
) -> ApiResult<axum::Json<Vec<VaultSyncReport>>> {
    let p = auth.require(Role::Operator)?;
    Ok(axum::Json(
        st.engine
            .sync_vaults(&p.actor, body.credential.as_deref())
            .await?,
    ))
}

#[utoipa::path(operation_id = "inventory_issuers", get, path = "/api/v1/vaults/{credential}/{vault}/issuers", tag = "vaults",
    params(("credential" = String, Path), ("vault" = String, Path)),
    responses((status = 200, description = "OK", body = [IssuerView]), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn issuers(
    State(st): State<AppState>,
    auth: Auth,
    Path((credential, vault)): Path<(String, String)>,
) -> ApiResult<axum::Json<Vec<IssuerView>>> {
    auth.require(Role::Auditor)?;
    Ok(axum::Json(
        st.engine.list_issuers(&credential, &vault).await?,
    ))
}

#[utoipa::path(operation_id = "inventory_sync_issuers", post, path = "/api/v1/vaults/{credential}/{vault}/issuers/sync", tag = "vaults",
    params(("credential" = String, Path), ("vault" = String, Path)),
    responses((status = 200, description = "OK", body = IssuerSyncReport), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn sync_issuers(
    State(st): State<AppState>,
    auth: Auth,
    Path((credential, vault)): Path<(String, String)>,
) -> ApiResult<axum::Json<IssuerSyncReport>> {
    let p = auth.require(Role::Operator)?;
    Ok(axum::Json(
        st.engine
            .sync_issuers(&p.actor, &credential, &vault)
            .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SecretParams {
    pub credential: Option<String>,
    pub vault: Option<String>,
    /// `current` (default), `previous` or `all`.
    pub show: Option<String>,
    pub search: Option<String>,
    /// `expired`, `expiring`, `healthy` or `missing`.
    pub state: Option<String>,
    pub expiring_within_days: Option<i64>,
    pub tag: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub include_missing: bool,
    /// `asc` (default) or `desc`.
    pub order: Option<String>,
    pub offset: Option<u64>,
    pub limit: Option<u64>,
}

#[utoipa::path(operation_id = "inventory_secrets", get, path = "/api/v1/secrets", tag = "secrets", params(SecretParams),
    responses((status = 200, description = "OK", body = Listing<SecretView>), (status = 400, description = "Bad input: the error names the field", body = ErrorBody)))]
pub async fn secrets(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<SecretParams>,
) -> ApiResult<axum::Json<Listing<SecretView>>> {
    auth.require(Role::Auditor)?;
    let (state, expiring_within) = params::state(&p.state, p.expiring_within_days)?;
    Ok(axum::Json(
        st.engine
            .list_secrets(&SecretQuery {
                scope: params::scope(&p.credential, &p.vault),
                show: params::show(&p.show)?,
                expiring_within,
                search: p.search,
                include_missing: p.include_missing,
                state,
                tag: params::tag(&p.tag)?,
                name: p.name,
                descending: params::descending(&p.order)?,
                page: params::page(p.offset, p.limit)?,
                ..Default::default()
            })
            .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RequestParams {
    pub credential: Option<String>,
    pub vault: Option<String>,
    /// `sending`, `in_progress`, `completed`, `failed` or `cancelled`.
    pub status: Option<String>,
    pub name: Option<String>,
    pub offset: Option<u64>,
    pub limit: Option<u64>,
}

#[utoipa::path(operation_id = "inventory_requests", get, path = "/api/v1/requests", tag = "requests", params(RequestParams),
    responses((status = 200, description = "OK", body = Listing<RequestView>), (status = 400, description = "Bad input: the error names the field", body = ErrorBody)))]
pub async fn requests(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<RequestParams>,
) -> ApiResult<axum::Json<Listing<RequestView>>> {
    auth.require(Role::Auditor)?;
    let status = params::request_status(&p.status)?;
    Ok(axum::Json(
        st.engine
            .list_requests(&RequestQuery {
                scope: params::scope(&p.credential, &p.vault),
                status,
                certificate_name: p.name,
                page: params::page(p.offset, p.limit)?,
            })
            .await?,
    ))
}

#[utoipa::path(operation_id = "inventory_request", get, path = "/api/v1/requests/{id}", tag = "requests", params(("id" = String, Path)),
    responses((status = 200, description = "OK", body = RequestView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn request(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<RequestView>> {
    auth.require(Role::Auditor)?;
    Ok(axum::Json(st.engine.show_request(&id).await?))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SyncRunParams {
    pub credential: Option<String>,
    pub vault: Option<String>,
    /// `certificates` or `secrets`.
    pub kind: Option<String>,
    pub offset: Option<u64>,
    pub limit: Option<u64>,
}

#[utoipa::path(operation_id = "inventory_sync_runs", get, path = "/api/v1/sync-runs", tag = "discovery", params(SyncRunParams),
    responses((status = 200, description = "OK", body = Listing<SyncRunView>)))]
pub async fn sync_runs(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<SyncRunParams>,
) -> ApiResult<axum::Json<Listing<SyncRunView>>> {
    auth.require(Role::Auditor)?;
    Ok(axum::Json(
        st.engine
            .list_sync_runs(
                &params::scope(&p.credential, &p.vault),
                p.kind,
                params::page(p.offset, p.limit)?,
            )
            .await?,
    ))
}

#[utoipa::path(operation_id = "inventory_summary", get, path = "/api/v1/summary", tag = "certificates",
    responses((status = 200, description = "OK", body = InventorySummary)))]
pub async fn summary(
    State(st): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<InventorySummary>> {
    auth.require(Role::Auditor)?;
    Ok(axum::Json(st.engine.inventory_summary().await?))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// `user:alice`, `token:ID`, `job:poller`, `cli:root`.
    pub actor: Option<String>,
    /// `certificate.renew`, `user.login`, ...
    pub action: Option<String>,
    pub target: Option<String>,
    pub offset: Option<u64>,
    pub limit: Option<u64>,
}

#[utoipa::path(operation_id = "inventory_audit", get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, description = "OK", body = Listing<AuditView>)))]
pub async fn audit(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> ApiResult<axum::Json<Listing<AuditView>>> {
    auth.require(Role::Auditor)?;
    Ok(axum::Json(
        st.engine
            .list_audit(&AuditQuery {
                filter: AuditFilter {
                    actor: p.actor,
                    action: p.action,
                    target: p.target,
                    ..Default::default()
                },
                page: params::page(p.offset, p.limit)?,
            })
            .await?,
    ))
}

#[utoipa::path(operation_id = "inventory_verify", get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, description = "OK", body = AuditChainStatus)))]
pub async fn verify(
    State(st): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<AuditChainStatus>> {
    auth.require(Role::Auditor)?;
    Ok(axum::Json(st.engine.audit_chain_status().await?))
}
