//! Views of vaults, issuers, TLS secrets, sync runs and audit events.

use std::collections::BTreeMap;

use certkeep_store::{AuditEvent, Issuer, SyncRun, TlsSecret, Vault};
use serde::Serialize;

use super::{Timestamp, days_left};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VaultView {
    pub credential: String,
    pub name: String,
    pub vault_uri: String,
    pub resource_group: String,
    pub location: String,
    pub sku: String,
    pub tenant_id: String,
    pub rbac: bool,
    pub soft_delete_retention_days: Option<i32>,
    pub purge_protection: bool,
    pub tags: BTreeMap<String, String>,
    pub missing: bool,
    pub first_seen_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub certs_synced_at: Option<Timestamp>,
    pub resource_id: String,
}

impl VaultView {
    pub fn new(credential: &str, v: &Vault) -> Self {
        let r = &v.record;
        Self {
            credential: credential.to_string(),
            name: r.name.clone(),
            vault_uri: r.vault_uri.clone(),
            resource_group: r.resource_group.clone(),
            location: r.location.clone(),
            sku: r.sku.clone(),
            tenant_id: r.tenant_id.clone(),
            rbac: r.has_rbac_authorization,
            soft_delete_retention_days: r.soft_delete_retention_days,
            purge_protection: r.has_purge_protection,
            tags: r.tags.clone(),
            missing: v.is_missing,
            first_seen_at: v.first_seen_at.into(),
            last_seen_at: v.last_seen_at.into(),
            certs_synced_at: v.certs_synced_at.map(Timestamp),
            resource_id: r.resource_id.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IssuerView {
    pub credential: String,
    pub vault: String,
    pub name: String,
    pub provider: String,
    pub missing: bool,
    pub last_seen_at: Timestamp,
}

impl IssuerView {
    pub fn new(credential: &str, vault: &str, i: &Issuer) -> Self {
        Self {
            credential: credential.to_string(),
            vault: vault.to_string(),
            name: i.record.name.clone(),
            provider: i.record.provider.clone(),
            missing: i.is_missing,
            last_seen_at: i.last_seen_at.into(),
        }
    }
}

/// One TLS-secret version (never its value).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SecretView {
    pub id: i64,
    pub credential: String,
    pub vault: String,
    pub name: String,
    pub version: String,
    pub current: bool,
    pub content_type: String,
    pub enabled: bool,
    pub managed: bool,
    pub activation: Option<Timestamp>,
    pub expires: Option<Timestamp>,
    pub days_left: Option<i64>,
    pub created: Timestamp,
    pub updated: Timestamp,
    pub certificate_linked: bool,
    pub certificate_id: Option<i64>,
    pub tags: BTreeMap<String, String>,
    pub missing: bool,
}

impl SecretView {
    pub fn new(credential: &str, vault: &str, s: &TlsSecret, now: i64) -> Self {
        let r = &s.record;
        Self {
            id: s.id.0,
            credential: credential.to_string(),
            vault: vault.to_string(),
            name: r.name.clone(),
            version: r.version.clone(),
            current: r.is_current,
            content_type: r.content_type.clone(),
            enabled: r.is_enabled,
            managed: r.is_managed,
            activation: r.activation.map(Timestamp),
            expires: r.expiry.map(Timestamp),
            days_left: r.expiry.map(|e| days_left(e, now)),
            created: r.kv_created.into(),
            updated: r.kv_updated.into(),
            certificate_linked: s.certificate_id.is_some(),
            certificate_id: s.certificate_id.map(|c| c.0),
            tags: r.tags.clone(),
            missing: s.is_missing,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SyncRunView {
    pub id: i64,
    pub kind: String,
    pub credential: String,
    pub vault: String,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub outcome: String,
    pub counts: serde_json::Value,
    pub error: Option<String>,
}

impl SyncRunView {
    pub fn new(credential: &str, vault: &str, r: &SyncRun) -> Self {
        Self {
            id: r.id.0,
            kind: r.kind.clone(),
            credential: credential.to_string(),
            vault: vault.to_string(),
            started_at: r.started_at.into(),
            finished_at: r.finished_at.map(Timestamp),
            outcome: r.outcome.as_str().to_string(),
            counts: r.counts.clone(),
            error: r.error.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditView {
    pub id: i64,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: serde_json::Value,
    pub hash: String,
}

impl From<&AuditEvent> for AuditView {
    fn from(e: &AuditEvent) -> Self {
        Self {
            id: e.id.0,
            at: e.at.into(),
            actor: e.actor.clone(),
            action: e.action.clone(),
            target: e.target.clone(),
            outcome: e.outcome.clone(),
            detail: e.detail.clone(),
            hash: e.hash.clone(),
        }
    }
}
