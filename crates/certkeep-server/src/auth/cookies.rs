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

/// The `Set-Cookie` value for a session (`max_age` 0 clears it).
pub fn session_cookie(https: bool, value: &str, max_age: i64) -> String {
    let mut c = format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}",
        session_cookie_name(https)
    );
    if https {
        c.push_str("; Secure");
    }
    c
}

/// The value of cookie `name`.
pub(super) fn read(headers: &HeaderMap, name: &str) -> Option<String> {
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
