//! Certkeep's domain rules that need no I/O: distinguished names as Key Vault writes them,
//! inspection of X.509 certificates, and reading PEM and PFX (PKCS#12) containers; validation
//! of certificate requests (`request`), critical-flag honesty (`criticality`) and preparing
//! uploads for TLS secrets (`tls_secret`).

pub mod criticality;
pub mod dn;
pub mod duration;
pub mod error;
pub mod keyvault;
pub mod lint;
pub mod merge_upload;
pub mod pem;
pub mod pfx;
pub mod request;
pub mod tls_secret;
pub mod x509;

pub use error::CoreError;
