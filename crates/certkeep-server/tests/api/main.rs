//! The server's integration tests: the real server on 127.0.0.1:0 over an engine on SQLite
//! and (when `CERTKEEP_TEST_DATABASE_URL` is set) PostgreSQL, against the in-process emulator.

#![allow(unreachable_pub)]

mod bad_input;
mod browser;
mod common;
mod csrf;
mod estate;
mod headers;
mod listings;
mod login_abuse;
mod metrics;
mod openapi;
mod pages;
mod pages_admin;
mod pages_bulk;
mod pages_manage;
mod pages_requests;
mod roles;
mod secrets;
mod sessions;
mod tokens;
mod web_client;
