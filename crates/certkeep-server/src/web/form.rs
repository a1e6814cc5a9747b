//! Form posts (`application/x-www-form-urlencoded`), parsed so that a bad one gets an error
//! page that names the problem, never a bare rejection. Form structs default every field, so
//! a missing one reaches the handler's validation with its name.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use super::page::PageError;

/// The largest form (no page form carries a file).
pub(crate) const MAX_FORM_BYTES: usize = 64 * 1024;

pub(crate) struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(PageError::bad_request(
                "this form must be sent as application/x-www-form-urlencoded",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|_| {
            PageError::bad_request(format!("the form is larger than {MAX_FORM_BYTES} bytes"))
        })?;
        parse(&bytes).map(PageForm)
    }
}

impl<T: DeserializeOwned> PageForm<T> {
    /// The form of a request a handler already holds.
    pub(crate) async fn from_request_inner(req: Request) -> Result<Self, PageError> {
        <Self as FromRequest<()>>::from_request(req, &()).await
    }
}

/// A form that carries nothing but its CSRF token (sign-out, a confirmed removal).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub(crate) struct CsrfForm {
    pub(crate) csrf: String,
}

/// Parses a urlencoded form or query string, naming the field at fault.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, PageError> {
    if bytes.windows(3).any(|w| w.eq_ignore_ascii_case(b"%00")) {
        return Err(PageError::bad_request("a NUL character is not allowed"));
    }
    serde_urlencoded::from_bytes(bytes)
        .map_err(|e| PageError::bad_request(format!("the form could not be read: {e}")))
}

/// A form with repeated fields (the checkboxes of a bulk action), as its pairs in order.
pub(crate) struct FormPairs(pub(crate) Vec<(String, String)>);

impl FormPairs {
    /// The last value of `key`, or "".
    pub(crate) fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    /// Every value of `key`, in order, without repeats.
    pub(crate) fn all(&self, key: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (k, v) in &self.0 {
            if k == key && !out.contains(v) {
                out.push(v.clone());
            }
        }
        out
    }
}

impl<S: Send + Sync> FromRequest<S> for FormPairs {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        // The same checks as a typed form; the pairs need no serde.
        let PageForm(pairs) = PageForm::<Vec<(String, String)>>::from_request(req, state).await?;
        Ok(FormPairs(pairs))
    }
}
