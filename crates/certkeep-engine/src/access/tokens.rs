//! API tokens: made by a user with a role no higher than their own, a name and an expiry;
//! shown once, kept as a digest; listed and revoked. Sent as `Authorization: Bearer ck_…`.

use certkeep_store::{ApiToken, ApiTokenId, NewApiToken, Role};
use serde::Serialize;
use serde_json::json;

use super::{Principal, Via, secrets};
use crate::views::Timestamp;
use crate::{Actor, Engine, EngineError};

/// Every API token starts with this.
pub const TOKEN_PREFIX: &str = "ck_";
/// The longest a token may live.
pub const MAX_TOKEN_DAYS: i64 = 366;

/// A token as listings show it (its first characters only).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiTokenView {
    pub id: String,
    pub name: String,
    pub owner: String,
    #[schema(value_type = String)]
    pub role: Role,
    /// The token's first characters, to recognise it.
    pub prefix: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub active: bool,
}

/// What a user asks for.
#[derive(Debug, Clone)]
pub struct NewApiTokenInput {
    pub name: String,
    pub role: Role,
    pub expires_in_days: i64,
}

/// A new token: the secret, shown this once, and its view.
#[derive(Debug)]
pub struct NewApiTokenOutcome {
    pub token: String,
    pub view: ApiTokenView,
}

impl Engine {
    fn token_view(&self, t: &ApiToken, owner: &str) -> ApiTokenView {
        ApiTokenView {
            id: t.id.as_str().to_string(),
            name: t.name.clone(),
            owner: owner.to_string(),
            role: t.role,
            prefix: t.prefix.clone(),
            created_at: Timestamp(t.created_at),
            expires_at: Timestamp(t.expires_at),
            last_used_at: t.last_used_at.map(Timestamp),
            revoked_at: t.revoked_at.map(Timestamp),
            active: t.is_active_at(self.now()),
        }
    }

    /// Makes a token for the signed-in user (not with a token: a token cannot mint tokens).
    pub async fn create_api_token(
        &self,
        principal: &Principal,
        input: NewApiTokenInput,
    ) -> Result<NewApiTokenOutcome, EngineError> {
        let actor = &principal.actor;
        let target = format!("{}/{}", principal.username, input.name.trim());
        self.audited(actor, "token.create", &target, async {
            if matches!(principal.via, Via::Token { .. }) {
                return Err(EngineError::Forbidden {
                    reason: "API tokens are made from a signed-in session, not with a token".into(),
                });
            }
            let name = input.name.trim();
            if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
                return Err(EngineError::invalid(
                    "name",
                    "must be 1 to 64 printable characters",
                ));
            }
            if !principal.role.includes(input.role) {
                return Err(EngineError::invalid(
                    "role",
                    format!(
                        "a token's role cannot be higher than your own ({})",
                        principal.role
                    ),
                ));
            }
            if !(1..=MAX_TOKEN_DAYS).contains(&input.expires_in_days) {
                return Err(EngineError::invalid(
                    "expires_in_days",
                    format!("must be 1 to {MAX_TOKEN_DAYS} days"),
                ));
            }
            let token = secrets::new_secret(TOKEN_PREFIX)?;
            let now = self.now();
            let stored = self
                .store
                .create_api_token(
                    NewApiToken {
                        id: ApiTokenId::parse(&uuid::Uuid::new_v4().to_string())?,
                        user_id: principal.user_id.clone(),
                        name: name.to_string(),
                        role: input.role,
                        token_hash: secrets::digest(&token),
                        prefix: token.chars().take(TOKEN_PREFIX.len() + 6).collect(),
                        created_at: now,
                        expires_at: now + input.expires_in_days * 86_400,
                    },
                    Some(self.audit(
                        actor,
                        "token.create",
                        &format!("{}/{name}", principal.username),
                        "succeeded",
                        json!({"role": input.role, "expires_in_days": input.expires_in_days}),
                    )),
                )
                .await
                .map_err(|e| match e {
                    certkeep_store::StoreError::Conflict { .. } => EngineError::Conflict {
                        what: format!("a token named '{name}'"),
                    },
                    other => other.into(),
                })?;
            let view = self.token_view(&stored, &principal.username);
            Ok(NewApiTokenOutcome { token, view })
        })
        .await
    }

    /// Tokens of the principal's user; an admin may list everyone's (`all`).
    pub async fn list_api_tokens(
        &self,
        principal: &Principal,
        all: bool,
    ) -> Result<Vec<ApiTokenView>, EngineError> {
        if all {
            principal.require(Role::Admin)?;
        }
        let users: std::collections::HashMap<String, String> = self
            .store
            .list_users()
            .await?
            .into_iter()
            .map(|u| (u.id.as_str().to_string(), u.username))
            .collect();
        let tokens = self
            .store
            .list_api_tokens((!all).then_some(&principal.user_id))
            .await?;
        Ok(tokens
            .iter()
            .map(|t| {
                let owner = users.get(t.user_id.as_str()).map_or("?", String::as_str);
                self.token_view(t, owner)
            })
            .collect())
    }

    /// Revokes a token: one's own, or anyone's for an admin.
    pub async fn revoke_api_token(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<ApiTokenView, EngineError> {
        let actor = &principal.actor;
        self.audited(actor, "token.revoke", id, async {
            let not_found = || EngineError::NotFound {
                what: format!("API token {id}"),
            };
            let token_id = ApiTokenId::parse(id).map_err(|_| not_found())?;
            let token = self
                .store
                .find_api_token(&token_id)
                .await?
                .ok_or_else(not_found)?;
            if token.user_id != principal.user_id && !principal.role.includes(Role::Admin) {
                return Err(not_found());
            }
            let revoked = self
                .store
                .revoke_api_token(
                    &token_id,
                    self.now(),
                    Some(self.audit(
                        actor,
                        "token.revoke",
                        &token.name,
                        "succeeded",
                        json!({"token_id": id}),
                    )),
                )
                .await?;
            let owner = self
                .store
                .find_user(&token.user_id)
                .await?
                .map(|u| u.username)
                .unwrap_or_default();
            Ok(self.token_view(&revoked, &owner))
        })
        .await
    }

    /// The principal of a bearer token, if it is active and its user enabled. Its role is
    /// the lower of the token's and the user's current role.
    pub async fn authenticate_token(&self, token: &str) -> Result<Option<Principal>, EngineError> {
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
            return Ok(None);
        }
        let now = self.now();
        let Some((t, user)) = self
            .store
            .find_api_token_with_user(&secrets::digest(token))
            .await?
        else {
            return Ok(None);
        };
        if !t.is_active_at(now) {
            return Ok(None);
        }
        let Some(user) = user else {
            return Ok(None);
        };
        if user.disabled {
            return Ok(None);
        }
        if t.last_used_at.is_none_or(|last| now - last >= 60) {
            self.store.touch_api_token(&t.id, now).await?;
        }
        Ok(Some(Principal {
            actor: Actor::ApiToken {
                id: t.id.as_str().to_string(),
                owner: user.username.clone(),
            },
            user_id: user.id,
            username: user.username,
            role: t.role.min(user.role),
            must_change_password: false,
            via: Via::Token {
                id: t.id.as_str().to_string(),
            },
        }))
    }
}
