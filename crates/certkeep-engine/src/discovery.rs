//! Certificate discovery: every version of every certificate of a vault becomes a record.
//! Incremental: a certificate whose current x5t and updated time are unchanged is not fetched
//! again. A certificate absent from a complete listing that also answers 404 is marked missing,
//! never deleted. Each certificate's versions are written in one transaction, so a run killed
//! at any point converges when repeated.

use std::collections::HashSet;
use std::sync::Arc;

use certkeep_azure::{AzureError, CertListItem, VaultClient};
use certkeep_store::{CertificateSource, Credential, SyncOutcome, UpsertCounts, Vault, VaultId};
use futures::{StreamExt as _, TryStreamExt as _};
use serde::Serialize;
use serde_json::json;

use crate::{Engine, EngineError, Progress, records};

/// Which vaults a discovery covers.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub credential: Option<String>,
    pub vault: Option<String>,
}

/// What one vault's discovery did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VaultReport {
    pub credential: String,
    pub vault: String,
    pub certificates: usize,
    pub unchanged_skipped: usize,
    pub versions_added: usize,
    pub versions_updated: usize,
    pub versions_unchanged: usize,
    pub marked_missing: usize,
    pub error: Option<String>,
}

const KIND_CURRENT: &str = "discover_certificates";
const KIND_ALL: &str = "discover_certificates_all_versions";

impl Engine {
    /// The (credential, vault) pairs in scope; missing vaults are skipped.
    pub(crate) async fn vaults_in_scope(
        &self,
        scope: &Scope,
    ) -> Result<Vec<(Credential, Vault)>, EngineError> {
        if let (Some(c), Some(v)) = (&scope.credential, &scope.vault) {
            return Ok(vec![self.vault(c, v).await?]);
        }
        if scope.vault.is_some() {
            return Err(EngineError::invalid(
                "vault",
                "give --credential with --vault",
            ));
        }
        let mut out = Vec::new();
        for c in self
            .credentials_in_scope(scope.credential.as_deref())
            .await?
        {
            for v in self.store.list_vaults(Some(&c.id)).await? {
                if !v.is_missing {
                    out.push((c.clone(), v));
                }
            }
        }
        Ok(out)
    }

    /// `discover certificates`: every vault in scope, some at the same time.
    pub async fn discover_certificates(
        &self,
        scope: &Scope,
        all_versions: bool,
        progress: &dyn Progress,
    ) -> Result<Vec<VaultReport>, EngineError> {
        let vaults = self.vaults_in_scope(scope).await?;
        progress.phase("vaults", vaults.len() as u64);
        let reports: Vec<VaultReport> = futures::stream::iter(vaults)
            .map(|(c, v)| async move {
                let r = self.discover_vault_certificates(&c, &v, all_versions).await;
                progress.advance(1);
                r
            })
            .buffer_unordered(self.config.vault_concurrency.max(1))
            .collect()
            .await;
        Ok(reports)
    }

    async fn discover_vault_certificates(
        &self,
        c: &Credential,
        v: &Vault,
        all_versions: bool,
    ) -> VaultReport {
        let kind = if all_versions { KIND_ALL } else { KIND_CURRENT };
        let target = format!("{}/{}", c.name, v.record.name);
        let mut report = VaultReport {
            credential: c.name.clone(),
            vault: v.record.name.clone(),
            ..Default::default()
        };
        let run = match self
            .store
            .start_sync_run(kind, Some(&c.id), Some(v.id), Self::now())
            .await
        {
            Ok(r) => r,
            Err(e) => {
                report.error = Some(e.to_string());
                return report;
            }
        };
        let result = self
            .discover_in_vault(c, v, all_versions, &mut report)
            .await;
        let (outcome, error) = match &result {
            Ok(()) => (SyncOutcome::Succeeded, None),
            Err(e) => (SyncOutcome::Failed, Some(e.to_string())),
        };
        let counts = serde_json::to_value(&report).unwrap_or_default();
        let audit = self.audit(
            "certificate.discover",
            &target,
            outcome.as_str(),
            json!({"all_versions": all_versions}),
        );
        if let Err(e) = self
            .store
            .finish_sync_run(run, outcome, counts, error.as_deref(), Self::now(), audit)
            .await
        {
            tracing::warn!("recording the end of a discovery failed: {e}");
        }
        report.error = error;
        report
    }

    async fn discover_in_vault(
        &self,
        c: &Credential,
        v: &Vault,
        all_versions: bool,
        report: &mut VaultReport,
    ) -> Result<(), EngineError> {
        let client = self.pool_for(c)?.vault(&v.record.vault_uri)?;
        let markers = self.store.current_certificate_markers(v.id).await?;
        // Skipping unchanged certificates is safe in all-versions mode only when the vault's
        // last all-versions run succeeded (every version of those certificates was stored).
        let trust_markers = !all_versions
            || self
                .store
                .last_sync_run(KIND_ALL, v.id, SyncOutcome::Succeeded)
                .await?
                .is_some();
        let listed = client.list_certificates().await?;
        report.certificates = listed.len();
        let listed_names: HashSet<String> =
            listed.iter().map(|i| i.name.to_ascii_lowercase()).collect();

        let mut to_fetch = Vec::new();
        for item in &listed {
            let unchanged = markers.get(&item.name).is_some_and(|(x5t, updated)| {
                *x5t == records::x5t_from_hex(&item.x5t) && Some(*updated) == item.updated
            });
            if unchanged && trust_markers {
                report.unchanged_skipped += 1;
            } else {
                to_fetch.push(item.clone());
            }
        }
        let totals: Vec<UpsertCounts> = futures::stream::iter(to_fetch)
            .map(|item| {
                let client = client.clone();
                async move {
                    self.fetch_certificate(&client, v.id, &item, all_versions)
                        .await
                }
            })
            .buffer_unordered(self.config.item_concurrency.max(1))
            .try_collect()
            .await?;
        for t in totals {
            report.versions_added += t.added;
            report.versions_updated += t.updated;
            report.versions_unchanged += t.unchanged;
        }

        // Stored certificates the complete listing no longer shows: missing only if a direct GET says 404.
        let mut missing = Vec::new();
        for name in markers.keys() {
            if listed_names.contains(&name.to_ascii_lowercase()) {
                continue;
            }
            match client.get_certificate(name, None).await {
                Err(AzureError::NotFound { .. }) => missing.push(name.clone()),
                Ok(bundle) => {
                    let rec = records::bundle_record(&bundle, true)?;
                    self.store
                        .upsert_certificate_versions(v.id, &[rec], Self::now())
                        .await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        report.marked_missing = self
            .store
            .mark_certificates_missing(v.id, CertificateSource::KeyVault, &missing, Self::now())
            .await?;
        self.store
            .mark_vault_certs_synced(v.id, Self::now())
            .await?;
        Ok(())
    }

    /// Fetches one certificate (its current version, or all) and stores it in one transaction.
    async fn fetch_certificate(
        &self,
        client: &Arc<VaultClient>,
        vault: VaultId,
        item: &CertListItem,
        all_versions: bool,
    ) -> Result<UpsertCounts, EngineError> {
        let mut recs = Vec::new();
        if all_versions {
            let versions = client.list_certificate_versions(&item.name).await?;
            for ver in versions {
                match client.get_certificate(&item.name, Some(&ver.version)).await {
                    Ok(b) => recs.push(records::bundle_record(&b, b.x5t == item.x5t)?),
                    // A version deleted between listing and reading is simply not there any more.
                    Err(AzureError::NotFound { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        } else {
            match client.get_certificate(&item.name, None).await {
                Ok(b) => recs.push(records::bundle_record(&b, true)?),
                Err(AzureError::NotFound { .. }) => return Ok(UpsertCounts::default()),
                Err(e) => return Err(e.into()),
            }
        }
        let counts = self
            .store
            .upsert_certificate_versions(vault, &recs, Self::now())
            .await?;
        self.store
            .mark_certificates_present(
                vault,
                CertificateSource::KeyVault,
                std::slice::from_ref(&item.name),
                Self::now(),
            )
            .await?;
        Ok(counts)
    }
}
