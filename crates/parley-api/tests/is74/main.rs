//! In-process tests of the is74 AI assistant face: login, campaign creation with every rule of
//! the document, campaigns really called on the simulated line, and the analytics report with
//! its columns, filters, sorting, totals and tenancy; every reply snapshotted.

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod campaigns;
mod hostile;
mod report;
mod support;
