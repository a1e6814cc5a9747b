//! How the server listens and what it trusts: address, TLS, proxy, session lifetimes. Built by
//! the binary from the config file, `CERTKEEP_` variables and flags; checked here.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// Where the TLS certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain HTTP: loopback only, or behind a proxy that terminates TLS.
    Off,
    /// PEM files: the certificate chain and its private key.
    Files { cert: PathBuf, key: PathBuf },
    /// A self-signed certificate made once and kept in this directory.
    SelfSigned { dir: PathBuf },
}

/// Everything `serve` is told.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub listen: SocketAddr,
    pub tls: TlsMode,
    /// Trust `X-Forwarded-Proto/For` from these addresses (plain HTTP allowed off loopback).
    pub trusted_proxies: Vec<IpAddr>,
    pub behind_proxy: bool,
    /// A session ends after this long without a request.
    pub session_idle_secs: i64,
    /// A session ends this long after login, however busy.
    pub session_absolute_secs: i64,
    /// How long in-flight requests get to finish at shutdown.
    pub shutdown_grace_secs: u64,
    /// Run the scheduler (scheduled discovery, the request poller) in this instance. Off in
    /// the library's default (tests start servers that must not act by themselves); `serve`
    /// turns it on unless told `--no-scheduler`.
    pub scheduler: bool,
    pub schedule: certkeep_engine::scheduler::Schedule,
    /// How often the scheduler looks at what is due (and renews its leadership).
    pub tick_secs: u64,
    /// `/metrics` needs this bearer token; without one it is served to loopback clients only.
    pub metrics_token: Option<secrecy::SecretString>,
    /// Tags given as labels of the expiry gauges (`tag_{key}`).
    pub metrics_tags: Vec<String>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            tls: TlsMode::Off,
            trusted_proxies: Vec::new(),
            behind_proxy: false,
            session_idle_secs: 30 * 60,
            session_absolute_secs: 12 * 3600,
            shutdown_grace_secs: 20,
            scheduler: false,
            schedule: Default::default(),
            tick_secs: 5,
            metrics_token: None,
            metrics_tags: vec!["owner".into()],
        }
    }
}

/// A setting that cannot work, named.
#[derive(Debug, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct SettingsError {
    pub field: &'static str,
    pub reason: String,
}

impl ServerSettings {
    /// Refuses plain HTTP off loopback unless behind a proxy, a proxy without trusted
    /// addresses, and lifetimes that make no sense.
    pub fn check(&self) -> Result<(), SettingsError> {
        let err = |field, reason: &str| {
            Err(SettingsError {
                field,
                reason: reason.to_string(),
            })
        };
        if self.tls == TlsMode::Off && !self.listen.ip().is_loopback() && !self.behind_proxy {
            return err(
                "listen",
                "plain HTTP is only served on a loopback address: give --tls-cert/--tls-key or --tls-self-signed, or --behind-proxy when a proxy terminates TLS",
            );
        }
        if self.behind_proxy && self.trusted_proxies.is_empty() {
            return err(
                "trusted_proxies",
                "--behind-proxy needs the proxy's addresses (--trusted-proxy ADDR), whose X-Forwarded-* headers are then trusted",
            );
        }
        if self.schedule.discovery_secs < 10 {
            return err("discovery_interval", "must be at least 10 seconds");
        }
        if self.schedule.poll_secs < 1 {
            return err("poll_interval", "must be at least 1 second");
        }
        if self.tick_secs == 0
            || self.tick_secs as i64 * 2 >= certkeep_engine::scheduler::LEADER_TTL_SECS
        {
            return err(
                "tick_secs",
                "must be at least 1 and well under the leader lease (30 s)",
            );
        }
        if self
            .metrics_token
            .as_ref()
            .is_some_and(|t| secrecy::ExposeSecret::expose_secret(t).len() < 16)
        {
            return err("metrics_token", "must be at least 16 characters");
        }
        let mut labels: Vec<String> = self
            .metrics_tags
            .iter()
            .map(|k| crate::metrics::tag_label(k))
            .collect();
        labels.sort_unstable();
        if self.metrics_tags.iter().any(|k| k.trim().is_empty())
            || labels.windows(2).any(|w| w[0] == w[1])
        {
            return err(
                "metrics_tags",
                "each tag must be non-empty, and no two may make the same label (tag_ and the key with other characters than letters, digits and _ as _)",
            );
        }
        if self.session_idle_secs < 60 {
            return err("session_idle_secs", "must be at least 60 seconds");
        }
        if self.session_absolute_secs < self.session_idle_secs {
            return err("session_absolute_secs", "must be at least the idle timeout");
        }
        Ok(())
    }

    pub fn is_https(&self) -> bool {
        self.tls != TlsMode::Off
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_off_loopback_is_refused_unless_behind_a_trusted_proxy() {
        let mut s = ServerSettings {
            listen: "0.0.0.0:8080".parse().unwrap(),
            ..Default::default()
        };
        assert_eq!(s.check().unwrap_err().field, "listen");
        s.behind_proxy = true;
        assert_eq!(s.check().unwrap_err().field, "trusted_proxies");
        s.trusted_proxies = vec!["10.0.0.1".parse().unwrap()];
        assert!(s.check().is_ok());
        let s = ServerSettings {
            listen: "0.0.0.0:8443".parse().unwrap(),
            tls: TlsMode::SelfSigned { dir: "/tmp".into() },
            ..Default::default()
        };
        assert!(s.check().is_ok());
        assert!(ServerSettings::default().check().is_ok());
    }
}
