//! Leases: named, expiring locks (one holder at a time), so that one worker handles a
//! certificate at a time across processes.

/// A lease held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// Its name (for example `certificate:{vault_id}:{name}`).
    pub name: String,
    /// Who holds it.
    pub holder: String,
    /// When the holder acquired it (kept on renewal), Unix seconds.
    pub acquired_at: i64,
    /// When it expires unless renewed, Unix seconds.
    pub expires_at: i64,
}

/// Why a lease was not acquired: someone else holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseHeld {
    /// Who holds it.
    pub holder: String,
    /// Since when, Unix seconds.
    pub since: i64,
    /// When it expires unless renewed.
    pub expires_at: i64,
}
