//! Deleting from Certkeep only (seed §3.3.2 and §4.2): certificates (every version, or one) and
//! TLS secrets leave the inventory while Key Vault is not touched; optionally they are excluded
//! from later discovery. Exclusions can be listed and removed. Audited.

use certkeep_store::{
    AuditFilter, CertificateFilter, Credential, ExclusionId, ExclusionKind, PageRequest, Show,
    TlsSecretFilter, Vault,
};
use serde::Serialize;
use serde_json::json;

use crate::lease::{LeaseKind, NameLease};
use crate::tls_manage::{check_object_name, target_of};
use crate::views::{Names, Timestamp};
use crate::{Actor, Engine, EngineError, Scope};

/// What a local delete did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LocalDeleteReport {
    pub credential: String,
    pub vault: String,
    /// `certificate` or `tls_secret`.
    pub kind: &'static str,
    pub names: Vec<String>,
    /// Only this version (certificates); `None`: every version.
    pub version: Option<String>,
    pub versions_deleted: usize,
    pub excluded_from_discovery: bool,
    pub exclusions_added: usize,
}

/// A discovery exclusion.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExclusionView {
    pub id: i64,
    pub credential: String,
    pub vault: String,
    /// `certificate` or `tls_secret`.
    pub kind: &'static str,
    pub name: String,
    /// `None`: every version.
    pub version: Option<String>,
    pub created_by: String,
    pub created_at: Timestamp,
}

impl ExclusionView {
    fn new(names: &Names, e: &certkeep_store::Exclusion) -> Self {
        let (credential, vault) = names.of(e.vault_id);
        Self {
            id: e.id.0,
            credential,
            vault,
            kind: e.kind.as_str(),
            name: e.name.clone(),
            version: e.version.clone(),
            created_by: e.created_by.clone(),
            created_at: e.created_at.into(),
        }
    }
}

fn dedup(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !out.contains(n) {
            out.push(n.clone());
        }
    }
    out
}

impl Engine {
    /// Takes the leases of several names (in order), releasing those taken when one is held.
    async fn tk_leases(
        &self,
        actor: &Actor,
        kind: LeaseKind,
        v: &Vault,
        names: &[String],
    ) -> Result<Vec<NameLease>, EngineError> {
        let mut sorted: Vec<&String> = names.iter().collect();
        sorted.sort_by_key(|n| n.to_ascii_lowercase());
        let mut held = Vec::new();
        for n in sorted {
            match self.lease(actor, kind, v.id, n).await {
                Ok(l) => held.push(l),
                Err(e) => {
                    for l in held {
                        self.release(l).await;
                    }
                    return Err(e);
                }
            }
        }
        Ok(held)
    }

    /// Certificates, local delete (seed §3.3.2): removes these names' versions (every version,
    /// or only `version`) from Certkeep; Key Vault is not touched. With
    /// `exclude_from_discovery`, discovery skips them from now on. Audited as
    /// `certificate.delete_local`.
    pub async fn delete_certificates(
        &self,
        actor: &Actor,
        scope: &Scope,
        names: &[String],
        version: Option<&str>,
        exclude_from_discovery: bool,
    ) -> Result<LocalDeleteReport, EngineError> {
        let target = target_of(scope, &names.join(","));
        self.audited(actor, "certificate.delete_local", &target, async {
            let names = dedup(names);
            let (c, v) = self.tk_vault_for_names(scope, &names).await?;
            if let Some(ver) = version {
                if names.len() != 1 {
                    return Err(EngineError::invalid(
                        "version",
                        "a version applies to one certificate name",
                    ));
                }
                if ver.is_empty() || !ver.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(EngineError::invalid(
                        "version",
                        format!("'{ver}' is not a Key Vault version id"),
                    ));
                }
            }
            let leases = self.tk_leases(actor, LeaseKind::Certificate, &v, &names).await?;
            let result = async {
                let mut unknown = Vec::new();
                for n in &names {
                    let stored = self
                        .store
                        .list_certificates(&CertificateFilter {
                            show: Show::All,
                            vault: Some(v.id),
                            name: Some(n.clone()),
                            include_missing: true,
                            ..Default::default()
                        })
                        .await?;
                    let found = stored.iter().any(|s| {
                        s.record.name == *n && version.is_none_or(|ver| s.record.version == ver)
                    });
                    if !found {
                        unknown.push(match version {
                            Some(ver) => format!("{n} version {ver}"),
                            None => n.clone(),
                        });
                    }
                }
                if !unknown.is_empty() && !exclude_from_discovery {
                    return Err(EngineError::NotFound {
                        what: format!(
                            "certificate {} in vault '{}' of Certkeep",
                            unknown.join(", "),
                            v.record.name
                        ),
                    });
                }
                let event = self.audit(
                    actor,
                    "certificate.delete_local",
                    &format!("{}/{}", c.name, v.record.name),
                    "succeeded",
                    json!({"version": version, "exclude_from_discovery": exclude_from_discovery, "azure_untouched": true}),
                );
                let counts = self
                    .store
                    .delete_certificates(
                        v.id,
                        &names,
                        version,
                        exclude_from_discovery,
                        &actor.audit_name(),
                        event,
                    )
                    .await?;
                Ok(LocalDeleteReport {
                    credential: c.name.clone(),
                    vault: v.record.name.clone(),
                    kind: ExclusionKind::Certificate.as_str(),
                    names: names.clone(),
                    version: version.map(str::to_string),
                    versions_deleted: counts.versions_deleted,
                    excluded_from_discovery: exclude_from_discovery,
                    exclusions_added: counts.exclusions_added,
                })
            }
            .await;
            for l in leases {
                self.release(l).await;
            }
            result
        })
        .await
    }

    /// Delete TLS secrets from Certkeep only (seed §4.2 note): every version of these names
    /// leaves the inventory; Key Vault keeps them. With `exclude_from_discovery`, discovery
    /// skips them from now on. Certificates parsed from them are kept. Audited as
    /// `secret.delete_local`.
    pub async fn delete_tls_secrets(
        &self,
        actor: &Actor,
        scope: &Scope,
        names: &[String],
        exclude_from_discovery: bool,
    ) -> Result<LocalDeleteReport, EngineError> {
        let target = target_of(scope, &names.join(","));
        self.audited(actor, "secret.delete_local", &target, async {
            let names = dedup(names);
            let (c, v) = self.tk_vault_for_names(scope, &names).await?;
            let leases = self.tk_leases(actor, LeaseKind::Secret, &v, &names).await?;
            let result = async {
                let mut unknown = Vec::new();
                for n in &names {
                    let found = self
                        .store
                        .list_tls_secrets(&TlsSecretFilter {
                            show: Show::All,
                            vault: Some(v.id),
                            search: Some(n.clone()),
                            include_missing: true,
                            ..Default::default()
                        })
                        .await?
                        .iter()
                        .any(|s| s.record.name == *n);
                    if !found {
                        unknown.push(n.clone());
                    }
                }
                if !unknown.is_empty() && !exclude_from_discovery {
                    return Err(EngineError::NotFound {
                        what: format!(
                            "secret {} in vault '{}' of Certkeep",
                            unknown.join(", "),
                            v.record.name
                        ),
                    });
                }
                let event = self.audit(
                    actor,
                    "secret.delete_local",
                    &format!("{}/{}", c.name, v.record.name),
                    "succeeded",
                    json!({"exclude_from_discovery": exclude_from_discovery, "azure_untouched": true}),
                );
                let counts = self
                    .store
                    .delete_tls_secrets(
                        v.id,
                        &names,
                        exclude_from_discovery,
                        &actor.audit_name(),
                        event,
                    )
                    .await?;
                Ok(LocalDeleteReport {
                    credential: c.name.clone(),
                    vault: v.record.name.clone(),
                    kind: ExclusionKind::TlsSecret.as_str(),
                    names: names.clone(),
                    version: None,
                    versions_deleted: counts.versions_deleted,
                    excluded_from_discovery: exclude_from_discovery,
                    exclusions_added: counts.exclusions_added,
                })
            }
            .await;
            for l in leases {
                self.release(l).await;
            }
            result
        })
        .await
    }

    /// Discovery exclusions in scope (every vault, a credential's, or one vault's).
    pub async fn list_exclusions(&self, scope: &Scope) -> Result<Vec<ExclusionView>, EngineError> {
        let names = Names::load(&self.store).await?;
        let mut out = Vec::new();
        if scope.credential.is_none() && scope.vault.is_none() {
            for e in self.store.list_exclusions(None).await? {
                out.push(ExclusionView::new(&names, &e));
            }
            return Ok(out);
        }
        for (_, v) in self.vaults_in_scope(scope).await? {
            for e in self.store.list_exclusions(Some(v.id)).await? {
                out.push(ExclusionView::new(&names, &e));
            }
        }
        Ok(out)
    }

    /// Removes a discovery exclusion: the next discovery imports the item again. Audited as
    /// `exclusion.remove` (target `credential/vault/name`).
    pub async fn remove_exclusion(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<ExclusionView, EngineError> {
        let names = Names::load(&self.store).await?;
        let found = self
            .store
            .list_exclusions(None)
            .await?
            .into_iter()
            .find(|e| e.id.0 == id);
        let target = match &found {
            Some(e) => {
                let (credential, vault) = names.of(e.vault_id);
                format!("{credential}/{vault}/{}", e.name)
            }
            None => format!("exclusion {id}"),
        };
        self.audited(actor, "exclusion.remove", &target, async {
            let event = self.audit(actor, "exclusion.remove", &target, "succeeded", json!({}));
            match self.store.remove_exclusion(ExclusionId(id), event).await {
                Ok(e) => Ok(ExclusionView::new(&names, &e)),
                Err(certkeep_store::StoreError::NotFound { .. }) => Err(EngineError::NotFound {
                    what: format!("exclusion {id}"),
                }),
                Err(e) => Err(e.into()),
            }
        })
        .await
    }
}

impl Engine {
    /// Whether certificate versions of this vault were deleted locally, or an exclusion of it
    /// removed, at or after `since`: discovery then re-reads every version instead of trusting
    /// its incremental markers (a re-imported version would otherwise be skipped).
    pub(crate) async fn local_deletes_since(
        &self,
        c: &Credential,
        v: &Vault,
        since: i64,
    ) -> Result<bool, EngineError> {
        for action in ["certificate.delete_local", "exclusion.remove"] {
            let page = self
                .store
                .audit_page(
                    &AuditFilter {
                        action: Some(action.into()),
                        target: Some(format!("{}/{}", c.name, v.record.name)),
                        outcome: Some("succeeded".into()),
                        since: Some(since),
                        ..Default::default()
                    },
                    PageRequest::new(0, 1),
                )
                .await?;
            if page.total > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// Checks a certificate name the way Key Vault does (for front ends validating early).
pub fn check_certificate_name(name: &str) -> Result<(), EngineError> {
    check_object_name("name", name)
}
