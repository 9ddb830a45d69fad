//! Parley's domain: entities and validated values, the services every face calls, the ports
//! (store, clock, outbound HTTP) that adapters implement, and the one error type.
//!
//! Nothing here does IO or knows about HTTP or SQL. A face parses its vendor's request, calls one
//! service method with a [`Principal`] (or a company id for callers that are not users), and
//! converts the result to its vendor's response.

pub mod agent;
pub mod agent_service;
pub mod auth;
pub mod call;
pub mod campaign;
pub mod campaign_service;
pub mod custom_block;
pub mod dialer;
pub mod dialog;
pub mod dialog_service;
pub mod directory;
pub mod directory_service;
pub mod error;
pub mod file;
pub mod ids;
pub mod line;
pub mod notifier;
pub mod ports;
mod recent;
pub mod scenarios;
pub mod services;
mod turn;
pub mod values;
mod verified_logins;
pub mod webhook;
pub mod webhook_service;

pub use auth::Principal;
pub use error::{Detail, Error, ErrorKind, Result};
pub use services::Services;
