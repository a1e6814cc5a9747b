//! Vaults (as ARM describes them) and their certificate issuers.
use crate::model::Tags;
use crate::{CredentialId, IssuerId, VaultId};

/// What ARM said about one vault.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VaultRecord {
    /// Vault name (unique per credential).
    pub name: String,
    /// `https://{name}.vault.azure.net/` or the cloud's equivalent.
    pub vault_uri: String,
    /// ARM resource id.
    pub resource_id: String,
    /// Resource group name.
    pub resource_group: String,
    /// Azure region.
    pub location: String,
    /// The vault's tenant id.
    pub tenant_id: String,
    /// `standard` or `premium`.
    pub sku: String,
    /// Whether data-plane access uses Azure RBAC (instead of access policies).
    pub has_rbac_authorization: bool,
    /// Soft-delete retention, when ARM reports it.
    pub soft_delete_retention_days: Option<i32>,
    /// Whether purge protection is on.
    pub has_purge_protection: bool,
    /// Resource tags.
    pub tags: Tags,
}

/// A stored vault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vault {
    /// Its id.
    pub id: VaultId,
    /// The credential that sees it.
    pub credential_id: CredentialId,
    /// What ARM said, as last seen.
    pub record: VaultRecord,
    /// True when the last complete listing did not include it (rows are never deleted by a sync).
    pub is_missing: bool,
    /// Unix seconds.
    pub first_seen_at: i64,
    /// Unix seconds of the last listing that included it.
    pub last_seen_at: i64,
    /// Unix seconds of the last completed certificate discovery in it.
    pub certs_synced_at: Option<i64>,
}

/// A certificate issuer configured in a vault.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IssuerRecord {
    /// Issuer name (unique per vault).
    pub name: String,
    /// Provider (`DigiCert`, `GlobalSign`, `OneCertV2-PublicCA`, ...).
    pub provider: String,
}

/// A stored issuer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issuer {
    /// Its id.
    pub id: IssuerId,
    /// The vault it belongs to.
    pub vault_id: VaultId,
    /// What Key Vault said.
    pub record: IssuerRecord,
    /// True when the last listing did not include it.
    pub is_missing: bool,
    /// Unix seconds of the last listing that included it.
    pub last_seen_at: i64,
}
