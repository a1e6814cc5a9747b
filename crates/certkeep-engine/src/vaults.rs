//! Importing a credential's vaults (new ones added, changed ones updated, vanished ones marked
//! missing, never deleted) and a vault's issuers.

use certkeep_azure::ArmClient;
use certkeep_store::{Credential, SyncCounts};
use serde::Serialize;
use serde_json::json;

use crate::reports::ItemOutcome;
use crate::views::{IssuerView, VaultView};
use crate::{Actor, Engine, EngineError, records};

/// What `vault sync` did for one credential.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VaultSyncReport {
    pub credential: String,
    /// Absent when the credential failed.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub counts: Option<SyncCounts>,
    pub error: Option<String>,
    /// The failure's exit code, so a front end can tell "Azure refused" (3) from others.
    pub exit_code: Option<u8>,
}

impl ItemOutcome for VaultSyncReport {
    const KIND: &'static str = "credentials";
    fn label(&self) -> String {
        self.credential.clone()
    }
    fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

/// What `issuer sync` did for one vault.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IssuerSyncReport {
    pub credential: String,
    pub vault: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub counts: SyncCounts,
}

impl Engine {
    /// Re-imports the vaults of one credential; a failure is audited.
    pub(crate) async fn sync_credential_vaults(
        &self,
        actor: &Actor,
        c: &Credential,
    ) -> Result<SyncCounts, EngineError> {
        self.audited(actor, "vault.sync", &c.name, async {
            let pool = self.pool_for(c)?;
            let arm = ArmClient::new(pool.session())?;
            let listed = arm.list_vaults(&c.subscription_id).await?;
            let recs: Vec<_> = listed.iter().map(records::vault_record).collect();
            Ok(self
                .store
                .sync_vaults(
                    &c.id,
                    &recs,
                    true,
                    self.now(),
                    self.audit(actor, "vault.sync", &c.name, "succeeded", json!({})),
                )
                .await?)
        })
        .await
    }

    /// `vault sync`: every credential (or one), each reported on its own; one credential that
    /// fails does not stop the others (see [`crate::reports::check`]).
    pub async fn sync_vaults(
        &self,
        actor: &Actor,
        credential: Option<&str>,
    ) -> Result<Vec<VaultSyncReport>, EngineError> {
        let mut out = Vec::new();
        for c in self.credentials_in_scope(credential).await? {
            let report = match self.sync_credential_vaults(actor, &c).await {
                Ok(counts) => VaultSyncReport {
                    credential: c.name.clone(),
                    counts: Some(counts),
                    error: None,
                    exit_code: None,
                },
                Err(e) => VaultSyncReport {
                    credential: c.name.clone(),
                    counts: None,
                    error: Some(e.to_string()),
                    exit_code: Some(e.exit_code()),
                },
            };
            out.push(report);
        }
        Ok(out)
    }

    /// The vaults of every credential (or one), with their credential's name.
    pub async fn list_vaults(
        &self,
        credential: Option<&str>,
    ) -> Result<Vec<VaultView>, EngineError> {
        let mut out = Vec::new();
        for c in self.credentials_in_scope(credential).await? {
            for v in self.store.list_vaults(Some(&c.id)).await? {
                out.push(VaultView::new(&c.name, &v));
            }
        }
        Ok(out)
    }

    /// `issuer sync`: lists a vault's issuers into the store; a failure is audited.
    pub async fn sync_issuers(
        &self,
        actor: &Actor,
        credential: &str,
        vault: &str,
    ) -> Result<IssuerSyncReport, EngineError> {
        let target = format!("{credential}/{vault}");
        self.audited(actor, "issuer.sync", &target, async {
            let (c, v) = self.vault(credential, vault).await?;
            let client = self.pool_for(&c)?.vault(&v.record.vault_uri)?;
            let items = client.list_issuers().await?;
            let recs: Vec<_> = items.iter().map(records::issuer_record).collect();
            let counts = self
                .store
                .sync_issuers(
                    v.id,
                    &recs,
                    self.now(),
                    self.audit(actor, "issuer.sync", &target, "succeeded", json!({})),
                )
                .await?;
            Ok(IssuerSyncReport {
                credential: credential.to_string(),
                vault: vault.to_string(),
                counts,
            })
        })
        .await
    }

    pub async fn list_issuers(
        &self,
        credential: &str,
        vault: &str,
    ) -> Result<Vec<IssuerView>, EngineError> {
        let (_, v) = self.vault(credential, vault).await?;
        Ok(self
            .store
            .list_issuers(v.id)
            .await?
            .iter()
            .map(|i| IssuerView::new(credential, vault, i))
            .collect())
    }
}
