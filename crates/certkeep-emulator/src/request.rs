//! A request as the emulator's handlers see it: method, path, decoded query, headers, body.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method};

pub struct Req {
    pub method: Method,
    pub path: String,
    /// Query parameters with keys percent-decoded (`%24skiptoken` → `$skiptoken`,
    /// `api%2Dversion` → `api-version`), as some SDKs re-encode them.
    pub query: BTreeMap<String, String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Host name without port, lowercase.
    pub host: String,
}

impl Req {
    pub fn q(&self, key: &str) -> Option<&str> {
        self.query.get(key).map(String::as_str)
    }

    /// Path segments after the leading slash; a trailing slash leaves an empty last segment.
    pub fn segments(&self) -> Vec<&str> {
        self.path.trim_start_matches('/').split('/').collect()
    }
}

pub fn parse_query(query: Option<&str>) -> BTreeMap<String, String> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}
