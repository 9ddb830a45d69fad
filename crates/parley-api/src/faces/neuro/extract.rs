//! What every Neuro route reads: the caller (a bearer access token, or a live refresh token as
//! report scripts send), a JSON body whatever its `Content-Type` (a missing or blank body reads
//! as `{}`), and the `agent_uuid` query parameter.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::Uri;
use axum::http::request::Parts;
use parley_domain::ids::{AgentId, Ref, Uuid};
use parley_domain::{Principal, Services};
use serde::de::DeserializeOwned;

use crate::common::auth::bearer_token;
use crate::common::json::{parse_json_object, parse_lenient, read_body};
use crate::faces::neuro::error::NeuroError;

/// The caller of a Neuro route: `Authorization: Bearer <token>`, where the token is an access
/// token or a live refresh token (`AuthService::authenticate_lenient`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller(pub Principal);

impl<S> FromRequestParts<S> for Caller
where
    Arc<Services>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = NeuroError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers)?;
        let services = Arc::<Services>::from_ref(state);
        let principal = services.auth.authenticate_lenient(token).await?;
        Ok(Caller(principal))
    }
}

/// A JSON object body parsed into `T` whatever the `Content-Type` says (clients send none, or
/// `text/plain`); an absent or blank body is read as `{}`, so `T`'s required fields are named.
/// Any other top-level value is 400: serde would read a struct from an array by position, so
/// `["x"]` sent to a settings PUT would rename the agent.
#[derive(Debug, Clone, Copy, Default)]
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = NeuroError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read_body(req, state).await?;
        let parsed = if bytes.iter().all(u8::is_ascii_whitespace) {
            parse_lenient(&bytes)
        } else {
            parse_json_object(&bytes)
        };
        Ok(Body(parsed?))
    }
}

/// The required `agent_uuid` query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentParam(pub Ref<AgentId>);

impl<S: Send + Sync> FromRequestParts<S> for AgentParam {
    type Rejection = NeuroError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match query_value(&parts.uri, "agent_uuid") {
            Some(text) => Ok(AgentParam(Ref::Uuid(parse_uuid("agent_uuid", &text)?))),
            None => Err(NeuroError::invalid(
                "the query parameter `agent_uuid` is required",
            )),
        }
    }
}

/// The `agent_uuid` query parameter where it is optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaybeAgentParam(pub Option<Ref<AgentId>>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeAgentParam {
    type Rejection = NeuroError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        query_value(&parts.uri, "agent_uuid")
            .filter(|text| !text.trim().is_empty())
            .map(|text| parse_uuid("agent_uuid", &text).map(Ref::Uuid))
            .transpose()
            .map(MaybeAgentParam)
    }
}

/// The first value of query parameter `name`, decoded.
pub fn query_value(uri: &Uri, name: &str) -> Option<String> {
    let query = uri.query()?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Reads `text` as the UUID `what` names; anything else is 400.
pub fn parse_uuid(what: &str, text: &str) -> Result<Uuid, NeuroError> {
    Uuid::parse_str(text.trim()).map_err(|_| {
        NeuroError::invalid(format!("`{text}` is not a valid {what} (expected a UUID)"))
    })
}
