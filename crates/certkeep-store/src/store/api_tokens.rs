//! API tokens: created with their audit event, looked up by the hash of the token a request
//! carries, listed, touched on use, revoked. Only the token's SHA-256 hex digest (computed by
//! the caller) and a short display prefix are stored.
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use super::access_input::{
    NAME_MAX_CHARS, PREFIX_MAX_CHARS, is_unique_violation, label, sha256_hex,
};
use super::{Store, audit, users, with_member};
use crate::entities::{api_token, user};
use crate::model::api_token::{ApiToken, NewApiToken};
use crate::model::audit::NewAuditEvent;
use crate::model::user::{Role, User};
use crate::{ApiTokenId, StoreError, UserId};

fn to_token(m: api_token::Model) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: ApiTokenId::from_db(m.id),
        user_id: UserId::from_db(m.user_id),
        role: Role::from_db(&m.role)?,
        name: m.name,
        token_hash: m.token_hash,
        prefix: m.prefix,
        created_at: m.created_at,
        expires_at: m.expires_at,
        last_used_at: m.last_used_at,
        revoked_at: m.revoked_at,
    })
}

fn not_found(id: &ApiTokenId) -> StoreError {
    StoreError::NotFound {
        entity: "API token",
        key: id.to_string(),
    }
}

fn name_taken(name: String) -> StoreError {
    StoreError::Conflict {
        entity: "API token",
        field: "name",
        value: name,
    }
}

impl Store {
    /// Stores a new token; with `audit`, appends that event (detail gets `api_token_id`) in the
    /// same transaction. The token must arrive as its hex SHA-256 digest and the name and
    /// prefix must be short labels ([`StoreError::Invalid`] otherwise); an unknown user is
    /// [`StoreError::NotFound`]; a name the user already has on a token that is not revoked
    /// (expired ones count) is [`StoreError::Conflict`] (field `name`), as are a taken hash or
    /// id. Nothing is written on error.
    pub async fn create_api_token(
        &self,
        new: NewApiToken,
        audit: Option<NewAuditEvent>,
    ) -> Result<ApiToken, StoreError> {
        use api_token::Column as C;
        let hash = sha256_hex("API token hash", &new.token_hash)?;
        label("API token name", &new.name, NAME_MAX_CHARS)?;
        label("API token prefix", &new.prefix, PREFIX_MAX_CHARS)?;
        let txn = self.begin_for(audit.is_some()).await?;
        if !users::exists(&txn, &new.user_id).await? {
            return Err(StoreError::NotFound {
                entity: "user",
                key: new.user_id.to_string(),
            });
        }
        let name_in_use = api_token::Entity::find()
            .filter(C::UserId.eq(new.user_id.as_str()))
            .filter(C::Name.eq(new.name.as_str()))
            .filter(C::RevokedAt.is_null())
            .count(&txn)
            .await?
            > 0;
        if name_in_use {
            return Err(name_taken(new.name));
        }
        if api_token::Entity::find()
            .filter(C::TokenHash.eq(hash.as_str()))
            .count(&txn)
            .await?
            > 0
        {
            return Err(StoreError::Conflict {
                entity: "API token",
                field: "token_hash",
                value: new.prefix,
            });
        }
        if api_token::Entity::find_by_id(new.id.as_str())
            .count(&txn)
            .await?
            > 0
        {
            return Err(StoreError::Conflict {
                entity: "API token",
                field: "id",
                value: new.id.to_string(),
            });
        }
        let model = api_token::Model {
            id: new.id.as_str().to_string(),
            user_id: new.user_id.as_str().to_string(),
            name: new.name.clone(),
            role: new.role.as_str().to_string(),
            token_hash: hash,
            prefix: new.prefix,
            created_at: new.created_at,
            expires_at: new.expires_at,
            last_used_at: None,
            revoked_at: None,
        };
        // A concurrent create of the same name (without the audit lock) loses to the partial
        // unique index here.
        if let Err(e) = api_token::Entity::insert(api_token::ActiveModel::from(model.clone()))
            .exec_without_returning(&txn)
            .await
        {
            return Err(if is_unique_violation(&e) {
                name_taken(new.name)
            } else {
                e.into()
            });
        }
        if let Some(audit) = audit {
            let detail = with_member(audit.detail, "api_token_id", new.id.as_str().into());
            audit::append(&txn, self.clock.now(), NewAuditEvent { detail, ..audit }).await?;
        }
        txn.commit().await?;
        to_token(model)
    }

    /// The token whose hex SHA-256 digest is `token_hash` ([`StoreError::Invalid`] when it is
    /// not one), revoked or expired ones included: the caller checks
    /// ([`ApiToken::is_active_at`]).
    pub async fn find_api_token_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<ApiToken>, StoreError> {
        let hash = sha256_hex("API token hash", token_hash)?;
        api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(hash))
            .one(&self.db)
            .await?
            .map(to_token)
            .transpose()
    }

    /// The token with this digest and its user, in one query (every API request asks).
    pub async fn find_api_token_with_user(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ApiToken, Option<User>)>, StoreError> {
        let hash = sha256_hex("API token hash", token_hash)?;
        let Some((token, owner)) = api_token::Entity::find()
            .find_also_related(user::Entity)
            .filter(api_token::Column::TokenHash.eq(hash))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some((
            to_token(token)?,
            owner.map(users::to_user).transpose()?,
        )))
    }

    /// The token with this id.
    pub async fn find_api_token(&self, id: &ApiTokenId) -> Result<Option<ApiToken>, StoreError> {
        api_token::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await?
            .map(to_token)
            .transpose()
    }

    /// The tokens of one user (or of everyone), revoked ones included, newest first.
    pub async fn list_api_tokens(
        &self,
        user: Option<&UserId>,
    ) -> Result<Vec<ApiToken>, StoreError> {
        use api_token::Column as C;
        let mut query = api_token::Entity::find();
        if let Some(user) = user {
            query = query.filter(C::UserId.eq(user.as_str()));
        }
        query
            .order_by_desc(C::CreatedAt)
            .order_by_desc(C::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_token)
            .collect()
    }

    /// Revokes the token at `now` (a token already revoked keeps its first `revoked_at`); with
    /// `audit`, appends that event (detail gets `api_token_id`) in the same transaction. An
    /// unknown token is [`StoreError::NotFound`]. Returns the stored token.
    pub async fn revoke_api_token(
        &self,
        id: &ApiTokenId,
        now: i64,
        audit: Option<NewAuditEvent>,
    ) -> Result<ApiToken, StoreError> {
        use api_token::Column as C;
        let txn = self.begin_for(audit.is_some()).await?;
        api_token::Entity::update_many()
            .col_expr(C::RevokedAt, Expr::value(now))
            .filter(C::Id.eq(id.as_str()))
            .filter(C::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        let Some(row) = api_token::Entity::find_by_id(id.as_str()).one(&txn).await? else {
            return Err(not_found(id));
        };
        if let Some(audit) = audit {
            let detail = with_member(audit.detail, "api_token_id", id.as_str().into());
            audit::append(&txn, self.clock.now(), NewAuditEvent { detail, ..audit }).await?;
        }
        txn.commit().await?;
        to_token(row)
    }

    /// Sets the token's `last_used_at` to `now`; returns whether the token exists.
    pub async fn touch_api_token(&self, id: &ApiTokenId, now: i64) -> Result<bool, StoreError> {
        let updated = api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
            .filter(api_token::Column::Id.eq(id.as_str()))
            .exec(&self.writer)
            .await?;
        Ok(updated.rows_affected > 0)
    }
}
