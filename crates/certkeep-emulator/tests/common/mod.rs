//! Test harness: an in-process emulator on port 0, and official-SDK clients pointed at it the
//! way any user would (custom cloud authority, trusted emulator CA, `*.localhost` on loopback).
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use azure_core::credentials::{Secret, TokenCredential};
use azure_security_keyvault_certificates::{CertificateClient, CertificateClientOptions};
use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};
use certkeep_azure::Cloud;
use certkeep_emulator::demo::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_SUBSCRIPTIONS, DEMO_TENANT,
};
use certkeep_emulator::seed::Seed;
use certkeep_emulator::{Config, Emulator};
use serde_json::json;

pub struct Env {
    pub emu: Emulator,
    pub cloud: Cloud,
    pub http: reqwest::Client,
    _dir: tempdir::TempDir,
}

mod tempdir {
    /// A directory removed on drop.
    pub struct TempDir(pub std::path::PathBuf);
    impl TempDir {
        pub fn new() -> Self {
            let p = std::env::temp_dir().join(format!(
                "ck-emu-test-{}-{}",
                std::process::id(),
                rand_suffix()
            ));
            std::fs::create_dir_all(&p).expect("temp dir");
            Self(p)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    fn rand_suffix() -> u64 {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        N.fetch_add(1, Ordering::Relaxed) * 1000
            + std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos() as u64)
                .unwrap_or(0)
                % 1000
    }
}

/// A seed with the demo identities, one subscription and two vaults (fast to load).
pub fn small_seed() -> Seed {
    serde_json::from_value(json!({
        "tenants": [{"id": DEMO_TENANT, "name": "Contoso", "applications": [
            {"client_id": DEMO_CLIENT_ID, "secrets": [{"value": DEMO_CLIENT_SECRET}]},
            {"client_id": certkeep_emulator::demo::NO_ACCESS_CLIENT_ID, "secrets": [{"value": certkeep_emulator::demo::NO_ACCESS_CLIENT_SECRET}]}
        ]}],
        "subscriptions": [{"id": DEMO_SUBSCRIPTIONS[0], "tenant": DEMO_TENANT, "readers": [DEMO_CLIENT_ID], "vaults": [
            {"name": "kv-test-1", "access": [DEMO_CLIENT_ID], "issuers": [
                {"name": "digicert-ov", "provider": "DigiCert"}, {"name": "globalsign-ev", "provider": "GlobalSign"}]},
            {"name": "kv-test-2", "access": [DEMO_CLIENT_ID], "rbac": false},
            {"name": "kv-test-3", "access": [DEMO_CLIENT_ID]}
        ]}]
    }))
    .expect("valid seed")
}

impl Env {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempdir::TempDir::new();
        let mut config = Config {
            data_dir: dir.0.clone(),
            self_delay_secs: 0.0,
            ca_delay_secs: 2.0,
            ..Default::default()
        };
        tweak(&mut config);
        let emu = Emulator::start(config).await.expect("emulator starts");
        emu.load_seed(&small_seed()).expect("seed loads");
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
            _dir: dir,
        }
    }

    pub fn vault_url(&self, vault: &str) -> String {
        self.emu.endpoints().vault_url(vault)
    }

    pub fn options(&self) -> azure_core::http::ClientOptions {
        certkeep_azure::transport::client_options(&self.cloud, self.http.clone())
    }

    pub fn credential_for(&self, client_id: &str, secret: &str) -> Arc<dyn TokenCredential> {
        azure_identity::ClientSecretCredential::new(
            DEMO_TENANT,
            client_id.to_string(),
            Secret::new(secret.to_string()),
            Some(azure_identity::ClientSecretCredentialOptions {
                client_options: self.options(),
            }),
        )
        .expect("credential")
    }

    pub fn credential(&self) -> Arc<dyn TokenCredential> {
        self.credential_for(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
    }

    /// Certificate client with challenge-resource verification left ON.
    pub fn certificates(&self, vault: &str) -> CertificateClient {
        CertificateClient::new(
            &self.vault_url(vault),
            self.credential(),
            Some(CertificateClientOptions {
                client_options: self.options(),
                ..Default::default()
            }),
        )
        .expect("certificate client")
    }

    pub fn secrets(&self, vault: &str) -> SecretClient {
        SecretClient::new(
            &self.vault_url(vault),
            self.credential(),
            Some(SecretClientOptions {
                client_options: self.options(),
                ..Default::default()
            }),
        )
        .expect("secret client")
    }

    /// A bearer token for raw REST calls.
    pub async fn token(&self, scope: &str) -> String {
        self.credential()
            .get_token(&[scope], None)
            .await
            .expect("token")
            .token
            .secret()
            .to_string()
    }

    pub async fn vault_token(&self) -> String {
        self.token(&format!(
            "{}/.default",
            self.emu.endpoints().vault_resource()
        ))
        .await
    }

    /// Calls the admin API.
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
        assert!(
            resp.status().is_success(),
            "admin {path}: {}",
            resp.status()
        );
        resp.json().await.expect("admin json")
    }
}

/// All of an error's sources, joined (the SDK wraps credential errors).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(" | ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
