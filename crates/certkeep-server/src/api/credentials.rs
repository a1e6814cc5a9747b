//! Azure credentials ("Manage"): listed and shown without their secret (`secret_set: true`),
//! added (checked against Azure first), the secret rotated, removed (from Certkeep only).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use certkeep_engine::access::Role;
use certkeep_engine::credentials::{AddCredential, Added, CredentialView, Removed};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Auth;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

#[utoipa::path(operation_id = "credentials_list", get, path = "/api/v1/credentials", tag = "credentials",
    responses((status = 200, description = "OK", body = [CredentialView])))]
pub async fn list(
    State(st): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<CredentialView>>> {
    auth.require(Role::Auditor)?;
    Ok(axum::Json(st.engine.list_credentials().await?))
}

#[utoipa::path(operation_id = "credentials_show", get, path = "/api/v1/credentials/{name}", tag = "credentials",
    params(("name" = String, Path)), responses((status = 200, description = "OK", body = CredentialView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn show(
    State(st): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
) -> ApiResult<axum::Json<CredentialView>> {
    auth.require(Role::Auditor)?;
    Ok(axum::Json(st.engine.show_credential(&name).await?))
}

/// The seed's "Add" form: Credential Name, Subscription ID, Directory ID, Application ID, Key.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCredentialBody {
    pub name: String,
    /// `AzurePublic` (default), `AzureChina`, `AzureUSGovernment`, or a custom cloud of the
    /// configuration file.
    #[serde(default = "azure")]
    pub cloud: String,
    /// The Directory (tenant) ID.
    pub tenant_id: String,
    pub subscription_id: String,
    /// The Application (client) ID.
    pub client_id: String,
    /// The application's client secret ("Key"): write-only, sealed at rest, never returned.
    pub client_secret: String,
}

fn azure() -> String {
    "AzurePublic".into()
}

#[utoipa::path(operation_id = "credentials_add", post, path = "/api/v1/credentials", tag = "credentials", request_body = NewCredentialBody,
    responses((status = 201, description = "Created", body = Added), (status = 400, description = "Bad input: the error names the field", body = ErrorBody), (status = 502, description = "Azure refused or failed", body = ErrorBody)))]
pub async fn add(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewCredentialBody>,
) -> ApiResult<(StatusCode, axum::Json<Added>)> {
    let p = auth.require(Role::Admin)?;
    let added = st
        .engine
        .add_credential(
            &p.actor,
            AddCredential {
                name: body.name,
                cloud: body.cloud,
                tenant_id: body.tenant_id,
                subscription_id: body.subscription_id,
                client_id: body.client_id,
                client_secret: body.client_secret.into(),
            },
        )
        .await?;
    let status = if added.already_existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, axum::Json(added)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretBody {
    /// The new client secret: checked against Azure before it replaces the old one.
    pub client_secret: String,
}

#[utoipa::path(operation_id = "credentials_rotate", put, path = "/api/v1/credentials/{name}/secret", tag = "credentials", request_body = SecretBody,
    params(("name" = String, Path)),
    responses((status = 200, description = "OK", body = CredentialView), (status = 400, description = "Bad input: the error names the field", body = ErrorBody), (status = 502, description = "Azure refused or failed", body = ErrorBody)))]
pub async fn rotate(
    State(st): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<SecretBody>,
) -> ApiResult<axum::Json<CredentialView>> {
    let p = auth.require(Role::Admin)?;
    Ok(axum::Json(
        st.engine
            .update_credential_secret(&p.actor, &name, body.client_secret.into())
            .await?,
    ))
}

#[utoipa::path(operation_id = "credentials_remove", delete, path = "/api/v1/credentials/{name}", tag = "credentials",
    params(("name" = String, Path)),
    responses((status = 200, body = Removed, description = "removed from Certkeep; Azure is untouched"), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn remove(
    State(st): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
) -> ApiResult<axum::Json<Removed>> {
    let p = auth.require(Role::Admin)?;
    Ok(axum::Json(
        st.engine.remove_credential(&p.actor, &name).await?,
    ))
}
