//! Sending a request (or a renewal) to Key Vault: validated first, recorded as `sending`, then
//! created exactly once under the name's lease; the pending operation Key Vault answers with is
//! recorded and followed by the poller.

use certkeep_azure::write_models::{Contact, NewCertificate, PendingOperation};
use certkeep_azure::{AzureError, VaultClient};
use certkeep_core::request::{RawRequest, RequestContext, RequestSpec, VaultIssuer};
use certkeep_store::{
    CertificateRequest, Credential, NewRequest, RequestId, RequestKind, RequestStatus,
    RequestUpdate, Vault,
};
use serde_json::json;

use super::RequestView;
use super::policy::{REQUEST_TAG, create_tags, to_write_policy};
use crate::lease::LeaseKind;
use crate::{Actor, Engine, EngineError, Scope};

/// What `cert request` takes: the vault, and the seed's form as typed.
#[derive(Debug, Clone, Default)]
pub struct CertificateRequestInput {
    pub scope: Scope,
    pub raw: RawRequest,
}

/// Key Vault's tag limit, and the tags Certkeep adds to a new version (owner, request id).
const MAX_TAGS: usize = certkeep_core::request::MAX_TAGS;
const ADDED_TAGS: usize = 2;

/// One create to send.
pub(super) struct Submission {
    pub(super) kind: RequestKind,
    pub(super) name: String,
    pub(super) issuer_name: String,
    /// The validated request (requests) or the renewal's parameters, as stored.
    pub(super) spec: serde_json::Value,
    pub(super) new: NewCertificate,
    pub(super) contact: Option<String>,
    /// For renewals: the validity to set in the policy before creating.
    pub(super) validity_months: Option<u32>,
}

pub(super) fn action(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Request => "certificate.request",
        RequestKind::Renew => "certificate.renew",
    }
}

/// Key Vault's answers that are really about the input, as the input errors they are.
pub(super) fn refusal(e: AzureError) -> EngineError {
    match e {
        AzureError::DeletedButRecoverable { name } => EngineError::invalid(
            "name",
            format!(
                "'{name}' is deleted but recoverable in this vault (soft-deleted): recover it, purge it, or pick another name"
            ),
        ),
        AzureError::PendingOperationInProgress { name, .. } => EngineError::Refused {
            reason: format!(
                "'{name}' has a pending operation in progress in Key Vault: wait for it or cancel it"
            ),
        },
        other => EngineError::Azure(other),
    }
}

/// Errors after which Key Vault may or may not have made the change: a connection that broke
/// or timed out, a server error, an answer that could not be read.
fn outcome_unknown(e: &AzureError) -> bool {
    match e {
        AzureError::Unreachable { .. } | AzureError::InvalidResponse(_) | AzureError::Sdk(_) => {
            true
        }
        AzureError::Http { status, .. } => *status >= 500,
        _ => false,
    }
}

impl Engine {
    /// `cert request`: validates the form (every bad field named, nothing sent), then creates
    /// the certificate (or a new version of an existing name) in Key Vault. The contact e-mail
    /// is added to the vault's certificate contacts when absent and recorded as the `owner` tag.
    pub async fn request_certificate(
        &self,
        actor: &Actor,
        input: CertificateRequestInput,
    ) -> Result<RequestView, EngineError> {
        let target = format!(
            "{}/{}",
            input.scope.vault.as_deref().unwrap_or_default(),
            input.raw.name.trim()
        );
        self.audited(actor, "certificate.request", &target, async {
            let (c, v) = self.one_vault(&input.scope).await?;
            let spec = self.validate_request(actor, &c, &v, &input.raw).await?;
            let request_id = RequestId::parse(&uuid::Uuid::new_v4().to_string())?;
            let submission = Submission {
                kind: RequestKind::Request,
                name: spec.name.clone(),
                issuer_name: spec.issuer.name().to_string(),
                spec: serde_json::to_value(&spec)
                    .map_err(|e| EngineError::invalid("request", e.to_string()))?,
                new: NewCertificate {
                    policy: to_write_policy(&spec.policy()),
                    enabled: Some(true),
                    tags: create_tags(&spec, request_id.as_str()),
                },
                contact: spec.contact_email.clone(),
                validity_months: None,
            };
            let req = self.submit(actor, &c, &v, request_id, submission).await?;
            Ok(RequestView::new(&c.name, &v.record.name, &req))
        })
        .await
    }

    /// The form checked against the vault: its SKU (HSM keys need premium) and its issuers
    /// (synced first when the form names one Certkeep has not seen).
    async fn validate_request(
        &self,
        actor: &Actor,
        c: &Credential,
        v: &Vault,
        raw: &RawRequest,
    ) -> Result<RequestSpec, EngineError> {
        let mut issuers = self.store.list_issuers(v.id).await?;
        let wanted = raw.issuer.trim();
        let builtin = wanted.is_empty()
            || wanted.eq_ignore_ascii_case("self")
            || wanted.eq_ignore_ascii_case("unknown");
        if !builtin
            && !issuers
                .iter()
                .any(|i| i.record.name.eq_ignore_ascii_case(wanted))
        {
            self.sync_issuers(actor, &c.name, &v.record.name).await?;
            issuers = self.store.list_issuers(v.id).await?;
        }
        let ctx = RequestContext {
            vault_is_premium: v.record.sku.eq_ignore_ascii_case("premium"),
            issuers: issuers
                .iter()
                .filter(|i| !i.is_missing)
                .map(|i| VaultIssuer {
                    name: i.record.name.clone(),
                    provider: i.record.provider.clone(),
                })
                .collect(),
            today: time::OffsetDateTime::from_unix_timestamp(self.now())
                .ok()
                .map(|t| t.date()),
        };
        let spec = certkeep_core::request::validate(raw, &ctx)
            .map_err(|errors| EngineError::Fields { errors })?;
        if spec.tags.len() + ADDED_TAGS > MAX_TAGS {
            return Err(EngineError::invalid(
                "tags",
                format!(
                    "at most {} tags: Certkeep adds '{}' and '{REQUEST_TAG}' (Key Vault allows {MAX_TAGS})",
                    MAX_TAGS - ADDED_TAGS,
                    super::policy::OWNER_TAG
                ),
            ));
        }
        Ok(spec)
    }

    /// Records the request, then (under the name's lease) sends the create once and records
    /// what Key Vault answered. A refusal marks the request failed and is returned.
    pub(super) async fn submit(
        &self,
        actor: &Actor,
        c: &Credential,
        v: &Vault,
        id: RequestId,
        s: Submission,
    ) -> Result<CertificateRequest, EngineError> {
        let target = format!("{}/{}", v.record.name, s.name);
        let name = s.name.clone();
        self.with_lease(actor, LeaseKind::Certificate, v.id, &name, async {
            let client = self.pool_for(c)?.vault(&v.record.vault_uri)?;
            let req = self
                .store
                .create_request(
                    NewRequest {
                        id,
                        vault_id: v.id,
                        certificate_name: s.name.clone(),
                        kind: s.kind,
                        spec: s.spec.clone(),
                        issuer_name: s.issuer_name.clone(),
                        requested_by: actor.audit_name(),
                        requested_at: self.now(),
                        status: RequestStatus::Sending,
                        poll_after: None,
                    },
                    self.audit(
                        actor,
                        action(s.kind),
                        &target,
                        "sending",
                        json!({"issuer": s.issuer_name}),
                    ),
                )
                .await?;
            match self.send_create(&client, &s).await {
                Ok(op) => {
                    let mut req = self.record_operation(actor, &req, &op).await?;
                    // The contact is added once Key Vault has accepted the create, so that a
                    // refused create (a soft-deleted name, a bad policy) changes nothing.
                    if let Some(email) = &s.contact
                        && let Err(e) = client
                            .add_certificate_contacts(&[Contact::email(email)])
                            .await
                    {
                        let message = format!(
                            "the contact {email} could not be added to the vault's certificate contacts: {e}"
                        );
                        tracing::warn!("{target}: {message}");
                        req = self
                            .store
                            .update_request(
                                &req.id,
                                RequestUpdate {
                                    status_details: Some(message),
                                    ..Default::default()
                                },
                                None,
                            )
                            .await?;
                    }
                    if op.status == certkeep_azure::write_models::OperationStatus::Completed {
                        return self.finish_completed(actor, &client, v, &req).await;
                    }
                    Ok(req)
                }
                // Key Vault may have created it (the answer was lost, or never came): the
                // request stays `sending`, and the poller decides by its tag, never by sending
                // again.
                Err(e) if outcome_unknown(&e) => {
                    self.store
                        .update_request(
                            &req.id,
                            RequestUpdate {
                                status_details: Some(format!(
                                    "Key Vault's answer was lost ({e}): `request poll` checks what Key Vault has"
                                )),
                                ..Default::default()
                            },
                            None,
                        )
                        .await?;
                    Err(EngineError::Azure(e))
                }
                Err(e) => {
                    let e = refusal(e);
                    self.fail_request(actor, &req, None, &e.to_string()).await?;
                    Err(e)
                }
            }
        })
        .await
    }

    /// The renewal's policy change, then the create itself.
    async fn send_create(
        &self,
        client: &VaultClient,
        s: &Submission,
    ) -> Result<PendingOperation, AzureError> {
        let mut new = s.new.clone();
        let Some(months) = s.validity_months else {
            return Ok(client
                .create_certificate_safely(&s.name, &new)
                .await?
                .operation);
        };
        // A renewal changes the policy first: not while another operation is pending. That
        // read also serves the create's own check (one request fewer per renewal).
        let before = client.get_pending_operation(&s.name).await?;
        if let Some(op) = before.as_ref().filter(|op| op.in_progress()) {
            return Err(AzureError::PendingOperationInProgress {
                name: s.name.clone(),
                request_id: op.request_id.clone(),
            });
        }
        let update = certkeep_azure::write_models::CertificatePolicySpec {
            x509: Some(certkeep_azure::write_models::X509Spec {
                validity_months: Some(months),
                ..Default::default()
            }),
            ..Default::default()
        };
        new.policy = client.update_certificate_policy(&s.name, &update).await?;
        Ok(client
            .create_certificate_after_check(&s.name, &new, before)
            .await?
            .operation)
    }

    /// Records a pending operation's state on the request (in progress, or already final).
    pub(super) async fn record_operation(
        &self,
        actor: &Actor,
        req: &CertificateRequest,
        op: &PendingOperation,
    ) -> Result<CertificateRequest, EngineError> {
        use certkeep_azure::write_models::OperationStatus as S;
        let target = self.request_target(req).await;
        let base = RequestUpdate {
            kv_request_id: op.request_id.clone(),
            csr_der: op.csr.clone(),
            status_details: op.status_details.clone(),
            ..Default::default()
        };
        match &op.status {
            S::Failed => {
                let message = op
                    .error
                    .as_ref()
                    .and_then(|e| e.message.clone())
                    .unwrap_or_else(|| "Key Vault reported the request failed".into());
                let code = op.error.as_ref().and_then(|e| e.code.clone());
                self.fail_request(actor, req, code, &message).await
            }
            S::Cancelled => Ok(self
                .store
                .update_request(
                    &req.id,
                    RequestUpdate {
                        status: Some(RequestStatus::Cancelled),
                        completed_at: Some(self.now()),
                        ..base
                    },
                    Some(self.audit(actor, action(req.kind), &target, "cancelled", json!({}))),
                )
                .await?),
            _ => Ok(self
                .store
                .update_request(
                    &req.id,
                    RequestUpdate {
                        status: Some(RequestStatus::InProgress),
                        poll_after: Some(self.now() + 1),
                        ..base
                    },
                    None,
                )
                .await?),
        }
    }

    /// `vault/name` of a request, for the audit log.
    pub(super) async fn request_target(&self, req: &CertificateRequest) -> String {
        let vault = match self.store.find_vault_by_id(req.vault_id).await {
            Ok(Some(v)) => v.record.name,
            _ => req.vault_id.to_string(),
        };
        format!("{vault}/{}", req.certificate_name)
    }

    /// Marks a request failed, with the reason, in the same transaction as its audit event.
    pub(super) async fn fail_request(
        &self,
        actor: &Actor,
        req: &CertificateRequest,
        code: Option<String>,
        message: &str,
    ) -> Result<CertificateRequest, EngineError> {
        Ok(self
            .store
            .update_request(
                &req.id,
                RequestUpdate {
                    status: Some(RequestStatus::Failed),
                    error_code: code,
                    error_message: Some(message.to_string()),
                    completed_at: Some(self.now()),
                    ..Default::default()
                },
                Some(self.audit(
                    actor,
                    action(req.kind),
                    &self.request_target(req).await,
                    "failed",
                    json!({"error": message}),
                )),
            )
            .await?)
    }
}
