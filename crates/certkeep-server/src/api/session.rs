//! Signing in and out: `POST /api/v1/session` sets the session cookie and answers the CSRF
//! token (shown once, sent back in `X-CSRF-Token`); `DELETE` ends the session on the server;
//! `GET` says who is signed in; `POST /api/v1/session/password` changes one's password.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Auth, client_info, session_cookie};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub username: String,
    /// Never logged, never stored (only its argon2id hash is).
    pub password: String,
}

/// Who is signed in.
#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    pub username: String,
    pub role: String,
    /// `session` or `token`.
    pub via: &'static str,
    /// Until it is changed, only `POST /api/v1/session/password` is allowed.
    pub must_change_password: bool,
}

/// A new session: the CSRF token to send with every change made with the cookie.
#[derive(Serialize, ToSchema)]
pub struct LoginAnswer {
    #[serde(flatten)]
    pub session: SessionInfo,
    pub csrf_token: String,
    pub expires_at: String,
}

fn info(p: &certkeep_engine::access::Principal) -> SessionInfo {
    SessionInfo {
        username: p.username.clone(),
        role: p.role.to_string(),
        via: match p.via {
            certkeep_engine::access::Via::Session { .. } => "session",
            certkeep_engine::access::Via::Token { .. } => "token",
        },
        must_change_password: p.must_change_password,
    }
}

#[utoipa::path(security(()), operation_id = "session_login", post, path = "/api/v1/session", tag = "session", request_body = LoginBody,
    responses((status = 200, body = LoginAnswer, description = "signed in; the cookie is set"),
              (status = 401, description = "Not signed in, or the session or token is not valid", body = ErrorBody), (status = 429, description = "Too many failed sign-ins: see Retry-After", body = ErrorBody)))]
pub async fn login(State(st): State<AppState>, req: Request) -> ApiResult<Response> {
    let client = client_info(&st, &req);
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let ApiJson(body) = ApiJson::<LoginBody>::from_request_inner(req).await?;
    let addr = client.addr.map(|a| a.to_string());
    let outcome = st
        .engine
        .login(
            &body.username,
            &body.password,
            addr.as_deref(),
            user_agent.as_deref(),
            st.sessions(),
            st.throttle(),
        )
        .await?;
    let answer = LoginAnswer {
        session: info(&outcome.principal),
        csrf_token: outcome.csrf_token,
        expires_at: certkeep_engine::views::Timestamp(outcome.expires_at).rfc3339(),
    };
    let cookie = session_cookie(
        client.https,
        &outcome.session_token,
        st.settings.session_absolute_secs,
    );
    Ok(([(header::SET_COOKIE, cookie)], axum::Json(answer)).into_response())
}

#[utoipa::path(operation_id = "session_whoami", get, path = "/api/v1/session", tag = "session",
    responses((status = 200, description = "OK", body = SessionInfo), (status = 401, description = "Not signed in, or the session or token is not valid", body = ErrorBody)))]
pub async fn whoami(auth: Auth) -> axum::Json<SessionInfo> {
    axum::Json(info(&auth.0))
}

#[utoipa::path(operation_id = "session_logout", delete, path = "/api/v1/session", tag = "session",
    responses((status = 204, description = "signed out; the session no longer works"),
              (status = 401, description = "Not signed in, or the session or token is not valid", body = ErrorBody)))]
pub async fn logout(State(st): State<AppState>, auth: Auth, req: Request) -> ApiResult<Response> {
    st.engine.logout(&auth.0).await?;
    // Only a session's sign-out clears the cookie: token answers never set cookies.
    if matches!(auth.0.via, certkeep_engine::access::Via::Token { .. }) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let https = client_info(&st, &req).https;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session_cookie(https, "", 0))],
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    pub current_password: String,
    pub new_password: String,
}

#[utoipa::path(operation_id = "session_change_password", post, path = "/api/v1/session/password", tag = "session", request_body = PasswordBody,
    responses((status = 204, description = "changed; the user's other sessions ended"),
              (status = 400, description = "Bad input: the error names the field", body = ErrorBody), (status = 401, description = "Not signed in, or the session or token is not valid", body = ErrorBody)))]
pub async fn change_password(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<PasswordBody>,
) -> ApiResult<StatusCode> {
    if matches!(auth.0.via, certkeep_engine::access::Via::Token { .. }) {
        return Err(ApiError::forbidden(
            "a password is changed from a signed-in session",
        ));
    }
    st.engine
        .change_own_password(&auth.0, &body.current_password, &body.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
