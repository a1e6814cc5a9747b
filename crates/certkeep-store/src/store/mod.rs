//! The [`Store`]: one code path over sea-orm for SQLite and PostgreSQL. Each file here holds the
//! methods for one kind of row.
mod access_input;
mod api_tokens;
mod audit;
mod certificate_filter;
mod certificate_page;
mod certificate_query;
mod certificate_rows;
mod certificates;
mod count_cache;
mod credentials;
mod exclusions;
mod expiry_gauges;
mod expiry_index;
mod expiry_timeline;
mod facet_rows;
mod issuers;
mod jobs;
mod leases;
mod local_delete;
mod login_throttle;
mod ordered_ids;
mod pages;
mod requests;
mod search_index;
mod sessions;
mod settings;
mod sql;
mod sync_runs;
mod tls_secret_page;
mod tls_secrets;
mod users;
mod vaults;

pub use expiry_gauges::{CertificateExpiry, SyncRunCount, TlsSecretExpiry};
pub use expiry_timeline::{ExpiryWeekCount, WEEK_SECS};

use std::fmt;
use std::sync::Arc;

use sea_orm::{DatabaseConnection, DatabaseTransaction, EntityTrait, QueryOrder};

use crate::clock::{Clock, SystemClock};
use crate::entities::schema_migration;
use crate::tx::{Lock, begin_write};
use crate::{Backend, StoreError, connect, migrate};

pub use jobs::INTERRUPTED_ERROR;

/// Most values bound in one `IN (...)` list or one multi-row insert.
pub(crate) const CHUNK: usize = 500;

/// The persistent inventory store. Cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct Store {
    /// Queries.
    db: DatabaseConnection,
    /// Write transactions (one connection for a SQLite file: see `connect::Pools`).
    writer: DatabaseConnection,
    backend: Backend,
    clock: Arc<dyn Clock>,
    /// Certificate counts by filter, valid at an inventory generation.
    counts: Arc<count_cache::GenerationCache<u64>>,
    /// Certificate facets other than the states, by filter, valid at an inventory generation.
    facets: Arc<count_cache::GenerationCache<certificate_page::TimelessFacets>>,
    /// Sorted notAfter values by filter, for the state facet, valid at an inventory generation.
    expiries: Arc<expiry_index::ExpiryCache>,
    /// The dashboard timeline's current expiries (one entry).
    timeline: Arc<expiry_timeline::TimelineCache>,
    /// Every matching id in order, by filter and sort, for deep pages and searches.
    ordered: Arc<ordered_ids::OrderedIds>,
    /// Certificate search texts in memory.
    search: Arc<search_index::SearchIndex>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the database at `url` and applies pending migrations.
    ///
    /// `sqlite://PATH` (the file and its directory are created if missing; WAL journal,
    /// `synchronous=FULL`, foreign keys on, on every connection), `sqlite::memory:` (a pool of
    /// exactly one connection), or `postgres://…` / `postgresql://…`. Any other scheme is
    /// [`StoreError::UnsupportedUrl`].
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Self::connect_with_clock(url, Arc::new(SystemClock)).await
    }

    /// [`Store::connect`] with the clock used where a method takes no `now`.
    pub async fn connect_with_clock(url: &str, clock: Arc<dyn Clock>) -> Result<Store, StoreError> {
        let (pools, backend) = connect::open(url).await?;
        migrate::run(&pools.write, backend, clock.now()).await?;
        Ok(Store {
            db: pools.read,
            writer: pools.write,
            backend,
            clock,
            counts: Default::default(),
            facets: Default::default(),
            timeline: Arc::new(expiry_timeline::TimelineCache::with_capacity(1)),
            expiries: Arc::new(expiry_index::ExpiryCache::with_capacity(
                expiry_index::CAPACITY,
            )),
            ordered: Default::default(),
            search: Default::default(),
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The migrations recorded in `schema_migrations`: version and name, in order.
    pub async fn applied_migrations(&self) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(schema_migration::Entity::find()
            .order_by_asc(schema_migration::Column::Version)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| (m.version, m.name))
            .collect())
    }

    /// The DDL every migration runs on this backend, as SQL text.
    pub fn migration_ddl(backend: Backend) -> Vec<String> {
        migrate::ddl(backend)
    }

    /// Opens the database at `url`, applies the migrations up to `version` only, and closes
    /// it; returns how many were applied. For tests of upgrades from an older schema: a store
    /// is used only through [`Store::connect`], which applies every migration.
    #[doc(hidden)]
    pub async fn migrate_database_to(url: &str, version: i64) -> Result<usize, StoreError> {
        let (pools, backend) = connect::open(url).await?;
        let applied = migrate::run_to(&pools.write, backend, SystemClock.now(), version).await?;
        pools.write.close().await?;
        pools.read.close().await?;
        Ok(applied)
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(self) -> Result<(), StoreError> {
        // The same pool twice (PostgreSQL, memory) closes once; closing again is a no-op.
        self.writer.close().await?;
        Ok(self.db.close().await?)
    }

    /// A write transaction that does not touch the audit chain.
    async fn begin_write(&self) -> Result<DatabaseTransaction, StoreError> {
        Ok(begin_write(&self.writer, self.backend, None).await?)
    }

    /// A write transaction that appends to the audit chain.
    async fn begin_audited(&self) -> Result<DatabaseTransaction, StoreError> {
        Ok(begin_write(&self.writer, self.backend, Some(Lock::Audit)).await?)
    }

    /// [`Store::begin_audited`] when the transaction will append an audit event, else
    /// [`Store::begin_write`].
    async fn begin_for(&self, audited: bool) -> Result<DatabaseTransaction, StoreError> {
        if audited {
            self.begin_audited().await
        } else {
            self.begin_write().await
        }
    }
}

/// A count from the database as `usize`.
pub(crate) fn count(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// `detail` with `key` set to `value` when it is an object (or null, which becomes one).
pub(crate) fn with_member(
    detail: serde_json::Value,
    key: &str,
    value: serde_json::Value,
) -> serde_json::Value {
    match detail {
        serde_json::Value::Object(mut map) => {
            map.insert(key.to_string(), value);
            serde_json::Value::Object(map)
        }
        serde_json::Value::Null => serde_json::json!({ key: value }),
        other => other,
    }
}

#[cfg(test)]
mod tests;
