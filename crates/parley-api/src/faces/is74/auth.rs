//! `POST /login/` (OAuth2 password style: a form with `username` and `password`, JSON also
//! read) → `{"access_token", "token_type": "bearer"}`, and [`Caller`], the
//! `Authorization: Bearer <access token>` every other route takes.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use parley_domain::{ErrorKind, Principal, Services};
use serde::Serialize;

use crate::common::auth::bearer_token;
use crate::common::error::ApiError;
use crate::common::json::media_type;
use crate::faces::is74::error::Is74Error;

/// `/login/`'s answer.
#[derive(Debug, Serialize)]
pub struct TokenDto {
    /// The access token (1 h), sent back as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: &'static str,
}

/// `POST /login/`.
pub async fn login(
    State(services): State<Arc<Services>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<TokenDto>, Is74Error> {
    let (username, password) = credentials(media_type(&headers).as_deref(), &body)?;
    let pair = services
        .auth
        .login(&username, &password)
        .await
        .map_err(|e| {
            if e.kind() == ErrorKind::Unauthenticated {
                ApiError::unauthenticated("Incorrect username or password").into()
            } else {
                Is74Error::from(e)
            }
        })?;
    Ok(Json(TokenDto {
        access_token: pair.access_token,
        token_type: "bearer",
    }))
}

/// `username` and `password` of a form (or, when the type says JSON, a JSON object).
fn credentials(media: Option<&str>, body: &[u8]) -> Result<(String, String), Is74Error> {
    let fields: Vec<(String, String)> = if media.is_some_and(crate::common::json::is_json_type) {
        let value: serde_json::Value = serde_json::from_slice(body)
            .map_err(|_| Is74Error::invalid("the body is not valid JSON"))?;
        ["username", "password"]
            .into_iter()
            .filter_map(|k| Some((k.to_owned(), value.get(k)?.as_str()?.to_owned())))
            .collect()
    } else {
        form_urlencoded::parse(body).into_owned().collect()
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    match (field("username"), field("password")) {
        (Some(username), Some(password)) => Ok((username, password)),
        (username, _) => {
            let missing = if username.is_none() {
                "username"
            } else {
                "password"
            };
            Err(Is74Error::invalid(format!(
                "field required: `{missing}` (send a form: username=...&password=...)"
            )))
        }
    }
}

/// The caller of an is74 route: `Authorization: Bearer <access token>` from `/login/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller(pub Principal);

impl<S> FromRequestParts<S> for Caller
where
    Arc<Services>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Is74Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers)
            .map_err(|_| ApiError::unauthenticated("Not authenticated"))?;
        let services = Arc::<Services>::from_ref(state);
        let principal = services.auth.authenticate(token).map_err(|e| {
            if e.kind() == ErrorKind::Unauthenticated {
                ApiError::unauthenticated("Could not validate credentials").into()
            } else {
                Is74Error::from(e)
            }
        })?;
        Ok(Caller(principal))
    }
}

#[cfg(test)]
mod tests {
    use super::credentials;

    #[test]
    fn forms_and_json() {
        let form = Some("application/x-www-form-urlencoded");
        assert_eq!(
            credentials(form, b"username=a%40b.c&password=p+q&grant_type=password").ok(),
            Some(("a@b.c".to_owned(), "p q".to_owned()))
        );
        assert_eq!(
            credentials(None, b"username=a&password=b").ok(),
            Some(("a".to_owned(), "b".to_owned()))
        );
        let json = Some("application/json");
        assert_eq!(
            credentials(json, br#"{"username": "a", "password": "b"}"#).ok(),
            Some(("a".to_owned(), "b".to_owned()))
        );
        assert!(credentials(form, b"username=a").is_err());
        assert!(credentials(form, b"").is_err());
        assert!(credentials(json, b"{").is_err());
    }
}
