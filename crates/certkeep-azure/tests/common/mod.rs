//! An in-process emulator on port 0 with the demo seed, and credential specs pointing at it.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use certkeep_azure::secrecy::SecretString;
use certkeep_azure::{
    AzureCredentialSpec, AzureSession, Cloud, PoolConfig, RetrySettings, VaultPool,
};
use certkeep_emulator::demo::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_SUBSCRIPTIONS, DEMO_TENANT,
};
use certkeep_emulator::{Config, Emulator};

pub mod pki;

pub const PROD: &str = DEMO_SUBSCRIPTIONS[0];

pub struct Env {
    pub emu: Emulator,
    pub cloud: Cloud,
    pub http: reqwest::Client,
    dir: std::path::PathBuf,
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Env {
    /// The emulator with the demo seed loaded.
    pub async fn start() -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ck-azure-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let emu = Emulator::start(Config {
            data_dir: dir.clone(),
            port: 0,
            self_delay_secs: 0.0,
            ..Default::default()
        })
        .await
        .expect("emulator starts");
        emu.load_seed(&certkeep_emulator::demo::demo_seed())
            .expect("demo seed loads");
        let e = emu.endpoints();
        let cloud = Cloud::custom(
            "emulator",
            &e.authority(),
            &e.arm(),
            "vault.localhost",
            Some(emu.ca_pem().to_string()),
        )
        .expect("cloud");
        let http = certkeep_azure::transport::http_client(&cloud).expect("http client");
        Self {
            emu,
            cloud,
            http,
            dir,
        }
    }

    /// The demo application in the production subscription.
    pub fn spec(&self) -> AzureCredentialSpec {
        self.spec_for(DEMO_TENANT, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, PROD)
    }

    pub fn spec_for(
        &self,
        tenant: &str,
        client_id: &str,
        secret: &str,
        subscription: &str,
    ) -> AzureCredentialSpec {
        AzureCredentialSpec {
            cloud: self.cloud.clone(),
            tenant_id: tenant.into(),
            client_id: client_id.into(),
            client_secret: SecretString::from(secret.to_string()),
            subscription_id: subscription.into(),
        }
    }

    pub fn session(&self) -> Arc<AzureSession> {
        Arc::new(AzureSession::new(&self.spec()).expect("session"))
    }

    pub fn pool(&self) -> VaultPool {
        VaultPool::new(self.session(), PoolConfig::default())
    }

    pub fn pool_with(&self, config: PoolConfig, retry: &RetrySettings) -> VaultPool {
        let session = AzureSession::with_retry(&self.spec(), retry).expect("session");
        VaultPool::new(Arc::new(session), config)
    }

    /// `https://{vault}.vault.localhost:PORT/`, as ARM gives it.
    pub fn vault_uri(&self, vault: &str) -> String {
        format!("{}/", self.emu.endpoints().vault_url(vault))
    }

    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let url = format!("{}/_emulator/{path}", self.emu.endpoints().arm());
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("admin call");
        let status = resp.status();
        let text = resp.text().await.expect("admin body");
        assert!(status.is_success(), "admin {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }

    pub async fn counters(&self) -> serde_json::Value {
        self.admin(reqwest::Method::GET, "counters", None).await
    }

    pub async fn reset_counters(&self) {
        self.admin(reqwest::Method::DELETE, "counters", None).await;
    }

    pub async fn vault_requests(&self, vault: &str) -> u64 {
        self.counters().await["by_vault"][vault]
            .as_u64()
            .unwrap_or(0)
    }
}

impl Env {
    /// The emulator's whole state (`/_emulator/state`).
    pub async fn state(&self) -> serde_json::Value {
        self.admin(reqwest::Method::GET, "state", None).await
    }

    /// One vault of the emulator's state.
    pub async fn vault_state(&self, vault: &str) -> serde_json::Value {
        let state = self.state().await;
        state["vaults"]
            .as_array()
            .and_then(|vs| {
                vs.iter()
                    .find(|v| v["properties"]["name"].as_str() == Some(vault))
                    .cloned()
            })
            .unwrap_or_else(|| panic!("vault {vault} in the emulator state"))
    }

    /// A certificate of the emulator's state (`None`: not there).
    pub async fn cert_state(&self, vault: &str, name: &str) -> Option<serde_json::Value> {
        let v = self.vault_state(vault).await;
        v["certificates"]
            .as_array()?
            .iter()
            .find(|c| c["name"].as_str() == Some(name))
            .cloned()
    }

    /// A secret of the emulator's state (`None`: not there).
    pub async fn secret_state(&self, vault: &str, name: &str) -> Option<serde_json::Value> {
        let v = self.vault_state(vault).await;
        v["secrets"]
            .as_array()?
            .iter()
            .find(|s| s["name"].as_str() == Some(name))
            .cloned()
    }

    /// Replaces the emulator's faults.
    pub async fn faults(&self, faults: serde_json::Value) {
        self.admin(reqwest::Method::PUT, "faults", Some(faults))
            .await;
    }

    /// Requests the emulator counted for one route id.
    pub async fn route_count(&self, route: &str) -> u64 {
        self.counters().await["by_route"][route]
            .as_u64()
            .unwrap_or(0)
    }
}
