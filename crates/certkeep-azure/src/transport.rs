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
    builder.build().map_err(|e| AzureError::Http(e.to_string()))
}

/// Azure SDK client options using that HTTP client and the cloud's authority.
pub fn client_options(cloud: &Cloud, http: reqwest::Client) -> azure_core::http::ClientOptions {
    let mut custom = azure_core::cloud::CustomConfiguration::default();
    custom.authority_host = cloud.authority_host.clone();
    azure_core::http::ClientOptions {
        transport: Some(azure_core::http::Transport::new(Arc::new(http))),
        cloud: Some(Arc::new(azure_core::cloud::CloudConfiguration::Custom(
            custom,
        ))),
        ..Default::default()
    }
}
