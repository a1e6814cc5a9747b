//! The sea-orm entities: the one definition of every table. The DDL for each backend is generated
//! from them (`migrate.rs`); the public row types in `model/` are converted from them.
// sea-orm's derives generate `pub` items (Column, ActiveModel, ...) inside this crate-private module.
#![allow(unreachable_pub)]

pub(crate) mod api_token;
pub(crate) mod audit_event;
pub(crate) mod certificate;
pub(crate) mod certificate_request;
pub(crate) mod credential;
pub(crate) mod discovery_exclusion;
pub(crate) mod inventory_generation;
pub(crate) mod issuer;
pub(crate) mod job;
pub(crate) mod lease;
pub(crate) mod login_throttle;
pub(crate) mod schema_migration;
pub(crate) mod session;
pub(crate) mod setting;
pub(crate) mod sync_run;
pub(crate) mod tls_secret;
pub(crate) mod user;
pub(crate) mod vault;
