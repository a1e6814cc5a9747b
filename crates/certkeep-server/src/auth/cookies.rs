//! The session cookie: `__Host-certkeep_session` over HTTPS (Secure, HttpOnly,
//! SameSite=Strict, Path=/), and `certkeep_session` on plain-HTTP loopback, where a browser
//! would drop a `__Host-` cookie without Secure.

use axum::http::HeaderMap;
use axum::http::header;

pub const SESSION_COOKIE_HTTPS: &str = "__Host-certkeep_session";
pub const SESSION_COOKIE_HTTP: &str = "certkeep_session";

pub fn session_cookie_name(https: bool) -> &'static str {
    if https {
        SESSION_COOKIE_HTTPS
    } else {
        SESSION_COOKIE_HTTP
    }
}

/// The web pages' CSRF cookie: the session's CSRF token, which the server reads back to put in
/// its forms (HttpOnly like the session cookie: no script needs it).
pub fn csrf_cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-certkeep_csrf"
    } else {
        "certkeep_csrf"
    }
}

/// The `Set-Cookie` value for a session (`max_age` 0 clears it).
pub fn session_cookie(https: bool, value: &str, max_age: i64) -> String {
    cookie(session_cookie_name(https), https, value, max_age)
}

/// The `Set-Cookie` value for the web pages' CSRF cookie (`max_age` 0 clears it).
pub fn csrf_cookie(https: bool, value: &str, max_age: i64) -> String {
    cookie(csrf_cookie_name(https), https, value, max_age)
}

fn cookie(name: &str, https: bool, value: &str, max_age: i64) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}");
    if https {
        c.push_str("; Secure");
    }
    c
}

/// The value of cookie `name`.
pub(crate) fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}
