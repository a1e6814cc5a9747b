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

/// A role and what it may do (for the admin screens and `GET /api/v1/roles`).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RoleView {
    pub name: &'static str,
    /// Higher includes lower: admin 3, operator 2, auditor 1.
    pub rank: u8,
    pub may: &'static str,
}

/// The three roles, highest first.
pub fn roles() -> Vec<RoleView> {
    Role::ALL
        .into_iter()
        .map(|r| RoleView {
            name: r.as_str(),
            rank: r.rank(),
            may: match r {
                Role::Admin => "everything: users, API tokens of anyone, Azure credentials, and all an operator may",
                Role::Operator => "discovery, vault and issuer sync, certificate requests, renewals, TLS secrets, deletes from Certkeep and exclusions, and all an auditor may",
                Role::Auditor => "read everything, the audit log included, and make API tokens for themselves; change nothing",
            },
        })
        .collect()
}

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
