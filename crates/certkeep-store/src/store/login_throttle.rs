//! Login throttling: failed sign-ins counted per key in a sliding window, each count one upsert
//! statement (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`) so concurrent failures on any
//! connection or instance never lose an increment; the lockout policy is the caller's.
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter};

use super::access_input::throttle_key;
use super::{Store, count};
use crate::StoreError;
use crate::entities::login_throttle;
use crate::model::login_throttle::LoginThrottle;

fn to_throttle(m: login_throttle::Model) -> LoginThrottle {
    LoginThrottle {
        key: m.key,
        failures: m.failures,
        first_failure_at: m.first_failure_at,
        last_failure_at: m.last_failure_at,
        locked_until: m.locked_until,
    }
}

impl Store {
    /// The failures recorded under `key`, if any (a key that could not be recorded, see
    /// [`Store::record_login_failure`], has none).
    pub async fn find_login_throttle(
        &self,
        key: &str,
    ) -> Result<Option<LoginThrottle>, StoreError> {
        if throttle_key(key).is_err() {
            return Ok(None);
        }
        Ok(login_throttle::Entity::find_by_id(key)
            .one(&self.db)
            .await?
            .map(to_throttle))
    }

    /// Records one failed sign-in under `key` at `now` and returns the count after it: 1 for a
    /// new key, or when the previous failure is older than `window_secs`
    /// (`last_failure_at < now - window_secs`: the window restarts at `now`); otherwise one
    /// more. A lockout already set is kept. Atomic: concurrent calls each count once. The key
    /// is the caller's (`user:alice`, `addr:10.0.0.1`): 1 to 512 characters without control
    /// characters, else [`StoreError::Invalid`].
    pub async fn record_login_failure(
        &self,
        key: &str,
        now: i64,
        window_secs: i64,
    ) -> Result<LoginThrottle, StoreError> {
        throttle_key(key)?;
        use login_throttle::Column as C;
        let stored = |column: C| Expr::col((login_throttle::Entity, column));
        let threshold = now.saturating_sub(Ord::max(window_secs, 0));
        let restart = stored(C::LastFailureAt).lt(threshold);
        let failures =
            Expr::case(restart.clone(), Expr::val(1_i64)).finally(stored(C::Failures).add(1_i64));
        let first_failure_at =
            Expr::case(restart, Expr::val(now)).finally(stored(C::FirstFailureAt));
        let upsert = OnConflict::column(C::Key)
            .value(C::Failures, failures)
            .value(C::FirstFailureAt, first_failure_at)
            .value(C::LastFailureAt, Expr::val(now))
            .to_owned();
        let row = login_throttle::Entity::insert(login_throttle::ActiveModel {
            key: Set(key.to_string()),
            failures: Set(1),
            first_failure_at: Set(now),
            last_failure_at: Set(now),
            locked_until: Set(None),
        })
        .on_conflict(upsert)
        .exec_with_returning(&self.writer)
        .await?;
        Ok(to_throttle(row))
    }

    /// Refuses sign-ins under `key` until `until` (Unix seconds), for a key with recorded
    /// failures ([`StoreError::NotFound`] otherwise; a malformed key is `Invalid`). Returns the
    /// stored row.
    pub async fn set_login_lockout(
        &self,
        key: &str,
        until: i64,
    ) -> Result<LoginThrottle, StoreError> {
        throttle_key(key)?;
        let rows = login_throttle::Entity::update_many()
            .col_expr(login_throttle::Column::LockedUntil, Expr::value(until))
            .filter(login_throttle::Column::Key.eq(key))
            .exec_with_returning(&self.writer)
            .await?;
        rows.into_iter()
            .next()
            .map(to_throttle)
            .ok_or_else(|| StoreError::NotFound {
                entity: "login throttle",
                key: key.to_string(),
            })
    }

    /// Forgets the failures and any lockout under `key` (a successful sign-in, an admin's
    /// unlock); returns whether there were any.
    pub async fn clear_login_throttle(&self, key: &str) -> Result<bool, StoreError> {
        if throttle_key(key).is_err() {
            return Ok(false);
        }
        let deleted = login_throttle::Entity::delete_by_id(key)
            .exec(&self.writer)
            .await?;
        Ok(deleted.rows_affected > 0)
    }

    /// Deletes the keys whose last failure is before `before` and whose lockout (if any) has
    /// ended by then, so the table does not grow with every address that ever failed; returns
    /// how many.
    pub async fn purge_login_throttle(&self, before: i64) -> Result<usize, StoreError> {
        use login_throttle::Column as C;
        let deleted = login_throttle::Entity::delete_many()
            .filter(C::LastFailureAt.lt(before))
            .filter(
                Condition::any()
                    .add(C::LockedUntil.is_null())
                    .add(C::LockedUntil.lte(before)),
            )
            .exec(&self.writer)
            .await?;
        Ok(count(deleted.rows_affected))
    }
}
