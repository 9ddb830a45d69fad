//! `DirectoryStore`: installation secrets, companies, users and refresh tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parley_domain::directory::{Company, Credentials, NewUser, RefreshRecord, User};
use parley_domain::ids::{CompanyId, UserId, Uuid};
use parley_domain::ports::DirectoryStore;
use parley_domain::values::{Email, Role};
use parley_domain::{Error, Result};

use crate::SqlStore;
use crate::errors::{self, corrupt};
use crate::time::Ts;

macro_rules! company_cols {
    () => {
        "id, uuid, name, created_at"
    };
}

macro_rules! user_cols {
    () => {
        "id, uuid, company_id, email, name, role, created_at"
    };
}

#[derive(sqlx::FromRow)]
struct CompanyRow {
    id: i64,
    uuid: Uuid,
    name: String,
    created_at: Ts,
}

impl From<CompanyRow> for Company {
    fn from(row: CompanyRow) -> Self {
        Company {
            id: CompanyId(row.id),
            uuid: row.uuid,
            name: row.name,
            created_at: row.created_at.into(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    uuid: Uuid,
    company_id: i64,
    email: String,
    name: String,
    role: String,
    created_at: Ts,
}

impl UserRow {
    fn into_user(self) -> Result<User> {
        Ok(User {
            id: UserId(self.id),
            uuid: self.uuid,
            company_id: CompanyId(self.company_id),
            email: Email::parse(&self.email).map_err(|e| corrupt("reading a user's e-mail", e))?,
            name: self.name,
            role: Role::parse(&self.role).map_err(|e| corrupt("reading a user's role", e))?,
            created_at: self.created_at.into(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct CredentialsRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
}

#[derive(sqlx::FromRow)]
struct RefreshRow {
    jti: String,
    user_id: i64,
    company_id: i64,
    expires_at: Ts,
}

impl From<RefreshRow> for RefreshRecord {
    fn from(row: RefreshRow) -> Self {
        RefreshRecord {
            jti: row.jti,
            user_id: UserId(row.user_id),
            company_id: CompanyId(row.company_id),
            expires_at: row.expires_at.into(),
        }
    }
}

#[async_trait]
impl DirectoryStore for SqlStore {
    async fn secret(&self, name: &str, generate: String) -> Result<String> {
        let now = Ts::from(self.now());
        // Insert-if-absent then read: every node ends up with the value the first one stored.
        on_db!(self, write, |conn| async {
            sqlx::query("INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
                .bind(name)
                .bind(&generate)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            sqlx::query_scalar("SELECT value FROM secrets WHERE name = $1").bind(name).fetch_one(&mut *conn).await
        }
        .await)
        .map_err(errors::db("loading an installation secret"))
    }

    async fn create_company(&self, name: &str) -> Result<Company> {
        let now = Ts::from(self.now());
        let sql = concat!(
            "INSERT INTO companies (uuid, name, created_at) VALUES ($1, $2, $3) RETURNING ",
            company_cols!()
        );
        let row: CompanyRow = on_db!(self, write, |conn| {
            sqlx::query_as(sql)
                .bind(Uuid::now_v7())
                .bind(name)
                .bind(now)
                .fetch_one(&mut *conn)
                .await
        })
        .map_err(errors::unique("creating a company", || {
            format!("company name `{name}` is taken")
        }))?;
        Ok(row.into())
    }

    async fn company(&self, id: CompanyId) -> Result<Company> {
        let sql = concat!("SELECT ", company_cols!(), " FROM companies WHERE id = $1");
        let row: Option<CompanyRow> = on_db!(self, read, |conn| sqlx::query_as(sql)
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await)
        .map_err(errors::db("loading a company"))?;
        row.map(Company::from)
            .ok_or_else(|| Error::not_found("company", id))
    }

    async fn company_by_name(&self, name: &str) -> Result<Option<Company>> {
        let sql = concat!(
            "SELECT ",
            company_cols!(),
            " FROM companies WHERE name = $1"
        );
        let row: Option<CompanyRow> = on_db!(self, read, |conn| sqlx::query_as(sql)
            .bind(name)
            .fetch_optional(&mut *conn)
            .await)
        .map_err(errors::db("finding a company by name"))?;
        Ok(row.map(Company::from))
    }

    async fn create_user(&self, company: CompanyId, user: NewUser) -> Result<User> {
        let now = Ts::from(self.now());
        let sql = concat!(
            "INSERT INTO users (uuid, company_id, email, name, role, password_hash, created_at) ",
            "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
            user_cols!()
        );
        let email = user.email.as_str();
        let row: UserRow = on_db!(self, write, |conn| {
            sqlx::query_as(sql)
                .bind(Uuid::now_v7())
                .bind(company.0)
                .bind(email)
                .bind(&user.name)
                .bind(user.role.as_str())
                .bind(&user.password_hash)
                .bind(now)
                .fetch_one(&mut *conn)
                .await
        })
        .map_err(errors::references(
            "creating a user",
            "company",
            company,
            || format!("e-mail {email} is taken"),
        ))?;
        row.into_user()
    }

    async fn credentials(&self, email: &Email) -> Result<Option<Credentials>> {
        let sql = concat!(
            "SELECT ",
            user_cols!(),
            ", password_hash FROM users WHERE email = $1"
        );
        let row: Option<CredentialsRow> = on_db!(self, read, |conn| sqlx::query_as(sql)
            .bind(email.as_str())
            .fetch_optional(&mut *conn)
            .await)
        .map_err(errors::db("loading a user's credentials"))?;
        row.map(|row| {
            Ok(Credentials {
                user: row.user.into_user()?,
                password_hash: row.password_hash,
            })
        })
        .transpose()
    }

    async fn user(&self, company: CompanyId, id: UserId) -> Result<User> {
        let sql = concat!(
            "SELECT ",
            user_cols!(),
            " FROM users WHERE company_id = $1 AND id = $2"
        );
        let row: Option<UserRow> = on_db!(self, read, |conn| sqlx::query_as(sql)
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await)
        .map_err(errors::db("loading a user"))?;
        row.ok_or_else(|| Error::not_found("user", id))?.into_user()
    }

    async fn users(&self, company: CompanyId) -> Result<Vec<User>> {
        let sql = concat!(
            "SELECT ",
            user_cols!(),
            " FROM users WHERE company_id = $1 ORDER BY id"
        );
        let rows: Vec<UserRow> = on_db!(self, read, |conn| sqlx::query_as(sql)
            .bind(company.0)
            .fetch_all(&mut *conn)
            .await)
        .map_err(errors::db("listing users"))?;
        rows.into_iter().map(UserRow::into_user).collect()
    }

    async fn set_password(
        &self,
        company: CompanyId,
        id: UserId,
        password_hash: &str,
    ) -> Result<()> {
        let sql = "UPDATE users SET password_hash = $3 WHERE company_id = $1 AND id = $2";
        let done = on_db!(self, write, |conn| {
            sqlx::query(sql)
                .bind(company.0)
                .bind(id.0)
                .bind(password_hash)
                .execute(&mut *conn)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(errors::db("setting a password"))?;
        if done == 0 {
            Err(Error::not_found("user", id))
        } else {
            Ok(())
        }
    }

    async fn insert_refresh(&self, record: &RefreshRecord) -> Result<()> {
        let now = Ts::from(self.now());
        let sql = "INSERT INTO refresh_tokens (jti, company_id, user_id, expires_at, used_at, created_at) \
                   VALUES ($1, $2, $3, $4, NULL, $5)";
        on_db!(self, write, |conn| {
            sqlx::query(sql)
                .bind(&record.jti)
                .bind(record.company_id.0)
                .bind(record.user_id.0)
                .bind(Ts::from(record.expires_at))
                .bind(now)
                .execute(&mut *conn)
                .await
                .map(drop)
        })
        .map_err(errors::references(
            "recording a refresh token",
            "user",
            record.user_id,
            || "a refresh token with this id already exists".to_owned(),
        ))?;
        Ok(())
    }

    async fn take_refresh(&self, jti: &str, now: DateTime<Utc>) -> Result<Option<RefreshRecord>> {
        let sql = "UPDATE refresh_tokens SET used_at = $2 WHERE jti = $1 AND used_at IS NULL AND expires_at > $2 \
                   RETURNING jti, user_id, company_id, expires_at";
        let row: Option<RefreshRow> = on_db!(self, write, |conn| {
            sqlx::query_as(sql)
                .bind(jti)
                .bind(Ts::from(now))
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("using a refresh token"))?;
        Ok(row.map(RefreshRecord::from))
    }

    async fn refresh_is_live(&self, jti: &str, now: DateTime<Utc>) -> Result<bool> {
        let sql =
            "SELECT jti FROM refresh_tokens WHERE jti = $1 AND used_at IS NULL AND expires_at > $2";
        on_db!(self, read, |conn| {
            sqlx::query(sql)
                .bind(jti)
                .bind(Ts::from(now))
                .fetch_optional(&mut *conn)
                .await
                .map(|row| row.is_some())
        })
        .map_err(errors::db("checking a refresh token"))
    }
}
