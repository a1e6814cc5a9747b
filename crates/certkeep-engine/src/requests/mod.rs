//! Certificate requests and renewals (the seed's §3.2 and §3.3.1): validated before anything
//! is sent, recorded, created in Key Vault exactly once under a per-name lease, then followed
//! by a poller until Key Vault has issued (or refused) the new version, which is then stored
//! with every parsed field and the requested-versus-issued criticality.

mod complete;
mod obtain;
pub mod policy;
mod poll;
mod renew;
mod submit;
mod unknown;

use certkeep_store::CertificateRequest;
pub use certkeep_store::RequestStatus;
use serde::Serialize;

pub use obtain::ObtainReport;
pub use poll::PollReport;
pub use renew::{RenewOutcome, RenewTarget};
pub use submit::CertificateRequestInput;

use crate::views::Timestamp;

/// A request as the Request Status list shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequestView {
    pub id: String,
    pub credential: String,
    pub vault: String,
    pub certificate: String,
    /// `request` or `renew`.
    pub kind: &'static str,
    pub issuer: String,
    pub requested_by: String,
    pub requested_at: Timestamp,
    /// `sending`, `in_progress`, `completed`, `failed` or `cancelled`.
    pub status: &'static str,
    pub status_details: Option<String>,
    pub error_code: Option<String>,
    pub error: Option<String>,
    /// Key Vault's id of the pending operation.
    pub kv_request_id: Option<String>,
    /// The version Key Vault issued.
    pub version: Option<String>,
    pub completed_at: Option<Timestamp>,
    /// For issuer Unknown: a CSR is waiting to be signed and merged.
    pub csr_available: bool,
    /// Requested versus issued key usage / EKU criticality (after issuance).
    pub criticality: Option<serde_json::Value>,
    /// Short text of the criticality problems ("EKU requested critical, issued non-critical").
    pub criticality_problems: Vec<String>,
    pub updated_at: Timestamp,
}

fn status_str(s: RequestStatus) -> &'static str {
    s.as_str()
}

impl RequestView {
    pub(crate) fn new(credential: &str, vault: &str, r: &CertificateRequest) -> Self {
        let problems = r
            .criticality
            .as_ref()
            .and_then(|c| c.get("problems"))
            .and_then(|p| p.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            id: r.id.as_str().to_string(),
            credential: credential.to_string(),
            vault: vault.to_string(),
            certificate: r.certificate_name.clone(),
            kind: r.kind.as_str(),
            issuer: r.issuer_name.clone(),
            requested_by: r.requested_by.clone(),
            requested_at: r.requested_at.into(),
            status: status_str(r.status),
            status_details: r.status_details.clone(),
            error_code: r.error_code.clone(),
            error: r.error_message.clone(),
            kv_request_id: r.kv_request_id.clone(),
            version: r.result_version.clone(),
            completed_at: r.completed_at.map(Timestamp),
            csr_available: r.csr_der.is_some() && r.status.is_open(),
            criticality: r.criticality.clone(),
            criticality_problems: problems,
            updated_at: r.updated_at.into(),
        }
    }
}

/// Which requests to list.
#[derive(Debug, Clone, Default)]
pub struct RequestQuery {
    pub scope: crate::Scope,
    pub status: Option<RequestStatus>,
    pub certificate_name: Option<String>,
    pub page: certkeep_store::PageRequest,
}

impl crate::Engine {
    /// The Request Status list, newest first.
    pub async fn list_requests(
        &self,
        q: &RequestQuery,
    ) -> Result<crate::views::Listing<RequestView>, crate::EngineError> {
        let scope = self.resolve_scope(&q.scope).await?;
        let credential = match &scope.credential {
            Some(c) => Some(self.credential(c).await?.id),
            None => None,
        };
        let vault = match (&scope.credential, &scope.vault) {
            (Some(c), Some(v)) => Some(self.vault(c, v).await?.1.id),
            _ => None,
        };
        let page = self
            .store
            .request_page(
                &certkeep_store::RequestFilter {
                    vault,
                    credential,
                    status: q.status,
                    certificate_name: q.certificate_name.clone(),
                },
                q.page,
            )
            .await?;
        let names = crate::views::Names::load(&self.store).await?;
        Ok(crate::views::Listing {
            total: page.total,
            offset: page.offset,
            limit: page.limit,
            items: page
                .items
                .iter()
                .map(|r| {
                    let (c, v) = names.of(r.vault_id);
                    RequestView::new(&c, &v, r)
                })
                .collect(),
        })
    }

    /// One request.
    pub async fn show_request(&self, id: &str) -> Result<RequestView, crate::EngineError> {
        let req = self.find_request(&super::requests::request_id(id)?).await?;
        self.request_view(&req).await
    }
}

/// The request vocabulary front ends fill in (the form as typed).
pub mod raw {
    pub use certkeep_core::request::{Criticality, RawRequest};
}

/// A request id as typed: one that is not an id names no request (not found, not a 500).
pub(crate) fn request_id(id: &str) -> Result<certkeep_store::RequestId, crate::EngineError> {
    certkeep_store::RequestId::parse(id.trim()).map_err(|_| crate::EngineError::NotFound {
        what: format!("request {id}"),
    })
}
