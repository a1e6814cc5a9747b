//! What the server runs by itself, once across all its instances: one instance leads (a lease
//! renewed every tick, taken over when it lapses or its process is gone), and each scheduled
//! run takes a slot lease that lasts its interval, so a run happens once per interval even
//! while two instances briefly both think they lead.

use std::sync::Arc;

use crate::jobs::{DiscoveryJob, JobView};
use crate::lease::this_process;
use crate::secret_discovery::SecretKind;
use crate::{Actor, Engine, EngineError, Scope};

/// The leader lease's name.
const LEADER: &str = "scheduler:leader";
/// The discovery slots' lease names: this, then the credential's id.
pub(crate) const DISCOVERY_SLOT_PREFIX: &str = "schedule:discovery:";
/// A leader that stops renewing loses the lease after this long.
pub const LEADER_TTL_SECS: i64 = 30;

/// How often things run.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Incremental discovery of certificates and TLS secrets, per credential.
    pub discovery_secs: i64,
    /// Up to this fraction of the interval is added at random, so credentials spread out.
    pub jitter: f64,
    /// A round over the open requests that are due.
    pub poll_secs: i64,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            discovery_secs: 6 * 3600,
            jitter: 0.1,
            poll_secs: 30,
        }
    }
}

impl Schedule {
    /// The longest a discovery slot lasts: the interval and all of its jitter (rounded, so a
    /// whole percent of a whole number of seconds comes out exact).
    pub(crate) fn longest_discovery_slot(&self) -> i64 {
        let jitter = (self.discovery_secs as f64 * self.jitter.clamp(0.0, 1.0)).round();
        self.discovery_secs + jitter as i64
    }
}

/// What one tick started.
#[derive(Debug, Default)]
pub struct Tick {
    pub leader: bool,
    pub started: Vec<JobView>,
    pub errors: Vec<String>,
}

fn random_fraction() -> f64 {
    let mut b = [0u8; 2];
    let _ = aws_lc_rs::rand::fill(&mut b);
    f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX)
}

impl Engine {
    fn leader_holder(&self) -> String {
        format!(
            "instance {} ({}, leader)",
            self.instance_id(),
            this_process()
        )
    }

    /// Takes or keeps the leadership; whether this instance leads.
    pub async fn lead(&self) -> Result<bool, EngineError> {
        let holder = self.leader_holder();
        let now = self.now();
        match self
            .store
            .acquire_lease(LEADER, &holder, now, LEADER_TTL_SECS)
            .await?
        {
            Ok(_) => Ok(true),
            Err(held) if crate::lease::holder_is_dead(&held.holder) => {
                tracing::warn!(
                    "scheduler leader '{}' no longer runs; taking over",
                    held.holder
                );
                self.store.release_lease(LEADER, &held.holder).await?;
                Ok(self
                    .store
                    .acquire_lease(LEADER, &holder, now, LEADER_TTL_SECS)
                    .await?
                    .is_ok())
            }
            Err(_) => Ok(false),
        }
    }

    /// Gives the leadership up (at shutdown), so another instance takes over at once.
    pub async fn resign(&self) {
        if let Err(e) = self
            .store
            .release_lease(LEADER, &self.leader_holder())
            .await
        {
            tracing::warn!("giving up the scheduler lease failed: {e}");
        }
    }

    /// Claims the slot `name` for `secs` (with jitter); false when its current slot is taken.
    async fn claim_slot(&self, name: &str, secs: i64, jitter: f64) -> Result<bool, EngineError> {
        let ttl = secs + (secs as f64 * jitter.clamp(0.0, 1.0) * random_fraction()) as i64;
        let holder = format!(
            "run {} ({}, slot)",
            &uuid::Uuid::new_v4().simple().to_string()[..12],
            this_process()
        );
        Ok(self
            .store
            .acquire_lease(name, &holder, self.now(), ttl.max(1))
            .await?
            .is_ok())
    }

    /// One scheduler tick: when this instance leads, starts what is due (discovery of each
    /// credential whose slot has lapsed, a poll round when requests are due), marks jobs of
    /// stopped instances interrupted and purges dead sessions.
    pub async fn scheduler_tick(
        self: &Arc<Self>,
        configured: &Schedule,
        sessions: crate::access::SessionPolicy,
    ) -> Tick {
        let mut tick = Tick::default();
        // Every instance heartbeats its own jobs, leader or not.
        if let Err(e) = self
            .store
            .heartbeat_jobs(&self.job_instance(), self.now())
            .await
        {
            tick.errors.push(format!("heartbeat: {e}"));
        }
        match self.lead().await {
            Ok(true) => tick.leader = true,
            Ok(false) => return tick,
            Err(e) => {
                tick.errors.push(format!("leadership: {e}"));
                return tick;
            }
        }
        // Changed from Admin or the API: read each tick, so every instance follows it.
        let schedule = &match self.effective_schedule(configured).await {
            Ok(s) => s,
            Err(e) => {
                tick.errors.push(format!("stored schedule: {e}"));
                *configured
            }
        };
        let actor = Actor::system("scheduler");
        if let Err(e) = self.interrupt_stale_jobs().await {
            tick.errors.push(format!("stale jobs: {e}"));
        }
        if let Err(e) = self.purge_sessions(sessions).await {
            tick.errors.push(format!("sessions: {e}"));
        }
        match self.store.list_credentials().await {
            Ok(credentials) => {
                for c in credentials {
                    let slot = format!("{DISCOVERY_SLOT_PREFIX}{}", c.id.as_str());
                    match self
                        .claim_slot(&slot, schedule.discovery_secs, schedule.jitter)
                        .await
                    {
                        Ok(true) => match self
                            .start_discovery(
                                &actor,
                                DiscoveryJob {
                                    scope: Scope {
                                        credential: Some(c.name.clone()),
                                        vault: None,
                                    },
                                    certificates: true,
                                    all_versions: true,
                                    secrets: Some(SecretKind::TlsOnly),
                                    add_certificates: false,
                                },
                            )
                            .await
                        {
                            Ok(job) => tick.started.push(job),
                            Err(e) => tick.errors.push(format!("discovery of {}: {e}", c.name)),
                        },
                        Ok(false) => {}
                        Err(e) => tick.errors.push(format!("slot {slot}: {e}")),
                    }
                }
            }
            Err(e) => tick.errors.push(format!("credentials: {e}")),
        }
        let due = self.store.requests_due(self.now(), 1).await;
        match due {
            Ok(d) if !d.is_empty() => {
                if let Ok(true) = self
                    .claim_slot("schedule:poll", schedule.poll_secs, 0.0)
                    .await
                {
                    match self.start_poll(&actor).await {
                        Ok(job) => tick.started.push(job),
                        Err(e) => tick.errors.push(format!("poll: {e}")),
                    }
                }
            }
            Ok(_) => {}
            Err(e) => tick.errors.push(format!("requests due: {e}")),
        }
        if !tick.errors.is_empty() {
            tracing::warn!(errors = ?tick.errors, "scheduler tick");
        }
        tick
    }
}
