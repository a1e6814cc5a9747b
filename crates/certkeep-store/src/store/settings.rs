//! `settings`: one JSON value per key, written with its audit event in one transaction.
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, EntityTrait};

use super::{Store, audit};
use crate::StoreError;
use crate::entities::setting;
use crate::model::audit::NewAuditEvent;
use crate::model::setting::Setting;

impl Store {
    /// The setting `key`, if one was set.
    pub async fn find_setting(&self, key: &str) -> Result<Option<Setting>, StoreError> {
        Ok(setting::Entity::find_by_id(key)
            .one(&self.db)
            .await?
            .map(|m| Setting {
                key: m.key,
                value: m.value,
                updated_at: m.updated_at,
                updated_by: m.updated_by,
            }))
    }

    /// Sets `key` to the JSON `value` (replacing any), recording `audit` with it.
    pub async fn put_setting(
        &self,
        key: &str,
        value: &str,
        updated_by: &str,
        audit: NewAuditEvent,
    ) -> Result<(), StoreError> {
        use setting::Column as C;
        let now = self.clock.now();
        let txn = self.begin_audited().await?;
        setting::Entity::insert(setting::ActiveModel {
            key: Set(key.to_string()),
            value: Set(value.to_string()),
            updated_at: Set(now),
            updated_by: Set(updated_by.to_string()),
        })
        .on_conflict(
            OnConflict::column(C::Key)
                .update_columns([C::Value, C::UpdatedAt, C::UpdatedBy])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        audit::append(&txn, now, audit).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Removes `key` (back to the configured value), recording `audit`; false when unset.
    pub async fn delete_setting(
        &self,
        key: &str,
        audit: NewAuditEvent,
    ) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_audited().await?;
        let removed = setting::Entity::delete_by_id(key).exec(&txn).await?;
        if removed.rows_affected == 0 {
            return Ok(false);
        }
        audit::append(&txn, now, audit).await?;
        txn.commit().await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: &str) -> NewAuditEvent {
        NewAuditEvent {
            actor: "alice".into(),
            action: action.into(),
            target: "schedule".into(),
            outcome: "succeeded".into(),
            detail: serde_json::json!({}),
        }
    }

    #[tokio::test]
    async fn a_setting_is_replaced_and_removed_with_its_audit_events() {
        let store = Store::connect("sqlite::memory:").await.expect("connect");
        assert_eq!(store.find_setting("schedule").await.expect("find"), None);
        store
            .put_setting("schedule", r#"{"a":1}"#, "alice", event("settings.set"))
            .await
            .expect("put");
        store
            .put_setting("schedule", r#"{"a":2}"#, "bob", event("settings.set"))
            .await
            .expect("replace");
        let found = store.find_setting("schedule").await.expect("find");
        let found = found.expect("set");
        assert_eq!(
            (found.value.as_str(), found.updated_by.as_str()),
            (r#"{"a":2}"#, "bob")
        );
        assert!(
            store
                .delete_setting("schedule", event("settings.reset"))
                .await
                .expect("delete")
        );
        assert!(
            !store
                .delete_setting("schedule", event("settings.reset"))
                .await
                .expect("again")
        );
        assert_eq!(store.find_setting("schedule").await.expect("find"), None);
        let actions: Vec<String> = store
            .list_audit_events(10)
            .await
            .expect("audit")
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(actions, ["settings.reset", "settings.set", "settings.set"]);
    }
}
