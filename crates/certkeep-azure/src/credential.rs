//! What identifies Certkeep to Azure: an Entra ID application (client id and secret) in a tenant,
//! a cloud, and the subscription whose vaults it manages.

use std::fmt;
use std::sync::Arc;

use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::ClientOptions;
use secrecy::{ExposeSecret, SecretString};

use crate::{AzureError, Cloud};

/// A service principal and the subscription it works in. `Debug` never shows the secret.
#[derive(Clone)]
pub struct AzureCredentialSpec {
    pub cloud: Cloud,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub subscription_id: String,
}

impl fmt::Debug for AzureCredentialSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureCredentialSpec")
            .field("cloud", &self.cloud.name)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("subscription_id", &self.subscription_id)
            .finish()
    }
}

impl AzureCredentialSpec {
    /// Checks the fields without any network call.
    pub fn validate(&self) -> Result<(), AzureError> {
        self.cloud.validate()?;
        let id_like = |field: &str, value: &str| {
            if value.is_empty()
                || !value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            {
                Err(AzureError::InvalidCredential(format!(
                    "{field} must be non-empty and made of letters, digits, '-' and '.'"
                )))
            } else {
                Ok(())
            }
        };
        id_like("tenant_id", &self.tenant_id)?;
        id_like("client_id", &self.client_id)?;
        id_like("subscription_id", &self.subscription_id)?;
        if self.client_secret.expose_secret().is_empty() {
            return Err(AzureError::InvalidCredential(
                "client_secret must not be empty".into(),
            ));
        }
        Ok(())
    }

    /// The Entra ID client-secret credential, with its own token cache, using `options`
    /// (see [`crate::transport::client_options`]).
    pub fn token_credential(
        &self,
        options: &ClientOptions,
    ) -> Result<Arc<dyn TokenCredential>, AzureError> {
        self.validate()?;
        let credential = azure_identity::ClientSecretCredential::new(
            &self.tenant_id,
            self.client_id.clone(),
            Secret::new(self.client_secret.expose_secret().to_string()),
            Some(azure_identity::ClientSecretCredentialOptions {
                client_options: options.clone(),
            }),
        )?;
        Ok(credential)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(secret: &str) -> AzureCredentialSpec {
        AzureCredentialSpec {
            cloud: Cloud::azure_public(),
            tenant_id: "3f6c1a52-8d3e-4b7a-9c41-2e5d7f9a0b13".into(),
            client_id: "6b2d9e41-7c3a-4f85-a1d0-93e8c5b27f64".into(),
            client_secret: SecretString::from(secret.to_string()),
            subscription_id: "a1c4e7f2-5b8d-4c3e-9f6a-0b2d4e6f8a13".into(),
        }
    }

    #[test]
    fn debug_redacts_the_secret() {
        let s = spec("very-secret-value");
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("very-secret-value"), "{dbg}");
        assert!(dbg.contains("REDACTED"));
    }

    #[test]
    fn validation_names_the_field_but_never_the_secret() {
        assert!(spec("x").validate().is_ok());
        let err = spec("").validate().unwrap_err().to_string();
        assert!(err.contains("client_secret"), "{err}");
        let mut s = spec("very-secret-value");
        s.tenant_id = "bad tenant/".into();
        let err = s.validate().unwrap_err().to_string();
        assert!(
            err.contains("tenant_id") && !err.contains("very-secret"),
            "{err}"
        );
    }
}
