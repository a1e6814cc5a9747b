//! Users and roles (admin only): list, create with a one-time password, change role, disable,
//! reset the password, delete.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use certkeep_engine::access::{NewUserInput, Role, UserChange, UserView};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

fn role(field: &str, text: &str) -> Result<Role, ApiError> {
    Role::parse(text).map_err(|_| ApiError::invalid(field, "must be admin, operator or auditor"))
}

#[utoipa::path(operation_id = "users_list", get, path = "/api/v1/users", tag = "users",
    responses((status = 200, description = "OK", body = [UserView]), (status = 403, description = "The role does not allow this", body = ErrorBody)))]
pub async fn list(State(st): State<AppState>, auth: Auth) -> ApiResult<axum::Json<Vec<UserView>>> {
    auth.require(Role::Admin)?;
    Ok(axum::Json(st.engine.list_users().await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    pub username: String,
    /// A one-time password: the user must change it at first sign-in.
    pub password: String,
    /// `admin`, `operator` or `auditor`.
    pub role: String,
}

#[utoipa::path(operation_id = "users_create", post, path = "/api/v1/users", tag = "users", request_body = NewUserBody,
    responses((status = 201, description = "Created", body = UserView), (status = 400, description = "Bad input: the error names the field", body = ErrorBody),
              (status = 409, description = "Conflict: taken, or in progress", body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewUserBody>,
) -> ApiResult<(StatusCode, axum::Json<UserView>)> {
    let p = auth.require(Role::Admin)?;
    let role = role("role", &body.role)?;
    let view = st
        .engine
        .create_user(
            &p.actor,
            NewUserInput {
                username: body.username,
                password: body.password.into(),
                role,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

#[utoipa::path(operation_id = "users_show", get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = String, Path)), responses((status = 200, description = "OK", body = UserView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn show(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<UserView>> {
    auth.require(Role::Admin)?;
    Ok(axum::Json(st.engine.show_user(&id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChangeBody {
    pub role: Option<String>,
    pub disabled: Option<bool>,
    /// A new one-time password; the user's sessions end.
    pub reset_password: Option<String>,
}

#[utoipa::path(operation_id = "users_update", patch, path = "/api/v1/users/{id}", tag = "users", request_body = UserChangeBody,
    params(("id" = String, Path)), responses((status = 200, description = "OK", body = UserView), (status = 400, description = "Bad input: the error names the field", body = ErrorBody),
    (status = 422, description = "Refused for this item, with the reason", body = ErrorBody)))]
pub async fn update(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UserChangeBody>,
) -> ApiResult<axum::Json<UserView>> {
    let p = auth.require(Role::Admin)?;
    let change = UserChange {
        role: body.role.as_deref().map(|r| role("role", r)).transpose()?,
        disabled: body.disabled,
        reset_password: body.reset_password.map(Into::into),
    };
    if change.role.is_none() && change.disabled.is_none() && change.reset_password.is_none() {
        return Err(ApiError::invalid(
            "body",
            "give role, disabled or reset_password",
        ));
    }
    Ok(axum::Json(
        st.engine.change_user(&p.actor, &id, change).await?,
    ))
}

#[utoipa::path(operation_id = "users_delete", delete, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = String, Path)), responses((status = 204, description = "Done; no content"), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Refused for this item, with the reason", body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let p = auth.require(Role::Admin)?;
    st.engine.delete_user(&p.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/roles", tag = "users", operation_id = "users_roles",
    responses((status = 200, description = "OK", body = [certkeep_engine::access::RoleView])))]
pub async fn roles(auth: Auth) -> ApiResult<axum::Json<Vec<certkeep_engine::access::RoleView>>> {
    auth.require(Role::Auditor)?;
    Ok(axum::Json(certkeep_engine::access::roles()))
}
