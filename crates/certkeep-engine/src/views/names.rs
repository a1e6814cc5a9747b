//! Vault id → (credential name, vault name), read once per query (vaults are few), in one
//! query of three columns.

use std::collections::HashMap;

use certkeep_store::{Store, VaultId};

use crate::EngineError;

#[derive(Debug, Default)]
pub(crate) struct Names {
    by_vault: HashMap<VaultId, (String, String)>,
}

impl Names {
    pub(crate) async fn load(store: &Store) -> Result<Self, EngineError> {
        Ok(Self {
            by_vault: store.vault_names(None).await?,
        })
    }

    /// The names of these vaults only (a page's rows).
    pub(crate) async fn of_vaults(
        store: &Store,
        ids: impl IntoIterator<Item = VaultId>,
    ) -> Result<Self, EngineError> {
        let ids: Vec<VaultId> = ids.into_iter().collect();
        if ids.is_empty() {
            return Ok(Self::default());
        }
        Ok(Self {
            by_vault: store.vault_names(Some(&ids)).await?,
        })
    }

    /// (credential, vault) names; empty strings for a vault removed meanwhile.
    pub(crate) fn of(&self, id: VaultId) -> (String, String) {
        self.by_vault.get(&id).cloned().unwrap_or_default()
    }
}
