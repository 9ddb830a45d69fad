//! Query parameters of the dialog, statistic, queue and selection methods, read leniently
//! (blank means absent) with 400s that name the parameter: optional UUIDs, booleans, and the
//! `limit`/`offset` pair.

use axum::http::Uri;
use parley_domain::ids::Uuid;
use parley_domain::values::Page;

use crate::faces::neuro::error::NeuroError;
use crate::faces::neuro::extract::{parse_uuid, query_value};

/// Rows a list returns when the client sends no `limit`.
pub const DEFAULT_LIMIT: u64 = 100;

/// Query parameter `name`, trimmed; blank is absent.
pub fn text(uri: &Uri, name: &str) -> Option<String> {
    query_value(uri, name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Required query parameter `name`.
pub fn required(uri: &Uri, name: &str) -> Result<String, NeuroError> {
    text(uri, name)
        .ok_or_else(|| NeuroError::invalid(format!("the query parameter `{name}` is required")))
}

/// Optional UUID parameter `name`; malformed is 400.
pub fn uuid(uri: &Uri, name: &str) -> Result<Option<Uuid>, NeuroError> {
    text(uri, name).map(|v| parse_uuid(name, &v)).transpose()
}

/// Required UUID parameter `name`.
pub fn required_uuid(uri: &Uri, name: &str) -> Result<Uuid, NeuroError> {
    parse_uuid(name, &required(uri, name)?)
}

/// Optional boolean parameter `name`: `true`/`false`, `1`/`0`, any case.
pub fn boolean(uri: &Uri, name: &str) -> Result<Option<bool>, NeuroError> {
    let Some(value) = text(uri, name) else {
        return Ok(None);
    };
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(Some(true)),
        "false" | "0" => Ok(Some(false)),
        _ => Err(NeuroError::invalid(format!(
            "`{value}` is not a valid {name} (expected true or false)"
        ))),
    }
}

/// Optional whole-number parameter `name`.
pub fn number(uri: &Uri, name: &str) -> Result<Option<u64>, NeuroError> {
    text(uri, name)
        .map(|v| {
            v.parse::<u64>().map_err(|_| {
                NeuroError::invalid(format!(
                    "`{v}` is not a valid {name} (expected a whole number)"
                ))
            })
        })
        .transpose()
}

/// The page `limit` (default [`DEFAULT_LIMIT`], at most 1000) and `offset` (default 0) name.
pub fn page(limit: Option<u64>, offset: Option<u64>) -> Result<Page, NeuroError> {
    Ok(Page::new(
        offset.unwrap_or(0),
        limit.unwrap_or(DEFAULT_LIMIT),
    )?)
}

/// The page of the query's `limit` and `offset`.
pub fn query_page(uri: &Uri) -> Result<Page, NeuroError> {
    page(number(uri, "limit")?, number(uri, "offset")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(query: &str) -> Uri {
        format!("/x?{query}").parse().unwrap_or_default()
    }

    #[test]
    fn lenient_reads_and_named_errors() {
        let u = uri("a=+1+&b=&flag=TRUE&n=x&limit=20&offset=40");
        assert_eq!(text(&u, "a").as_deref(), Some("1"));
        assert_eq!(text(&u, "b"), None);
        assert_eq!(boolean(&u, "flag").ok(), Some(Some(true)));
        assert!(number(&u, "n").is_err());
        assert_eq!(
            query_page(&u).ok(),
            Some(Page {
                offset: 40,
                limit: 20
            })
        );
        assert_eq!(query_page(&uri("")).ok().map(|p| p.limit), Some(100));
        assert!(required(&u, "missing").is_err());
        assert!(uuid(&u, "a").is_err());
    }
}
