//! The engine tests' harness: an in-process emulator with the demo seed, stores on SQLite and
//! (when `CERTKEEP_TEST_DATABASE_URL` is set) PostgreSQL, and the engine under test.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeSet;

use certkeep_azure::secrecy::SecretString;
use certkeep_azure::{BudgetConfig, Cloud, PoolConfig};
use certkeep_emulator::demo::{DEMO_SUBSCRIPTIONS, DEMO_TENANT};
use certkeep_emulator::{Config, Emulator};
use certkeep_engine::credentials::AddCredential;
use certkeep_engine::master_key::MasterKey;
use certkeep_engine::{Actor, Engine, EngineConfig};
use certkeep_store::{CertificateFilter, CertificateSource, Show, Store};
use serde_json::Value;

pub struct Fixture {
    pub emu: Emulator,
    pub cloud: Cloud,
    pub http: reqwest::Client,
    pub dir: std::path::PathBuf,
    /// PostgreSQL databases made for this test, dropped with the fixture.
    databases: std::sync::Mutex<Vec<String>>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let Ok(base) = std::env::var("CERTKEEP_TEST_DATABASE_URL") else {
            return;
        };
        for db in self.databases.lock().map(|d| d.clone()).unwrap_or_default() {
            let _ = std::process::Command::new("psql")
                .args([
                    base.as_str(),
                    "-q",
                    "-c",
                    &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
                ])
                .status();
        }
    }
}

/// The engine under test and a handle on its store, for reading what it wrote.
pub struct TestEngine {
    pub engine: Engine,
    pub store: Store,
}

impl std::ops::Deref for TestEngine {
    type Target = Engine;
    fn deref(&self) -> &Engine {
        &self.engine
    }
}

impl TestEngine {
    pub fn store(&self) -> &Store {
        &self.store
    }
}

/// Who acts in these tests.
pub fn me() -> Actor {
    Actor::user("tester")
}

impl Fixture {
    pub async fn start() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "ck-engine-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let emu = Emulator::start(Config {
            data_dir: dir.join("emulator"),
            self_delay_secs: 0.0,
            ..Default::default()
        })
        .await
        .unwrap();
        emu.load_seed(&certkeep_emulator::demo::demo_seed())
            .unwrap();
        let e = emu.endpoints();
        let cloud = Cloud::custom(
            "emulator",
            &e.authority(),
            &e.arm(),
            "vault.localhost",
            Some(emu.ca_pem().to_string()),
        )
        .unwrap();
        let http = certkeep_azure::transport::http_client(&cloud).unwrap();
        Self {
            emu,
            cloud,
            http,
            dir,
            databases: Default::default(),
        }
    }

    /// Stores to test: SQLite always, PostgreSQL when configured (a database of its own).
    pub async fn stores(&self) -> Vec<(String, Store)> {
        let mut out = vec![(
            "sqlite".to_string(),
            Store::connect(&format!(
                "sqlite://{}",
                self.dir
                    .join(format!("{}.db", uuid::Uuid::new_v4()))
                    .display()
            ))
            .await
            .unwrap(),
        )];
        if let Ok(base) = std::env::var("CERTKEEP_TEST_DATABASE_URL") {
            let db = format!("ck_engine_{}", uuid::Uuid::new_v4().simple());
            let ok = std::process::Command::new("psql")
                .args([base.as_str(), "-q", "-c", &format!("CREATE DATABASE {db}")])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(
                ok,
                "CERTKEEP_TEST_DATABASE_URL is set but a database could not be created there"
            );
            self.databases.lock().unwrap().push(db.clone());
            let url = match base.rsplit_once('/') {
                Some((prefix, _)) => format!("{prefix}/{db}"),
                None => panic!("CERTKEEP_TEST_DATABASE_URL has no database part"),
            };
            out.push(("postgres".to_string(), Store::connect(&url).await.unwrap()));
        } else {
            eprintln!("CERTKEEP_TEST_DATABASE_URL not set: engine tests ran against SQLite only");
        }
        out
    }

    pub fn engine(&self, store: Store) -> TestEngine {
        let key =
            MasterKey::load_or_create(&self.dir.join(format!("{}.key", uuid::Uuid::new_v4())))
                .unwrap();
        let mut config = EngineConfig::default();
        config.clouds.insert("emulator".into(), self.cloud.clone());
        config.pool = PoolConfig {
            budget: BudgetConfig::per_window(2000, std::time::Duration::from_secs(10)),
            max_in_flight: 16,
        };
        TestEngine {
            engine: Engine::new(store.clone(), key, config),
            store,
        }
    }

    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(
            method,
            format!("{}/_emulator/{path}", self.emu.endpoints().arm()),
        );
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        resp.json().await.unwrap()
    }

    /// (vault, name, version, x5t, exp, enabled) of every certificate version in the production subscription.
    pub async fn ground_truth(&self) -> BTreeSet<(String, String, String, String, i64, bool)> {
        let state = self.admin(reqwest::Method::GET, "state", None).await;
        let mut out = BTreeSet::new();
        for v in state["vaults"].as_array().unwrap() {
            if v["properties"]["subscription_id"] != DEMO_SUBSCRIPTIONS[0] {
                continue;
            }
            let vault = v["properties"]["name"].as_str().unwrap().to_string();
            for c in v["certificates"].as_array().unwrap() {
                for ver in c["versions"].as_array().unwrap() {
                    out.insert((
                        vault.clone(),
                        c["name"].as_str().unwrap().to_string(),
                        ver["version"].as_str().unwrap().to_string(),
                        ver["x5t"].as_str().unwrap().to_string(),
                        ver["exp"].as_i64().unwrap(),
                        ver["enabled"].as_bool().unwrap(),
                    ));
                }
            }
        }
        out
    }
}

pub fn add(name: &str, client: &str, secret: &str) -> AddCredential {
    AddCredential {
        name: name.into(),
        cloud: "emulator".into(),
        tenant_id: DEMO_TENANT.into(),
        subscription_id: DEMO_SUBSCRIPTIONS[0].into(),
        client_id: client.into(),
        client_secret: SecretString::from(secret.to_string()),
    }
}

pub async fn inventory(
    engine: &TestEngine,
) -> BTreeSet<(String, String, String, String, i64, bool)> {
    let vaults = engine.store().list_vaults(None).await.unwrap();
    let certs = engine
        .store()
        .list_certificates(&CertificateFilter {
            show: Show::All,
            source: Some(CertificateSource::KeyVault),
            ..Default::default()
        })
        .await
        .unwrap();
    let rows: Vec<_> = certs
        .iter()
        .map(|c| {
            let vault = vaults
                .iter()
                .find(|v| v.id == c.vault_id)
                .unwrap()
                .record
                .name
                .clone();
            (
                vault,
                c.record.name.clone(),
                c.record.version.clone(),
                c.record.x5t.clone(),
                c.record.not_after,
                c.record.is_enabled,
            )
        })
        .collect();
    let set: BTreeSet<_> = rows.iter().cloned().collect();
    assert_eq!(set.len(), rows.len(), "no duplicate rows");
    set
}

pub mod vault_token {
    use super::Fixture;

    /// A vault token for the demo application, straight from the token endpoint.
    pub async fn get(fx: &Fixture) -> String {
        let e = fx.emu.endpoints();
        let body: serde_json::Value = fx
            .http
            .post(format!(
                "{}/{}/oauth2/v2.0/token",
                e.authority(),
                certkeep_emulator::demo::DEMO_TENANT
            ))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", certkeep_emulator::demo::DEMO_CLIENT_ID),
                ("client_secret", certkeep_emulator::demo::DEMO_CLIENT_SECRET),
                ("scope", &format!("{}/.default", e.vault_resource())),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }
}

impl Fixture {
    /// The emulator's per-route counters.
    pub async fn counters(&self) -> Value {
        self.admin(reqwest::Method::GET, "counters", None).await
    }

    /// Clears the emulator's counters.
    pub async fn reset_counters(&self) {
        self.admin(reqwest::Method::DELETE, "counters", None).await;
    }

    /// How many requests the emulator counted on `route` since the counters were cleared.
    pub async fn route_count(&self, route: &str) -> u64 {
        self.counters().await["by_route"][route]
            .as_u64()
            .unwrap_or(0)
    }

    /// The write routes (anything that changes Key Vault) the emulator counted, with counts.
    pub async fn writes(&self) -> Vec<(String, u64)> {
        const READS: [&str; 7] = [
            ".get",
            ".list",
            ".versions",
            "aad.",
            "arm.",
            "kv.challenge",
            "kv.unknown",
        ];
        let c = self.counters().await;
        let mut out = Vec::new();
        if let Some(map) = c["by_route"].as_object() {
            for (route, n) in map {
                if READS
                    .iter()
                    .any(|r| route.ends_with(r) || route.starts_with(r))
                {
                    continue;
                }
                out.push((route.clone(), n.as_u64().unwrap_or(0)));
            }
        }
        out
    }

    /// The emulator's state of one vault (by name).
    pub async fn vault_state(&self, vault: &str) -> Value {
        let state = self.admin(reqwest::Method::GET, "state", None).await;
        state["vaults"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["properties"]["name"] == vault)
            .cloned()
            .unwrap_or_else(|| panic!("no vault {vault} in the emulator"))
    }

    /// The emulator's state of one certificate (`Value::Null` when absent).
    pub async fn cert_state(&self, vault: &str, name: &str) -> Value {
        self.vault_state(vault).await["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| {
                c["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Sets the emulator's issuance delays (`Self`, and a provider's).
    pub async fn set_delays(&self, self_delay_secs: f64, providers: Value) {
        self.admin(
            reqwest::Method::PUT,
            "providers",
            Some(serde_json::json!({"self_delay_secs": self_delay_secs, "providers": providers})),
        )
        .await;
    }
}
