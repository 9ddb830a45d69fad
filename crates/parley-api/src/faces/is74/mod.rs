//! The is74 AI assistant face (`ai-assistant.is74.ru`): campaigns and their results at the
//! vendor's own paths, whatever the Host. `POST /login/` (a form with `username` and
//! `password`) gives an `access_token`; every other route takes `Authorization: Bearer`.
//! `POST /api/campaigns` creates a calling campaign with its schedule and phones
//! ([`campaigns`]); `POST /api/analytics/{project_id}/report` reports its calls with columns,
//! filters, sorting and totals ([`report`], [`columns`]). A project is the caller's company.
//!
//! The document says only that errors carry "the matching HTTP status code and an error
//! message"; this face answers `{"detail": "..."}` with the statuses of [`error`] (422 for
//! broken rules, every problem of the body named at once).

pub mod auth;
pub mod campaigns;
pub mod columns;
pub mod error;
pub mod input;
pub mod report;

use std::sync::Arc;

use axum::Router;
use axum::middleware::map_response;
use axum::routing::{any, post};
use parley_domain::Services;

use crate::common::error::render_errors;

pub use error::Is74;

/// The is74 routes, rendering their errors in the is74 shape.
pub fn router() -> Router<Arc<Services>> {
    Router::new()
        .route("/login/", post(auth::login))
        .route("/login", post(auth::login))
        .route("/api/campaigns", post(campaigns::create))
        .route("/api/campaigns/", post(campaigns::create))
        .route("/api/analytics/{project_id}/report", post(report::report))
        .route("/api/analytics/{project_id}/report/", post(report::report))
        // Unknown paths of the face's groups answer in its shape too.
        .route("/api/campaigns/{*rest}", any(error::no_route))
        .route("/api/analytics/{project_id}", any(error::no_route))
        .route("/api/analytics/{project_id}/{*rest}", any(error::no_route))
        .layer(map_response(render_errors::<Is74>))
}
