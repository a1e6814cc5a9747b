//! The HTTP client every Azure call goes through: rustls (aws-lc-rs) trusting the platform roots
//! plus a cloud's extra CA, and `*.localhost` names resolved to loopback (RFC 6761) because the
//! system resolver here does not.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::{AzureError, Cloud};

/// Resolves `localhost` and `*.localhost` to 127.0.0.1 and everything else through the system.
#[derive(Debug, Default, Clone)]
pub struct LoopbackLocalhost;

impl Resolve for LoopbackLocalhost {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        Box::pin(async move {
            if host == "localhost" || host.ends_with(".localhost") {
                let addrs: Addrs = Box::new(std::iter::once(SocketAddr::new(
                    IpAddr::V4(Ipv4Addr::LOCALHOST),
                    0,
                )));
                return Ok(addrs);
            }
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let addrs: Addrs = Box::new(found.collect::<Vec<_>>().into_iter());
            Ok(addrs)
        })
    }
}

/// Builds the reqwest client for a cloud.
pub fn http_client(cloud: &Cloud) -> Result<reqwest::Client, AzureError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        .read_timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(LoopbackLocalhost));
    if let Some(pem) = &cloud.extra_ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|e| AzureError::InvalidCa(e.to_string()))?;
        if certs.is_empty() {
            return Err(AzureError::InvalidCa("no certificate in the PEM".into()));
        }
        builder = builder.tls_certs_merge(certs);
    }
    builder
        .build()
        .map_err(|e| AzureError::HttpClient(e.to_string()))
}

/// How the SDK retries 408, 429 and 5xx answers and transport failures (exponential backoff,
/// honouring `Retry-After` on 429/503). The bounds make a 429 storm end in an error, not a hang.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySettings {
    /// First backoff; doubled at every retry.
    pub initial_delay: Duration,
    /// Longest backoff between two attempts.
    pub max_delay: Duration,
    pub max_retries: u32,
    /// No retry starts once this much time has passed since the first answer.
    pub max_total_elapsed: Duration,
}

impl Default for RetrySettings {
    fn default() -> Self {
        Self {
            initial_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
            max_retries: 8,
            max_total_elapsed: Duration::from_secs(120),
        }
    }
}

impl RetrySettings {
    /// For a person waiting on an answer (checking a credential): two quick retries, 10 s at most.
    pub fn interactive() -> Self {
        Self {
            initial_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
            max_retries: 2,
            max_total_elapsed: Duration::from_secs(10),
        }
    }

    /// The SDK's retry options for these settings.
    pub fn to_options(&self) -> azure_core::http::RetryOptions {
        let d = |d: Duration| {
            azure_core::time::Duration::milliseconds(
                i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            )
        };
        azure_core::http::RetryOptions::exponential(azure_core::http::ExponentialRetryOptions {
            initial_delay: d(self.initial_delay),
            max_retries: self.max_retries,
            max_total_elapsed: d(self.max_total_elapsed),
            max_delay: d(self.max_delay),
        })
    }
}

/// Azure SDK client options using that HTTP client, the cloud's authority and the default
/// retry settings.
pub fn client_options(cloud: &Cloud, http: reqwest::Client) -> azure_core::http::ClientOptions {
    client_options_with(cloud, http, &RetrySettings::default())
}

/// Azure SDK client options using that HTTP client, the cloud's authority and these retry settings.
pub fn client_options_with(
    cloud: &Cloud,
    http: reqwest::Client,
    retry: &RetrySettings,
) -> azure_core::http::ClientOptions {
    let mut custom = azure_core::cloud::CustomConfiguration::default();
    custom.authority_host = cloud.authority_host.clone();
    azure_core::http::ClientOptions {
        transport: Some(azure_core::http::Transport::new(Arc::new(http))),
        cloud: Some(Arc::new(azure_core::cloud::CloudConfiguration::Custom(
            custom,
        ))),
        retry: retry.to_options(),
        ..Default::default()
    }
}
