//! The `certkeep` binary end to end against the in-process emulator (one per test binary, demo
//! seed): inventory, input validation and exit codes, secrets never leaking, output formats and
//! the demo command.

mod common;

mod bad_input;
mod canary;
mod database;
mod demo;
mod end_to_end;
mod formats;
mod local_delete;
mod partial;
mod secrets;
mod serve;
mod serve_canary;
