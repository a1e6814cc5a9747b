//! A request Key Vault has completed: find the version it created (the one tagged with the
//! request's id), store it with every parsed field, compare the requested criticality with the
//! issued certificate, and mark the request completed.

use certkeep_azure::{CertBundle, VaultClient};
use certkeep_core::request::RequestSpec;
use certkeep_store::{CertificateRequest, RequestKind, RequestStatus, RequestUpdate, Vault};
use serde_json::json;

use super::policy::REQUEST_TAG;
use super::submit::action;
use crate::{Actor, Engine, EngineError, records};

impl Engine {
    /// The version this request created, if Key Vault has it: the current one when it carries
    /// the request's tag, else the version among all that does.
    pub(super) async fn tagged_version(
        &self,
        client: &VaultClient,
        req: &CertificateRequest,
    ) -> Result<Option<(CertBundle, bool)>, EngineError> {
        let ours = |tags: &std::collections::BTreeMap<String, String>| {
            tags.get(REQUEST_TAG)
                .is_some_and(|t| t.eq_ignore_ascii_case(req.id.as_str()))
        };
        match client.get_certificate(&req.certificate_name, None).await {
            Ok(b) if ours(&b.tags) => return Ok(Some((b, true))),
            Ok(_) => {}
            Err(certkeep_azure::AzureError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        let versions = client
            .list_certificate_versions(&req.certificate_name)
            .await?;
        match versions.into_iter().find(|v| ours(&v.tags)) {
            Some(v) => {
                let b = client
                    .get_certificate(&req.certificate_name, Some(&v.version))
                    .await?;
                Ok(Some((b, false)))
            }
            None => Ok(None),
        }
    }

    /// Stores the request's version and marks the request completed (one transaction); without a tagged version
    /// the request fails with that reason.
    pub(super) async fn finish_completed(
        &self,
        actor: &Actor,
        client: &VaultClient,
        v: &Vault,
        req: &CertificateRequest,
    ) -> Result<CertificateRequest, EngineError> {
        let Some((bundle, is_current)) = self.tagged_version(client, req).await? else {
            return self
                .fail_request(
                    actor,
                    req,
                    None,
                    "Key Vault completed the operation but no version carries this request's tag",
                )
                .await;
        };
        let version = records::bundle_record(&bundle, is_current)?;
        let criticality = match req.kind {
            RequestKind::Request => serde_json::from_value::<RequestSpec>(req.spec.clone())
                .ok()
                .and_then(|spec| {
                    let facts = certkeep_core::x509::inspect(&bundle.der).ok()?;
                    let report = certkeep_core::criticality::check_spec(&spec, &facts);
                    let problems = report.problems();
                    let mut value = serde_json::to_value(&report).ok()?;
                    if let Some(obj) = value.as_object_mut() {
                        obj.insert("problems".into(), json!(problems));
                    }
                    Some(value)
                }),
            RequestKind::Renew => None,
        };
        let target = self.request_target(req).await;
        Ok(self
            .store
            .complete_request(
                &req.id,
                v.id,
                &version,
                RequestUpdate {
                    status: Some(RequestStatus::Completed),
                    result_version: Some(bundle.version.clone()),
                    criticality,
                    completed_at: Some(self.now()),
                    status_details: Some("Certificate issued and stored in the inventory".into()),
                    ..Default::default()
                },
                self.audit(
                    actor,
                    action(req.kind),
                    &target,
                    "succeeded",
                    json!({"version": bundle.version}),
                ),
            )
            .await?)
    }
}
