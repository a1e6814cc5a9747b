//! Who may use the server: local users with roles, signed-in sessions, API tokens and the
//! login throttle. Passwords and bearer secrets never reach the store: it keeps argon2id hashes
//! and SHA-256 digests.

mod login;
pub mod password;
pub mod secrets;
mod tokens;
mod users;

pub use certkeep_store::Role;
pub use login::{LoginOutcome, SessionPolicy, ThrottlePolicy};
pub use tokens::{
    ApiTokenView, MAX_TOKEN_DAYS, NewApiTokenInput, NewApiTokenOutcome, TOKEN_PREFIX,
};
pub use users::{FIRST_ADMIN, NewUserInput, UserChange, UserView};

use crate::Actor;

/// How a request proved who it is.
#[derive(Debug, Clone)]
pub enum Via {
    /// A browser session (its id's digest, and the CSRF token's digest to check unsafe
    /// requests against).
    Session { id_hash: String, csrf_hash: String },
    /// An API token.
    Token { id: String },
}

/// The signed-in principal behind a request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub actor: Actor,
    pub user_id: certkeep_store::UserId,
    pub username: String,
    /// The user's role, or the token's (never higher than its owner's).
    pub role: Role,
    /// Only changing the password is allowed until it is changed.
    pub must_change_password: bool,
    pub via: Via,
}

impl Principal {
    /// Refuses unless the role includes `required`.
    pub fn require(&self, required: Role) -> Result<(), crate::EngineError> {
        if self.must_change_password {
            return Err(crate::EngineError::Forbidden {
                reason: "change your one-time password first (POST /api/v1/session/password)"
                    .into(),
            });
        }
        if self.role.includes(required) {
            Ok(())
        } else {
            Err(crate::EngineError::Forbidden {
                reason: format!(
                    "this needs the {required} role; {} has {}",
                    self.actor.audit_name(),
                    self.role
                ),
            })
        }
    }
}
