//! What front ends show: one view type per thing, with names resolved (credential and vault
//! names, not ids) and times as RFC 3339 in UTC. The CLI's JSON, table and CSV, and the API
//! (next) all serialise these same types; field names are a stable contract (add, never rename).

mod certificates;
mod inventory;
mod names;
mod timestamp;

pub use certificates::{CertificateQuery, CertificateView, Listing, ShowVersions, expiry_state};
pub use inventory::{AuditView, IssuerView, SecretView, SyncRunView, VaultView};
pub(crate) use names::Names;
pub use timestamp::Timestamp;

/// The query vocabulary front ends build queries from (defined by the store, used as is).
pub use certkeep_store::{
    AuditFilter, CertificateSort, ExpiryState, IssuerKind, MAX_PAGE_LIMIT, PageRequest, Sans,
    StateCounts, TagFilter, TlsSecretSort,
};

/// Whole days from `now` until `secs` (negative once past).
pub fn days_left(secs: i64, now: i64) -> i64 {
    (secs - now).div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_left_rounds_down() {
        assert_eq!(days_left(86_400 * 3 + 5, 0), 3);
        assert_eq!(days_left(-1, 0), -1);
        assert_eq!(days_left(0, 0), 0);
    }
}
