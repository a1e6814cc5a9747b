//! Certkeep's use cases, each idempotent and safe to repeat: add, edit and remove credentials
//! (secrets sealed at rest), import vaults, sync issuers, discover certificates (every version,
//! incrementally) and TLS secrets. Every use case writes an audit event with its outcome.

pub mod access;
pub mod actor;
pub mod config_file;
pub mod credentials;
pub mod dashboard;
pub mod discovery;
pub mod engine;
pub mod error;
pub mod export;
pub mod jobs;
pub mod lease;
pub mod local_delete;
pub mod master_key;
pub mod metrics;
pub mod open;
pub mod policy_view;
pub mod progress;
pub mod queries;
pub mod records;
pub mod reports;
pub mod requests;
pub mod schedule_setting;
pub mod scheduler;
pub mod scope;
pub mod secret_discovery;
pub mod tls_manage;
pub mod vaults;
pub mod views;

pub use actor::Actor;
pub use certkeep_store::{Clock, SystemClock};
pub use engine::{Engine, EngineConfig};
pub use error::EngineError;
pub use open::{EngineOptions, KeyAccess};
pub use progress::{NoProgress, Progress};
pub use scope::Scope;
