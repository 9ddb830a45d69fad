//! The Bot.one error shape. The reference documents only status codes; its list envelope is
//! that of Laravel's Dingo API, so errors follow Dingo too: `{"message", "status_code"}`, plus
//! `"errors": {field: [problem]}` when a parameter is named.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use parley_domain::ErrorKind;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::common::error::{ApiError, ApiErrorKind, Envelope};

/// Every Bot.one error response.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// A sentence for humans.
    pub message: String,
    /// The HTTP status again, as Dingo repeats it.
    pub status_code: u16,
    /// Problems by parameter, when one is named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Map<String, Value>>,
}

/// The Bot.one status of an error. The vendor answers 403 for a dialog that cannot take the
/// request (ended, held elsewhere), which is the domain's `Conflict`.
pub fn status(kind: ApiErrorKind) -> StatusCode {
    match kind {
        ApiErrorKind::Domain(kind) => match kind {
            ErrorKind::InvalidInput => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden | ErrorKind::Conflict => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        },
        ApiErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ApiErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ApiErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
    }
}

/// The Bot.one envelope; 401s carry `WWW-Authenticate: Basic`.
#[derive(Debug, Clone, Copy)]
pub struct BotOne;

impl Envelope for BotOne {
    fn render(error: ApiError) -> Response {
        let status = status(error.kind());
        let mut errors = Map::new();
        for detail in error.details() {
            if let Some(field) = &detail.field {
                errors.insert(field.clone(), Value::from(vec![detail.message.clone()]));
            }
        }
        let body = ErrorBody {
            message: error.message().to_owned(),
            status_code: status.as_u16(),
            errors: (!errors.is_empty()).then_some(errors),
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Bot.one\""),
            );
        }
        response
    }
}
