//! Local delete: forgetting certificates or TLS secrets in Certkeep's inventory only (Key Vault
//! is not touched), optionally excluding them from later discovery, in one audited transaction.
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::{CHUNK, Store, audit, count, exclusions, with_member};
use crate::entities::{certificate, tls_secret, vault};
use crate::model::audit::NewAuditEvent;
use crate::model::exclusion::{DeleteCounts, ExclusionKind};
use crate::{StoreError, VaultId};

fn counts_json(counts: DeleteCounts) -> serde_json::Value {
    serde_json::json!({
        "versions_deleted": counts.versions_deleted,
        "exclusions_added": counts.exclusions_added,
    })
}

impl Store {
    async fn require_vault(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        vault_id: VaultId,
    ) -> Result<(), StoreError> {
        if vault::Entity::find_by_id(vault_id.0).count(txn).await? == 0 {
            return Err(StoreError::NotFound {
                entity: "vault",
                key: vault_id.to_string(),
            });
        }
        Ok(())
    }

    /// Deletes the stored versions of these certificate names (of either source) in a vault —
    /// every version, or only `version` — and, with `exclude_from_discovery`, records an
    /// exclusion per name (for that version, or every version) so discovery does not import
    /// them again; all in one transaction with the audit event (detail gets `counts` and
    /// `names`). TLS secrets that linked a deleted version lose the link.
    ///
    /// Deleting the current version of a name while keeping its other versions leaves those
    /// with no current version until discovery flags one again; that is intended.
    #[allow(clippy::too_many_arguments)]
    pub async fn delete_certificates(
        &self,
        vault_id: VaultId,
        names: &[String],
        version: Option<&str>,
        exclude_from_discovery: bool,
        created_by: &str,
        audit: NewAuditEvent,
    ) -> Result<DeleteCounts, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_audited().await?;
        self.require_vault(&txn, vault_id).await?;
        let mut counts = DeleteCounts::default();
        for chunk in names.chunks(CHUNK) {
            let mut query = certificate::Entity::delete_many()
                .filter(certificate::Column::VaultId.eq(vault_id.0))
                .filter(certificate::Column::Name.is_in(chunk.iter().cloned()));
            if let Some(version) = version {
                query = query.filter(certificate::Column::Version.eq(version));
            }
            counts.versions_deleted += count(query.exec(&txn).await?.rows_affected);
        }
        if exclude_from_discovery {
            for name in names {
                let kind = ExclusionKind::Certificate;
                if exclusions::add(&txn, vault_id, kind, name, version, created_by, now).await? {
                    counts.exclusions_added += 1;
                }
            }
        }
        let detail = with_member(audit.detail, "counts", counts_json(counts));
        let detail = with_member(detail, "names", serde_json::json!(names));
        audit::append(&txn, now, NewAuditEvent { detail, ..audit }).await?;
        txn.commit().await?;
        Ok(counts)
    }

    /// Deletes every version of these TLS secret names in a vault and, with
    /// `exclude_from_discovery`, records an exclusion per name; in one transaction with the
    /// audit event (detail gets `counts` and `names`). Certificate versions parsed from the
    /// secrets are kept (only the secret rows, and so their links, go).
    pub async fn delete_tls_secrets(
        &self,
        vault_id: VaultId,
        names: &[String],
        exclude_from_discovery: bool,
        created_by: &str,
        audit: NewAuditEvent,
    ) -> Result<DeleteCounts, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_audited().await?;
        self.require_vault(&txn, vault_id).await?;
        let mut counts = DeleteCounts::default();
        for chunk in names.chunks(CHUNK) {
            let deleted = tls_secret::Entity::delete_many()
                .filter(tls_secret::Column::VaultId.eq(vault_id.0))
                .filter(tls_secret::Column::Name.is_in(chunk.iter().cloned()))
                .exec(&txn)
                .await?;
            counts.versions_deleted += count(deleted.rows_affected);
        }
        if exclude_from_discovery {
            for name in names {
                let kind = ExclusionKind::TlsSecret;
                if exclusions::add(&txn, vault_id, kind, name, None, created_by, now).await? {
                    counts.exclusions_added += 1;
                }
            }
        }
        let detail = with_member(audit.detail, "counts", counts_json(counts));
        let detail = with_member(detail, "names", serde_json::json!(names));
        audit::append(&txn, now, NewAuditEvent { detail, ..audit }).await?;
        txn.commit().await?;
        Ok(counts)
    }
}
