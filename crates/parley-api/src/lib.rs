//! Parley's HTTP API: one axum router that merges every face.
//!
//! `common` holds what faces share (the face-neutral [`common::error::ApiError`] and its
//! rendering layer, auth extractors, body/query/path extractors, pagination); `faces::native` is
//! Parley's own API under `/parley/v1`. Vendor faces are merged beside it at their vendors' own
//! paths. Handlers parse the request into their DTO, make one domain service call and convert
//! the result; they never touch the store.

pub mod common;
pub mod faces;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::map_response;
use parley_domain::Services;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;

use crate::common::error::{no_route, panic_response, render_errors};
use crate::faces::native::Native;

/// The largest request body any route reads: 1 MiB.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Every face, ready to serve. Errors nobody else renders (unknown routes, bodies over
/// [`BODY_LIMIT`], wrong methods, panics) answer in the native envelope.
pub fn router(services: Arc<Services>) -> Router {
    Router::new()
        .merge(faces::native::router())
        .fallback(no_route)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(map_response(render_errors::<Native>))
        .with_state(services)
}
