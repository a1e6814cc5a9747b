//! Vault URLs: https origins in the cloud's vault domain, nothing else (tokens never go to
//! other hosts). ARM's `vaultUri` (`https://kv.vault.azure.net/`) and the origin form are the same
//! vault.

use azure_core::http::Url;

use crate::{AzureError, Cloud};

/// A checked vault URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VaultUrl {
    url: Url,
    name: String,
}

impl VaultUrl {
    /// Checks `url` against `cloud`: https, host `{name}.{vault_dns_suffix}`, no path, query,
    /// fragment or user info.
    pub fn parse(cloud: &Cloud, url: &str) -> Result<Self, AzureError> {
        let refuse = |reason: &str| AzureError::InvalidVaultUrl {
            url: without_user_info(url),
            reason: reason.to_string(),
        };
        let parsed = Url::parse(url.trim()).map_err(|e| refuse(&e.to_string()))?;
        if parsed.scheme() != "https" {
            return Err(refuse("a vault URL must be https"));
        }
        let host = parsed
            .host_str()
            .ok_or_else(|| refuse("no host"))?
            .to_ascii_lowercase();
        let suffix = format!(".{}", cloud.vault_dns_suffix);
        let Some(name) = host.strip_suffix(&suffix) else {
            return Err(AzureError::ForeignHost {
                host,
                expected: format!("hosts ending with {suffix} (cloud {})", cloud.name),
            });
        };
        if name.is_empty() || name.contains('.') {
            return Err(refuse(&format!("the host must be <vault>{suffix}")));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(refuse("user info is not allowed"));
        }
        if parsed.path() != "/" || parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(refuse("a vault URL has no path, query or fragment"));
        }
        Ok(Self {
            name: name.to_string(),
            url: parsed,
        })
    }

    /// The vault's name (the first DNS label).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `https://host[:port]`, the form the SDK clients take and the pool keys on.
    pub fn origin(&self) -> String {
        self.url.origin().ascii_serialization()
    }

    pub fn url(&self) -> &Url {
        &self.url
    }
}

/// The URL text with any `user:password@` removed (errors must not echo credentials).
fn without_user_info(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}{}", &url[..scheme_end + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emu() -> Cloud {
        Cloud::custom(
            "emu",
            "https://127.0.0.1:8443",
            "https://127.0.0.1:8443",
            "vault.localhost",
            None,
        )
        .unwrap()
    }

    #[test]
    fn vault_urls_are_normalised() {
        let a = VaultUrl::parse(&emu(), "https://KV-1.vault.localhost:8443/").unwrap();
        let b = VaultUrl::parse(&emu(), "https://kv-1.vault.localhost:8443").unwrap();
        assert_eq!(a.origin(), "https://kv-1.vault.localhost:8443");
        assert_eq!(a.origin(), b.origin());
        assert_eq!(a.name(), "kv-1");
        let p =
            VaultUrl::parse(&Cloud::azure_public(), "https://kv1.vault.azure.net:443/").unwrap();
        assert_eq!(p.origin(), "https://kv1.vault.azure.net");
    }

    #[test]
    fn other_hosts_and_shapes_are_refused() {
        let public = Cloud::azure_public();
        for (url, foreign) in [
            ("https://kv1.vault.azure.net.evil.com/", true),
            ("https://kv1.evil.com/", true),
            ("https://vault.azure.net/", true),
            ("https://kv1.vault.azure.cn/", true),
            ("http://kv1.vault.azure.net/", false),
            ("https://a.b.vault.azure.net/", false),
            ("https://kv1.vault.azure.net/secrets", false),
            ("https://kv1.vault.azure.net/?x=1", false),
            ("https://user:pw@kv1.vault.azure.net/", false),
            ("not a url", false),
        ] {
            let err = VaultUrl::parse(&public, url).unwrap_err();
            assert!(!err.to_string().contains("pw"), "{err}");
            assert_eq!(
                matches!(err, AzureError::ForeignHost { .. }),
                foreign,
                "{url}: {err}"
            );
        }
    }
}
