//! Opening a database from its URL: SQLite (file or memory) or PostgreSQL.
use std::str::FromStr;
use std::time::Duration;

use sea_orm::{DatabaseConnection, SqlxPostgresConnector, SqlxSqliteConnector};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::StoreError;

/// The database behind a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite (a file, or memory).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// How long a connection waits for another writer (SQLite) or for a pooled connection.
const WAIT: Duration = Duration::from_secs(30);
/// Connections in a SQLite file pool (WAL lets readers run beside the one writer).
const SQLITE_FILE_POOL: u32 = 4;
/// Connections in a PostgreSQL pool.
const POSTGRES_POOL: u32 = 10;

#[derive(Debug, PartialEq, Eq)]
enum Target {
    SqliteFile,
    SqliteMemory,
    Postgres,
}

fn classify(url: &str) -> Result<Target, StoreError> {
    let Some((scheme, rest)) = url.split_once(':') else {
        return Err(StoreError::UnsupportedUrl {
            scheme: String::new(),
        });
    };
    match scheme.to_ascii_lowercase().as_str() {
        "sqlite" => {
            let rest = rest.trim_start_matches("//");
            let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
            if database == ":memory:" || params.split('&').any(|p| p == "mode=memory") {
                Ok(Target::SqliteMemory)
            } else if database.is_empty() {
                Err(StoreError::InvalidUrl {
                    url: url.to_string(),
                    reason: "no file path (use sqlite://PATH or sqlite::memory:)".into(),
                })
            } else {
                Ok(Target::SqliteFile)
            }
        }
        "postgres" | "postgresql" => Ok(Target::Postgres),
        other => Err(StoreError::UnsupportedUrl {
            scheme: other.to_string(),
        }),
    }
}

/// The URL with any password replaced by `***`, for logs and errors.
pub(crate) fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            if parsed.set_password(Some("***")).is_ok() {
                parsed.to_string()
            } else {
                format!("{}://***", parsed.scheme())
            }
        }
        Ok(_) => url.to_string(),
        // Unparseable: we cannot tell where a password would be, so show only the scheme.
        Err(_) => match url.split_once(':') {
            Some((scheme, _)) => format!("{scheme}:***"),
            None => "***".to_string(),
        },
    }
}

/// Opens a pool for `url` and wraps it for sea-orm.
pub(crate) async fn open(url: &str) -> Result<(DatabaseConnection, Backend), StoreError> {
    let target = classify(url)?;
    let shown = redact(url);
    let invalid = |e: sqlx::Error| StoreError::InvalidUrl {
        url: shown.clone(),
        reason: e.to_string(),
    };
    let connect_failed = |source: sqlx::Error| StoreError::Connect {
        url: shown.clone(),
        source,
    };
    let connection = match target {
        Target::SqliteFile => {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(invalid)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(WAIT);
            if let Some(parent) = options.get_filename().parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent).map_err(|e| StoreError::InvalidUrl {
                    url: shown.clone(),
                    reason: format!("cannot create directory {}: {e}", parent.display()),
                })?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(SQLITE_FILE_POOL)
                .acquire_timeout(WAIT)
                .connect_with(options)
                .await
                .map_err(connect_failed)?;
            (
                SqlxSqliteConnector::from_sqlx_sqlite_pool(pool),
                Backend::Sqlite,
            )
        }
        Target::SqliteMemory => {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(invalid)?
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(WAIT);
            // Exactly one connection, never closed: the database lives as long as it does.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .acquire_timeout(WAIT)
                .connect_with(options)
                .await
                .map_err(connect_failed)?;
            (
                SqlxSqliteConnector::from_sqlx_sqlite_pool(pool),
                Backend::Sqlite,
            )
        }
        Target::Postgres => {
            let options = PgConnectOptions::from_str(url).map_err(invalid)?;
            let pool = PgPoolOptions::new()
                .max_connections(POSTGRES_POOL)
                .acquire_timeout(WAIT)
                .connect_with(options)
                .await
                .map_err(connect_failed)?;
            (
                SqlxPostgresConnector::from_sqlx_postgres_pool(pool),
                Backend::Postgres,
            )
        }
    };
    tracing::info!(url = %shown, backend = ?connection.1, "store database opened");
    Ok(connection)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_classified() {
        assert_eq!(classify("sqlite::memory:").ok(), Some(Target::SqliteMemory));
        assert_eq!(
            classify("sqlite://:memory:").ok(),
            Some(Target::SqliteMemory)
        );
        assert_eq!(
            classify("sqlite:///tmp/a.db").ok(),
            Some(Target::SqliteFile)
        );
        assert_eq!(
            classify("sqlite://data/a.db").ok(),
            Some(Target::SqliteFile)
        );
        assert_eq!(classify("postgres://u@h/db").ok(), Some(Target::Postgres));
        assert_eq!(classify("postgresql://u@h/db").ok(), Some(Target::Postgres));
        assert!(matches!(
            classify("sqlite://"),
            Err(StoreError::InvalidUrl { .. })
        ));
        match classify("mysql://root:pw@localhost/x") {
            Err(StoreError::UnsupportedUrl { scheme }) => assert_eq!(scheme, "mysql"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn passwords_are_redacted() {
        let shown = redact("postgres://app:s3cret@db.example:5432/certkeep");
        assert_eq!(shown, "postgres://app:***@db.example:5432/certkeep");
        assert_eq!(redact("postgres://app@db/x"), "postgres://app@db/x");
        assert!(!redact("postgres://app:s3cret@[bad").contains("s3cret"));
    }

    #[tokio::test]
    async fn connect_errors_do_not_show_the_password() {
        // A socket directory that does not exist: the connection fails at once, without retries.
        let url = "postgres://app:hunter2@localhost/x?host=/nonexistent-certkeep-socket-dir";
        let error = match open(url).await {
            Err(e) => e,
            Ok(_) => panic!("connected through a missing socket"),
        };
        let text = format!("{error} {error:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("***"), "{text}");
    }
}
