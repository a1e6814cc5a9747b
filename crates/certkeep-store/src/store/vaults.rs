//! Vaults: the result of an ARM listing, upserted by (credential, name), never deleted by a sync.
use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, EntityTrait, IntoActiveModel, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, sea_query::Expr,
};

use super::{CHUNK, Store, audit, with_member};
use crate::entities::{credential, vault};
use crate::model::SyncCounts;
use crate::model::audit::NewAuditEvent;
use crate::model::vault::{Vault, VaultRecord};
use crate::{CredentialId, StoreError, VaultId, json};

pub(super) fn to_vault(m: vault::Model) -> Result<Vault, StoreError> {
    Ok(Vault {
        id: VaultId(m.id),
        credential_id: CredentialId::from_db(m.credential_id),
        record: VaultRecord {
            tags: json::decode(&m.tags, "vaults.tags")?,
            name: m.name,
            vault_uri: m.vault_uri,
            resource_id: m.resource_id,
            resource_group: m.resource_group,
            location: m.location,
            tenant_id: m.tenant_id,
            sku: m.sku,
            has_rbac_authorization: m.has_rbac_authorization,
            soft_delete_retention_days: m.soft_delete_retention_days,
            has_purge_protection: m.has_purge_protection,
        },
        is_missing: m.is_missing,
        first_seen_at: m.first_seen_at,
        last_seen_at: m.last_seen_at,
        certs_synced_at: m.certs_synced_at,
    })
}

/// The row for `record`, keeping `base`'s id and store-owned fields.
fn to_model(record: &VaultRecord, base: &vault::Model) -> Result<vault::Model, StoreError> {
    Ok(vault::Model {
        name: record.name.clone(),
        vault_uri: record.vault_uri.clone(),
        resource_id: record.resource_id.clone(),
        resource_group: record.resource_group.clone(),
        location: record.location.clone(),
        tenant_id: record.tenant_id.clone(),
        sku: record.sku.clone(),
        has_rbac_authorization: record.has_rbac_authorization,
        soft_delete_retention_days: record.soft_delete_retention_days,
        has_purge_protection: record.has_purge_protection,
        tags: json::encode(&record.tags)?,
        ..base.clone()
    })
}

impl Store {
    /// Upserts what ARM listed for a credential, by vault name. With `complete` (the listing
    /// covered everything the credential can see), stored vaults not in `records` are marked
    /// missing; a vault listed again is no longer missing. The audit event's detail gets a
    /// `counts` member.
    pub async fn sync_vaults(
        &self,
        credential_id: &CredentialId,
        records: &[VaultRecord],
        complete: bool,
        now: i64,
        audit: NewAuditEvent,
    ) -> Result<SyncCounts, StoreError> {
        let mut names = HashSet::new();
        for record in records {
            if !names.insert(record.name.as_str()) {
                return Err(StoreError::Invalid(format!(
                    "vault '{}' listed twice",
                    record.name
                )));
            }
        }
        let txn = self.begin_audited().await?;
        if credential::Entity::find_by_id(credential_id.as_str())
            .count(&txn)
            .await?
            == 0
        {
            return Err(StoreError::NotFound {
                entity: "credential",
                key: credential_id.to_string(),
            });
        }
        let existing: HashMap<String, vault::Model> = vault::Entity::find()
            .filter(vault::Column::CredentialId.eq(credential_id.as_str()))
            .all(&txn)
            .await?
            .into_iter()
            .map(|m| (m.name.clone(), m))
            .collect();
        let mut counts = SyncCounts::default();
        for record in records {
            match existing.get(&record.name) {
                Some(row) => {
                    let candidate = to_model(record, row)?;
                    if candidate == *row && !row.is_missing {
                        counts.unchanged += 1;
                    } else {
                        counts.updated += 1;
                    }
                    let updated = vault::Model {
                        is_missing: false,
                        last_seen_at: now,
                        ..candidate
                    };
                    updated.into_active_model().reset_all().update(&txn).await?;
                }
                None => {
                    let base = vault::Model {
                        id: 0,
                        credential_id: credential_id.as_str().to_string(),
                        name: String::new(),
                        vault_uri: String::new(),
                        resource_id: String::new(),
                        resource_group: String::new(),
                        location: String::new(),
                        tenant_id: String::new(),
                        sku: String::new(),
                        has_rbac_authorization: false,
                        soft_delete_retention_days: None,
                        has_purge_protection: false,
                        tags: String::new(),
                        is_missing: false,
                        first_seen_at: now,
                        last_seen_at: now,
                        certs_synced_at: None,
                    };
                    let mut active = to_model(record, &base)?.into_active_model().reset_all();
                    active.id = NotSet;
                    vault::Entity::insert(active)
                        .exec_without_returning(&txn)
                        .await?;
                    counts.added += 1;
                }
            }
        }
        if complete {
            let gone: Vec<i64> = existing
                .values()
                .filter(|row| !row.is_missing && !names.contains(row.name.as_str()))
                .map(|row| row.id)
                .collect();
            for chunk in gone.chunks(CHUNK) {
                let result = vault::Entity::update_many()
                    .col_expr(vault::Column::IsMissing, Expr::value(true))
                    .filter(vault::Column::Id.is_in(chunk.iter().copied()))
                    .exec(&txn)
                    .await?;
                counts.marked_missing += super::count(result.rows_affected);
            }
        }
        let detail = with_member(audit.detail, "counts", counts.to_json());
        audit::append(&txn, now, NewAuditEvent { detail, ..audit }).await?;
        txn.commit().await?;
        Ok(counts)
    }

    /// Vaults (of one credential, or all), by name.
    pub async fn list_vaults(
        &self,
        credential: Option<&CredentialId>,
    ) -> Result<Vec<Vault>, StoreError> {
        let mut query = vault::Entity::find();
        if let Some(id) = credential {
            query = query.filter(vault::Column::CredentialId.eq(id.as_str()));
        }
        query
            .order_by_asc(vault::Column::Name)
            .order_by_asc(vault::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_vault)
            .collect()
    }

    /// (credential name, vault name) of these vaults, or of every vault with `None`: one
    /// query reading three columns (a listing names the vaults of its page's rows).
    pub async fn vault_names(
        &self,
        ids: Option<&[VaultId]>,
    ) -> Result<HashMap<VaultId, (String, String)>, StoreError> {
        let mut query = vault::Entity::find()
            .select_only()
            .column(vault::Column::Id)
            .column(credential::Column::Name)
            .column(vault::Column::Name)
            .join(JoinType::InnerJoin, vault::Relation::Credential.def());
        if let Some(ids) = ids {
            let wanted: std::collections::BTreeSet<i64> = ids.iter().map(|v| v.0).collect();
            query = query.filter(vault::Column::Id.is_in(wanted));
        }
        let rows: Vec<(i64, String, String)> = query.into_tuple().all(&self.db).await?;
        Ok(rows
            .into_iter()
            .map(|(id, credential, vault)| (VaultId(id), (credential, vault)))
            .collect())
    }

    /// The vault of this credential with this name.
    pub async fn find_vault(
        &self,
        credential_id: &CredentialId,
        name: &str,
    ) -> Result<Option<Vault>, StoreError> {
        vault::Entity::find()
            .filter(vault::Column::CredentialId.eq(credential_id.as_str()))
            .filter(vault::Column::Name.eq(name))
            .one(&self.db)
            .await?
            .map(to_vault)
            .transpose()
    }

    /// The ids of a credential's vault, both found by name in one query (a listing scoped to a
    /// vault asks on every request); `None` when either name is unknown.
    pub async fn vault_ids_by_names(
        &self,
        credential_name: &str,
        vault_name: &str,
    ) -> Result<Option<(CredentialId, VaultId)>, StoreError> {
        let found: Option<(String, i64)> = vault::Entity::find()
            .select_only()
            .column(vault::Column::CredentialId)
            .column(vault::Column::Id)
            .join(JoinType::InnerJoin, vault::Relation::Credential.def())
            .filter(credential::Column::Name.eq(credential_name))
            .filter(vault::Column::Name.eq(vault_name))
            .into_tuple()
            .one(&self.db)
            .await?;
        Ok(found.map(|(c, v)| (CredentialId::from_db(c), VaultId(v))))
    }

    /// The vault with this id.
    pub async fn find_vault_by_id(&self, id: VaultId) -> Result<Option<Vault>, StoreError> {
        vault::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .map(to_vault)
            .transpose()
    }

    /// Records that a certificate discovery of the vault completed at `now`.
    pub async fn mark_vault_certs_synced(&self, id: VaultId, now: i64) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        let result = vault::Entity::update_many()
            .col_expr(vault::Column::CertsSyncedAt, Expr::value(now))
            .filter(vault::Column::Id.eq(id.0))
            .exec(&txn)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound {
                entity: "vault",
                key: id.to_string(),
            });
        }
        txn.commit().await?;
        Ok(())
    }
}
