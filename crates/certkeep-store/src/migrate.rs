//! Schema migrations, applied at connect in one locked transaction and recorded in
//! `schema_migrations`. The DDL is generated from the entities for the connected backend, so the
//! entities are the one definition of the schema.
//!
//! Migration 1 creates the tables from the entities as they are, less the columns later
//! migrations add ([`ADDED_LATER`]). A later schema change must be a new migration (ALTER
//! statements built with sea-query), never an edit of an entity alone.
use sea_orm::sea_query::{
    ColumnDef, ConditionalStatement, Expr, ExprTrait, Index, IndexCreateStatement, Table,
    TableCreateStatement,
};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryOrder,
    Schema, Statement,
};

use crate::entities::{
    api_token, audit_event, certificate, certificate_request, credential, discovery_exclusion,
    inventory_generation, issuer, job, lease, login_throttle, schema_migration, session, setting,
    sync_run, tls_secret, user, vault,
};
use crate::tx::{Lock, begin_write};
use crate::{Backend, StoreError};

/// Every migration this build knows: version and name, in order.
pub(crate) const MIGRATIONS: &[(i64, &str)] = &[
    (1, "inventory"),
    (2, "requests"),
    (3, "access"),
    (4, "listing"),
    (5, "settings"),
];

/// Columns of the entities that a later migration adds: (table, column). Migration 1 leaves them
/// out, so it creates exactly the tables it always created.
const ADDED_LATER: &[(&str, &str)] = &[("certificates", "is_eku_critical")];

/// The statements of one migration for one backend.
fn statements(version: i64, backend: DbBackend) -> Vec<Statement> {
    match version {
        1 => inventory(backend),
        2 => requests(backend),
        3 => access(backend),
        4 => listing(backend),
        5 => settings(backend),
        _ => Vec::new(),
    }
}

fn db_backend(backend: Backend) -> DbBackend {
    match backend {
        Backend::Sqlite => DbBackend::Sqlite,
        Backend::Postgres => DbBackend::Postgres,
    }
}

/// `create` without the columns in `ADDED_LATER` for its table.
fn without_later_columns<E: EntityTrait>(
    entity: E,
    create: TableCreateStatement,
) -> TableCreateStatement {
    let table = entity.table_name();
    let later: Vec<&str> = ADDED_LATER
        .iter()
        .filter(|(t, _)| *t == table)
        .map(|(_, c)| *c)
        .collect();
    if later.is_empty() {
        return create;
    }
    let mut out = Table::create();
    out.table(entity);
    for column in create.get_columns() {
        if !later.contains(&column.get_column_name().as_str()) {
            out.col(column.clone());
        }
    }
    for foreign_key in create.get_foreign_key_create_stmts() {
        out.foreign_key(&mut foreign_key.clone());
    }
    for index in create.get_indexes() {
        out.index(&mut index.clone());
    }
    out
}

/// A table as migration 1 creates it, and the indexes its entity declares (`unique_key`,
/// `indexed`).
fn table<E: EntityTrait>(entity: E, backend: DbBackend, out: &mut Vec<Statement>) {
    let schema = Schema::new(backend);
    let mut create = without_later_columns(entity, schema.create_table_from_entity(entity));
    out.push(backend.build(create.if_not_exists()));
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

/// Migration 2: certificate requests, leases, discovery exclusions, and
/// `certificates.is_eku_critical`.
fn requests(backend: DbBackend) -> Vec<Statement> {
    let mut out = Vec::new();
    table(certificate_request::Entity, backend, &mut out);
    table(lease::Entity, backend, &mut out);
    table(discovery_exclusion::Entity, backend, &mut out);
    out.push(index(
        backend,
        Index::create()
            .name("idx-certificate_requests-vault_name")
            .table(certificate_request::Entity)
            .col(certificate_request::Column::VaultId)
            .col(certificate_request::Column::CertificateName),
    ));
    out.push(
        backend.build(
            Table::alter().table(certificate::Entity).add_column(
                ColumnDef::new(certificate::Column::IsEkuCritical)
                    .boolean()
                    .not_null()
                    .default(false),
            ),
        ),
    );
    out
}

/// Migration 3: what the server needs: users, sessions, API tokens, login throttling and
/// background jobs.
fn access(backend: DbBackend) -> Vec<Statement> {
    let mut out = Vec::new();
    table(user::Entity, backend, &mut out);
    table(session::Entity, backend, &mut out);
    table(api_token::Entity, backend, &mut out);
    table(login_throttle::Entity, backend, &mut out);
    table(job::Entity, backend, &mut out);
    // One token name per user among the tokens not revoked (a partial index: SQLite and
    // PostgreSQL both have them), so concurrent creates cannot both take a name.
    out.push(index(
        backend,
        Index::create()
            .name("idx-api_tokens-user_active_name")
            .table(api_token::Entity)
            .col(api_token::Column::UserId)
            .col(api_token::Column::Name)
            .unique()
            // Unqualified: SQLite takes only bare column names in an index's WHERE.
            .and_where(Expr::col(api_token::Column::RevokedAt).is_null()),
    ));
    out.push(index(
        backend,
        Index::create()
            .name("idx-jobs-status_heartbeat")
            .table(job::Entity)
            .col(job::Column::Status)
            .col(job::Column::HeartbeatAt),
    ));
    out
}

/// Migration 4: indexes for the listings' default filter and sorts, a covering index for the
/// facets, and the per-vault change counters (`inventory_generations`) with their triggers.
fn listing(backend: DbBackend) -> Vec<Statement> {
    use certificate::Column as C;
    let mut out = Vec::new();
    table(inventory_generation::Entity, backend, &mut out);
    let indexes: [(&str, &[C]); 5] = [
        // Current (or previous) versions, not missing, in expiry order: the default listing,
        // its count, and the summary.
        (
            "idx-certificates-current_not_after",
            &[C::IsCurrent, C::IsMissing, C::NotAfter, C::Name, C::Id],
        ),
        // Current versions by name (either way).
        (
            "idx-certificates-current_name",
            &[C::IsCurrent, C::IsMissing, C::Name, C::Id],
        ),
        // `show=all` in expiry order.
        (
            "idx-certificates-missing_not_after",
            &[C::IsMissing, C::NotAfter, C::Name, C::Id],
        ),
        // One vault's listing in expiry order.
        (
            "idx-certificates-vault_current_not_after",
            &[
                C::VaultId,
                C::IsCurrent,
                C::IsMissing,
                C::NotAfter,
                C::Name,
                C::Id,
            ],
        ),
        // Every facet's GROUP BY reads this index only.
        (
            "idx-certificates-facets",
            &[
                C::IsCurrent,
                C::IsMissing,
                C::VaultId,
                C::PolicyIssuer,
                C::KeyType,
                C::NotAfter,
            ],
        ),
    ];
    for (name, columns) in indexes {
        let mut create = Index::create();
        create.name(name).table(certificate::Entity);
        for column in columns {
            create.col(*column);
        }
        out.push(index(backend, &mut create));
    }
    if backend == DbBackend::Postgres {
        // Statistics for the case-insensitive filters: without them PostgreSQL guesses that
        // `lower(policy_issuer) = 'self'` matches 0.5 % of the rows and reads every current
        // row instead of walking the expiry index. (SQLite keeps no statistics: an index there
        // would be used for the equality and lose the ordered walk.)
        for (name, column) in [("issuer", "policy_issuer"), ("key_type", "key_type")] {
            out.push(Statement::from_string(
                backend,
                format!(
                    r#"CREATE INDEX IF NOT EXISTS "idx-certificates-lower_{name}" ON "certificates" (lower("{column}"))"#
                ),
            ));
        }
    }
    out.extend(
        generation_triggers(backend)
            .into_iter()
            .map(|sql| Statement::from_string(backend, sql)),
    );
    out
}

/// Triggers that raise a vault's counter in `inventory_generations` on every insert, update
/// and delete of one of its certificate rows (cascaded deletes included).
/// Migration 5: settings changed at run time and shared by every instance.
fn settings(backend: DbBackend) -> Vec<Statement> {
    let mut out = Vec::new();
    table(setting::Entity, backend, &mut out);
    out
}

fn generation_triggers(backend: DbBackend) -> Vec<String> {
    match backend {
        DbBackend::Postgres => {
            let mut out = vec![
                r#"CREATE OR REPLACE FUNCTION "certkeep_bump_inventory_generation"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN v := OLD.vault_id; ELSE v := NEW.vault_id; END IF;
  INSERT INTO "inventory_generations" ("vault_id", "n") VALUES (v, 1)
    ON CONFLICT ("vault_id") DO UPDATE SET "n" = "inventory_generations"."n" + 1;
  RETURN NULL;
END $$"#
                    .to_string(),
                r#"DROP TRIGGER IF EXISTS "trg-certificates-generation" ON "certificates""#
                    .to_string(),
            ];
            out.push(
                r#"CREATE TRIGGER "trg-certificates-generation" AFTER INSERT OR UPDATE OR DELETE ON "certificates" FOR EACH ROW EXECUTE FUNCTION "certkeep_bump_inventory_generation"()"#
                    .to_string(),
            );
            out
        }
        _ => [("insert", "NEW"), ("update", "NEW"), ("delete", "OLD")]
            .into_iter()
            .map(|(event, row)| {
                format!(
                    r#"CREATE TRIGGER IF NOT EXISTS "trg-certificates-generation-{event}" AFTER {} ON "certificates" BEGIN
  INSERT OR IGNORE INTO "inventory_generations" ("vault_id", "n") VALUES ({row}."vault_id", 0);
  UPDATE "inventory_generations" SET "n" = "n" + 1 WHERE "vault_id" = {row}."vault_id";
END"#,
                    event.to_uppercase()
                )
            })
            .collect(),
    }
}

/// Applies the migrations not yet recorded; returns how many were applied.
pub(crate) async fn run(
    db: &DatabaseConnection,
    backend: Backend,
    now: i64,
) -> Result<usize, StoreError> {
    run_to(db, backend, now, i64::MAX).await
}

/// Applies the migrations not yet recorded up to `target` (inclusive).
pub(crate) async fn run_to(
    db: &DatabaseConnection,
    backend: Backend,
    now: i64,
    target: i64,
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
        if applied.contains(&version) || version > target {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_1_leaves_out_later_columns_and_migration_2_adds_them() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let first: Vec<String> = statements(1, backend)
                .iter()
                .map(|s| s.to_string())
                .collect();
            let first = first.join(";\n");
            assert!(!first.contains("is_eku_critical"), "{first}");
            assert!(first.contains("\"is_key_usage_critical\""), "{first}");
            assert!(first.contains("FOREIGN KEY (\"vault_id\")"), "{first}");
            let second: Vec<String> = statements(2, backend)
                .iter()
                .map(|s| s.to_string())
                .collect();
            let second = second.join(";\n");
            assert!(
                second.contains("ALTER TABLE \"certificates\" ADD COLUMN \"is_eku_critical\""),
                "{second}"
            );
            assert!(second.contains("NOT NULL DEFAULT FALSE"), "{second}");
            for table in ["certificate_requests", "leases", "discovery_exclusions"] {
                assert!(second.contains(&format!("CREATE TABLE IF NOT EXISTS \"{table}\"")));
            }
        }
    }

    #[test]
    fn migration_3_creates_the_access_tables_and_their_indexes() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let third: Vec<String> = statements(3, backend)
                .iter()
                .map(|s| s.to_string())
                .collect();
            let third = third.join(";\n");
            for table in ["users", "sessions", "api_tokens", "login_throttle", "jobs"] {
                assert!(
                    third.contains(&format!("CREATE TABLE IF NOT EXISTS \"{table}\"")),
                    "{backend:?} lacks {table}:\n{third}"
                );
            }
            for needle in [
                "\"username\" varchar NOT NULL UNIQUE",
                "\"token_hash\" varchar NOT NULL UNIQUE",
                "FOREIGN KEY (\"user_id\") REFERENCES \"users\" (\"id\") ON DELETE CASCADE",
                "CREATE UNIQUE INDEX IF NOT EXISTS \"idx-api_tokens-user_active_name\" ON \"api_tokens\" (\"user_id\", \"name\") WHERE \"revoked_at\" IS NULL",
                "\"idx-jobs-status_heartbeat\" ON \"jobs\" (\"status\", \"heartbeat_at\")",
                "\"idx-sessions-user_id\"",
                "\"idx-sessions-expires_at\"",
                "\"idx-sessions-last_seen_at\"",
                "\"idx-api_tokens-user_id\"",
                "\"idx-jobs-created_at\"",
                "\"idx-login_throttle-last_failure_at\"",
            ] {
                assert!(
                    third.contains(needle),
                    "{backend:?} lacks {needle}:\n{third}"
                );
            }
            // Nothing of migration 3 is in the earlier ones.
            let earlier: Vec<String> = [1, 2]
                .into_iter()
                .flat_map(|v| statements(v, backend))
                .map(|s| s.to_string())
                .collect();
            assert!(!earlier.join(";").contains("\"users\""));
        }
        assert_eq!(MIGRATIONS[2], (3, "access"));
    }

    #[test]
    fn migration_4_adds_the_listing_indexes_and_the_generation_triggers() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let fourth: Vec<String> = statements(4, backend)
                .iter()
                .map(|s| s.to_string())
                .collect();
            let fourth = fourth.join(";\n");
            for needle in [
                "CREATE TABLE IF NOT EXISTS \"inventory_generations\"",
                "\"idx-certificates-current_not_after\" ON \"certificates\" (\"is_current\", \"is_missing\", \"not_after\", \"name\", \"id\")",
                "\"idx-certificates-missing_not_after\"",
                "\"idx-certificates-vault_current_not_after\"",
                "\"idx-certificates-facets\"",
                "\"n\" = \"inventory_generations\".\"n\" + 1",
            ] {
                let needle = if backend == DbBackend::Sqlite {
                    needle.replace("\"inventory_generations\".\"n\"", "\"n\"")
                } else {
                    needle.to_string()
                };
                assert!(
                    fourth.contains(&needle),
                    "{backend:?} lacks {needle}:\n{fourth}"
                );
            }
            assert_eq!(
                fourth.contains("\"idx-certificates-lower_issuer\""),
                backend == DbBackend::Postgres
            );
            let triggers = fourth.matches("CREATE TRIGGER").count();
            assert_eq!(triggers, if backend == DbBackend::Sqlite { 3 } else { 1 });
        }
        assert_eq!(MIGRATIONS[3], (4, "listing"));
        assert_eq!(MIGRATIONS.last(), Some(&(5, "settings")));
    }
}
