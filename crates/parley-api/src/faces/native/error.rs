//! The native error envelope: `{"error": {"code", "message", "details"}}`.

use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use parley_domain::{Detail, ErrorKind};
use serde::Serialize;
use utoipa::ToSchema;

use crate::common::error::{ApiError, ApiErrorKind, Envelope};

/// Every native error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorObject,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorObject {
    /// A stable machine-readable code: `invalid_input`, `unauthenticated`, `forbidden`,
    /// `not_found`, `conflict`, `unavailable`, `internal`, `payload_too_large`,
    /// `unsupported_media_type` or `method_not_allowed`.
    #[schema(example = "not_found")]
    pub code: &'static str,
    /// A sentence for humans.
    #[schema(example = "agent 42 not found")]
    pub message: String,
    /// Itemised problems (every scenario diagnostic, the offending field), possibly empty.
    pub details: Vec<ErrorDetail>,
}

/// One itemised problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// What is wrong.
    pub message: String,
    /// The request field it concerns (`settings.timezone`, `limit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// 1-based line in the document (scenario YAML, JSON body).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl From<&Detail> for ErrorDetail {
    fn from(detail: &Detail) -> Self {
        Self {
            message: detail.message.clone(),
            field: detail.field.clone(),
            line: detail.line,
            column: detail.column,
            hint: detail.hint.clone(),
        }
    }
}

/// The native code of an error kind.
pub fn code(kind: ApiErrorKind) -> &'static str {
    match kind {
        ApiErrorKind::Domain(kind) => match kind {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Internal => "internal",
        },
        ApiErrorKind::PayloadTooLarge => "payload_too_large",
        ApiErrorKind::UnsupportedMediaType => "unsupported_media_type",
        ApiErrorKind::MethodNotAllowed => "method_not_allowed",
    }
}

/// The native envelope.
#[derive(Debug, Clone, Copy)]
pub struct Native;

impl Envelope for Native {
    fn render(error: ApiError) -> Response {
        let status = error.status();
        let body = ErrorBody {
            error: ErrorObject {
                code: code(error.kind()),
                message: error.message().to_owned(),
                details: error.details().iter().map(ErrorDetail::from).collect(),
            },
        };
        let mut response = (status, Json(body)).into_response();
        if error.kind() == ApiErrorKind::Domain(ErrorKind::Unauthenticated) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"parley\""),
            );
        }
        response
    }
}
