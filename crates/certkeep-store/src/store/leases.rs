//! Leases: one holder at a time per name, taken over only once expired. Each step is one
//! statement whose outcome is decided by the database (a conditional UPDATE, an INSERT that does
//! nothing on conflict), so concurrent acquirers on any connection see exactly one winner.
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use super::Store;
use super::sql::starts_with;
use crate::StoreError;
use crate::entities::lease;
use crate::model::lease::{Lease, LeaseHeld};

/// Rounds of take-over / insert / read before giving up (each round loses only to another
/// acquirer that changed the row in between).
const ROUNDS: usize = 5;

fn to_lease(m: lease::Model) -> Lease {
    Lease {
        name: m.name,
        holder: m.holder,
        acquired_at: m.acquired_at,
        expires_at: m.expires_at,
    }
}

impl Store {
    /// Acquires the lease `name` for `holder` until `now + ttl_secs`: inserts it when absent,
    /// takes it over when expired (`expires_at <= now`), renews it when `holder` holds it
    /// already; otherwise returns who holds it. Atomic under concurrency on both backends.
    pub async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: i64,
        ttl_secs: i64,
    ) -> Result<Result<Lease, LeaseHeld>, StoreError> {
        use lease::Column as C;
        let expires_at = now.saturating_add(ttl_secs.max(0));
        let mine = Lease {
            name: name.to_string(),
            holder: holder.to_string(),
            acquired_at: now,
            expires_at,
        };
        for _ in 0..ROUNDS {
            // The insert first: a free name (the usual case) then costs one write.
            let inserted = lease::Entity::insert(lease::ActiveModel {
                name: Set(name.to_string()),
                holder: Set(holder.to_string()),
                acquired_at: Set(now),
                expires_at: Set(expires_at),
            })
            .on_conflict(OnConflict::column(C::Name).do_nothing().to_owned())
            .exec_without_returning(&self.writer)
            .await;
            match inserted {
                Ok(1) => return Ok(Ok(mine)),
                Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => {}
                Err(e) => return Err(e.into()),
            }
            let taken = lease::Entity::update_many()
                .col_expr(C::Holder, Expr::value(holder))
                .col_expr(C::AcquiredAt, Expr::value(now))
                .col_expr(C::ExpiresAt, Expr::value(expires_at))
                .filter(C::Name.eq(name))
                .filter(C::ExpiresAt.lte(now))
                .exec(&self.writer)
                .await?;
            if taken.rows_affected == 1 {
                return Ok(Ok(mine));
            }
            let Some(row) = lease::Entity::find_by_id(name).one(&self.db).await? else {
                continue; // released in between
            };
            if row.holder == holder {
                if let Some(lease) = self.renew_lease(name, holder, now, ttl_secs).await? {
                    return Ok(Ok(lease));
                }
                continue;
            }
            if row.expires_at <= now {
                continue; // expired in between: try the take-over again
            }
            return Ok(Err(LeaseHeld {
                holder: row.holder,
                since: row.acquired_at,
                expires_at: row.expires_at,
            }));
        }
        Err(StoreError::Invalid(format!(
            "lease '{name}' changed hands {ROUNDS} times while acquiring it"
        )))
    }

    /// Extends the lease to `now + ttl_secs` when `holder` still holds it (even if it expired
    /// and nobody took it over); `None` when it is gone or held by someone else.
    pub async fn renew_lease(
        &self,
        name: &str,
        holder: &str,
        now: i64,
        ttl_secs: i64,
    ) -> Result<Option<Lease>, StoreError> {
        use lease::Column as C;
        let expires_at = now.saturating_add(ttl_secs.max(0));
        let renewed = lease::Entity::update_many()
            .col_expr(C::ExpiresAt, Expr::value(expires_at))
            .filter(C::Name.eq(name))
            .filter(C::Holder.eq(holder))
            .exec(&self.writer)
            .await?;
        if renewed.rows_affected == 0 {
            return Ok(None);
        }
        Ok(lease::Entity::find_by_id(name)
            .one(&self.db)
            .await?
            .filter(|row| row.holder == holder)
            .map(to_lease))
    }

    /// Releases the lease if `holder` holds it; returns whether it did.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<bool, StoreError> {
        let deleted = lease::Entity::delete_many()
            .filter(lease::Column::Name.eq(name))
            .filter(lease::Column::Holder.eq(holder))
            .exec(&self.writer)
            .await?;
        Ok(deleted.rows_affected > 0)
    }

    /// Shortens the leases whose name starts with `prefix` to end at most `max_ttl_secs` after
    /// they were acquired (a schedule made shorter applies to the slot already taken); returns
    /// how many changed.
    pub async fn cap_leases(&self, prefix: &str, max_ttl_secs: i64) -> Result<u64, StoreError> {
        use lease::Column as C;
        let ttl = Ord::max(max_ttl_secs, 0);
        // In here only: its `max` would shadow `i64::max` in the rest of the file.
        use sea_orm::sea_query::ExprTrait;
        let capped = Expr::col(C::AcquiredAt).add(ttl);
        let changed = lease::Entity::update_many()
            .col_expr(C::ExpiresAt, capped.clone())
            .filter(starts_with(C::Name, prefix))
            .filter(Expr::col(C::ExpiresAt).gt(capped))
            .exec(&self.writer)
            .await?;
        Ok(changed.rows_affected)
    }

    /// The lease `name`, if any (expired ones included).
    pub async fn find_lease(&self, name: &str) -> Result<Option<Lease>, StoreError> {
        Ok(lease::Entity::find_by_id(name)
            .one(&self.db)
            .await?
            .map(to_lease))
    }
}
