//! Discovery exclusions: listed, looked up per vault, removed (audited), and added by a local
//! delete (`local_delete.rs`).
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use super::{Store, audit, with_member};
use crate::entities::discovery_exclusion;
use crate::model::audit::NewAuditEvent;
use crate::model::exclusion::{Exclusion, ExclusionKind};
use crate::{ExclusionId, StoreError, VaultId};

fn to_exclusion(m: discovery_exclusion::Model) -> Result<Exclusion, StoreError> {
    Ok(Exclusion {
        id: ExclusionId(m.id),
        vault_id: VaultId(m.vault_id),
        kind: ExclusionKind::parse(&m.kind)?,
        name: m.name,
        version: m.version,
        created_by: m.created_by,
        created_at: m.created_at,
    })
}

/// Adds an exclusion inside the caller's (audited, so serialized) transaction unless the same
/// one exists; returns whether it added one. (The unique key does not stop duplicates with a
/// NULL version, so existence is checked here.)
pub(super) async fn add<C: ConnectionTrait>(
    conn: &C,
    vault_id: VaultId,
    kind: ExclusionKind,
    name: &str,
    version: Option<&str>,
    created_by: &str,
    now: i64,
) -> Result<bool, StoreError> {
    use discovery_exclusion::Column as Col;
    let mut existing = discovery_exclusion::Entity::find()
        .filter(Col::VaultId.eq(vault_id.0))
        .filter(Col::Kind.eq(kind.as_str()))
        .filter(Col::Name.eq(name));
    existing = match version {
        Some(v) => existing.filter(Col::Version.eq(v)),
        None => existing.filter(Col::Version.is_null()),
    };
    if existing.count(conn).await? > 0 {
        return Ok(false);
    }
    discovery_exclusion::Entity::insert(discovery_exclusion::ActiveModel {
        id: NotSet,
        vault_id: Set(vault_id.0),
        kind: Set(kind.as_str().to_string()),
        name: Set(name.to_string()),
        version: Set(version.map(str::to_string)),
        created_by: Set(created_by.to_string()),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(true)
}

impl Store {
    /// Every exclusion (of one vault, or all), by vault, kind, name, version.
    pub async fn list_exclusions(
        &self,
        vault: Option<VaultId>,
    ) -> Result<Vec<Exclusion>, StoreError> {
        use discovery_exclusion::Column as C;
        let mut query = discovery_exclusion::Entity::find();
        if let Some(vault) = vault {
            query = query.filter(C::VaultId.eq(vault.0));
        }
        query
            .order_by_asc(C::VaultId)
            .order_by_asc(C::Kind)
            .order_by_asc(C::Name)
            .order_by_asc(C::Version)
            .order_by_asc(C::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_exclusion)
            .collect()
    }

    /// The exclusions of one vault, for discovery to check each listed item against
    /// ([`Exclusion::covers`]).
    pub async fn exclusions_for_vault(
        &self,
        vault_id: VaultId,
    ) -> Result<Vec<Exclusion>, StoreError> {
        self.list_exclusions(Some(vault_id)).await
    }

    /// Removes an exclusion (discovery imports the item again) with its audit event (detail gets
    /// `exclusion`), in one transaction.
    pub async fn remove_exclusion(
        &self,
        id: ExclusionId,
        audit: NewAuditEvent,
    ) -> Result<Exclusion, StoreError> {
        let txn = self.begin_audited().await?;
        let Some(row) = discovery_exclusion::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
        else {
            return Err(StoreError::NotFound {
                entity: "discovery exclusion",
                key: id.to_string(),
            });
        };
        let removed = to_exclusion(row)?;
        discovery_exclusion::Entity::delete_by_id(id.0)
            .exec(&txn)
            .await?;
        let summary = serde_json::json!({
            "id": id.0,
            "vault_id": removed.vault_id.0,
            "kind": removed.kind.as_str(),
            "name": removed.name,
            "version": removed.version,
        });
        let detail = with_member(audit.detail, "exclusion", summary);
        audit::append(&txn, self.clock.now(), NewAuditEvent { detail, ..audit }).await?;
        txn.commit().await?;
        Ok(removed)
    }
}
