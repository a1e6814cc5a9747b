//! Importing a credential's vaults (new ones added, changed ones updated, vanished ones marked
//! missing, never deleted) and a vault's issuers.

use certkeep_azure::ArmClient;
use certkeep_store::{Credential, Issuer, SyncCounts, Vault};
use serde_json::json;

use crate::{Engine, EngineError, records};

impl Engine {
    /// Re-imports the vaults of one credential.
    pub(crate) async fn sync_credential_vaults(
        &self,
        c: &Credential,
    ) -> Result<SyncCounts, EngineError> {
        let pool = self.pool_for(c)?;
        let arm = ArmClient::new(pool.session())?;
        let listed = match arm.list_vaults(&c.subscription_id).await {
            Ok(v) => v,
            Err(e) => {
                let _ = self
                    .store
                    .record_audit_event(self.audit(
                        "vault.sync",
                        &c.name,
                        "failed",
                        json!({"error": e.to_string()}),
                    ))
                    .await;
                return Err(e.into());
            }
        };
        let recs: Vec<_> = listed.iter().map(records::vault_record).collect();
        Ok(self
            .store
            .sync_vaults(
                &c.id,
                &recs,
                true,
                Self::now(),
                self.audit("vault.sync", &c.name, "succeeded", json!({})),
            )
            .await?)
    }

    /// `vault sync`: every credential, or one.
    pub async fn sync_vaults(
        &self,
        credential: Option<&str>,
    ) -> Result<Vec<(String, SyncCounts)>, EngineError> {
        let mut out = Vec::new();
        for c in self.credentials_in_scope(credential).await? {
            out.push((c.name.clone(), self.sync_credential_vaults(&c).await?));
        }
        Ok(out)
    }

    pub async fn list_vaults(
        &self,
        credential: Option<&str>,
    ) -> Result<Vec<(String, Vault)>, EngineError> {
        let mut out = Vec::new();
        for c in self.credentials_in_scope(credential).await? {
            for v in self.store.list_vaults(Some(&c.id)).await? {
                out.push((c.name.clone(), v));
            }
        }
        Ok(out)
    }

    /// A vault of a credential by name.
    pub async fn vault(
        &self,
        credential: &str,
        vault: &str,
    ) -> Result<(Credential, Vault), EngineError> {
        let c = self.credential(credential).await?;
        let v =
            self.store
                .find_vault(&c.id, vault)
                .await?
                .ok_or_else(|| EngineError::NotFound {
                    what: format!("vault '{vault}' of credential '{credential}'"),
                })?;
        Ok((c, v))
    }

    /// `issuer sync`: lists a vault's issuers into the store.
    pub async fn sync_issuers(
        &self,
        credential: &str,
        vault: &str,
    ) -> Result<SyncCounts, EngineError> {
        let (c, v) = self.vault(credential, vault).await?;
        let client = self.pool_for(&c)?.vault(&v.record.vault_uri)?;
        let items = client.list_issuers().await?;
        let recs: Vec<_> = items.iter().map(records::issuer_record).collect();
        Ok(self
            .store
            .sync_issuers(
                v.id,
                &recs,
                Self::now(),
                self.audit(
                    "issuer.sync",
                    &format!("{credential}/{vault}"),
                    "succeeded",
                    json!({}),
                ),
            )
            .await?)
    }

    pub async fn list_issuers(
        &self,
        credential: &str,
        vault: &str,
    ) -> Result<Vec<Issuer>, EngineError> {
        let (_, v) = self.vault(credential, vault).await?;
        Ok(self.store.list_issuers(v.id).await?)
    }
}
