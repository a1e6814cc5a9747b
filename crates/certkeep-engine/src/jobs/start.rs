//! The jobs front ends start: discovery, bulk renewal, a round of request polling; and the
//! job listing.

use std::sync::Arc;

use certkeep_store::{JobFilter, JobStatus, PageRequest};
use serde_json::json;

use super::run::result_of;
use super::{JobResult, JobView};
use crate::requests::RenewTarget;
use crate::secret_discovery::SecretKind;
use crate::views::Listing;
use crate::{Actor, Engine, EngineError, Scope};

/// What a discovery job covers ("Discovery » Azure").
#[derive(Debug, Clone, Default)]
pub struct DiscoveryJob {
    pub scope: Scope,
    pub certificates: bool,
    /// Every version ("Import Previous Versions"), not only the current ones.
    pub all_versions: bool,
    /// TLS secrets too, of this kind ("Discovery Type").
    pub secrets: Option<SecretKind>,
    /// "Add discovered certificate type secrets to Certificates".
    pub add_certificates: bool,
}

/// Which jobs to list.
#[derive(Debug, Clone, Default)]
pub struct JobQuery {
    pub kind: Option<String>,
    pub status: Option<JobStatus>,
    pub requested_by: Option<String>,
    pub page: PageRequest,
}

impl Engine {
    /// Starts a discovery job; its outcome lists each vault's report.
    pub async fn start_discovery(
        self: &Arc<Self>,
        actor: &Actor,
        job: DiscoveryJob,
    ) -> Result<JobView, EngineError> {
        if !job.certificates && job.secrets.is_none() {
            return Err(EngineError::invalid(
                "certificates",
                "discover certificates, secrets or both",
            ));
        }
        // Checked now, so a wrong credential or vault is a 4xx, not a failed job.
        self.vaults_in_scope(&job.scope).await?;
        let parameters = json!({
            "credential": job.scope.credential,
            "vault": job.scope.vault,
            "certificates": job.certificates,
            "all_versions": job.all_versions,
            "secrets": job.secrets.map(|k| match k { SecretKind::All => "all", SecretKind::TlsOnly => "tls_only" }),
            "add_certificates": job.add_certificates,
        });
        self.spawn_job(
            actor,
            "discovery",
            parameters,
            move |engine, actor, progress| async move {
                let mut outcome = serde_json::Map::new();
                let (mut failed, mut total) = (0, 0);
                if job.certificates {
                    let reports = engine
                        .discover_certificates(&actor, &job.scope, job.all_versions, &progress)
                        .await?;
                    let r = result_of(&reports, |r| r.error.is_some());
                    failed += r.failed;
                    total += r.total;
                    outcome.insert("certificates".into(), r.outcome);
                }
                if let Some(kind) = job.secrets {
                    let reports = engine
                        .discover_secrets(&actor, &job.scope, kind, job.add_certificates, &progress)
                        .await?;
                    let r = result_of(&reports, |r| r.error.is_some());
                    failed += r.failed;
                    total += r.total;
                    outcome.insert("secrets".into(), r.outcome);
                }
                Ok(JobResult {
                    outcome: outcome.into(),
                    failed,
                    total,
                })
            },
        )
        .await
    }

    /// Starts a bulk renewal of one vault's certificates, followed until Key Vault has issued
    /// each new version; the outcome lists each certificate's.
    pub async fn start_renewal(
        self: &Arc<Self>,
        actor: &Actor,
        scope: Scope,
        targets: Vec<RenewTarget>,
        validity_months: u32,
    ) -> Result<JobView, EngineError> {
        if targets.is_empty() {
            return Err(EngineError::invalid(
                "names",
                "name at least one certificate",
            ));
        }
        if !(1..=1200).contains(&validity_months) {
            return Err(EngineError::invalid(
                "validity_months",
                "must be 1 to 1200 months",
            ));
        }
        self.one_vault(&scope).await?;
        let parameters = json!({
            "credential": scope.credential,
            "vault": scope.vault,
            "names": targets.iter().map(|t| &t.name).collect::<Vec<_>>(),
            "validity_months": validity_months,
        });
        self.spawn_job(
            actor,
            "renew",
            parameters,
            move |engine, actor, progress| async move {
                crate::Progress::phase(&progress, "certificates", targets.len() as u64);
                let outcomes = engine
                    .renew_certificates(&actor, &scope, &targets, validity_months, true)
                    .await?;
                crate::Progress::advance(&progress, outcomes.len() as u64);
                Ok(result_of(&outcomes, |o| {
                    matches!(o.outcome, "refused" | "failed")
                }))
            },
        )
        .await
    }

    /// Starts one round of request polling.
    pub async fn start_poll(self: &Arc<Self>, actor: &Actor) -> Result<JobView, EngineError> {
        self.spawn_job(
            actor,
            "poll",
            json!({}),
            |engine, actor, progress| async move {
                let report = engine.poll_requests(&actor).await?;
                crate::Progress::phase(&progress, "requests", report.polled as u64);
                crate::Progress::advance(&progress, report.polled as u64);
                Ok(JobResult {
                    failed: report.errors.len(),
                    total: report.polled,
                    outcome: serde_json::to_value(&report).unwrap_or_default(),
                })
            },
        )
        .await
    }

    /// Jobs, newest first.
    pub async fn list_jobs(&self, q: &JobQuery) -> Result<Listing<JobView>, EngineError> {
        let page = self
            .store
            .job_page(
                &JobFilter {
                    kind: q.kind.clone(),
                    status: q.status,
                    requested_by: q.requested_by.clone(),
                },
                q.page,
            )
            .await?;
        Ok(Listing {
            total: page.total,
            offset: page.offset,
            limit: page.limit,
            items: page.items.iter().map(JobView::from).collect(),
        })
    }
}
