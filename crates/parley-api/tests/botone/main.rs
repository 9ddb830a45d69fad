//! In-process tests of the Bot.one face: every route's success and error replies, snapshotted.

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod control;
mod conversations;
mod create;
mod files;
mod support;
mod vertex;
