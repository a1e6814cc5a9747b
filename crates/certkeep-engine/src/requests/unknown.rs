//! Requests of issuer `Unknown` (an external CA): the CSR to download, and merging the signed
//! certificate back; cancelling a pending request, and deleting a failed or cancelled operation.

use certkeep_store::{RequestStatus, RequestUpdate};
use serde_json::json;

use super::RequestView;
use super::submit::action;
use crate::lease::LeaseKind;
use crate::{Actor, Engine, EngineError};

impl Engine {
    /// The pending request's CSR, PEM (`CERTIFICATE REQUEST`).
    pub async fn request_csr(&self, id: &str) -> Result<String, EngineError> {
        let req = self.find_request(&super::request_id(id)?).await?;
        let der = match &req.csr_der {
            Some(der) => der.clone(),
            None => {
                let (_, _, client) = self.request_vault(&req).await?;
                client
                    .get_pending_operation(&req.certificate_name)
                    .await?
                    .and_then(|op| op.csr)
                    .ok_or_else(|| EngineError::NotFound {
                        what: format!("a CSR for request {id} (Key Vault has none)"),
                    })?
            }
        };
        Ok(certkeep_core::pem::encode_block(
            "CERTIFICATE REQUEST",
            &der,
        ))
    }

    /// Merges the signed certificate (PEM, DER or PKCS#7, with or without its chain) into the
    /// pending request. A certificate whose key is not the CSR's is refused before anything is
    /// sent.
    pub async fn merge_request(
        &self,
        actor: &Actor,
        id: &str,
        file: &[u8],
    ) -> Result<RequestView, EngineError> {
        let req = self.find_request(&super::request_id(id)?).await?;
        let target = self.request_target(&req).await;
        self.audited(actor, "certificate.merge", &target, async {
            if !req.status.is_open() {
                return Err(EngineError::Refused {
                    reason: format!("request {id} is {}: nothing to merge", req.status.as_str()),
                });
            }
            let (_, v, client) = self.request_vault(&req).await?;
            let csr = match &req.csr_der {
                Some(c) => c.clone(),
                None => client
                    .get_pending_operation(&req.certificate_name)
                    .await?
                    .and_then(|op| op.csr)
                    .ok_or_else(|| EngineError::Refused {
                        reason: format!("request {id} has no CSR: its issuer signs it itself"),
                    })?,
            };
            let chain = certkeep_core::merge_upload::chain_for_csr(file, &csr)
                .map_err(|e| EngineError::invalid("file", e.to_string()))?;
            let req = self
                .with_lease(
                    actor,
                    LeaseKind::Certificate,
                    v.id,
                    &req.certificate_name,
                    async {
                        client
                            .merge_certificate(&req.certificate_name, &chain)
                            .await?;
                        self.finish_completed(actor, &client, &v, &req).await
                    },
                )
                .await?;
            self.request_view(&req).await
        })
        .await
    }

    /// Asks Key Vault to cancel a request in progress; the request is cancelled once Key Vault
    /// says so (at once, or at the next poll).
    pub async fn cancel_request(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<RequestView, EngineError> {
        let req = self.find_request(&super::request_id(id)?).await?;
        let target = self.request_target(&req).await;
        self.audited(actor, "certificate.cancel", &target, async {
            if req.status != RequestStatus::InProgress {
                return Err(EngineError::Refused {
                    reason: format!(
                        "request {id} is {}: only a request in progress can be cancelled",
                        req.status.as_str()
                    ),
                });
            }
            let (_, _, client) = self.request_vault(&req).await?;
            let op = client
                .cancel_pending_operation(&req.certificate_name)
                .await?;
            let req = self.record_operation(actor, &req, &op).await?;
            self.store
                .record_audit_event(self.audit(
                    actor,
                    "certificate.cancel",
                    &target,
                    "succeeded",
                    json!({"request_id": id}),
                ))
                .await?;
            self.request_view(&req).await
        })
        .await
    }

    /// Deletes Key Vault's pending operation of a failed or cancelled request (Key Vault keeps
    /// it until then, and refuses a new create of the name meanwhile only while in progress).
    pub async fn delete_request_operation(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<RequestView, EngineError> {
        let req = self.find_request(&super::request_id(id)?).await?;
        let target = self.request_target(&req).await;
        self.audited(actor, "certificate.pending.delete", &target, async {
            if !matches!(req.status, RequestStatus::Failed | RequestStatus::Cancelled) {
                return Err(EngineError::Refused {
                    reason: format!(
                        "request {id} is {}: only a failed or cancelled request's operation can be deleted",
                        req.status.as_str()
                    ),
                });
            }
            let (_, _, client) = self.request_vault(&req).await?;
            client
                .delete_pending_operation(&req.certificate_name)
                .await?;
            let req = self
                .store
                .update_request(
                    &req.id,
                    RequestUpdate {
                        status_details: Some("Key Vault's pending operation was deleted".into()),
                        ..Default::default()
                    },
                    Some(self.audit(
                        actor,
                        action(req.kind),
                        &target,
                        "operation_deleted",
                        json!({}),
                    )),
                )
                .await?;
            self.request_view(&req).await
        })
        .await
    }
}
