//! Users: the first admin with a one-time password, and the admin's user management. Every
//! change is audited; the password hash never leaves the engine.

use certkeep_store::{NewUser, Role, User, UserId, UserUpdate};
use serde::Serialize;
use serde_json::json;

use super::password;
use crate::views::Timestamp;
use crate::{Actor, Engine, EngineError};

/// A user as front ends show it (no hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    /// `admin`, `operator` or `auditor`.
    #[schema(value_type = String)]
    pub role: Role,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: Timestamp,
    pub password_changed_at: Timestamp,
    pub last_login_at: Option<Timestamp>,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.as_str().to_string(),
            username: u.username.clone(),
            role: u.role,
            must_change_password: u.must_change_password,
            disabled: u.disabled,
            created_at: Timestamp(u.created_at),
            password_changed_at: Timestamp(u.password_changed_at),
            last_login_at: u.last_login_at.map(Timestamp),
        }
    }
}

/// A new user, as the admin typed it.
#[derive(Debug, Clone)]
pub struct NewUserInput {
    pub username: String,
    pub password: secrecy::SecretString,
    pub role: Role,
}

/// What an admin changes about a user.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// A new one-time password (the user must change it at the next login).
    pub reset_password: Option<secrecy::SecretString>,
}

/// The name of the first user.
pub const FIRST_ADMIN: &str = "admin";

fn check_username(name: &str) -> Result<String, EngineError> {
    let n = name.trim().to_ascii_lowercase();
    if n.is_empty() || n.len() > 64 {
        return Err(EngineError::invalid(
            "username",
            "must be 1 to 64 characters",
        ));
    }
    if !n
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(EngineError::invalid(
            "username",
            "may hold letters, digits and . _ - @ only",
        ));
    }
    Ok(n)
}

/// A one-time password: 20 random characters people can type.
fn one_time_password() -> Result<String, EngineError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| EngineError::invalid("password", "no randomness available"))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

impl Engine {
    /// On first start: when there is no user, creates `admin` with a one-time password and
    /// returns it (to be printed once; only its hash is kept). `None` when users exist.
    pub async fn bootstrap_admin(&self) -> Result<Option<String>, EngineError> {
        if self.store.count_users().await? > 0 {
            return Ok(None);
        }
        let password = one_time_password()?;
        let now = self.now();
        let actor = Actor::system("bootstrap");
        let created = self
            .store
            .create_user(
                NewUser {
                    id: UserId::parse(&uuid::Uuid::new_v4().to_string())?,
                    username: FIRST_ADMIN.into(),
                    password_hash: password::hash(&password)?,
                    role: Role::Admin,
                    must_change_password: true,
                },
                Some(self.audit(
                    &actor,
                    "user.create",
                    FIRST_ADMIN,
                    "succeeded",
                    json!({"role": "admin", "one_time_password": true}),
                )),
            )
            .await;
        let _ = now;
        match created {
            Ok(_) => Ok(Some(password)),
            // Another instance made it first.
            Err(certkeep_store::StoreError::Conflict { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn list_users(&self) -> Result<Vec<UserView>, EngineError> {
        Ok(self
            .store
            .list_users()
            .await?
            .iter()
            .map(UserView::from)
            .collect())
    }

    pub(crate) async fn user_by_id(&self, id: &str) -> Result<User, EngineError> {
        let parsed = UserId::parse(id).map_err(|_| EngineError::NotFound {
            what: format!("user {id}"),
        })?;
        self.store
            .find_user(&parsed)
            .await?
            .ok_or_else(|| EngineError::NotFound {
                what: format!("user {id}"),
            })
    }

    pub async fn show_user(&self, id: &str) -> Result<UserView, EngineError> {
        Ok(UserView::from(&self.user_by_id(id).await?))
    }

    /// Creates a user who must change the given password at first login.
    pub async fn create_user(
        &self,
        actor: &Actor,
        input: NewUserInput,
    ) -> Result<UserView, EngineError> {
        use secrecy::ExposeSecret as _;
        let target = input.username.trim().to_ascii_lowercase();
        self.audited(actor, "user.create", &target, async {
            let username = check_username(&input.username)?;
            password::check_new("password", input.password.expose_secret(), &username)?;
            let user = self
                .store
                .create_user(
                    NewUser {
                        id: UserId::parse(&uuid::Uuid::new_v4().to_string())?,
                        username: username.clone(),
                        password_hash: password::hash(input.password.expose_secret())?,
                        role: input.role,
                        must_change_password: true,
                    },
                    Some(self.audit(
                        actor,
                        "user.create",
                        &username,
                        "succeeded",
                        json!({"role": input.role}),
                    )),
                )
                .await
                .map_err(|e| match e {
                    certkeep_store::StoreError::Conflict { .. } => EngineError::Conflict {
                        what: format!("user '{username}'"),
                    },
                    other => other.into(),
                })?;
            Ok(UserView::from(&user))
        })
        .await
    }

    /// Changes a user's role, disables or enables them, or resets their password. Disabling
    /// or resetting ends their sessions. The last enabled admin cannot be demoted or disabled.
    pub async fn change_user(
        &self,
        actor: &Actor,
        id: &str,
        change: UserChange,
    ) -> Result<UserView, EngineError> {
        use secrecy::ExposeSecret as _;
        self.audited(actor, "user.update", id, async {
            let user = self.user_by_id(id).await?;
            let demotes =
                change.role.is_some_and(|r| r != Role::Admin) || change.disabled == Some(true);
            if user.role == Role::Admin && !user.disabled && demotes {
                let admins = self
                    .store
                    .list_users()
                    .await?
                    .iter()
                    .filter(|u| u.role == Role::Admin && !u.disabled)
                    .count();
                if admins <= 1 {
                    return Err(EngineError::Refused {
                        reason: format!("'{}' is the last enabled admin", user.username),
                    });
                }
            }
            let password_hash = match &change.reset_password {
                Some(p) => {
                    password::check_new("password", p.expose_secret(), &user.username)?;
                    Some(password::hash(p.expose_secret())?)
                }
                None => None,
            };
            let ends_sessions = change.disabled == Some(true) || password_hash.is_some();
            let updated = self
                .store
                .update_user(
                    &user.id,
                    UserUpdate {
                        must_change_password: password_hash.as_ref().map(|_| true),
                        password_hash,
                        role: change.role,
                        disabled: change.disabled,
                        last_login_at: None,
                    },
                    Some(self.audit(
                        actor,
                        "user.update",
                        &user.username,
                        "succeeded",
                        json!({
                            "role": change.role,
                            "disabled": change.disabled,
                            "password_reset": change.reset_password.is_some(),
                        }),
                    )),
                )
                .await?;
            if ends_sessions {
                self.store.delete_sessions_of_user(&user.id).await?;
                // A reset or a disabled account means the old credentials are not trusted:
                // the user's API tokens go with the sessions.
                for t in self.store.list_api_tokens(Some(&user.id)).await? {
                    if t.revoked_at.is_none() {
                        self.store.revoke_api_token(&t.id, self.now(), None).await?;
                    }
                }
            }
            Ok(UserView::from(&updated))
        })
        .await
    }

    /// Recovery from the host (`certkeep user reset-password`), for when no admin can sign in:
    /// gives the user a new one-time password (returned, to be printed once), enables them,
    /// and ends their sessions and API tokens. Audited as `actor`.
    pub async fn recover_user(&self, actor: &Actor, username: &str) -> Result<String, EngineError> {
        let name = check_username(username)?;
        let Some(user) = self.store.find_user_by_name(&name).await? else {
            return Err(EngineError::NotFound {
                what: format!("user '{name}'"),
            });
        };
        // A random password holds the user's name only by rare chance; draw again then.
        let mut password = one_time_password()?;
        while password::check_new("password", &password, &user.username).is_err() {
            password = one_time_password()?;
        }
        self.change_user(
            actor,
            user.id.as_str(),
            UserChange {
                disabled: Some(false),
                reset_password: Some(password.clone().into()),
                role: None,
            },
        )
        .await?;
        Ok(password)
    }

    /// Deletes a user with their sessions and tokens (not oneself, not the last admin).
    pub async fn delete_user(&self, actor: &Actor, id: &str) -> Result<(), EngineError> {
        self.audited(actor, "user.delete", id, async {
            let user = self.user_by_id(id).await?;
            let own = match actor {
                Actor::User { name } => name.eq_ignore_ascii_case(&user.username),
                Actor::ApiToken { owner, .. } => owner.eq_ignore_ascii_case(&user.username),
                _ => false,
            };
            if own {
                return Err(EngineError::Refused {
                    reason: "you cannot delete yourself".into(),
                });
            }
            if user.role == Role::Admin {
                let admins = self
                    .store
                    .list_users()
                    .await?
                    .iter()
                    .filter(|u| u.role == Role::Admin && !u.disabled)
                    .count();
                if admins <= 1 && !user.disabled {
                    return Err(EngineError::Refused {
                        reason: format!("'{}' is the last enabled admin", user.username),
                    });
                }
            }
            self.store
                .delete_user(
                    &user.id,
                    Some(self.audit(actor, "user.delete", &user.username, "succeeded", json!({}))),
                )
                .await?;
            Ok(())
        })
        .await
    }

    /// A user changes their own password (the current one is checked); other sessions end.
    pub async fn change_own_password(
        &self,
        principal: &super::Principal,
        current: &str,
        new: &str,
    ) -> Result<(), EngineError> {
        let actor = &principal.actor;
        self.audited(actor, "user.password", &principal.username, async {
            let user = self.user_by_id(principal.user_id.as_str()).await?;
            let (typed, hash) = (current.to_string(), user.password_hash.clone());
            let matches = tokio::task::spawn_blocking(move || password::verify(&typed, &hash))
                .await
                .unwrap_or(false);
            if !matches {
                return Err(EngineError::invalid(
                    "current_password",
                    "is not your current password",
                ));
            }
            if current == new {
                return Err(EngineError::invalid(
                    "new_password",
                    "must differ from the current password",
                ));
            }
            password::check_new("new_password", new, &user.username)?;
            self.store
                .update_user(
                    &user.id,
                    UserUpdate {
                        password_hash: Some(password::hash(new)?),
                        must_change_password: Some(false),
                        ..Default::default()
                    },
                    Some(self.audit(actor, "user.password", &user.username, "succeeded", json!({}))),
                )
                .await?;
            // Every other session of this user ends; this one stays.
            for s in self.store.list_sessions_of_user(&user.id).await? {
                let keep = matches!(&principal.via, super::Via::Session { id_hash, .. } if *id_hash == s.id_hash);
                if !keep {
                    self.store.delete_session(&s.id_hash).await?;
                }
            }
            Ok(())
        })
        .await
    }
}
