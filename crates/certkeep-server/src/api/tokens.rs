//! API tokens of the signed-in user: made (shown once), listed, revoked. An admin lists and
//! revokes everyone's.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use certkeep_engine::access::{ApiTokenView, NewApiTokenInput, Role};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TokenListParams {
    /// Everyone's tokens (admin only).
    #[serde(default)]
    pub all: bool,
}

#[utoipa::path(operation_id = "tokens_list", get, path = "/api/v1/tokens", tag = "tokens", params(TokenListParams),
    responses((status = 200, description = "OK", body = [ApiTokenView]), (status = 401, description = "Not signed in, or the session or token is not valid", body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<TokenListParams>,
) -> ApiResult<axum::Json<Vec<ApiTokenView>>> {
    auth.require(Role::Auditor)?;
    Ok(axum::Json(st.engine.list_api_tokens(&auth.0, q.all).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    pub name: String,
    /// No higher than your own role.
    pub role: String,
    /// 1 to 366.
    pub expires_in_days: i64,
}

/// The token, shown this once, and its listing entry.
#[derive(Serialize, ToSchema)]
pub struct NewTokenAnswer {
    pub token: String,
    pub details: ApiTokenView,
}

#[utoipa::path(operation_id = "tokens_create", post, path = "/api/v1/tokens", tag = "tokens", request_body = NewTokenBody,
    responses((status = 201, description = "Created", body = NewTokenAnswer), (status = 400, description = "Bad input: the error names the field", body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewTokenBody>,
) -> ApiResult<(StatusCode, axum::Json<NewTokenAnswer>)> {
    auth.require(Role::Auditor)?;
    let role = Role::parse(&body.role)
        .map_err(|_| ApiError::invalid("role", "must be admin, operator or auditor"))?;
    let made = st
        .engine
        .create_api_token(
            &auth.0,
            NewApiTokenInput {
                name: body.name,
                role,
                expires_in_days: body.expires_in_days,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(NewTokenAnswer {
            token: made.token,
            details: made.view,
        }),
    ))
}

#[utoipa::path(operation_id = "tokens_revoke", delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = String, Path)),
    responses((status = 200, description = "OK", body = ApiTokenView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn revoke(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<ApiTokenView>> {
    auth.require(Role::Auditor)?;
    Ok(axum::Json(st.engine.revoke_api_token(&auth.0, &id).await?))
}
