//! Admin: API tokens (everyone, for themselves: created with a role no higher than their own,
//! shown once, revoked), users and roles (admin: create with a one-time password, change the
//! role, disable, reset the password, delete), and the discovery schedule (shown to all,
//! changed by an admin for every instance, or reset to the configured one).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use certkeep_engine::access::{
    ApiTokenView, NewApiTokenInput, NewUserInput, Role, RoleView, UserChange, UserView,
};
use certkeep_engine::schedule_setting::{ScheduleInput, ScheduleValues};

use super::fields::{Field, place_errors};
use super::form::FormPairs;
use super::page::{Layout, PageError, PageResult, html};
use super::viewer::Viewer;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    layout: Layout,
    notice: Option<String>,
    problem: Option<String>,
    /// A token just made: shown this once.
    new_token: Option<String>,
    tokens: Vec<ApiTokenView>,
    token_fields: Vec<Field>,
    users: Vec<UserView>,
    user_fields: Vec<Field>,
    roles: Vec<RoleView>,
    role_names: [&'static str; 3],
    schedule: Vec<(&'static str, String)>,
    schedule_fields: Vec<Field>,
    /// Changed from Admin or the API (a reset goes back to the configuration).
    schedule_overridden: bool,
}

#[derive(Default)]
struct Shown {
    status: Option<StatusCode>,
    notice: Option<String>,
    problem: Option<String>,
    new_token: Option<String>,
    token_fields: Option<Vec<Field>>,
    user_fields: Option<Vec<Field>>,
    schedule_fields: Option<Vec<Field>>,
}

impl Shown {
    /// The page after an action: its notice, or its problem (with the field it names).
    fn of(outcome: Result<String, ApiError>) -> Self {
        match outcome {
            Ok(notice) => Self {
                notice: Some(notice),
                ..Default::default()
            },
            Err(e) => Self {
                status: Some(e.status),
                problem: Some(match &e.field {
                    Some(f) => format!("{f}: {}", e.message),
                    None => e.message,
                }),
                ..Default::default()
            },
        }
    }
}

fn role_options(up_to: Role) -> Vec<(String, String)> {
    ["auditor", "operator", "admin"]
        .into_iter()
        .filter(|r| Role::parse(r).is_ok_and(|r| up_to.includes(r)))
        .map(|r| (r.to_string(), r.to_string()))
        .collect()
}

fn token_fields(viewer: &Viewer, name: &str, role: &str, days: &str) -> Vec<Field> {
    vec![
        Field::text("token_name", "Token name", name)
            .help("what the token is for, e.g. the script's name"),
        Field::select(
            "token_role",
            "Role",
            role,
            role_options(viewer.principal.role),
        )
        .help("no higher than your own"),
        Field::text("expires_in_days", "Expires in (days)", days).help("1 to 366"),
    ]
}

fn user_fields(username: &str, role: &str) -> Vec<Field> {
    vec![
        Field::text("username", "User name", username),
        Field::select("role", "Role", role, role_options(Role::Admin)),
        Field::password("password", "One-time password")
            .help("12 characters or more; the user chooses their own at first sign-in"),
    ]
}

fn schedule_fields(discovery: &str, jitter: &str, poll: &str) -> Vec<Field> {
    vec![
        Field::text(
            "discovery_interval",
            "Discover each credential every",
            discovery,
        )
        .help("a number and a unit: 6h, 90m, 1d (10s to 30d)"),
        Field::text("jitter_percent", "Random delay added, up to (%)", jitter)
            .help("0 to 50: spreads credentials out"),
        Field::text("poll_interval", "Poll open requests every", poll).help("30s, 5m (1s to 1d)"),
    ]
}

fn schedule_fields_of(v: &ScheduleValues) -> Vec<Field> {
    schedule_fields(
        &v.discovery_interval,
        &v.jitter_percent.to_string(),
        &v.poll_interval,
    )
}

fn human_secs(secs: i64) -> String {
    match secs {
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

async fn admin_page(st: &AppState, viewer: &Viewer, shown: Shown) -> PageResult {
    let is_admin = viewer.can(Role::Admin);
    let tokens = st
        .engine
        .list_api_tokens(&viewer.principal, is_admin)
        .await?;
    let users = if is_admin {
        st.engine.list_users().await?
    } else {
        Vec::new()
    };
    let view = st.engine.schedule(&st.settings.schedule).await?;
    let s = &view.effective;
    let origin = match (&view.updated_by, view.updated_at) {
        (Some(by), Some(at)) => format!(
            "set by {by} at {} (the configuration says every {}, {}%, {})",
            certkeep_engine::views::Timestamp(at).minutes(),
            human_secs(view.configured.discovery_secs),
            view.configured.jitter_percent,
            human_secs(view.configured.poll_secs)
        ),
        _ => "the configuration".into(),
    };
    let schedule = vec![
        (
            "Scheduler in this instance",
            if st.settings.scheduler {
                "on".into()
            } else {
                "off (another instance, or cron, runs the jobs)".into()
            },
        ),
        (
            "Discovery of each credential, every",
            human_secs(s.discovery_secs),
        ),
        (
            "Random delay added, up to",
            format!("{}% of the interval", s.jitter_percent),
        ),
        ("Open requests polled, every", human_secs(s.poll_secs)),
        ("From", origin),
    ];
    Ok(html(
        shown.status.unwrap_or(StatusCode::OK),
        &AdminPage {
            layout: viewer.layout("Admin", "admin"),
            notice: shown.notice,
            problem: shown.problem,
            new_token: shown.new_token,
            tokens,
            token_fields: shown
                .token_fields
                .unwrap_or_else(|| token_fields(viewer, "", "auditor", "90")),
            users,
            user_fields: shown
                .user_fields
                .unwrap_or_else(|| user_fields("", "auditor")),
            roles: certkeep_engine::access::roles(),
            role_names: ["auditor", "operator", "admin"],
            schedule_fields: shown
                .schedule_fields
                .unwrap_or_else(|| schedule_fields_of(&view.effective)),
            schedule_overridden: view.source == "settings",
            schedule,
        },
    ))
}

pub(crate) async fn page(State(st): State<AppState>, viewer: Viewer) -> PageResult {
    viewer.require(Role::Auditor)?;
    admin_page(&st, &viewer, Shown::default()).await
}

pub(crate) async fn create_token(
    State(st): State<AppState>,
    viewer: Viewer,
    f: FormPairs,
) -> PageResult {
    viewer.check_form(f.get("csrf"))?;
    viewer.require(Role::Auditor)?;
    let (name, role, days) = (
        f.get("token_name"),
        f.get("token_role"),
        f.get("expires_in_days"),
    );
    let made = async {
        let role = Role::parse(role)
            .map_err(|_| ApiError::invalid("token_role", "must be admin, operator or auditor"))?;
        let days: i64 = days
            .trim()
            .parse()
            .map_err(|_| ApiError::invalid("expires_in_days", "must be a whole number of days"))?;
        let made = st
            .engine
            .create_api_token(
                &viewer.principal,
                NewApiTokenInput {
                    name: name.to_string(),
                    role,
                    expires_in_days: days,
                },
            )
            .await
            .map_err(|e| {
                // The engine names the API's fields; the form's are prefixed.
                let mut e = ApiError::from(e);
                e.field = e.field.map(|f| match f.as_str() {
                    "name" => "token_name".into(),
                    "role" => "token_role".into(),
                    _ => f,
                });
                e
            })?;
        Ok::<_, ApiError>(made)
    }
    .await;
    match made {
        Ok(made) => {
            let shown = Shown {
                notice: Some(format!(
                    "Token {} made ({}, until {}). Copy it now: it is not shown again.",
                    made.view.name,
                    made.view.role,
                    made.view.expires_at.minutes()
                )),
                new_token: Some(made.token),
                ..Default::default()
            };
            admin_page(&st, &viewer, shown).await
        }
        Err(e) => {
            let mut fields = token_fields(&viewer, name, role, days);
            let problem = place_errors(&mut fields, &e);
            admin_page(
                &st,
                &viewer,
                Shown {
                    status: Some(e.status),
                    problem,
                    token_fields: Some(fields),
                    ..Default::default()
                },
            )
            .await
        }
    }
}

pub(crate) async fn revoke_token(
    State(st): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    f: FormPairs,
) -> PageResult {
    viewer.check_form(f.get("csrf"))?;
    viewer.require(Role::Auditor)?;
    let outcome = st
        .engine
        .revoke_api_token(&viewer.principal, &id)
        .await
        .map(|t| format!("Token {} revoked: it no longer works", t.name))
        .map_err(ApiError::from);
    admin_page(&st, &viewer, Shown::of(outcome)).await
}

pub(crate) async fn create_user(
    State(st): State<AppState>,
    viewer: Viewer,
    f: FormPairs,
) -> PageResult {
    viewer.check_form(f.get("csrf"))?;
    viewer.require(Role::Admin)?;
    let (username, role) = (f.get("username"), f.get("role"));
    let made = async {
        let role = Role::parse(role)
            .map_err(|_| ApiError::invalid("role", "must be admin, operator or auditor"))?;
        let input = NewUserInput {
            username: username.to_string(),
            password: f.get("password").to_string().into(),
            role,
        };
        Ok::<_, ApiError>(
            st.engine
                .create_user(&viewer.principal.actor, input)
                .await?,
        )
    }
    .await;
    match made {
        Ok(u) => {
            let notice = format!(
                "User {} ({}) made: they choose their own password at first sign-in",
                u.username, u.role
            );
            admin_page(
                &st,
                &viewer,
                Shown {
                    notice: Some(notice),
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => {
            let mut fields = user_fields(username, role);
            let problem = place_errors(&mut fields, &e);
            admin_page(
                &st,
                &viewer,
                Shown {
                    status: Some(e.status),
                    problem,
                    user_fields: Some(fields),
                    ..Default::default()
                },
            )
            .await
        }
    }
}

/// A change of one user: `role`, `disable`, `enable`, `reset` (a new one-time password) or
/// `delete`.
pub(crate) async fn change_user(
    State(st): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
    f: FormPairs,
) -> PageResult {
    viewer.check_form(f.get("csrf"))?;
    viewer.require(Role::Admin)?;
    let actor = &viewer.principal.actor;
    let change = |c: UserChange| st.engine.change_user(actor, &id, c);
    let outcome: Result<String, ApiError> = match action.as_str() {
        "role" => match Role::parse(f.get("role")) {
            Ok(role) => change(UserChange {
                role: Some(role),
                disabled: None,
                reset_password: None,
            })
            .await
            .map(|u| format!("{} is now {}", u.username, u.role))
            .map_err(ApiError::from),
            Err(_) => Err(ApiError::invalid(
                "role",
                "must be admin, operator or auditor",
            )),
        },
        "disable" | "enable" => change(UserChange {
            role: None,
            disabled: Some(action == "disable"),
            reset_password: None,
        })
        .await
        .map(|u| {
            format!(
                "{} is {}",
                u.username,
                if u.disabled {
                    "disabled: their sessions and tokens stop working"
                } else {
                    "enabled"
                }
            )
        })
        .map_err(ApiError::from),
        "reset" => change(UserChange {
            role: None,
            disabled: None,
            reset_password: Some(f.get("password").to_string().into()),
        })
        .await
        .map(|u| {
            format!(
                "{} has a new one-time password and must change it at sign-in",
                u.username
            )
        })
        .map_err(ApiError::from),
        "delete" => st
            .engine
            .delete_user(actor, &id)
            .await
            .map(|()| "User deleted".to_string())
            .map_err(ApiError::from),
        other => return Err(PageError::not_found(format!("no user action '{other}'"))),
    };
    admin_page(&st, &viewer, Shown::of(outcome)).await
}

/// Sets the schedule for every instance (admin).
pub(crate) async fn set_schedule(
    State(st): State<AppState>,
    viewer: Viewer,
    f: FormPairs,
) -> PageResult {
    viewer.check_form(f.get("csrf"))?;
    viewer.require(Role::Admin)?;
    let (discovery, jitter, poll) = (
        f.get("discovery_interval"),
        f.get("jitter_percent"),
        f.get("poll_interval"),
    );
    let input = ScheduleInput {
        discovery_interval: discovery.to_string(),
        jitter_percent: jitter.to_string(),
        poll_interval: poll.to_string(),
    };
    let set = st
        .engine
        .set_schedule(&viewer.principal.actor, &st.settings.schedule, &input)
        .await;
    let shown = match set {
        Ok(v) => Shown {
            notice: Some(format!(
                "Schedule saved for every instance: discovery every {}, polling every {}",
                human_secs(v.effective.discovery_secs),
                human_secs(v.effective.poll_secs)
            )),
            ..Default::default()
        },
        Err(e) => {
            let e = ApiError::from(e);
            let mut fields = schedule_fields(discovery, jitter, poll);
            let problem = place_errors(&mut fields, &e);
            Shown {
                status: Some(e.status),
                problem,
                schedule_fields: Some(fields),
                ..Default::default()
            }
        }
    };
    admin_page(&st, &viewer, shown).await
}

/// Goes back to the configured schedule (admin).
pub(crate) async fn reset_schedule(
    State(st): State<AppState>,
    viewer: Viewer,
    f: FormPairs,
) -> PageResult {
    viewer.check_form(f.get("csrf"))?;
    viewer.require(Role::Admin)?;
    let outcome = st
        .engine
        .reset_schedule(&viewer.principal.actor, &st.settings.schedule)
        .await
        .map(|_| "Schedule reset to the configuration".to_string())
        .map_err(ApiError::from);
    admin_page(&st, &viewer, Shown::of(outcome)).await
}
