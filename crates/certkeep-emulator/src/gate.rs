//! What stands before every emulated Azure call: request counters, fault injection
//! (latency, injected errors, dropped connections, empty pages) and Azure-like throttling.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::http::ApiError;

/// Requests seen, by route id and by vault.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Counters {
    pub total: u64,
    pub by_route: BTreeMap<String, u64>,
    pub by_vault: BTreeMap<String, u64>,
    pub throttled: u64,
    pub injected_errors: u64,
    /// Connections cut before the request was handled (`drop_rate`).
    pub dropped: u64,
    /// Connections cut after the request was handled and its change committed
    /// (`drop_after_commit_rate`).
    pub dropped_after_commit: u64,
}

impl Counters {
    pub fn count(&mut self, route: &str, vault: Option<&str>) {
        self.total += 1;
        *self.by_route.entry(route.to_string()).or_default() += 1;
        if let Some(v) = vault {
            *self.by_vault.entry(v.to_string()).or_default() += 1;
        }
    }
}

/// An error status injected on routes whose id starts with `route` (all routes when absent).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ErrorRule {
    /// 429, 500 or 503 (any 4xx/5xx is accepted).
    pub status: u16,
    /// Probability 0.0–1.0 per request.
    pub rate: f64,
    #[serde(default)]
    pub route: Option<String>,
}

/// Fault injection settings; `PUT /_emulator/faults` replaces them whole.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    /// Fixed delay added to every Azure call.
    #[serde(default)]
    pub latency_ms: u64,
    /// Random extra delay, uniform in 0..=jitter_ms.
    #[serde(default)]
    pub jitter_ms: u64,
    #[serde(default)]
    pub errors: Vec<ErrorRule>,
    /// Probability that the connection is cut mid-response.
    #[serde(default)]
    pub drop_rate: f64,
    /// Limit drops to routes starting with this id.
    #[serde(default)]
    pub drop_route: Option<String>,
    /// Probability that a list page comes back empty but with a nextLink to the same position.
    #[serde(default)]
    pub empty_page_rate: f64,
    /// Limit commit-then-drop faults to routes starting with this id (all routes when absent).
    #[serde(default)]
    pub drop_after_commit_route: Option<String>,
    /// Probability that a successful (2xx) request is handled in full — its change committed —
    /// and then the connection is cut mid-response, so the client cannot tell it succeeded.
    #[serde(default)]
    pub drop_after_commit_rate: f64,
    /// Stop after this many commit-then-drop faults (counted from the last `PUT /_emulator/faults`).
    #[serde(default)]
    pub drop_after_commit_limit: Option<u32>,
}

impl Faults {
    pub fn validate(&self) -> Result<(), String> {
        let rate_ok = |r: f64| (0.0..=1.0).contains(&r);
        if !rate_ok(self.drop_rate)
            || !rate_ok(self.empty_page_rate)
            || !rate_ok(self.drop_after_commit_rate)
        {
            return Err("rates must be between 0.0 and 1.0".into());
        }
        if self.empty_page_rate >= 1.0 {
            return Err("empty_page_rate must be below 1.0 or listings never end".into());
        }
        for e in &self.errors {
            if !rate_ok(e.rate) {
                return Err(format!(
                    "errors[].rate {} must be between 0.0 and 1.0",
                    e.rate
                ));
            }
            if !(400..=599).contains(&e.status) {
                return Err(format!(
                    "errors[].status {} must be a 4xx or 5xx status",
                    e.status
                ));
            }
        }
        Ok(())
    }

    /// The delay to apply to one request.
    pub fn delay(&self) -> Option<Duration> {
        let jitter = if self.jitter_ms > 0 {
            rand::rng().random_range(0..=self.jitter_ms)
        } else {
            0
        };
        let total = self.latency_ms + jitter;
        (total > 0).then(|| Duration::from_millis(total))
    }

    /// An injected error for this route, if the dice say so.
    pub fn injected_error(&self, route: &str) -> Option<ApiError> {
        let mut rng = rand::rng();
        for rule in &self.errors {
            let applies = rule.route.as_deref().is_none_or(|r| route.starts_with(r));
            if applies && rng.random_bool(rule.rate) {
                return Some(injected(rule.status));
            }
        }
        None
    }

    pub fn should_drop(&self, route: &str) -> bool {
        let applies = self
            .drop_route
            .as_deref()
            .is_none_or(|r| route.starts_with(r));
        applies && self.drop_rate > 0.0 && rand::rng().random_bool(self.drop_rate)
    }

    /// Whether to cut the connection after a request to `route` was handled with `status`.
    /// Only successful responses qualify (an error committed nothing). `used` counts the drops
    /// already made under these settings; it is taken from only when the fault fires, so with
    /// a limit of N exactly the first N qualifying requests are dropped at rate 1.0.
    pub fn should_drop_after_commit(
        &self,
        route: &str,
        status: StatusCode,
        used: &AtomicU32,
    ) -> bool {
        let applies = self
            .drop_after_commit_route
            .as_deref()
            .is_none_or(|r| route.starts_with(r));
        if !applies
            || !status.is_success()
            || self.drop_after_commit_rate <= 0.0
            || !rand::rng().random_bool(self.drop_after_commit_rate)
        {
            return false;
        }
        let limit = self.drop_after_commit_limit;
        used.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
            limit.is_none_or(|l| n < l).then_some(n + 1)
        })
        .is_ok()
    }

    pub fn empty_page(&self) -> bool {
        self.empty_page_rate > 0.0 && rand::rng().random_bool(self.empty_page_rate)
    }
}

fn injected(status: u16) -> ApiError {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match status {
        429 => throttled(1),
        503 => ApiError::new(
            code,
            "ServiceUnavailable",
            "The service is temporarily unavailable. Please retry.",
        )
        .header("Retry-After", "1"),
        500 => ApiError::new(
            code,
            "InternalServerError",
            "An unexpected error occurred while processing the request.",
        ),
        _ => ApiError::new(
            code,
            "InjectedFault",
            format!("Fault injected by the emulator (HTTP {status})"),
        ),
    }
}

/// Key Vault's 429 body.
pub fn throttled(retry_after: u64) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "Throttled",
        "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached",
    )
    .header("Retry-After", retry_after.to_string())
}

/// A response whose body breaks off: the client sees the connection drop mid-response.
pub fn dropped_response() -> Response {
    let chunks: Vec<Result<&'static [u8], std::io::Error>> = vec![
        Ok(b"{\"value\":[{\"id\":\"" as &[u8]),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "dropped by the emulator",
        )),
    ];
    let mut resp = Response::new(Body::from_stream(futures::stream::iter(chunks)));
    resp.headers_mut().insert(
        axum::http::header::CONTENT_LENGTH,
        axum::http::HeaderValue::from_static("4096"),
    );
    resp
}

/// Throttle limits: Key Vault allows `vault_requests` per `window_secs` per vault, and the
/// subscription `subscription_multiplier` times that.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ThrottleSettings {
    pub enabled: bool,
    pub vault_requests: u32,
    pub window_secs: f64,
    pub subscription_multiplier: f64,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            vault_requests: 4000,
            window_secs: 10.0,
            subscription_multiplier: 5.0,
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Token buckets per vault and per subscription.
#[derive(Debug, Default)]
pub struct Throttle {
    pub settings: ThrottleSettings,
    vaults: HashMap<String, Bucket>,
    subscriptions: HashMap<String, Bucket>,
    arm: HashMap<String, Bucket>,
}

impl Throttle {
    pub fn new(settings: ThrottleSettings) -> Self {
        Self {
            settings,
            ..Default::default()
        }
    }

    pub fn set(&mut self, settings: ThrottleSettings) {
        self.settings = settings;
        self.vaults.clear();
        self.subscriptions.clear();
        self.arm.clear();
    }

    /// ARM reads: 250 burst, refilled at 25 per second, per principal per subscription.
    pub fn take_arm(&mut self, key: &str) -> Result<(), u64> {
        if !self.settings.enabled {
            return Ok(());
        }
        let tokens = refill(&mut self.arm, key, 250.0, 10.0, Instant::now());
        if tokens < 1.0 {
            return Err(1);
        }
        if let Some(b) = self.arm.get_mut(key) {
            b.tokens -= 1.0;
        }
        Ok(())
    }

    /// Takes one token from both buckets, or says how many seconds to wait.
    pub fn take(&mut self, vault: &str, subscription: &str) -> Result<(), u64> {
        if !self.settings.enabled {
            return Ok(());
        }
        let s = &self.settings;
        let vault_cap = s.vault_requests.max(1) as f64;
        let sub_cap = vault_cap * s.subscription_multiplier.max(1.0);
        let window = s.window_secs.max(0.001);
        let now = Instant::now();
        let v = refill(&mut self.vaults, vault, vault_cap, window, now);
        let sb = refill(&mut self.subscriptions, subscription, sub_cap, window, now);
        if v < 1.0 || sb < 1.0 {
            let wait_v = (1.0 - v).max(0.0) * window / vault_cap;
            let wait_s = (1.0 - sb).max(0.0) * window / sub_cap;
            return Err(wait_v.max(wait_s).ceil().max(1.0) as u64);
        }
        if let Some(b) = self.vaults.get_mut(vault) {
            b.tokens -= 1.0;
        }
        if let Some(b) = self.subscriptions.get_mut(subscription) {
            b.tokens -= 1.0;
        }
        Ok(())
    }
}

fn refill(
    map: &mut HashMap<String, Bucket>,
    key: &str,
    cap: f64,
    window: f64,
    now: Instant,
) -> f64 {
    let b = map.entry(key.to_string()).or_insert(Bucket {
        tokens: cap,
        last: now,
    });
    let elapsed = now.duration_since(b.last).as_secs_f64();
    b.tokens = (b.tokens + elapsed * cap / window).min(cap);
    b.last = now;
    b.tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_empties_then_asks_to_wait() {
        let mut t = Throttle::new(ThrottleSettings {
            enabled: true,
            vault_requests: 5,
            window_secs: 10.0,
            subscription_multiplier: 5.0,
        });
        for _ in 0..5 {
            t.take("a", "s").unwrap();
        }
        assert_eq!(t.take("a", "s"), Err(2));
        // Another vault in the same subscription still has its own budget.
        t.take("b", "s").unwrap();
    }

    #[test]
    fn subscription_ceiling_is_shared() {
        let mut t = Throttle::new(ThrottleSettings {
            enabled: true,
            vault_requests: 2,
            window_secs: 100.0,
            subscription_multiplier: 1.0,
        });
        t.take("a", "s").unwrap();
        t.take("b", "s").unwrap();
        assert!(t.take("c", "s").is_err());
    }

    #[test]
    fn fault_settings_are_checked() {
        let mut f = Faults::default();
        assert!(f.validate().is_ok());
        f.empty_page_rate = 1.0;
        assert!(f.validate().is_err());
        f.empty_page_rate = 0.0;
        f.errors.push(ErrorRule {
            status: 200,
            rate: 0.5,
            route: None,
        });
        assert!(f.validate().is_err());
        f.errors.clear();
        f.drop_after_commit_rate = 1.5;
        assert!(f.validate().is_err());
    }

    #[test]
    fn drop_after_commit_respects_route_status_and_limit() {
        let f = Faults {
            drop_after_commit_route: Some("kv.certificates.create".into()),
            drop_after_commit_rate: 1.0,
            drop_after_commit_limit: Some(2),
            ..Default::default()
        };
        let used = AtomicU32::new(0);
        let created = StatusCode::ACCEPTED;
        assert!(!f.should_drop_after_commit("kv.secrets.set", StatusCode::OK, &used));
        assert!(!f.should_drop_after_commit("kv.certificates.create", StatusCode::CONFLICT, &used));
        assert_eq!(used.load(Ordering::SeqCst), 0);
        assert!(f.should_drop_after_commit("kv.certificates.create", created, &used));
        assert!(f.should_drop_after_commit("kv.certificates.create", created, &used));
        assert!(!f.should_drop_after_commit("kv.certificates.create", created, &used));
        assert_eq!(used.load(Ordering::SeqCst), 2);
    }
}
