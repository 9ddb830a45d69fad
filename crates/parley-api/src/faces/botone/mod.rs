//! The Bot.one face: HTTP Basic (e-mail, password) on every method, conversations listed and
//! read under `/api/v1` (integer ids) and `/api/v2` (UUIDs), dialogs created with or without
//! starting, files uploaded into dialogs, v2 control (stop, start, operator message, goto
//! another bot), and Vertex (external custom blocks, by integration token instead of Basic).
//! Errors use the Dingo shape of [`error::BotOne`].

pub mod control;
pub mod conversations;
pub mod create;
pub mod dto;
pub mod error;
pub mod files;
pub mod vertex;

use std::sync::Arc;

use axum::Router;
use axum::middleware::map_response;
use axum::routing::{get, post};
use parley_domain::Services;

use crate::common::error::render_errors;

pub use error::BotOne;

/// The Bot.one routes, rendering their errors in the Bot.one shape.
pub fn router() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/conversations", get(conversations::list_v1))
        .route("/api/v2/conversations", get(conversations::list_v2))
        .route("/api/v1/conversation/{id}", get(conversations::get_v1))
        .route("/api/v2/conversation/{uuid}", get(conversations::get_v2))
        .route("/api/v1/file/{id}", get(files::get))
        .route("/api/v2/file/{id}", get(files::get))
        .route("/api/v1/dialog/{bot}/create", get(create::create))
        .route(
            "/api/v2/dialog/{bot}/create",
            get(create::create).post(create::create_and_start),
        )
        .route("/api/v2/conversation/{uuid}/stop", post(control::stop))
        .route("/api/v2/conversation/{uuid}/start", post(control::start))
        .route("/api/v2/conversation/{uuid}/send", post(control::send))
        .route(
            "/api/v2/conversation/{uuid}/command",
            post(control::command),
        )
        .route(
            "/api/vertex/v1/dialog/send_message",
            post(vertex::send_message),
        )
        .route("/api/vertex/v1/send_message", post(vertex::send_message))
        .route("/api/vertex/v1/complete", post(vertex::complete))
        .layer(map_response(render_errors::<BotOne>))
}
