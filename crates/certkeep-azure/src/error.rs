//! Errors of `certkeep-azure`.

/// Why a client could not be built or a call failed.
#[derive(Debug, thiserror::Error)]
pub enum AzureError {
    /// A cloud setting that is not a usable https URL or DNS suffix.
    #[error("invalid cloud setting {field}: {reason}")]
    InvalidCloud { field: &'static str, reason: String },
    /// The extra CA file cannot be read or holds no certificate.
    #[error("invalid CA certificate: {0}")]
    InvalidCa(String),
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Http(String),
    /// An error from the Azure SDK.
    #[error("Azure SDK: {0}")]
    Sdk(#[from] azure_core::Error),
}
