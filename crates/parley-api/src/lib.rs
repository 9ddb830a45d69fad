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

/// The largest request body any route reads unless configured otherwise: 1 MiB.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// No request body over this is read at all (routes that take files read up to their own
/// limit below it; every other route stops at the configured body limit): 16 MiB.
pub const HARD_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// How the router is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The largest request body accepted, in bytes; larger ones answer 413.
    pub body_limit: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            body_limit: BODY_LIMIT,
        }
    }
}

/// Every face, ready to serve, with the default [`Options`].
pub fn router(services: Arc<Services>) -> Router {
    router_with(services, Options::default())
}

/// Every face, ready to serve.
pub fn router_with(services: Arc<Services>, options: Options) -> Router {
    edge(
        Router::new()
            .merge(faces::native::router())
            .merge(faces::botone::router())
            .merge(faces::neuro::router())
            .merge(faces::is74::router())
            .merge(faces::twin::router()),
        options.body_limit,
    )
    .with_state(services)
}

/// What surrounds every face: a native 404 for unknown paths, the body limit (for every extractor;
/// upload routes read raw bodies up to their own limit, all under [`HARD_BODY_LIMIT`]), panics caught, and
/// every error nobody else rendered (unknown routes, bodies over `body_limit`, wrong methods,
/// panics, a face without its own layer) answered in the native envelope.
pub fn edge<S: Clone + Send + Sync + 'static>(faces: Router<S>, body_limit: usize) -> Router<S> {
    faces
        .fallback(no_route)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(RequestBodyLimitLayer::new(body_limit.max(HARD_BODY_LIMIT)))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(map_response(render_errors::<Native>))
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use http_body_util::BodyExt;
    use parley_domain::ErrorKind;
    use tower::ServiceExt;

    use super::*;
    use crate::common::error::{ApiError, INTERNAL_MESSAGE};

    async fn call(router: Router, path: &str) -> (StatusCode, serde_json::Value) {
        let response = router
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn panics_and_internal_errors_are_opaque_500s() {
        async fn boom() -> &'static str {
            panic!("secret detail")
        }
        async fn internal() -> Result<(), ApiError> {
            let cause = std::io::Error::other("disk full at /var/secret");
            Err(parley_domain::Error::internal("saving dialog 7", cause).into())
        }
        let router = edge(
            Router::new()
                .route("/boom", get(boom))
                .route("/internal", get(internal)),
            BODY_LIMIT,
        );
        for path in ["/boom", "/internal"] {
            let (status, body) = call(router.clone(), path).await;
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(
                body,
                serde_json::json!({ "error": { "code": "internal", "message": INTERNAL_MESSAGE, "details": [] } })
            );
        }
    }

    #[tokio::test]
    async fn every_domain_kind_has_a_status_and_a_code() {
        let cases = [
            (ErrorKind::InvalidInput, 400, "invalid_input"),
            (ErrorKind::Unauthenticated, 401, "unauthenticated"),
            (ErrorKind::Forbidden, 403, "forbidden"),
            (ErrorKind::NotFound, 404, "not_found"),
            (ErrorKind::Conflict, 409, "conflict"),
            (ErrorKind::Unavailable, 503, "unavailable"),
            (ErrorKind::Internal, 500, "internal"),
        ];
        for (kind, status, code) in cases {
            let router = edge(
                Router::new().route("/", get(move || async move { ApiError::new(kind, "m") })),
                BODY_LIMIT,
            );
            let (got, body) = call(router, "/").await;
            assert_eq!(
                (got.as_u16(), body["error"]["code"].as_str()),
                (status, Some(code)),
                "{kind:?}"
            );
        }
    }
}
