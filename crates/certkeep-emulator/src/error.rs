//! Errors of the emulator library.

/// Failures making keys and certificates.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// rcgen refused (bad parameters or key).
    #[error("certificate generation failed: {0}")]
    Rcgen(#[from] rcgen::Error),
    /// A value the request carried that cannot go into a certificate.
    #[error("{0}")]
    Invalid(String),
    /// A key type, size or curve the emulator does not issue.
    #[error("not supported: {0}")]
    Unsupported(String),
}

/// Failures starting or configuring the emulator.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// Binding the listener or reading/writing the data directory failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The TLS configuration could not be built.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// Making the CA or server certificate failed.
    #[error(transparent)]
    Pki(#[from] PkiError),
    /// A seed file that does not parse or describes something impossible.
    #[error("invalid seed: {0}")]
    Seed(String),
}
