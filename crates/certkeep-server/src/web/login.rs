//! Signing in and out of the pages, and changing one's password (forced for the one-time
//! admin password). The engine does the work, exactly as for `POST /api/v1/session`.

use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::form::{CsrfForm, PageForm};
use super::page::{Layout, PageError, PageResult, html};
use super::viewer::{Viewer, same_origin};
use crate::auth::{client_info, csrf_cookie, session_cookie};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    next: String,
    username: String,
    problem: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct NextParam {
    next: String,
}

/// Only a path on this server (not `//elsewhere`, not a URL): no open redirect.
fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/dashboard"
    }
}

pub(crate) async fn form(Query(p): Query<NextParam>) -> Response {
    login_page(StatusCode::OK, safe_next(&p.next), "", None)
}

fn login_page(status: StatusCode, next: &str, username: &str, problem: Option<String>) -> Response {
    html(
        status,
        &LoginPage {
            layout: Layout::anonymous("Sign in"),
            next: next.to_string(),
            username: username.to_string(),
            problem,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
    next: String,
}

pub(crate) async fn submit(State(st): State<AppState>, req: Request) -> PageResult {
    let client = client_info(&st, &req);
    if !same_origin(req.headers()) {
        return Err(PageError::forbidden(
            "the sign-in form came from another site",
        ));
    }
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let PageForm(f) = PageForm::<LoginForm>::from_request_inner(req).await?;
    let next = safe_next(&f.next).to_string();
    if f.username.trim().is_empty() || f.password.is_empty() {
        let problem = "enter your user name and password".to_string();
        return Ok(login_page(
            StatusCode::BAD_REQUEST,
            &next,
            &f.username,
            Some(problem),
        ));
    }
    let addr = client.addr.map(|a| a.to_string());
    let outcome = st
        .engine
        .login(
            &f.username,
            &f.password,
            addr.as_deref(),
            user_agent.as_deref(),
            st.sessions(),
            st.throttle(),
        )
        .await;
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            let e = ApiError::from(e);
            let mut resp = login_page(e.status, &next, &f.username, Some(e.message));
            if let Some(secs) = e.retry_after
                && let Ok(v) = HeaderValue::from_str(&secs.to_string())
            {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Ok(resp);
        }
    };
    let to = if outcome.principal.must_change_password {
        "/password"
    } else {
        &next
    };
    let max_age = st.settings.session_absolute_secs;
    let mut resp = Redirect::to(to).into_response();
    let h = resp.headers_mut();
    for c in [
        session_cookie(client.https, &outcome.session_token, max_age),
        csrf_cookie(client.https, &outcome.csrf_token, max_age),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    Ok(resp)
}

pub(crate) async fn logout(
    State(st): State<AppState>,
    viewer: Viewer,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult {
    viewer.check_form(&f.csrf)?;
    st.engine.logout(&viewer.principal).await?;
    let mut resp = Redirect::to("/login").into_response();
    let h = resp.headers_mut();
    for c in [
        session_cookie(viewer.https, "", 0),
        csrf_cookie(viewer.https, "", 0),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    Ok(resp)
}

/// One password field of the form.
struct PasswordField {
    name: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    layout: Layout,
    forced: bool,
    problem: Option<String>,
    fields: Vec<PasswordField>,
}

fn password_page(
    viewer: &Viewer,
    status: StatusCode,
    errors: &[(&str, String)],
    problem: Option<String>,
) -> Response {
    let field = |name, label, autocomplete| PasswordField {
        name,
        label,
        autocomplete,
        error: errors
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, m)| m.clone()),
    };
    html(
        status,
        &PasswordPage {
            layout: viewer.layout("Change password", "password"),
            forced: viewer.principal.must_change_password,
            problem,
            fields: vec![
                field("current_password", "Current password", "current-password"),
                field("new_password", "New password", "new-password"),
                field("confirm_password", "New password again", "new-password"),
            ],
        },
    )
}

pub(crate) async fn password_form(viewer: Viewer) -> Response {
    password_page(&viewer, StatusCode::OK, &[], None)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
    confirm_password: String,
}

pub(crate) async fn change_password(
    State(st): State<AppState>,
    viewer: Viewer,
    PageForm(f): PageForm<PasswordForm>,
) -> PageResult {
    viewer.check_form(&f.csrf)?;
    let mut errors = Vec::new();
    if f.current_password.is_empty() {
        errors.push((
            "current_password",
            "enter your current password".to_string(),
        ));
    }
    if f.new_password != f.confirm_password {
        errors.push((
            "confirm_password",
            "does not match the new password".to_string(),
        ));
    }
    if !errors.is_empty() {
        return Ok(password_page(
            &viewer,
            StatusCode::BAD_REQUEST,
            &errors,
            None,
        ));
    }
    match st
        .engine
        .change_own_password(&viewer.principal, &f.current_password, &f.new_password)
        .await
    {
        Ok(()) => Ok(Redirect::to("/dashboard").into_response()),
        Err(e) => {
            let e = ApiError::from(e);
            let errors: Vec<(&str, String)> = match e.field.as_deref() {
                Some("current_password") => vec![("current_password", e.message.clone())],
                Some(_) => vec![("new_password", e.message.clone())],
                None => Vec::new(),
            };
            let problem = errors.is_empty().then(|| e.message.clone());
            Ok(password_page(&viewer, e.status, &errors, problem))
        }
    }
}
