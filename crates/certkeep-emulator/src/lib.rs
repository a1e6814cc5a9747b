//! Certkeep's Azure emulator: Entra ID (client credentials), ARM (Key Vault listing) and the
//! Key Vault data plane (certificates, secrets, issuers, contacts) over one HTTPS listener,
//! faithful enough that the official Azure SDKs work against it unmodified.
//!
//! Start it in-process with [`Emulator::start`] (port 0 picks a free port) or run the
//! `certkeep-emulator` binary. See `docs/emulator.md`.

pub mod admin;
pub mod arm;
pub mod auth;
pub mod clock;
pub mod demo;
pub mod entra;
pub mod error;
pub mod gate;
pub mod http;
pub mod key_pool;
pub mod kv;
pub mod pki;
pub mod request;
pub mod seed;
pub mod server;
pub mod state;
pub mod tls;

pub use error::{EmulatorError, PkiError};
pub use server::{Config, Emulator};
pub use state::Endpoints;
