//! The errors of `certkeep-store`.

/// Why a store operation failed. Messages never contain a database password or secret material.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL's scheme is not one the store serves (`sqlite:`, `postgres:`, `postgresql:`).
    #[error(
        "unsupported database URL scheme '{scheme}': use sqlite://PATH, sqlite::memory: or postgres://USER@HOST/DB"
    )]
    UnsupportedUrl {
        /// The scheme that was given (text before the first `:`).
        scheme: String,
    },
    /// The database URL could not be read; `url` has its password replaced by `***`.
    #[error("invalid database URL {url}: {reason}")]
    InvalidUrl {
        /// The URL with the password redacted.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The database could not be reached or opened; `url` has its password replaced by `***`.
    #[error("cannot connect to {url}: {source}")]
    Connect {
        /// The URL with the password redacted.
        url: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A schema migration failed; the transaction that applied it was rolled back.
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        /// The migration's version number.
        version: i64,
        /// The migration's name.
        name: &'static str,
        /// The database's error.
        #[source]
        source: sea_orm::DbErr,
    },
    /// The database was migrated by a newer build than this one.
    #[error("database schema version {found} is newer than this build knows ({known})")]
    SchemaTooNew {
        /// The highest version recorded in `schema_migrations`.
        found: i64,
        /// The highest version this build knows.
        known: i64,
    },
    /// A value that must be unique is already taken; nothing was written.
    #[error("{entity} with {field} '{value}' already exists")]
    Conflict {
        /// What kind of row (`credential`, ...).
        entity: &'static str,
        /// The unique field (`name`, `id`).
        field: &'static str,
        /// The value that is taken.
        value: String,
    },
    /// No row has this id or key; nothing was written.
    #[error("{entity} {key} not found")]
    NotFound {
        /// What kind of row (`credential`, `vault`, ...).
        entity: &'static str,
        /// The id or key that was looked up.
        key: String,
    },
    /// The caller passed something inconsistent (a malformed id, two versions of one name flagged
    /// current, the same version twice, a link across vaults, ...); nothing was written.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// A value read from the database could not be decoded (for example malformed JSON).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    /// The audit chain does not verify at this event: its hash or its link to the previous event
    /// is wrong, so it (or the event before it) was altered or removed.
    #[error("audit chain broken at event {id}")]
    AuditChainBroken {
        /// The id of the first event that does not verify.
        id: i64,
    },
    /// Any other database error; the transaction was rolled back.
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
}
