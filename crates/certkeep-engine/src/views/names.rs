//! Vault id → (credential name, vault name), read once per query (vaults are few).

use std::collections::HashMap;

use certkeep_store::{Store, VaultId};

use crate::EngineError;

#[derive(Debug, Default)]
pub(crate) struct Names {
    by_vault: HashMap<VaultId, (String, String)>,
}

impl Names {
    pub(crate) async fn load(store: &Store) -> Result<Self, EngineError> {
        let mut by_vault = HashMap::new();
        for c in store.list_credentials().await? {
            for v in store.list_vaults(Some(&c.id)).await? {
                by_vault.insert(v.id, (c.name.clone(), v.record.name.clone()));
            }
        }
        Ok(Self { by_vault })
    }

    /// (credential, vault) names; empty strings for a vault removed meanwhile.
    pub(crate) fn of(&self, id: VaultId) -> (String, String) {
        self.by_vault.get(&id).cloned().unwrap_or_default()
    }
}
