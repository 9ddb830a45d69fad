//! Logging in, refreshing tokens, and who the caller is.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use parley_domain::Services;
use parley_domain::auth::{ACCESS_TTL, REFRESH_TTL, TokenPair};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::common::auth::Bearer;
use crate::common::error::ApiError;
use crate::common::json::JsonBody;
use crate::faces::native::dto::UserDto;
use crate::faces::native::error::ErrorBody;

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login e-mail.
    #[schema(example = "admin@example.com")]
    pub email: String,
    /// Password.
    pub password: String,
}

/// A refresh token to exchange.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token of the last pair; it works once.
    pub refresh_token: String,
}

/// A fresh token pair.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Exchange at `/parley/v1/auth/refresh` for a new pair; single use.
    pub refresh_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 3600)]
    pub expires_in: i64,
    /// Seconds until the refresh token expires.
    #[schema(example = 86400)]
    pub refresh_expires_in: i64,
}

impl From<TokenPair> for TokenResponse {
    fn from(pair: TokenPair) -> Self {
        Self {
            access_token: pair.access_token,
            refresh_token: pair.refresh_token,
            token_type: "Bearer",
            expires_in: ACCESS_TTL.num_seconds(),
            refresh_expires_in: REFRESH_TTL.num_seconds(),
        }
    }
}

/// Log in with e-mail and password.
#[utoipa::path(post, path = "/parley/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Wrong login or password", body = ErrorBody),
    ))]
pub async fn login(
    State(services): State<Arc<Services>>,
    JsonBody(body): JsonBody<LoginRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let pair = services.auth.login(&body.email, &body.password).await?;
    Ok(Json(pair.into()))
}

/// Exchange a refresh token for a new pair; the old refresh token stops working.
#[utoipa::path(post, path = "/parley/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenResponse),
        (status = 401, description = "Invalid, expired or already used refresh token", body = ErrorBody),
    ))]
pub async fn refresh(
    State(services): State<Arc<Services>>,
    JsonBody(body): JsonBody<RefreshRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let pair = services.auth.refresh(&body.refresh_token).await?;
    Ok(Json(pair.into()))
}

/// The calling user.
#[utoipa::path(get, path = "/parley/v1/me", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = UserDto),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
    ))]
pub async fn me(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
) -> Result<Json<UserDto>, ApiError> {
    let user = services.directory.user(&who, who.user_id).await?;
    Ok(Json(user.into()))
}
