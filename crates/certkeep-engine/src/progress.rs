//! Progress reporting for long use cases (the CLI draws bars on a terminal).

/// Receives progress; every method has a no-op default.
pub trait Progress: Send + Sync {
    /// A new phase with an expected number of steps (0 when unknown).
    fn phase(&self, _name: &str, _total: u64) {}
    /// Steps done in the current phase.
    fn advance(&self, _steps: u64) {}
}

/// Reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {}
