//! The OpenAPI document of the native API and the Swagger UI that shows it.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::faces::native::{agents, auth, dialogs, events, files, operator, users, webhooks};

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/parley/v1/openapi.json";
/// Where the Swagger UI is served.
pub const DOCS_PATH: &str = "/docs";

/// The native API's OpenAPI document.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Parley native API",
        description = "Parley's own API: tokens, users, agents (bots from `parley.scenario/v1` documents), \
            dialogs and operator handoff. Every error answers `{\"error\": {\"code\", \"message\", \"details\"}}`.",
    ),
    paths(
        super::health,
        auth::login, auth::refresh, auth::me,
        users::list, users::create,
        agents::create, agents::list, agents::get, agents::update_settings, agents::upload_scenario, agents::scenario,
        dialogs::start, dialogs::list, dialogs::get, dialogs::send, dialogs::messages_after, events::events,
        files::upload, files::get,
        operator::take, operator::message, operator::release,
        webhooks::deliveries,
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "auth", description = "Tokens"),
        (name = "users", description = "The caller and the users of its company"),
        (name = "agents", description = "Bots and their scenario versions"),
        (name = "dialogs", description = "Conversations"),
        (name = "operator", description = "Operator takeover"),
        (name = "webhooks", description = "Campaign webhook deliveries"),
        (name = "meta", description = "Health"),
    ),
)]
pub struct NativeApi;

/// Declares the `bearer` security scheme the paths refer to.
#[derive(Debug)]
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The Swagger UI at `/docs`, which also serves the document at `/parley/v1/openapi.json`.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new(DOCS_PATH).url(OPENAPI_PATH, NativeApi::openapi())
}
