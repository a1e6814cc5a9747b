//! Counters of this process's requests to Azure, for Prometheus: every try (retries and
//! challenge re-sends included) by service, route and status, and the time spent paused by
//! throttling. A route is the URL path with every name, version and id replaced by `{}`, so the
//! number of label values stays small whatever the inventory holds.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

/// (service, route, status) → tries.
type Counts = BTreeMap<(&'static str, String, String), u64>;

static REQUESTS: LazyLock<Mutex<Counts>> = LazyLock::new(Mutex::default);
static THROTTLE_WAIT_MICROS: AtomicU64 = AtomicU64::new(0);

/// Path segments kept as they are in a route (lowercase); any other segment is a name.
const KEYWORDS: &[&str] = &[
    "certificates",
    "secrets",
    "keys",
    "deletedcertificates",
    "deletedsecrets",
    "pending",
    "policy",
    "issuers",
    "contacts",
    "create",
    "import",
    "versions",
    "merge",
    "recover",
    "backup",
    "restore",
    "subscriptions",
    "resourcegroups",
    "providers",
    "microsoft.keyvault",
    "vaults",
    "resources",
    "tenants",
];

/// Tries of one (service, route, status).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AzureRequestCount {
    /// `arm` or `keyvault`.
    pub service: &'static str,
    /// For example `/certificates/{}/{}`.
    pub route: String,
    /// The HTTP status, or `error` when no answer came (a transport failure).
    pub status: String,
    pub count: u64,
}

/// The route of a path: keywords kept, everything else `{}`.
pub fn route(path: &str) -> String {
    let mut out = String::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        let lower = segment.to_ascii_lowercase();
        if KEYWORDS.contains(&lower.as_str()) {
            out.push_str(&lower);
        } else {
            out.push_str("{}");
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

fn service(path: &str) -> &'static str {
    if path.to_ascii_lowercase().starts_with("/subscriptions") || path == "/" {
        "arm"
    } else {
        "keyvault"
    }
}

/// Counts one try of a request to `path`, answered with `status` (`None`: no answer).
pub fn record(path: &str, status: Option<u16>) {
    let key = (
        service(path),
        route(path),
        status.map_or_else(|| "error".to_string(), |s| s.to_string()),
    );
    let mut counts = REQUESTS.lock().unwrap_or_else(|e| e.into_inner());
    *counts.entry(key).or_default() += 1;
}

/// Adds a pause a throttling answer (`Retry-After`) imposed.
pub fn record_throttle_wait(wait: Duration) {
    let micros = u64::try_from(wait.as_micros()).unwrap_or(u64::MAX);
    THROTTLE_WAIT_MICROS.fetch_add(micros, Ordering::Relaxed);
}

/// Every count so far, sorted by service, route and status.
pub fn request_counts() -> Vec<AzureRequestCount> {
    let counts = REQUESTS.lock().unwrap_or_else(|e| e.into_inner());
    counts
        .iter()
        .map(|((service, route, status), count)| AzureRequestCount {
            service,
            route: route.clone(),
            status: status.clone(),
            count: *count,
        })
        .collect()
}

/// Seconds spent paused by throttling so far.
pub fn throttle_wait_secs() -> f64 {
    THROTTLE_WAIT_MICROS.load(Ordering::Relaxed) as f64 / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_keep_keywords_and_hide_names() {
        assert_eq!(route("/certificates/web/0a1b2c"), "/certificates/{}/{}");
        assert_eq!(
            route("/certificates/web/pending"),
            "/certificates/{}/pending"
        );
        assert_eq!(route("/secrets"), "/secrets");
        assert_eq!(
            route("/subscriptions/1234/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"),
            "/subscriptions/{}/resourcegroups/{}/providers/microsoft.keyvault/vaults/{}"
        );
        assert_eq!(route(""), "/");
        assert_eq!(service("/subscriptions/1/resources"), "arm");
        assert_eq!(service("/certificates"), "keyvault");
    }

    #[test]
    fn tries_are_counted_by_route_and_status() {
        record("/deletedsecrets/metrics-test-a", Some(200));
        record("/deletedsecrets/metrics-test-b", Some(200));
        record("/deletedsecrets/metrics-test-c", None);
        let mine: Vec<_> = request_counts()
            .into_iter()
            .filter(|c| c.route == "/deletedsecrets/{}")
            .map(|c| (c.status, c.count))
            .collect();
        assert_eq!(mine, [("200".to_string(), 2), ("error".to_string(), 1)]);
        let before = throttle_wait_secs();
        record_throttle_wait(Duration::from_millis(1500));
        assert!(throttle_wait_secs() - before >= 1.5);
    }
}
