//! Companies (tenants), their users, and the records behind tokens.

use chrono::{DateTime, Utc};

use crate::ids::{CompanyId, UserId, Uuid};
use crate::values::{Email, Role};

/// A tenant: everything else belongs to exactly one company.
#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    /// Integer id (Twin24 `companyId`).
    pub id: CompanyId,
    /// UUID (Neuro.net `company_uuid`).
    pub uuid: Uuid,
    /// Display name, unique across the installation.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A person or integration that logs in.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// Integer id.
    pub id: UserId,
    /// UUID.
    pub uuid: Uuid,
    /// The company it belongs to.
    pub company_id: CompanyId,
    /// Login, unique across the installation.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A user with its argon2 password hash, as the store returns it for login only.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The user.
    pub user: User,
    /// PHC string of the argon2 hash.
    pub password_hash: String,
}

/// A new user to store.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// PHC string of the argon2 hash.
    pub password_hash: String,
}

/// A refresh token as stored: only its id (`jti`), never the token itself.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshRecord {
    /// The token's unique id.
    pub jti: String,
    /// Whose token it is.
    pub user_id: UserId,
    /// The user's company.
    pub company_id: CompanyId,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
}
