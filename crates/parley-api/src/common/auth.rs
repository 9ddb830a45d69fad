//! Authentication extractors: the bearer access token of the native API, and helpers that
//! vendor faces reuse to read `Authorization` headers.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use parley_domain::{Principal, Services};

use crate::common::error::ApiError;

/// The caller of a route that takes `Authorization: Bearer <access token>`. Missing, malformed,
/// invalid and expired tokens are `Unauthenticated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bearer(pub Principal);

impl<S> FromRequestParts<S> for Bearer
where
    Arc<Services>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers)?;
        let services = Arc::<Services>::from_ref(state);
        let principal = services.auth.authenticate(token)?;
        Ok(Bearer(principal))
    }
}

/// The caller of a route that takes HTTP Basic with the user's e-mail and password (Bot.one).
/// A missing or malformed header and wrong credentials are `Unauthenticated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Basic(pub Principal);

impl<S> FromRequestParts<S> for Basic
where
    Arc<Services>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Err(ApiError::unauthenticated(
                "missing Authorization header (expected `Basic <base64 of e-mail:password>`)",
            ));
        }
        let (login, password) = basic_credentials(&parts.headers)?;
        let services = Arc::<Services>::from_ref(state);
        let principal = services.auth.basic(&login, &password).await?;
        Ok(Basic(principal))
    }
}

/// The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive).
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = authorization(headers)?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(ApiError::unauthenticated(
            "the Authorization header must be `Bearer <access token>`",
        )),
    }
}

/// The login and password of an `Authorization: Basic <base64(login:password)>` header.
pub fn basic_credentials(headers: &HeaderMap) -> Result<(String, String), ApiError> {
    let malformed = || {
        ApiError::unauthenticated(
            "the Authorization header must be `Basic <base64 of login:password>`",
        )
    };
    let value = authorization(headers)?;
    let (scheme, encoded) = value.split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(malformed());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (login, password) = decoded.split_once(':').ok_or_else(malformed)?;
    Ok((login.to_owned(), password.to_owned()))
}

fn authorization(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers.get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthenticated("missing Authorization header (expected `Bearer <access token>`)")
    })?;
    value
        .to_str()
        .map(str::trim)
        .map_err(|_| ApiError::unauthenticated("the Authorization header is not valid text"))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn bearer_and_basic_headers() {
        assert_eq!(bearer_token(&with("bearer abc")).unwrap(), "abc");
        assert!(bearer_token(&with("Bearer ")).is_err());
        assert!(bearer_token(&with("Basic abc")).is_err());
        assert!(
            bearer_token(&HeaderMap::new())
                .unwrap_err()
                .message()
                .starts_with("missing")
        );
        let basic = with(&format!(
            "Basic {}",
            STANDARD.encode("ann@example.com:pa:ss")
        ));
        assert_eq!(
            basic_credentials(&basic).unwrap(),
            ("ann@example.com".into(), "pa:ss".into())
        );
        assert!(basic_credentials(&with("Basic !!!")).is_err());
    }
}
