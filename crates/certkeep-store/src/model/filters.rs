//! Filters of the paginated vault, issuer, sync run and audit queries.
use crate::model::sync_run::SyncOutcome;
use crate::{CredentialId, VaultId};

/// Which vaults [`Store::vault_page`](crate::Store::vault_page) returns (by name).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VaultFilter {
    /// Only this credential's vaults.
    pub credential: Option<CredentialId>,
    /// Case-insensitive substring of the name, URI or resource group.
    pub search: Option<String>,
    /// Also return vaults marked missing.
    pub include_missing: bool,
}

/// Which issuers [`Store::issuer_page`](crate::Store::issuer_page) returns (missing ones
/// included, by name).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IssuerFilter {
    /// Only this vault's issuers.
    pub vault: Option<VaultId>,
    /// Only issuers of this credential's vaults.
    pub credential: Option<CredentialId>,
}

/// Which runs [`Store::sync_run_page`](crate::Store::sync_run_page) returns (newest first).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncRunFilter {
    /// Only runs for this vault.
    pub vault: Option<VaultId>,
    /// Only runs of this kind.
    pub kind: Option<String>,
    /// Only runs with this outcome.
    pub outcome: Option<SyncOutcome>,
}

/// Which events [`Store::audit_page`](crate::Store::audit_page) returns (newest first). Text
/// comparisons are case-sensitive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// The actor: exact, or a prefix when it ends with `:` (`user:`).
    pub actor: Option<String>,
    /// The action: exact, or a prefix when it ends with `.` (`certificate.`).
    pub action: Option<String>,
    /// A substring of the target.
    pub target: Option<String>,
    /// The outcome, exactly.
    pub outcome: Option<String>,
    /// Only events at or after this (Unix seconds).
    pub since: Option<i64>,
    /// Only events at or before this (Unix seconds).
    pub until: Option<i64>,
}
