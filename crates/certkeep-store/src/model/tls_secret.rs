//! TLS secrets: secrets holding a certificate (PEM or PFX), one row per version.
use crate::model::{Show, Tags};
use crate::{CertificateId, CredentialId, TlsSecretId, VaultId};

/// Everything about one TLS secret version, as discovered (no ids, no store timestamps).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsSecretRecord {
    /// Secret name.
    pub name: String,
    /// Version id.
    pub version: String,
    /// On input: this version is the name's current one (when no record of a name is flagged,
    /// the stored flags are left as they are). On output: the stored flag.
    pub is_current: bool,
    /// `application/x-pkcs12` or `application/x-pem-file`.
    pub content_type: String,
    /// Key Vault's enabled attribute.
    pub is_enabled: bool,
    /// Key Vault's not-before attribute.
    pub activation: Option<i64>,
    /// Key Vault's expires attribute.
    pub expiry: Option<i64>,
    /// Key Vault's created attribute, Unix seconds.
    pub kv_created: i64,
    /// Key Vault's updated attribute, Unix seconds.
    pub kv_updated: i64,
    /// Whether Key Vault manages it (the backing secret of a certificate object).
    pub is_managed: bool,
    /// Key Vault tags.
    pub tags: Tags,
}

/// A stored TLS secret version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSecret {
    /// Its id.
    pub id: TlsSecretId,
    /// The vault it is in.
    pub vault_id: VaultId,
    /// Everything discovered about it (`record.is_current` is the stored flag).
    pub record: TlsSecretRecord,
    /// The certificate version parsed from it, once linked.
    pub certificate_id: Option<CertificateId>,
    /// True when discovery no longer finds it (rows are kept).
    pub is_missing: bool,
    /// Unix seconds of the first discovery.
    pub discovered_at: i64,
}

/// Which TLS secret versions [`Store::list_tls_secrets`](crate::Store::list_tls_secrets) returns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsSecretFilter {
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
}
