//! Issuers: the certificate issuers configured in a vault, synced as a complete list.
use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};

use super::{CHUNK, Store, audit, count, with_member};
use crate::entities::{issuer, vault};
use crate::model::SyncCounts;
use crate::model::audit::NewAuditEvent;
use crate::model::vault::{Issuer, IssuerRecord};
use crate::{IssuerId, StoreError, VaultId};

pub(super) fn to_issuer(m: issuer::Model) -> Issuer {
    Issuer {
        id: IssuerId(m.id),
        vault_id: VaultId(m.vault_id),
        record: IssuerRecord {
            name: m.name,
            provider: m.provider,
        },
        is_missing: m.is_missing,
        last_seen_at: m.last_seen_at,
    }
}

impl Store {
    /// Upserts the complete issuer list of a vault, by name; issuers not listed are marked
    /// missing, a listed one is no longer missing. The audit event's detail gets `counts`.
    pub async fn sync_issuers(
        &self,
        vault_id: VaultId,
        records: &[IssuerRecord],
        now: i64,
        audit: NewAuditEvent,
    ) -> Result<SyncCounts, StoreError> {
        let mut names = HashSet::new();
        for record in records {
            if !names.insert(record.name.as_str()) {
                return Err(StoreError::Invalid(format!(
                    "issuer '{}' listed twice",
                    record.name
                )));
            }
        }
        let txn = self.begin_audited().await?;
        if vault::Entity::find_by_id(vault_id.0).count(&txn).await? == 0 {
            return Err(StoreError::NotFound {
                entity: "vault",
                key: vault_id.to_string(),
            });
        }
        let existing: HashMap<String, issuer::Model> = issuer::Entity::find()
            .filter(issuer::Column::VaultId.eq(vault_id.0))
            .all(&txn)
            .await?
            .into_iter()
            .map(|m| (m.name.clone(), m))
            .collect();
        let mut counts = SyncCounts::default();
        for record in records {
            match existing.get(&record.name) {
                Some(row) => {
                    if row.provider == record.provider && !row.is_missing {
                        counts.unchanged += 1;
                    } else {
                        counts.updated += 1;
                    }
                    issuer::Entity::update_many()
                        .col_expr(
                            issuer::Column::Provider,
                            Expr::value(record.provider.clone()),
                        )
                        .col_expr(issuer::Column::IsMissing, Expr::value(false))
                        .col_expr(issuer::Column::LastSeenAt, Expr::value(now))
                        .filter(issuer::Column::Id.eq(row.id))
                        .exec(&txn)
                        .await?;
                }
                None => {
                    issuer::Entity::insert(issuer::ActiveModel {
                        id: NotSet,
                        vault_id: Set(vault_id.0),
                        name: Set(record.name.clone()),
                        provider: Set(record.provider.clone()),
                        is_missing: Set(false),
                        last_seen_at: Set(now),
                    })
                    .exec_without_returning(&txn)
                    .await?;
                    counts.added += 1;
                }
            }
        }
        let gone: Vec<i64> = existing
            .values()
            .filter(|row| !row.is_missing && !names.contains(row.name.as_str()))
            .map(|row| row.id)
            .collect();
        for chunk in gone.chunks(CHUNK) {
            let result = issuer::Entity::update_many()
                .col_expr(issuer::Column::IsMissing, Expr::value(true))
                .filter(issuer::Column::Id.is_in(chunk.iter().copied()))
                .exec(&txn)
                .await?;
            counts.marked_missing += count(result.rows_affected);
        }
        let detail = with_member(audit.detail, "counts", counts.to_json());
        audit::append(&txn, now, NewAuditEvent { detail, ..audit }).await?;
        txn.commit().await?;
        Ok(counts)
    }

    /// The issuers of a vault (missing ones included), by name.
    pub async fn list_issuers(&self, vault_id: VaultId) -> Result<Vec<Issuer>, StoreError> {
        Ok(issuer::Entity::find()
            .filter(issuer::Column::VaultId.eq(vault_id.0))
            .order_by_asc(issuer::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_issuer)
            .collect())
    }
}
