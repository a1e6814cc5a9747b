//! Multipart uploads (a PFX with its form, a merge file): the fields read into memory with a
//! size limit, each problem a 4xx naming the part.

use std::collections::BTreeMap;

use axum::extract::Multipart;
use axum::http::StatusCode;

use crate::error::ApiError;
use crate::extract::MAX_UPLOAD_BYTES;

/// A form's text fields and its one file.
#[derive(Default)]
pub(crate) struct Form {
    pub(crate) fields: BTreeMap<String, String>,
    pub(crate) file: Option<Vec<u8>>,
}

impl Form {
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.fields
            .get(name)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    pub(crate) fn flag(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.text(name) {
            None => Ok(None),
            Some("true" | "on" | "1") => Ok(Some(true)),
            Some("false" | "off" | "0") => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid(name.to_string(), "must be true or false")),
        }
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the upload is larger than the limit of {MAX_UPLOAD_BYTES} bytes"),
    )
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_multipart", message)
}

/// Reads every part: `file` is the upload, the others are text fields among `allowed`.
pub(crate) async fn read(mut m: Multipart, allowed: &[&str]) -> Result<Form, ApiError> {
    let mut form = Form::default();
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e)
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE
                    || e.body_text().contains("length limit") =>
            {
                return Err(too_large());
            }
            Err(e) => {
                return Err(bad(format!(
                    "the multipart body cannot be read: {}",
                    e.body_text()
                )));
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let bytes = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE
                    || e.body_text().contains("length limit")
                {
                    too_large()
                } else {
                    bad(format!("part 'file': {}", e.body_text()))
                }
            })?;
            if form.file.replace(bytes.to_vec()).is_some() {
                return Err(
                    ApiError::invalid("file", "give one file").with_code("invalid_multipart")
                );
            }
        } else if allowed.contains(&name.as_str()) {
            let text = field
                .text()
                .await
                .map_err(|e| bad(format!("part '{name}': {}", e.body_text())))?;
            if text.contains('\0') {
                return Err(
                    ApiError::invalid(name.clone(), "a NUL character is not allowed")
                        .with_code("invalid_multipart"),
                );
            }
            form.fields.insert(name, text);
        } else {
            return Err(ApiError::invalid(
                name.clone(),
                format!(
                    "unknown part '{name}' (expected file, {})",
                    allowed.join(", ")
                ),
            )
            .with_code("invalid_multipart"));
        }
    }
    Ok(form)
}
