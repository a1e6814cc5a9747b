//! Certificate discovery: every version of every certificate of a vault becomes a record.
//! Incremental: a certificate whose current x5t and updated time are unchanged is not fetched
//! again. A certificate absent from a complete listing that also answers 404 is marked missing,
//! never deleted. Each certificate's versions are written in one transaction, so a run killed
//! at any point converges when repeated.

use std::collections::HashSet;
use std::sync::Arc;

use certkeep_azure::{AzureError, CertListItem, VaultClient};
use certkeep_store::{
    CertificateSource, Credential, Exclusion, ExclusionKind, SyncOutcome, UpsertCounts, Vault,
    VaultId,
};
use futures::{StreamExt as _, TryStreamExt as _};
use serde::Serialize;
use serde_json::json;

use crate::lease::LeaseKind;
use crate::reports::ItemOutcome;
use crate::{Actor, Engine, EngineError, Progress, Scope, records};

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
    /// Certificates (names, or single versions) skipped because they were deleted from
    /// Certkeep and excluded from discovery.
    pub excluded: usize,
    /// Versions that could not be read (`name/version: reason`); the vault went on.
    pub skipped: Vec<String>,
    pub error: Option<String>,
}

impl ItemOutcome for VaultReport {
    const KIND: &'static str = "vaults";
    fn label(&self) -> String {
        format!("{}/{}", self.credential, self.vault)
    }
    fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

const KIND_CURRENT: &str = "discover_certificates";
const KIND_ALL: &str = "discover_certificates_all_versions";

impl Engine {
    /// `discover certificates`: every vault in scope, some at the same time.
    pub async fn discover_certificates(
        &self,
        actor: &Actor,
        scope: &Scope,
        all_versions: bool,
        progress: &dyn Progress,
    ) -> Result<Vec<VaultReport>, EngineError> {
        let vaults = self.vaults_in_scope(scope).await?;
        progress.phase("vaults", vaults.len() as u64);
        let reports: Vec<VaultReport> = futures::stream::iter(vaults)
            .map(|(c, v)| async move {
                let r = self
                    .discover_vault_certificates(actor, &c, &v, all_versions)
                    .await;
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
        actor: &Actor,
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
        // One discovery of a vault at a time, across processes and instances.
        let lease = match self
            .lease(actor, LeaseKind::Discovery, v.id, "certificates")
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
            .start_sync_run(kind, Some(&c.id), Some(v.id), self.now())
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
            .discover_in_vault(c, v, all_versions, &mut report)
            .await;
        self.release(lease).await;
        let (outcome, error) = match &result {
            Ok(()) => (SyncOutcome::Succeeded, None),
            Err(e) => (SyncOutcome::Failed, Some(e.to_string())),
        };
        let counts = serde_json::to_value(&report).unwrap_or_default();
        let audit = self.audit(
            actor,
            "certificate.discover",
            &target,
            outcome.as_str(),
            json!({"all_versions": all_versions}),
        );
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
        // last all-versions run succeeded (every version of those certificates was stored) and
        // no version was deleted locally, nor an exclusion removed, since it started.
        let trust_markers = !all_versions
            || match self
                .store
                .last_sync_run(KIND_ALL, v.id, SyncOutcome::Succeeded)
                .await?
            {
                Some(run) => !self.local_deletes_since(c, v, run.started_at).await?,
                None => false,
            };
        let exclusions = self.store.exclusions_for_vault(v.id).await?;
        let mut listed = client.list_certificates().await?;
        report.certificates = listed.len();
        // Names excluded in every version are not fetched at all.
        listed.retain(|i| {
            let whole = exclusions
                .iter()
                .any(|e| e.version.is_none() && e.covers(ExclusionKind::Certificate, &i.name, ""));
            report.excluded += usize::from(whole);
            !whole
        });
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
        let fetched: Vec<Fetched> = futures::stream::iter(to_fetch)
            .map(|item| {
                let client = client.clone();
                let exclusions = &exclusions;
                async move {
                    self.fetch_certificate(&client, v.id, &item, all_versions, exclusions)
                        .await
                }
            })
            .buffer_unordered(self.config.item_concurrency.max(1))
            .try_collect()
            .await?;
        for f in fetched {
            report.versions_added += f.counts.added;
            report.versions_updated += f.counts.updated;
            report.versions_unchanged += f.counts.unchanged;
            report.excluded += f.excluded;
            report.skipped.extend(f.skipped);
        }

        // Stored certificates the complete listing no longer shows: missing only if a direct GET says 404.
        let mut missing = Vec::new();
        for name in markers.keys() {
            if listed_names.contains(&name.to_ascii_lowercase()) {
                continue;
            }
            match client.get_certificate(name, None).await {
                Err(AzureError::NotFound { .. }) => missing.push(name.clone()),
                Ok(bundle)
                    if exclusions
                        .iter()
                        .any(|e| e.covers(ExclusionKind::Certificate, name, &bundle.version)) =>
                {
                    report.excluded += 1;
                }
                Ok(bundle) => match records::bundle_record(&bundle, true) {
                    Ok(rec) => {
                        self.store
                            .upsert_certificates(v.id, &[rec], self.now())
                            .await?;
                    }
                    Err(e) => report.skipped.push(skip_reason(&bundle, &e)),
                },
                Err(e) => return Err(e.into()),
            }
        }
        report.marked_missing = self
            .store
            .mark_certificates_missing(v.id, CertificateSource::KeyVault, &missing, self.now())
            .await?;
        self.store.mark_vault_certs_synced(v.id, self.now()).await?;
        Ok(())
    }

    /// Fetches one certificate (its current version, or all) and stores it in one transaction.
    /// A version whose certificate cannot be parsed is skipped with its reason.
    pub(crate) async fn fetch_certificate(
        &self,
        client: &Arc<VaultClient>,
        vault: VaultId,
        item: &CertListItem,
        all_versions: bool,
        exclusions: &[Exclusion],
    ) -> Result<Fetched, EngineError> {
        let excluded = |ver: &str| {
            exclusions
                .iter()
                .any(|e| e.covers(ExclusionKind::Certificate, &item.name, ver))
        };
        let mut bundles = Vec::new();
        let mut excluded_versions = 0;
        if all_versions {
            let versions = client.list_certificate_versions(&item.name).await?;
            for ver in versions {
                if excluded(&ver.version) {
                    excluded_versions += 1;
                    continue;
                }
                match client.get_certificate(&item.name, Some(&ver.version)).await {
                    Ok(b) => bundles.push(b),
                    // A version deleted between listing and reading is simply not there any more.
                    Err(AzureError::NotFound { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        } else {
            match client.get_certificate(&item.name, None).await {
                Ok(b) => bundles.push(b),
                Err(AzureError::NotFound { .. }) => return Ok(Fetched::default()),
                Err(e) => return Err(e.into()),
            }
        }
        let mut current = current_version(&bundles, &item.x5t, all_versions);
        // The current version excluded: no other version is taken for it.
        if excluded_versions > 0 && !bundles.iter().any(|b| b.x5t == item.x5t) {
            current = None;
        }
        let mut recs = Vec::new();
        let mut skipped = Vec::new();
        for b in &bundles {
            if excluded(&b.version) {
                excluded_versions += 1;
                continue;
            }
            match records::bundle_record(b, Some(b.version.as_str()) == current) {
                Ok(r) => recs.push(r),
                Err(e) => skipped.push(skip_reason(b, &e)),
            }
        }
        let counts = self
            .store
            .upsert_certificates(vault, &recs, self.now())
            .await?;
        self.store
            .mark_certificates_present(
                vault,
                CertificateSource::KeyVault,
                std::slice::from_ref(&item.name),
                self.now(),
            )
            .await?;
        Ok(Fetched {
            counts,
            skipped,
            excluded: excluded_versions,
        })
    }
}

/// What fetching one certificate stored and skipped.
#[derive(Default)]
pub(crate) struct Fetched {
    pub(crate) counts: UpsertCounts,
    pub(crate) skipped: Vec<String>,
    /// Versions skipped as excluded from discovery.
    excluded: usize,
}

fn skip_reason(b: &certkeep_azure::CertBundle, e: &EngineError) -> String {
    let reason = match e {
        EngineError::Invalid { reason, .. } => reason.clone(),
        other => other.to_string(),
    };
    format!("{}/{}: {reason}", b.name, b.version)
}

/// Which fetched version is the name's current one. Key Vault's current version is the newest:
/// among the versions with the listing's thumbprint (the same PFX imported twice gives several),
/// the most recently created; when none has it (the listing raced a new version), the newest.
/// Fetching only the current version, that one is it.
fn current_version<'a>(
    bundles: &'a [certkeep_azure::CertBundle],
    listed_x5t: &str,
    all_versions: bool,
) -> Option<&'a str> {
    if !all_versions {
        return bundles.first().map(|b| b.version.as_str());
    }
    let newest = |it: &mut dyn Iterator<Item = &'a certkeep_azure::CertBundle>| {
        it.max_by_key(|b| (b.created.unwrap_or_default(), b.version.clone()))
            .map(|b| b.version.as_str())
    };
    newest(&mut bundles.iter().filter(|b| b.x5t == listed_x5t))
        .or_else(|| newest(&mut bundles.iter()))
}
