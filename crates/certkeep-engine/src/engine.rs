//! The engine: the store, the master key, the clouds, and one Azure session (with its pool of
//! per-vault clients and budgets) per credential, reused for the life of the process.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use certkeep_azure::secrecy::SecretString;
use certkeep_azure::{AzureCredentialSpec, AzureSession, Cloud, PoolConfig, VaultPool};
use certkeep_store::{Credential, NewAuditEvent, Store};

use crate::EngineError;
use crate::master_key::{MasterKey, Sealed, credential_aad};

/// How the engine talks to Azure.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Clouds by name: the three built in plus custom ones from the config file.
    pub clouds: BTreeMap<String, Cloud>,
    /// Per-vault request budget and the global in-flight cap.
    pub pool: PoolConfig,
    /// Vaults discovered at the same time.
    pub vault_concurrency: usize,
    /// Certificates (or secrets) of one vault fetched at the same time: enough to keep a vault's
    /// budget busy at Azure's latencies; more only adds SQLite write-lock waits (measured, see
    /// docs/benchmarks.md). The per-vault budget still bounds what reaches Azure.
    pub item_concurrency: usize,
    /// Who is acting, for the audit log.
    pub actor: String,
}

impl Default for EngineConfig {
    fn default() -> Self {
        let clouds = [
            Cloud::azure_public(),
            Cloud::azure_china(),
            Cloud::azure_us_government(),
        ]
        .into_iter()
        .map(|c| (c.name.clone(), c))
        .collect();
        Self {
            clouds,
            pool: PoolConfig::default(),
            vault_concurrency: 8,
            item_concurrency: 16,
            actor: "cli".into(),
        }
    }
}

pub struct Engine {
    pub(crate) store: Store,
    pub(crate) key: MasterKey,
    pub(crate) config: EngineConfig,
    pools: Mutex<HashMap<String, Arc<VaultPool>>>,
}

impl Engine {
    pub fn new(store: Store, key: MasterKey, config: EngineConfig) -> Self {
        Self {
            store,
            key,
            config,
            pools: Mutex::new(HashMap::new()),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    pub(crate) fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default()
    }

    pub(crate) fn cloud(&self, name: &str) -> Result<Cloud, EngineError> {
        self.config.clouds.get(name).cloned().ok_or_else(|| {
            let known: Vec<&str> = self.config.clouds.keys().map(String::as_str).collect();
            EngineError::invalid(
                "cloud",
                format!("unknown cloud '{name}' (known: {})", known.join(", ")),
            )
        })
    }

    pub(crate) fn audit(
        &self,
        action: &str,
        target: &str,
        outcome: &str,
        detail: serde_json::Value,
    ) -> NewAuditEvent {
        NewAuditEvent {
            actor: self.config.actor.clone(),
            action: action.into(),
            target: target.into(),
            outcome: outcome.into(),
            detail,
        }
    }

    /// The credential's Azure identity with its secret unsealed (kept in memory only).
    pub(crate) fn spec_for(&self, c: &Credential) -> Result<AzureCredentialSpec, EngineError> {
        let sealed = Sealed {
            key_id: c.secret_key_id.clone(),
            bytes: c.secret_ciphertext.clone(),
        };
        let plain = self.key.open(&sealed, &credential_aad(c.id.as_str()))?;
        let secret = String::from_utf8(plain)
            .map_err(|_| EngineError::invalid("client_secret", "stored secret is not text"))?;
        Ok(AzureCredentialSpec {
            cloud: self.cloud(&c.cloud)?,
            tenant_id: c.tenant_id.clone(),
            client_id: c.client_id.clone(),
            client_secret: SecretString::from(secret),
            subscription_id: c.subscription_id.clone(),
        })
    }

    /// One pool (session, clients, budgets) per credential, built on first use.
    pub(crate) fn pool_for(&self, c: &Credential) -> Result<Arc<VaultPool>, EngineError> {
        let key = format!("{}:{}", c.id.as_str(), c.updated_at);
        if let Some(p) = self
            .pools
            .lock()
            .map_err(|_| EngineError::invalid("engine", "poisoned"))?
            .get(&key)
        {
            return Ok(p.clone());
        }
        let session = Arc::new(AzureSession::new(&self.spec_for(c)?)?);
        let pool = Arc::new(VaultPool::new(session, self.config.pool.clone()));
        self.pools
            .lock()
            .map_err(|_| EngineError::invalid("engine", "poisoned"))?
            .insert(key, pool.clone());
        Ok(pool)
    }

    /// Finds a credential by name.
    pub async fn credential(&self, name: &str) -> Result<Credential, EngineError> {
        self.store
            .find_credential_by_name(name)
            .await?
            .ok_or_else(|| EngineError::NotFound {
                what: format!("credential '{name}'"),
            })
    }

    /// The credentials a command applies to: one by name, or all.
    pub(crate) async fn credentials_in_scope(
        &self,
        name: Option<&str>,
    ) -> Result<Vec<Credential>, EngineError> {
        match name {
            Some(n) => Ok(vec![self.credential(n).await?]),
            None => Ok(self.store.list_credentials().await?),
        }
    }
}
