//! TLS secrets ("Azure Secrets"): "Create Secret" from an uploaded PFX or PEM (multipart),
//! "Update Secret", "Rediscover", "Obtain Certificate", "View Associated Certificate" with
//! export, and "Delete" (from Certkeep only).

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use certkeep_engine::Scope;
use certkeep_engine::access::Role;
use certkeep_engine::tls_manage::{
    CreateSecret, CreatedSecret, RediscoverReport, UpdateSecret, UploadFormat, parse_date,
};
use certkeep_engine::views::{CertificateView, SecretView};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

const CREATE_FIELDS: &[&str] = &[
    "name",
    "password",
    "format",
    "activation",
    "expiration",
    "enabled",
    "tags",
    "new_version",
];

fn date(field: &'static str, text: Option<&str>) -> Result<Option<i64>, ApiError> {
    text.map(|t| parse_date(t).map_err(|reason| ApiError::invalid(field, reason)))
        .transpose()
}

#[utoipa::path(operation_id = "secrets_create", post, path = "/api/v1/vaults/{credential}/{vault}/secrets", tag = "secrets",
    params(("credential" = String, Path), ("vault" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "parts: `file` (PFX or PEM), `name`, `password` (PFX; never stored), `format` (pfx|pem), `activation`, `expiration` (RFC 3339 or YYYY-MM-DD), `enabled`, `tags` (k=v,k=v), `new_version`"),
    responses((status = 201, description = "Created", body = CreatedSecret), (status = 400, description = "Bad input: the error names the field", body = ErrorBody), (status = 409, description = "Conflict: taken, or in progress", body = ErrorBody),
              (status = 413, description = "The body is over the limit", body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    auth: Auth,
    Path((credential, vault)): Path<(String, String)>,
    multipart: Multipart,
) -> ApiResult<(StatusCode, axum::Json<CreatedSecret>)> {
    let p = auth.require(Role::Operator)?;
    let form = crate::multipart::read(multipart, CREATE_FIELDS).await?;
    let file = form
        .file
        .clone()
        .ok_or_else(|| ApiError::invalid("file", "upload the PFX or PEM file as part 'file'"))?;
    let format = match form.text("format") {
        None => None,
        Some("pfx") => Some(UploadFormat::Pfx),
        Some("pem") => Some(UploadFormat::Pem),
        Some(_) => return Err(ApiError::invalid("format", "must be pfx or pem")),
    };
    let tags = super::params::tag_list("tags", form.text("tags").unwrap_or_default())?;
    let created = st
        .engine
        .create_tls_secret(
            &p.actor,
            CreateSecret {
                scope: Scope::vault(credential, vault),
                name: form.text("name").unwrap_or_default().to_string(),
                file,
                format,
                password: form.text("password").unwrap_or_default().to_string().into(),
                activation: date("activation", form.text("activation"))?,
                expiration: date("expiration", form.text("expiration"))?,
                enabled: form.flag("enabled")?.unwrap_or(true),
                tags,
                new_version: form.flag("new_version")?.unwrap_or(false),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

/// "Update Secret": the current version's dates and status.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSecretBody {
    /// RFC 3339 or YYYY-MM-DD.
    pub activation: Option<String>,
    pub expiration: Option<String>,
    pub enabled: Option<bool>,
}

#[utoipa::path(operation_id = "secrets_update", patch, path = "/api/v1/vaults/{credential}/{vault}/secrets/{name}", tag = "secrets",
    params(("credential" = String, Path), ("vault" = String, Path), ("name" = String, Path)),
    request_body = UpdateSecretBody,
    responses((status = 200, description = "OK", body = SecretView), (status = 400, description = "Bad input: the error names the field", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn update(
    State(st): State<AppState>,
    auth: Auth,
    Path((credential, vault, name)): Path<(String, String, String)>,
    ApiJson(b): ApiJson<UpdateSecretBody>,
) -> ApiResult<axum::Json<SecretView>> {
    let p = auth.require(Role::Operator)?;
    Ok(axum::Json(
        st.engine
            .update_tls_secret(
                &p.actor,
                UpdateSecret {
                    scope: Scope::vault(credential, vault),
                    name,
                    activation: date("activation", b.activation.as_deref())?,
                    expiration: date("expiration", b.expiration.as_deref())?,
                    enabled: b.enabled,
                },
            )
            .await?,
    ))
}

/// Names of one vault's secrets or certificates.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamesBody {
    pub names: Vec<String>,
}

#[utoipa::path(operation_id = "secrets_rediscover", post, path = "/api/v1/vaults/{credential}/{vault}/secrets/rediscover", tag = "secrets",
    params(("credential" = String, Path), ("vault" = String, Path)), request_body = NamesBody,
    responses((status = 200, description = "OK", body = [RediscoverReport]), (status = 400, description = "Bad input: the error names the field", body = ErrorBody)))]
pub async fn rediscover(
    State(st): State<AppState>,
    auth: Auth,
    Path((credential, vault)): Path<(String, String)>,
    ApiJson(b): ApiJson<NamesBody>,
) -> ApiResult<axum::Json<Vec<RediscoverReport>>> {
    let p = auth.require(Role::Operator)?;
    Ok(axum::Json(
        st.engine
            .rediscover_secrets(&p.actor, &Scope::vault(credential, vault), &b.names)
            .await?,
    ))
}

#[utoipa::path(operation_id = "secrets_obtain_certificate", post, path = "/api/v1/vaults/{credential}/{vault}/secrets/{name}/obtain-certificate", tag = "secrets",
    params(("credential" = String, Path), ("vault" = String, Path), ("name" = String, Path)),
    responses((status = 200, description = "OK", body = CertificateView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn obtain_certificate(
    State(st): State<AppState>,
    auth: Auth,
    Path((credential, vault, name)): Path<(String, String, String)>,
) -> ApiResult<axum::Json<CertificateView>> {
    let p = auth.require(Role::Operator)?;
    Ok(axum::Json(
        st.engine
            .obtain_secret_certificate(&p.actor, &Scope::vault(credential, vault), &name)
            .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SecretExportParams {
    /// `pem` (default), `der` or `chain`.
    pub format: Option<String>,
}

#[utoipa::path(operation_id = "secrets_export_certificate", get, path = "/api/v1/vaults/{credential}/{vault}/secrets/{name}/certificate", tag = "secrets",
    params(("credential" = String, Path), ("vault" = String, Path), ("name" = String, Path), SecretExportParams),
    responses((status = 200, description = "the secret's certificate (never its key)", content_type = "application/x-pem-file"),
              (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn export_certificate(
    State(st): State<AppState>,
    auth: Auth,
    Path((credential, vault, name)): Path<(String, String, String)>,
    ApiQuery(q): ApiQuery<SecretExportParams>,
) -> ApiResult<Response> {
    let p = auth.require(Role::Auditor)?;
    let format = super::download::format(q.format.as_deref())?;
    let exported = st
        .engine
        .export_secret_certificate(&p.actor, &Scope::vault(credential, vault), &name, format)
        .await?;
    Ok(super::download::attachment(exported, format))
}
