//! The Twin24 face: Twin24's `/api/v1` methods, served at `/api/v1/...` and under the
//! `/cis` and `/analyse` prefixes real clients use (`cis.twin24.ai`, `twin24.ai/cis/...`,
//! `analyse.twin24.ai`, …; the host is ignored). `POST /auth/login` gives a JWT pair (the
//! payload carries `exp`, `sub`, `company_id`, `iat`, `version`, as the official SDK reads it);
//! every other method takes `Authorization: Bearer <access token>`. Call statistics
//! (`search/cis/calls`, `search/cis/sessions`) come from [`statistics`], their JSON, CSV, Excel
//! and zip forms from [`export`]. Errors are `{"error", "details"}` ([`error::TwinError`]).
//!
//! Layout: one module per method group, each a set of handlers listed in [`routes`] by path
//! under `/api/v1`; they share [`extract`] (the [`extract::Caller`] bearer extractor, the
//! content-type-blind [`extract::Body`], query helpers) and [`error::TwinError`].

pub mod auth;
pub mod candidates;
pub mod error;
pub mod export;
pub mod extract;
pub mod statistics;
pub mod tasks;
pub mod webhooks;
pub mod zone;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::map_response;
use axum::routing::{MethodRouter, any, get, post};
use parley_domain::Services;

use crate::common::error::render_errors;

pub use error::Twin;
pub use webhooks::Twin24Webhooks;

/// The prefixes every method is served under, each followed by `/api/v1`.
pub const PREFIXES: [&str; 3] = ["", "/cis", "/analyse"];

/// The method groups under `/api/v1` without a prefix. Bot.one also serves paths there, so only
/// unknown paths in these groups are a Twin24 404; under `/cis` and `/analyse` every unknown path
/// is.
pub const GROUPS: [&str; 3] = ["auth", "search", "telephony"];

/// The Twin24 routes at every prefix, each also with a trailing slash (clients add one), rendering
/// their errors in the Twin24 shape, unknown paths included.
pub fn router() -> Router<Arc<Services>> {
    let mut router = Router::new();
    for prefix in PREFIXES {
        for (path, method) in routes() {
            router = router
                .route(&format!("{prefix}/api/v1{path}"), method.clone())
                .route(&format!("{prefix}/api/v1{path}/"), method);
        }
        if !prefix.is_empty() {
            router = router.route(&format!("{prefix}/{{*rest}}"), any(error::no_route));
        }
    }
    for group in GROUPS {
        router = router.route(&format!("/api/v1/{group}/{{*rest}}"), any(error::no_route));
    }
    router.layer(map_response(render_errors::<Twin>))
}

/// The methods, by path under `/api/v1` (each is also served with a trailing slash).
pub fn routes() -> Vec<(&'static str, MethodRouter<Arc<Services>>)> {
    vec![
        // Auth.
        ("/auth/login", post(auth::login)),
        ("/auth/refresh", post(auth::refresh)),
        // Call statistics.
        ("/search/cis/calls", get(statistics::calls)),
        ("/search/cis/sessions", get(statistics::sessions)),
        ("/search/cis/calls/{id}/record", get(statistics::record)),
        // Call tasks and their candidates.
        ("/telephony/autoCall", get(tasks::list).post(tasks::create)),
        ("/telephony/autoCall/{id}/play", post(tasks::play)),
        ("/telephony/autoCall/{id}/pause", post(tasks::pause)),
        ("/telephony/autoCall/{id}/halted", post(tasks::halted)),
        ("/telephony/autoCallCandidate", post(candidates::single)),
        // A full batch (10,000 candidates with their variables) is several MiB.
        (
            "/telephony/autoCallCandidate/batch",
            post(candidates::batch).layer(DefaultBodyLimit::max(crate::HARD_BODY_LIMIT)),
        ),
        (
            "/telephony/autoCallCandidate/cancel",
            post(candidates::cancel),
        ),
    ]
}
