//! Lets the first call of a new Key Vault client go alone. The SDK learns a vault's token scope
//! from the 401 challenge answering its first, unauthenticated request; calls started before
//! that answer would each be sent twice (bare, then authorized), spending the budget twice.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Default)]
pub(crate) struct FirstCall {
    done: AtomicBool,
    lock: tokio::sync::Mutex<()>,
}

impl FirstCall {
    /// Runs `call`; until one call has finished (whatever its outcome), callers go one at a time.
    pub(crate) async fn run<T>(&self, call: impl Future<Output = T>) -> T {
        if self.done.load(Ordering::Acquire) {
            return call.await;
        }
        let guard = self.lock.lock().await;
        if self.done.load(Ordering::Acquire) {
            drop(guard);
            return call.await;
        }
        let out = call.await;
        self.done.store(true, Ordering::Release);
        drop(guard);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn only_the_first_call_goes_alone() {
        let first = Arc::new(FirstCall::default());
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let call = |first: Arc<FirstCall>, running: Arc<AtomicUsize>, peak: Arc<AtomicUsize>| async move {
            first
                .run(async {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
        };
        let start = tokio::time::Instant::now();
        let calls: Vec<_> = (0..5)
            .map(|_| tokio::spawn(call(first.clone(), running.clone(), peak.clone())))
            .collect();
        for c in calls {
            c.await.unwrap();
        }
        // 100 ms alone, then the other four together.
        assert_eq!(start.elapsed(), Duration::from_millis(200));
        assert_eq!(peak.load(Ordering::SeqCst), 4);
    }
}
