//! What every page shares: the frame (title, navigation, the user, the CSRF token, asset
//! URLs), HTML answers that are never cached, and errors shown as pages.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use certkeep_engine::EngineError;
use certkeep_engine::access::Role;

use super::statics;
use super::viewer::Viewer;
use crate::error::ApiError;

/// The frame of a page.
pub(crate) struct Layout {
    pub(crate) title: String,
    /// The navigation entry to mark as current.
    pub(crate) nav: &'static str,
    pub(crate) username: Option<String>,
    pub(crate) role: String,
    pub(crate) csrf: String,
    pub(crate) can_operate: bool,
    pub(crate) is_admin: bool,
    pub(crate) css: String,
    pub(crate) js: String,
    pub(crate) htmx: String,
    pub(crate) icon: String,
}

impl Layout {
    fn base(title: String, nav: &'static str) -> Self {
        Self {
            title,
            nav,
            username: None,
            role: String::new(),
            csrf: String::new(),
            can_operate: false,
            is_admin: false,
            css: statics::url("certkeep.css"),
            js: statics::url("certkeep.js"),
            htmx: statics::url("htmx.js"),
            icon: statics::url("favicon.svg"),
        }
    }

    /// A page for someone not signed in (sign-in, errors before sign-in).
    pub(crate) fn anonymous(title: impl Into<String>) -> Self {
        Self::base(title.into(), "")
    }

    pub(super) fn signed_in(v: &Viewer, title: String, nav: &'static str) -> Self {
        let must_change = v.principal.must_change_password;
        Self {
            username: Some(v.principal.username.clone()),
            role: v.principal.role.to_string(),
            csrf: v.csrf.clone(),
            can_operate: v.can(Role::Operator),
            is_admin: v.can(Role::Admin),
            // Until the one-time password is changed there is nowhere else to go.
            nav: if must_change { "password" } else { nav },
            ..Self::base(title, nav)
        }
    }

    /// Whether navigation entry `name` is the current one.
    pub(crate) fn is(&self, name: &str) -> bool {
        self.nav == name
    }
}

/// A rendered page, never cached (it shows the inventory and the user).
pub(crate) fn html(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => {
            let mut resp = (status, axum::response::Html(body)).into_response();
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        Err(e) => ApiError::internal("rendering a page", &e).into_response(),
    }
}

/// A page's failure: a redirect (to sign in, to change the password) or an error page.
#[derive(Debug)]
pub(crate) enum PageError {
    Redirect(String),
    Shown { status: StatusCode, message: String },
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    reason: &'static str,
    message: String,
}

impl PageError {
    pub(crate) fn redirect(to: impl Into<String>) -> Self {
        Self::Redirect(to.into())
    }

    /// To the sign-in page, coming back to `here` afterwards.
    pub(crate) fn sign_in(here: &str) -> Self {
        let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
        Self::Redirect(format!("/login?next={next}"))
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::Shown {
            status: StatusCode::FORBIDDEN,
            message: message.into(),
        }
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::Shown {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::Shown {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// An engine failure as the API would answer it (internals logged, never shown).
    pub(crate) fn from_engine(e: EngineError) -> Self {
        Self::from_api(ApiError::from(e))
    }

    pub(crate) fn from_api(e: ApiError) -> Self {
        let message = match &e.field {
            Some(f) if e.code == "invalid_input" => format!("{f}: {}", e.message),
            _ => e.message,
        };
        Self::Shown {
            status: e.status,
            message,
        }
    }
}

impl From<EngineError> for PageError {
    fn from(e: EngineError) -> Self {
        Self::from_engine(e)
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        Self::from_api(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            // 303: a form post becomes a GET of the target.
            Self::Redirect(to) => Redirect::to(&to).into_response(),
            Self::Shown { status, message } => html(
                status,
                &ErrorPage {
                    layout: Layout::anonymous(status.canonical_reason().unwrap_or("Error")),
                    status: status.as_u16(),
                    reason: status.canonical_reason().unwrap_or("Error"),
                    message,
                },
            ),
        }
    }
}

/// A page handler's result.
pub(crate) type PageResult = Result<Response, PageError>;

/// `s` as one percent-encoded path segment (spaces as `%20`).
pub(crate) fn path_segment(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// "credential/vault" of every vault still present in Azure, for a page's vault choice.
pub(crate) async fn vault_keys(st: &crate::state::AppState) -> Result<Vec<String>, PageError> {
    Ok(st
        .engine
        .list_vaults(None)
        .await?
        .into_iter()
        .filter(|v| !v.missing)
        .map(|v| format!("{}/{}", v.credential, v.name))
        .collect())
}
