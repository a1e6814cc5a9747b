//! Failed sign-ins counted per key, for the caller's lockout policy.

/// The failures recorded under one key (`user:alice`, `addr:10.0.0.1`: the caller chooses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginThrottle {
    /// The key.
    pub key: String,
    /// Failures in the current window.
    pub failures: i64,
    /// The first failure of the current window, Unix seconds.
    pub first_failure_at: i64,
    /// The latest failure, Unix seconds.
    pub last_failure_at: i64,
    /// Sign-ins under this key are refused until then, when the caller set a lockout.
    pub locked_until: Option<i64>,
}

impl LoginThrottle {
    /// Whether a lockout is in force at `now`.
    pub fn is_locked_at(&self, now: i64) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }
}
