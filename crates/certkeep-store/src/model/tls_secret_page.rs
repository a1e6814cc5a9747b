//! Paginated TLS secret queries: the filter, sort keys and facets.
use crate::model::Show;
use crate::model::page::{DEFAULT_HEALTHY_AFTER_SECS, ExpiryState, StateCounts, TagFilter};
use crate::model::tls_secret::{TlsSecret, TlsSecretFilter};
use crate::{CredentialId, VaultId};

/// A TLS secret row holds no certificate bytes, so its summary is the row itself.
pub type TlsSecretSummary = TlsSecret;

/// Which TLS secret versions [`Store::tls_secret_page`](crate::Store::tls_secret_page) returns:
/// the fields of [`TlsSecretFilter`] plus the paginated query's. (`TlsSecretFilter` itself is
/// unchanged, because callers build it field by field; `From<TlsSecretFilter>` converts.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSecretPageFilter {
    /// Current, previous or all versions.
    pub show: Show,
    /// Only this vault.
    pub vault: Option<VaultId>,
    /// Only vaults of this credential.
    pub credential: Option<CredentialId>,
    /// Only versions whose expiry attribute is before this (Unix seconds).
    pub expiring_before: Option<i64>,
    /// Case-insensitive substring of the name.
    pub search: Option<String>,
    /// Also return versions marked missing.
    pub include_missing: bool,
    /// Only these vaults (any of them); empty means every vault.
    pub vaults: Vec<VaultId>,
    /// Only this expiry state (of the expiry attribute), evaluated against `now`.
    pub state: Option<ExpiryState>,
    /// "Now" for `state`, Unix seconds.
    pub now: i64,
    /// [`ExpiryState::Healthy`]: expiry later than `now + healthy_after_secs`, or none
    /// (default 30 days).
    pub healthy_after_secs: i64,
    /// Only versions with this tag.
    pub tag: Option<TagFilter>,
    /// Only this exact name.
    pub name: Option<String>,
}

impl Default for TlsSecretPageFilter {
    fn default() -> Self {
        TlsSecretFilter::default().into()
    }
}

impl From<TlsSecretFilter> for TlsSecretPageFilter {
    fn from(f: TlsSecretFilter) -> Self {
        Self {
            show: f.show,
            vault: f.vault,
            credential: f.credential,
            expiring_before: f.expiring_before,
            search: f.search,
            include_missing: f.include_missing,
            vaults: Vec::new(),
            state: None,
            now: 0,
            healthy_after_secs: DEFAULT_HEALTHY_AFTER_SECS,
            tag: None,
            name: None,
        }
    }
}

/// The sort key of [`Store::tls_secret_page`](crate::Store::tls_secret_page). Secrets without an
/// expiry sort last in both directions; ties are ordered by name, then id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TlsSecretSort {
    /// The expiry attribute.
    #[default]
    Expiry,
    /// The name.
    Name,
    /// The vault's name.
    Vault,
    /// Key Vault's created attribute.
    Created,
}

/// Counts of the TLS secret versions matching a filter, by facet (see
/// [`Store::tls_secret_facets`](crate::Store::tls_secret_facets)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsSecretFacets {
    /// By vault.
    pub by_vault: Vec<(VaultId, u64)>,
    /// By content type.
    pub by_content_type: Vec<(String, u64)>,
    /// By expiry state.
    pub by_state: StateCounts,
}
