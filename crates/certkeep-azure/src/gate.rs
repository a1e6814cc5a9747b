//! The per-try pipeline policy every Certkeep request to ARM or a vault passes through, right
//! before the transport (so retries and challenge re-sends pass it too):
//! - refuses any URL outside the one origin the pipeline serves (tokens never go elsewhere);
//! - spends a token of the vault's [`RequestBudget`], waiting when it is empty;
//! - holds a permit of the global in-flight cap while the request is on the wire;
//! - on 429/503 pauses the budget for `Retry-After` and caps that wait, so one long
//!   `Retry-After` cannot stall a scan past the retry policy's time limit.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use azure_core::error::ErrorKind;
use azure_core::http::headers::{HeaderName, Headers};
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{AsyncRawResponse, Context, Request, StatusCode, Url};
use tokio::sync::Semaphore;

use crate::budget::RequestBudget;

const RETRY_AFTER: HeaderName = HeaderName::from_static("retry-after");
const RETRY_AFTER_MS: HeaderName = HeaderName::from_static("retry-after-ms");
const X_MS_RETRY_AFTER_MS: HeaderName = HeaderName::from_static("x-ms-retry-after-ms");

/// The longest `Retry-After` honoured as sent; longer ones are shortened to this.
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Raised (inside an SDK error) when a request would leave the pipeline's origin.
#[derive(Debug, thiserror::Error)]
#[error(
    "refused to send a request to '{host}': only {expected} may receive this credential's tokens"
)]
pub struct ForeignHostRefused {
    pub host: String,
    pub expected: String,
}

/// See the module documentation.
#[derive(Debug)]
pub struct RequestGate {
    origin: url::Origin,
    budget: Option<RequestBudget>,
    in_flight: Option<Arc<Semaphore>>,
    max_retry_after: Duration,
}

impl RequestGate {
    /// A gate for requests to `base`'s origin only.
    pub fn new(base: &Url) -> Self {
        Self {
            origin: base.origin(),
            budget: None,
            in_flight: None,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
        }
    }

    pub fn with_budget(mut self, budget: RequestBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    pub fn with_in_flight_cap(mut self, cap: Arc<Semaphore>) -> Self {
        self.in_flight = Some(cap);
        self
    }

    pub fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    async fn after_throttle(&self, response: AsyncRawResponse) -> PolicyResult {
        let Some(wait) = retry_after(response.headers()) else {
            return Ok(response);
        };
        let capped = wait.min(self.max_retry_after);
        crate::metrics::record_throttle_wait(capped);
        if let Some(budget) = &self.budget {
            budget.pause(capped).await;
        }
        if wait <= self.max_retry_after {
            return Ok(response);
        }
        let (status, mut headers, body) = response.deconstruct();
        let bytes = body.collect().await?;
        headers.remove(RETRY_AFTER_MS);
        headers.remove(X_MS_RETRY_AFTER_MS);
        headers.insert(RETRY_AFTER, capped.as_secs().max(1).to_string());
        Ok(AsyncRawResponse::from_bytes(status, headers, bytes))
    }
}

#[async_trait]
impl Policy for RequestGate {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        if request.url().origin() != self.origin {
            return Err(azure_core::Error::new(
                ErrorKind::Other,
                ForeignHostRefused {
                    host: request.url().host_str().unwrap_or_default().to_string(),
                    expected: self.origin.ascii_serialization(),
                },
            ));
        }
        if let Some(budget) = &self.budget {
            budget.acquire().await;
        }
        let permit = match &self.in_flight {
            Some(cap) => Some(cap.acquire().await.map_err(|e| {
                azure_core::Error::with_error(ErrorKind::Other, e, "request cap closed")
            })?),
            None => None,
        };
        let Some((first, rest)) = next.split_first() else {
            return Err(azure_core::Error::with_message(
                ErrorKind::Other,
                "the request gate must not be the last policy",
            ));
        };
        let response = first.send(ctx, request, rest).await;
        drop(permit);
        crate::metrics::record(
            request.url().path(),
            response.as_ref().ok().map(|r| u16::from(r.status())),
        );
        let response = response?;
        match response.status() {
            StatusCode::TooManyRequests | StatusCode::ServiceUnavailable => {
                self.after_throttle(response).await
            }
            _ => Ok(response),
        }
    }
}

/// The wait a 429/503 asks for (`x-ms-retry-after-ms`, `retry-after-ms`, `Retry-After` seconds).
fn retry_after(headers: &Headers) -> Option<Duration> {
    let ms = |h: &HeaderName| {
        headers
            .get_optional_str(h)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_millis)
    };
    ms(&X_MS_RETRY_AFTER_MS)
        .or_else(|| ms(&RETRY_AFTER_MS))
        .or_else(|| {
            headers
                .get_optional_str(&RETRY_AFTER)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs)
        })
}

#[cfg(test)]
#[path = "gate_tests.rs"]
mod tests;
