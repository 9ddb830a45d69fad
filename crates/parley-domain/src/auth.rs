//! Authentication: argon2 passwords, JWT access tokens (1 h) and single-use refresh tokens (24 h).
//!
//! Tokens are HS256 JWTs signed with an installation secret kept in the store, so they survive
//! restarts and are shared by every node on one database. Expiry is checked against the `Clock`
//! port, not the machine clock, so tests can move time.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::directory::{RefreshRecord, User};
use crate::error::{Error, Result};
use crate::ids::{CompanyId, UserId};
use crate::ports::{Clock, Store};
use crate::values::{Email, Role};
use crate::verified_logins::VerifiedLogins;

/// Lifetime of an access token.
pub const ACCESS_TTL: Duration = Duration::seconds(3600);
/// Lifetime of a refresh token.
pub const REFRESH_TTL: Duration = Duration::seconds(86_400);
/// The shortest and longest access-token lifetimes a caller may ask for (Twin24's `ttl`).
pub const TTL_RANGE: (Duration, Duration) = (Duration::seconds(60), Duration::seconds(30 * 86_400));
/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 8;

/// Who is calling: a user of a company with a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    /// The company every query is scoped by.
    pub company_id: CompanyId,
    /// The user.
    pub user_id: UserId,
    /// What it may do.
    pub role: Role,
}

impl Principal {
    /// `Forbidden` unless the role may change agents and dialogs.
    pub fn require_write(&self) -> Result<()> {
        self.require(self.role.can_write(), "change data")
    }

    /// `Forbidden` unless the role may act as an operator.
    pub fn require_operate(&self) -> Result<()> {
        self.require(self.role.can_operate(), "operate dialogs")
    }

    /// `Forbidden` unless the role is admin.
    pub fn require_admin(&self) -> Result<()> {
        self.require(self.role.can_admin(), "manage users")
    }

    fn require(&self, allowed: bool, action: &str) -> Result<()> {
        if allowed {
            Ok(())
        } else {
            Err(Error::forbidden(format!(
                "role {} may not {action}",
                self.role
            )))
        }
    }
}

/// A freshly issued pair of tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenPair {
    /// The access token (JWT).
    pub access_token: String,
    /// The refresh token (JWT, single use).
    pub refresh_token: String,
    /// When the access token expires.
    pub access_expires_at: DateTime<Utc>,
    /// When the refresh token expires.
    pub refresh_expires_at: DateTime<Utc>,
}

/// The JWT payload. `sub` is the user id; `company_id` and `exp` are what Twin24 clients read.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    company_id: i64,
    role: String,
    typ: String,
    jti: String,
    iat: i64,
    exp: i64,
    version: u32,
}

const ACCESS: &str = "access";
const REFRESH: &str = "refresh";

/// Issues and checks credentials.
pub struct AuthService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    encoding: EncodingKey,
    decoding: DecodingKey,
    hasher: Argon2<'static>,
    verified: VerifiedLogins,
}

impl std::fmt::Debug for AuthService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthService").finish_non_exhaustive()
    }
}

impl AuthService {
    /// Loads (or creates, on first start) the signing secret from the store.
    pub async fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Result<Self> {
        let secret = store.secret("jwt-hs256", random_token(48)).await?;
        Ok(Self {
            store,
            clock,
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            hasher: Argon2::default(),
            verified: VerifiedLogins::new(),
        })
    }

    /// An argon2id PHC hash of `password`; refuses passwords shorter than 8 characters.
    pub fn hash_password(&self, password: &str) -> Result<String> {
        if password.chars().count() < MIN_PASSWORD_LEN {
            return Err(Error::invalid(format!(
                "password must be at least {MIN_PASSWORD_LEN} characters"
            )));
        }
        self.hasher
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| Error::internal("hashing a password", e.to_string()))
    }

    /// Checks login and password; the same `Unauthenticated` error for an unknown login and a wrong password.
    pub async fn verify_password(&self, login: &str, password: &str) -> Result<User> {
        let denied = || Error::unauthenticated("wrong login or password");
        let email = Email::parse(login).map_err(|_| denied())?;
        let Some(found) = self.store.credentials(&email).await? else {
            return Err(denied());
        };
        let hash = PasswordHash::new(&found.password_hash)
            .map_err(|e| Error::internal("reading a stored password hash", e.to_string()))?;
        self.hasher
            .verify_password(password.as_bytes(), &hash)
            .map_err(|_| denied())?;
        Ok(found.user)
    }

    /// Login with e-mail and password: a new token pair.
    pub async fn login(&self, login: &str, password: &str) -> Result<TokenPair> {
        self.login_with_ttl(login, password, None).await
    }

    /// Login with an access-token lifetime of `ttl` (clamped to [`TTL_RANGE`]; `None` is
    /// [`ACCESS_TTL`]); the refresh token lives [`REFRESH_TTL`] or as long, if longer.
    pub async fn login_with_ttl(
        &self,
        login: &str,
        password: &str,
        ttl: Option<Duration>,
    ) -> Result<TokenPair> {
        let user = self.verify_password(login, password).await?;
        self.issue(&user.company_id, user.id, user.role, ttl).await
    }

    /// HTTP Basic: the caller as a principal, without issuing tokens. A login verified in the
    /// last minute is recognised without argon2 (see `verified_logins`).
    pub async fn basic(&self, login: &str, password: &str) -> Result<Principal> {
        let key = login.trim().to_lowercase();
        let now = self.clock.now();
        if let Some(principal) = self.verified.get(&key, password, now) {
            return Ok(principal);
        }
        let user = self.verify_password(login, password).await?;
        let principal = Principal {
            company_id: user.company_id,
            user_id: user.id,
            role: user.role,
        };
        self.verified.remember(&key, password, principal, now);
        Ok(principal)
    }

    /// Exchanges a refresh token for a new pair; the old refresh token stops working.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair> {
        self.refresh_with_ttl(refresh_token, None).await
    }

    /// [`Self::refresh`] with an access-token lifetime as in [`Self::login_with_ttl`].
    pub async fn refresh_with_ttl(
        &self,
        refresh_token: &str,
        ttl: Option<Duration>,
    ) -> Result<TokenPair> {
        let claims = self.decode(refresh_token, REFRESH)?;
        let now = self.clock.now();
        let record = self
            .store
            .take_refresh(&claims.jti, now)
            .await?
            .ok_or_else(|| {
                Error::unauthenticated("refresh token is invalid, expired or already used")
            })?;
        let user = self
            .store
            .user(record.company_id, record.user_id)
            .await
            .map_err(|_| {
                Error::unauthenticated("refresh token belongs to a user that no longer exists")
            })?;
        self.issue(&user.company_id, user.id, user.role, ttl).await
    }

    /// Checks an access token.
    pub fn authenticate(&self, access_token: &str) -> Result<Principal> {
        self.decode(access_token, ACCESS).and_then(principal_of)
    }

    /// Checks a bearer that may be an access token or, as some Neuro.net clients send, a live
    /// refresh token.
    pub async fn authenticate_lenient(&self, token: &str) -> Result<Principal> {
        match self.decode(token, ACCESS) {
            Ok(claims) => principal_of(claims),
            Err(access_err) => match self.decode(token, REFRESH) {
                Ok(claims)
                    if self
                        .store
                        .refresh_is_live(&claims.jti, self.clock.now())
                        .await? =>
                {
                    principal_of(claims)
                }
                _ => Err(access_err),
            },
        }
    }

    async fn issue(
        &self,
        company: &CompanyId,
        user: UserId,
        role: Role,
        ttl: Option<Duration>,
    ) -> Result<TokenPair> {
        let now = self.clock.now();
        let access_ttl = ttl.map_or(ACCESS_TTL, |ttl| ttl.clamp(TTL_RANGE.0, TTL_RANGE.1));
        let access_expires_at = now + access_ttl;
        let refresh_expires_at = now + REFRESH_TTL.max(access_ttl);
        let access_token = self.encode(company, user, role, ACCESS, now, access_expires_at)?;
        let refresh_jti = random_token(24);
        let refresh_token = self.encode_with_jti(
            company,
            user,
            role,
            REFRESH,
            now,
            refresh_expires_at,
            &refresh_jti,
        )?;
        self.store
            .insert_refresh(&RefreshRecord {
                jti: refresh_jti,
                user_id: user,
                company_id: *company,
                expires_at: refresh_expires_at,
            })
            .await?;
        Ok(TokenPair {
            access_token,
            refresh_token,
            access_expires_at,
            refresh_expires_at,
        })
    }

    fn encode(
        &self,
        company: &CompanyId,
        user: UserId,
        role: Role,
        typ: &str,
        now: DateTime<Utc>,
        exp: DateTime<Utc>,
    ) -> Result<String> {
        self.encode_with_jti(company, user, role, typ, now, exp, &random_token(16))
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "private helper mirroring the claim set"
    )]
    fn encode_with_jti(
        &self,
        company: &CompanyId,
        user: UserId,
        role: Role,
        typ: &str,
        now: DateTime<Utc>,
        exp: DateTime<Utc>,
        jti: &str,
    ) -> Result<String> {
        let claims = Claims {
            sub: user.0.to_string(),
            company_id: company.0,
            role: role.as_str().to_owned(),
            typ: typ.to_owned(),
            jti: jti.to_owned(),
            iat: now.timestamp(),
            exp: exp.timestamp(),
            version: 1,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::internal("signing a token", e.to_string()))
    }

    fn decode(&self, token: &str, typ: &str) -> Result<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<Claims>(token.trim(), &self.decoding, &validation)
            .map_err(|_| Error::unauthenticated("token is invalid"))?
            .claims;
        if claims.typ != typ {
            let article = if typ == ACCESS { "an" } else { "a" };
            return Err(Error::unauthenticated(format!("not {article} {typ} token")));
        }
        if claims.exp <= self.clock.now().timestamp() {
            return Err(Error::unauthenticated("Token is expired."));
        }
        Ok(claims)
    }
}

fn principal_of(claims: Claims) -> Result<Principal> {
    let user_id = claims
        .sub
        .parse()
        .map_err(|_| Error::unauthenticated("token is invalid"))?;
    let role = Role::parse(&claims.role).map_err(|_| Error::unauthenticated("token is invalid"))?;
    Ok(Principal {
        company_id: CompanyId(claims.company_id),
        user_id,
        role,
    })
}

/// A URL-safe random string of `bytes` random bytes (hex encoded).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}
