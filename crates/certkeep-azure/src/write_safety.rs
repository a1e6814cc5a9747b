//! What keeps a non-idempotent write (certificate create, merge, secret set) from being sent
//! twice: those go through clients whose SDK retry is off, and [`send_once`] repeats a request
//! only when the service certainly did not process it — a 429 or 503 carrying `Retry-After`
//! (the [`crate::gate::RequestGate`] has already paused the vault's budget for that long), or a
//! connection that could not be opened. Anything else that may have reached the service (a
//! timeout, a connection dropped mid-answer, a 5xx without `Retry-After`, an unreadable 2xx) is
//! [`Outcome::Ambiguous`]: the caller checks the vault's state instead of resending.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use azure_core::error::ErrorKind;
use azure_core::http::headers::{HeaderName, Headers};
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{AsyncRawResponse, Context, Method, Request, StatusCode};

use crate::AzureError;
use crate::classify::classify_vault;
use crate::gate::ForeignHostRefused;

const RETRY_AFTER: HeaderName = HeaderName::from_static("retry-after");
const RETRY_AFTER_MS: HeaderName = HeaderName::from_static("retry-after-ms");
const X_MS_RETRY_AFTER_MS: HeaderName = HeaderName::from_static("x-ms-retry-after-ms");

/// Attempts of one write, the first included, when the service keeps saying "not processed".
pub(crate) const MAX_WRITE_ATTEMPTS: u32 = 6;
/// First wait after a connection that could not be opened; doubled each time.
const CONNECT_BACKOFF: Duration = Duration::from_millis(250);

/// How a failed write attempt must be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Certainly not processed: it may be sent again (after `wait`, beyond the gate's pause).
    NotProcessed { wait: Duration },
    /// Maybe processed: never send it again; look at the vault instead.
    Ambiguous,
    /// Refused by the service, or never sent (foreign host, no token): final.
    Refused,
}

fn has_retry_after(h: &Headers) -> bool {
    [RETRY_AFTER, RETRY_AFTER_MS, X_MS_RETRY_AFTER_MS]
        .iter()
        .any(|n| h.get_optional_str(n).is_some())
}

fn azure_errors(e: &azure_core::Error) -> impl Iterator<Item = &azure_core::Error> {
    std::iter::successors(
        Some(e as &(dyn std::error::Error + 'static)),
        |c: &&(dyn std::error::Error + 'static)| (*c).source(),
    )
    .filter_map(|c| c.downcast_ref::<azure_core::Error>())
}

/// Judges one failed attempt (`attempt` counts from 0, for the connection backoff).
pub(crate) fn verdict(e: &azure_core::Error, attempt: u32) -> Verdict {
    let refused_locally = std::iter::successors(
        Some(e as &(dyn std::error::Error + 'static)),
        |c: &&(dyn std::error::Error + 'static)| (*c).source(),
    )
    .any(|c| c.downcast_ref::<ForeignHostRefused>().is_some());
    if refused_locally {
        return Verdict::Refused;
    }
    for err in azure_errors(e) {
        match err.kind() {
            ErrorKind::HttpResponse {
                status,
                raw_response,
                ..
            } => {
                let retry_after = raw_response
                    .as_ref()
                    .is_some_and(|r| has_retry_after(r.headers()));
                return match *status {
                    StatusCode::TooManyRequests | StatusCode::ServiceUnavailable if retry_after => {
                        Verdict::NotProcessed {
                            wait: Duration::ZERO,
                        }
                    }
                    // Throttled without a wait: not processed either, but with nothing to honour
                    // it is reported rather than hammered.
                    StatusCode::TooManyRequests => Verdict::Refused,
                    s if u16::from(s) >= 500 || s == StatusCode::RequestTimeout => {
                        Verdict::Ambiguous
                    }
                    _ => Verdict::Refused,
                };
            }
            // reqwest's `is_connect`: the connection was never opened, so nothing was sent.
            ErrorKind::Connection => {
                let wait = CONNECT_BACKOFF * 2u32.saturating_pow(attempt.min(5));
                return Verdict::NotProcessed { wait };
            }
            // No token: the request never left.
            ErrorKind::Credential => return Verdict::Refused,
            _ => {}
        }
    }
    // Io (timeouts, resets, a body cut short), DataConversion (a 2xx we could not read), other.
    Verdict::Ambiguous
}

/// A write attempt that failed for good.
#[derive(Debug)]
pub(crate) struct WriteFailure {
    pub(crate) error: azure_core::Error,
    pub(crate) ambiguous: bool,
}

/// Runs `attempt` until it succeeds, or fails in a way that forbids sending it again.
pub(crate) async fn send_once<T, F, Fut>(mut attempt: F) -> Result<T, WriteFailure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = azure_core::Result<T>>,
{
    let mut n = 0;
    loop {
        let error = match attempt().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        match verdict(&error, n) {
            Verdict::NotProcessed { wait } if n + 1 < MAX_WRITE_ATTEMPTS => {
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
                n += 1;
            }
            Verdict::NotProcessed { .. } | Verdict::Refused => {
                return Err(WriteFailure {
                    error,
                    ambiguous: false,
                });
            }
            Verdict::Ambiguous => {
                return Err(WriteFailure {
                    error,
                    ambiguous: true,
                });
            }
        }
    }
}

/// Like [`classify_vault`], with what a writer must tell apart:
/// - 409 → [`AzureError::Conflict`]; with inner code `ObjectIsDeletedButRecoverable` →
///   [`AzureError::DeletedButRecoverable`];
/// - 403 that is not about access (an error body without `ForbiddenByRbac`/`AccessDenied`
///   inner code and without a word of permission), e.g. "Pending status must be in progress
///   to allow update." → [`AzureError::Conflict`]: the object's state, not the caller's rights, refused it.
pub(crate) fn classify_write(e: &azure_core::Error, vault: &str, name: &str) -> AzureError {
    let codes = error_codes(e);
    let has_code = |c: &str| codes.iter().any(|x| x.eq_ignore_ascii_case(c));
    match crate::classify::classify(e) {
        AzureError::Http {
            status: 409,
            message,
            ..
        } => {
            if has_code("ObjectIsDeletedButRecoverable") {
                AzureError::DeletedButRecoverable {
                    name: name.to_string(),
                }
            } else {
                AzureError::Conflict { message }
            }
        }
        AzureError::Http {
            status: 403,
            message,
            ..
        } if !codes.is_empty()
            && !has_code("ForbiddenByRbac")
            && !has_code("AccessDenied")
            && !about_access(&message) =>
        {
            AzureError::Conflict { message }
        }
        _ => classify_vault(e, vault),
    }
}

fn about_access(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.is_empty()
        || [
            "permission",
            "authoriz",
            "access",
            "rbac",
            "caller",
            "forbidden",
        ]
        .iter()
        .any(|w| m.contains(w))
}

/// Every `code` in the error body, `innererror`s included.
fn error_codes(e: &azure_core::Error) -> Vec<String> {
    let mut out = Vec::new();
    for err in azure_errors(e) {
        if let ErrorKind::HttpResponse {
            error_code,
            raw_response,
            ..
        } = err.kind()
        {
            out.extend(error_code.clone());
            let body: Option<serde_json::Value> = raw_response
                .as_ref()
                .and_then(|r| serde_json::from_slice(r.body()).ok());
            let mut node = body.as_ref().and_then(|b| b.get("error"));
            while let Some(n) = node {
                if let Some(c) = n.get("code").and_then(|c| c.as_str()) {
                    out.push(c.to_string());
                }
                node = n.get("innererror");
            }
        }
    }
    out
}

/// Certkeep reads a create's first answer only and never polls through the SDK: this per-call
/// policy sets `Retry-After: 0` on that answer so the SDK's poller yields it at once instead of
/// sleeping for the poll interval first.
#[derive(Debug, Default)]
pub(crate) struct FirstAnswerNow;

#[async_trait]
impl Policy for FirstAnswerNow {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let is_create =
            request.method() == Method::Post && request.url().path().ends_with("/create");
        let Some((first, rest)) = next.split_first() else {
            return Err(azure_core::Error::with_message(
                ErrorKind::Other,
                "FirstAnswerNow must not be the last policy",
            ));
        };
        let response = first.send(ctx, request, rest).await?;
        if !is_create || !response.status().is_success() || !has_retry_after(response.headers()) {
            return Ok(response);
        }
        let (status, mut headers, body) = response.deconstruct();
        let bytes = body.collect().await?;
        headers.remove(RETRY_AFTER_MS);
        headers.remove(X_MS_RETRY_AFTER_MS);
        headers.insert(RETRY_AFTER, "0");
        Ok(AsyncRawResponse::from_bytes(status, headers, bytes))
    }
}

#[cfg(test)]
#[path = "write_safety_tests.rs"]
mod tests;
