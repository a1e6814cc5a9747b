//! Certificate downloads (PEM, DER, chain), for certificates and for the certificate in a TLS
//! secret alike: the `format` parameter and the attachment answer.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use certkeep_engine::tls_manage::{ExportFormat, Exported};

use crate::error::ApiError;

/// `pem` (default), `der` or `chain`.
pub fn format(text: Option<&str>) -> Result<ExportFormat, ApiError> {
    match text {
        None | Some("pem") => Ok(ExportFormat::Pem),
        Some("der") => Ok(ExportFormat::Der),
        Some("chain") => Ok(ExportFormat::Chain),
        Some(_) => Err(ApiError::invalid("format", "must be pem, der or chain")),
    }
}

/// The bytes as an attachment named after the certificate (never a private key: the engine
/// exports certificates only).
pub fn attachment(exported: Exported, format: ExportFormat) -> Response {
    let (content_type, ext) = match format {
        ExportFormat::Der => ("application/pkix-cert", "cer"),
        ExportFormat::Pem => ("application/x-pem-file", "pem"),
        ExportFormat::Chain => ("application/x-pem-file", "chain.pem"),
    };
    let file: String = exported
        .name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}.{ext}\""),
            ),
        ],
        exported.bytes,
    )
        .into_response()
}
