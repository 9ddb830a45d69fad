//! In-process tests of the native face: every route's success and error replies, snapshotted.

#[path = "../common/mod.rs"]
mod common;

mod agents;
mod auth;
mod dialogs;
mod errors;
mod events;
mod files;
mod openapi;
mod operator;
mod tenancy;
mod users;
