//! Unit tests that need the store's internals: SQLite pragmas on every pooled connection, and
//! the generated DDL.
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm::{ConnectionTrait, Statement};

use super::Store;
use crate::Backend;

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn temp_db() -> PathBuf {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "certkeep-store-unit-{}-{n}/inventory.db",
        std::process::id()
    ))
}

async fn pragma(conn: &impl ConnectionTrait, name: &str) -> String {
    let row = conn
        .query_one_raw(Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            format!("PRAGMA {name}"),
        ))
        .await
        .expect("pragma query")
        .expect("pragma row");
    row.try_get_by_index::<String>(0)
        .or_else(|_| row.try_get_by_index::<i64>(0).map(|v| v.to_string()))
        .expect("pragma value")
}

#[tokio::test]
async fn sqlite_pragmas_are_in_effect_on_every_connection() {
    let path = temp_db();
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect(&url).await.expect("connect");
    assert!(path.exists(), "the database file is created");
    // Hold several transactions at once so that the pool opens several connections.
    let mut open = Vec::new();
    for _ in 0..3 {
        let txn = sea_orm::TransactionTrait::begin(&store.db)
            .await
            .expect("begin");
        assert_eq!(pragma(&txn, "journal_mode").await, "wal");
        assert_eq!(pragma(&txn, "foreign_keys").await, "1");
        assert_eq!(pragma(&txn, "synchronous").await, "2");
        open.push(txn);
    }
    assert!(store.db.get_sqlite_connection_pool().size() >= 3);
    drop(open);
    store.close().await.expect("close");
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
}

#[tokio::test]
async fn memory_database_is_one_connection_that_keeps_its_data() {
    let store = Store::connect("sqlite::memory:").await.expect("connect");
    let pool = store.db.get_sqlite_connection_pool();
    assert_eq!(pool.options().get_max_connections(), 1);
    assert_eq!(pragma(&store.db, "foreign_keys").await, "1");
    // Migrations ran on the one connection and are visible to later queries.
    let applied = store.applied_migrations().await.expect("migrations");
    assert_eq!(
        applied,
        vec![
            (1, "inventory".to_string()),
            (2, "requests".to_string()),
            (3, "access".to_string()),
            (4, "listing".to_string()),
            (5, "settings".to_string())
        ]
    );
}

#[test]
fn ddl_has_foreign_keys_and_unique_keys_on_both_backends() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let ddl = Store::migration_ddl(backend).join(";\n");
        let ddl = ddl.replace("bytea", "blob");
        for needle in [
            "ON DELETE CASCADE",
            "ON DELETE SET NULL",
            "\"idx-certificates-vault_source_name_version\"",
            "\"idx-vaults-credential_name\"",
            "\"idx-certificates-not_after\"",
            "\"idx-certificates-vault_name\"",
            "(\"vault_id\", \"source\", \"name\", \"version\")",
            "\"der\" blob",
        ] {
            assert!(
                ddl.contains(needle),
                "{backend:?} DDL lacks {needle}:\n{ddl}"
            );
        }
    }
}
