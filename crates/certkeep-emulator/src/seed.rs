//! Seeds: a documented JSON description of tenants, applications, subscriptions and vaults
//! with their certificates (every version real X.509), secrets, issuers and contacts.
//! Loading merges into the running emulator. Times are relative to "now" so seeds never age.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::error::EmulatorError;
use crate::kv::lifecycle::{self, NewVersion};
use crate::kv::model::{
    Application, ClientSecret, Contact, IssuerEntry, PendingOp, ProviderBehaviour, SecretEntry,
    SecretValue, SecretVersion, Subscription, Tags, Tenant, Vault, VaultProps, new_version_id,
};
use crate::kv::policy::{self, Effective, PolicyJson};
use crate::pki::{CertRequest, KeyMaterial, KeySpec};
use crate::state::AppState;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    #[serde(default)]
    pub tenants: Vec<SeedTenant>,
    #[serde(default)]
    pub subscriptions: Vec<SeedSubscription>,
    /// Behaviour of integrated CA providers (`DigiCert`, `GlobalSign`).
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderBehaviour>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTenant {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub applications: Vec<SeedApplication>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedApplication {
    pub client_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub secrets: Vec<SeedClientSecret>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedClientSecret {
    pub value: String,
    /// Days from load until the secret expires (negative: already expired); absent: never.
    #[serde(default)]
    pub expires_in_days: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSubscription {
    pub id: String,
    pub tenant: String,
    #[serde(default)]
    pub name: Option<String>,
    /// Client ids allowed to list the subscription's vaults.
    #[serde(default)]
    pub readers: Vec<String>,
    #[serde(default)]
    pub vaults: Vec<SeedVault>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedVault {
    pub name: String,
    #[serde(default)]
    pub resource_group: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub tags: Tags,
    /// `standard` (default) or `premium`.
    #[serde(default)]
    pub sku: Option<String>,
    /// Azure RBAC (default) or access policies.
    #[serde(default)]
    pub rbac: Option<bool>,
    #[serde(default)]
    pub soft_delete_retention_days: Option<i64>,
    #[serde(default)]
    pub purge_protection: bool,
    /// Client ids allowed on the data plane.
    #[serde(default)]
    pub access: Vec<String>,
    #[serde(default)]
    pub issuers: Vec<SeedIssuer>,
    #[serde(default)]
    pub contacts: Option<Vec<Contact>>,
    #[serde(default)]
    pub certificates: Vec<SeedCertificate>,
    #[serde(default)]
    pub secrets: Vec<SeedSecret>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedIssuer {
    pub name: String,
    pub provider: String,
    #[serde(default)]
    pub account_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCertificate {
    pub name: String,
    /// A Key Vault policy exactly as the REST API takes it.
    pub policy: PolicyJson,
    /// Oldest first; the last is the current version.
    #[serde(default)]
    pub versions: Vec<SeedVersion>,
    /// Leave a create operation pending (issuer `Unknown`: waiting for a merge).
    #[serde(default)]
    pub pending: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedVersion {
    /// How long ago the version was created.
    pub created_days_ago: f64,
    /// Validity from creation; absent: the policy's validity_months.
    #[serde(default)]
    pub validity_days: Option<f64>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub tags: Tags,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSecret {
    pub name: String,
    #[serde(default)]
    pub content_type: Option<String>,
    /// A plain value; or give `tls` to have a certificate generated into it.
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub tls: Option<SeedTls>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Activation (nbf) relative to now, in days.
    #[serde(default)]
    pub activation_days: Option<f64>,
    /// Expiry (exp) relative to now, in days; for TLS secrets defaults to the certificate's.
    #[serde(default)]
    pub expiry_days: Option<f64>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTls {
    pub subject: String,
    #[serde(default)]
    pub dns_names: Vec<String>,
    /// `RSA` (default) or `EC`.
    #[serde(default)]
    pub kty: Option<String>,
    #[serde(default)]
    pub created_days_ago: f64,
    #[serde(default = "year")]
    pub validity_days: f64,
}

fn year() -> f64 {
    365.0
}

/// What a load added.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SeedSummary {
    pub tenants: usize,
    pub subscriptions: usize,
    pub vaults: usize,
    pub certificates: usize,
    pub certificate_versions: usize,
    pub secrets: usize,
    pub elapsed_ms: u128,
}

/// A small set of keys reused across seeded versions so seeding is fast (documented behaviour:
/// seeded versions of one key type may share a key; versions made through the API never do).
#[derive(Default)]
pub struct KeyPool {
    keys: HashMap<String, Vec<Arc<KeyMaterial>>>,
    next: usize,
}

impl KeyPool {
    pub fn get(&mut self, spec: KeySpec) -> Result<Arc<KeyMaterial>, EmulatorError> {
        let id = format!("{spec:?}");
        let per_spec = if matches!(spec, KeySpec::Rsa(4096)) {
            1
        } else {
            3
        };
        let list = self.keys.entry(id).or_default();
        if list.len() < per_spec {
            list.push(KeyMaterial::generate(spec)?);
            return Ok(list.last().expect("pushed").clone());
        }
        self.next += 1;
        Ok(list[self.next % list.len()].clone())
    }
}

fn bad(msg: String) -> EmulatorError {
    EmulatorError::Seed(msg)
}

/// Checks names and references before anything is written.
fn validate(seed: &Seed) -> Result<(), EmulatorError> {
    let tenants: Vec<String> = seed
        .tenants
        .iter()
        .map(|t| t.id.to_ascii_lowercase())
        .collect();
    for t in &seed.tenants {
        if t.id.is_empty()
            || !t
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(bad(format!(
                "tenant id '{}' must be alphanumerics, '-' and '.'",
                t.id
            )));
        }
    }
    for s in &seed.subscriptions {
        if !tenants.contains(&s.tenant.to_ascii_lowercase()) {
            return Err(bad(format!(
                "subscription {} names unknown tenant {}",
                s.id, s.tenant
            )));
        }
        for v in &s.vaults {
            if !certkeep_core::keyvault::is_valid_vault_name(&v.name) {
                return Err(bad(format!(
                    "vault name '{}' is not a valid Key Vault name",
                    v.name
                )));
            }
            for c in &v.certificates {
                if !certkeep_core::keyvault::is_valid_object_name(&c.name) {
                    return Err(bad(format!(
                        "certificate name '{}' in vault {} is invalid",
                        c.name, v.name
                    )));
                }
                let issuers: Vec<String> = v.issuers.iter().map(|i| i.name.clone()).collect();
                policy::validate(&c.policy, &issuers, true)
                    .map_err(|e| bad(format!("certificate {}/{}: {e}", v.name, c.name)))?;
            }
            for s in &v.secrets {
                if !certkeep_core::keyvault::is_valid_object_name(&s.name) {
                    return Err(bad(format!(
                        "secret name '{}' in vault {} is invalid",
                        s.name, v.name
                    )));
                }
                if s.value.is_none() == s.tls.is_none() {
                    return Err(bad(format!(
                        "secret {}/{} needs exactly one of value or tls",
                        v.name, s.name
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Loads a seed into the running emulator.
pub fn load(st: &AppState, seed: &Seed) -> Result<SeedSummary, EmulatorError> {
    let started = Instant::now();
    validate(seed)?;
    let now = st.clock.now();
    let mut pool = KeyPool::default();
    let mut summary = SeedSummary::default();
    let mut vaults_built = Vec::new();
    for sub in &seed.subscriptions {
        for sv in &sub.vaults {
            let vault = build_vault(st, sub, sv, now, &mut pool, &mut summary)?;
            vaults_built.push((sv.name.to_ascii_lowercase(), vault));
        }
    }
    let mut w = st.world.lock();
    for t in &seed.tenants {
        let tenant = w
            .tenants
            .entry(t.id.to_ascii_lowercase())
            .or_insert_with(|| Tenant {
                id: t.id.to_ascii_lowercase(),
                name: t.name.clone().unwrap_or_else(|| t.id.clone()),
                applications: BTreeMap::new(),
            });
        for a in &t.applications {
            tenant.applications.insert(
                a.client_id.to_ascii_lowercase(),
                Application {
                    client_id: a.client_id.to_ascii_lowercase(),
                    object_id: object_id(&a.client_id),
                    name: a.name.clone().unwrap_or_else(|| a.client_id.clone()),
                    secrets: a
                        .secrets
                        .iter()
                        .map(|s| ClientSecret {
                            hint: s.value.chars().take(3).collect(),
                            value: s.value.clone(),
                            expires: s.expires_in_days.map(|d| now + (d * 86_400.0) as i64),
                        })
                        .collect(),
                },
            );
        }
        summary.tenants += 1;
    }
    for sub in &seed.subscriptions {
        w.subscriptions.insert(
            sub.id.to_ascii_lowercase(),
            Subscription {
                id: sub.id.to_ascii_lowercase(),
                tenant_id: sub.tenant.to_ascii_lowercase(),
                name: sub.name.clone().unwrap_or_else(|| sub.id.clone()),
                readers: sub.readers.iter().map(|r| r.to_ascii_lowercase()).collect(),
            },
        );
        summary.subscriptions += 1;
    }
    for (name, vault) in vaults_built {
        w.vaults.insert(name, vault);
        summary.vaults += 1;
    }
    for (name, b) in &seed.providers {
        w.providers.insert(name.clone(), b.clone());
    }
    summary.elapsed_ms = started.elapsed().as_millis();
    Ok(summary)
}

/// A stable object id for an application, derived from its client id.
pub fn object_id(client_id: &str) -> String {
    use sha2::Digest as _;
    let h = sha2::Sha256::digest(client_id.to_ascii_lowercase().as_bytes());
    let x = hex::encode(&h[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

pub fn vault_props(sub: &SeedSubscription, sv: &SeedVault) -> VaultProps {
    VaultProps {
        name: sv.name.to_ascii_lowercase(),
        subscription_id: sub.id.to_ascii_lowercase(),
        resource_group: sv
            .resource_group
            .clone()
            .unwrap_or_else(|| "rg-certkeep".into()),
        location: sv.location.clone().unwrap_or_else(|| "westeurope".into()),
        tags: sv.tags.clone(),
        sku: sv.sku.clone().unwrap_or_else(|| "standard".into()),
        tenant_id: sub.tenant.to_ascii_lowercase(),
        rbac: sv.rbac.unwrap_or(true),
        soft_delete_retention_days: sv.soft_delete_retention_days.unwrap_or(90),
        purge_protection: sv.purge_protection,
        public_network_access: "Enabled".into(),
        access: sv.access.iter().map(|a| a.to_ascii_lowercase()).collect(),
    }
}

fn build_vault(
    st: &AppState,
    sub: &SeedSubscription,
    sv: &SeedVault,
    now: i64,
    pool: &mut KeyPool,
    summary: &mut SeedSummary,
) -> Result<Vault, EmulatorError> {
    let mut vault = Vault {
        props: Some(vault_props(sub, sv)),
        contacts: sv.contacts.clone(),
        ..Default::default()
    };
    for i in &sv.issuers {
        vault.issuers.insert(
            i.name.to_ascii_lowercase(),
            IssuerEntry {
                name: i.name.clone(),
                provider: i.provider.clone(),
                account_id: i.account_id.clone(),
                has_password: false,
                org_details: None,
                enabled: true,
                created: now,
                updated: now,
            },
        );
    }
    for c in &sv.certificates {
        let oldest = c
            .versions
            .first()
            .map(|v| v.created_days_ago)
            .unwrap_or(0.0);
        let mut pol = c.policy.clone();
        policy::apply_defaults(&mut pol, now - (oldest * 86_400.0) as i64);
        let eff = Effective::of(&pol);
        let provider = sv
            .issuers
            .iter()
            .find(|i| i.name.eq_ignore_ascii_case(&eff.issuer_name))
            .map(|i| i.provider.clone());
        for v in &c.versions {
            let created = now - (v.created_days_ago * 86_400.0) as i64;
            let mut req = policy::cert_request(&pol, created);
            if let Some(days) = v.validity_days {
                req.not_after = created + (days * 86_400.0) as i64;
            }
            let key = pool.get(eff.key)?;
            let chain = sign(st, &req, &key, provider.as_deref(), &eff.issuer_name)?;
            let nv = NewVersion {
                chain,
                key,
                enabled: v.enabled,
                tags: v.tags.clone(),
                nbf: req.not_before,
                exp: req.not_after,
                content_type: eff.content_type.clone(),
            };
            lifecycle::add_version(&mut vault, &c.name, Some(pol.clone()), nv, created);
            summary.certificate_versions += 1;
        }
        if c.pending {
            let key = pool.get(eff.key)?;
            let csr = policy::cert_request(&pol, now).csr(&key)?;
            let k = c.name.to_ascii_lowercase();
            let entry = vault.certificates.entry(k.clone()).or_insert_with(|| {
                crate::kv::model::CertEntry {
                    name: c.name.clone(),
                    versions: Vec::new(),
                    policy: pol.clone(),
                    pending: None,
                    fired: Default::default(),
                }
            });
            let mut op = PendingOp::start(
                &eff.issuer_name,
                provider.clone(),
                pol.clone(),
                now,
                3.0,
                false,
            );
            op.csr = Some(csr);
            op.key = Some(key);
            entry.pending = Some(op);
            vault.pending.insert(k);
        }
        if let Some(entry) = vault.certificates.get_mut(&c.name.to_ascii_lowercase()) {
            lifecycle::mark_past_triggers(entry, now);
        }
        summary.certificates += 1;
    }
    for s in &sv.secrets {
        let (value, nbf, exp) = match (&s.value, &s.tls) {
            (Some(v), _) => (v.clone(), None, None),
            (None, Some(tls)) => {
                let created = now - (tls.created_days_ago * 86_400.0) as i64;
                let req = CertRequest {
                    subject: tls.subject.clone(),
                    dns_names: tls.dns_names.clone(),
                    key_usage: vec!["digitalSignature".into(), "keyEncipherment".into()],
                    ekus: vec!["1.3.6.1.5.5.7.3.1".into()],
                    not_before: created - 600,
                    not_after: created + (tls.validity_days * 86_400.0) as i64,
                    ..Default::default()
                };
                let spec = if tls.kty.as_deref() == Some("EC") {
                    KeySpec::Ec("P-256")
                } else {
                    KeySpec::Rsa(2048)
                };
                let key = pool.get(spec)?;
                let chain = sign(st, &req, &key, None, "Unknown")?;
                let ct = s
                    .content_type
                    .clone()
                    .unwrap_or_else(|| certkeep_core::keyvault::CONTENT_TYPE_PFX.into());
                (
                    crate::pki::secret_value(&ct, &key, &chain)?,
                    Some(req.not_before),
                    Some(req.not_after),
                )
            }
            (None, None) => return Err(bad(format!("secret {} has no value", s.name))),
        };
        let entry = vault
            .secrets
            .entry(s.name.to_ascii_lowercase())
            .or_insert_with(|| SecretEntry {
                name: s.name.clone(),
                versions: Vec::new(),
            });
        entry.versions.push(SecretVersion {
            version: new_version_id(),
            value: SecretValue::Plain(value),
            content_type: s.content_type.clone(),
            enabled: s.enabled,
            nbf: s
                .activation_days
                .map(|d| now + (d * 86_400.0) as i64)
                .or(nbf),
            exp: s.expiry_days.map(|d| now + (d * 86_400.0) as i64).or(exp),
            created: now,
            updated: now,
            tags: s.tags.clone(),
            managed: false,
        });
        summary.secrets += 1;
    }
    Ok(vault)
}

/// Self-signed, signed by the provider's CA, or (issuer Unknown) by an external CA.
fn sign(
    st: &AppState,
    req: &CertRequest,
    key: &KeyMaterial,
    provider: Option<&str>,
    issuer_name: &str,
) -> Result<Vec<Vec<u8>>, EmulatorError> {
    if let Some(p) = provider {
        let ca = st.authority(p)?;
        return Ok(vec![req.signed_by(key, &ca)?, ca.cert_der.clone()]);
    }
    if issuer_name.eq_ignore_ascii_case("Unknown") {
        let ca = st.authority("External")?;
        return Ok(vec![req.signed_by(key, &ca)?, ca.cert_der.clone()]);
    }
    Ok(vec![req.self_signed(key)?])
}
