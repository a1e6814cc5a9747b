//! Discovery exclusions: names (or versions) deleted locally that discovery must not import
//! again.
use crate::{ExclusionId, StoreError, VaultId};

/// What an exclusion applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExclusionKind {
    /// Certificate versions (Key Vault certificates, and certificates parsed from secrets).
    Certificate,
    /// TLS secrets.
    TlsSecret,
}

impl ExclusionKind {
    /// The stored text: `certificate` or `tls_secret`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Certificate => "certificate",
            Self::TlsSecret => "tls_secret",
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "certificate" => Ok(Self::Certificate),
            "tls_secret" => Ok(Self::TlsSecret),
            other => Err(StoreError::Corrupt(format!("exclusion kind '{other}'"))),
        }
    }
}

/// A stored exclusion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exclusion {
    /// Its id.
    pub id: ExclusionId,
    /// The vault.
    pub vault_id: VaultId,
    /// Certificate or TLS secret.
    pub kind: ExclusionKind,
    /// The name.
    pub name: String,
    /// One version; `None`: every version.
    pub version: Option<String>,
    /// Who added it.
    pub created_by: String,
    /// Unix seconds.
    pub created_at: i64,
}

impl Exclusion {
    /// Whether this exclusion covers `version` of `name` (names compare exactly).
    pub fn covers(&self, kind: ExclusionKind, name: &str, version: &str) -> bool {
        self.kind == kind
            && self.name == name
            && self.version.as_deref().is_none_or(|v| v == version)
    }
}

/// What a local delete did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeleteCounts {
    /// Version rows deleted.
    pub versions_deleted: usize,
    /// Exclusions added (ones that already existed are not counted).
    pub exclusions_added: usize,
}
