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
        let credentials: HashMap<_, _> = store
            .list_credentials()
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let by_vault = store
            .list_vaults(None)
            .await?
            .into_iter()
            .filter_map(|v| {
                let credential = credentials.get(&v.credential_id)?;
                Some((v.id, (credential.clone(), v.record.name)))
            })
            .collect();
        Ok(Self { by_vault })
    }

    /// (credential, vault) names; empty strings for a vault removed meanwhile.
    pub(crate) fn of(&self, id: VaultId) -> (String, String) {
        self.by_vault.get(&id).cloned().unwrap_or_default()
    }
}
