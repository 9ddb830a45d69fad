//! In-process tests of the Twin24 face: every route's success and error replies, snapshotted,
//! calls made on the simulated line and webhooks checked through the fake HTTP port.

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod candidates;
mod exports;
mod hostile;
mod receivers;
mod statistics;
mod support;
mod tasks;
mod webhooks;
