//! `/api/v1`: one module per resource. A handler parses, calls one engine use case with the
//! principal, and answers; no business rule lives here.

pub mod certificates;
pub mod credentials;
pub mod download;
pub mod health;
pub mod inventory;
pub mod jobs;
pub mod manage;
pub mod params;
pub mod requests;
pub mod secrets;
pub mod session;
pub mod settings;
pub mod tokens;
pub mod users;
