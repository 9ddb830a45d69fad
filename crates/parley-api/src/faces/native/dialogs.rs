//! Dialogs: starting them, customer messages and button presses, reading and listing them.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use parley_domain::Services;
use parley_domain::dialog::DialogFilter;
use parley_domain::dialog_service::{CustomerInput, StartDialog};
use parley_domain::ids::{AgentId, DialogId, MessageId};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::common::auth::Bearer;
use crate::common::client::ClientIp;
use crate::common::error::ApiError;
use crate::common::ids::{AnyRef, parse_ref};
use crate::common::json::JsonBody;
use crate::common::pagination::page;
use crate::common::query::{Path, QueryParams, rfc3339};
use crate::faces::native::dto::{
    DialogDetailsDto, DialogDto, DialogStatusDto, MessageDto, TurnDto, messages,
};
use crate::faces::native::error::ErrorBody;
use crate::faces::native::events::wait_for_messages;

/// How to start a dialog.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartDialogRequest {
    /// The agent: integer id or UUID.
    pub agent_id: AnyRef,
    /// The entry point; the scenario's default when absent.
    pub entry: Option<String>,
    /// Input variables (a JSON object).
    #[schema(value_type = Option<Object>)]
    pub variables: Option<Map<String, Value>>,
    /// Where the customer comes from (`api` when absent).
    pub source: Option<String>,
    /// The customer's location.
    pub location: Option<String>,
}

/// What the customer sends: exactly one of `text` and `button`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerMessageRequest {
    /// Typed text.
    pub text: Option<String>,
    /// The id of a button the bot offered.
    pub button: Option<String>,
}

/// Messages after a given one.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// Only messages with an id above this one.
    pub after: Option<i64>,
    /// When there are no such messages yet, wait up to this many seconds (at most 30) for one;
    /// the reply comes as soon as one is written. 0 (the default) answers at once.
    pub wait: Option<u64>,
}

/// Messages of a dialog.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageList {
    /// In order.
    pub items: Vec<MessageDto>,
    /// Whether the bot shows it is typing (an external custom block said so with its last
    /// message).
    pub typing: bool,
}

/// Which dialogs to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DialogQuery {
    /// Only this agent's (integer id).
    pub agent_id: Option<i64>,
    /// Only in this status.
    pub status: Option<DialogStatusDto>,
    /// Created at or after (RFC 3339).
    #[serde(default, deserialize_with = "rfc3339")]
    pub created_from: Option<DateTime<Utc>>,
    /// Created at or before (RFC 3339).
    #[serde(default, deserialize_with = "rfc3339")]
    pub created_to: Option<DateTime<Utc>>,
    /// Updated at or after (RFC 3339).
    #[serde(default, deserialize_with = "rfc3339")]
    pub updated_from: Option<DateTime<Utc>>,
    /// Updated at or before (RFC 3339).
    #[serde(default, deserialize_with = "rfc3339")]
    pub updated_to: Option<DateTime<Utc>>,
    /// Page size, 1–1000 (50 when absent).
    pub limit: Option<u64>,
    /// Rows to skip (0 when absent).
    pub offset: Option<u64>,
}

/// A page of dialogs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DialogPage {
    /// This page.
    pub items: Vec<DialogDto>,
    /// How many dialogs matched in all.
    pub total: u64,
    /// The page size used.
    pub limit: u64,
    /// The rows skipped.
    pub offset: u64,
}

/// Starts a dialog and runs the bot's first turn. The client IP is taken from
/// `X-Forwarded-For` when present, else from the connection.
#[utoipa::path(post, path = "/parley/v1/dialogs", tag = "dialogs", security(("bearer" = [])),
    request_body = StartDialogRequest,
    responses(
        (status = 201, description = "The dialog and the bot's first messages", body = TurnDto),
        (status = 400, description = "Unknown entry point, missing required input, malformed body", body = ErrorBody),
        (status = 403, description = "The role may not start dialogs", body = ErrorBody),
        (status = 404, description = "No such agent in the company", body = ErrorBody),
    ))]
pub async fn start(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    ClientIp(ip): ClientIp,
    JsonBody(body): JsonBody<StartDialogRequest>,
) -> Result<(StatusCode, Json<TurnDto>), ApiError> {
    let request = StartDialog {
        agent: body.agent_id.to_ref(AgentId),
        entry: body.entry,
        variables: body.variables.unwrap_or_default(),
        source: body.source.unwrap_or_default(),
        ip,
        location: body.location,
    };
    let outcome = services.dialogs.start(&who, request).await?;
    Ok((StatusCode::CREATED, Json(outcome.into())))
}

/// The customer writes or presses a button; the bot answers unless an operator holds the dialog.
#[utoipa::path(post, path = "/parley/v1/dialogs/{id}/messages", tag = "dialogs", security(("bearer" = [])),
    params(("id" = String, Path, description = "Integer id or UUID")),
    request_body = CustomerMessageRequest,
    responses(
        (status = 200, description = "The dialog and the new messages (the customer's first)", body = TurnDto),
        (status = 400, description = "Neither or both of text and button, empty or too long text", body = ErrorBody),
        (status = 404, description = "No such dialog in the company", body = ErrorBody),
        (status = 409, description = "The dialog has ended", body = ErrorBody),
    ))]
pub async fn send(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CustomerMessageRequest>,
) -> Result<Json<TurnDto>, ApiError> {
    let dialog = parse_ref::<DialogId>("dialog", &id)?;
    let input = match (body.text, body.button) {
        (Some(text), None) => CustomerInput::Text(text),
        (None, Some(button)) => CustomerInput::Button(button),
        _ => return Err(ApiError::invalid("give exactly one of `text` and `button`")),
    };
    let outcome = services.dialogs.send_as(&who, dialog, input).await?;
    Ok(Json(outcome.into()))
}

/// Messages of a dialog, all or only those after a given message id; with `wait`, a long-poll
/// that answers as soon as a message arrives (or empty when the wait is over).
#[utoipa::path(get, path = "/parley/v1/dialogs/{id}/messages", tag = "dialogs", security(("bearer" = [])),
    params(("id" = String, Path, description = "Integer id or UUID"), MessagesQuery),
    responses(
        (status = 200, description = "Messages in order", body = MessageList),
        (status = 404, description = "No such dialog in the company", body = ErrorBody),
    ))]
pub async fn messages_after(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<MessagesQuery>,
) -> Result<Json<MessageList>, ApiError> {
    let dialog = parse_ref::<DialogId>("dialog", &id)?;
    let arrived = wait_for_messages(
        &services,
        who.company_id,
        dialog,
        query.after.map(MessageId),
        query.wait.unwrap_or(0),
    )
    .await?;
    Ok(Json(MessageList {
        items: messages(arrived.messages),
        typing: arrived.typing,
    }))
}

/// A dialog with its messages and the answers it collected.
#[utoipa::path(get, path = "/parley/v1/dialogs/{id}", tag = "dialogs", security(("bearer" = [])),
    params(("id" = String, Path, description = "Integer id or UUID")),
    responses(
        (status = 200, description = "The dialog", body = DialogDetailsDto),
        (status = 404, description = "No such dialog in the company", body = ErrorBody),
    ))]
pub async fn get(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    Path(id): Path<String>,
) -> Result<Json<DialogDetailsDto>, ApiError> {
    let details = services
        .dialogs
        .details(who.company_id, parse_ref::<DialogId>("dialog", &id)?)
        .await?;
    Ok(Json(details.into()))
}

/// Dialogs of the company, newest first, filtered and paged.
#[utoipa::path(get, path = "/parley/v1/dialogs", tag = "dialogs", security(("bearer" = [])),
    params(DialogQuery),
    responses(
        (status = 200, description = "A page of dialogs", body = DialogPage),
        (status = 400, description = "A parameter of the wrong type, an unknown parameter, a bad limit", body = ErrorBody),
    ))]
pub async fn list(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    QueryParams(query): QueryParams<DialogQuery>,
) -> Result<Json<DialogPage>, ApiError> {
    let page = page(query.limit, query.offset)?;
    let filter = DialogFilter {
        agent_id: query.agent_id.map(AgentId),
        status: query.status.map(Into::into),
        created_from: query.created_from,
        created_to: query.created_to,
        updated_from: query.updated_from,
        updated_to: query.updated_to,
    };
    let found = services.dialogs.list(who.company_id, &filter, page).await?;
    Ok(Json(DialogPage {
        items: found.items.into_iter().map(DialogDto::from).collect(),
        total: found.total,
        limit: page.limit,
        offset: page.offset,
    }))
}
