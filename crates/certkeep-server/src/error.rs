//! One error type for every API answer: an HTTP status and
//! `{"error":{"code","message","field"}}` with a stable `code`. Internals (database, Azure
//! transport) are logged with an id and answered with that id only.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use certkeep_azure::AzureError;
use certkeep_engine::EngineError;
use serde::Serialize;

/// An API failure as the client sees it.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable, snake_case: scripts branch on it.
    pub code: &'static str,
    pub message: String,
    /// The input field at fault (a JSON path, a query parameter, a form field).
    pub field: Option<String>,
    /// Sent as `Retry-After` (rate limits).
    pub retry_after: Option<u64>,
    /// Every bad field, when a form had several.
    pub fields: Vec<FieldProblem>,
}

/// One bad field of a form.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `invalid_input`, `not_found`, `forbidden`.
    pub code: String,
    pub message: String,
    /// The input field at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every bad field, when a form had several (`field` is the first).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
            fields: Vec::new(),
        }
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// A bad input field (400).
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_input", message).with_field(field)
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// Something failed inside: logged with an id; the client gets the id only.
    pub fn internal(context: &str, detail: &dyn std::fmt::Display) -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let id = &id[..12];
        tracing::error!(error_id = id, "{context}: {detail}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("internal error (logged as {id})"),
        )
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        let message = e.to_string();
        match e {
            EngineError::Invalid { field, reason } => Self::invalid(field, reason),
            EngineError::Fields { errors } => {
                let field = errors.first().map(|f| f.field.to_string());
                let mut err = Self::new(StatusCode::BAD_REQUEST, "invalid_input", message);
                err.field = field;
                err.fields = errors
                    .iter()
                    .map(|f| FieldProblem {
                        field: f.field.to_string(),
                        message: f.reason.clone(),
                    })
                    .collect();
                err
            }
            EngineError::NotFound { .. } => Self::not_found(message),
            EngineError::Conflict { .. } => Self::new(StatusCode::CONFLICT, "conflict", message),
            EngineError::InProgress { .. } => {
                Self::new(StatusCode::CONFLICT, "in_progress", message)
            }
            EngineError::Refused { .. } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "refused", message)
            }
            EngineError::Partial { .. } => {
                Self::new(StatusCode::BAD_GATEWAY, "partial_failure", message)
            }
            EngineError::Azure(a) => azure(a, message),
            EngineError::Unauthenticated { .. } => Self::unauthenticated(message),
            EngineError::Forbidden { .. } => Self::forbidden(message),
            EngineError::RateLimited { retry_after_secs } => {
                let mut err = Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message);
                err.retry_after = Some(retry_after_secs.max(1) as u64);
                err
            }
            EngineError::Store(s) => Self::internal("database", &s),
            EngineError::Key(k) => Self::internal("master key", &k),
        }
    }
}

/// Azure's refusals are the client's business (which credential, which vault); transport
/// failures are a bad gateway. Engine messages never hold secrets.
fn azure(a: AzureError, message: String) -> ApiError {
    match a {
        AzureError::WrongClientSecret
        | AzureError::ClientSecretExpired
        | AzureError::UnknownApplication
        | AzureError::UnknownTenant
        | AzureError::NoSubscriptionAccess
        | AzureError::SubscriptionNotFound
        | AzureError::VaultAccessDenied { .. } => {
            ApiError::new(StatusCode::BAD_GATEWAY, "azure_refused", message)
        }
        AzureError::NotFound { .. } => {
            ApiError::new(StatusCode::NOT_FOUND, "azure_not_found", message)
        }
        _ => ApiError::new(StatusCode::BAD_GATEWAY, "azure_error", message),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                field: self.field,
                fields: self.fields,
            },
        };
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        resp
    }
}

/// Handlers' result.
pub type ApiResult<T> = Result<T, ApiError>;

/// Answers that axum makes itself (405, a bad path segment, a body that is not multipart) come
/// as plain text; this gives them the API's JSON error shape with a stable code.
pub async fn json_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_server_error() => "internal",
        _ => "invalid_input",
    };
    let text = match axum::body::to_bytes(resp.into_body(), 16 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().to_string(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() || status.is_server_error() {
        status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_string()
    } else {
        text
    };
    ApiError::new(status, code, message).into_response()
}

/// Refuses a NUL character anywhere in the path or query (`%00`): no name, id or filter holds
/// one, and PostgreSQL cannot even take it as a parameter.
pub async fn refuse_nul(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let uri = req.uri();
    let has_nul = |text: &str| text.to_ascii_lowercase().contains("%00");
    if has_nul(uri.path()) || uri.query().is_some_and(has_nul) {
        return ApiError::invalid("url", "a NUL character is not allowed").into_response();
    }
    next.run(req).await
}
