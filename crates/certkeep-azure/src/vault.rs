//! One vault's reads: certificates, their versions and bundles, issuers, secrets and their values,
//! through ONE certificate client and ONE secret client (challenge verification left on) whose
//! pipelines pass the vault's [`RequestGate`]. Writes are in `vault_writes` and `create_safely`:
//! the non-idempotent ones go through a second certificate client and secret client that share
//! the same gate (budget, origin check, in-flight cap) but have the SDK's retry turned off.

use std::sync::Arc;

use azure_core::http::pager::PageIterator;
use azure_core::http::policies::Policy;
use azure_core::http::{ClientOptions, Response, RetryOptions};
use azure_security_keyvault_certificates::models::{
    CertificateClientGetCertificateOptions, CertificateClientListCertificatePropertiesOptions,
    CertificateClientListCertificatePropertiesVersionsOptions,
    CertificateClientListIssuerPropertiesOptions,
};
use azure_security_keyvault_certificates::{CertificateClient, CertificateClientOptions};
use azure_security_keyvault_secrets::models::{
    SecretClientGetSecretOptions, SecretClientListSecretPropertiesOptions,
    SecretClientListSecretPropertiesVersionsOptions,
};
use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};
use futures::TryStreamExt;
use tokio::sync::Semaphore;

use crate::budget::RequestBudget;
use crate::classify::classify_vault;
use crate::first_call::FirstCall;
use crate::gate::RequestGate;
use crate::vault_models::{self as m, CertBundle, CertListItem, CertVersionItem, IssuerItem};
use crate::vault_models::{SecretItem, SecretValue, SecretVersionItem};
use crate::vault_url::VaultUrl;
use crate::write_safety::FirstAnswerNow;
use crate::{AzureError, AzureSession};

/// Key Vault's largest page.
const MAX_RESULTS: i32 = 25;
/// Empty pages in a row (each with a nextLink) tolerated before giving up.
const MAX_EMPTY_PAGES_IN_A_ROW: usize = 100;

/// Clients for one vault. Build through [`crate::VaultPool`] to share budgets and clients.
pub struct VaultClient {
    pub(crate) url: VaultUrl,
    pub(crate) certificates: CertificateClient,
    pub(crate) secrets: SecretClient,
    pub(crate) certificates_first: FirstCall,
    pub(crate) secrets_first: FirstCall,
    /// Same gate, no SDK retry: certificate create and merge.
    pub(crate) certificates_once: CertificateClient,
    pub(crate) certificates_once_first: FirstCall,
    /// Same gate, no SDK retry: secret set.
    pub(crate) secrets_once: SecretClient,
    pub(crate) secrets_once_first: FirstCall,
}

impl std::fmt::Debug for VaultClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultClient")
            .field("vault", &self.url.origin())
            .finish_non_exhaustive()
    }
}

impl VaultClient {
    /// Checks the URL against the session's cloud (no request is made for a foreign host), then
    /// builds both SDK clients with a gate holding `budget` and the shared in-flight cap.
    pub fn new(
        session: &AzureSession,
        vault_url: &str,
        budget: RequestBudget,
        in_flight: Arc<Semaphore>,
    ) -> Result<Self, AzureError> {
        let url = VaultUrl::parse(session.cloud(), vault_url)?;
        let gate: Arc<dyn Policy> = Arc::new(
            RequestGate::new(url.url())
                .with_budget(budget)
                .with_in_flight_cap(in_flight),
        );
        let mut options: ClientOptions = session.client_options().clone();
        options.per_try_policies.push(gate);
        let mut once: ClientOptions = options.clone();
        once.retry = RetryOptions::none();
        let mut certificates_once_options = once.clone();
        certificates_once_options
            .per_call_policies
            .push(Arc::new(FirstAnswerNow));
        let endpoint = url.origin();
        let certificates_once = CertificateClient::new(
            &endpoint,
            session.credential(),
            Some(CertificateClientOptions {
                client_options: certificates_once_options,
                verify_challenge_resource: Some(true),
                ..Default::default()
            }),
        )?;
        let secrets_once = SecretClient::new(
            &endpoint,
            session.credential(),
            Some(SecretClientOptions {
                client_options: once,
                verify_challenge_resource: Some(true),
                ..Default::default()
            }),
        )?;
        let certificates = CertificateClient::new(
            &endpoint,
            session.credential(),
            Some(CertificateClientOptions {
                client_options: options.clone(),
                verify_challenge_resource: Some(true),
                ..Default::default()
            }),
        )?;
        let secrets = SecretClient::new(
            &endpoint,
            session.credential(),
            Some(SecretClientOptions {
                client_options: options,
                verify_challenge_resource: Some(true),
                ..Default::default()
            }),
        )?;
        Ok(Self {
            url,
            certificates,
            secrets,
            certificates_first: FirstCall::default(),
            secrets_first: FirstCall::default(),
            certificates_once,
            certificates_once_first: FirstCall::default(),
            secrets_once,
            secrets_once_first: FirstCall::default(),
        })
    }

    /// The vault's name.
    pub fn name(&self) -> &str {
        self.url.name()
    }

    /// `https://host[:port]`.
    pub fn origin(&self) -> String {
        self.url.origin()
    }

    pub(crate) fn fail(&self, e: azure_core::Error) -> AzureError {
        classify_vault(&e, self.url.name())
    }

    /// Every certificate (all pages, 25 per page).
    pub async fn list_certificates(&self) -> Result<Vec<CertListItem>, AzureError> {
        let pager = self
            .certificates
            .list_certificate_properties(Some(CertificateClientListCertificatePropertiesOptions {
                maxresults: Some(MAX_RESULTS),
                ..Default::default()
            }))
            .map_err(|e| self.fail(e))?;
        let items = self
            .certificates_first
            .run(self.all_pages(pager.into_pages(), |p| p.value))
            .await?;
        convert(items, m::cert_list_item, "certificate")
    }

    /// Every version of one certificate.
    pub async fn list_certificate_versions(
        &self,
        name: &str,
    ) -> Result<Vec<CertVersionItem>, AzureError> {
        let pager = self
            .certificates
            .list_certificate_properties_versions(
                name,
                Some(CertificateClientListCertificatePropertiesVersionsOptions {
                    maxresults: Some(MAX_RESULTS),
                    ..Default::default()
                }),
            )
            .map_err(|e| self.fail(e))?;
        let items = self
            .certificates_first
            .run(self.all_pages(pager.into_pages(), |p| p.value))
            .await?;
        convert(items, m::cert_version_item, "certificate version")
    }

    /// One version (`None`: the current one). 404 → [`AzureError::NotFound`].
    pub async fn get_certificate(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Result<CertBundle, AzureError> {
        let options = CertificateClientGetCertificateOptions {
            certificate_version: version.map(str::to_string),
            ..Default::default()
        };
        let cert = self
            .certificates_first
            .run(self.certificates.get_certificate(name, Some(options)))
            .await
            .and_then(|r| r.into_model())
            .map_err(|e| self.fail(e))?;
        m::cert_bundle(cert).ok_or_else(|| {
            AzureError::InvalidResponse(format!("certificate '{name}' came without id or DER"))
        })
    }

    /// The vault's certificate issuers.
    pub async fn list_issuers(&self) -> Result<Vec<IssuerItem>, AzureError> {
        let pager = self
            .certificates
            .list_issuer_properties(Some(CertificateClientListIssuerPropertiesOptions {
                maxresults: Some(MAX_RESULTS),
                ..Default::default()
            }))
            .map_err(|e| self.fail(e))?;
        let items = self
            .certificates_first
            .run(self.all_pages(pager.into_pages(), |p| p.value))
            .await?;
        convert(items, m::issuer_item, "issuer")
    }

    /// Every secret, the ones backing certificates (`managed`) included; no values.
    pub async fn list_secrets(&self) -> Result<Vec<SecretItem>, AzureError> {
        let pager = self
            .secrets
            .list_secret_properties(Some(SecretClientListSecretPropertiesOptions {
                maxresults: Some(MAX_RESULTS),
                ..Default::default()
            }))
            .map_err(|e| self.fail(e))?;
        let items = self
            .secrets_first
            .run(self.all_pages(pager.into_pages(), |p| p.value))
            .await?;
        convert(items, m::secret_item, "secret")
    }

    /// Every version of one secret; no values.
    pub async fn list_secret_versions(
        &self,
        name: &str,
    ) -> Result<Vec<SecretVersionItem>, AzureError> {
        let pager = self
            .secrets
            .list_secret_properties_versions(
                name,
                Some(SecretClientListSecretPropertiesVersionsOptions {
                    maxresults: Some(MAX_RESULTS),
                    ..Default::default()
                }),
            )
            .map_err(|e| self.fail(e))?;
        let items = self
            .secrets_first
            .run(self.all_pages(pager.into_pages(), |p| p.value))
            .await?;
        convert(items, m::secret_version_item, "secret version")
    }

    /// A secret's value (`None`: the current version). 404 → [`AzureError::NotFound`].
    pub async fn get_secret(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Result<SecretValue, AzureError> {
        let options = SecretClientGetSecretOptions {
            secret_version: version.map(str::to_string),
            ..Default::default()
        };
        let secret = self
            .secrets_first
            .run(self.secrets.get_secret(name, Some(options)))
            .await
            .and_then(|r| r.into_model())
            .map_err(|e| self.fail(e))?;
        m::secret_value(secret)
            .ok_or_else(|| AzureError::InvalidResponse(format!("secret '{name}' came without id")))
    }

    /// Reads pages until the last, tolerating empty pages that still carry a nextLink.
    async fn all_pages<P, T>(
        &self,
        mut pages: PageIterator<Response<P>>,
        items: impl Fn(P) -> Vec<T>,
    ) -> Result<Vec<T>, AzureError>
    where
        P: serde::de::DeserializeOwned + Send,
    {
        let mut out = Vec::new();
        let mut empty_in_a_row = 0;
        while let Some(page) = pages.try_next().await.map_err(|e| self.fail(e))? {
            let page = items(page.into_model().map_err(|e| self.fail(e))?);
            if page.is_empty() {
                empty_in_a_row += 1;
                if empty_in_a_row > MAX_EMPTY_PAGES_IN_A_ROW {
                    return Err(AzureError::InvalidResponse(format!(
                        "vault '{}' sent {empty_in_a_row} empty pages in a row",
                        self.name()
                    )));
                }
            } else {
                empty_in_a_row = 0;
            }
            out.extend(page);
        }
        Ok(out)
    }
}

/// Converts SDK items. One item without a usable id does not fail the listing: it is skipped
/// (and logged), so every other certificate or secret of the vault is still seen. Only a page
/// of nothing but unusable items is a malformed answer.
fn convert<S, T>(
    items: Vec<S>,
    f: impl Fn(S) -> Option<T>,
    what: &str,
) -> Result<Vec<T>, AzureError> {
    let total = items.len();
    let out: Vec<T> = items.into_iter().filter_map(f).collect();
    let skipped = total - out.len();
    if skipped > 0 {
        if out.is_empty() {
            return Err(AzureError::InvalidResponse(format!(
                "every {what} in the listing ({total}) came without a usable id"
            )));
        }
        tracing::warn!("skipped {skipped} of {total} {what} items without a usable id");
    }
    Ok(out)
}

#[cfg(test)]
mod convert_tests {
    use super::convert;

    #[test]
    fn one_bad_item_does_not_fail_the_listing() {
        let parse = |s: &str| s.parse::<u32>().ok();
        assert_eq!(
            convert(vec!["1", "x", "3"], parse, "n").unwrap(),
            vec![1, 3]
        );
        assert_eq!(
            convert(Vec::<&str>::new(), parse, "n").unwrap(),
            Vec::<u32>::new()
        );
        assert!(convert(vec!["x", "y"], parse, "n").is_err());
    }
}
