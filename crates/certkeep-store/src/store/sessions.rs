//! Sessions: stored at sign-in, looked up by the hash of the id the browser sends, touched on
//! use, deleted at sign-out, purged once expired or idle. Only SHA-256 hex digests of the
//! session id and the CSRF token are stored; the caller computes them.
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use super::access_input::{client_text, is_unique_violation, sha256_hex};
use super::{Store, count, users};
use crate::entities::{session, user};
use crate::model::session::{NewSession, Session, USER_AGENT_MAX_CHARS};
use crate::model::user::User;
use crate::{StoreError, UserId};

fn to_session(m: session::Model) -> Session {
    Session {
        id_hash: m.id_hash,
        user_id: UserId::from_db(m.user_id),
        csrf_hash: m.csrf_hash,
        created_at: m.created_at,
        last_seen_at: m.last_seen_at,
        expires_at: m.expires_at,
        client_addr: m.client_addr,
        user_agent: m.user_agent,
    }
}

/// The most characters of a client address a session keeps.
const CLIENT_ADDR_MAX_CHARS: usize = 100;

fn id_hash(text: &str) -> Result<String, StoreError> {
    sha256_hex("session id hash", text)
}

impl Store {
    /// Stores a session (its `last_seen_at` is `created_at`; control characters are removed
    /// from the client address and user agent, which are cut to 100 and 200 characters). The id and CSRF token must arrive as hex SHA-256 digests
    /// ([`StoreError::Invalid`] otherwise); an unknown user is [`StoreError::NotFound`]; an
    /// id hash already stored is [`StoreError::Conflict`].
    pub async fn create_session(&self, new: NewSession) -> Result<Session, StoreError> {
        let id = id_hash(&new.id_hash)?;
        let csrf = sha256_hex("CSRF token hash", &new.csrf_hash)?;
        let model = session::Model {
            id_hash: id.clone(),
            user_id: new.user_id.as_str().to_string(),
            csrf_hash: csrf,
            created_at: new.created_at,
            last_seen_at: new.created_at,
            expires_at: new.expires_at,
            client_addr: new
                .client_addr
                .map(|a| client_text(a, CLIENT_ADDR_MAX_CHARS)),
            user_agent: new
                .user_agent
                .map(|ua| client_text(ua, USER_AGENT_MAX_CHARS)),
        };
        let txn = self.begin_write().await?;
        if !users::exists(&txn, &new.user_id).await? {
            return Err(StoreError::NotFound {
                entity: "user",
                key: new.user_id.to_string(),
            });
        }
        let inserted = session::Entity::insert(session::ActiveModel::from(model.clone()))
            .exec_without_returning(&txn)
            .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict {
                    entity: "session",
                    field: "id_hash",
                    value: id,
                });
            }
            Err(e) => return Err(e.into()),
        }
        txn.commit().await?;
        Ok(to_session(model))
    }

    /// The session whose id hashes to `id_hash` (a hex SHA-256 digest, else
    /// [`StoreError::Invalid`]), expired or not: the caller checks
    /// ([`Session::is_live_at`]).
    pub async fn find_session(&self, id_hash: &str) -> Result<Option<Session>, StoreError> {
        let id = self::id_hash(id_hash)?;
        Ok(session::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(to_session))
    }

    /// The session with this id digest and its user, in one query (every page asks).
    pub async fn find_session_with_user(
        &self,
        id_hash: &str,
    ) -> Result<Option<(Session, Option<User>)>, StoreError> {
        let id = self::id_hash(id_hash)?;
        let Some((session, owner)) = session::Entity::find_by_id(id)
            .find_also_related(user::Entity)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some((
            to_session(session),
            owner.map(users::to_user).transpose()?,
        )))
    }

    /// The sessions of a user, newest first.
    pub async fn list_sessions_of_user(&self, user: &UserId) -> Result<Vec<Session>, StoreError> {
        use session::Column as C;
        Ok(session::Entity::find()
            .filter(C::UserId.eq(user.as_str()))
            .order_by_desc(C::CreatedAt)
            .order_by_desc(C::IdHash)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_session)
            .collect())
    }

    /// Sets the session's `last_seen_at` to `now`; returns whether the session exists.
    pub async fn touch_session(&self, id_hash: &str, now: i64) -> Result<bool, StoreError> {
        let id = self::id_hash(id_hash)?;
        let updated = session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::IdHash.eq(id))
            .exec(&self.writer)
            .await?;
        Ok(updated.rows_affected > 0)
    }

    /// Deletes the session (sign-out); returns whether it existed.
    pub async fn delete_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        let id = self::id_hash(id_hash)?;
        let deleted = session::Entity::delete_by_id(id).exec(&self.writer).await?;
        Ok(deleted.rows_affected > 0)
    }

    /// Deletes every session of a user (a password change, a disabled user); returns how many.
    pub async fn delete_sessions_of_user(&self, user: &UserId) -> Result<usize, StoreError> {
        let deleted = session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user.as_str()))
            .exec(&self.writer)
            .await?;
        Ok(count(deleted.rows_affected))
    }

    /// Deletes the sessions that have expired (`expires_at <= expired_before_absolute`, usually
    /// now) or sat idle (`last_seen_at <= idle_before`, usually now minus the idle timeout);
    /// returns how many.
    pub async fn purge_sessions(
        &self,
        expired_before_absolute: i64,
        idle_before: i64,
    ) -> Result<usize, StoreError> {
        use session::Column as C;
        let deleted = session::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(C::ExpiresAt.lte(expired_before_absolute))
                    .add(C::LastSeenAt.lte(idle_before)),
            )
            .exec(&self.writer)
            .await?;
        Ok(count(deleted.rows_affected))
    }

    /// How many sessions are stored (expired ones included, until purged).
    pub async fn count_sessions(&self) -> Result<usize, StoreError> {
        Ok(count(session::Entity::find().count(&self.db).await?))
    }
}
