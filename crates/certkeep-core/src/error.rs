//! The errors of `certkeep-core`.

/// Why a value could not be read or accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CoreError {
    /// A distinguished name is malformed or uses an attribute we do not know.
    #[error("invalid subject '{subject}': {reason}")]
    InvalidSubject { subject: String, reason: String },
    /// DER bytes that are not an X.509 certificate.
    #[error("not a valid X.509 certificate: {0}")]
    InvalidCertificate(String),
    /// Text that holds no usable PEM blocks, or malformed ones.
    #[error("invalid PEM: {0}")]
    InvalidPem(String),
    /// A PKCS#12 file that cannot be opened (bad password, corrupt, or no key).
    #[error("invalid PFX: {0}")]
    InvalidPfx(String),
}
