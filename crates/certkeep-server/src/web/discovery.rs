//! "Discovery » Azure": the form (Credential Name and Key Vault, "Import Previous Versions",
//! the Discovery Type for secrets, "Add discovered certificate type secrets to Certificates"),
//! started as a job; and a job's page, whose progress bar follows the job live (htmx polls a
//! fragment; without JavaScript the page has a refresh link) and can be left and come back to.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use certkeep_engine::Scope;
use certkeep_engine::access::Role;
use certkeep_engine::jobs::{DiscoveryJob, JobQuery, JobView};
use certkeep_engine::secret_discovery::SecretKind;
use certkeep_engine::views::PageRequest;
use serde::Deserialize;

use super::form::PageForm;
use super::page::{Layout, PageResult, html, vault_keys};
use super::viewer::Viewer;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "discovery.html")]
struct DiscoveryPage {
    layout: Layout,
    credentials: Vec<String>,
    /// "credential/vault".
    vaults: Vec<String>,
    f: DiscoveryForm,
    problem: Option<String>,
    jobs: Vec<JobView>,
}

#[derive(Deserialize, Clone)]
#[serde(default)]
pub(crate) struct DiscoveryForm {
    csrf: String,
    credential: String,
    /// "credential/vault", or empty for every vault of the credential(s).
    vault: String,
    /// Checkboxes: "true" when ticked, absent otherwise.
    certificates: Option<String>,
    all_versions: Option<String>,
    /// `none`, `tls_only` or `all`.
    secrets: String,
    add_certificates: Option<String>,
}

impl Default for DiscoveryForm {
    fn default() -> Self {
        Self {
            csrf: String::new(),
            credential: String::new(),
            vault: String::new(),
            certificates: Some("true".into()),
            all_versions: Some("true".into()),
            secrets: "none".into(),
            add_certificates: None,
        }
    }
}

async fn discovery_page(
    st: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    f: DiscoveryForm,
    problem: Option<String>,
) -> PageResult {
    let credentials = st
        .engine
        .list_credentials()
        .await?
        .into_iter()
        .map(|c| c.name)
        .collect();
    let vaults = vault_keys(st).await?;
    let jobs = st
        .engine
        .list_jobs(&JobQuery {
            kind: Some("discovery".into()),
            page: PageRequest::new(0, 10),
            ..Default::default()
        })
        .await?
        .items;
    Ok(html(
        status,
        &DiscoveryPage {
            layout: viewer.layout("Discovery", "discovery"),
            credentials,
            vaults,
            f,
            problem,
            jobs,
        },
    ))
}

pub(crate) async fn form(State(st): State<AppState>, viewer: Viewer) -> PageResult {
    viewer.require(Role::Auditor)?;
    discovery_page(&st, &viewer, StatusCode::OK, DiscoveryForm::default(), None).await
}

/// Starts the job and goes to its page.
pub(crate) async fn start(
    State(st): State<AppState>,
    viewer: Viewer,
    PageForm(f): PageForm<DiscoveryForm>,
) -> PageResult {
    viewer.check_form(&f.csrf)?;
    viewer.require(Role::Operator)?;
    let secrets = match f.secrets.as_str() {
        "" | "none" => None,
        "tls_only" => Some(SecretKind::TlsOnly),
        "all" => Some(SecretKind::All),
        _ => {
            let problem = "Discovery Type: must be none, TLS certificates only, or all".into();
            return discovery_page(&st, &viewer, StatusCode::BAD_REQUEST, f, Some(problem)).await;
        }
    };
    // A vault names its credential; a credential alone covers its vaults.
    let scope = match f.vault.split_once('/') {
        Some((c, v)) => Scope::vault(c.to_string(), v.to_string()),
        None if !f.credential.is_empty() => Scope {
            credential: Some(f.credential.clone()),
            vault: None,
        },
        None => Scope::default(),
    };
    let job = DiscoveryJob {
        scope,
        certificates: f.certificates.is_some(),
        all_versions: f.all_versions.is_some(),
        secrets,
        add_certificates: f.add_certificates.is_some(),
    };
    match st
        .engine
        .start_discovery(&viewer.principal.actor, job)
        .await
    {
        Ok(job) => Ok(Redirect::to(&format!("/jobs/{}", job.id)).into_response()),
        Err(e) => {
            let e = ApiError::from(e);
            let status = e.status;
            discovery_page(&st, &viewer, status, f, Some(e.message)).await
        }
    }
}

#[derive(Template)]
#[template(path = "job.html")]
struct JobPage {
    layout: Layout,
    /// Where the job was started from: (path, label).
    back: (&'static str, &'static str),
    job: JobView,
    outcome: String,
    rows: Vec<OutcomeRow>,
}

#[derive(Template)]
#[template(path = "job_progress.html")]
struct JobProgress {
    job: JobView,
    outcome: String,
    rows: Vec<OutcomeRow>,
}

/// One item of a finished job's outcome (a vault discovered, a certificate renewed).
pub(crate) struct OutcomeRow {
    pub(crate) item: String,
    /// `requested`, `completed`, `refused`, `failed`, `ok`.
    pub(crate) outcome: String,
    pub(crate) reason: String,
}

/// The outcome's items, when it is a list of objects (every job kind's is).
fn rows_of(job: &JobView) -> Vec<OutcomeRow> {
    let Some(items) = job.outcome.as_ref().and_then(|o| o.as_array()) else {
        return Vec::new();
    };
    let text =
        |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    items
        .iter()
        .map(|i| {
            let item = [text(i, "credential"), text(i, "vault"), text(i, "name")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("/");
            let error = text(i, "error");
            OutcomeRow {
                item,
                outcome: text(i, "outcome").unwrap_or_else(|| {
                    if error.is_some() {
                        "failed".into()
                    } else {
                        "ok".into()
                    }
                }),
                reason: text(i, "reason").or(error).unwrap_or_default(),
            }
        })
        .collect()
}

/// A finished job's outcome, pretty-printed (empty while it runs).
fn outcome_of(job: &JobView) -> String {
    job.outcome
        .as_ref()
        .map(|o| serde_json::to_string_pretty(o).unwrap_or_default())
        .unwrap_or_default()
}

fn is_running(job: &JobView) -> bool {
    matches!(job.status.as_str(), "queued" | "running")
}

impl JobProgress {
    fn running(&self) -> bool {
        is_running(&self.job)
    }
}

impl JobPage {
    fn running(&self) -> bool {
        is_running(&self.job)
    }
}

pub(crate) async fn job(
    State(st): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    viewer.require(Role::Auditor)?;
    let job = st.engine.show_job(&id).await?;
    let outcome = outcome_of(&job);
    let rows = rows_of(&job);
    let (nav, back) = match job.kind.as_str() {
        "discovery" => ("discovery", ("/discovery", "Discovery")),
        _ => ("certificates", ("/certificates", "Certificates")),
    };
    Ok(html(
        StatusCode::OK,
        &JobPage {
            layout: viewer.layout("Job", nav),
            back,
            job,
            outcome,
            rows,
        },
    ))
}

/// The progress fragment htmx swaps in every second while the job runs.
pub(crate) async fn progress(
    State(st): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    viewer.require(Role::Auditor)?;
    let job = st.engine.show_job(&id).await?;
    let outcome = outcome_of(&job);
    let rows = rows_of(&job);
    Ok(html(StatusCode::OK, &JobProgress { job, outcome, rows }))
}
