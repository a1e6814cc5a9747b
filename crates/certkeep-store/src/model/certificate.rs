//! Certificate versions: one row per version, from a Key Vault certificate or a TLS secret.
use serde::{Deserialize, Serialize};

use crate::model::certificate_page::IssuerKind;
use crate::model::page::{DEFAULT_HEALTHY_AFTER_SECS, ExpiryState, TagFilter};
use crate::model::{Show, Tags};
use crate::{CertificateId, CredentialId, StoreError, VaultId};

/// Where a certificate version was found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CertificateSource {
    /// A Key Vault certificate object.
    #[default]
    KeyVault,
    /// A secret holding a PEM or PFX certificate (not backed by a certificate object).
    TlsSecret,
}

impl CertificateSource {
    /// The stored text: `keyvault` or `tls_secret`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KeyVault => "keyvault",
            Self::TlsSecret => "tls_secret",
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "keyvault" => Ok(Self::KeyVault),
            "tls_secret" => Ok(Self::TlsSecret),
            other => Err(StoreError::Corrupt(format!("certificate source '{other}'"))),
        }
    }
}

/// Subject alternative names, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sans {
    /// DNS names.
    #[serde(default)]
    pub dns: Vec<String>,
    /// RFC 822 names.
    #[serde(default)]
    pub emails: Vec<String>,
    /// User principal names.
    #[serde(default)]
    pub upns: Vec<String>,
    /// IP addresses, as text.
    #[serde(default)]
    pub ips: Vec<String>,
    /// URIs.
    #[serde(default)]
    pub uris: Vec<String>,
}

/// Everything about one certificate version, as discovered (no ids, no store timestamps).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertificateRecord {
    /// Certificate (or secret) name.
    pub name: String,
    /// Version id.
    pub version: String,
    /// On input: this version is the name's current one (when no record of a name is flagged,
    /// the stored flags are left as they are). On output: the stored flag.
    pub is_current: bool,
    /// Where it was found.
    pub source: CertificateSource,
    /// For `TlsSecret` (and a Key Vault certificate's backing secret): the secret's name.
    pub source_secret_name: Option<String>,
    /// The secret's version.
    pub source_secret_version: Option<String>,
    /// The Key Vault id (URL) of this version.
    pub kv_id: String,
    /// Base64url SHA-1 thumbprint as Key Vault reports it.
    pub x5t: String,
    /// Key Vault's enabled attribute.
    pub is_enabled: bool,
    /// Key Vault's created attribute, Unix seconds.
    pub kv_created: i64,
    /// Key Vault's updated attribute, Unix seconds.
    pub kv_updated: i64,
    /// Key Vault's not-before attribute.
    pub nbf: Option<i64>,
    /// Key Vault's expires attribute.
    pub exp: Option<i64>,
    /// Key Vault tags.
    pub tags: Tags,
    /// The policy's issuer name (`Self`, `Unknown`, an issuer), for Key Vault certificates.
    pub policy_issuer: Option<String>,
    /// `application/x-pkcs12` or `application/x-pem-file`.
    pub content_type: Option<String>,
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer_dn: String,
    /// Serial number, lowercase hex.
    pub serial_hex: String,
    /// Subject alternative names.
    pub sans: Sans,
    /// Key usages (`digitalSignature`, `keyEncipherment`, ...).
    pub key_usage: Vec<String>,
    /// Whether the key usage extension is critical.
    pub is_key_usage_critical: bool,
    /// Extended key usage OIDs.
    pub ekus: Vec<String>,
    /// `RSA`, `EC`, ...
    pub key_type: String,
    /// Key size in bits.
    pub key_size: i32,
    /// Curve name for EC keys.
    pub key_curve: Option<String>,
    /// Signature algorithm name.
    pub signature_algorithm: String,
    /// The certificate's notBefore, Unix seconds.
    pub not_before: i64,
    /// The certificate's notAfter, Unix seconds.
    pub not_after: i64,
    /// SHA-1 of the DER, lowercase hex.
    pub sha1_hex: String,
    /// SHA-256 of the DER, lowercase hex.
    pub sha256_hex: String,
    /// The certificate, DER.
    pub der: Vec<u8>,
}

/// A stored certificate version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    /// Its id.
    pub id: CertificateId,
    /// The vault it is in.
    pub vault_id: VaultId,
    /// Everything discovered about it (`record.is_current` is the stored flag).
    pub record: CertificateRecord,
    /// Whether the extended key usage extension is critical (stored since migration 2; `false`
    /// for versions upserted through [`CertificateRecord`] alone).
    pub is_eku_critical: bool,
    /// True when discovery no longer finds it (rows are kept).
    pub is_missing: bool,
    /// Unix seconds of the first discovery.
    pub discovered_at: i64,
    /// Unix seconds of the last discovery that changed it.
    pub refreshed_at: i64,
}

/// A certificate version to upsert with [`Store::upsert_certificates`](crate::Store::upsert_certificates):
/// the record and the fields added after [`CertificateRecord`] (which callers build field by
/// field, so it does not grow).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertificateUpsert {
    /// Everything discovered about the version.
    pub record: CertificateRecord,
    /// Whether the extended key usage extension is critical.
    pub is_eku_critical: bool,
}

/// Which certificate versions [`Store::list_certificates`](crate::Store::list_certificates) and
/// [`Store::certificate_page`](crate::Store::certificate_page) return. Every field narrows the
/// result (they are ANDed); the defaults select every present, current version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateFilter {
    /// Current, previous or all versions.
    pub show: Show,
    /// Only this vault.
    pub vault: Option<VaultId>,
    /// Only vaults of this credential.
    pub credential: Option<CredentialId>,
    /// Only versions whose notAfter is before this (Unix seconds).
    pub expiring_before: Option<i64>,
    /// Case-insensitive substring of the name, subject, a SAN, or a thumbprint (x5t, SHA-1 or
    /// SHA-256 hex; colons and spaces in the search text are ignored for the hex thumbprints).
    pub search: Option<String>,
    /// Only this source.
    pub source: Option<CertificateSource>,
    /// Also return versions marked missing.
    pub include_missing: bool,
    /// Only these vaults (any of them); empty means every vault.
    pub vaults: Vec<VaultId>,
    /// Only this policy issuer name (case-insensitive); `Unknown` also matches versions with no
    /// policy issuer.
    pub issuer: Option<String>,
    /// Only this kind of issuer.
    pub issuer_kind: Option<IssuerKind>,
    /// Only this key type (`RSA`, `EC`; case-insensitive).
    pub key_type: Option<String>,
    /// Only this expiry state, evaluated against `now` (notAfter).
    pub state: Option<ExpiryState>,
    /// "Now" for `state`, Unix seconds (the caller's clock).
    pub now: i64,
    /// [`ExpiryState::Healthy`] means notAfter is later than `now + healthy_after_secs`
    /// (default 30 days).
    pub healthy_after_secs: i64,
    /// Only versions with this tag.
    pub tag: Option<TagFilter>,
    /// Only this exact name.
    pub name: Option<String>,
}

impl Default for CertificateFilter {
    fn default() -> Self {
        Self {
            show: Show::default(),
            vault: None,
            credential: None,
            expiring_before: None,
            search: None,
            source: None,
            include_missing: false,
            vaults: Vec::new(),
            issuer: None,
            issuer_kind: None,
            key_type: None,
            state: None,
            now: 0,
            healthy_after_secs: DEFAULT_HEALTHY_AFTER_SECS,
            tag: None,
            name: None,
        }
    }
}
