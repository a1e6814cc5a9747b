//! One credential's connection to Azure: the HTTP transport, the SDK client options and the
//! token credential (with its token cache), shared by the ARM client and every vault client.

use std::fmt;
use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use azure_core::http::ClientOptions;

use crate::transport::{self, RetrySettings};
use crate::{AzureCredentialSpec, AzureError, Cloud};

/// Built once per credential; cheap to share behind an `Arc`.
#[derive(Clone)]
pub struct AzureSession {
    cloud: Cloud,
    tenant_id: String,
    client_id: String,
    subscription_id: String,
    options: ClientOptions,
    credential: Arc<dyn TokenCredential>,
}

impl fmt::Debug for AzureSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureSession")
            .field("cloud", &self.cloud.name)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("subscription_id", &self.subscription_id)
            .finish_non_exhaustive()
    }
}

impl AzureSession {
    /// With the default retry settings.
    pub fn new(spec: &AzureCredentialSpec) -> Result<Self, AzureError> {
        Self::with_retry(spec, &RetrySettings::default())
    }

    /// Builds the transport and the credential; no network I/O.
    pub fn with_retry(
        spec: &AzureCredentialSpec,
        retry: &RetrySettings,
    ) -> Result<Self, AzureError> {
        spec.validate()?;
        let http = transport::http_client(&spec.cloud)?;
        let options = transport::client_options_with(&spec.cloud, http, retry);
        let credential = spec.token_credential(&options)?;
        Ok(Self {
            cloud: spec.cloud.clone(),
            tenant_id: spec.tenant_id.clone(),
            client_id: spec.client_id.clone(),
            subscription_id: spec.subscription_id.clone(),
            options,
            credential,
        })
    }

    pub fn cloud(&self) -> &Cloud {
        &self.cloud
    }

    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn subscription_id(&self) -> &str {
        &self.subscription_id
    }

    /// Client options without any per-vault policy (transport, authority, retry).
    pub fn client_options(&self) -> &ClientOptions {
        &self.options
    }

    pub fn credential(&self) -> Arc<dyn TokenCredential> {
        self.credential.clone()
    }
}
