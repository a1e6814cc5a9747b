//! Starting write transactions so that writers never trip over each other.
//!
//! SQLite: every write transaction starts with `BEGIN IMMEDIATE`, taking the write lock at once
//! (waiting up to the busy timeout); a deferred transaction that read first could fail with
//! `SQLITE_BUSY_SNAPSHOT` when it tries to write. PostgreSQL: transactions that append to the
//! audit chain (or migrate) take a transaction-scoped advisory lock, so chain appends are
//! serialized and each event links to the one committed before it.
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

use crate::Backend;

/// Advisory lock keys (PostgreSQL), one per kind of serialized work.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lock {
    /// Appending to the audit chain.
    Audit,
    /// Applying migrations.
    Migrate,
}

impl Lock {
    fn key(self) -> i64 {
        match self {
            Lock::Audit => 0x6b65_6570_0001,
            Lock::Migrate => 0x6b65_6570_0002,
        }
    }
}

/// Begins a write transaction; with `lock`, PostgreSQL serializes it with others taking the same
/// lock (SQLite serializes every writer anyway).
pub(crate) async fn begin_write(
    db: &DatabaseConnection,
    backend: Backend,
    lock: Option<Lock>,
) -> Result<DatabaseTransaction, DbErr> {
    match backend {
        Backend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await
        }
        Backend::Postgres => {
            let txn = db.begin().await?;
            if let Some(lock) = lock {
                let key = lock.key();
                txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({key})"))
                    .await?;
            }
            Ok(txn)
        }
    }
}
