//! Who is looking at a page: the session cookie's principal, or a redirect to the sign-in
//! page. Until a one-time password is changed, every page redirects to the password form.
//! Forms carry the session's CSRF token (read back from the CSRF cookie set at sign-in) and
//! are refused without it, or when the browser says the form came from another origin.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use certkeep_engine::access::{Principal, Role, Via, secrets};

use super::page::{Layout, PageError};
use crate::auth::cookies::read;
use crate::auth::{client_info_of, csrf_cookie_name, session_cookie_name};
use crate::state::AppState;

/// The signed-in user of a page.
pub(crate) struct Viewer {
    pub(crate) principal: Principal,
    /// The session's CSRF token, for the page's forms (empty when the cookie is gone).
    pub(crate) csrf: String,
    pub(crate) https: bool,
    /// The browser's `Origin` (or none) matches this server.
    same_origin: bool,
}

impl Viewer {
    /// The page frame for this user.
    pub(crate) fn layout(&self, title: impl Into<String>, nav: &'static str) -> Layout {
        Layout::signed_in(self, title.into(), nav)
    }

    /// Whether the user's role includes `role` (pages hide actions they may not take).
    pub(crate) fn can(&self, role: Role) -> bool {
        !self.principal.must_change_password && self.principal.role.includes(role)
    }

    /// Refuses a form without the session's CSRF token, or sent from another origin.
    pub(crate) fn check_form(&self, sent_csrf: &str) -> Result<(), PageError> {
        let Via::Session { csrf_hash, .. } = &self.principal.via else {
            return Err(PageError::forbidden(
                "pages are used with a signed-in session",
            ));
        };
        if !self.same_origin
            || sent_csrf.is_empty()
            || !secrets::same_digest(&secrets::digest(sent_csrf), csrf_hash)
        {
            return Err(PageError::forbidden(
                "the form's security token is missing or out of date: reload the page and try again",
            ));
        }
        Ok(())
    }

    /// 403 unless the role includes `role`.
    pub(crate) fn require(&self, role: Role) -> Result<(), PageError> {
        self.principal
            .require(role)
            .map_err(|e| PageError::forbidden(e.to_string()))
    }
}

/// Whether the request's `Origin` header, when there is one, names this host.
pub(crate) fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let origin = origin.to_str().unwrap_or_default();
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .unwrap_or_default();
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, PageError> {
        let https = client_info_of(st, &parts.headers, &parts.extensions).https;
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let Some(token) = read(&parts.headers, session_cookie_name(https)) else {
            return Err(PageError::sign_in(&here));
        };
        let principal = st
            .engine
            .authenticate_session(&token, st.sessions())
            .await
            .map_err(PageError::from_engine)?
            .ok_or_else(|| PageError::sign_in(&here))?;
        if principal.must_change_password && parts.uri.path() != "/password" {
            return Err(PageError::redirect("/password"));
        }
        let csrf = match (
            &principal.via,
            read(&parts.headers, csrf_cookie_name(https)),
        ) {
            (Via::Session { csrf_hash, .. }, Some(c))
                if secrets::same_digest(&secrets::digest(&c), csrf_hash) =>
            {
                c
            }
            _ => String::new(),
        };
        Ok(Viewer {
            principal,
            csrf,
            https,
            same_origin: same_origin(&parts.headers),
        })
    }
}
