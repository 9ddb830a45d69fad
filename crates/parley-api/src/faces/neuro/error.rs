//! The Neuro.net error shape: `{"message": "..."}` with the vendor's statuses. The document
//! answers 409 ("other errors, described in the body") for everything but bad tokens (401) and
//! missing rights (403), so an unknown or another company's object is 409; bad input (a
//! malformed UUID, bad JSON, a rule broken) is 400, as real clients assert for malformed UUIDs.
//! Routes whose vendor answers 404 for an unknown object say so with [`NeuroError::status`].

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use parley_domain::ErrorKind;
use serde::Serialize;

use crate::common::error::{ApiError, ApiErrorKind, Envelope};

/// Every Neuro.net error response.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// A sentence for humans.
    pub message: String,
}

/// The Neuro.net status of an error.
pub fn status(kind: ApiErrorKind) -> StatusCode {
    match kind {
        ApiErrorKind::Domain(kind) => match kind {
            ErrorKind::InvalidInput => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound | ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        },
        ApiErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ApiErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ApiErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
    }
}

/// The Neuro.net envelope, for the errors of `common` extractors and of axum itself.
#[derive(Debug, Clone, Copy)]
pub struct Neuro;

impl Envelope for Neuro {
    fn render(error: ApiError) -> Response {
        NeuroError::from(error).into_response()
    }
}

/// What Neuro handlers fail with: an [`ApiError`] and, when the route differs from the
/// face's mapping, the status to answer with.
#[derive(Debug, Clone, PartialEq)]
pub struct NeuroError {
    error: ApiError,
    status: Option<StatusCode>,
}

impl NeuroError {
    /// Bad input (400).
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::invalid(message).into()
    }

    /// The same error answered with `status` (e.g. 404 where the vendor documents it).
    #[must_use]
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// The same error answered with `status` if it is of `kind`.
    #[must_use]
    pub fn status_if(self, kind: ErrorKind, status: StatusCode) -> Self {
        if self.error.kind() == ApiErrorKind::Domain(kind) {
            self.status(status)
        } else {
            self
        }
    }

    /// The underlying error.
    pub fn error(&self) -> &ApiError {
        &self.error
    }
}

impl From<ApiError> for NeuroError {
    fn from(error: ApiError) -> Self {
        Self {
            error,
            status: None,
        }
    }
}

impl From<parley_domain::Error> for NeuroError {
    fn from(error: parley_domain::Error) -> Self {
        ApiError::from(error).into()
    }
}

impl IntoResponse for NeuroError {
    fn into_response(self) -> Response {
        let status = self.status.unwrap_or_else(|| status(self.error.kind()));
        let message = self.error.message().to_owned();
        (status, Json(ErrorBody { message })).into_response()
    }
}

/// The fallback for paths under `/api/v2/ext` that the face does not serve.
pub async fn no_route(method: axum::http::Method, uri: axum::http::Uri) -> NeuroError {
    NeuroError::from(ApiError::not_found(format!(
        "no method {method} {}",
        uri.path()
    )))
    .status(StatusCode::NOT_FOUND)
}
