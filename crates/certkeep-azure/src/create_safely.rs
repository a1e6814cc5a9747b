//! The non-idempotent writes with recovery instead of resending: certificate create with a
//! pre-check and adoption, merge, and secret set. Each is sent through the no-retry clients by
//! [`send_once`]; when its outcome is unknown (the answer was lost), the vault is read to find
//! out whether it happened, and what it made is returned with `adopted: true`. A write is never
//! sent a second time unless the service certainly did not process the first one.

use azure_core::http::RequestContent;
use azure_security_keyvault_certificates::models::MergeCertificateParameters;
use azure_security_keyvault_secrets::models::SetSecretParameters;
use sha1::{Digest, Sha1};

use crate::vault_models as m;
use crate::write_convert::{self as cv, check_name};
use crate::write_models::*;
use crate::write_safety::send_once;
use crate::{AzureError, VaultClient};

/// Whether `now` is an operation that did not exist at the pre-check.
fn is_new_operation(before: Option<&PendingOperation>, now: &PendingOperation) -> bool {
    match before {
        None => true,
        Some(b) => match (&b.request_id, &now.request_id) {
            (Some(old), Some(new)) => !old.eq_ignore_ascii_case(new),
            // Without request ids two operations cannot be told apart: assume nothing new.
            _ => false,
        },
    }
}

impl VaultClient {
    /// Creates a certificate (or a new version) without ever sending the create twice:
    /// 1. reads the pending operation; one in progress → [`AzureError::PendingOperationInProgress`]
    ///    and nothing is sent (the caller may wait, cancel, or adopt it);
    /// 2. POSTs the create once ([`VaultClient::create_certificate`]);
    /// 3. if the answer was lost (timeout, dropped connection, 5xx without `Retry-After`), or was
    ///    409 Conflict, reads the pending operation again: one that did not exist at step 1 (a new
    ///    `request_id`), whatever its status, is this create's and is returned with
    ///    `adopted: true`. Otherwise the create's own error is returned.
    pub async fn create_certificate_safely(
        &self,
        name: &str,
        new: &NewCertificate,
    ) -> Result<CreatedCertificate, AzureError> {
        check_name("certificate", name)?;
        let before = self.get_pending_operation(name).await?;
        self.create_certificate_after_check(name, new, before).await
    }

    /// [`VaultClient::create_certificate_safely`] for a caller that has just read the pending
    /// operation itself (`before`, `None` when there was none): the same refusal, single send
    /// and adoption, one read fewer.
    pub async fn create_certificate_after_check(
        &self,
        name: &str,
        new: &NewCertificate,
        before: Option<PendingOperation>,
    ) -> Result<CreatedCertificate, AzureError> {
        check_name("certificate", name)?;
        if let Some(op) = before.as_ref().filter(|op| op.in_progress()) {
            return Err(AzureError::PendingOperationInProgress {
                name: name.to_string(),
                request_id: op.request_id.clone(),
            });
        }
        let failure = match self.post_create(name, new).await? {
            Ok(operation) => {
                return Ok(CreatedCertificate {
                    operation,
                    adopted: false,
                });
            }
            Err(f) => f,
        };
        let error = self.fail_write(&failure.error, name);
        if !(failure.ambiguous || matches!(error, AzureError::Conflict { .. })) {
            return Err(error);
        }
        match self.get_pending_operation(name).await {
            Ok(Some(now)) if is_new_operation(before.as_ref(), &now) => Ok(CreatedCertificate {
                operation: now,
                adopted: true,
            }),
            _ => Err(error),
        }
    }

    /// Completes a pending operation of issuer `Unknown` with the signed certificate and its
    /// chain (`x5c`: DER, leaf first). Sent once; if the answer was lost, the current version
    /// is read and adopted when its x5t is the leaf's SHA-1. A leaf whose key is not the
    /// pending key is refused by the service (400).
    pub async fn merge_certificate(
        &self,
        name: &str,
        x5c: &[Vec<u8>],
    ) -> Result<MergedCertificate, AzureError> {
        check_name("certificate", name)?;
        let Some(leaf) = x5c.first() else {
            return Err(AzureError::InvalidInput(
                "a merge needs the signed certificate (x5c is empty)".into(),
            ));
        };
        let params = MergeCertificateParameters {
            x509_certificates: Some(x5c.to_vec()),
            ..Default::default()
        };
        let attempt = || {
            let params = params.clone();
            async move {
                let content: RequestContent<MergeCertificateParameters> = params.try_into()?;
                self.certificates_once
                    .merge_certificate(name, content, None)
                    .await?
                    .into_model()
            }
        };
        let failure = match self.certificates_once_first.run(send_once(attempt)).await {
            Ok(cert) => {
                let bundle = m::cert_bundle(cert).ok_or_else(|| {
                    AzureError::InvalidResponse(format!(
                        "merged certificate '{name}' came without id or DER"
                    ))
                })?;
                return Ok(MergedCertificate {
                    bundle,
                    adopted: false,
                });
            }
            Err(f) => f,
        };
        let error = self.fail_write(&failure.error, name);
        if !failure.ambiguous {
            return Err(error);
        }
        let leaf_sha1 = hex::encode(Sha1::digest(leaf));
        match self.get_certificate(name, None).await {
            Ok(bundle) if bundle.x5t.eq_ignore_ascii_case(&leaf_sha1) => Ok(MergedCertificate {
                bundle,
                adopted: true,
            }),
            _ => Err(error),
        }
    }

    /// Sets a secret: a new version with `spec`'s value, content type, attributes and tags, plus
    /// [`WRITE_ID_TAG`] set to a fresh id. Sent once; if the answer was lost, the secret's
    /// versions are listed and the one carrying that id is adopted. The value is never logged,
    /// returned or shown in errors.
    pub async fn set_secret(
        &self,
        name: &str,
        spec: &SecretSpec,
    ) -> Result<WrittenSecret, AzureError> {
        check_name("secret", name)?;
        let write_id = uuid::Uuid::new_v4().simple().to_string();
        let params = cv::secret_set_to_sdk(spec, &write_id)?;
        let attempt = || {
            let params = params.clone();
            async move {
                let content: RequestContent<SetSecretParameters> = params.try_into()?;
                self.secrets_once
                    .set_secret(name, content, None)
                    .await?
                    .into_model()
            }
        };
        let failure = match self.secrets_once_first.run(send_once(attempt)).await {
            Ok(secret) => {
                let (name, version) = cv::secret_version(secret).ok_or_else(|| {
                    AzureError::InvalidResponse(format!("secret '{name}' came without id"))
                })?;
                return Ok(WrittenSecret {
                    name,
                    version,
                    write_id,
                    adopted: false,
                });
            }
            Err(f) => f,
        };
        let error = self.fail_write(&failure.error, name);
        if !failure.ambiguous {
            return Err(error);
        }
        let found = self.list_secret_versions(name).await.ok().and_then(|vs| {
            vs.into_iter()
                .find(|v| v.tags.get(WRITE_ID_TAG).map(String::as_str) == Some(write_id.as_str()))
        });
        match found {
            Some(version) => Ok(WrittenSecret {
                name: name.to_string(),
                version,
                write_id,
                adopted: true,
            }),
            None => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(request_id: Option<&str>) -> PendingOperation {
        PendingOperation {
            name: "www".into(),
            status: OperationStatus::Completed,
            status_details: None,
            error: None,
            request_id: request_id.map(str::to_string),
            issuer_name: Some("Self".into()),
            csr: None,
            cancellation_requested: false,
            target: None,
        }
    }

    #[test]
    fn only_an_operation_with_a_new_request_id_is_new() {
        assert!(is_new_operation(None, &op(Some("b"))));
        assert!(is_new_operation(None, &op(None)));
        assert!(is_new_operation(Some(&op(Some("a"))), &op(Some("b"))));
        assert!(!is_new_operation(Some(&op(Some("a"))), &op(Some("A"))));
        assert!(!is_new_operation(Some(&op(None)), &op(Some("b"))));
        assert!(!is_new_operation(Some(&op(Some("a"))), &op(None)));
    }
}
