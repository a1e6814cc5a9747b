//! The engine: the store, the master key, the clouds, and one Azure session (with its pool of
//! per-vault clients and budgets) per credential, reused for the life of the process.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use certkeep_azure::secrecy::SecretString;
use certkeep_azure::{AzureCredentialSpec, AzureSession, Cloud, PoolConfig, VaultPool};
use certkeep_store::{Clock, Credential, NewAuditEvent, Store, SystemClock};

use crate::master_key::{KeyError, MasterKey, Sealed, credential_aad};
use crate::{Actor, EngineError};

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
        }
    }
}

/// The one door every front end (CLI, REST API, web pages) goes through.
pub struct Engine {
    pub(crate) store: Store,
    /// Absent when opened read-only with no key file yet (nothing sealed exists).
    key: Option<MasterKey>,
    key_path: Option<std::path::PathBuf>,
    pub(crate) config: EngineConfig,
    clock: Arc<dyn Clock>,
    /// This process's engine, in lease holders (several instances share one database).
    instance_id: String,
    pools: Mutex<HashMap<String, Arc<VaultPool>>>,
    /// Jobs this process runs, by id (awaited or interrupted at shutdown).
    pub(crate) running_jobs: Mutex<HashMap<String, tokio::task::JoinHandle<()>>>,
}

impl Engine {
    /// An engine over an open store, on the system clock. Front ends use [`Engine::open`].
    pub fn new(store: Store, key: MasterKey, config: EngineConfig) -> Self {
        Self::assemble(store, Some(key), None, config, Arc::new(SystemClock))
    }

    pub(crate) fn assemble(
        store: Store,
        key: Option<MasterKey>,
        key_path: Option<std::path::PathBuf>,
        config: EngineConfig,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            key,
            key_path,
            config,
            clock,
            instance_id: uuid::Uuid::new_v4().simple().to_string()[..12].to_string(),
            pools: Mutex::new(HashMap::new()),
            running_jobs: Mutex::new(HashMap::new()),
        }
    }

    /// The same engine reading time from `clock` (tests warp it; the store keeps its own
    /// clock only for rows written without an explicit time).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// This engine instance's id (random per process).
    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// Now, in Unix seconds, from the engine's clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Closes the database pool (waits for connections to be returned).
    pub async fn close(self) -> Result<(), EngineError> {
        Ok(self.store.close().await?)
    }

    pub(crate) fn key(&self) -> Result<&MasterKey, EngineError> {
        self.key.as_ref().ok_or_else(|| {
            EngineError::Key(KeyError::Io {
                path: self.key_path.clone().unwrap_or_default(),
                reason: "no master key was loaded (the engine was opened read-only)".into(),
            })
        })
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
        actor: &Actor,
        action: &str,
        target: &str,
        outcome: &str,
        detail: serde_json::Value,
    ) -> NewAuditEvent {
        NewAuditEvent {
            actor: actor.audit_name(),
            action: action.into(),
            target: target.into(),
            outcome: outcome.into(),
            detail,
        }
    }

    /// Records that an action failed (its own event: the failed change wrote nothing). The
    /// error's text never holds a secret. A failure to record is logged, not raised over the
    /// original error.
    pub(crate) async fn audit_failure(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
        error: &EngineError,
    ) {
        let event = self.audit(
            actor,
            action,
            target,
            "failed",
            serde_json::json!({"error": error.to_string(), "exit_code": error.exit_code()}),
        );
        if let Err(e) = self.store.record_audit_event(event).await {
            tracing::warn!("recording a failed {action} in the audit log failed: {e}");
        }
    }

    /// Whether the database answers and holds this build's schema (for `/readyz`); the
    /// reason when not (no URL, no password in it).
    pub async fn readiness(&self) -> Result<(), String> {
        match self.store.applied_migrations().await {
            Ok(applied) if applied.is_empty() => Err("the database has no schema".into()),
            Ok(applied) => {
                let have = applied.last().map_or(0, |(v, _)| *v);
                let want = certkeep_store::LATEST_MIGRATION;
                if have == want {
                    Ok(())
                } else {
                    Err(format!(
                        "the database schema is at migration {have}, this build needs {want}"
                    ))
                }
            }
            Err(e) => {
                // The cause is logged; anyone may call /readyz, so it gets no detail.
                tracing::warn!("readiness: the database does not answer: {e}");
                Err("the database does not answer".into())
            }
        }
    }

    /// Runs a use case and, when it fails, records the failure under `action` and `target`.
    pub(crate) async fn audited<T>(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
        work: impl std::future::Future<Output = Result<T, EngineError>>,
    ) -> Result<T, EngineError> {
        let result = work.await;
        if let Err(e) = &result {
            self.audit_failure(actor, action, target, e).await;
        }
        result
    }

    /// The credential's Azure identity with its secret unsealed (kept in memory only).
    pub(crate) fn spec_for(&self, c: &Credential) -> Result<AzureCredentialSpec, EngineError> {
        let sealed = Sealed {
            key_id: c.secret_key_id.clone(),
            bytes: c.secret_ciphertext.clone(),
        };
        let plain = self.key()?.open(&sealed, &credential_aad(c.id.as_str()))?;
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
}
