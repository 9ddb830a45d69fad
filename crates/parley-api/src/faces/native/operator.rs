//! Operator handoff: take a dialog over (the bot goes silent), write to the customer, release it.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use parley_domain::Services;
use parley_domain::ids::DialogId;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::common::auth::Bearer;
use crate::common::error::ApiError;
use crate::common::ids::parse_ref;
use crate::common::json::JsonBody;
use crate::common::query::Path;
use crate::faces::native::dto::TurnDto;
use crate::faces::native::error::ErrorBody;

/// An operator's message.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatorMessageRequest {
    /// The text (1–4096 characters).
    pub text: String,
}

/// Takes the dialog over; the bot stays silent until it is released.
#[utoipa::path(post, path = "/parley/v1/dialogs/{id}/operator/take", tag = "operator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Integer id or UUID")),
    responses(
        (status = 200, description = "The dialog, now with the operator", body = TurnDto),
        (status = 403, description = "The role may not operate dialogs", body = ErrorBody),
        (status = 404, description = "No such dialog in the company", body = ErrorBody),
        (status = 409, description = "Ended, or held by another operator", body = ErrorBody),
    ))]
pub async fn take(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    Path(id): Path<String>,
) -> Result<Json<TurnDto>, ApiError> {
    let outcome = services
        .dialogs
        .take_over(&who, parse_ref::<DialogId>("dialog", &id)?)
        .await?;
    Ok(Json(outcome.into()))
}

/// The operator holding the dialog writes to the customer.
#[utoipa::path(post, path = "/parley/v1/dialogs/{id}/operator/messages", tag = "operator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Integer id or UUID")),
    request_body = OperatorMessageRequest,
    responses(
        (status = 200, description = "The dialog and the operator's message", body = TurnDto),
        (status = 403, description = "The role may not operate dialogs", body = ErrorBody),
        (status = 409, description = "The dialog is with the bot; take it first", body = ErrorBody),
    ))]
pub async fn message(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<OperatorMessageRequest>,
) -> Result<Json<TurnDto>, ApiError> {
    let dialog = parse_ref::<DialogId>("dialog", &id)?;
    let outcome = services
        .dialogs
        .operator_message(&who, dialog, &body.text)
        .await?;
    Ok(Json(outcome.into()))
}

/// Hands the dialog back to the bot, which continues.
#[utoipa::path(post, path = "/parley/v1/dialogs/{id}/operator/release", tag = "operator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Integer id or UUID")),
    responses(
        (status = 200, description = "The dialog, with the bot again, and what the bot said", body = TurnDto),
        (status = 403, description = "The role may not operate dialogs", body = ErrorBody),
        (status = 409, description = "The dialog is not with an operator", body = ErrorBody),
    ))]
pub async fn release(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    Path(id): Path<String>,
) -> Result<Json<TurnDto>, ApiError> {
    let outcome = services
        .dialogs
        .hand_back(&who, parse_ref::<DialogId>("dialog", &id)?)
        .await?;
    Ok(Json(outcome.into()))
}
