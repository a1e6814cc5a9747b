//! The emulator's clock: real time plus a warp offset that the admin API can advance.
//! Expiry, lifetime actions, pending operations and token lifetimes all read this clock.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall clock with an adjustable forward offset (time warp).
#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    /// Current emulator time in Unix seconds.
    pub fn now(&self) -> i64 {
        real_now() + self.offset_secs.load(Ordering::Relaxed)
    }

    /// Seconds the clock runs ahead of real time.
    pub fn offset(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }

    /// Moves the clock forward (time only ever runs forward, as in Azure).
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs.max(0), Ordering::Relaxed);
    }

    /// Returns to real time (used by reset).
    pub fn reset(&self) {
        self.offset_secs.store(0, Ordering::Relaxed);
    }
}

fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}
