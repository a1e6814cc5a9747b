//! Request bodies and query strings, parsed so that every mistake gets a 4xx naming the
//! problem: bad JSON, a wrong type, an unknown or missing field (with its path), a body over
//! the limit (413), a body that is not JSON (415).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest JSON body, in bytes (uploads have their own limit).
pub const MAX_JSON_BYTES: usize = 256 * 1024;
/// The largest multipart upload (a PFX with its form), in bytes.
pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;

/// A JSON body. Input types deny unknown fields.
pub struct ApiJson<T>(pub T);

fn body_error(e: axum::extract::rejection::BytesRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is larger than the limit of {MAX_JSON_BYTES} bytes"),
        )
    } else {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", e.body_text())
    }
}

/// Parses JSON, naming the path of a wrong field (`policy.key_size`) in `field`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // No field holds a NUL (and PostgreSQL cannot store one).
    if bytes.contains(&0) || bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return Err(ApiError::invalid("body", "a NUL character is not allowed"));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = serde_path_to_error::deserialize::<_, T>(&mut de);
    let value = match parsed {
        Ok(v) => v,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let (code, message) = match inner.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => (
                    "invalid_json",
                    format!("the body is not valid JSON: {inner}"),
                ),
                _ => ("invalid_input", inner.to_string()),
            };
            let mut err = ApiError::new(StatusCode::BAD_REQUEST, code, message);
            if path != "." && path != "?" && !path.is_empty() {
                err.field = Some(path);
            } else if let Some(name) = missing_field(&inner.to_string()) {
                err.field = Some(name);
            }
            return Err(err);
        }
    };
    de.end().map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    Ok(value)
}

/// serde says "missing field `name`" at the level of the struct that lacks it.
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_string())
}

impl<T: DeserializeOwned> ApiJson<T> {
    /// Parses a request's body (for handlers that read headers first).
    pub async fn from_request_inner(req: Request) -> Result<Self, ApiError> {
        <Self as FromRequest<()>>::from_request(req, &()).await
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                let v = v.trim().to_ascii_lowercase();
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(body_error)?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A query string, parsed with the same errors (unknown parameters are refused).
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded_de(query);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(v) => Ok(ApiQuery(v)),
            Err(e) => {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                let field = if path != "." && path != "?" && !path.is_empty() {
                    Some(path)
                } else {
                    missing_field(&message).or_else(|| unknown_field(&message))
                };
                let mut err = ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    format!("query string: {message}"),
                );
                err.field = field;
                Err(err)
            }
        }
    }
}

/// serde says "unknown field `x`, expected one of ...".
fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(rest.split('`').next()?.to_string())
}

/// serde_urlencoded's deserializer over the query (it reads numbers and booleans from text).
fn serde_urlencoded_de(query: &str) -> serde_urlencoded::Deserializer<'_> {
    serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()))
}
