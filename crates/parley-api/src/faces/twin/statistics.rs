//! `GET /search/cis/calls` and `GET /search/cis/sessions`: call statistics as
//! `{"count", "items"}` (or a file, see [`super::export`]), and `GET
//! /search/cis/calls/{id}/record`, the recording `recordPath` links to.
//!
//! The query string is read here and checked by `CampaignService::search_calls`: `fields` (a
//! comma list; a bare `?id&phone` selects fields too), `from`/`to` (ISO 8601; a `+` left
//! unencoded arrives as a space and is read back as `+`), `filterPeriodBy`, `sort`, `limit`,
//! `offset`, `page`, `output`, `filename`, `archive`; every other parameter is a filter on the
//! field it names.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use parley_domain::Services;
use parley_domain::campaign_service::search::{SearchKind, SearchRequest};
use parley_domain::ids::Ref;

use crate::common::query::Path;
use crate::faces::twin::error::TwinError;
use crate::faces::twin::export::{self, Output};
use crate::faces::twin::extract::{Caller, query_pairs};

/// `GET /search/cis/calls`.
pub async fn calls(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, TwinError> {
    search(&services, who, SearchKind::Calls, &headers, &uri).await
}

/// `GET /search/cis/sessions`.
pub async fn sessions(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, TwinError> {
    search(&services, who, SearchKind::Sessions, &headers, &uri).await
}

/// `GET /search/cis/calls/{id}/record`: the call's recording (WAV).
pub async fn record(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Response, TwinError> {
    let uuid = parley_domain::ids::Uuid::parse_str(id.trim())
        .map_err(|_| TwinError::invalid(format!("`{id}` is not a call id (a UUID)")))?;
    let recording = services.campaigns.recording(&who, Ref::Uuid(uuid)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, recording.content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", recording.file_name),
            ),
        ],
        recording.bytes,
    )
        .into_response())
}

async fn search(
    services: &Services,
    who: parley_domain::Principal,
    kind: SearchKind,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<Response, TwinError> {
    let params = Params::read(uri)?;
    let result = services
        .campaigns
        .search_calls(&who, kind, &params.request)
        .await?;
    let base = export::record_base(headers, uri);
    export::respond(result, &params.output, &base).await
}

/// A statistics query string, read.
struct Params {
    request: SearchRequest,
    output: Output,
}

impl Params {
    fn read(uri: &Uri) -> Result<Self, TwinError> {
        let mut request = SearchRequest::default();
        let mut format = None;
        let mut filename = None;
        let mut archive = false;
        for (key, value) in query_pairs(uri) {
            // A parameter sent blank (`limit=&from=`, as query builders write unset values) is
            // absent; so is a field named twice (a JSON item cannot hold one key twice).
            let blank = value.trim().is_empty();
            match key.as_str() {
                "fields" => {
                    for field in value.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                        if !request.fields.iter().any(|f| f == field) {
                            request.fields.push(field.to_owned());
                        }
                    }
                }
                "from" | "to" | "filterPeriodBy" | "sort" | "limit" | "offset" | "page"
                    if blank => {}
                "from" => request.from = Some(instant("from", &value)?),
                "to" => request.to = Some(instant("to", &value)?),
                "filterPeriodBy" => request.period_by = Some(value),
                "sort" => request.sort = Some(value),
                "limit" => request.limit = Some(number("limit", &value)?),
                "offset" => request.offset = Some(number("offset", &value)?),
                "page" => request.page = Some(number("page", &value)?),
                "output" => format = Some(value).filter(|v| !v.trim().is_empty()),
                "filename" => filename = Some(value).filter(|v| !v.trim().is_empty()),
                "archive" => archive = value.trim().eq_ignore_ascii_case("true") || value == "1",
                _ if value.is_empty() => {
                    if !request.fields.contains(&key) {
                        request.fields.push(key);
                    }
                }
                _ => request.filters.push((key, value)),
            }
        }
        let output = Output::new(format.as_deref(), filename, archive)?;
        request.export = output.is_file();
        Ok(Params { request, output })
    }
}

/// An ISO 8601 instant (`2022-03-01T21:30:54+00:00`, `…Z`, or a date for its midnight UTC).
fn instant(name: &str, text: &str) -> Result<DateTime<Utc>, TwinError> {
    let text = text.trim();
    // An unencoded `+` in the offset arrives as a space.
    let repaired = text.replace(' ', "+");
    let parsed = DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_rfc3339(&repaired))
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        });
    parsed.ok_or_else(|| {
        TwinError::invalid(format!(
            "`{name}` must be an ISO 8601 date and time such as 2022-03-01T21:30:54+00:00, not `{text}`"
        ))
    })
}

fn number(name: &str, text: &str) -> Result<u64, TwinError> {
    text.trim()
        .parse()
        .map_err(|_| TwinError::invalid(format!("`{name}` must be a whole number, not `{text}`")))
}
