//! Sync runs: started (not audited), then finished together with their audit event.
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{Store, audit, with_member};
use crate::entities::{credential, sync_run, vault};
use crate::model::audit::NewAuditEvent;
use crate::model::sync_run::{SyncOutcome, SyncRun};
use crate::{CredentialId, StoreError, SyncRunId, VaultId, json};

pub(super) fn to_run(m: sync_run::Model) -> Result<SyncRun, StoreError> {
    Ok(SyncRun {
        id: SyncRunId(m.id),
        kind: m.kind,
        credential_id: m.credential_id.map(CredentialId::from_db),
        vault_id: m.vault_id.map(VaultId),
        started_at: m.started_at,
        finished_at: m.finished_at,
        outcome: SyncOutcome::parse(&m.outcome)?,
        counts: json::decode(&m.counts, "sync_runs.counts")?,
        error: m.error,
    })
}

impl Store {
    /// Records that a run of `kind` (for a credential and/or a vault) started at `now`.
    pub async fn start_sync_run(
        &self,
        kind: &str,
        credential: Option<&CredentialId>,
        vault: Option<VaultId>,
        now: i64,
    ) -> Result<SyncRunId, StoreError> {
        let txn = self.begin_write().await?;
        if let Some(id) = credential
            && credential::Entity::find_by_id(id.as_str())
                .count(&txn)
                .await?
                == 0
        {
            return Err(StoreError::NotFound {
                entity: "credential",
                key: id.to_string(),
            });
        }
        if let Some(id) = vault
            && vault::Entity::find_by_id(id.0).count(&txn).await? == 0
        {
            return Err(StoreError::NotFound {
                entity: "vault",
                key: id.to_string(),
            });
        }
        let inserted = sync_run::Entity::insert(sync_run::ActiveModel {
            id: NotSet,
            kind: Set(kind.to_string()),
            credential_id: Set(credential.map(|c| c.as_str().to_string())),
            vault_id: Set(vault.map(|v| v.0)),
            started_at: Set(now),
            finished_at: Set(None),
            outcome: Set(SyncOutcome::Running.as_str().to_string()),
            counts: Set("{}".to_string()),
            error: Set(None),
        })
        .exec(&txn)
        .await?;
        txn.commit().await?;
        Ok(SyncRunId(inserted.last_insert_id))
    }

    /// Finishes a running run with its outcome, counts and error, and appends its audit event
    /// (whose detail gets `run_id` and `counts`), in one transaction.
    pub async fn finish_sync_run(
        &self,
        id: SyncRunId,
        outcome: SyncOutcome,
        counts: serde_json::Value,
        error: Option<&str>,
        now: i64,
        audit: NewAuditEvent,
    ) -> Result<(), StoreError> {
        if outcome == SyncOutcome::Running {
            return Err(StoreError::Invalid("a run cannot finish as running".into()));
        }
        let counts_text = json::encode(&counts)?;
        let txn = self.begin_audited().await?;
        let result = sync_run::Entity::update_many()
            .col_expr(sync_run::Column::FinishedAt, Expr::value(now))
            .col_expr(sync_run::Column::Outcome, Expr::value(outcome.as_str()))
            .col_expr(sync_run::Column::Counts, Expr::value(counts_text))
            .col_expr(
                sync_run::Column::Error,
                Expr::value(error.map(str::to_string)),
            )
            .filter(sync_run::Column::Id.eq(id.0))
            .filter(sync_run::Column::Outcome.eq(SyncOutcome::Running.as_str()))
            .exec(&txn)
            .await?;
        if result.rows_affected == 0 {
            let exists = sync_run::Entity::find_by_id(id.0).count(&txn).await? > 0;
            return Err(if exists {
                StoreError::Invalid(format!("sync run {id} already finished"))
            } else {
                StoreError::NotFound {
                    entity: "sync run",
                    key: id.to_string(),
                }
            });
        }
        let detail = with_member(audit.detail, "run_id", serde_json::json!(id.0));
        let detail = with_member(detail, "counts", counts);
        audit::append(&txn, now, NewAuditEvent { detail, ..audit }).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The run with this id.
    pub async fn find_sync_run(&self, id: SyncRunId) -> Result<Option<SyncRun>, StoreError> {
        sync_run::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .map(to_run)
            .transpose()
    }

    /// The newest `limit` runs, newest first.
    pub async fn list_sync_runs(&self, limit: u64) -> Result<Vec<SyncRun>, StoreError> {
        sync_run::Entity::find()
            .order_by_desc(sync_run::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_run)
            .collect()
    }

    /// The newest finished run of `kind` for a vault with this outcome (incremental discovery
    /// asks whether the vault's last full run succeeded).
    pub async fn last_sync_run(
        &self,
        kind: &str,
        vault: VaultId,
        outcome: SyncOutcome,
    ) -> Result<Option<SyncRun>, StoreError> {
        sync_run::Entity::find()
            .filter(sync_run::Column::Kind.eq(kind))
            .filter(sync_run::Column::VaultId.eq(vault.0))
            .filter(sync_run::Column::Outcome.eq(outcome.as_str()))
            .order_by_desc(sync_run::Column::Id)
            .one(&self.db)
            .await?
            .map(to_run)
            .transpose()
    }
}
