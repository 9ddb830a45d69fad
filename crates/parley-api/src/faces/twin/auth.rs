//! `POST /auth/login` (`{email, password, ttl?, companyId?, extra?}` → `{token, refreshToken}`)
//! and `POST /auth/refresh` (`{refreshToken, ttl?}`). Neither reads `Authorization` (clients send
//! `Bearer null` to login and the raw access token to refresh). `ttl` is the access token's
//! lifetime in seconds (1 min to 30 days; default 1 h). A Parley user belongs to one company, so
//! `companyId` and `extra` are accepted and not used.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use chrono::Duration;
use parley_domain::auth::TokenPair;
use parley_domain::{ErrorKind, Services};
use serde::{Deserialize, Serialize};

use crate::common::error::ApiError;
use crate::faces::twin::error::TwinError;
use crate::faces::twin::extract::Body;

/// A login request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginDto {
    /// The user's e-mail.
    pub email: String,
    /// The password.
    pub password: String,
    /// The access token's lifetime in seconds (a number, or a string holding one).
    #[serde(default)]
    pub ttl: Option<serde_json::Value>,
    /// Ignored (a user has one company).
    #[serde(default)]
    pub company_id: Option<serde_json::Value>,
    /// Ignored.
    #[serde(default)]
    pub extra: Option<serde_json::Value>,
}

/// A refresh request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshDto {
    /// The refresh token of the last pair.
    pub refresh_token: String,
    /// The new access token's lifetime in seconds (a number, or a string holding one).
    #[serde(default)]
    pub ttl: Option<serde_json::Value>,
}

/// A token pair as Twin24 returns it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokensDto {
    /// The access token (a JWT with `exp`, `sub`, `company_id`, `iat`, `version`).
    pub token: String,
    /// The single-use refresh token.
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

/// `POST /auth/login`.
pub async fn login(
    State(services): State<Arc<Services>>,
    Body(body): Body<LoginDto>,
) -> Result<Json<TokensDto>, TwinError> {
    let ttl = ttl(body.ttl)?;
    let pair = services
        .auth
        .login_with_ttl(&body.email, &body.password, ttl)
        .await
        .map_err(|e| unauthenticated(e, "wrong email or password"))?;
    Ok(Json(pair.into()))
}

/// `POST /auth/refresh`.
pub async fn refresh(
    State(services): State<Arc<Services>>,
    Body(body): Body<RefreshDto>,
) -> Result<Json<TokensDto>, TwinError> {
    let ttl = ttl(body.ttl)?;
    let pair = services
        .auth
        .refresh_with_ttl(&body.refresh_token, ttl)
        .await
        .map_err(|e| unauthenticated(e, "refresh token is invalid, expired or already used"))?;
    Ok(Json(pair.into()))
}

/// `ttl` as a number of seconds, or as a string holding one (clients send both).
fn ttl(value: Option<serde_json::Value>) -> Result<Option<Duration>, TwinError> {
    use serde_json::Value;
    let seconds = match &value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        Some(_) => None,
    };
    match seconds {
        Some(s) if s.is_finite() && s > 0.0 => Ok(Some(Duration::seconds(s.min(1e9) as i64))),
        _ => Err(TwinError::invalid(format!(
            "`ttl` must be a positive number of seconds, not {}",
            value.unwrap_or_default()
        ))),
    }
}

fn unauthenticated(error: parley_domain::Error, message: &str) -> TwinError {
    if error.kind() == ErrorKind::Unauthenticated {
        ApiError::unauthenticated(message).into()
    } else {
        error.into()
    }
}
