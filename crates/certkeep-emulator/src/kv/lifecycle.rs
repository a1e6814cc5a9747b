//! Time-driven behaviour: pending operations completing (or failing, or being cancelled),
//! new versions with their managed secrets, and lifetime actions firing as the clock passes them.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::kv::model::{
    CertEntry, CertVersion, Event, OpStatus, PendingOp, SecretEntry, SecretValue, SecretVersion,
    Tags, Vault, World, new_version_id,
};
use crate::kv::policy::{self, Effective, PolicyJson};
use crate::pki::KeyMaterial;
use crate::state::AppState;

/// A certificate version about to be stored.
pub struct NewVersion {
    pub chain: Vec<Vec<u8>>,
    pub key: Arc<KeyMaterial>,
    pub enabled: bool,
    pub tags: Tags,
    pub nbf: i64,
    pub exp: i64,
    pub content_type: String,
}

/// Stores a version (and its managed secret); `policy` replaces the entry's policy when given.
pub fn add_version(
    vault: &mut Vault,
    name: &str,
    policy: Option<PolicyJson>,
    v: NewVersion,
    now: i64,
) -> String {
    add_version_with_id(vault, name, policy, v, now, None)
}

pub fn add_version_with_id(
    vault: &mut Vault,
    name: &str,
    policy: Option<PolicyJson>,
    v: NewVersion,
    now: i64,
    id: Option<String>,
) -> String {
    let k = name.to_ascii_lowercase();
    let entry = vault.certificates.entry(k).or_insert_with(|| CertEntry {
        name: name.to_string(),
        versions: Vec::new(),
        policy: policy.clone().unwrap_or_default(),
        pending: None,
        fired: Default::default(),
    });
    if let Some(p) = policy {
        entry.policy = p;
    }
    let version = CertVersion {
        version: id.unwrap_or_else(new_version_id),
        x5t: certkeep_core::x509::x5t(&v.chain[0]),
        chain: v.chain,
        key: v.key,
        enabled: v.enabled,
        nbf: v.nbf,
        exp: v.exp,
        created: now,
        updated: now,
        tags: v.tags,
        content_type: v.content_type,
    };
    let id = version.version.clone();
    let display = entry.name.clone();
    entry.versions.push(version);
    let stored = entry.versions.last().expect("just pushed");
    backing_secret(&mut vault.secrets, &display, stored);
    id
}

/// Adds the managed secret version that backs a certificate version.
pub fn backing_secret(secrets: &mut BTreeMap<String, SecretEntry>, name: &str, c: &CertVersion) {
    let secret = secrets
        .entry(name.to_ascii_lowercase())
        .or_insert_with(|| SecretEntry {
            name: name.to_string(),
            versions: Vec::new(),
        });
    if secret.versions.iter().any(|s| s.version == c.version) {
        return;
    }
    secret.versions.push(SecretVersion {
        version: c.version.clone(),
        value: SecretValue::CertBacked {
            cert: name.to_ascii_lowercase(),
            version: c.version.clone(),
        },
        content_type: Some(c.content_type.clone()),
        enabled: c.enabled,
        nbf: Some(c.nbf),
        exp: Some(c.exp),
        created: c.created,
        updated: c.updated,
        tags: Tags::new(),
        managed: true,
    });
}

/// Completes, fails or cancels the vault's pending operations whose time has come.
pub fn settle_vault(st: &AppState, w: &mut World, vault_key: &str, now: i64) {
    let Some(vault) = w.vaults.get_mut(vault_key) else {
        return;
    };
    let names: Vec<String> = vault.pending.iter().cloned().collect();
    for k in names {
        let Some(entry) = vault.certificates.get_mut(&k) else {
            vault.pending.remove(&k);
            continue;
        };
        let Some(op) = entry.pending.as_mut() else {
            vault.pending.remove(&k);
            continue;
        };
        if op.status != OpStatus::InProgress {
            vault.pending.remove(&k);
            continue;
        }
        let unknown = op.issuer_name.eq_ignore_ascii_case("Unknown");
        if op.cancellation_requested && (unknown || now >= op.complete_at) {
            op.status = OpStatus::Cancelled;
            vault.pending.remove(&k);
            continue;
        }
        if unknown || now < op.complete_at {
            continue;
        }
        let Some(key) = op.key.clone() else { continue };
        if op.will_fail {
            op.status = OpStatus::Failed;
            op.status_details = String::new();
            op.error = Some((
                "CertificateIssuanceFailed".into(),
                format!(
                    "The certificate request to issuer '{}' (provider {}) was rejected by the provider (emulated failure).",
                    op.issuer_name,
                    op.provider.clone().unwrap_or_default()
                ),
            ));
            vault.pending.remove(&k);
            continue;
        }
        // The certificate is issued now: nbf = issuance − 10 min, as Key Vault does.
        let request = policy::cert_request(&op.policy, now);
        let signed = match &op.provider {
            Some(provider) => st
                .authority(provider)
                .and_then(|ca| Ok(vec![request.signed_by(&key, &ca)?, ca.cert_der.clone()])),
            None => request.self_signed(&key).map(|der| vec![der]),
        };
        match signed {
            Ok(chain) => {
                op.status = OpStatus::Completed;
                let version = NewVersion {
                    chain,
                    key,
                    enabled: op.enabled,
                    tags: op.tags.clone(),
                    nbf: request.not_before,
                    exp: request.not_after,
                    content_type: Effective::of(&op.policy).content_type,
                };
                let target = op.target_version.clone();
                let display = entry.name.clone();
                vault.pending.remove(&k);
                add_version_with_id(vault, &display, None, version, now, target);
            }
            Err(e) => {
                op.status = OpStatus::Failed;
                op.status_details = String::new();
                op.error = Some(("CertificateIssuanceFailed".into(), e.to_string()));
                vault.pending.remove(&k);
            }
        }
    }
}

/// When a lifetime action of the current version is due.
fn trigger_time(nbf: i64, exp: i64, t: &policy::Trigger) -> Option<i64> {
    if let Some(pct) = t.lifetime_percentage {
        return Some(nbf + (exp - nbf) * pct / 100);
    }
    t.days_before_expiry.map(|d| exp - d * 86_400)
}

/// A renewal the tick asked for: made outside the lock because key generation is slow.
pub struct RenewJob {
    pub vault: String,
    pub name: String,
    pub policy: PolicyJson,
    pub reuse: Option<Arc<KeyMaterial>>,
}

/// Fires due lifetime actions: EmailContacts records a mail; AutoRenew returns a job.
pub fn due_actions(w: &mut World, now: i64) -> Vec<RenewJob> {
    let mut jobs = Vec::new();
    let mut events = Vec::new();
    for (vault_key, vault) in w.vaults.iter_mut() {
        let contacts: Vec<String> = vault
            .contacts
            .iter()
            .flatten()
            .filter_map(|c| c.email.clone())
            .collect();
        for entry in vault.certificates.values_mut() {
            let Some(current) = entry.current() else {
                continue;
            };
            let (cur_version, nbf, exp, cur_key) = (
                current.version.clone(),
                current.nbf,
                current.exp,
                current.key.clone(),
            );
            let actions = entry.policy.lifetime_actions.clone().unwrap_or_default();
            for action in actions {
                let Some(at) = trigger_time(nbf, exp, &action.trigger) else {
                    continue;
                };
                let mark = (cur_version.clone(), at);
                if now < at || entry.fired.contains(&mark) {
                    continue;
                }
                entry.fired.insert(mark);
                let version = Some(cur_version.clone());
                match action.action.action_type.as_str() {
                    "EmailContacts" => events.push(Event {
                        at: now,
                        kind: "mail_sent".into(),
                        vault: vault_key.clone(),
                        certificate: entry.name.clone(),
                        version,
                        recipients: contacts.clone(),
                        detail: format!(
                            "Certificate {} expires at {}; the vault's contacts were e-mailed.",
                            entry.name, exp
                        ),
                    }),
                    "AutoRenew" => {
                        let busy = entry
                            .pending
                            .as_ref()
                            .is_some_and(|p| p.status == OpStatus::InProgress);
                        let eff = Effective::of(&entry.policy);
                        if busy || eff.issuer_name.eq_ignore_ascii_case("Unknown") {
                            continue;
                        }
                        events.push(Event {
                            at: now,
                            kind: "auto_renew".into(),
                            vault: vault_key.clone(),
                            certificate: entry.name.clone(),
                            version,
                            recipients: Vec::new(),
                            detail: "AutoRenew lifetime action started a new version.".into(),
                        });
                        jobs.push(RenewJob {
                            vault: vault_key.clone(),
                            name: entry.name.clone(),
                            policy: entry.policy.clone(),
                            reuse: eff.reuse_key.then(|| cur_key.clone()),
                        });
                    }
                    _ => {}
                }
            }
        }
    }
    w.events.extend(events);
    jobs
}

/// Records every trigger already in the past as fired, so loading a seed fires nothing.
pub fn mark_past_triggers(entry: &mut CertEntry, now: i64) {
    let Some(current) = entry.current() else {
        return;
    };
    let marks: Vec<(String, i64)> = entry
        .policy
        .lifetime_actions
        .iter()
        .flatten()
        .filter_map(|a| trigger_time(current.nbf, current.exp, &a.trigger))
        .filter(|at| *at <= now)
        .map(|at| (current.version.clone(), at))
        .collect();
    entry.fired.extend(marks);
}

/// One pass of the background clock: fire due actions, run renewals, settle every vault.
pub async fn tick(st: &Arc<AppState>) {
    let now = st.clock.now();
    let jobs = due_actions(&mut st.world.lock(), now);
    for job in jobs {
        let eff = Effective::of(&job.policy);
        let key = match job.reuse {
            Some(k) => Ok(k),
            None => {
                let spec = eff.key;
                tokio::task::spawn_blocking(move || KeyMaterial::generate(spec))
                    .await
                    .unwrap_or_else(|e| Err(crate::error::PkiError::Invalid(e.to_string())))
            }
        };
        let Ok(key) = key else { continue };
        let mut w = st.world.lock();
        let (provider, delay, will_fail) = w.issuance_plan(&job.vault, &eff.issuer_name);
        let Some(vault) = w.vaults.get_mut(&job.vault) else {
            continue;
        };
        let k = job.name.to_ascii_lowercase();
        let Some(entry) = vault.certificates.get_mut(&k) else {
            continue;
        };
        let mut op = PendingOp::start(
            &eff.issuer_name,
            provider,
            job.policy.clone(),
            now,
            delay,
            will_fail,
        );
        op.csr = policy::cert_request(&job.policy, now).csr(&key).ok();
        op.key = Some(key);
        entry.pending = Some(op);
        vault.pending.insert(k);
    }
    let mut w = st.world.lock();
    let keys: Vec<String> = w
        .vaults
        .iter()
        .filter(|(_, v)| !v.pending.is_empty())
        .map(|(k, _)| k.clone())
        .collect();
    for k in keys {
        settle_vault(st, &mut w, &k, now);
    }
}
