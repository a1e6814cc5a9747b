//! What a discovery of a bulk estate must cost at least: requests, the longest chain of calls
//! that wait for each other, and the floor on wall time those give (see `docs/benchmarks.md`).

use certkeep_emulator::demo::BulkSpec;

/// Key Vault's largest list page.
pub(crate) const PAGE: usize = 25;

/// List pages for `n` items (an empty listing is still one page).
pub(crate) fn pages(n: usize) -> usize {
    n.div_ceil(PAGE).max(1)
}

/// Data-plane requests one vault needs (no token, no challenge).
pub(crate) fn full_requests_per_vault(s: BulkSpec) -> usize {
    pages(s.certs) + s.certs * (pages(s.versions) + s.versions)
}

/// Data-plane requests of an unchanged re-sync of one vault: its certificate listing only.
pub(crate) fn resync_requests_per_vault(s: BulkSpec) -> usize {
    pages(s.certs)
}

/// The longest chain of dependent calls in a full all-versions discovery when everything that
/// may run at once does: the vault's listing pages one after another (each needs the previous
/// page's nextLink), then one certificate's version listing, then a GET of a version.
pub(crate) fn chain(s: BulkSpec) -> usize {
    pages(s.certs) + pages(s.versions) + 1
}

/// The same chain as the engine walks it today: it GETs a certificate's versions one after
/// another, so each version adds a link.
pub(crate) fn engine_chain(s: BulkSpec) -> usize {
    pages(s.certs) + pages(s.versions) + s.versions
}

/// The budget and latency a run is measured against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Each vault's budget, requests per second (`--requests-per-10s` / 10).
    pub(crate) per_vault_rate: f64,
    /// Each vault's bucket size (requests that may go at once after a quiet spell).
    pub(crate) burst: f64,
    /// Vaults discovered at the same time.
    pub(crate) vaults_at_once: usize,
    /// Latency added to every call, seconds.
    pub(crate) latency: f64,
}

impl Limits {
    /// Requests per second the budgets allow across the vaults discovered at once.
    pub(crate) fn total_rate(&self) -> f64 {
        self.per_vault_rate * self.vaults_at_once.max(1) as f64
    }
}

/// The floor of a run and its two parts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Floor {
    /// requests ÷ the budgets' requests per second.
    pub(crate) budget: f64,
    /// chain × latency.
    pub(crate) latency: f64,
}

impl Floor {
    pub(crate) fn new(requests: u64, chain: usize, limits: &Limits) -> Self {
        Self {
            budget: requests as f64 / limits.total_rate(),
            latency: chain as f64 * limits.latency,
        }
    }

    pub(crate) fn seconds(&self) -> f64 {
        self.budget.max(self.latency)
    }

    /// Which part decides the floor.
    pub(crate) fn bound_by(&self) -> &'static str {
        if self.budget >= self.latency {
            "budget"
        } else {
            "latency chain"
        }
    }
}

/// A lower bound that also counts each vault's initial burst: a full bucket lets `burst`
/// requests go at once, so only the rest wait for the refill. Below the [`Floor`] whenever a
/// vault needs fewer than `burst + rate × floor` requests.
pub(crate) fn burst_aware_floor(requests_per_vault: f64, chain: usize, limits: &Limits) -> f64 {
    let refill = (requests_per_vault - limits.burst).max(0.0) / limits.per_vault_rate;
    refill.max(chain as f64 * limits.latency)
}

/// What the engine's shape and concurrency alone allow: a vault's listing pages, then its
/// certificates `item_concurrency` at a time, each walking [`engine_chain`]'s per-certificate
/// part (version listing, then every version one after another), every call costing the latency.
pub(crate) fn concurrency_bound(s: BulkSpec, item_concurrency: usize, latency: f64) -> f64 {
    let rounds = s.certs.div_ceil(item_concurrency.max(1));
    (pages(s.certs) + rounds * (pages(s.versions) + s.versions)) as f64 * latency
}

/// Concurrency that keeps every vault's budget busy: each certificate is a chain of calls, one
/// on the wire at a time, each taking the latency plus a few milliseconds of work, so a vault
/// needs `rate × (latency + work)` certificates in progress; twice that absorbs the jitter.
pub(crate) fn item_concurrency_for(per_vault_rate: f64, latency: f64) -> usize {
    let per_item = latency + 0.005;
    ((2.0 * per_vault_rate * per_item).ceil() as usize).max(4)
}

/// The calls one renewal makes, in the order they wait for each other (Key Vault's answer to
/// each is needed before the next is sent): the renewal reads the policy (Key Vault's issuer
/// decides, not the inventory), checks for a pending operation, updates the policy's validity,
/// then `create_certificate_safely` checks for a pending operation again and sends the create;
/// after the issuance delay the poller reads the pending operation (completed) and GETs the
/// new version to store it.
pub(crate) const RENEW_CALLS: [&str; 7] = [
    "kv.certificates.policy.get",
    "kv.certificates.pending.get",
    "kv.certificates.policy.update",
    "kv.certificates.pending.get",
    "kv.certificates.create",
    "kv.certificates.pending.get",
    "kv.certificates.get",
];

/// The floor of a bulk renewal: the larger of one renewal's chain (issuance delay + its
/// sequential calls × latency) and requests ÷ the budgets of the vaults renewed at once.
pub(crate) fn renew_floor(
    requests: u64,
    chain: usize,
    issuance_delay: f64,
    limits: &Limits,
) -> Floor {
    let mut f = Floor::new(requests, chain, limits);
    f.latency += issuance_delay;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(vaults: usize, certs: usize, versions: usize) -> BulkSpec {
        BulkSpec {
            vaults,
            certs,
            versions,
        }
    }

    #[test]
    fn requests_and_chains_of_the_reference_size() {
        let s = spec(10, 500, 5);
        assert_eq!(pages(500), 20);
        assert_eq!(full_requests_per_vault(s), 20 + 500 * 6);
        assert_eq!(resync_requests_per_vault(s), 20);
        assert_eq!(chain(s), 22);
        assert_eq!(engine_chain(s), 26);
        let small = spec(2, 50, 3);
        assert_eq!(full_requests_per_vault(small), 2 + 50 * 4);
        assert_eq!(chain(small), 4);
        assert_eq!(pages(0), 1);
        assert_eq!(pages(26), 2);
    }

    #[test]
    fn floor_takes_the_larger_part() {
        let limits = Limits {
            per_vault_rate: 200.0,
            burst: 2000.0,
            vaults_at_once: 10,
            latency: 0.020,
        };
        let f = Floor::new(30_200, 22, &limits);
        assert!((f.budget - 15.1).abs() < 1e-9);
        assert!((f.latency - 0.44).abs() < 1e-9);
        assert_eq!(f.bound_by(), "budget");
        assert!((f.seconds() - 15.1).abs() < 1e-9);
        // 3,020 requests a vault, 2,000 of them in the burst: 1,020 at 200/s.
        assert!((burst_aware_floor(3020.0, 22, &limits) - 5.1).abs() < 1e-9);
        let tiny = Floor::new(10, 22, &limits);
        assert_eq!(tiny.bound_by(), "latency chain");
    }

    #[test]
    fn concurrency_bound_of_the_reference_size() {
        // 20 pages, then 50 rounds of 10 certificates, each 1 version listing + 5 GETs.
        let b = concurrency_bound(spec(10, 500, 5), 10, 0.020);
        assert!((b - (20 + 50 * 6) as f64 * 0.020).abs() < 1e-9, "{b}");
    }

    #[test]
    fn item_concurrency_covers_the_budget() {
        assert_eq!(item_concurrency_for(200.0, 0.020), 10);
        assert_eq!(item_concurrency_for(10.0, 0.0), 4);
    }

    #[test]
    fn renew_floor_of_the_reference_size() {
        let limits = Limits {
            per_vault_rate: 200.0,
            burst: 2000.0,
            vaults_at_once: 5,
            latency: 0.020,
        };
        // 500 renewals x 7 requests over 5 vaults at 200/s each: 3.5 s; chain 1 s + 7 x 20 ms.
        let f = renew_floor(3500, RENEW_CALLS.len(), 1.0, &limits);
        assert!((f.budget - 3.5).abs() < 1e-9);
        assert!((f.latency - 1.14).abs() < 1e-9);
        assert_eq!(f.bound_by(), "budget");
        let small = renew_floor(700, RENEW_CALLS.len(), 1.0, &limits);
        assert!((small.seconds() - 1.14).abs() < 1e-9);
    }
}
