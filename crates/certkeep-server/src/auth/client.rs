//! Where a request comes from and whether it arrived over HTTPS. `X-Forwarded-For/Proto` are
//! believed only from the configured proxies.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request};

use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub addr: Option<IpAddr>,
    pub https: bool,
}

pub fn client_info(st: &AppState, req: &Request) -> ClientInfo {
    client_info_of(st, req.headers(), req.extensions())
}

/// [`client_info`] from a request's parts (for extractors).
pub fn client_info_of(
    st: &AppState,
    headers: &axum::http::HeaderMap,
    extensions: &axum::http::Extensions,
) -> ClientInfo {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d.
        .map(|c| c.0.ip().to_canonical());
    let direct = ClientInfo {
        addr: peer,
        https: st.settings.is_https(),
    };
    let trusted = |ip: &IpAddr| st.settings.trusted_proxies.contains(ip);
    if !st.settings.behind_proxy || !peer.as_ref().is_some_and(trusted) {
        return direct;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    // The client is the rightmost address that is not one of our proxies.
    let forwarded = header("x-forwarded-for").and_then(|list| {
        list.split(',')
            .rev()
            .filter_map(|a| a.trim().parse::<IpAddr>().ok().map(|ip| ip.to_canonical()))
            .find(|ip| !trusted(ip))
    });
    let https = header("x-forwarded-proto")
        .map(|p| {
            p.split(',')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case("https")
        })
        .unwrap_or(direct.https);
    ClientInfo {
        addr: forwarded.or(peer),
        https,
    }
}
