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

/// Which end of a day a date without a time stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayEnd {
    /// `00:00:00` (the start of a range).
    Start,
    /// The last instant of the day (the end of an inclusive range).
    End,
}

/// An ISO 8601 date (`2023-05-01`), or date and time with or without a zone
/// (`2023-05-01T10:00:00`, `…Z`, `…+03:00`, fractional seconds allowed). Times without a zone and
/// dates are UTC; a date alone is the start or the end of that day. A `+` of a zone that arrived
/// unencoded in a query string (decoded as a space) is read as `+`.
pub fn iso8601(text: &str, end: DayEnd) -> Option<DateTime<Utc>> {
    use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
    let text = text.trim();
    let text = match text.rsplit_once(' ') {
        Some((head, zone)) if head.contains('T') => format!("{head}+{zone}"),
        _ => text.to_owned(),
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(&text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&text, format) {
            return Some(t.and_utc());
        }
    }
    let date = NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok()?;
    let time = match end {
        DayEnd::Start => NaiveTime::MIN,
        DayEnd::End => NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999)?,
    };
    Some(date.and_time(time).and_utc())
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
    fn iso8601_dates_times_and_zones() {
        let read = |text| iso8601(text, DayEnd::Start).map(|t| t.to_rfc3339());
        assert_eq!(read("2023-05-01").unwrap(), "2023-05-01T00:00:00+00:00");
        assert_eq!(
            iso8601("2023-05-01", DayEnd::End).unwrap().to_rfc3339(),
            "2023-05-01T23:59:59.999999999+00:00"
        );
        assert_eq!(
            read("2023-05-01T10:00:00").unwrap(),
            "2023-05-01T10:00:00+00:00"
        );
        assert_eq!(
            read("2023-05-01T10:00").unwrap(),
            "2023-05-01T10:00:00+00:00"
        );
        assert_eq!(
            read("2023-05-01T10:00:00Z").unwrap(),
            "2023-05-01T10:00:00+00:00"
        );
        assert_eq!(
            read("2023-05-01T13:00:00 03:00").unwrap(),
            "2023-05-01T10:00:00+00:00"
        );
        assert_eq!(
            read("2023-05-01T13:00:00+0300").unwrap(),
            "2023-05-01T10:00:00+00:00"
        );
        assert_eq!(read("2023-13-01"), None);
        assert_eq!(read("yesterday"), None);
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
