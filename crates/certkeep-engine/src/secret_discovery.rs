//! TLS-secret discovery: secrets whose content type is PFX or PEM ("TLS secrets only", or
//! "all, including certificate-backed"), one record per version; optionally the certificate
//! inside the current version becomes a certificate record tagged with its source secret.

use std::collections::{HashMap, HashSet};

use certkeep_azure::secrecy::ExposeSecret as _;
use certkeep_azure::{AzureError, SecretItem};
use certkeep_store::{
    CertificateFilter, CertificateSource, Credential, Exclusion, ExclusionKind, Show, SyncOutcome,
    TlsSecretFilter, Vault,
};
use futures::{StreamExt as _, TryStreamExt as _};
use serde::Serialize;
use serde_json::json;

use crate::lease::LeaseKind;
use crate::reports::ItemOutcome;
use crate::{Actor, Engine, EngineError, Progress, Scope, records};

/// Which secrets count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// TLS secrets that are not backing a Key Vault certificate.
    TlsOnly,
    /// Every TLS secret, certificate-backed ones included.
    All,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SecretReport {
    pub credential: String,
    pub vault: String,
    pub secrets: usize,
    /// Secrets whose current version was unchanged since the last discovery (not re-read).
    pub unchanged_skipped: usize,
    pub versions_added: usize,
    pub versions_updated: usize,
    pub versions_unchanged: usize,
    pub certificates_added: usize,
    pub marked_missing: usize,
    /// Secrets (and certificates inside them) skipped because they were deleted from Certkeep
    /// and excluded from discovery.
    pub excluded: usize,
    pub skipped: Vec<String>,
    pub error: Option<String>,
}

impl ItemOutcome for SecretReport {
    const KIND: &'static str = "vaults";
    fn label(&self) -> String {
        format!("{}/{}", self.credential, self.vault)
    }
    fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

/// What reading one secret stored.
#[derive(Default)]
struct SecretFetched {
    added: usize,
    updated: usize,
    unchanged: usize,
    certificates_added: usize,
    excluded: usize,
    skipped: Option<String>,
}

impl Engine {
    pub async fn discover_secrets(
        &self,
        actor: &Actor,
        scope: &Scope,
        kind: SecretKind,
        add_certificates: bool,
        progress: &dyn Progress,
    ) -> Result<Vec<SecretReport>, EngineError> {
        let vaults = self.vaults_in_scope(scope).await?;
        progress.phase("vaults", vaults.len() as u64);
        let reports = futures::stream::iter(vaults)
            .map(|(c, v)| async move {
                let r = self
                    .discover_vault_secrets(actor, &c, &v, kind, add_certificates)
                    .await;
                progress.advance(1);
                r
            })
            .buffer_unordered(self.config.vault_concurrency.max(1))
            .collect()
            .await;
        Ok(reports)
    }

    async fn discover_vault_secrets(
        &self,
        actor: &Actor,
        c: &Credential,
        v: &Vault,
        kind: SecretKind,
        add_certificates: bool,
    ) -> SecretReport {
        let target = format!("{}/{}", c.name, v.record.name);
        let mut report = SecretReport {
            credential: c.name.clone(),
            vault: v.record.name.clone(),
            ..Default::default()
        };
        // One secret discovery of a vault at a time, across processes and instances.
        let lease = match self
            .lease(actor, LeaseKind::Discovery, v.id, "secrets")
            .await
        {
            Ok(l) => l,
            Err(e) => {
                report.error = Some(e.to_string());
                return report;
            }
        };
        let run = match self
            .store
            .start_sync_run("discover_secrets", Some(&c.id), Some(v.id), self.now())
            .await
        {
            Ok(r) => r,
            Err(e) => {
                self.release(lease).await;
                report.error = Some(e.to_string());
                return report;
            }
        };
        let result = self
            .secrets_in_vault(c, v, kind, add_certificates, &mut report)
            .await;
        self.release(lease).await;
        let (outcome, error) = match &result {
            Ok(()) => (SyncOutcome::Succeeded, None),
            Err(e) => (SyncOutcome::Failed, Some(e.to_string())),
        };
        let counts = serde_json::to_value(&report).unwrap_or_default();
        let audit = self.audit(actor, "secret.discover", &target, outcome.as_str(), json!({"include_certificate_backed": kind == SecretKind::All, "add_certificates": add_certificates}));
        if let Err(e) = self
            .store
            .finish_sync_run(run, outcome, counts, error.as_deref(), self.now(), audit)
            .await
        {
            tracing::warn!("recording the end of a discovery failed: {e}");
        }
        report.error = error;
        report
    }

    async fn secrets_in_vault(
        &self,
        c: &Credential,
        v: &Vault,
        kind: SecretKind,
        add_certificates: bool,
        report: &mut SecretReport,
    ) -> Result<(), EngineError> {
        let client = self.pool_for(c)?.vault(&v.record.vault_uri)?;
        let exclusions = self.store.exclusions_for_vault(v.id).await?;
        let mut listed: Vec<SecretItem> = client
            .list_secrets()
            .await?
            .into_iter()
            .filter(|s| records::is_wanted_secret(s, kind == SecretKind::All))
            .collect();
        report.secrets = listed.len();
        listed.retain(|s| {
            let excluded = exclusions
                .iter()
                .any(|e| e.covers(ExclusionKind::TlsSecret, &s.name, ""));
            report.excluded += usize::from(excluded);
            !excluded
        });
        let names: HashSet<String> = listed.iter().map(|s| s.name.to_ascii_lowercase()).collect();
        // Incremental: a secret whose current version is stored with the listing's updated time
        // (and, when certificates are wanted, already linked to its certificate) is not re-read.
        let markers: HashMap<String, (i64, bool)> = self
            .store
            .list_tls_secrets(&TlsSecretFilter {
                show: Show::Current,
                vault: Some(v.id),
                ..Default::default()
            })
            .await?
            .into_iter()
            .map(|s| {
                (
                    s.record.name.clone(),
                    (s.record.kv_updated, s.certificate_id.is_some()),
                )
            })
            .collect();
        let mut to_read = Vec::new();
        for item in &listed {
            let unchanged = markers.get(&item.name).is_some_and(|(updated, linked)| {
                Some(*updated) == item.updated && (*linked || !add_certificates)
            });
            if unchanged {
                report.unchanged_skipped += 1;
            } else {
                to_read.push(item.clone());
            }
        }
        let client = &client;
        let exclusions = &exclusions;
        let fetched: Vec<SecretFetched> = futures::stream::iter(to_read)
            .map(|item| async move {
                self.read_secret(client, v, &item, add_certificates, exclusions)
                    .await
            })
            .buffer_unordered(self.config.item_concurrency.max(1))
            .try_collect()
            .await?;
        for f in fetched {
            report.versions_added += f.added;
            report.versions_updated += f.updated;
            report.versions_unchanged += f.unchanged;
            report.certificates_added += f.certificates_added;
            report.excluded += f.excluded;
            report.skipped.extend(f.skipped);
        }
        // Stored secrets that are no longer listed are kept, marked missing.
        let stored = self
            .store
            .list_tls_secrets(&TlsSecretFilter {
                show: Show::Current,
                vault: Some(v.id),
                ..Default::default()
            })
            .await?;
        let gone: Vec<String> = stored
            .iter()
            .map(|s| s.record.name.clone())
            .filter(|n| !names.contains(&n.to_ascii_lowercase()))
            .collect();
        let wanted_gone: Vec<String> = gone
            .into_iter()
            .filter(|n| {
                kind == SecretKind::All
                    || stored
                        .iter()
                        .any(|s| s.record.name == *n && !s.record.is_managed)
            })
            .collect();
        report.marked_missing = self
            .store
            .mark_tls_secrets_missing(v.id, &wanted_gone)
            .await?;
        Ok(())
    }

    /// Stores every TLS version of one secret; optionally the certificate of its current one.
    async fn read_secret(
        &self,
        client: &certkeep_azure::VaultClient,
        v: &Vault,
        item: &SecretItem,
        add_certificates: bool,
        exclusions: &[Exclusion],
    ) -> Result<SecretFetched, EngineError> {
        let versions = client.list_secret_versions(&item.name).await?;
        let current = versions
            .iter()
            .max_by_key(|s| (s.created.unwrap_or_default(), s.version.clone()))
            .map(|s| s.version.clone());
        let recs: Vec<_> = versions
            .iter()
            .filter(|s| {
                s.content_type
                    .as_deref()
                    .is_some_and(certkeep_core::keyvault::is_tls_content_type)
            })
            .map(|s| {
                records::tls_secret_record(&item.name, s, Some(&s.version) == current.as_ref())
            })
            .collect();
        let counts = self
            .store
            .upsert_tls_secret_versions(v.id, &recs, self.now())
            .await?;
        let mut out = SecretFetched {
            added: counts.added,
            updated: counts.updated,
            unchanged: counts.unchanged,
            ..Default::default()
        };
        let cert_excluded = |ver: &str| {
            exclusions
                .iter()
                .any(|e| e.covers(ExclusionKind::Certificate, &item.name, ver))
        };
        if add_certificates
            && let Some(ver) = &current
            && cert_excluded(ver)
        {
            out.excluded += 1;
        } else if add_certificates && let Some(ver) = &current {
            match self
                .certificate_from_secret(client, v, &item.name, ver, item.managed)
                .await
            {
                Ok(added) => out.certificates_added = added,
                Err(EngineError::Azure(
                    e @ (AzureError::VaultAccessDenied { .. } | AzureError::Http { .. }),
                )) => out.skipped = Some(format!("{}: {e}", item.name)),
                Err(EngineError::Invalid { reason, .. }) => {
                    out.skipped = Some(format!("{}: {reason}", item.name))
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Reads the secret's value, stores the certificate inside, and links the two. The secret
    /// backing a Key Vault certificate holds that very certificate version: it is stored once,
    /// as the Key Vault certificate it is, not as a second record.
    async fn certificate_from_secret(
        &self,
        client: &certkeep_azure::VaultClient,
        v: &Vault,
        name: &str,
        version: &str,
        managed: bool,
    ) -> Result<usize, EngineError> {
        if managed {
            let bundle = client.get_certificate(name, Some(version)).await?;
            let rec = records::bundle_record(&bundle, true)?;
            let counts = self
                .store
                .upsert_certificates(v.id, &[rec], self.now())
                .await?;
            self.link_secret(v, name, version, CertificateSource::KeyVault)
                .await?;
            return Ok(counts.added);
        }
        let secret = client.get_secret(name, Some(version)).await?;
        let content_type = secret.content_type.clone().unwrap_or_default();
        let der = records::leaf_in_secret(secret.value.expose_secret(), &content_type)?;
        let origin = records::Origin {
            name,
            version,
            is_current: true,
            source: CertificateSource::TlsSecret,
            secret: Some((name, version)),
            kv_id: format!("{}secrets/{name}/{version}", v.record.vault_uri),
            is_enabled: secret.enabled,
            kv_created: secret.created.unwrap_or_default(),
            kv_updated: secret.updated.unwrap_or_default(),
            nbf: secret.nbf,
            exp: secret.exp,
            tags: secret.tags.clone(),
            policy_issuer: None,
            content_type: Some(content_type),
        };
        let rec = records::certificate_record(origin, &der)?;
        let counts = self
            .store
            .upsert_certificates(v.id, &[rec], self.now())
            .await?;
        self.link_secret(v, name, version, CertificateSource::TlsSecret)
            .await?;
        Ok(counts.added)
    }

    /// Links a TLS-secret version to the certificate record of the same name and version.
    async fn link_secret(
        &self,
        v: &Vault,
        name: &str,
        version: &str,
        source: CertificateSource,
    ) -> Result<(), EngineError> {
        let cert = self
            .store
            .list_certificates(&CertificateFilter {
                show: Show::All,
                vault: Some(v.id),
                source: Some(source),
                search: Some(name.to_string()),
                ..Default::default()
            })
            .await?
            .into_iter()
            .find(|c| c.record.name == name && c.record.version == version);
        let secret_row = self
            .store
            .list_tls_secrets(&TlsSecretFilter {
                show: Show::All,
                vault: Some(v.id),
                search: Some(name.to_string()),
                ..Default::default()
            })
            .await?
            .into_iter()
            .find(|s| s.record.name == name && s.record.version == version);
        if let (Some(cert), Some(secret_row)) = (cert, secret_row) {
            self.store
                .link_tls_secret_certificate(secret_row.id, cert.id)
                .await?;
        }
        Ok(())
    }
}
