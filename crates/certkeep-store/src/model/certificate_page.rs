//! Paginated certificate queries: summaries without DER, sort keys and facets.
use crate::model::Tags;
use crate::model::certificate::{CertificateSource, Sans};
use crate::model::page::StateCounts;
use crate::{CertificateId, VaultId};

/// What kind of issuer a certificate's policy names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IssuerKind {
    /// Policy issuer `Self` (case-insensitive).
    SelfSigned,
    /// Any other named issuer (an integrated CA such as DigiCert or GlobalSign).
    IntegratedCa,
    /// Policy issuer `Unknown` (case-insensitive) or none (for example a TLS secret's certificate).
    Unknown,
}

impl IssuerKind {
    /// The kind of a policy issuer name.
    pub fn of(policy_issuer: Option<&str>) -> Self {
        match policy_issuer {
            None => Self::Unknown,
            Some(name) if name.eq_ignore_ascii_case("self") => Self::SelfSigned,
            Some(name) if name.eq_ignore_ascii_case("unknown") => Self::Unknown,
            Some(_) => Self::IntegratedCa,
        }
    }

    /// `self_signed`, `integrated_ca` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SelfSigned => "self_signed",
            Self::IntegratedCa => "integrated_ca",
            Self::Unknown => "unknown",
        }
    }
}

/// The sort key of [`Store::certificate_page`](crate::Store::certificate_page). Rows that tie
/// are ordered by name, then id (ascending), so pages are stable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CertificateSort {
    /// The certificate's notAfter.
    #[default]
    NotAfter,
    /// The name.
    Name,
    /// The vault's name.
    Vault,
    /// The subject DN.
    Subject,
    /// The policy issuer name (`Unknown` when there is none).
    Issuer,
    /// The key type.
    KeyType,
    /// When the version was first discovered.
    DiscoveredAt,
}

/// A certificate version without its DER: every stored column except `der`. The DER column is
/// never read for a summary (the query selects only these columns).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateSummary {
    /// Its id.
    pub id: CertificateId,
    /// The vault it is in.
    pub vault_id: VaultId,
    /// Certificate (or secret) name.
    pub name: String,
    /// Version id.
    pub version: String,
    /// The stored current flag.
    pub is_current: bool,
    /// Where it was found.
    pub source: CertificateSource,
    /// The backing secret's name.
    pub source_secret_name: Option<String>,
    /// The backing secret's version.
    pub source_secret_version: Option<String>,
    /// The Key Vault id (URL) of this version.
    pub kv_id: String,
    /// Base64url SHA-1 thumbprint.
    pub x5t: String,
    /// Key Vault's enabled attribute.
    pub is_enabled: bool,
    /// Key Vault's created attribute.
    pub kv_created: i64,
    /// Key Vault's updated attribute.
    pub kv_updated: i64,
    /// Key Vault's not-before attribute.
    pub nbf: Option<i64>,
    /// Key Vault's expires attribute.
    pub exp: Option<i64>,
    /// Key Vault tags.
    pub tags: Tags,
    /// The policy's issuer name.
    pub policy_issuer: Option<String>,
    /// Content type.
    pub content_type: Option<String>,
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer_dn: String,
    /// Serial number, lowercase hex.
    pub serial_hex: String,
    /// Subject alternative names.
    pub sans: Sans,
    /// Key usages.
    pub key_usage: Vec<String>,
    /// Whether the key usage extension is critical.
    pub is_key_usage_critical: bool,
    /// Extended key usage OIDs.
    pub ekus: Vec<String>,
    /// Whether the extended key usage extension is critical.
    pub is_eku_critical: bool,
    /// Key type.
    pub key_type: String,
    /// Key size in bits.
    pub key_size: i32,
    /// Curve name for EC keys.
    pub key_curve: Option<String>,
    /// Signature algorithm name.
    pub signature_algorithm: String,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// SHA-1 of the DER, lowercase hex.
    pub sha1_hex: String,
    /// SHA-256 of the DER, lowercase hex.
    pub sha256_hex: String,
    /// True when discovery no longer finds it.
    pub is_missing: bool,
    /// Unix seconds of the first discovery.
    pub discovered_at: i64,
    /// Unix seconds of the last discovery that changed it.
    pub refreshed_at: i64,
}

impl CertificateSummary {
    /// The kind of the policy issuer.
    pub fn issuer_kind(&self) -> IssuerKind {
        IssuerKind::of(self.policy_issuer.as_deref())
    }
}

/// Counts of the versions matching a filter, by facet (see
/// [`Store::certificate_facets`](crate::Store::certificate_facets)). Each list but `by_tag` is
/// sorted by its key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertificateFacets {
    /// By vault.
    pub by_vault: Vec<(VaultId, u64)>,
    /// By policy issuer name as stored (`Unknown` for none).
    pub by_issuer: Vec<(String, u64)>,
    /// By issuer kind.
    pub by_issuer_kind: Vec<(IssuerKind, u64)>,
    /// By key type as stored.
    pub by_key_type: Vec<(String, u64)>,
    /// The most frequent tags as `key=value`, most frequent first (then by text), at most 20.
    pub by_tag: Vec<(String, u64)>,
    /// By expiry state.
    pub by_state: StateCounts,
}
