//! Query-string and path extractors whose failures are [`ApiError`]s naming the parameter.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use parley_domain::Detail;
use serde::de::DeserializeOwned;

use crate::common::error::ApiError;

/// The query string parsed into `T`. Give `T` `#[serde(deny_unknown_fields)]` to refuse
/// misspelled parameters instead of silently ignoring them.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or_default()).map(QueryParams)
    }
}

/// Parses a query string (`a=1&b=x`) into `T`.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let field = Some(error.path().to_string()).filter(|f| f != ".");
        let text = error
            .into_inner()
            .to_string()
            .replace("unknown field", "unknown parameter")
            .replace("missing field", "missing parameter");
        let message = match &field {
            Some(field) => format!("query parameter `{field}`: {text}"),
            None => format!("invalid query string: {text}"),
        };
        ApiError::invalid(message).with_details([Detail {
            field,
            ..Detail::new(text)
        }])
    })
}

/// For `Option<DateTime<Utc>>` query parameters, with `#[serde(default, deserialize_with =
/// "rfc3339")]`: an RFC 3339 timestamp, with an error that shows the expected form.
pub fn rfc3339<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(deserializer)?;
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| {
            serde::de::Error::custom(format!(
                "`{text}` is not an RFC 3339 timestamp (expected e.g. 2025-03-14T09:00:00Z)"
            ))
        })
}

/// Path parameters parsed into `T` (usually `String`, then read with [`crate::common::ids`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|rejection| {
                ApiError::invalid(format!("invalid path parameter: {}", rejection.body_text()))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Probe {
        limit: Option<u64>,
        #[serde(default, deserialize_with = "rfc3339")]
        from: Option<DateTime<Utc>>,
    }

    #[test]
    fn wrong_types_and_unknown_parameters_are_named() {
        assert_eq!(parse_query::<Probe>("limit=5").unwrap().limit, Some(5));
        assert_eq!(parse_query::<Probe>("").unwrap().limit, None);
        let wrong = parse_query::<Probe>("limit=abc").unwrap_err();
        assert_eq!(
            wrong.message(),
            "query parameter `limit`: invalid digit found in string"
        );
        let unknown = parse_query::<Probe>("limt=5").unwrap_err();
        assert!(
            unknown.message().contains("unknown parameter `limt`"),
            "{}",
            unknown.message()
        );
        let from = parse_query::<Probe>("from=2025-03-14T12:00:00%2B03:00")
            .unwrap()
            .from
            .unwrap();
        assert_eq!(from.to_rfc3339(), "2025-03-14T09:00:00+00:00");
        let bad = parse_query::<Probe>("from=2025-03-14T12:00:00+03:00").unwrap_err();
        assert!(
            bad.message()
                .contains("(expected e.g. 2025-03-14T09:00:00Z)"),
            "{}",
            bad.message()
        );
    }
}
