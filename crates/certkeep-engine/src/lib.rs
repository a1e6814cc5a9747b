//! Certkeep's use cases, each idempotent and safe to repeat: add, edit and remove credentials
//! (secrets sealed at rest), import vaults, sync issuers, discover certificates (every version,
//! incrementally) and TLS secrets. Every use case writes an audit event with its outcome.

pub mod credentials;
pub mod discovery;
pub mod engine;
pub mod error;
pub mod master_key;
pub mod progress;
pub mod records;
pub mod secret_discovery;
pub mod vaults;

pub use engine::{Engine, EngineConfig};
pub use error::EngineError;
pub use progress::{NoProgress, Progress};
