//! A running job's progress: counted in memory by the work (through the engine's `Progress`
//! trait), written to the store with the heartbeat every few seconds.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::Progress;

/// Shared between the work and the job's writer.
#[derive(Default, Clone)]
pub struct JobProgress {
    inner: Arc<Counts>,
}

#[derive(Default)]
struct Counts {
    done: AtomicU64,
    total: AtomicU64,
}

impl JobProgress {
    pub fn done(&self) -> u64 {
        self.inner.done.load(Ordering::Relaxed)
    }

    pub fn total(&self) -> u64 {
        self.inner.total.load(Ordering::Relaxed)
    }

    pub fn set_total(&self, total: u64) {
        self.inner.total.store(total, Ordering::Relaxed);
    }
}

impl Progress for JobProgress {
    /// Phases add up: a discovery of certificates then secrets counts both.
    fn phase(&self, _name: &str, total: u64) {
        self.inner.total.fetch_add(total, Ordering::Relaxed);
    }

    fn advance(&self, steps: u64) {
        self.inner.done.fetch_add(steps, Ordering::Relaxed);
    }
}
