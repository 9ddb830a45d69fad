//! The native face: Parley's own REST API under `/parley/v1`, its OpenAPI document at
//! `/parley/v1/openapi.json` and the Swagger UI at `/docs`.

pub mod agents;
pub mod auth;
pub mod dialogs;
pub mod dto;
pub mod error;
pub mod events;
pub mod files;
pub mod openapi;
pub mod operator;
pub mod users;
pub mod values;
pub mod webhooks;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::routing::{get, patch, post};
use parley_domain::Services;
use serde::Serialize;
use utoipa::ToSchema;

pub use error::Native;

/// The native routes; the caller adds the state (and the error layer, see `crate::router`).
pub fn router() -> Router<Arc<Services>> {
    Router::new()
        .route("/parley/v1/health", get(health))
        .route("/parley/v1/auth/login", post(auth::login))
        .route("/parley/v1/auth/refresh", post(auth::refresh))
        .route("/parley/v1/me", get(auth::me))
        .route("/parley/v1/users", get(users::list).post(users::create))
        .route("/parley/v1/agents", get(agents::list).post(agents::create))
        .route("/parley/v1/agents/{id}", get(agents::get))
        .route(
            "/parley/v1/agents/{id}/settings",
            patch(agents::update_settings),
        )
        .route(
            "/parley/v1/agents/{id}/scenario",
            get(agents::scenario).put(agents::upload_scenario),
        )
        .route(
            "/parley/v1/dialogs",
            get(dialogs::list).post(dialogs::start),
        )
        .route("/parley/v1/dialogs/{id}", get(dialogs::get))
        .route(
            "/parley/v1/dialogs/{id}/messages",
            get(dialogs::messages_after).post(dialogs::send),
        )
        .route("/parley/v1/dialogs/{id}/events", get(events::events))
        .route("/parley/v1/dialogs/{id}/files", post(files::upload))
        .route("/parley/v1/files/{id}", get(files::get))
        .route(
            "/parley/v1/dialogs/{id}/operator/take",
            post(operator::take),
        )
        .route(
            "/parley/v1/dialogs/{id}/operator/messages",
            post(operator::message),
        )
        .route(
            "/parley/v1/dialogs/{id}/operator/release",
            post(operator::release),
        )
        .route("/parley/v1/webhooks/deliveries", get(webhooks::deliveries))
        .merge(openapi::swagger_ui())
}

/// The health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness; no authentication, touches nothing.
#[utoipa::path(get, path = "/parley/v1/health", tag = "meta", responses((status = 200, description = "Up", body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}
