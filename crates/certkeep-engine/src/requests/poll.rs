//! Following requests until Key Vault has answered: each open request's pending operation is
//! read with backoff (never sooner than Key Vault's `Retry-After` of the create), and a
//! completed one is finished (its version stored). A request left `sending` by a process that
//! died is reconciled: adopted when Key Vault has its operation or its version, failed (nothing
//! was created) when it has neither — never sent again.

use std::time::Duration;

use certkeep_azure::VaultClient;
use certkeep_azure::write_models::OperationStatus;
use certkeep_store::{
    CertificateRequest, Credential, RequestId, RequestStatus, RequestUpdate, Vault,
};
use futures::StreamExt as _;
use serde::Serialize;

use super::RequestView;
use crate::lease::LeaseKind;
use crate::views::Names;
use crate::{Actor, Engine, EngineError};

/// What one poll round did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct PollReport {
    pub polled: usize,
    pub completed: usize,
    pub failed: usize,
    pub cancelled: usize,
    pub still_open: usize,
    /// Requests that could not be polled this round (`id: reason`); they are tried again.
    pub errors: Vec<String>,
    pub requests: Vec<RequestView>,
}

/// Seconds until the next background poll after `attempts` polls: 1, 2, 4, ... 64.
fn backoff_secs(attempts: i32) -> i64 {
    1i64 << attempts.clamp(0, 6).min(6)
}

impl Engine {
    /// The credential and vault a request belongs to.
    pub(super) async fn request_vault(
        &self,
        req: &CertificateRequest,
    ) -> Result<(Credential, Vault, std::sync::Arc<VaultClient>), EngineError> {
        let v = self
            .store
            .find_vault_by_id(req.vault_id)
            .await?
            .ok_or_else(|| EngineError::NotFound {
                what: format!("the vault of request {}", req.id.as_str()),
            })?;
        let c = self
            .store
            .find_credential(&v.credential_id)
            .await?
            .ok_or_else(|| EngineError::NotFound {
                what: format!("the credential of request {}", req.id.as_str()),
            })?;
        let client = self.pool_for(&c)?.vault(&v.record.vault_uri)?;
        Ok((c, v, client))
    }

    /// `request poll`: one round over every open request that is due.
    pub async fn poll_requests(&self, actor: &Actor) -> Result<PollReport, EngineError> {
        let due = self.store.requests_due(self.now(), 1000).await?;
        let results: Vec<(RequestId, Result<CertificateRequest, EngineError>)> =
            futures::stream::iter(due)
                .map(|req| async move {
                    (req.id.clone(), self.poll_request(actor, &req, true).await)
                })
                .buffer_unordered(self.config.item_concurrency.max(1))
                .collect()
                .await;
        let names = Names::load(&self.store).await?;
        let mut report = PollReport::default();
        for (id, result) in results {
            report.polled += 1;
            match result {
                Ok(req) => {
                    match req.status {
                        RequestStatus::Completed => report.completed += 1,
                        RequestStatus::Failed => report.failed += 1,
                        RequestStatus::Cancelled => report.cancelled += 1,
                        _ => report.still_open += 1,
                    }
                    let (c, v) = names.of(req.vault_id);
                    report.requests.push(RequestView::new(&c, &v, &req));
                }
                Err(e) => report.errors.push(format!("{}: {e}", id.as_str())),
            }
        }
        Ok(report)
    }

    /// Polls requests until each is completed, failed or cancelled (or `timeout` passes), on a
    /// fast schedule: 500 ms first, then 1.5 times longer each time up to 1 s, so that a
    /// request is seen finished at most about a second after Key Vault has finished it. A
    /// failed poll (a throttled or dropped read) is tried again on the same schedule; after
    /// five failures in a row that error is returned.
    pub async fn wait_for_requests(
        &self,
        actor: &Actor,
        ids: &[String],
        timeout: Duration,
    ) -> Result<Vec<RequestView>, EngineError> {
        const FIRST: Duration = Duration::from_millis(500);
        const LONGEST: Duration = Duration::from_secs(1);
        const FAILURES: u32 = 5;
        let deadline = tokio::time::Instant::now() + timeout;
        let results: Vec<Result<RequestView, EngineError>> = futures::stream::iter(ids.to_vec())
            .map(|id| async move {
                let id = super::request_id(&id)?;
                let mut delay = FIRST;
                let mut failures = 0;
                let mut req = self.find_request(&id).await?;
                loop {
                    if !req.status.is_open() {
                        return self.request_view(&req).await;
                    }
                    let now = tokio::time::Instant::now();
                    if now >= deadline {
                        return self.request_view(&req).await;
                    }
                    tokio::time::sleep(delay.min(deadline - now)).await;
                    // Re-read first: another poller may have finished it meanwhile.
                    let latest = self.find_request(&id).await?;
                    req = if !latest.status.is_open() {
                        latest
                    } else {
                        match self.poll_request(actor, &latest, false).await {
                            Ok(r) => {
                                failures = 0;
                                r
                            }
                            Err(e) => {
                                failures += 1;
                                if failures >= FAILURES {
                                    return Err(e);
                                }
                                tracing::warn!("polling request {}: {e}", id.as_str());
                                latest
                            }
                        }
                    };
                    delay = delay.mul_f64(1.5).min(LONGEST);
                }
            })
            .buffer_unordered(self.config.item_concurrency.max(1) * 8)
            .collect()
            .await;
        results.into_iter().collect()
    }

    pub(super) async fn find_request(
        &self,
        id: &RequestId,
    ) -> Result<CertificateRequest, EngineError> {
        self.store
            .find_request(id)
            .await?
            .ok_or_else(|| EngineError::NotFound {
                what: format!("request {}", id.as_str()),
            })
    }

    pub(super) async fn request_view(
        &self,
        req: &CertificateRequest,
    ) -> Result<RequestView, EngineError> {
        let v = self.store.find_vault_by_id(req.vault_id).await?;
        let (credential, vault) = match v {
            Some(v) => {
                let c = self.store.find_credential(&v.credential_id).await?;
                (c.map(|c| c.name).unwrap_or_default(), v.record.name)
            }
            None => Default::default(),
        };
        Ok(RequestView::new(&credential, &vault, req))
    }

    /// Reads the request's pending operation once and records what it says. A waiter
    /// (`background: false`) writes nothing while the operation is still in progress with
    /// nothing new to say: it polls again itself, and the background poller's schedule
    /// (`poll_after`, set when the create was recorded) stays as it was.
    pub(super) async fn poll_request(
        &self,
        actor: &Actor,
        req: &CertificateRequest,
        background: bool,
    ) -> Result<CertificateRequest, EngineError> {
        if !req.status.is_open() {
            return Ok(req.clone());
        }
        let (_, v, client) = self.request_vault(req).await?;
        if req.status == RequestStatus::Sending {
            return self.reconcile_sending(actor, &client, &v, req).await;
        }
        let op = client.get_pending_operation(&req.certificate_name).await?;
        let same_operation = |op: &certkeep_azure::write_models::PendingOperation| match (
            &req.kv_request_id,
            &op.request_id,
        ) {
            (Some(ours), Some(theirs)) => ours.eq_ignore_ascii_case(theirs),
            _ => true,
        };
        match op {
            Some(op) if same_operation(&op) => match op.status {
                OperationStatus::InProgress
                    if !background
                        && op.status_details == req.status_details
                        && (op.csr.is_none() || op.csr == req.csr_der) =>
                {
                    Ok(req.clone())
                }
                OperationStatus::InProgress => Ok(self
                    .store
                    .update_request(
                        &req.id,
                        RequestUpdate {
                            status_details: op.status_details.clone(),
                            csr_der: op.csr.clone(),
                            poll_attempts: Some(req.poll_attempts + 1),
                            poll_after: Some(self.now() + backoff_secs(req.poll_attempts)),
                            ..Default::default()
                        },
                        None,
                    )
                    .await?),
                OperationStatus::Completed => {
                    self.finish_completed(actor, &client, &v, req).await
                }
                _ => self.record_operation(actor, req, &op).await,
            },
            // The operation is gone (deleted after completing) or was replaced by another:
            // the request's own version decides.
            _ => match self.tagged_version(&client, req).await? {
                Some(_) => self.finish_completed(actor, &client, &v, req).await,
                None => {
                    self.fail_request(
                        actor,
                        req,
                        None,
                        "Key Vault no longer has this request's operation, and no version carries its tag",
                    )
                    .await
                }
            },
        }
    }

    /// A request still `sending`: if its sender is alive (holds the name's lease), wait;
    /// otherwise find out what Key Vault has.
    async fn reconcile_sending(
        &self,
        actor: &Actor,
        client: &VaultClient,
        v: &Vault,
        req: &CertificateRequest,
    ) -> Result<CertificateRequest, EngineError> {
        let lease = match self
            .lease(actor, LeaseKind::Certificate, v.id, &req.certificate_name)
            .await
        {
            Ok(l) => l,
            Err(EngineError::InProgress { .. }) => return Ok(req.clone()),
            Err(e) => return Err(e),
        };
        let result = async {
            // Re-read: the sender may have finished between the listing and the lease.
            let req = self.find_request(&req.id).await?;
            if req.status != RequestStatus::Sending {
                return Ok(req);
            }
            let op = client.get_pending_operation(&req.certificate_name).await?;
            if let Some(op) = op.filter(|op| op.in_progress())
                && !self
                    .operation_claimed(&req, op.request_id.as_deref())
                    .await?
            {
                return self.record_operation(actor, &req, &op).await;
            }
            if self.tagged_version(client, &req).await?.is_some() {
                return self.finish_completed(actor, client, v, &req).await;
            }
            self.fail_request(
                actor,
                &req,
                Some("Interrupted".into()),
                "interrupted before it reached Key Vault: nothing was created; request it again",
            )
            .await
        }
        .await;
        self.release(lease).await;
        result
    }

    /// Whether another request of this certificate already follows operation `kv_request_id`.
    async fn operation_claimed(
        &self,
        req: &CertificateRequest,
        kv_request_id: Option<&str>,
    ) -> Result<bool, EngineError> {
        let Some(kv) = kv_request_id else {
            return Ok(false);
        };
        let others = self
            .store
            .request_page(
                &certkeep_store::RequestFilter {
                    vault: Some(req.vault_id),
                    certificate_name: Some(req.certificate_name.clone()),
                    ..Default::default()
                },
                certkeep_store::PageRequest::new(0, 100),
            )
            .await?;
        Ok(others.items.iter().any(|o| {
            o.id != req.id
                && o.kv_request_id
                    .as_deref()
                    .is_some_and(|k| k.eq_ignore_ascii_case(kv))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_secs;

    #[test]
    fn background_polls_back_off_to_a_minute() {
        assert_eq!(
            (0..9).map(backoff_secs).collect::<Vec<_>>(),
            vec![1, 2, 4, 8, 16, 32, 64, 64, 64]
        );
    }
}
