//! One structured log line per request: request id, method, route (the pattern, not the path,
//! so no name or id from a URL is logged), status, duration and actor. Never a body, a query
//! string, a cookie or a token.
//!
//! The request id is the client's `X-Request-Id` when it is a plain token (a proxy's, so its
//! logs and ours line up), else a new UUID; the answer carries it back.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

const REQUEST_ID: &str = "x-request-id";

/// The client's request id if it is 1–64 characters of letters, digits, `-`, `_` and `.`.
fn given_request_id(req: &Request) -> Option<String> {
    let id = req.headers().get(REQUEST_ID)?.to_str().ok()?;
    let plain = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    plain.then(|| id.to_string())
}

/// Who made the request, put in the response's extensions by the authentication step.
#[derive(Clone, Debug)]
pub(crate) struct LoggedActor(pub String);

pub(crate) async fn log(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id =
        given_request_id(&req).unwrap_or_else(|| uuid::Uuid::new_v4().hyphenated().to_string());
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "(unmatched)".into());
    let mut resp = next.run(req).await;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert(REQUEST_ID, value);
    }
    let actor = resp
        .extensions()
        .get::<LoggedActor>()
        .map(|a| a.0.clone())
        .unwrap_or_else(|| "anonymous".into());
    tracing::info!(
        target: "certkeep::http",
        request_id = %request_id,
        method = %method,
        route = %route,
        status = resp.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        actor = %actor,
        "request"
    );
    resp
}
