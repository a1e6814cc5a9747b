//! Certificate requests ("Request Certificate", "Request Status"): create, cancel, the CSR and
//! merge of requests to `Unknown` issuers, removing Key Vault's pending operation, and
//! "Obtain Certificate" / "Obtain History".

use std::collections::BTreeMap;

use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use certkeep_core::request::{Criticality, RawRequest};
use certkeep_engine::Scope;
use certkeep_engine::access::Role;
use certkeep_engine::requests::{CertificateRequestInput, ObtainReport, RequestView};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

/// Which extensions are marked critical.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CriticalBody {
    #[serde(default)]
    pub key_usage: bool,
    #[serde(default)]
    pub eku: bool,
}

/// The seed's "Request Certificate" form (with "Advanced Options").
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestBody {
    pub credential: Option<String>,
    pub vault: String,
    /// Certificate name in Key Vault.
    pub name: String,
    /// The domain name (subject CN).
    pub common_name: String,
    /// DNS names; `email:`, `upn:`, `ip:`, `uri:` prefixes for other kinds.
    #[serde(default)]
    pub sans: Vec<String>,
    pub email: Option<String>,
    /// `RSA` (default), `EC`, `RSA-HSM`, `EC-HSM`.
    pub key: Option<String>,
    /// 2048 (default), 3072, 4096.
    pub key_size: Option<u32>,
    /// `P-256` (default), `P-384`, `P-521`.
    pub curve: Option<String>,
    pub organization: Option<String>,
    pub organizational_unit: Option<String>,
    pub locality: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub validity_months: Option<u32>,
    /// `AutoRenew` or `EmailContacts`.
    pub lifetime_action: Option<String>,
    pub days_before_expiry: Option<u32>,
    #[serde(default)]
    pub key_usage: Vec<String>,
    #[serde(default)]
    pub eku: Vec<String>,
    #[serde(default)]
    pub critical: CriticalBody,
    /// `Self` (default), `Unknown` or one of the vault's issuers.
    pub issuer: Option<String>,
    /// `pfx` (default) or `pem`.
    pub content_type: Option<String>,
    pub exportable: Option<bool>,
    pub reuse_key: Option<bool>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn raw(b: RequestBody) -> (Scope, RawRequest) {
    let text = |v: Option<String>| v.unwrap_or_default();
    let number = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_default();
    (
        Scope {
            credential: b.credential,
            vault: Some(b.vault),
        },
        RawRequest {
            name: b.name,
            common_name: b.common_name,
            sans: b.sans.join(","),
            email: text(b.email),
            key: text(b.key),
            key_size: number(b.key_size),
            curve: text(b.curve),
            organization: text(b.organization),
            organizational_unit: text(b.organizational_unit),
            locality: text(b.locality),
            state: text(b.state),
            country: text(b.country),
            validity_months: number(b.validity_months),
            lifetime_action: text(b.lifetime_action),
            days_before_expiry: number(b.days_before_expiry),
            key_usage: b.key_usage,
            eku: b.eku,
            critical: Criticality {
                key_usage: b.critical.key_usage,
                eku: b.critical.eku,
            },
            issuer: text(b.issuer),
            content_type: text(b.content_type),
            exportable: b.exportable,
            reuse_key: b.reuse_key,
            tags: b
                .tags
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect(),
        },
    )
}

#[utoipa::path(operation_id = "requests_create", post, path = "/api/v1/requests", tag = "requests", request_body = RequestBody,
    responses((status = 201, body = RequestView, description = "sent to Key Vault; follow it with GET /api/v1/requests/{id}"),
              (status = 400, body = ErrorBody, description = "a field is wrong; nothing was sent"),
              (status = 409, description = "Conflict: taken, or in progress", body = ErrorBody), (status = 422, description = "Refused for this item, with the reason", body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<RequestBody>,
) -> ApiResult<(StatusCode, axum::Json<RequestView>)> {
    let p = auth.require(Role::Operator)?;
    let (scope, raw) = raw(b);
    let view = st
        .engine
        .request_certificate(&p.actor, CertificateRequestInput { scope, raw })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

#[utoipa::path(operation_id = "requests_cancel", post, path = "/api/v1/requests/{id}/cancel", tag = "requests", params(("id" = String, Path)),
    responses((status = 200, description = "OK", body = RequestView), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Refused for this item, with the reason", body = ErrorBody)))]
pub async fn cancel(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<RequestView>> {
    let p = auth.require(Role::Operator)?;
    Ok(axum::Json(st.engine.cancel_request(&p.actor, &id).await?))
}

#[utoipa::path(operation_id = "requests_delete_operation", delete, path = "/api/v1/requests/{id}/operation", tag = "requests", params(("id" = String, Path)),
    responses((status = 200, description = "OK", body = RequestView), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Refused for this item, with the reason", body = ErrorBody)))]
pub async fn delete_operation(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<RequestView>> {
    let p = auth.require(Role::Operator)?;
    Ok(axum::Json(
        st.engine.delete_request_operation(&p.actor, &id).await?,
    ))
}

#[utoipa::path(operation_id = "requests_csr", get, path = "/api/v1/requests/{id}/csr", tag = "requests", params(("id" = String, Path)),
    responses((status = 200, description = "the CSR, PEM", content_type = "application/pkcs10"), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn csr(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    auth.require(Role::Auditor)?;
    let pem = st.engine.request_csr(&id).await?;
    Ok(([(header::CONTENT_TYPE, "application/pkcs10")], pem).into_response())
}

#[utoipa::path(operation_id = "requests_merge", post, path = "/api/v1/requests/{id}/merge", tag = "requests", params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "part `file`: the CA's certificate (PEM, DER or PKCS#7)"),
    responses((status = 200, description = "OK", body = RequestView), (status = 400, description = "Bad input: the error names the field", body = ErrorBody), (status = 413, description = "The body is over the limit", body = ErrorBody)))]
pub async fn merge(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    multipart: Multipart,
) -> ApiResult<axum::Json<RequestView>> {
    let p = auth.require(Role::Operator)?;
    let form = crate::multipart::read(multipart, &[]).await?;
    let file = form
        .file
        .ok_or_else(|| ApiError::invalid("file", "upload the signed certificate as part 'file'"))?;
    Ok(axum::Json(
        st.engine.merge_request(&p.actor, &id, &file).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ObtainParams {
    /// Also every earlier version ("Obtain History").
    #[serde(default)]
    pub history: bool,
}

#[utoipa::path(operation_id = "requests_obtain", post, path = "/api/v1/vaults/{credential}/{vault}/certificates/{name}/obtain", tag = "requests",
    params(("credential" = String, Path), ("vault" = String, Path), ("name" = String, Path), ObtainParams),
    responses((status = 200, description = "OK", body = ObtainReport), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn obtain(
    State(st): State<AppState>,
    auth: Auth,
    Path((credential, vault, name)): Path<(String, String, String)>,
    ApiQuery(q): ApiQuery<ObtainParams>,
) -> ApiResult<axum::Json<ObtainReport>> {
    let p = auth.require(Role::Operator)?;
    Ok(axum::Json(
        st.engine
            .obtain_vault_certificate(&p.actor, &Scope::vault(credential, vault), &name, q.history)
            .await?,
    ))
}
