//! `POST /auth` (HTTP Basic login:password → a token pair) and `POST /auth/refresh` (a refresh
//! token in the body → a new pair). Clients send `/auth` with no body, an empty one, `{}` or a
//! bogus multipart type, so the body is never read; `/auth/refresh` ignores any Authorization.
//! A success body never has a `message` key (some clients read that as a failure).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use parley_domain::Services;
use parley_domain::auth::TokenPair;
use serde::Serialize;

use crate::common::auth::basic_credentials;
use crate::common::error::ApiError;
use crate::common::json::media_type;
use crate::faces::neuro::error::NeuroError;

/// A token pair as Neuro.net returns it.
#[derive(Debug, Serialize)]
pub struct TokensDto {
    /// The access token (1 h).
    pub token: String,
    /// The refresh token (24 h, single use).
    pub refresh_token: String,
}

impl From<TokenPair> for TokensDto {
    fn from(pair: TokenPair) -> Self {
        Self {
            token: pair.access_token,
            refresh_token: pair.refresh_token,
        }
    }
}

/// `POST /auth`.
pub async fn login(
    State(services): State<Arc<Services>>,
    headers: HeaderMap,
) -> Result<Json<TokensDto>, NeuroError> {
    let (login, password) = basic_credentials(&headers).map_err(|_| {
        ApiError::unauthenticated(
            "invalid login or password (send `Authorization: Basic <base64 of login:password>`)",
        )
    })?;
    let pair = services.auth.login(&login, &password).await.map_err(|e| {
        if e.kind() == parley_domain::ErrorKind::Unauthenticated {
            ApiError::unauthenticated("invalid login or password").into()
        } else {
            NeuroError::from(e)
        }
    })?;
    Ok(Json(pair.into()))
}

/// `POST /auth/refresh`.
pub async fn refresh(
    State(services): State<Arc<Services>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<TokensDto>, NeuroError> {
    let invalid = || NeuroError::from(ApiError::unauthenticated("invalid refresh_token"));
    let token = refresh_token(media_type(&headers).as_deref(), &body).ok_or_else(invalid)?;
    let pair = services.auth.refresh(&token).await.map_err(|e| {
        if e.kind() == parley_domain::ErrorKind::Unauthenticated {
            invalid()
        } else {
            NeuroError::from(e)
        }
    })?;
    Ok(Json(pair.into()))
}

/// The non-blank `refresh_token` of a JSON or form body.
fn refresh_token(media: Option<&str>, body: &[u8]) -> Option<String> {
    let token = if media == Some("application/x-www-form-urlencoded") {
        form_urlencoded::parse(body)
            .find(|(key, _)| key == "refresh_token")
            .map(|(_, value)| value.into_owned())
    } else {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        value.get("refresh_token")?.as_str().map(str::to_owned)
    };
    token.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::refresh_token;

    #[test]
    fn tokens_from_json_and_forms() {
        let json = Some("application/json");
        assert_eq!(
            refresh_token(json, br#"{"refresh_token": " abc "}"#).as_deref(),
            Some("abc")
        );
        assert_eq!(
            refresh_token(None, br#"{"refresh_token": "x"}"#).as_deref(),
            Some("x")
        );
        assert_eq!(refresh_token(json, br#"{"refresh_token": "  "}"#), None);
        assert_eq!(refresh_token(json, br#"{"refresh_token": 5}"#), None);
        assert_eq!(refresh_token(json, b""), None);
        let form = Some("application/x-www-form-urlencoded");
        assert_eq!(
            refresh_token(form, b"refresh_token=a%2Bb").as_deref(),
            Some("a+b")
        );
    }
}
