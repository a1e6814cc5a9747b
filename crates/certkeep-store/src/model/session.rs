//! Signed-in browser sessions. The session id and the CSRF token are bearer secrets: the caller
//! sends them to the browser and gives the store only their SHA-256 hex digests, so a copy of
//! the database does not let anyone take over a session.
use crate::UserId;

/// The most characters of a user agent a session keeps (longer ones are cut).
pub const USER_AGENT_MAX_CHARS: usize = 200;

/// A session to store with [`Store::create_session`](crate::Store::create_session).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSession {
    /// Lowercase hex SHA-256 (64 digits) of the session id; the id itself is never stored.
    pub id_hash: String,
    /// Whose session it is.
    pub user_id: UserId,
    /// Lowercase hex SHA-256 (64 digits) of the CSRF token; the token itself is never stored.
    pub csrf_hash: String,
    /// Unix seconds; also the first `last_seen_at`.
    pub created_at: i64,
    /// The absolute expiry, Unix seconds, whatever the activity.
    pub expires_at: i64,
    /// The client's address, as the caller saw it.
    pub client_addr: Option<String>,
    /// The client's `User-Agent`; cut to [`USER_AGENT_MAX_CHARS`] characters.
    pub user_agent: Option<String>,
}

/// A stored session. Whether it is still valid (expiry, idle time, the user being enabled) is
/// for the caller to decide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Hex SHA-256 of the session id.
    pub id_hash: String,
    /// Whose session it is.
    pub user_id: UserId,
    /// Hex SHA-256 of the CSRF token.
    pub csrf_hash: String,
    /// Unix seconds.
    pub created_at: i64,
    /// The last request seen with it ([`Store::touch_session`](crate::Store::touch_session)).
    pub last_seen_at: i64,
    /// The absolute expiry, Unix seconds.
    pub expires_at: i64,
    /// The client's address at sign-in.
    pub client_addr: Option<String>,
    /// The client's `User-Agent` at sign-in (at most 200 characters).
    pub user_agent: Option<String>,
}

impl Session {
    /// Whether the session is usable at `now`: before its absolute expiry, and seen within
    /// `idle_timeout_secs`.
    pub fn is_live_at(&self, now: i64, idle_timeout_secs: i64) -> bool {
        now < self.expires_at && now < self.last_seen_at.saturating_add(idle_timeout_secs)
    }
}
