//! The state of the emulated cloud: tenants and applications, subscriptions, vaults, and in each
//! vault its certificates (every version), secrets, issuers and contacts.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;

use crate::kv::policy::PolicyJson;
use crate::pki::KeyMaterial;

pub type Tags = BTreeMap<String, String>;

#[derive(Debug, Clone, Serialize)]
pub struct ClientSecret {
    #[serde(skip)]
    pub value: String,
    pub hint: String,
    /// Unix seconds; `None` never expires.
    pub expires: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub client_id: String,
    pub object_id: String,
    pub name: String,
    pub secrets: Vec<ClientSecret>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub applications: BTreeMap<String, Application>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Subscription {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    /// Applications allowed to list the subscription's vaults (Reader at subscription scope).
    pub readers: BTreeSet<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VaultProps {
    pub name: String,
    pub subscription_id: String,
    pub resource_group: String,
    pub location: String,
    pub tags: Tags,
    pub sku: String,
    pub tenant_id: String,
    pub rbac: bool,
    pub soft_delete_retention_days: i64,
    pub purge_protection: bool,
    pub public_network_access: String,
    /// Applications allowed on the data plane (access policy or RBAC role).
    pub access: BTreeSet<String>,
}

#[derive(Debug, Default)]
pub struct Vault {
    pub props: Option<VaultProps>,
    /// Keyed by lowercase name: Key Vault names are case-insensitive.
    pub certificates: BTreeMap<String, CertEntry>,
    pub deleted_certificates: BTreeMap<String, Deleted<CertEntry>>,
    pub secrets: BTreeMap<String, SecretEntry>,
    pub deleted_secrets: BTreeMap<String, Deleted<SecretEntry>>,
    pub issuers: BTreeMap<String, IssuerEntry>,
    pub contacts: Option<Vec<Contact>>,
    /// Names with a pending operation, so settling does not scan every certificate.
    pub pending: BTreeSet<String>,
}

impl Vault {
    pub fn props(&self) -> &VaultProps {
        self.props
            .as_ref()
            .expect("vault props are set on creation")
    }
}

#[derive(Debug)]
pub struct Deleted<T> {
    pub entry: T,
    pub deleted_date: i64,
    pub scheduled_purge_date: i64,
}

#[derive(Debug)]
pub struct CertVersion {
    pub version: String,
    /// Leaf first, then the issuing CA when one signed it.
    pub chain: Vec<Vec<u8>>,
    pub key: Arc<KeyMaterial>,
    pub x5t: String,
    pub enabled: bool,
    pub nbf: i64,
    pub exp: i64,
    pub created: i64,
    pub updated: i64,
    pub tags: Tags,
    pub content_type: String,
}

impl CertVersion {
    pub fn der(&self) -> &[u8] {
        &self.chain[0]
    }
}

#[derive(Debug)]
pub struct CertEntry {
    pub name: String,
    /// In creation order; the last is the current version.
    pub versions: Vec<CertVersion>,
    pub policy: PolicyJson,
    pub pending: Option<PendingOp>,
    /// (version, trigger time) pairs whose lifetime action has fired.
    pub fired: BTreeSet<(String, i64)>,
}

impl CertEntry {
    pub fn current(&self) -> Option<&CertVersion> {
        self.versions.last()
    }
    pub fn find(&self, version: &str) -> Option<&CertVersion> {
        self.versions
            .iter()
            .find(|v| v.version.eq_ignore_ascii_case(version))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum OpStatus {
    InProgress,
    Completed,
    Failed,
    Cancelled,
}

impl OpStatus {
    pub fn wire(self) -> &'static str {
        match self {
            OpStatus::InProgress => "inProgress",
            OpStatus::Completed => "completed",
            OpStatus::Failed => "failed",
            OpStatus::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug)]
pub struct PendingOp {
    pub request_id: String,
    pub issuer_name: String,
    /// The provider for integrated CA issuers (`DigiCert`, `GlobalSign`).
    pub provider: Option<String>,
    pub csr: Option<Vec<u8>>,
    pub key: Option<Arc<KeyMaterial>>,
    pub policy: PolicyJson,
    pub status: OpStatus,
    pub status_details: String,
    pub error: Option<(String, String)>,
    pub cancellation_requested: bool,
    pub created: i64,
    pub complete_at: i64,
    pub will_fail: bool,
    pub target_version: Option<String>,
    pub tags: Tags,
    pub enabled: bool,
}

const DETAILS_MERGE: &str =
    "Pending certificate created. Please Perform Merge to complete the request.";
const DETAILS_IN_PROGRESS: &str = "Pending certificate created. Certificate request is in progress. This may take some time based on the issuer provider. Please check again later.";

impl PendingOp {
    /// A new in-progress request with Key Vault's status details; the key and CSR follow.
    pub fn start(
        issuer_name: &str,
        provider: Option<String>,
        policy: PolicyJson,
        now: i64,
        delay_secs: f64,
        will_fail: bool,
    ) -> Self {
        let unknown = issuer_name.eq_ignore_ascii_case("Unknown");
        Self {
            request_id: new_version_id(),
            issuer_name: issuer_name.to_string(),
            provider,
            csr: None,
            key: None,
            policy,
            status: OpStatus::InProgress,
            status_details: if unknown {
                DETAILS_MERGE
            } else {
                DETAILS_IN_PROGRESS
            }
            .into(),
            error: None,
            cancellation_requested: false,
            created: now,
            complete_at: if unknown {
                i64::MAX
            } else {
                now + delay_secs.ceil() as i64
            },
            will_fail,
            target_version: Some(new_version_id()),
            tags: Tags::new(),
            enabled: true,
        }
    }
}

#[derive(Debug, Clone)]
pub enum SecretValue {
    Plain(String),
    /// The backing secret of a certificate version, rendered on read.
    CertBacked {
        cert: String,
        version: String,
    },
}

#[derive(Debug, Clone)]
pub struct SecretVersion {
    pub version: String,
    pub value: SecretValue,
    pub content_type: Option<String>,
    pub enabled: bool,
    pub nbf: Option<i64>,
    pub exp: Option<i64>,
    pub created: i64,
    pub updated: i64,
    pub tags: Tags,
    pub managed: bool,
}

#[derive(Debug, Clone)]
pub struct SecretEntry {
    pub name: String,
    pub versions: Vec<SecretVersion>,
}

impl SecretEntry {
    pub fn current(&self) -> Option<&SecretVersion> {
        self.versions.last()
    }
}

#[derive(Debug, Clone)]
pub struct IssuerEntry {
    pub name: String,
    pub provider: String,
    pub account_id: Option<String>,
    pub has_password: bool,
    pub org_details: Option<serde_json::Value>,
    pub enabled: bool,
    pub created: i64,
    pub updated: i64,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// Something the emulator did on its own: a lifetime action firing, an issuance completing.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub at: i64,
    pub kind: String,
    pub vault: String,
    pub certificate: String,
    pub version: Option<String>,
    /// For `mail_sent`: the vault's contact addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    pub detail: String,
}

/// How an integrated CA provider behaves.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ProviderBehaviour {
    /// Seconds from create until the CA answers.
    pub delay_secs: f64,
    /// When true every request to this provider fails.
    #[serde(default)]
    pub fail: bool,
}

/// Everything the emulator holds, behind one lock.
#[derive(Debug, Default)]
pub struct World {
    pub tenants: BTreeMap<String, Tenant>,
    pub subscriptions: BTreeMap<String, Subscription>,
    pub vaults: BTreeMap<String, Vault>,
    pub events: Vec<Event>,
    pub self_delay_secs: f64,
    pub providers: BTreeMap<String, ProviderBehaviour>,
}

impl World {
    pub fn new(self_delay_secs: f64, ca_delay_secs: f64) -> Self {
        let mut providers = BTreeMap::new();
        for p in ["DigiCert", "GlobalSign"] {
            providers.insert(
                p.to_string(),
                ProviderBehaviour {
                    delay_secs: ca_delay_secs,
                    fail: false,
                },
            );
        }
        Self {
            self_delay_secs,
            providers,
            ..Default::default()
        }
    }

    /// Which provider answers for `issuer_name` in a vault, after how long, and whether it fails.
    pub fn issuance_plan(&self, vault: &str, issuer_name: &str) -> (Option<String>, f64, bool) {
        let provider = self.vaults.get(vault).and_then(|v| {
            v.issuers
                .values()
                .find(|i| i.name.eq_ignore_ascii_case(issuer_name))
                .map(|i| i.provider.clone())
        });
        let (delay, fail) = provider
            .as_ref()
            .and_then(|p| self.providers.get(p))
            .map(|b| (b.delay_secs, b.fail))
            .unwrap_or((self.self_delay_secs, false));
        (provider, delay, fail)
    }

    /// Finds an application by client id across tenants.
    pub fn application(&self, tenant: &str, client_id: &str) -> Option<&Application> {
        self.tenants
            .get(&tenant.to_ascii_lowercase())?
            .applications
            .get(&client_id.to_ascii_lowercase())
    }
}

/// A fresh 32-hex-digit version id, as Key Vault uses.
pub fn new_version_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}
