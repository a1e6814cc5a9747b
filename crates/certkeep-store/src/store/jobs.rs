//! Background jobs: queued, started by one instance (a conditional update, so two instances
//! cannot both start a job), advanced with a heartbeat, finished once, and marked interrupted
//! when their instance stopped sending heartbeats.
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, UpdateMany,
};

use super::access_input::{NAME_MAX_CHARS, label};
use super::{Store, count};
use crate::entities::job;
use crate::model::job::{Job, JobFilter, JobStatus, NewJob};
use crate::model::page::{Page, PageRequest};
use crate::{JobId, StoreError, json};

/// The error an interrupted job gets.
pub const INTERRUPTED_ERROR: &str =
    "the server instance running this job stopped (no heartbeat) before it finished";

const OPEN: [&str; 2] = ["queued", "running"];

fn to_job(m: job::Model) -> Result<Job, StoreError> {
    Ok(Job {
        id: JobId::from_db(m.id),
        status: JobStatus::from_db(&m.status)?,
        parameters: json::decode(&m.parameters, "jobs.parameters")?,
        outcome: m
            .outcome
            .as_deref()
            .map(|o| json::decode(o, "jobs.outcome"))
            .transpose()?,
        kind: m.kind,
        requested_by: m.requested_by,
        created_at: m.created_at,
        started_at: m.started_at,
        finished_at: m.finished_at,
        done: m.done,
        total: m.total,
        error: m.error,
        instance: m.instance,
        heartbeat_at: m.heartbeat_at,
    })
}

fn not_found(id: &JobId) -> StoreError {
    StoreError::NotFound {
        entity: "job",
        key: id.to_string(),
    }
}

/// Runs `update` (already filtered to the job and the statuses it applies to) and returns the
/// job after it; when it changed nothing, the job is missing ([`StoreError::NotFound`]) or in
/// another status (`Invalid`, naming it and `expected`).
async fn update_job(
    txn: &DatabaseTransaction,
    id: &JobId,
    update: UpdateMany<job::Entity>,
    expected: &str,
) -> Result<Job, StoreError> {
    let changed = update.exec(txn).await?.rows_affected > 0;
    let Some(row) = job::Entity::find_by_id(id.as_str()).one(txn).await? else {
        return Err(not_found(id));
    };
    if !changed {
        return Err(StoreError::Invalid(format!(
            "job {id} is {}, not {expected}",
            row.status
        )));
    }
    to_job(row)
}

impl Store {
    /// Records a queued job (`done = total = 0`, heartbeat at `created_at`). A taken id is
    /// [`StoreError::Conflict`]; a blank kind, requester or instance (or one with control
    /// characters) is `Invalid`.
    pub async fn create_job(&self, new: NewJob) -> Result<Job, StoreError> {
        label("job kind", &new.kind, NAME_MAX_CHARS)?;
        label("job requester", &new.requested_by, 255)?;
        label("job instance", &new.instance, 255)?;
        let model = job::Model {
            id: new.id.as_str().to_string(),
            kind: new.kind,
            status: JobStatus::Queued.as_str().to_string(),
            requested_by: new.requested_by,
            parameters: json::encode(&new.parameters)?,
            created_at: new.created_at,
            started_at: None,
            finished_at: None,
            done: 0,
            total: 0,
            outcome: None,
            error: None,
            instance: new.instance,
            heartbeat_at: new.created_at,
        };
        let txn = self.begin_write().await?;
        if job::Entity::find_by_id(new.id.as_str()).count(&txn).await? > 0 {
            return Err(StoreError::Conflict {
                entity: "job",
                field: "id",
                value: new.id.to_string(),
            });
        }
        job::Entity::insert(job::ActiveModel::from(model.clone()))
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
        to_job(model)
    }

    /// The job with this id.
    pub async fn find_job(&self, id: &JobId) -> Result<Option<Job>, StoreError> {
        job::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await?
            .map(to_job)
            .transpose()
    }

    /// One page of the jobs matching `filter`, newest first (by `created_at`, then id).
    pub async fn job_page(
        &self,
        filter: &JobFilter,
        page: PageRequest,
    ) -> Result<Page<Job>, StoreError> {
        use job::Column as C;
        let page = page.clamped();
        // Stored kinds and requesters have no control characters: such a filter matches
        // nothing (and PostgreSQL could not even take a NUL as a parameter).
        let texts = [&filter.kind, &filter.requested_by];
        if texts.iter().any(|t| {
            t.as_deref()
                .is_some_and(|t| t.chars().any(char::is_control))
        }) {
            return Ok(Page {
                items: Vec::new(),
                total: 0,
                offset: page.offset,
                limit: page.limit,
            });
        }
        let mut cond = Condition::all();
        if let Some(kind) = &filter.kind {
            cond = cond.add(C::Kind.eq(kind.as_str()));
        }
        if let Some(status) = filter.status {
            cond = cond.add(C::Status.eq(status.as_str()));
        }
        if let Some(by) = &filter.requested_by {
            cond = cond.add(C::RequestedBy.eq(by.as_str()));
        }
        let query = job::Entity::find()
            .filter(cond)
            .order_by_desc(C::CreatedAt)
            .order_by_desc(C::Id);
        let (rows, total, page) = self.page_of(query, page).await?;
        Ok(Page {
            items: rows.into_iter().map(to_job).collect::<Result<_, _>>()?,
            total,
            offset: page.offset,
            limit: page.limit,
        })
    }

    /// Marks a queued job running on `instance` at `now` (`started_at`, heartbeat). Only a
    /// queued job starts: of two instances starting one job, one gets it and the other gets
    /// [`StoreError::Invalid`] (as does starting a job that runs or finished); a missing job
    /// is `NotFound`. Returns the stored job.
    pub async fn start_job(&self, id: &JobId, instance: &str, now: i64) -> Result<Job, StoreError> {
        use job::Column as C;
        label("job instance", instance, 255)?;
        let update = job::Entity::update_many()
            .col_expr(C::Status, Expr::value(JobStatus::Running.as_str()))
            .col_expr(C::Instance, Expr::value(instance))
            .col_expr(C::StartedAt, Expr::value(now))
            .col_expr(C::HeartbeatAt, Expr::value(now))
            .filter(C::Id.eq(id.as_str()))
            .filter(C::Status.eq(JobStatus::Queued.as_str()));
        let txn = self.begin_write().await?;
        let job = update_job(&txn, id, update, "queued").await?;
        txn.commit().await?;
        Ok(job)
    }

    /// Sets a running job's progress (`done` of `total` items) and its heartbeat to `now`. A
    /// job that is not running (an interrupted one: its worker should stop) is
    /// [`StoreError::Invalid`]; a missing one `NotFound`; negative counts are `Invalid`.
    pub async fn update_job_progress(
        &self,
        id: &JobId,
        done: i64,
        total: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        use job::Column as C;
        if done < 0 || total < 0 {
            return Err(StoreError::Invalid(format!(
                "job progress {done}/{total} is negative"
            )));
        }
        let update = job::Entity::update_many()
            .col_expr(C::Done, Expr::value(done))
            .col_expr(C::Total, Expr::value(total))
            .col_expr(C::HeartbeatAt, Expr::value(now))
            .filter(C::Id.eq(id.as_str()))
            .filter(C::Status.eq(JobStatus::Running.as_str()));
        let txn = self.begin_write().await?;
        update_job(&txn, id, update, "running").await?;
        txn.commit().await?;
        Ok(())
    }

    /// Finishes an open (queued or running) job with `status` (succeeded, partial, failed or
    /// interrupted; an open status is [`StoreError::Invalid`]) at `now`, with its outcome and
    /// error. A job already finished is `Invalid` (it keeps its first ending); a missing one
    /// `NotFound`. Returns the stored job.
    pub async fn finish_job(
        &self,
        id: &JobId,
        status: JobStatus,
        outcome: Option<serde_json::Value>,
        error: Option<String>,
        now: i64,
    ) -> Result<Job, StoreError> {
        use job::Column as C;
        if status.is_open() {
            return Err(StoreError::Invalid(format!(
                "a job cannot finish as {status}"
            )));
        }
        let outcome = outcome.as_ref().map(json::encode).transpose()?;
        // PostgreSQL text cannot hold a NUL.
        let error = error.map(|e| e.replace('\0', "\u{fffd}"));
        let update = job::Entity::update_many()
            .col_expr(C::Status, Expr::value(status.as_str()))
            .col_expr(C::Outcome, Expr::value(outcome))
            .col_expr(C::Error, Expr::value(error))
            .col_expr(C::FinishedAt, Expr::value(now))
            .col_expr(C::HeartbeatAt, Expr::value(now))
            .filter(C::Id.eq(id.as_str()))
            .filter(C::Status.is_in(OPEN));
        let txn = self.begin_write().await?;
        let job = update_job(&txn, id, update, "queued or running").await?;
        txn.commit().await?;
        Ok(job)
    }

    /// Sets the heartbeat of every open job of `instance` to `now` (an instance alive with jobs
    /// still queued calls this, so they are not taken for a stopped instance's); returns how
    /// many.
    pub async fn heartbeat_jobs(&self, instance: &str, now: i64) -> Result<usize, StoreError> {
        use job::Column as C;
        let updated = job::Entity::update_many()
            .col_expr(C::HeartbeatAt, Expr::value(now))
            .filter(C::Instance.eq(instance))
            .filter(C::Status.is_in(OPEN))
            .exec(&self.writer)
            .await?;
        Ok(count(updated.rows_affected))
    }

    /// Marks interrupted, finished at `now` with the error [`INTERRUPTED_ERROR`], every queued
    /// or running job whose heartbeat is older than `heartbeat_before`
    /// (`heartbeat_at < heartbeat_before`): its instance stopped. Returns how many.
    pub async fn interrupt_stale_jobs(
        &self,
        heartbeat_before: i64,
        now: i64,
    ) -> Result<usize, StoreError> {
        use job::Column as C;
        let updated = job::Entity::update_many()
            .col_expr(C::Status, Expr::value(JobStatus::Interrupted.as_str()))
            .col_expr(C::Error, Expr::value(INTERRUPTED_ERROR))
            .col_expr(C::FinishedAt, Expr::value(now))
            .filter(C::Status.is_in(OPEN))
            .filter(C::HeartbeatAt.lt(heartbeat_before))
            .exec(&self.writer)
            .await?;
        Ok(count(updated.rows_affected))
    }
}
