//! The face-neutral API error and the layer that renders it in a face's own envelope.
//!
//! Handlers and the extractors in `common` fail with [`ApiError`]. Its `IntoResponse` picks no
//! wire shape: it answers with the generic status ([`ApiError::status`]) and carries the error
//! as a response extension. [`render_errors`], installed as a `map_response` layer with a face's
//! [`Envelope`], swaps that for the face's body. The top-level router installs it with the native
//! envelope, so whatever no face claims (unknown routes, a body over the limit, a wrong method, a
//! panic) still answers in an envelope and never in axum's plain text.

use std::any::Any;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use parley_domain::{Detail, ErrorKind};

/// What went wrong, as far as a face needs to choose its status and code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiErrorKind {
    /// A domain error kind (bad input and unknown objects included).
    Domain(ErrorKind),
    /// The body is over the size limit.
    PayloadTooLarge,
    /// The body's content type is not one the route reads.
    UnsupportedMediaType,
    /// The path exists but not with this method.
    MethodNotAllowed,
}

/// An error at the HTTP edge: a kind, a message the client may see, and itemised details.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    kind: ApiErrorKind,
    message: String,
    details: Vec<Detail>,
}

/// The opaque message shown for internal errors.
pub const INTERNAL_MESSAGE: &str = "internal error; it has been logged";

impl ApiError {
    /// An error of a domain kind.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind: ApiErrorKind::Domain(kind),
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// Bad input.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// Missing or wrong credentials.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, message)
    }

    /// Nothing at this path (for objects, the domain's own `NotFound` is used).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// A body over `limit` bytes.
    pub fn payload_too_large(limit: usize) -> Self {
        Self {
            kind: ApiErrorKind::PayloadTooLarge,
            message: format!("the request body is larger than the limit of {limit} bytes"),
            details: Vec::new(),
        }
    }

    /// A body of a type the route does not read; `expected` lists what it reads.
    pub fn unsupported_media_type(expected: &str) -> Self {
        Self {
            kind: ApiErrorKind::UnsupportedMediaType,
            message: format!("unsupported Content-Type; expected {expected}"),
            details: Vec::new(),
        }
    }

    /// A method the path does not take.
    pub fn method_not_allowed() -> Self {
        Self {
            kind: ApiErrorKind::MethodNotAllowed,
            message: "this path does not take this method (the Allow header lists those it takes)"
                .into(),
            details: Vec::new(),
        }
    }

    /// An internal error: logged here, once, with its cause; the client sees an opaque message.
    pub fn internal(cause: &str) -> Self {
        tracing::error!(error = cause, "internal error");
        Self::new(ErrorKind::Internal, INTERNAL_MESSAGE)
    }

    /// The same error with itemised details.
    #[must_use]
    pub fn with_details(mut self, details: impl IntoIterator<Item = Detail>) -> Self {
        self.details = details.into_iter().collect();
        self
    }

    /// The kind.
    pub fn kind(&self) -> ApiErrorKind {
        self.kind
    }

    /// The client-facing message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Itemised details, empty when there are none.
    pub fn details(&self) -> &[Detail] {
        &self.details
    }

    /// The generic HTTP status of this error; faces whose vendor differs choose their own.
    pub fn status(&self) -> StatusCode {
        match self.kind {
            ApiErrorKind::Domain(kind) => domain_status(kind),
            ApiErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        }
    }
}

/// The generic HTTP status of a domain error kind.
pub fn domain_status(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::InvalidInput => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<parley_domain::Error> for ApiError {
    fn from(error: parley_domain::Error) -> Self {
        if error.kind() == ErrorKind::Internal {
            return Self::internal(&error.chain());
        }
        Self::new(error.kind(), error.message()).with_details(error.details().iter().cloned())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

/// The response extension that carries an error until a face renders it.
#[derive(Debug, Clone)]
struct Unrendered(ApiError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        response.extensions_mut().insert(Unrendered(self));
        response
    }
}

/// A face's error shape.
pub trait Envelope: Send + Sync + 'static {
    /// The complete response for `error` (status, headers, body).
    fn render(error: ApiError) -> Response;
}

/// A `map_response` layer function: renders every unrendered [`ApiError`] with `E`, and turns
/// the plain-text 405 of axum's method router and the 413 of the body-limit layer into errors
/// of `E` too.
pub async fn render_errors<E: Envelope>(mut response: Response) -> Response {
    if let Some(Unrendered(error)) = response.extensions_mut().remove::<Unrendered>() {
        return E::render(error);
    }
    match response.status() {
        StatusCode::METHOD_NOT_ALLOWED if !is_json(&response) => {
            let allow = response.headers().get(header::ALLOW).cloned();
            let mut rendered = E::render(ApiError::method_not_allowed());
            if let Some(allow) = allow {
                rendered.headers_mut().insert(header::ALLOW, allow);
            }
            rendered
        }
        StatusCode::PAYLOAD_TOO_LARGE if !is_json(&response) => {
            E::render(ApiError::payload_too_large(crate::BODY_LIMIT))
        }
        _ => response,
    }
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(crate::common::json::is_json_type)
}

/// The fallback for paths no face serves.
pub async fn no_route(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no route for {method} {}", uri.path()))
}

/// The answer to a handler that panicked (for `CatchPanicLayer::custom`): logged, then opaque.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    ApiError::internal(&format!("handler panicked: {what}")).into_response()
}
