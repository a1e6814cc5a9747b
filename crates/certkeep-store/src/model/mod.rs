//! The store's public row types (what it returns) and input types (what callers give it).
pub mod api_token;
pub mod audit;
pub mod certificate;
pub mod certificate_page;
pub mod credential;
pub mod exclusion;
pub mod filters;
pub mod job;
pub mod lease;
pub mod login_throttle;
pub mod page;
pub mod request;
pub mod session;
pub mod setting;
pub mod sync_run;
pub mod tls_secret;
pub mod tls_secret_page;
pub mod user;
pub mod vault;

use std::collections::BTreeMap;

/// Azure tags: name → value, kept sorted so equal tag sets store as equal JSON.
pub type Tags = BTreeMap<String, String>;

/// Which versions a listing returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Show {
    /// Only the current version of each name.
    #[default]
    Current,
    /// Only versions that are not current.
    Previous,
    /// Every version.
    All,
}

/// What a batch upsert of versions did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct UpsertCounts {
    /// Versions inserted.
    pub added: usize,
    /// Versions whose stored data changed (including becoming current or present again).
    pub updated: usize,
    /// Versions already stored exactly as given.
    pub unchanged: usize,
}

/// What a full sync of a list (vaults of a credential, issuers of a vault) did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncCounts {
    /// Rows inserted.
    pub added: usize,
    /// Rows whose data changed, or that were missing and are seen again.
    pub updated: usize,
    /// Rows seen again exactly as stored.
    pub unchanged: usize,
    /// Rows not in the list that were newly marked missing (rows are never deleted by a sync).
    pub marked_missing: usize,
}

/// The counts of [`Store::sync_vaults`](crate::Store::sync_vaults).
pub type VaultSyncCounts = SyncCounts;

impl SyncCounts {
    pub(crate) fn to_json(self) -> serde_json::Value {
        serde_json::json!({
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "marked_missing": self.marked_missing,
        })
    }
}
