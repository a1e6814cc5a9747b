//! What commands print. Each type's `Serialize` is its JSON form (field names are a stable
//! contract for scripts: add fields, never rename them); its `Row` cells are the table and CSV
//! columns. Times are RFC 3339 in UTC.

use certkeep_engine::credentials::{Added, CredentialView};
use certkeep_engine::discovery::VaultReport;
use certkeep_engine::secret_discovery::SecretReport;
use certkeep_store::{Certificate, DeletedCounts, Issuer, SyncCounts, TlsSecret, Vault};
use serde::Serialize;

use crate::output::Row;

/// Unix seconds as RFC 3339 (UTC).
pub(crate) fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| secs.to_string())
}

pub(crate) fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Whole days from now until `secs` (negative once past).
pub(crate) fn days_left(secs: i64, now: i64) -> i64 {
    (secs - now).div_euclid(86_400)
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

fn opt_time(t: Option<i64>) -> Option<String> {
    t.map(rfc3339)
}

fn short_version(v: &str) -> String {
    v.chars().take(8).collect()
}

#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Counts {
    pub(crate) added: usize,
    pub(crate) updated: usize,
    pub(crate) unchanged: usize,
    pub(crate) marked_missing: usize,
}

impl From<SyncCounts> for Counts {
    fn from(c: SyncCounts) -> Self {
        Self {
            added: c.added,
            updated: c.updated,
            unchanged: c.unchanged,
            marked_missing: c.marked_missing,
        }
    }
}

impl Counts {
    fn cells(&self) -> [String; 4] {
        [
            self.added.to_string(),
            self.updated.to_string(),
            self.unchanged.to_string(),
            self.marked_missing.to_string(),
        ]
    }
}

// ---------------------------------------------------------------------------------- credentials

#[derive(Debug, Clone, Serialize)]
pub(crate) struct CredentialRow {
    pub(crate) name: String,
    pub(crate) cloud: String,
    pub(crate) tenant_id: String,
    pub(crate) subscription_id: String,
    pub(crate) client_id: String,
    pub(crate) secret_set: bool,
    pub(crate) vaults: usize,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
    pub(crate) id: String,
}

impl From<&CredentialView> for CredentialRow {
    fn from(c: &CredentialView) -> Self {
        Self {
            name: c.name.clone(),
            cloud: c.cloud.clone(),
            tenant_id: c.tenant_id.clone(),
            subscription_id: c.subscription_id.clone(),
            client_id: c.client_id.clone(),
            secret_set: c.secret_set,
            vaults: c.vaults,
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
            id: c.id.clone(),
        }
    }
}

const CREDENTIAL_HEADERS: [&str; 8] = [
    "name",
    "cloud",
    "tenant_id",
    "subscription_id",
    "client_id",
    "secret_set",
    "vaults",
    "updated_at",
];

impl CredentialRow {
    fn base_cells(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.cloud.clone(),
            self.tenant_id.clone(),
            self.subscription_id.clone(),
            self.client_id.clone(),
            yes_no(self.secret_set),
            self.vaults.to_string(),
            self.updated_at.clone(),
        ]
    }
}

impl Row for CredentialRow {
    fn headers() -> &'static [&'static str] {
        &CREDENTIAL_HEADERS
    }
    fn cells(&self) -> Vec<String> {
        self.base_cells()
    }
}

/// `credential add`: the credential and what its vault import did.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AddedRow {
    pub(crate) credential: CredentialRow,
    pub(crate) vaults: Counts,
    pub(crate) already_existed: bool,
}

impl From<&Added> for AddedRow {
    fn from(a: &Added) -> Self {
        Self {
            credential: CredentialRow::from(&a.credential),
            vaults: a.vaults.into(),
            already_existed: a.already_existed,
        }
    }
}

impl Row for AddedRow {
    fn headers() -> &'static [&'static str] {
        &[
            "name",
            "cloud",
            "tenant_id",
            "subscription_id",
            "client_id",
            "secret_set",
            "vaults",
            "updated_at",
            "vaults_added",
            "vaults_updated",
            "vaults_unchanged",
            "vaults_marked_missing",
            "already_existed",
        ]
    }
    fn cells(&self) -> Vec<String> {
        let mut c = self.credential.base_cells();
        c.extend(self.vaults.cells());
        c.push(yes_no(self.already_existed));
        c
    }
}

/// `credential remove`: what went with the credential.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RemovedRow {
    pub(crate) credential: String,
    pub(crate) vaults: usize,
    pub(crate) issuers: usize,
    pub(crate) certificates: usize,
    pub(crate) tls_secrets: usize,
}

impl RemovedRow {
    pub(crate) fn new(credential: &str, d: DeletedCounts) -> Self {
        Self {
            credential: credential.to_string(),
            vaults: d.vaults,
            issuers: d.issuers,
            certificates: d.certificates,
            tls_secrets: d.tls_secrets,
        }
    }
}

impl Row for RemovedRow {
    fn headers() -> &'static [&'static str] {
        &[
            "credential",
            "vaults",
            "issuers",
            "certificates",
            "tls_secrets",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.credential.clone(),
            self.vaults.to_string(),
            self.issuers.to_string(),
            self.certificates.to_string(),
            self.tls_secrets.to_string(),
        ]
    }
}

// --------------------------------------------------------------------------- vaults and issuers

#[derive(Debug, Clone, Serialize)]
pub(crate) struct VaultSyncRow {
    pub(crate) credential: String,
    #[serde(flatten)]
    pub(crate) counts: Counts,
}

impl Row for VaultSyncRow {
    fn headers() -> &'static [&'static str] {
        &[
            "credential",
            "added",
            "updated",
            "unchanged",
            "marked_missing",
        ]
    }
    fn cells(&self) -> Vec<String> {
        let mut c = vec![self.credential.clone()];
        c.extend(self.counts.cells());
        c
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct VaultRow {
    pub(crate) credential: String,
    pub(crate) name: String,
    pub(crate) vault_uri: String,
    pub(crate) resource_group: String,
    pub(crate) location: String,
    pub(crate) sku: String,
    pub(crate) tenant_id: String,
    pub(crate) rbac: bool,
    pub(crate) soft_delete_retention_days: Option<i32>,
    pub(crate) purge_protection: bool,
    pub(crate) tags: std::collections::BTreeMap<String, String>,
    pub(crate) missing: bool,
    pub(crate) first_seen_at: String,
    pub(crate) last_seen_at: String,
    pub(crate) certs_synced_at: Option<String>,
    pub(crate) resource_id: String,
}

impl VaultRow {
    pub(crate) fn new(credential: &str, v: &Vault) -> Self {
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
            first_seen_at: rfc3339(v.first_seen_at),
            last_seen_at: rfc3339(v.last_seen_at),
            certs_synced_at: opt_time(v.certs_synced_at),
            resource_id: r.resource_id.clone(),
        }
    }
}

impl Row for VaultRow {
    fn headers() -> &'static [&'static str] {
        &[
            "credential",
            "name",
            "resource_group",
            "location",
            "sku",
            "rbac",
            "purge_protection",
            "missing",
            "certs_synced_at",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.credential.clone(),
            self.name.clone(),
            self.resource_group.clone(),
            self.location.clone(),
            self.sku.clone(),
            yes_no(self.rbac),
            yes_no(self.purge_protection),
            yes_no(self.missing),
            self.certs_synced_at.clone().unwrap_or_default(),
        ]
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct IssuerSyncRow {
    pub(crate) credential: String,
    pub(crate) vault: String,
    #[serde(flatten)]
    pub(crate) counts: Counts,
}

impl Row for IssuerSyncRow {
    fn headers() -> &'static [&'static str] {
        &[
            "credential",
            "vault",
            "added",
            "updated",
            "unchanged",
            "marked_missing",
        ]
    }
    fn cells(&self) -> Vec<String> {
        let mut c = vec![self.credential.clone(), self.vault.clone()];
        c.extend(self.counts.cells());
        c
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct IssuerRow {
    pub(crate) credential: String,
    pub(crate) vault: String,
    pub(crate) name: String,
    pub(crate) provider: String,
    pub(crate) missing: bool,
    pub(crate) last_seen_at: String,
}

impl IssuerRow {
    pub(crate) fn new(credential: &str, vault: &str, i: &Issuer) -> Self {
        Self {
            credential: credential.to_string(),
            vault: vault.to_string(),
            name: i.record.name.clone(),
            provider: i.record.provider.clone(),
            missing: i.is_missing,
            last_seen_at: rfc3339(i.last_seen_at),
        }
    }
}

impl Row for IssuerRow {
    fn headers() -> &'static [&'static str] {
        &[
            "credential",
            "vault",
            "name",
            "provider",
            "missing",
            "last_seen_at",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.credential.clone(),
            self.vault.clone(),
            self.name.clone(),
            self.provider.clone(),
            yes_no(self.missing),
            self.last_seen_at.clone(),
        ]
    }
}

// ------------------------------------------------------------------------------------ discovery

#[derive(Debug, Clone, Serialize)]
pub(crate) struct CertDiscoveryRow {
    pub(crate) credential: String,
    pub(crate) vault: String,
    pub(crate) certificates: usize,
    pub(crate) unchanged_skipped: usize,
    pub(crate) versions_added: usize,
    pub(crate) versions_updated: usize,
    pub(crate) versions_unchanged: usize,
    pub(crate) marked_missing: usize,
    pub(crate) error: Option<String>,
}

impl From<&VaultReport> for CertDiscoveryRow {
    fn from(r: &VaultReport) -> Self {
        Self {
            credential: r.credential.clone(),
            vault: r.vault.clone(),
            certificates: r.certificates,
            unchanged_skipped: r.unchanged_skipped,
            versions_added: r.versions_added,
            versions_updated: r.versions_updated,
            versions_unchanged: r.versions_unchanged,
            marked_missing: r.marked_missing,
            error: r.error.clone(),
        }
    }
}

impl Row for CertDiscoveryRow {
    fn headers() -> &'static [&'static str] {
        &[
            "credential",
            "vault",
            "certificates",
            "unchanged_skipped",
            "versions_added",
            "versions_updated",
            "versions_unchanged",
            "marked_missing",
            "error",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.credential.clone(),
            self.vault.clone(),
            self.certificates.to_string(),
            self.unchanged_skipped.to_string(),
            self.versions_added.to_string(),
            self.versions_updated.to_string(),
            self.versions_unchanged.to_string(),
            self.marked_missing.to_string(),
            self.error.clone().unwrap_or_default(),
        ]
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct SecretDiscoveryRow {
    pub(crate) credential: String,
    pub(crate) vault: String,
    pub(crate) secrets: usize,
    pub(crate) versions_added: usize,
    pub(crate) versions_updated: usize,
    pub(crate) versions_unchanged: usize,
    pub(crate) certificates_added: usize,
    pub(crate) marked_missing: usize,
    pub(crate) skipped: Vec<String>,
    pub(crate) error: Option<String>,
}

impl From<&SecretReport> for SecretDiscoveryRow {
    fn from(r: &SecretReport) -> Self {
        Self {
            credential: r.credential.clone(),
            vault: r.vault.clone(),
            secrets: r.secrets,
            versions_added: r.versions_added,
            versions_updated: r.versions_updated,
            versions_unchanged: r.versions_unchanged,
            certificates_added: r.certificates_added,
            marked_missing: r.marked_missing,
            skipped: r.skipped.clone(),
            error: r.error.clone(),
        }
    }
}

impl Row for SecretDiscoveryRow {
    fn headers() -> &'static [&'static str] {
        &[
            "credential",
            "vault",
            "secrets",
            "versions_added",
            "versions_updated",
            "versions_unchanged",
            "certificates_added",
            "marked_missing",
            "skipped",
            "error",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.credential.clone(),
            self.vault.clone(),
            self.secrets.to_string(),
            self.versions_added.to_string(),
            self.versions_updated.to_string(),
            self.versions_unchanged.to_string(),
            self.certificates_added.to_string(),
            self.marked_missing.to_string(),
            self.skipped.join("; "),
            self.error.clone().unwrap_or_default(),
        ]
    }
}

// ------------------------------------------------------------------------ certificates, secrets

#[derive(Debug, Clone, Serialize)]
pub(crate) struct CertRow {
    pub(crate) credential: String,
    pub(crate) vault: String,
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) current: bool,
    pub(crate) enabled: bool,
    pub(crate) subject: String,
    pub(crate) issuer: String,
    pub(crate) dns_names: Vec<String>,
    pub(crate) key: String,
    pub(crate) not_before: String,
    pub(crate) not_after: String,
    pub(crate) days_left: i64,
    pub(crate) x5t: String,
    pub(crate) sha256: String,
    pub(crate) serial: String,
    pub(crate) policy_issuer: Option<String>,
    pub(crate) source: String,
    pub(crate) source_secret: Option<String>,
    pub(crate) missing: bool,
}

impl CertRow {
    pub(crate) fn new(credential: &str, vault: &str, c: &Certificate, now: i64) -> Self {
        let r = &c.record;
        let key = match &r.key_curve {
            Some(curve) if !curve.is_empty() => format!("{} {curve}", r.key_type),
            _ => format!("{} {}", r.key_type, r.key_size),
        };
        Self {
            credential: credential.to_string(),
            vault: vault.to_string(),
            name: r.name.clone(),
            version: r.version.clone(),
            current: r.is_current,
            enabled: r.is_enabled,
            subject: r.subject.clone(),
            issuer: r.issuer_dn.clone(),
            dns_names: r.sans.dns.clone(),
            key,
            not_before: rfc3339(r.not_before),
            not_after: rfc3339(r.not_after),
            days_left: days_left(r.not_after, now),
            x5t: r.x5t.clone(),
            sha256: r.sha256_hex.clone(),
            serial: r.serial_hex.clone(),
            policy_issuer: r.policy_issuer.clone(),
            source: r.source.as_str().to_string(),
            source_secret: r.source_secret_name.clone(),
            missing: c.is_missing,
        }
    }
}

impl Row for CertRow {
    fn headers() -> &'static [&'static str] {
        &[
            "vault",
            "name",
            "version",
            "current",
            "subject",
            "issuer",
            "key",
            "not_after",
            "days_left",
            "source",
            "missing",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.vault.clone(),
            self.name.clone(),
            short_version(&self.version),
            yes_no(self.current),
            self.subject.clone(),
            self.issuer.clone(),
            self.key.clone(),
            self.not_after.clone(),
            self.days_left.to_string(),
            self.source.clone(),
            yes_no(self.missing),
        ]
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct SecretRow {
    pub(crate) credential: String,
    pub(crate) vault: String,
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) current: bool,
    pub(crate) content_type: String,
    pub(crate) enabled: bool,
    pub(crate) managed: bool,
    pub(crate) activation: Option<String>,
    pub(crate) expires: Option<String>,
    pub(crate) days_left: Option<i64>,
    pub(crate) created: String,
    pub(crate) certificate_linked: bool,
    pub(crate) missing: bool,
}

impl SecretRow {
    pub(crate) fn new(credential: &str, vault: &str, s: &TlsSecret, now: i64) -> Self {
        let r = &s.record;
        Self {
            credential: credential.to_string(),
            vault: vault.to_string(),
            name: r.name.clone(),
            version: r.version.clone(),
            current: r.is_current,
            content_type: r.content_type.clone(),
            enabled: r.is_enabled,
            managed: r.is_managed,
            activation: opt_time(r.activation),
            expires: opt_time(r.expiry),
            days_left: r.expiry.map(|e| days_left(e, now)),
            created: rfc3339(r.kv_created),
            certificate_linked: s.certificate_id.is_some(),
            missing: s.is_missing,
        }
    }
}

impl Row for SecretRow {
    fn headers() -> &'static [&'static str] {
        &[
            "vault",
            "name",
            "version",
            "current",
            "content_type",
            "enabled",
            "managed",
            "expires",
            "days_left",
            "certificate",
            "missing",
        ]
    }
    fn cells(&self) -> Vec<String> {
        let ct = match self.content_type.as_str() {
            "application/x-pkcs12" => "pkcs12".to_string(),
            "application/x-pem-file" => "pem".to_string(),
            other => other.to_string(),
        };
        vec![
            self.vault.clone(),
            self.name.clone(),
            short_version(&self.version),
            yes_no(self.current),
            ct,
            yes_no(self.enabled),
            yes_no(self.managed),
            self.expires.clone().unwrap_or_default(),
            self.days_left.map(|d| d.to_string()).unwrap_or_default(),
            yes_no(self.certificate_linked),
            yes_no(self.missing),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_days() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(days_left(86_400 * 3 + 5, 0), 3);
        assert_eq!(days_left(-1, 0), -1);
        assert_eq!(short_version("0123456789abcdef"), "01234567");
    }
}
