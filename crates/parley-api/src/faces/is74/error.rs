//! The is74 error shape. The document only says "the matching HTTP status code and an error
//! message"; the platform is an OAuth2-password (FastAPI-style) service, so every error here is
//! `{"detail": "<message>"}`: 422 for input that breaks a rule of the document (every problem
//! found, joined by `; `), 401 with `WWW-Authenticate: Bearer` for a missing, bad or expired
//! token or wrong login, 403 for a role that may not write, 404 for an unknown project,
//! scenario or campaign (another company's included), 409, 413, 415, 405, 503 and an opaque 500.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use parley_domain::ErrorKind;
use serde::Serialize;

use crate::common::error::{ApiError, ApiErrorKind, Envelope};

/// Every is74 error response.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// A sentence for humans.
    pub detail: String,
}

/// The is74 status of an error.
pub fn status(kind: ApiErrorKind) -> StatusCode {
    match kind {
        ApiErrorKind::Domain(kind) => match kind {
            ErrorKind::InvalidInput => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        },
        ApiErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ApiErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ApiErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
    }
}

/// The is74 envelope, for the errors of `common` extractors and of axum itself.
#[derive(Debug, Clone, Copy)]
pub struct Is74;

impl Envelope for Is74 {
    fn render(error: ApiError) -> Response {
        Is74Error::from(error).into_response()
    }
}

/// What is74 handlers fail with.
#[derive(Debug, Clone, PartialEq)]
pub struct Is74Error(ApiError);

impl Is74Error {
    /// Input that breaks a rule (422).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self(ApiError::invalid(message))
    }

    /// Nothing with that id for this caller (404).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self(ApiError::new(ErrorKind::NotFound, message))
    }

    /// The underlying error.
    pub fn error(&self) -> &ApiError {
        &self.0
    }
}

impl From<ApiError> for Is74Error {
    fn from(error: ApiError) -> Self {
        Self(error)
    }
}

impl From<parley_domain::Error> for Is74Error {
    fn from(error: parley_domain::Error) -> Self {
        Self(ApiError::from(error))
    }
}

impl IntoResponse for Is74Error {
    fn into_response(self) -> Response {
        let status = status(self.0.kind());
        let detail = self.0.message().to_owned();
        let mut response = (status, Json(ErrorBody { detail })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The fallback for paths under `/api` that the face does not serve.
pub async fn no_route(method: axum::http::Method, uri: axum::http::Uri) -> Is74Error {
    Is74Error::from(ApiError::not_found(format!(
        "no method {method} {}",
        uri.path()
    )))
}
