//! The Neuro.net External API face under `/api/v2/ext`, whatever the Host: HTTP Basic login
//! for a JWT pair, then `Authorization: Bearer` (an access token, or a live refresh token as
//! report scripts send) on every method. Part 1 serves the company's agents, their general
//! settings, keys, call-time slots and initial/output entities; part 2 loads dialogs one by one
//! or in bulk ([`dialogs`], [`rows`]), reports calls ([`statistic`], [`report`]), steers the
//! queue ([`queue`]) and lists selections ([`selection`]). Errors are `{"message"}` with the
//! statuses of [`error`].
//!
//! Layout: one module per method group, each a set of handlers listed in [`routes`]; they share
//! [`extract`] (the [`extract::Caller`] bearer extractor, the content-type-blind
//! [`extract::Body`], the `agent_uuid` query extractors), [`loose`] (numbers as strings, nulls)
//! and [`error::NeuroError`], which handlers return.

pub mod agents;
pub mod auth;
pub mod dialogs;
pub mod entities;
pub mod error;
pub mod extract;
pub mod initial_entities;
pub mod keys;
pub mod loose;
pub mod output_entities;
pub mod params;
pub mod queue;
pub mod report;
pub mod rows;
pub mod selection;
pub mod statistic;
pub mod time_slots;

use std::sync::Arc;

use axum::Router;
use axum::middleware::map_response;
use axum::routing::{get, post, put};
use parley_domain::Services;

use crate::common::error::render_errors;

pub use error::Neuro;

/// Where every Neuro.net method lives.
pub const PREFIX: &str = "/api/v2/ext";

/// The Neuro.net routes, rendering their errors in the Neuro.net shape.
pub fn router() -> Router<Arc<Services>> {
    Router::new()
        .nest(PREFIX, routes())
        .layer(map_response(render_errors::<Neuro>))
}

/// The methods, by path under [`PREFIX`]; unknown paths there are a Neuro 404.
fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/auth", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        // Agent settings.
        .route("/company-agents", get(agents::company_agents))
        .route(
            "/agent-settings/general",
            get(agents::get_general).put(agents::put_general),
        )
        .route(
            "/agent-settings/credentials",
            get(keys::list).put(keys::put_by_body),
        )
        .route(
            "/agent-settings/credentials/{credential_uuid}",
            put(keys::put),
        )
        .route(
            "/agent-settings/time-slot",
            get(time_slots::list)
                .post(time_slots::create)
                .put(time_slots::update)
                .delete(time_slots::delete),
        )
        // Entities (the document's examples also write `output_entity`).
        .route(
            "/initial-entity",
            get(initial_entities::list)
                .post(initial_entities::create)
                .put(initial_entities::update)
                .delete(initial_entities::delete),
        )
        .route(
            "/initial-entity/bulk",
            post(initial_entities::bulk).delete(initial_entities::bulk_delete),
        )
        .route(
            "/initial-entity/bulk-delete",
            post(initial_entities::bulk_delete).delete(initial_entities::bulk_delete),
        )
        .route("/output-entity", output_entity())
        .route("/output_entity", output_entity())
        .route(
            "/output-entity/bulk",
            post(output_entities::bulk).delete(output_entities::bulk_delete),
        )
        .route(
            "/output-entity/bulk-delete",
            post(output_entities::bulk_delete).delete(output_entities::bulk_delete),
        )
        // Dialogs, statistics, the queue and selections.
        .route("/dialog/dialog-initial", post(dialogs::initial))
        .route(
            "/dialog/dialogs-group-initial",
            post(dialogs::group_initial),
        )
        .route(
            "/dialog/dialogs-group-initial-status",
            get(dialogs::group_status),
        )
        .route(
            "/dialog/dialogs-group-initial-result",
            get(dialogs::group_result),
        )
        .route("/statistic/dialog", get(statistic::dialog))
        .route("/statistic/dialog-report", post(statistic::dialog_report))
        .route("/statistic/dialog-group", get(statistic::dialog_group))
        .route("/statistic/download/call", get(statistic::download_call))
        .route(
            "/statistic/{call_uuid}/transcription",
            get(statistic::transcription),
        )
        .route("/queue/dialog", get(queue::dialogs))
        .route("/queue/call", get(queue::calls))
        .route("/queue/stop", post(queue::stop))
        .route("/queue/return", post(queue::resume))
        .route("/queue/remove", post(queue::remove))
        .route("/selection", get(selection::list))
        .fallback(error::no_route)
}

fn output_entity() -> axum::routing::MethodRouter<Arc<Services>> {
    get(output_entities::list)
        .post(output_entities::create)
        .put(output_entities::update)
        .delete(output_entities::delete)
}
