//! Running a job: recorded, spawned, heartbeated with its progress, finished with its outcome
//! (or its error). The work runs on the runtime, so the caller gets the job at once.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use certkeep_store::{JobId, JobStatus, NewJob};
use serde_json::json;

use super::{HEARTBEAT_SECS, JobProgress, JobResult, JobView};
use crate::{Actor, Engine, EngineError};

impl Engine {
    /// Records a job and runs `work` in the background. Returns the job as recorded.
    pub(crate) async fn spawn_job<F, Fut>(
        self: &Arc<Self>,
        actor: &Actor,
        kind: &str,
        parameters: serde_json::Value,
        work: F,
    ) -> Result<JobView, EngineError>
    where
        F: FnOnce(Arc<Engine>, Actor, JobProgress) -> Fut + Send + 'static,
        Fut: Future<Output = Result<JobResult, EngineError>> + Send + 'static,
    {
        let id = JobId::parse(&uuid::Uuid::new_v4().to_string())?;
        let now = self.now();
        self.store
            .create_job(NewJob {
                id: id.clone(),
                kind: kind.to_string(),
                requested_by: actor.audit_name(),
                parameters,
                created_at: now,
                instance: self.job_instance(),
            })
            .await?;
        let job = self.store.start_job(&id, &self.job_instance(), now).await?;
        let engine = self.clone();
        let actor = actor.clone();
        let kind = kind.to_string();
        let job_id = id.as_str().to_string();
        let handle = tokio::spawn(async move {
            let progress = JobProgress::default();
            // The heartbeat writes from a task of its own: written inside this task (a select!
            // arm), it would stop polling the work while waiting for the database, and a
            // work holding SQLite's one write connection would then never let it go (the
            // write pool's 30 s timeout was the only way out).
            let beat = {
                let (engine, id, progress) = (engine.clone(), id.clone(), progress.clone());
                tokio::spawn(async move {
                    let mut every = tokio::time::interval(Duration::from_secs(HEARTBEAT_SECS));
                    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                    every.tick().await;
                    loop {
                        every.tick().await;
                        engine.write_progress(&id, &progress).await;
                    }
                })
            };
            let result = work(engine.clone(), actor, progress.clone()).await;
            beat.abort();
            let _ = beat.await;
            engine.write_progress(&id, &progress).await;
            let (status, outcome, error) = match result {
                Ok(r) => (r.status(), Some(r.outcome), None),
                Err(e) => (JobStatus::Failed, None, Some(e.to_string())),
            };
            if let Err(e) = engine
                .store
                .finish_job(&id, status, outcome, error, engine.now())
                .await
            {
                tracing::warn!(
                    "recording the end of {kind} job {} failed: {e}",
                    id.as_str()
                );
            }
            if let Ok(mut running) = engine.running_jobs.lock() {
                running.remove(id.as_str());
            }
        });
        if let Ok(mut running) = self.running_jobs.lock() {
            running.retain(|_, h| !h.is_finished());
            running.insert(job_id, handle);
        }
        Ok(JobView::from(&job))
    }

    /// At shutdown: lets this process's running jobs finish within `grace`, then stops the
    /// rest and marks them interrupted (their leases are taken over by the next holder, which
    /// sees this process gone). Returns (finished, interrupted).
    pub async fn stop_jobs(&self, grace: Duration) -> (usize, usize) {
        let handles: Vec<(String, tokio::task::JoinHandle<()>)> = match self.running_jobs.lock() {
            Ok(mut running) => running.drain().collect(),
            Err(_) => Vec::new(),
        };
        let deadline = tokio::time::Instant::now() + grace;
        let (mut finished, mut interrupted) = (0, 0);
        for (id, mut handle) in handles {
            match tokio::time::timeout_at(deadline, &mut handle).await {
                Ok(_) => finished += 1,
                Err(_) => {
                    handle.abort();
                    interrupted += 1;
                    if let Ok(job_id) = JobId::parse(&id) {
                        let _ = self
                            .store
                            .finish_job(
                                &job_id,
                                JobStatus::Interrupted,
                                None,
                                Some("interrupted: the server stopped before it finished".into()),
                                self.now(),
                            )
                            .await;
                    }
                }
            }
        }
        (finished, interrupted)
    }

    async fn write_progress(&self, id: &JobId, p: &JobProgress) {
        let (done, total) = (p.done() as i64, p.total() as i64);
        if let Err(e) = self
            .store
            .update_job_progress(id, done, total.max(done), self.now())
            .await
        {
            tracing::warn!("recording the progress of job {} failed: {e}", id.as_str());
        }
    }

    /// How jobs name the instance running them: its id and process, so that a job of a
    /// process that died on this host is known at once.
    pub(crate) fn job_instance(&self) -> String {
        format!(
            "{} ({}, jobs)",
            self.instance_id(),
            crate::lease::this_process()
        )
    }

    /// Marks interrupted the open jobs whose instance stopped: its process is gone (on this
    /// host), or it has not heartbeated for a minute. Returns how many.
    pub async fn interrupt_stale_jobs(&self) -> Result<usize, EngineError> {
        let now = self.now();
        let mut interrupted = 0;
        let open = self
            .store
            .job_page(
                &certkeep_store::JobFilter {
                    status: Some(JobStatus::Running),
                    ..Default::default()
                },
                certkeep_store::PageRequest::new(0, 1000),
            )
            .await?;
        for job in open.items {
            if crate::lease::holder_is_dead(&job.instance) {
                let error = format!("interrupted: its instance ({}) stopped", job.instance);
                if self
                    .store
                    .finish_job(&job.id, JobStatus::Interrupted, None, Some(error), now)
                    .await
                    .is_ok()
                {
                    interrupted += 1;
                }
            }
        }
        interrupted += self
            .store
            .interrupt_stale_jobs(now - super::STALE_AFTER_SECS, now)
            .await?;
        Ok(interrupted)
    }

    /// The job `id`.
    pub async fn show_job(&self, id: &str) -> Result<JobView, EngineError> {
        let not_found = || EngineError::NotFound {
            what: format!("job {id}"),
        };
        let job_id = JobId::parse(id).map_err(|_| not_found())?;
        let job = self.store.find_job(&job_id).await?.ok_or_else(not_found)?;
        Ok(JobView::from(&job))
    }
}

/// A job's outcome from per-item results that say whether they failed.
pub(super) fn result_of<T: serde::Serialize>(
    items: &[T],
    failed: impl Fn(&T) -> bool,
) -> JobResult {
    JobResult {
        outcome: serde_json::to_value(items).unwrap_or_else(|e| json!({"error": e.to_string()})),
        failed: items.iter().filter(|i| failed(i)).count(),
        total: items.len(),
    }
}
