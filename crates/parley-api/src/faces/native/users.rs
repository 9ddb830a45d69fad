//! The users of the caller's company.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parley_domain::Services;
use parley_domain::directory_service::CreateUser;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::common::auth::Bearer;
use crate::common::error::ApiError;
use crate::common::json::JsonBody;
use crate::faces::native::dto::{RoleDto, UserDto};
use crate::faces::native::error::ErrorBody;

/// A new user of the caller's company.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// Login, unique across the installation.
    #[schema(example = "ann@example.com")]
    pub email: String,
    /// Display name (the e-mail when empty).
    #[serde(default)]
    pub name: String,
    /// Role.
    pub role: RoleDto,
    /// At least 8 characters.
    pub password: String,
}

/// The users of the company.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    /// Oldest first.
    pub items: Vec<UserDto>,
}

/// The users of the caller's company.
#[utoipa::path(get, path = "/parley/v1/users", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, description = "Every user of the company", body = UserList),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
    ))]
pub async fn list(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
) -> Result<Json<UserList>, ApiError> {
    let users = services.directory.users(&who).await?;
    Ok(Json(UserList {
        items: users.into_iter().map(UserDto::from).collect(),
    }))
}

/// Adds a user to the caller's company (admins only).
#[utoipa::path(post, path = "/parley/v1/users", tag = "users", security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "The new user", body = UserDto),
        (status = 400, description = "Bad e-mail, short password, malformed body", body = ErrorBody),
        (status = 403, description = "The caller is not an admin", body = ErrorBody),
        (status = 409, description = "The e-mail is taken", body = ErrorBody),
    ))]
pub async fn create(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    JsonBody(body): JsonBody<CreateUserRequest>,
) -> Result<(StatusCode, Json<UserDto>), ApiError> {
    let request = CreateUser {
        email: body.email,
        name: body.name,
        role: body.role.into(),
        password: body.password,
    };
    let user = services.directory.add_user(&who, request).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}
