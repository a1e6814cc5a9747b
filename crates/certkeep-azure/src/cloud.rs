//! Azure clouds: where Entra ID, ARM and Key Vault live, and which scopes to ask for.

use serde::{Deserialize, Serialize};

use crate::AzureError;

/// One Azure cloud's endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cloud {
    pub name: String,
    /// Entra ID authority host, e.g. `https://login.microsoftonline.com`.
    pub authority_host: String,
    /// ARM endpoint, e.g. `https://management.azure.com`.
    pub arm_endpoint: String,
    /// Audience for ARM tokens (scope = audience + `/.default`).
    pub arm_audience: String,
    /// Key Vault DNS suffix, e.g. `vault.azure.net`; vault URLs must end with it.
    pub vault_dns_suffix: String,
    /// PEM of an extra CA to trust (the emulator's), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_ca_pem: Option<String>,
}

impl Cloud {
    pub fn azure_public() -> Self {
        Self::builtin(
            "AzurePublic",
            "https://login.microsoftonline.com",
            "https://management.azure.com",
            "vault.azure.net",
        )
    }
    pub fn azure_china() -> Self {
        Self::builtin(
            "AzureChina",
            "https://login.chinacloudapi.cn",
            "https://management.chinacloudapi.cn",
            "vault.azure.cn",
        )
    }
    pub fn azure_us_government() -> Self {
        Self::builtin(
            "AzureUSGovernment",
            "https://login.microsoftonline.us",
            "https://management.usgovcloudapi.net",
            "vault.usgovcloudapi.net",
        )
    }

    fn builtin(name: &str, authority: &str, arm: &str, suffix: &str) -> Self {
        Self {
            name: name.into(),
            authority_host: authority.into(),
            arm_endpoint: arm.into(),
            arm_audience: arm.into(),
            vault_dns_suffix: suffix.into(),
            extra_ca_pem: None,
        }
    }

    /// A custom cloud; every URL must be https and the suffix a DNS name.
    pub fn custom(
        name: &str,
        authority_host: &str,
        arm_endpoint: &str,
        vault_dns_suffix: &str,
        extra_ca_pem: Option<String>,
    ) -> Result<Self, AzureError> {
        let cloud = Self {
            name: name.into(),
            authority_host: authority_host.trim_end_matches('/').into(),
            arm_endpoint: arm_endpoint.trim_end_matches('/').into(),
            arm_audience: arm_endpoint.trim_end_matches('/').into(),
            vault_dns_suffix: vault_dns_suffix
                .trim_start_matches('.')
                .to_ascii_lowercase(),
            extra_ca_pem,
        };
        cloud.validate()?;
        Ok(cloud)
    }

    pub fn validate(&self) -> Result<(), AzureError> {
        for (field, value) in [
            ("authority_host", &self.authority_host),
            ("arm_endpoint", &self.arm_endpoint),
        ] {
            let url = url::Url::parse(value).map_err(|e| AzureError::InvalidCloud {
                field,
                reason: e.to_string(),
            })?;
            if url.scheme() != "https" {
                return Err(AzureError::InvalidCloud {
                    field,
                    reason: "must be an https URL".into(),
                });
            }
        }
        let suffix = &self.vault_dns_suffix;
        if suffix.is_empty()
            || !suffix
                .split('.')
                .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return Err(AzureError::InvalidCloud {
                field: "vault_dns_suffix",
                reason: format!("'{suffix}' is not a DNS suffix"),
            });
        }
        Ok(())
    }

    /// The ARM token scope.
    pub fn arm_scope(&self) -> String {
        format!("{}/.default", self.arm_audience.trim_end_matches('/'))
    }

    /// Whether a vault URL belongs to this cloud (tokens are never sent elsewhere).
    pub fn owns_vault_url(&self, vault_url: &str) -> bool {
        url::Url::parse(vault_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .is_some_and(|h| h.ends_with(&format!(".{}", self.vault_dns_suffix)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_clouds_are_checked() {
        assert!(
            Cloud::custom("x", "http://login", "https://arm", "vault.localhost", None).is_err()
        );
        assert!(Cloud::custom("x", "https://login", "https://arm", "bad suffix", None).is_err());
        let c = Cloud::custom(
            "emu",
            "https://127.0.0.1:8443/",
            "https://127.0.0.1:8443",
            ".vault.localhost",
            None,
        )
        .unwrap();
        assert_eq!(c.arm_scope(), "https://127.0.0.1:8443/.default");
        assert!(c.owns_vault_url("https://kv1.vault.localhost:8443/"));
        assert!(!c.owns_vault_url("https://kv1.vault.azure.net/"));
        assert!(Cloud::azure_public().owns_vault_url("https://kv1.vault.azure.net/"));
    }
}
