//! Shared state of a running emulator and the endpoints it answers on.

use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::auth::TokenSigner;
use crate::clock::Clock;
use crate::gate::{Counters, Faults, Throttle};
use crate::kv::model::World;
use crate::pki::Authority;

/// The URLs of one emulator instance.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub port: u16,
}

impl Endpoints {
    /// Entra ID authority host (also reachable as `login.localhost`).
    pub fn authority(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }
    /// ARM endpoint (also reachable as `management.localhost`).
    pub fn arm(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }
    /// A vault's URL: `https://{name}.vault.localhost:{port}`.
    pub fn vault_url(&self, name: &str) -> String {
        format!("https://{name}.vault.localhost:{}", self.port)
    }
    /// The resource named in the vault challenge; SDKs check that the vault host ends with it.
    pub fn vault_resource(&self) -> String {
        format!("https://vault.localhost:{}", self.port)
    }
    /// Audiences accepted by vaults.
    pub fn vault_audiences(&self) -> Vec<String> {
        vec![
            self.vault_resource(),
            "https://vault.localhost".into(),
            "https://vault.azure.net".into(),
        ]
    }
    /// Audiences accepted by ARM.
    pub fn arm_audiences(&self) -> Vec<String> {
        vec![
            self.arm(),
            format!("https://management.localhost:{}", self.port),
            "https://management.azure.com".into(),
            "https://management.core.windows.net".into(),
        ]
    }
}

/// Everything a request handler needs.
pub struct AppState {
    pub world: Mutex<World>,
    pub clock: Clock,
    pub counters: Mutex<Counters>,
    pub faults: Mutex<Faults>,
    /// Commit-then-drop faults made since the faults were last set (for `drop_after_commit_limit`).
    pub drops_after_commit: std::sync::atomic::AtomicU32,
    pub throttle: Mutex<Throttle>,
    pub signer: TokenSigner,
    pub tls_ca: Authority,
    /// Stand-in CAs for integrated issuers and for "third-party" certificates, by name.
    pub authorities: Mutex<BTreeMap<String, Arc<Authority>>>,
    pub endpoints: Endpoints,
    pub data_dir: std::path::PathBuf,
    /// Keys made ahead of time (empty unless a benchmark fills it).
    pub key_pool: crate::key_pool::KeyPool,
}

impl AppState {
    /// The CA that signs for a provider (created on first use).
    pub fn authority(&self, name: &str) -> Result<Arc<Authority>, crate::error::PkiError> {
        if let Some(a) = self.authorities.lock().get(name) {
            return Ok(a.clone());
        }
        let (cn, org) = match name {
            "DigiCert" => ("DigiCert Emulated TLS RSA CA", "DigiCert Inc (emulated)"),
            "GlobalSign" => (
                "GlobalSign Emulated RSA OV SSL CA",
                "GlobalSign nv-sa (emulated)",
            ),
            "External" => ("Contoso Issuing CA 01 (emulated)", "Contoso Ltd"),
            other => (other, "Certkeep Emulator"),
        };
        let authority = Arc::new(Authority::generate(cn, org, self.clock.now())?);
        Ok(self
            .authorities
            .lock()
            .entry(name.to_string())
            .or_insert(authority)
            .clone())
    }
}
