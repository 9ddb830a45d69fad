//! Controlling a v2 conversation: stop (to an operator), start (back to the bot), an operator's
//! message (the operator joins first when the bot holds it), and the `goto <BotID>` command.

use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use parley_domain::Services;
use parley_domain::ids::{AgentId, Ref};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::common::auth::Basic;
use crate::common::error::ApiError;
use crate::common::json::{parse_json_object, read_body};
use crate::common::query::Path;
use crate::faces::botone::conversations::parse_uuid;

/// `{"body": "..."}` of send and command.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyRequest {
    body: String,
}

impl<S: Send + Sync> FromRequest<S> for BodyRequest {
    type Rejection = ApiError;

    /// The JSON body, whatever the `Content-Type` says; a missing one is a 400, as the vendor has it.
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::invalid(
                "the request body is missing; expected `{\"body\": \"...\"}`",
            ));
        }
        parse_json_object(&bytes)
    }
}

/// `POST /api/v2/conversation/{uuid}/stop` → 204; an operator (the caller) holds it.
pub async fn stop(
    State(services): State<Arc<Services>>,
    Basic(who): Basic,
    Path(uuid): Path<String>,
) -> Result<StatusCode, ApiError> {
    let dialog = Ref::Uuid(parse_uuid(&uuid)?);
    services.dialogs.take_over(&who, dialog).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v2/conversation/{uuid}/start` → 204; the bot talks again (or for the first time).
pub async fn start(
    State(services): State<Arc<Services>>,
    Basic(who): Basic,
    Path(uuid): Path<String>,
) -> Result<StatusCode, ApiError> {
    let dialog = Ref::Uuid(parse_uuid(&uuid)?);
    services.dialogs.resume(&who, dialog).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v2/conversation/{uuid}/send` `{"body"}` → 204; the caller writes as the operator,
/// taking the dialog over first when the bot holds it (as the Bot.one operator panel does).
pub async fn send(
    State(services): State<Arc<Services>>,
    Basic(who): Basic,
    Path(uuid): Path<String>,
    request: BodyRequest,
) -> Result<StatusCode, ApiError> {
    let dialog = Ref::Uuid(parse_uuid(&uuid)?);
    services
        .dialogs
        .operator_joins_and_writes(&who, dialog, &request.body)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v2/conversation/{uuid}/command` `{"body": "goto <BotID>"}` → 200
/// `{"message": "Goto command complete"}`; the other bot continues with the dialog's variables.
pub async fn command(
    State(services): State<Arc<Services>>,
    Basic(who): Basic,
    Path(uuid): Path<String>,
    request: BodyRequest,
) -> Result<Json<Value>, ApiError> {
    let dialog = Ref::Uuid(parse_uuid(&uuid)?);
    let bot = parse_goto(&request.body)?;
    services.dialogs.goto_agent(&who, dialog, bot).await?;
    Ok(Json(json!({ "message": "Goto command complete" })))
}

/// `goto <BotID>` → the bot; anything else is an unknown command.
fn parse_goto(command: &str) -> Result<Ref<AgentId>, ApiError> {
    let mut words = command.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some("goto"), Some(bot), None) => bot
            .parse::<i64>()
            .map(|id| Ref::Id(AgentId(id)))
            .map_err(|_| ApiError::invalid(format!("`{bot}` is not a BotID (an integer)"))),
        _ => Err(ApiError::invalid(format!(
            "unknown command `{command}` (expected `goto <BotID>`)"
        ))),
    }
}
