//! The Twin24 error shape: `{"error": "...", "details": ...}` with the generic statuses (400 bad
//! input, 401 bad or expired token, 403, 404 unknown or another company's object, 409, 413, 500).
//! Clients refresh their token on a 401 whose `error` is exactly `Token is expired.`, which is
//! the domain's own message for an expired token and passes through unchanged. `details` is
//! `null` or the itemised problems (`[{"field", "message"}]`).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::common::error::{ApiError, Envelope};

/// Every Twin24 error response.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// A sentence for humans (`Token is expired.` for an expired access token).
    pub error: String,
    /// The itemised problems, or `null`.
    pub details: Option<Vec<DetailDto>>,
}

/// One itemised problem.
#[derive(Debug, Serialize)]
pub struct DetailDto {
    /// The input it concerns, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// The Twin24 envelope, for the errors of `common` extractors and of axum itself.
#[derive(Debug, Clone, Copy)]
pub struct Twin;

impl Envelope for Twin {
    fn render(error: ApiError) -> Response {
        TwinError::from(error).into_response()
    }
}

/// What Twin24 handlers fail with: an [`ApiError`] and, where a route differs from the generic
/// mapping, the status to answer with.
#[derive(Debug, Clone, PartialEq)]
pub struct TwinError {
    error: ApiError,
    status: Option<StatusCode>,
}

impl TwinError {
    /// Bad input (400).
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::invalid(message).into()
    }

    /// The same error answered with `status`.
    #[must_use]
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// The underlying error.
    pub fn error(&self) -> &ApiError {
        &self.error
    }
}

impl From<ApiError> for TwinError {
    fn from(error: ApiError) -> Self {
        Self {
            error,
            status: None,
        }
    }
}

impl From<parley_domain::Error> for TwinError {
    fn from(error: parley_domain::Error) -> Self {
        ApiError::from(error).into()
    }
}

impl IntoResponse for TwinError {
    fn into_response(self) -> Response {
        let status = self.status.unwrap_or_else(|| self.error.status());
        let details = self.error.details();
        let body = ErrorBody {
            error: self.error.message().to_owned(),
            details: (!details.is_empty()).then(|| {
                details
                    .iter()
                    .map(|d| DetailDto {
                        field: d.field.clone(),
                        message: d.message.clone(),
                    })
                    .collect()
            }),
        };
        (status, Json(body)).into_response()
    }
}

/// The fallback for Twin24 paths the face does not serve.
pub async fn no_route(method: axum::http::Method, uri: axum::http::Uri) -> TwinError {
    ApiError::not_found(format!("no method {method} {}", uri.path())).into()
}
