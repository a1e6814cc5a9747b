//! Vault clients keyed by vault URL: each built once and reused, each with its own request
//! budget, all under one cap on requests in flight.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

use crate::budget::{BudgetConfig, RequestBudget};
use crate::vault_url::VaultUrl;
use crate::{AzureError, AzureSession, VaultClient};

/// Limits shared by a pool's vaults.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolConfig {
    /// Each vault's budget (default 2,000 requests per 10 s).
    pub budget: BudgetConfig,
    /// Requests on the wire at once, across every vault (default 128: throughput is at most
    /// this ÷ the round-trip time, so it must not bind below the vaults' budgets).
    pub max_in_flight: usize,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            budget: BudgetConfig::default(),
            max_in_flight: 128,
        }
    }
}

/// See the module documentation.
#[derive(Debug)]
pub struct VaultPool {
    session: Arc<AzureSession>,
    config: PoolConfig,
    in_flight: Arc<Semaphore>,
    vaults: Mutex<HashMap<String, Arc<VaultClient>>>,
}

impl VaultPool {
    pub fn new(session: Arc<AzureSession>, config: PoolConfig) -> Self {
        let in_flight = Arc::new(Semaphore::new(config.max_in_flight.max(1)));
        Self {
            session,
            config,
            in_flight,
            vaults: Mutex::new(HashMap::new()),
        }
    }

    pub fn session(&self) -> &AzureSession {
        &self.session
    }

    /// The client for a vault (`https://{vault}.{suffix}[/]`), built on first use. A URL outside
    /// the cloud's vault domain is refused before any request.
    pub fn vault(&self, vault_url: &str) -> Result<Arc<VaultClient>, AzureError> {
        let key = VaultUrl::parse(self.session.cloud(), vault_url)?.origin();
        let mut vaults = self
            .vaults
            .lock()
            .map_err(|_| AzureError::Sdk("vault pool lock poisoned".into()))?;
        if let Some(client) = vaults.get(&key) {
            return Ok(client.clone());
        }
        let client = Arc::new(VaultClient::new(
            &self.session,
            &key,
            RequestBudget::new(&self.config.budget),
            self.in_flight.clone(),
        )?);
        vaults.insert(key, client.clone());
        Ok(client)
    }

    /// How many vault clients have been built.
    pub fn len(&self) -> usize {
        self.vaults.lock().map(|v| v.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
