//! Certificate versions as front ends list them: a query (scope, filters, sort, page) and the
//! view of one version, without its DER.

use std::collections::BTreeMap;

use certkeep_store::{
    CertificateSort, CertificateSummary, ExpiryState, IssuerKind, PageRequest, Sans, TagFilter,
};
use serde::Serialize;

use super::{Timestamp, days_left};
use crate::Scope;

/// Current versions, previous ones, or all (the seed's "Show").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShowVersions {
    #[default]
    Current,
    Previous,
    All,
}

/// What a certificate listing asks for. Every field narrows it.
#[derive(Debug, Clone, Default)]
pub struct CertificateQuery {
    pub scope: Scope,
    pub show: ShowVersions,
    /// Only versions ending within this many seconds from now (expired ones included).
    pub expiring_within: Option<i64>,
    /// Text in the name, subject, a SAN or a thumbprint.
    pub search: Option<String>,
    pub include_missing: bool,
    /// Policy issuer name (`Self`, `Unknown`, an issuer).
    pub issuer: Option<String>,
    pub issuer_kind: Option<IssuerKind>,
    /// `RSA` or `EC`.
    pub key_type: Option<String>,
    pub state: Option<ExpiryState>,
    pub tag: Option<TagFilter>,
    /// Only this exact certificate name.
    pub name: Option<String>,
    pub sort: CertificateSort,
    pub descending: bool,
    pub page: PageRequest,
}

/// A page of a listing: the rows and how many match in all.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
}

/// `expired`, `expiring` (within 30 days), `healthy` or `missing`.
pub fn expiry_state(not_after: i64, is_missing: bool, now: i64) -> &'static str {
    if is_missing {
        "missing"
    } else if not_after <= now {
        "expired"
    } else if not_after <= now + 30 * 86_400 {
        "expiring"
    } else {
        "healthy"
    }
}

/// One certificate version, every parsed field (no DER, no private key).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertificateView {
    pub id: i64,
    pub credential: String,
    pub vault: String,
    pub name: String,
    pub version: String,
    pub current: bool,
    pub enabled: bool,
    pub subject: String,
    pub issuer: String,
    pub dns_names: Vec<String>,
    #[schema(value_type = Object)]
    pub sans: Sans,
    /// `RSA 2048`, `EC P-256`.
    pub key: String,
    pub key_type: String,
    pub key_size: i32,
    pub key_curve: Option<String>,
    pub key_usage: Vec<String>,
    pub key_usage_critical: bool,
    pub ekus: Vec<String>,
    pub eku_critical: bool,
    pub signature_algorithm: String,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    pub days_left: i64,
    pub state: &'static str,
    pub x5t: String,
    pub sha1: String,
    pub sha256: String,
    pub serial: String,
    pub policy_issuer: Option<String>,
    pub issuer_kind: &'static str,
    pub content_type: Option<String>,
    pub source: &'static str,
    pub source_secret: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub kv_id: String,
    pub created: Timestamp,
    pub updated: Timestamp,
    pub missing: bool,
    pub discovered_at: Timestamp,
}

impl CertificateView {
    /// The view of a summary (taken by value: a listing moves its strings, copying none).
    pub fn new(credential: &str, vault: &str, c: CertificateSummary, now: i64) -> Self {
        let key = match &c.key_curve {
            Some(curve) if !curve.is_empty() => format!("{} {curve}", c.key_type),
            _ => format!("{} {}", c.key_type, c.key_size),
        };
        let days_left = days_left(c.not_after, now);
        let state = expiry_state(c.not_after, c.is_missing, now);
        let issuer_kind = c.issuer_kind().as_str();
        Self {
            id: c.id.0,
            credential: credential.to_string(),
            vault: vault.to_string(),
            name: c.name,
            version: c.version,
            current: c.is_current,
            enabled: c.is_enabled,
            subject: c.subject,
            issuer: c.issuer_dn,
            dns_names: c.sans.dns.clone(),
            sans: c.sans,
            key,
            key_type: c.key_type,
            key_size: c.key_size,
            key_curve: c.key_curve,
            key_usage: c.key_usage,
            key_usage_critical: c.is_key_usage_critical,
            ekus: c.ekus,
            eku_critical: c.is_eku_critical,
            signature_algorithm: c.signature_algorithm,
            not_before: c.not_before.into(),
            not_after: c.not_after.into(),
            days_left,
            state,
            x5t: c.x5t,
            sha1: c.sha1_hex,
            sha256: c.sha256_hex,
            serial: c.serial_hex,
            policy_issuer: c.policy_issuer,
            issuer_kind,
            content_type: c.content_type,
            source: c.source.as_str(),
            source_secret: c.source_secret_name,
            tags: c.tags,
            kv_id: c.kv_id,
            created: c.kv_created.into(),
            updated: c.kv_updated.into(),
            missing: c.is_missing,
            discovered_at: c.discovered_at.into(),
        }
    }
}
