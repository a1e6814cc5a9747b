//! How Certkeep reaches Azure: cloud settings (public, China, US Government or custom — the
//! emulator is a custom cloud), the HTTP transport (extra trusted CA, `*.localhost` on loopback),
//! and credentials and clients built on the official Azure SDK crates.

pub mod cloud;
pub mod error;
pub mod transport;

pub use cloud::Cloud;
pub use error::AzureError;
