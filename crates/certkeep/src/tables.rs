//! Which JSON fields each view shows as table columns (CSV shows these first, then the rest).
//! The views themselves are the engine's; their JSON field names are a stable contract.

use certkeep_engine::credentials::{Added, CredentialView, Removed};
use certkeep_engine::discovery::VaultReport;
use certkeep_engine::secret_discovery::SecretReport;
use certkeep_engine::vaults::{IssuerSyncReport, VaultSyncReport};
use certkeep_engine::views::{CertificateView, IssuerView, SecretView, VaultView};

use crate::output::Table;

impl Table for CredentialView {
    const COLUMNS: &'static [&'static str] = &[
        "name",
        "cloud",
        "tenant_id",
        "subscription_id",
        "client_id",
        "secret_set",
        "vaults",
        "updated_at",
    ];
}

impl Table for Added {
    const COLUMNS: &'static [&'static str] = &[
        "credential.name",
        "credential.cloud",
        "credential.tenant_id",
        "credential.subscription_id",
        "credential.client_id",
        "credential.vaults",
        "vaults.added",
        "vaults.updated",
        "vaults.unchanged",
        "vaults.marked_missing",
        "already_existed",
    ];
}

impl Table for Removed {
    const COLUMNS: &'static [&'static str] = &[
        "credential",
        "vaults",
        "issuers",
        "certificates",
        "tls_secrets",
    ];
}

impl Table for VaultSyncReport {
    const COLUMNS: &'static [&'static str] = &[
        "credential",
        "added",
        "updated",
        "unchanged",
        "marked_missing",
        "error",
    ];
}

impl Table for VaultView {
    const COLUMNS: &'static [&'static str] = &[
        "credential",
        "name",
        "resource_group",
        "location",
        "sku",
        "rbac",
        "purge_protection",
        "missing",
        "certs_synced_at",
    ];
}

impl Table for IssuerSyncReport {
    const COLUMNS: &'static [&'static str] = &[
        "credential",
        "vault",
        "added",
        "updated",
        "unchanged",
        "marked_missing",
    ];
}

impl Table for IssuerView {
    const COLUMNS: &'static [&'static str] = &[
        "credential",
        "vault",
        "name",
        "provider",
        "missing",
        "last_seen_at",
    ];
}

impl Table for VaultReport {
    const COLUMNS: &'static [&'static str] = &[
        "credential",
        "vault",
        "certificates",
        "unchanged_skipped",
        "versions_added",
        "versions_updated",
        "versions_unchanged",
        "marked_missing",
        "skipped",
        "error",
    ];
}

impl Table for SecretReport {
    const COLUMNS: &'static [&'static str] = &[
        "credential",
        "vault",
        "secrets",
        "unchanged_skipped",
        "versions_added",
        "versions_updated",
        "versions_unchanged",
        "certificates_added",
        "marked_missing",
        "skipped",
        "error",
    ];
}

impl Table for CertificateView {
    const COLUMNS: &'static [&'static str] = &[
        "vault",
        "name",
        "version:8",
        "current",
        "subject",
        "issuer",
        "key",
        "not_after",
        "days_left",
        "source",
        "missing",
    ];
}

impl Table for SecretView {
    const COLUMNS: &'static [&'static str] = &[
        "vault",
        "name",
        "version:8",
        "current",
        "content_type",
        "enabled",
        "managed",
        "expires",
        "days_left",
        "certificate_linked",
        "missing",
    ];
}

impl Table for certkeep_engine::requests::RequestView {
    const COLUMNS: &'static [&'static str] = &[
        "id:8",
        "vault",
        "certificate",
        "kind",
        "issuer",
        "status",
        "requested_by",
        "requested_at",
        "version:8",
        "error",
    ];
}

impl Table for certkeep_engine::requests::RenewOutcome {
    const COLUMNS: &'static [&'static str] = &[
        "vault",
        "name",
        "outcome",
        "request_id:8",
        "version:8",
        "reason",
    ];
}

impl Table for certkeep_engine::requests::ObtainReport {
    const COLUMNS: &'static [&'static str] = &[
        "vault",
        "name",
        "history",
        "versions_added",
        "versions_updated",
        "versions_unchanged",
        "skipped",
    ];
}

impl Table for certkeep_engine::tls_manage::CreatedSecret {
    const COLUMNS: &'static [&'static str] = &[
        "secret.vault",
        "secret.name",
        "secret.version:8",
        "secret.content_type",
        "secret.enabled",
        "secret.activation",
        "secret.expires",
        "certificate.subject",
        "chain_length",
        "new_version",
    ];
}

impl Table for certkeep_engine::tls_manage::RediscoverReport {
    const COLUMNS: &'static [&'static str] = &[
        "vault",
        "name",
        "outcome",
        "current_version",
        "versions_added",
        "versions_updated",
        "error",
    ];
}

impl Table for certkeep_engine::tls_manage::Exported {
    const COLUMNS: &'static [&'static str] = &[
        "vault",
        "name",
        "version:8",
        "format",
        "certificates",
        "subject",
        "note",
    ];
}

impl Table for certkeep_engine::local_delete::LocalDeleteReport {
    const COLUMNS: &'static [&'static str] = &[
        "vault",
        "kind",
        "names",
        "version",
        "versions_deleted",
        "excluded_from_discovery",
        "exclusions_added",
    ];
}

impl Table for certkeep_engine::local_delete::ExclusionView {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "credential",
        "vault",
        "kind",
        "name",
        "version",
        "created_by",
        "created_at",
    ];
}
