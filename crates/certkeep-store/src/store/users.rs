//! Users: created, found by id or (case-insensitive) name, updated, deleted together with their
//! sessions and API tokens. The store holds only the argon2 PHC hash the caller made of a
//! password.
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use super::access_input::{is_unique_violation, password_hash, username};
use super::{Store, audit, count, with_member};
use crate::entities::{api_token, session, user};
use crate::model::audit::NewAuditEvent;
use crate::model::user::{NewUser, Role, User, UserUpdate};
use crate::{StoreError, UserId};

pub(super) fn to_user(m: user::Model) -> Result<User, StoreError> {
    Ok(User {
        id: UserId::from_db(m.id),
        role: Role::from_db(&m.role)?,
        username: m.username,
        password_hash: m.password_hash,
        must_change_password: m.must_change_password,
        disabled: m.disabled,
        created_at: m.created_at,
        updated_at: m.updated_at,
        password_changed_at: m.password_changed_at,
        last_login_at: m.last_login_at,
    })
}

fn not_found(id: &UserId) -> StoreError {
    StoreError::NotFound {
        entity: "user",
        key: id.to_string(),
    }
}

fn username_taken(name: String) -> StoreError {
    StoreError::Conflict {
        entity: "user",
        field: "username",
        value: name,
    }
}

/// Whether the user exists, inside the caller's transaction.
pub(super) async fn exists<C: ConnectionTrait>(conn: &C, id: &UserId) -> Result<bool, StoreError> {
    Ok(user::Entity::find_by_id(id.as_str()).count(conn).await? > 0)
}

impl Store {
    /// Stores a new user, its name lowercased; with `audit`, appends that event (detail gets
    /// `user_id`) in the same transaction. A name taken in any case is
    /// [`StoreError::Conflict`] (field `username`), a taken id too (field `id`); a password
    /// hash that is not an argon2 PHC string, or an empty or malformed name, is
    /// [`StoreError::Invalid`]. Nothing is written on error.
    pub async fn create_user(
        &self,
        new: NewUser,
        audit: Option<NewAuditEvent>,
    ) -> Result<User, StoreError> {
        let name = username(&new.username)?;
        password_hash(&new.password_hash)?;
        let now = self.clock.now();
        let txn = self.begin_for(audit.is_some()).await?;
        if user::Entity::find()
            .filter(user::Column::Username.eq(name.as_str()))
            .count(&txn)
            .await?
            > 0
        {
            return Err(username_taken(name));
        }
        if exists(&txn, &new.id).await? {
            return Err(StoreError::Conflict {
                entity: "user",
                field: "id",
                value: new.id.to_string(),
            });
        }
        let model = user::Model {
            id: new.id.as_str().to_string(),
            username: name.clone(),
            password_hash: new.password_hash,
            role: new.role.as_str().to_string(),
            must_change_password: new.must_change_password,
            disabled: false,
            created_at: now,
            updated_at: now,
            password_changed_at: now,
            last_login_at: None,
        };
        // A concurrent create of the same name (without the audit lock) loses here.
        if let Err(e) = user::Entity::insert(user::ActiveModel::from(model.clone()))
            .exec_without_returning(&txn)
            .await
        {
            return Err(if is_unique_violation(&e) {
                username_taken(name)
            } else {
                e.into()
            });
        }
        if let Some(audit) = audit {
            let detail = with_member(audit.detail, "user_id", new.id.as_str().into());
            audit::append(&txn, now, NewAuditEvent { detail, ..audit }).await?;
        }
        txn.commit().await?;
        to_user(model)
    }

    /// The user with this id.
    pub async fn find_user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        user::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await?
            .map(to_user)
            .transpose()
    }

    /// The user with this name, compared case-insensitively (`Alice` finds `alice`). Any text
    /// may be passed (a name typed into a sign-in form): one that cannot be a user name finds
    /// nobody.
    pub async fn find_user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        let Ok(name) = username(name) else {
            return Ok(None);
        };
        user::Entity::find()
            .filter(user::Column::Username.eq(name))
            .one(&self.db)
            .await?
            .map(to_user)
            .transpose()
    }

    /// Every user, by name.
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        user::Entity::find()
            .order_by_asc(user::Column::Username)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_user)
            .collect()
    }

    /// How many users there are (disabled ones included), for example to tell a first start.
    pub async fn count_users(&self) -> Result<usize, StoreError> {
        Ok(count(user::Entity::find().count(&self.db).await?))
    }

    /// Applies `update` (the fields that are `Some`). A new password hash also sets
    /// `password_changed_at`; any change but `last_login_at` alone sets `updated_at` (both to
    /// the store clock's now). With `audit`, appends that event in the same transaction; its
    /// detail gets `user_id` and `changed` (the names of the fields set, never their values).
    /// An unknown user is [`StoreError::NotFound`]. Returns the stored user.
    pub async fn update_user(
        &self,
        id: &UserId,
        update: UserUpdate,
        audit: Option<NewAuditEvent>,
    ) -> Result<User, StoreError> {
        use user::Column as C;
        if let Some(hash) = &update.password_hash {
            password_hash(hash)?;
        }
        let now = self.clock.now();
        let mut changed: Vec<&str> = Vec::new();
        let mut query = user::Entity::update_many().filter(C::Id.eq(id.as_str()));
        if let Some(hash) = update.password_hash {
            query = query
                .col_expr(C::PasswordHash, Expr::value(hash))
                .col_expr(C::PasswordChangedAt, Expr::value(now));
            changed.push("password");
        }
        if let Some(role) = update.role {
            query = query.col_expr(C::Role, Expr::value(role.as_str()));
            changed.push("role");
        }
        if let Some(must) = update.must_change_password {
            query = query.col_expr(C::MustChangePassword, Expr::value(must));
            changed.push("must_change_password");
        }
        if let Some(disabled) = update.disabled {
            query = query.col_expr(C::Disabled, Expr::value(disabled));
            changed.push("disabled");
        }
        if !changed.is_empty() {
            query = query.col_expr(C::UpdatedAt, Expr::value(now));
        }
        if let Some(at) = update.last_login_at {
            query = query.col_expr(C::LastLoginAt, Expr::value(at));
            changed.push("last_login_at");
        }
        let txn = self.begin_for(audit.is_some()).await?;
        let found = if changed.is_empty() {
            exists(&txn, id).await?
        } else {
            query.exec(&txn).await?.rows_affected > 0
        };
        if !found {
            return Err(not_found(id));
        }
        if let Some(audit) = audit {
            let detail = with_member(audit.detail, "user_id", id.as_str().into());
            let detail = with_member(detail, "changed", serde_json::json!(changed));
            audit::append(&txn, now, NewAuditEvent { detail, ..audit }).await?;
        }
        let stored = user::Entity::find_by_id(id.as_str()).one(&txn).await?;
        txn.commit().await?;
        stored
            .map(to_user)
            .transpose()?
            .ok_or_else(|| not_found(id))
    }

    /// Deletes a user with its sessions and API tokens, in one transaction; with `audit`,
    /// appends that event too (detail gets `user_id`, `username` and `removed` with the counts
    /// of sessions and API tokens). An unknown user is [`StoreError::NotFound`]. Returns the
    /// user as it was.
    pub async fn delete_user(
        &self,
        id: &UserId,
        audit: Option<NewAuditEvent>,
    ) -> Result<User, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_for(audit.is_some()).await?;
        let Some(row) = user::Entity::find_by_id(id.as_str()).one(&txn).await? else {
            return Err(not_found(id));
        };
        let removed = to_user(row)?;
        let sessions = session::Entity::delete_many()
            .filter(session::Column::UserId.eq(id.as_str()))
            .exec(&txn)
            .await?
            .rows_affected;
        let tokens = api_token::Entity::delete_many()
            .filter(api_token::Column::UserId.eq(id.as_str()))
            .exec(&txn)
            .await?
            .rows_affected;
        user::Entity::delete_by_id(id.as_str()).exec(&txn).await?;
        if let Some(audit) = audit {
            let detail = with_member(audit.detail, "user_id", id.as_str().into());
            let detail = with_member(detail, "username", removed.username.as_str().into());
            let detail = with_member(
                detail,
                "removed",
                serde_json::json!({ "sessions": sessions, "api_tokens": tokens }),
            );
            audit::append(&txn, now, NewAuditEvent { detail, ..audit }).await?;
        }
        txn.commit().await?;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_convert_and_unknown_roles_are_corrupt() {
        let model = user::Model {
            id: "6ba7b810-9dad-11d1-80b4-00c04fd430c8".into(),
            username: "alice".into(),
            password_hash: "$argon2id$x".into(),
            role: "operator".into(),
            must_change_password: true,
            disabled: false,
            created_at: 1,
            updated_at: 2,
            password_changed_at: 1,
            last_login_at: None,
        };
        assert!(matches!(to_user(model.clone()), Ok(u) if u.role == Role::Operator));
        let bad = user::Model {
            role: "root".into(),
            ..model
        };
        assert!(matches!(to_user(bad), Err(StoreError::Corrupt(_))));
    }
}
