//! Companies and users: creating tenants and their logins.

use std::sync::Arc;

use crate::auth::{AuthService, Principal};
use crate::directory::{Company, NewUser, User};
use crate::error::{Error, Result};
use crate::ids::{CompanyId, UserId};
use crate::ports::Store;
use crate::values::{Email, Role};

/// What a new user is made from.
#[derive(Debug, Clone)]
pub struct CreateUser {
    /// Login.
    pub email: String,
    /// Display name (the e-mail when empty).
    pub name: String,
    /// Role.
    pub role: Role,
    /// Plain password, hashed before storing.
    pub password: String,
}

/// Tenants and users.
pub struct DirectoryService {
    store: Arc<dyn Store>,
    auth: Arc<AuthService>,
}

impl std::fmt::Debug for DirectoryService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryService").finish_non_exhaustive()
    }
}

impl DirectoryService {
    /// Over a store, hashing passwords with `auth`.
    pub fn new(store: Arc<dyn Store>, auth: Arc<AuthService>) -> Self {
        Self { store, auth }
    }

    /// Creates a company (installation-level: the CLI and the demo call this).
    pub async fn create_company(&self, name: &str) -> Result<Company> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(Error::invalid("company name must be 1–200 characters"));
        }
        self.store.create_company(name).await
    }

    /// The company called `name`, creating it if missing (idempotent set-up).
    pub async fn ensure_company(&self, name: &str) -> Result<Company> {
        match self.store.company_by_name(name.trim()).await? {
            Some(company) => Ok(company),
            None => self.create_company(name).await,
        }
    }

    /// A company by id.
    pub async fn company(&self, id: CompanyId) -> Result<Company> {
        self.store.company(id).await
    }

    /// Creates a user in `company` (installation-level: CLI and demo).
    pub async fn create_user(&self, company: CompanyId, user: CreateUser) -> Result<User> {
        let email = Email::parse(&user.email)?;
        let password_hash = self.auth.hash_password(&user.password)?;
        let name = if user.name.trim().is_empty() {
            email.to_string()
        } else {
            user.name.trim().to_owned()
        };
        self.store
            .create_user(
                company,
                NewUser {
                    email,
                    name,
                    role: user.role,
                    password_hash,
                },
            )
            .await
    }

    /// Creates a user in the caller's company; admins only.
    pub async fn add_user(&self, who: &Principal, user: CreateUser) -> Result<User> {
        who.require_admin()?;
        self.create_user(who.company_id, user).await
    }

    /// The caller's company's users.
    pub async fn users(&self, who: &Principal) -> Result<Vec<User>> {
        self.store.users(who.company_id).await
    }

    /// One user of the caller's company.
    pub async fn user(&self, who: &Principal, id: UserId) -> Result<User> {
        self.store.user(who.company_id, id).await
    }
}
