//! Vertex: the calls an external custom block's service makes while the block runs, with the
//! integration token it received at its URL instead of HTTP Basic. `POST
//! /api/vertex/v1/dialog/send_message` (also at `/api/vertex/v1/send_message`, as the reference's
//! method table has it) writes as the bot; `POST /api/vertex/v1/complete` ends the block with
//! its `data` and the scenario goes on. A bad, expired or spent token is a 403.

use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use parley_domain::Services;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::common::error::ApiError;
use crate::common::json::{parse_json_object, read_body};

/// `{token, text, typing}` of send_message.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendMessageRequest {
    token: String,
    text: String,
    /// Whether the bot shows it goes on typing; `false` when absent.
    #[serde(default)]
    typing: bool,
}

/// `{token, data}` of complete; `data` may be absent or `null`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompleteRequest {
    token: String,
    #[serde(default)]
    data: Value,
}

/// The answer of send_message.
#[derive(Debug, Serialize)]
pub struct SentMessage {
    /// The message's id.
    pub message_id: i64,
    /// When it was written, unix seconds.
    pub created_at: i64,
}

/// A Vertex body: JSON whatever the `Content-Type` says (the reference's examples send it as
/// JSON); a missing body is a 400.
#[derive(Debug)]
pub struct VertexBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for VertexBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::invalid(
                "the request body is missing; expected a JSON object with `token`",
            ));
        }
        parse_json_object(&bytes).map(VertexBody)
    }
}

/// `POST /api/vertex/v1/dialog/send_message` → 200 `{"message_id", "created_at"}`.
pub async fn send_message(
    State(services): State<Arc<Services>>,
    VertexBody(request): VertexBody<SendMessageRequest>,
) -> Result<Json<SentMessage>, ApiError> {
    let message = services
        .dialogs
        .custom_message(&request.token, &request.text, request.typing)
        .await?;
    Ok(Json(SentMessage {
        message_id: message.id.0,
        created_at: message.created_at.timestamp(),
    }))
}

/// `POST /api/vertex/v1/complete` → 204; the block is over and the token spent.
pub async fn complete(
    State(services): State<Arc<Services>>,
    VertexBody(request): VertexBody<CompleteRequest>,
) -> Result<StatusCode, ApiError> {
    services
        .dialogs
        .custom_complete(&request.token, request.data)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
