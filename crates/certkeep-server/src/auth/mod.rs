//! Who is asking: a bearer API token, or a session cookie (with a CSRF token on unsafe
//! requests). The middleware resolves the principal once per request and puts it in the
//! request's extensions; handlers take [`Auth`] and check the role they need.

pub(crate) mod client;
pub(crate) mod cookies;

pub use client::{ClientInfo, client_info, client_info_of};
pub use cookies::{
    SESSION_COOKIE_HTTP, SESSION_COOKIE_HTTPS, csrf_cookie, csrf_cookie_name, session_cookie,
    session_cookie_name,
};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use certkeep_engine::access::{Principal, Role, Via, secrets};

use crate::error::ApiError;
use crate::request_log::LoggedActor;
use crate::state::AppState;

/// The header a session-authenticated unsafe request carries its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The request's principal, when it proved one.
#[derive(Clone)]
struct Authenticated(Option<Principal>);

fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Resolves the principal (401 for a bad token or a dead session: never silently anonymous),
/// checks CSRF on cookie-authenticated unsafe requests, and refuses tokens in query strings.
pub async fn middleware(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let asked = Asked {
        // Signing in ignores any session cookie the browser still sends (one that ended, or
        // one of another user): the sign-in makes a new session.
        signing_in: req.method() == Method::POST && req.uri().path() == "/api/v1/session",
        query: req.uri().query().map(str::to_string),
        headers: req.headers().clone(),
        method: req.method().clone(),
        https: client_info(&st, &req).https,
    };
    match resolve(&st, &asked).await {
        Ok(principal) => {
            let actor = principal.as_ref().map(|p| p.actor.audit_name());
            req.extensions_mut().insert(Authenticated(principal));
            let mut resp = next.run(req).await;
            if let Some(a) = actor {
                resp.extensions_mut().insert(LoggedActor(a));
            }
            resp
        }
        Err(e) => e.into_response(),
    }
}

/// What authentication looks at (owned, so the request's body is not held across awaits).
struct Asked {
    signing_in: bool,
    query: Option<String>,
    headers: axum::http::HeaderMap,
    method: Method,
    https: bool,
}

async fn resolve(st: &AppState, req: &Asked) -> Result<Option<Principal>, ApiError> {
    if let Some(q) = req.query.as_deref()
        && form_urlencoded::parse(q.as_bytes()).any(|(k, v)| {
            v.starts_with(certkeep_engine::access::TOKEN_PREFIX)
                || k.eq_ignore_ascii_case("access_token")
        })
    {
        return Err(ApiError::invalid(
            "query",
            "API tokens are never accepted in a query string: send Authorization: Bearer <token>",
        ));
    }
    if let Some(value) = req.headers.get(header::AUTHORIZATION) {
        let text = value.to_str().unwrap_or_default();
        let Some(token) = text.strip_prefix("Bearer ").map(str::trim) else {
            return Err(ApiError::unauthenticated(
                "the Authorization header must be 'Bearer <API token>'",
            ));
        };
        return match st.engine.authenticate_token(token).await? {
            Some(p) => Ok(Some(p)),
            None => Err(ApiError::unauthenticated(
                "the API token is not valid (unknown, expired or revoked)",
            )),
        };
    }
    if req.signing_in {
        return Ok(None);
    }
    let Some(cookie) = cookies::read(&req.headers, session_cookie_name(req.https)) else {
        return Ok(None);
    };
    let Some(p) = st
        .engine
        .authenticate_session(&cookie, st.sessions())
        .await?
    else {
        return Err(ApiError::unauthenticated(
            "the session has ended (signed out, or timed out): sign in again",
        ));
    };
    if is_unsafe(&req.method)
        && let Via::Session { csrf_hash, .. } = &p.via
    {
        let sent = req
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if sent.is_empty() || !secrets::same_digest(&secrets::digest(sent), csrf_hash) {
            return Err(ApiError::forbidden(
                "a cookie-authenticated change needs the session's CSRF token in the X-CSRF-Token header",
            )
            .with_code("csrf_failed"));
        }
    }
    Ok(Some(p))
}

/// A handler argument: the signed-in principal (401 when there is none).
pub struct Auth(pub Principal);

impl Auth {
    /// 403 unless the principal's role includes `role` (and its password is not one-time).
    pub fn require(&self, role: Role) -> Result<&Principal, ApiError> {
        self.0.require(role)?;
        Ok(&self.0)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(Some(p))) => Ok(Auth(p.clone())),
            _ => Err(ApiError::unauthenticated(
                "sign in (POST /api/v1/session) or send Authorization: Bearer <API token>",
            )),
        }
    }
}
