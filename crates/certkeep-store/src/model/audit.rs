//! Audit events: appended in the same transaction as the mutation they describe.
use crate::AuditEventId;

/// An audit event to append with a mutation.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAuditEvent {
    /// Who did it (user name, `system`, ...).
    pub actor: String,
    /// What was done (`credential.create`, `vault.sync`, ...).
    pub action: String,
    /// What it was done to (a name or id).
    pub target: String,
    /// `succeeded`, `failed`, `denied`, ...
    pub outcome: String,
    /// Anything else, as JSON. Store methods that count what they did add a `counts` (or
    /// `removed`) member when this is an object.
    pub detail: serde_json::Value,
}

/// A stored audit event.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEvent {
    /// Its id: the position in the chain.
    pub id: AuditEventId,
    /// Unix seconds.
    pub at: i64,
    /// Who did it.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// What it was done to.
    pub target: String,
    /// How it ended.
    pub outcome: String,
    /// The detail as stored.
    pub detail: serde_json::Value,
    /// The previous event's hash (64 zeros for the first event).
    pub prev_hash: String,
    /// Hex SHA-256 over `prev_hash` and this event's fields.
    pub hash: String,
}
