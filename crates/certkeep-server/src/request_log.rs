//! One structured log line per request: method, route (the pattern, not the path, so no name
//! or id from a URL is logged), status, duration and actor. Never a body, a query string, a
//! cookie or a token.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

/// Who made the request, put in the response's extensions by the authentication step.
#[derive(Clone, Debug)]
pub(crate) struct LoggedActor(pub String);

pub(crate) async fn log(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "(unmatched)".into());
    let resp = next.run(req).await;
    let actor = resp
        .extensions()
        .get::<LoggedActor>()
        .map(|a| a.0.clone())
        .unwrap_or_else(|| "anonymous".into());
    tracing::info!(
        target: "certkeep::http",
        method = %method,
        route = %route,
        status = resp.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        actor = %actor,
        "request"
    );
    resp
}
