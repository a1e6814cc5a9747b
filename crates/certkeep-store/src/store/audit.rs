//! The audit chain: every event carries the previous event's hash and a hash over its own fields,
//! so an altered, inserted or removed event breaks verification.
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use sha2::{Digest, Sha256};

use super::Store;
use crate::entities::audit_event;
use crate::model::audit::{AuditEvent, NewAuditEvent};
use crate::{AuditEventId, StoreError, json};

/// The `prev_hash` of the first event.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Rows read per query while verifying.
const VERIFY_PAGE: u64 = 1000;

/// Hex SHA-256 over the previous hash and the event's fields, each prefixed by its length so
/// that no two different events serialize alike. `detail` is the JSON text exactly as stored.
pub(crate) fn event_hash(
    prev_hash: &str,
    at: i64,
    actor: &str,
    action: &str,
    target: &str,
    outcome: &str,
    detail: &str,
) -> String {
    let at = at.to_string();
    let mut hasher = Sha256::new();
    for part in [prev_hash, &at, actor, action, target, outcome, detail] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Appends an event inside the caller's transaction, which must have been begun with the audit
/// lock ([`Store::begin_audited`]).
pub(crate) async fn append<C: ConnectionTrait>(
    conn: &C,
    at: i64,
    event: NewAuditEvent,
) -> Result<AuditEventId, StoreError> {
    let prev_hash: String = audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::Hash)
        .order_by_desc(audit_event::Column::Id)
        .limit(1)
        .into_tuple()
        .one(conn)
        .await?
        .unwrap_or_else(|| GENESIS.to_string());
    let detail = json::encode(&event.detail)?;
    let hash = event_hash(
        &prev_hash,
        at,
        &event.actor,
        &event.action,
        &event.target,
        &event.outcome,
        &detail,
    );
    let inserted = audit_event::Entity::insert(audit_event::ActiveModel {
        id: NotSet,
        at: Set(at),
        actor: Set(event.actor),
        action: Set(event.action),
        target: Set(event.target),
        outcome: Set(event.outcome),
        detail: Set(detail),
        prev_hash: Set(prev_hash),
        hash: Set(hash),
    })
    .exec(conn)
    .await?;
    Ok(AuditEventId(inserted.last_insert_id))
}

pub(super) fn to_event(m: audit_event::Model) -> Result<AuditEvent, StoreError> {
    Ok(AuditEvent {
        id: AuditEventId(m.id),
        at: m.at,
        detail: json::decode(&m.detail, "audit_events.detail")?,
        actor: m.actor,
        action: m.action,
        target: m.target,
        outcome: m.outcome,
        prev_hash: m.prev_hash,
        hash: m.hash,
    })
}

impl Store {
    /// Appends an event that goes with no stored mutation (a refused request, a login, ...).
    pub async fn record_audit_event(
        &self,
        event: NewAuditEvent,
    ) -> Result<AuditEventId, StoreError> {
        let txn = self.begin_audited().await?;
        let id = append(&txn, self.clock.now(), event).await?;
        txn.commit().await?;
        Ok(id)
    }

    /// The newest `limit` events, newest first.
    pub async fn list_audit_events(&self, limit: u64) -> Result<Vec<AuditEvent>, StoreError> {
        audit_event::Entity::find()
            .order_by_desc(audit_event::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_event)
            .collect()
    }

    /// Walks the whole chain in order; returns how many events verify, or the id of the first
    /// event whose link or hash is wrong.
    pub async fn verify_audit_chain(&self) -> Result<usize, StoreError> {
        let mut expected_prev = GENESIS.to_string();
        let mut last_id = i64::MIN;
        let mut verified = 0;
        loop {
            let page = audit_event::Entity::find()
                .filter(audit_event::Column::Id.gt(last_id))
                .order_by_asc(audit_event::Column::Id)
                .limit(VERIFY_PAGE)
                .all(&self.db)
                .await?;
            if page.is_empty() {
                return Ok(verified);
            }
            for row in page {
                let hash = event_hash(
                    &row.prev_hash,
                    row.at,
                    &row.actor,
                    &row.action,
                    &row.target,
                    &row.outcome,
                    &row.detail,
                );
                if row.prev_hash != expected_prev || hash != row.hash {
                    return Err(StoreError::AuditChainBroken { id: row.id });
                }
                expected_prev = row.hash;
                last_id = row.id;
                verified += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_covers_every_field_unambiguously() {
        let base = event_hash(GENESIS, 1, "alice", "credential.create", "prod", "ok", "{}");
        assert_eq!(base.len(), 64);
        assert_ne!(
            base,
            event_hash(GENESIS, 2, "alice", "credential.create", "prod", "ok", "{}")
        );
        assert_ne!(
            base,
            event_hash(GENESIS, 1, "alic", "ecredential.create", "prod", "ok", "{}")
        );
        assert_ne!(
            base,
            event_hash(&base, 1, "alice", "credential.create", "prod", "ok", "{}")
        );
        assert_ne!(
            base,
            event_hash(
                GENESIS,
                1,
                "alice",
                "credential.create",
                "prod",
                "ok",
                "{ }"
            )
        );
    }
}
