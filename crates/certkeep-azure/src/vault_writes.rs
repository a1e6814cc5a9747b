//! One vault's plain writes: certificate create (sent once), the pending operation (get, cancel,
//! delete), policies, version attributes and tags, secret version updates and certificate
//! contacts. The idempotent ones (PATCH, PUT of contacts, DELETE) use the retrying clients; the
//! create uses the no-retry client through [`send_once`]. Create with adoption, merge and secret
//! set are in `create_safely`.

use azure_core::http::RequestContent;
use azure_security_keyvault_certificates::models as c;
use azure_security_keyvault_certificates::models::{
    CertificateClientUpdateCertificatePropertiesOptions, UpdateCertificateOperationParameter,
};
use azure_security_keyvault_secrets::models::SecretClientUpdateSecretPropertiesOptions;
use futures::StreamExt;

use crate::vault_models::{self as m, CertBundle, SecretVersionItem};
use crate::write_convert::{self as cv, check_name, check_version};
use crate::write_models::*;
use crate::write_safety::{WriteFailure, classify_write, send_once};
use crate::{AzureError, VaultClient};

impl VaultClient {
    pub(crate) fn fail_write(&self, e: &azure_core::Error, name: &str) -> AzureError {
        classify_write(e, self.name(), name)
    }

    /// Starts a certificate (or a new version of one): one POST, never resent unless the service
    /// certainly did not process it (429/503 with `Retry-After`, a connection never opened).
    /// Returns the pending operation. A lost answer is an error here; use
    /// [`VaultClient::create_certificate_safely`] to recover from it.
    pub async fn create_certificate(
        &self,
        name: &str,
        new: &NewCertificate,
    ) -> Result<PendingOperation, AzureError> {
        self.post_create(name, new)
            .await?
            .map_err(|f| self.fail_write(&f.error, name))
    }

    /// The POST itself: `Err` for what was refused before sending, `Ok(Err)` for a failed send.
    pub(crate) async fn post_create(
        &self,
        name: &str,
        new: &NewCertificate,
    ) -> Result<Result<PendingOperation, WriteFailure>, AzureError> {
        check_name("certificate", name)?;
        let params = c::CreateCertificateParameters {
            certificate_policy: Some(cv::policy_to_sdk(&new.policy)?),
            certificate_attributes: new.enabled.map(|e| c::CertificateAttributes {
                enabled: Some(e),
                ..Default::default()
            }),
            tags: (!new.tags.is_empty()).then(|| cv::tags_map(&new.tags)),
            preserve_cert_order: None,
        };
        let attempt = || {
            let params = params.clone();
            async move {
                let content: RequestContent<c::CreateCertificateParameters> = params.try_into()?;
                let mut poller = self
                    .certificates_once
                    .begin_create_certificate(name, content, None)?;
                // The create's own answer only: the poller is dropped before any poll.
                let first = poller.next().await.ok_or_else(|| {
                    azure_core::Error::with_message(
                        azure_core::error::ErrorKind::DataConversion,
                        "the create was sent but no answer was read",
                    )
                })??;
                first.into_model()
            }
        };
        let sent = self
            .certificates_once_first
            .run(send_once(attempt))
            .await
            .map(|op| cv::operation_from_sdk(name, op));
        Ok(sent)
    }

    /// The certificate's pending operation; `None` when there is none (404).
    pub async fn get_pending_operation(
        &self,
        name: &str,
    ) -> Result<Option<PendingOperation>, AzureError> {
        check_name("certificate", name)?;
        let got = self
            .certificates_first
            .run(self.certificates.get_certificate_operation(name, None))
            .await
            .and_then(|r| r.into_model());
        match got {
            Ok(op) => Ok(Some(cv::operation_from_sdk(name, op))),
            Err(e) => match self.fail(e) {
                AzureError::NotFound { .. } => Ok(None),
                other => Err(other),
            },
        }
    }

    /// Asks the issuer to stop (PATCH `cancellation_requested: true`). Only an operation in
    /// progress can be cancelled; the service answers 403 otherwise.
    pub async fn cancel_pending_operation(
        &self,
        name: &str,
    ) -> Result<PendingOperation, AzureError> {
        check_name("certificate", name)?;
        let body: RequestContent<UpdateCertificateOperationParameter> =
            UpdateCertificateOperationParameter {
                cancellation_requested: Some(true),
            }
            .try_into()
            .map_err(|e| self.fail(e))?;
        let op = self
            .certificates_first
            .run(
                self.certificates
                    .update_certificate_operation(name, body, None),
            )
            .await
            .and_then(|r| r.into_model())
            .map_err(|e| self.fail_write(&e, name))?;
        Ok(cv::operation_from_sdk(name, op))
    }

    /// Deletes the pending operation (a certificate without versions goes with it).
    pub async fn delete_pending_operation(
        &self,
        name: &str,
    ) -> Result<PendingOperation, AzureError> {
        check_name("certificate", name)?;
        let op = self
            .certificates_first
            .run(self.certificates.delete_certificate_operation(name, None))
            .await
            .and_then(|r| r.into_model())
            .map_err(|e| self.fail_write(&e, name))?;
        Ok(cv::operation_from_sdk(name, op))
    }

    /// The certificate's policy as the service holds it (defaults filled in).
    pub async fn get_certificate_policy(
        &self,
        name: &str,
    ) -> Result<CertificatePolicySpec, AzureError> {
        check_name("certificate", name)?;
        let p = self
            .certificates_first
            .run(self.certificates.get_certificate_policy(name, None))
            .await
            .and_then(|r| r.into_model())
            .map_err(|e| self.fail(e))?;
        Ok(cv::policy_from_sdk(p))
    }

    /// Merges the `Some` fields of `update` into the policy (used by the next create or renewal);
    /// returns the whole policy after the update.
    pub async fn update_certificate_policy(
        &self,
        name: &str,
        update: &CertificatePolicySpec,
    ) -> Result<CertificatePolicySpec, AzureError> {
        check_name("certificate", name)?;
        let body: RequestContent<c::CertificatePolicy> = cv::policy_to_sdk(update)?
            .try_into()
            .map_err(|e| self.fail(e))?;
        let p = self
            .certificates_first
            .run(
                self.certificates
                    .update_certificate_policy(name, body, None),
            )
            .await
            .and_then(|r| r.into_model())
            .map_err(|e| self.fail_write(&e, name))?;
        Ok(cv::policy_from_sdk(p))
    }

    /// Changes one version's attributes and/or tags.
    pub async fn update_certificate(
        &self,
        name: &str,
        version: &str,
        update: &CertificateUpdate,
    ) -> Result<CertBundle, AzureError> {
        check_name("certificate", name)?;
        check_version(version)?;
        let body: RequestContent<c::UpdateCertificatePropertiesParameters> =
            cv::cert_update_to_sdk(update)?
                .try_into()
                .map_err(|e| self.fail(e))?;
        let options = CertificateClientUpdateCertificatePropertiesOptions {
            certificate_version: Some(version.to_string()),
            ..Default::default()
        };
        let cert = self
            .certificates_first
            .run(
                self.certificates
                    .update_certificate_properties(name, body, Some(options)),
            )
            .await
            .and_then(|r| r.into_model())
            .map_err(|e| self.fail_write(&e, name))?;
        m::cert_bundle(cert).ok_or_else(|| {
            AzureError::InvalidResponse(format!("certificate '{name}' came without id or DER"))
        })
    }

    /// Changes one secret version's attributes, content type and/or tags (never its value).
    pub async fn update_secret(
        &self,
        name: &str,
        version: &str,
        update: &SecretUpdate,
    ) -> Result<SecretVersionItem, AzureError> {
        check_name("secret", name)?;
        check_version(version)?;
        let body = cv::secret_update_to_sdk(update)?
            .try_into()
            .map_err(|e| self.fail(e))?;
        let options = SecretClientUpdateSecretPropertiesOptions {
            secret_version: Some(version.to_string()),
            ..Default::default()
        };
        let secret = self
            .secrets_first
            .run(
                self.secrets
                    .update_secret_properties(name, body, Some(options)),
            )
            .await
            .and_then(|r| r.into_model())
            .map_err(|e| self.fail_write(&e, name))?;
        cv::secret_version(secret)
            .map(|(_, v)| v)
            .ok_or_else(|| AzureError::InvalidResponse(format!("secret '{name}' came without id")))
    }

    /// The vault's certificate contacts (none set: empty).
    pub async fn get_certificate_contacts(&self) -> Result<Vec<Contact>, AzureError> {
        let got = self
            .certificates_first
            .run(self.certificates.get_contacts(None))
            .await
            .and_then(|r| r.into_model());
        match got {
            Ok(c) => Ok(cv::contacts_from_sdk(c)),
            Err(e) => match self.fail(e) {
                AzureError::NotFound { .. } => Ok(Vec::new()),
                other => Err(other),
            },
        }
    }

    /// Adds contacts without removing any: reads the list, adds those whose e-mail (compared
    /// case-insensitively) is not there yet, and writes the union back only if something was
    /// added. Key Vault has no ETag on contacts, so a contact added by someone else between the
    /// read and the write would be overwritten; the answer is checked and that is reported as
    /// [`AzureError::Conflict`].
    pub async fn add_certificate_contacts(
        &self,
        wanted: &[Contact],
    ) -> Result<ContactsUpdate, AzureError> {
        for c in wanted {
            let e = c.email.trim();
            if e.is_empty() || !e.contains('@') || e.contains(char::is_whitespace) {
                return Err(AzureError::InvalidInput(format!(
                    "contact e-mail '{}' is not an e-mail address",
                    c.email
                )));
            }
        }
        let current = self.get_certificate_contacts().await?;
        let same = |a: &Contact, b: &Contact| a.email.trim().eq_ignore_ascii_case(b.email.trim());
        let mut union = current.clone();
        let mut added = Vec::new();
        for c in wanted {
            if !union.iter().any(|u| same(u, c)) {
                union.push(c.clone());
                added.push(c.clone());
            }
        }
        if added.is_empty() {
            return Ok(ContactsUpdate {
                contacts: current,
                added,
            });
        }
        let body = cv::contacts_to_sdk(&union)
            .try_into()
            .map_err(|e| self.fail(e))?;
        let written = self
            .certificates_first
            .run(self.certificates.set_contacts(body, None))
            .await
            .and_then(|r| r.into_model())
            .map_err(|e| self.fail_write(&e, "contacts"))?;
        let contacts = cv::contacts_from_sdk(written);
        if let Some(lost) = union.iter().find(|u| !contacts.iter().any(|c| same(c, u))) {
            return Err(AzureError::Conflict {
                message: format!(
                    "the vault's contacts came back without {} after adding contacts",
                    lost.email
                ),
            });
        }
        Ok(ContactsUpdate { contacts, added })
    }
}
