//! In-process tests of the Neuro.net External API face: every route's success and error
//! replies, snapshotted, with the client variants of `vendors/neuro.md`.

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod calls;
mod dialogs;
mod entities;
mod errors;
mod queue;
mod settings;
mod statistic;
mod support;
mod time_slots;
