//! "Obtain Certificate" (the latest version of a certificate, from Key Vault into the inventory)
//! and "Obtain History" (every version).

use certkeep_azure::{AzureError, CertListItem};
use serde::Serialize;
use serde_json::json;

use crate::{Actor, Engine, EngineError, Scope};

/// What obtaining one certificate stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ObtainReport {
    pub vault: String,
    pub name: String,
    pub history: bool,
    pub versions_added: usize,
    pub versions_updated: usize,
    pub versions_unchanged: usize,
    /// Versions that could not be read (`name/version: reason`).
    pub skipped: Vec<String>,
}

impl Engine {
    /// Reads the certificate's latest version (with `history`, every version) from Key Vault
    /// and stores it with every parsed field.
    pub async fn obtain_vault_certificate(
        &self,
        actor: &Actor,
        scope: &Scope,
        name: &str,
        history: bool,
    ) -> Result<ObtainReport, EngineError> {
        let (c, v) = self.one_vault(scope).await?;
        let target = format!("{}/{name}", v.record.name);
        self.audited(actor, "certificate.obtain", &target, async {
            let client = self.pool_for(&c)?.vault(&v.record.vault_uri)?;
            let latest = match client.get_certificate(name, None).await {
                Ok(b) => b,
                Err(AzureError::NotFound { .. }) => {
                    return Err(EngineError::NotFound {
                        what: format!("certificate '{name}' in Key Vault '{}'", v.record.name),
                    });
                }
                Err(e) => return Err(e.into()),
            };
            let item = CertListItem {
                name: latest.name.clone(),
                x5t: latest.x5t.clone(),
                enabled: latest.enabled,
                created: latest.created,
                updated: latest.updated,
                nbf: latest.nbf,
                exp: latest.exp,
                tags: latest.tags.clone(),
            };
            let fetched = self
                .fetch_certificate(&client, v.id, &item, history, &[])
                .await?;
            let report = ObtainReport {
                vault: v.record.name.clone(),
                name: latest.name.clone(),
                history,
                versions_added: fetched.counts.added,
                versions_updated: fetched.counts.updated,
                versions_unchanged: fetched.counts.unchanged,
                skipped: fetched.skipped,
            };
            self.store
                .record_audit_event(self.audit(
                    actor,
                    "certificate.obtain",
                    &target,
                    "succeeded",
                    json!({"history": history, "versions_added": report.versions_added}),
                ))
                .await?;
            Ok(report)
        })
        .await
    }
}
