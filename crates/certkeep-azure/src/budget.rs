//! A per-vault request budget: a token bucket that makes callers wait (async) instead of letting
//! Key Vault throttle them. Key Vault allows 4,000 requests per vault per 10 s; Certkeep spends at
//! most half of that by default, leaving the rest to the applications that use the vault.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// How many requests one vault may receive.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetConfig {
    /// Requests per `window` (the refill rate).
    pub requests: u32,
    pub window: Duration,
    /// Requests that may go out at once after a quiet spell (the bucket size); at most
    /// `burst + requests` can be seen in any one window.
    pub burst: u32,
}

impl Default for BudgetConfig {
    fn default() -> Self {
        Self::per_window(2_000, Duration::from_secs(10))
    }
}

impl BudgetConfig {
    /// `requests` per `window`, with a burst of the same size.
    pub fn per_window(requests: u32, window: Duration) -> Self {
        Self {
            requests,
            window,
            burst: requests,
        }
    }

    fn rate_per_sec(&self) -> f64 {
        f64::from(self.requests.max(1)) / self.window.as_secs_f64().max(0.001)
    }
}

/// The bucket. Every request reserves a token at once; when the bucket is empty the level goes
/// negative and the caller waits until its token would have been refilled, so waiting callers
/// are served in arrival order and the rate holds exactly.
#[derive(Debug)]
pub struct TokenBucket {
    capacity: f64,
    rate_per_sec: f64,
    level: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(config: &BudgetConfig, now: Instant) -> Self {
        let capacity = f64::from(config.burst.max(1));
        Self {
            capacity,
            rate_per_sec: config.rate_per_sec(),
            level: capacity,
            last: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.level = (self.level + elapsed * self.rate_per_sec).min(self.capacity);
        self.last = self.last.max(now);
    }

    /// Takes one token; returns how long the caller must wait before sending.
    pub fn reserve(&mut self, now: Instant) -> Duration {
        self.refill(now);
        self.level -= 1.0;
        if self.level >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.level / self.rate_per_sec)
        }
    }

    /// Makes every request reserved from now on wait at least `pause` (the service said
    /// `Retry-After`).
    pub fn pause(&mut self, now: Instant, pause: Duration) {
        self.refill(now);
        let debt = -(pause.as_secs_f64() * self.rate_per_sec);
        self.level = self.level.min(debt);
    }

    /// Tokens available now (negative: reservations waiting).
    pub fn level(&mut self, now: Instant) -> f64 {
        self.refill(now);
        self.level
    }
}

/// One vault's budget, shared by its clients.
#[derive(Debug, Clone)]
pub struct RequestBudget {
    bucket: Arc<Mutex<TokenBucket>>,
}

impl RequestBudget {
    pub fn new(config: &BudgetConfig) -> Self {
        Self {
            bucket: Arc::new(Mutex::new(TokenBucket::new(config, Instant::now()))),
        }
    }

    /// Waits until a request may be sent.
    pub async fn acquire(&self) {
        let wait = self.bucket.lock().await.reserve(Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Holds back every later request for `pause`.
    pub async fn pause(&self, pause: Duration) {
        self.bucket.lock().await.pause(Instant::now(), pause);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn defaults_are_half_of_key_vault() {
        let c = BudgetConfig::default();
        assert_eq!((c.requests, c.window, c.burst), (2_000, ms(10_000), 2_000));
        assert!((c.rate_per_sec() - 200.0).abs() < 1e-9);
    }

    #[test]
    fn burst_then_steady_rate() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(&BudgetConfig::per_window(10, ms(1_000)), t0);
        for _ in 0..10 {
            assert_eq!(b.reserve(t0), Duration::ZERO);
        }
        // Empty: the 11th waits one refill interval (100 ms), the 12th two, in arrival order.
        assert_eq!(b.reserve(t0), ms(100));
        assert_eq!(b.reserve(t0), ms(200));
        // 250 ms later: 2.5 tokens refilled, 2 owed → 0.5 in hand, so the next waits 50 ms.
        assert_eq!(b.reserve(t0 + ms(250)), ms(50));
    }

    #[test]
    fn refill_never_exceeds_the_burst() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(&BudgetConfig::per_window(10, ms(1_000)), t0);
        assert_eq!(b.reserve(t0), Duration::ZERO);
        assert!((b.level(t0 + ms(60_000)) - 10.0).abs() < 1e-9);
        let mut c = TokenBucket::new(
            &BudgetConfig {
                requests: 10,
                window: ms(1_000),
                burst: 3,
            },
            t0,
        );
        let waits: Vec<Duration> = (0..5).map(|_| c.reserve(t0)).collect();
        assert_eq!(
            waits,
            vec![
                Duration::ZERO,
                Duration::ZERO,
                Duration::ZERO,
                ms(100),
                ms(200)
            ]
        );
    }

    #[test]
    fn no_window_sees_more_than_burst_plus_rate() {
        // Simulate greedy callers: each sends as soon as its reservation allows.
        let t0 = Instant::now();
        let cfg = BudgetConfig::per_window(50, ms(1_000));
        let mut b = TokenBucket::new(&cfg, t0);
        let mut now = t0;
        let mut sends = Vec::new();
        for _ in 0..400 {
            now += b.reserve(now);
            sends.push(now);
        }
        for (i, start) in sends.iter().enumerate() {
            let in_window = sends[i..]
                .iter()
                .take_while(|t| **t < *start + ms(1_000))
                .count();
            assert!(in_window <= 100, "{in_window} sends in one window");
        }
        // And the long-run rate is the configured one: 400 sends ≈ 50 burst + 350 at 50/s = 7 s.
        let span = now.duration_since(t0).as_secs_f64();
        assert!((span - 7.0).abs() < 0.05, "{span}");
    }

    #[test]
    fn pause_holds_back_later_requests() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(&BudgetConfig::per_window(10, ms(1_000)), t0);
        b.pause(t0, ms(2_000));
        assert_eq!(b.reserve(t0), ms(2_100));
        // A pause shorter than the debt already owed changes nothing.
        b.pause(t0, ms(10));
        assert_eq!(b.reserve(t0), ms(2_200));
    }

    #[tokio::test(start_paused = true)]
    async fn acquire_sleeps_instead_of_sending() {
        let budget = RequestBudget::new(&BudgetConfig::per_window(5, ms(1_000)));
        let start = Instant::now();
        for _ in 0..15 {
            budget.acquire().await;
        }
        // 5 at once, then 10 more at 5/s.
        let waited = start.elapsed();
        assert!(waited >= ms(2_000) && waited < ms(2_100), "{waited:?}");
    }
}
