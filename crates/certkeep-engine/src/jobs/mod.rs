//! Long work as jobs: discovery, bulk renewal and request polling run in the background, each
//! recorded with its progress (done / total), heartbeat and outcome, so a front end answers at
//! once with the job and shows it until it ends. A job whose instance died (no heartbeat) is
//! marked interrupted.

mod progress;
mod run;
mod start;

pub use progress::JobProgress;
pub use start::{DiscoveryJob, JobQuery};

use certkeep_store::{Job, JobStatus};
use serde::Serialize;

use crate::views::Timestamp;

/// How often a running job writes its progress and heartbeat.
pub const HEARTBEAT_SECS: u64 = 2;
/// A job with no heartbeat for this long is interrupted (its instance stopped).
pub const STALE_AFTER_SECS: i64 = 60;

/// A job as front ends show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobView {
    pub id: String,
    /// `discovery`, `renew`, `poll`.
    pub kind: String,
    /// `queued`, `running`, `succeeded`, `partial`, `failed`, `interrupted`.
    #[schema(value_type = String)]
    pub status: JobStatus,
    pub requested_by: String,
    pub parameters: serde_json::Value,
    pub done: i64,
    pub total: i64,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// What the work returned (per-item results).
    pub outcome: Option<serde_json::Value>,
    pub error: Option<String>,
    pub instance: String,
}

impl From<&Job> for JobView {
    fn from(j: &Job) -> Self {
        Self {
            id: j.id.as_str().to_string(),
            kind: j.kind.clone(),
            status: j.status,
            requested_by: j.requested_by.clone(),
            parameters: j.parameters.clone(),
            done: j.done,
            total: j.total,
            created_at: Timestamp(j.created_at),
            started_at: j.started_at.map(Timestamp),
            finished_at: j.finished_at.map(Timestamp),
            outcome: j.outcome.clone(),
            error: j.error.clone(),
            instance: j.instance.clone(),
        }
    }
}

/// A job status from its name (`running`, ...).
pub fn parse_status(text: &str) -> Option<JobStatus> {
    JobStatus::parse(text).ok()
}

/// What a job's work returns: its outcome, and how many of its items failed.
#[derive(Debug)]
pub struct JobResult {
    pub outcome: serde_json::Value,
    pub failed: usize,
    pub total: usize,
}

impl JobResult {
    fn status(&self) -> JobStatus {
        match (self.failed, self.total) {
            (0, _) => JobStatus::Succeeded,
            (f, t) if f >= t => JobStatus::Failed,
            _ => JobStatus::Partial,
        }
    }
}
