//! What every Twin24 route reads: the caller (`Authorization: Bearer <access token>`; an
//! expired one is 401 `Token is expired.`), a JSON body whatever its `Content-Type` (blank reads
//! as `{}`), and query parameters (`query_value`, `query_pairs`).

use std::sync::Arc;

use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::Uri;
use axum::http::request::Parts;
use parley_domain::{Principal, Services};
use serde::de::DeserializeOwned;

use crate::common::auth::bearer_token;
use crate::common::json::{parse_lenient, read_body};
use crate::faces::twin::error::TwinError;

/// The caller of a Twin24 route: `Authorization: Bearer <access token>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller(pub Principal);

impl<S> FromRequestParts<S> for Caller
where
    Arc<Services>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = TwinError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers)?;
        let services = Arc::<Services>::from_ref(state);
        Ok(Caller(services.auth.authenticate(token)?))
    }
}

/// A JSON body parsed into `T` whatever the `Content-Type` says; an absent or blank body is
/// read as `{}`, so `T`'s required fields are named.
#[derive(Debug, Clone, Copy, Default)]
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = TwinError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read_body(req, state).await?;
        Ok(Body(parse_lenient(&bytes)?))
    }
}

/// The first value of query parameter `name`, decoded.
pub fn query_value(uri: &Uri, name: &str) -> Option<String> {
    query_pairs(uri)
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

/// Every query parameter in order, decoded.
pub fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    uri.query()
        .map(|query| {
            form_urlencoded::parse(query.as_bytes())
                .map(|(key, value)| (key.into_owned(), value.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}
