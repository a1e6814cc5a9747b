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
    redact_database_url(url)
}

/// A database URL fit for messages, errors and logs: the password of the userinfo and the value
/// of every `password=` query parameter are replaced by `***`
/// (`postgres://u:secret@h/db?password=x&sslmode=disable` →
/// `postgres://u:***@h/db?password=***&sslmode=disable`). A URL that cannot be parsed shows
/// only its scheme.
pub fn redact_database_url(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return match url.split_once(':') {
            Some((scheme, _)) => format!("{scheme}:***"),
            None => "***".to_string(),
        };
    };
    if parsed.password().is_some() && parsed.set_password(Some("***")).is_err() {
        return format!("{}://***", parsed.scheme());
    }
    if let Some(query) = parsed.query().map(str::to_string) {
        let mut changed = false;
        let parts: Vec<String> = query
            .split('&')
            .map(|part| {
                let key = part.split_once('=').map_or(part, |(k, _)| k);
                let decoded: String = url::form_urlencoded::parse(key.as_bytes())
                    .map(|(k, _)| k.into_owned())
                    .collect();
                if decoded.eq_ignore_ascii_case("password") {
                    changed = true;
                    format!("{key}=***")
                } else {
                    part.to_string()
                }
            })
            .collect();
        if changed {
            parsed.set_query(Some(&parts.join("&")));
        }
    }
    parsed.to_string()
}

/// `text` with every secret of `url` (its password, `password=` values) replaced by `***`, for
/// driver messages that might quote the URL.
fn scrub(text: &str, url: &str) -> String {
    let mut secrets = Vec::new();
    if let Ok(parsed) = url::Url::parse(url) {
        if let Some(password) = parsed.password() {
            secrets.push(password.to_string());
            if let Ok(decoded) = percent_decode(password) {
                secrets.push(decoded);
            }
        }
        for (key, value) in parsed.query_pairs() {
            if key.eq_ignore_ascii_case("password") && !value.is_empty() {
                secrets.push(value.into_owned());
            }
        }
    }
    let mut out = text.replace(url, &redact_database_url(url));
    for secret in secrets.iter().filter(|s| s.len() >= 3) {
        out = out.replace(secret.as_str(), "***");
    }
    out
}

fn percent_decode(text: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes: Vec<u8> = url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .map(|(_, v)| v.into_owned().into_bytes())
        .next()
        .unwrap_or_default();
    String::from_utf8(bytes)
}

/// How long the first connection to PostgreSQL may take before the store gives up.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens one connection directly (not through a pool), within [`CONNECT_TIMEOUT`], so that a
/// refused connection, a DNS failure or an unreachable host is reported with its real cause at
/// once rather than as a pool timeout.
async fn probe_postgres(options: &PgConnectOptions) -> Result<(), sqlx::Error> {
    use sqlx::{ConnectOptions, Connection};
    // sqlx's runtime timeout (tokio underneath); the store has no direct tokio dependency.
    match sqlx::__rt::timeout(CONNECT_TIMEOUT, options.connect()).await {
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            Ok(())
        }
        Ok(Err(e)) => Err(e),
        Err(_) => Err(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!(
                "timed out after {} s connecting to {}:{}",
                CONNECT_TIMEOUT.as_secs(),
                options.get_host(),
                options.get_port()
            ),
        ))),
    }
}

/// The pools of a store: `read` for queries, `write` for write transactions. For a SQLite
/// file, `write` is a pool of exactly one connection, so writers queue in the process (without
/// holding a connection or sleeping in SQLite's busy handler) while readers, which WAL never
/// blocks, keep the read pool to themselves. Elsewhere both are the same pool.
#[derive(Clone)]
pub(crate) struct Pools {
    pub(crate) read: DatabaseConnection,
    pub(crate) write: DatabaseConnection,
}

/// Opens the pools for `url` and wraps them for sea-orm.
pub(crate) async fn open(url: &str) -> Result<(Pools, Backend), StoreError> {
    let target = classify(url)?;
    let shown = redact(url);
    let invalid = |e: sqlx::Error| StoreError::InvalidUrl {
        url: shown.clone(),
        reason: scrub(&e.to_string(), url),
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
            // The writer first: it creates the file and switches it to WAL.
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(WAIT)
                .connect_with(options.clone())
                .await
                .map_err(connect_failed)?;
            let pool = SqlitePoolOptions::new()
                .max_connections(SQLITE_FILE_POOL)
                .acquire_timeout(WAIT)
                .connect_with(options)
                .await
                .map_err(connect_failed)?;
            (
                Pools {
                    read: SqlxSqliteConnector::from_sqlx_sqlite_pool(pool),
                    write: SqlxSqliteConnector::from_sqlx_sqlite_pool(writer),
                },
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
            let db = SqlxSqliteConnector::from_sqlx_sqlite_pool(pool);
            (
                Pools {
                    read: db.clone(),
                    write: db,
                },
                Backend::Sqlite,
            )
        }
        Target::Postgres => {
            let options = PgConnectOptions::from_str(url).map_err(invalid)?;
            probe_postgres(&options).await.map_err(connect_failed)?;
            let pool = PgPoolOptions::new()
                .max_connections(POSTGRES_POOL)
                .acquire_timeout(WAIT)
                .connect_with(options)
                .await
                .map_err(connect_failed)?;
            let db = SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
            (
                Pools {
                    read: db.clone(),
                    write: db,
                },
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

    #[test]
    fn userinfo_and_query_passwords_are_redacted() {
        assert_eq!(
            redact_database_url("postgres://u:secret@h/db?password=x&sslmode=disable"),
            "postgres://u:***@h/db?password=***&sslmode=disable"
        );
        assert_eq!(
            redact_database_url("postgres://u@h:5433/db?sslmode=require&PassWord=p%40ss&x=1"),
            "postgres://u@h:5433/db?sslmode=require&PassWord=***&x=1"
        );
        assert_eq!(
            redact_database_url("postgresql://u:p%40ss@h/db"),
            "postgresql://u:***@h/db"
        );
        assert_eq!(redact_database_url("sqlite::memory:"), "sqlite::memory:");
        assert_eq!(
            redact_database_url("sqlite:///var/lib/certkeep/inventory.db"),
            "sqlite:///var/lib/certkeep/inventory.db"
        );
        assert_eq!(redact_database_url("not a url"), "***");
        let scrubbed = scrub(
            "bad option in postgres://u:hunter22@h/db?password=swordfish",
            "postgres://u:hunter22@h/db?password=swordfish",
        );
        assert!(
            !scrubbed.contains("hunter22") && !scrubbed.contains("swordfish"),
            "{scrubbed}"
        );
    }

    fn message(result: Result<(Pools, Backend), StoreError>) -> String {
        match result {
            Err(e) => format!("{e} / {e:?}"),
            Ok(_) => panic!("connected"),
        }
    }

    #[tokio::test]
    async fn a_refused_connection_fails_at_once_with_its_cause() {
        // Bind a port, then free it: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let url = format!("postgres://app:hunter2@127.0.0.1:{port}/db?password=swordfish");
        let started = std::time::Instant::now();
        let text = message(open(&url).await);
        assert!(
            started.elapsed() < CONNECT_TIMEOUT,
            "{:?}",
            started.elapsed()
        );
        assert!(text.to_lowercase().contains("refused"), "{text}");
        assert!(
            !text.contains("hunter2") && !text.contains("swordfish"),
            "{text}"
        );
        assert!(text.contains("app:***@127.0.0.1"), "{text}");
    }

    #[tokio::test]
    async fn a_silent_server_times_out_within_five_seconds() {
        // Accepts TCP connections (the kernel's backlog) but never speaks.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
        let port = listener.local_addr().expect("addr").port();
        let url = format!("postgres://app@127.0.0.1:{port}/db?sslmode=disable");
        let started = std::time::Instant::now();
        let text = message(open(&url).await);
        let elapsed = started.elapsed();
        assert!(
            elapsed >= CONNECT_TIMEOUT && elapsed < CONNECT_TIMEOUT * 2,
            "{elapsed:?}"
        );
        assert!(text.contains("timed out after 5 s"), "{text}");
        drop(listener);
    }

    #[tokio::test]
    async fn an_unknown_host_fails_with_the_lookup_error() {
        let started = std::time::Instant::now();
        let text = message(open("postgres://app@certkeep-no-such-host.invalid/db").await);
        assert!(
            started.elapsed() < CONNECT_TIMEOUT * 2,
            "{:?}",
            started.elapsed()
        );
        let lower = text.to_lowercase();
        assert!(
            lower.contains("lookup")
                || lower.contains("resolve")
                || lower.contains("name")
                || lower.contains("timed out"),
            "{text}"
        );
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
