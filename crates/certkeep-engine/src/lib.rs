//! Certkeep's use cases. Today: keeping client secrets encrypted at rest.

pub mod master_key;
