//! Schema migrations, applied at connect in one locked transaction and recorded in
//! `schema_migrations`. The DDL is generated from the entities for the connected backend, so the
//! entities are the one definition of the schema.
//!
//! Migration 1 creates the tables from the entities as they are. A later schema change must be a
//! new migration (ALTER statements built with sea-query), never an edit of an entity alone.
use sea_orm::sea_query::{Index, IndexCreateStatement};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryOrder,
    Schema, Statement,
};

use crate::entities::{
    audit_event, certificate, credential, issuer, schema_migration, sync_run, tls_secret, vault,
};
use crate::tx::{Lock, begin_write};
use crate::{Backend, StoreError};

/// Every migration this build knows: version and name, in order.
pub(crate) const MIGRATIONS: &[(i64, &str)] = &[(1, "inventory")];

/// The statements of one migration for one backend.
fn statements(version: i64, backend: DbBackend) -> Vec<Statement> {
    match version {
        1 => inventory(backend),
        _ => Vec::new(),
    }
}

fn db_backend(backend: Backend) -> DbBackend {
    match backend {
        Backend::Sqlite => DbBackend::Sqlite,
        Backend::Postgres => DbBackend::Postgres,
    }
}

/// A table and the indexes its entity declares (`unique_key`, `indexed`).
fn table<E: EntityTrait>(entity: E, backend: DbBackend, out: &mut Vec<Statement>) {
    let schema = Schema::new(backend);
    out.push(backend.build(schema.create_table_from_entity(entity).if_not_exists()));
    for mut index in schema.create_index_from_entity(entity) {
        out.push(backend.build(index.if_not_exists()));
    }
}

fn index(backend: DbBackend, index: &mut IndexCreateStatement) -> Statement {
    backend.build(index.if_not_exists())
}

/// Migration 1: the inventory tables, the sync-run log and the audit chain.
fn inventory(backend: DbBackend) -> Vec<Statement> {
    let mut out = Vec::new();
    table(credential::Entity, backend, &mut out);
    table(vault::Entity, backend, &mut out);
    table(issuer::Entity, backend, &mut out);
    table(certificate::Entity, backend, &mut out);
    table(tls_secret::Entity, backend, &mut out);
    table(sync_run::Entity, backend, &mut out);
    table(audit_event::Entity, backend, &mut out);
    out.push(index(
        backend,
        Index::create()
            .name("idx-certificates-vault_name")
            .table(certificate::Entity)
            .col(certificate::Column::VaultId)
            .col(certificate::Column::Name),
    ));
    out.push(index(
        backend,
        Index::create()
            .name("idx-tls_secrets-vault_name")
            .table(tls_secret::Entity)
            .col(tls_secret::Column::VaultId)
            .col(tls_secret::Column::Name),
    ));
    out.push(index(
        backend,
        Index::create()
            .name("idx-tls_secrets-certificate")
            .table(tls_secret::Entity)
            .col(tls_secret::Column::CertificateId),
    ));
    out
}

/// Applies the migrations not yet recorded; returns how many were applied.
pub(crate) async fn run(
    db: &DatabaseConnection,
    backend: Backend,
    now: i64,
) -> Result<usize, StoreError> {
    let db_backend = db_backend(backend);
    let txn = begin_write(db, backend, Some(Lock::Migrate)).await?;
    let schema = Schema::new(db_backend);
    txn.execute(
        schema
            .create_table_from_entity(schema_migration::Entity)
            .if_not_exists(),
    )
    .await?;
    let applied: Vec<i64> = schema_migration::Entity::find()
        .order_by_asc(schema_migration::Column::Version)
        .all(&txn)
        .await?
        .into_iter()
        .map(|m| m.version)
        .collect();
    let known = MIGRATIONS.last().map_or(0, |(v, _)| *v);
    if let Some(&found) = applied.iter().max()
        && found > known
    {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    let mut count = 0;
    for &(version, name) in MIGRATIONS {
        if applied.contains(&version) {
            continue;
        }
        for statement in statements(version, db_backend) {
            txn.execute_raw(statement)
                .await
                .map_err(|source| StoreError::Migration {
                    version,
                    name,
                    source,
                })?;
        }
        schema_migration::Entity::insert(schema_migration::ActiveModel {
            version: Set(version),
            name: Set(name.to_string()),
            applied_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        tracing::info!(version, name, "store migration applied");
        count += 1;
    }
    txn.commit().await?;
    Ok(count)
}

/// The DDL of every migration for a backend, as text (for `certkeep migrate --print` and tests).
pub(crate) fn ddl(backend: Backend) -> Vec<String> {
    MIGRATIONS
        .iter()
        .flat_map(|&(version, _)| statements(version, db_backend(backend)))
        .map(|s| s.to_string())
        .collect()
}
