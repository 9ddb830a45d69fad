//! Statistics: `GET /statistic/dialog?dialog_uuid=`, `POST /statistic/dialog-report`,
//! `GET /statistic/dialog-group?bulk_uuid=`, `GET /statistic/download/call?call_uuid=` and
//! `GET /statistic/{call_uuid}/transcription?type=json|text`. Rows are one per call attempt,
//! oldest first, shaped as [`report`] says.
//!
//! Unknown objects, another company's included, answer as the document says for "no data":
//! a dialog or bulk without calls (or unknown) is 404 `No data for dialog report`; a call without
//! a recording (unknown, or nobody answered) is 404 `Cannot find dialog for call_uuid <uuid>`;
//! an unknown call's transcription is 404 `{"data": []}`. Malformed UUIDs of those are answered
//! the same way, since no such object exists; `dialog-report`'s bad input is 400.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::TimeDelta;
use parley_domain::call::CallFilter;
use parley_domain::ids::{Ref, Uuid};
use parley_domain::{Error, ErrorKind, Services};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::common::error::ApiError;
use crate::common::files::content_disposition;
use crate::common::query::Path;
use crate::faces::neuro::error::NeuroError;
use crate::faces::neuro::extract::{Body, Caller, parse_uuid};
use crate::faces::neuro::report::{self, TranscriptionEventDto};
use crate::faces::neuro::{loose, params};

/// The 404 of dialog and group statistics.
pub const NO_DATA: &str = "No data for dialog report";

fn no_data() -> NeuroError {
    NeuroError::from(ApiError::not_found(NO_DATA)).status(StatusCode::NOT_FOUND)
}

/// `NotFound` as [`no_data`], anything else as it is.
fn or_no_data(error: Error) -> NeuroError {
    if error.kind() == ErrorKind::NotFound {
        no_data()
    } else {
        error.into()
    }
}

/// `GET /statistic/dialog?dialog_uuid=`.
pub async fn dialog(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    uri: Uri,
) -> Result<Json<Vec<Map<String, Value>>>, NeuroError> {
    let text = params::required(&uri, "dialog_uuid")?;
    let dialog = Uuid::parse_str(&text).map_err(|_| no_data())?;
    let reports = services
        .campaigns
        .dialog_reports(&who, Ref::Uuid(dialog))
        .await
        .map_err(or_no_data)?;
    if reports.is_empty() {
        return Err(no_data());
    }
    Ok(Json(
        reports.into_iter().map(report::statistic_row).collect(),
    ))
}

/// `GET /statistic/dialog-group?bulk_uuid=`.
pub async fn dialog_group(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    uri: Uri,
) -> Result<Json<Vec<Map<String, Value>>>, NeuroError> {
    let text = params::required(&uri, "bulk_uuid")?;
    let bulk = Uuid::parse_str(&text).map_err(|_| no_data())?;
    let reports = services
        .campaigns
        .campaign_reports(&who, Ref::Uuid(bulk))
        .await
        .map_err(or_no_data)?;
    if reports.is_empty() {
        return Err(no_data());
    }
    Ok(Json(
        reports.into_iter().map(report::statistic_row).collect(),
    ))
}

/// `dialog-report`'s body.
#[derive(Debug, Deserialize)]
pub struct DialogReportBody {
    #[serde(default, deserialize_with = "loose::string")]
    agent_uuid: Option<String>,
    #[serde(default, deserialize_with = "loose::string")]
    start: Option<String>,
    #[serde(default, deserialize_with = "loose::string")]
    end: Option<String>,
    #[serde(default, deserialize_with = "loose::u32")]
    limit: Option<u32>,
    #[serde(default, deserialize_with = "loose::u32")]
    offset: Option<u32>,
}

/// `dialog-report`'s answer.
#[derive(Debug, Serialize)]
pub struct DialogReportDto {
    /// This page's rows.
    pub result: Vec<Map<String, Value>>,
    /// Rows in the interval in all.
    pub total: u64,
}

/// `POST /statistic/dialog-report`: the agent's calls that started from `start` to `end`
/// (both inclusive), `limit` (default 100) rows from `offset` (default 0).
pub async fn dialog_report(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    Body(body): Body<DialogReportBody>,
) -> Result<Json<DialogReportDto>, NeuroError> {
    let required = |value: Option<String>, name: &str| {
        value
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| NeuroError::invalid(format!("`{name}` is required")))
    };
    let agent = parse_uuid("agent_uuid", &required(body.agent_uuid, "agent_uuid")?)?;
    let start = report::parse_date("start", &required(body.start, "start")?)?;
    let end = report::parse_date("end", &required(body.end, "end")?)?;
    if end < start {
        return Err(NeuroError::invalid("`end` is before `start`"));
    }
    let page = params::page(body.limit.map(u64::from), body.offset.map(u64::from))?;
    let agent = services.agents.get(&who, Ref::Uuid(agent)).await?;
    let filter = CallFilter {
        agent_id: Some(agent.id),
        started_from: Some(start),
        started_to: Some(
            end.checked_add_signed(TimeDelta::microseconds(1))
                .unwrap_or(end),
        ),
        ..CallFilter::default()
    };
    let reports = services.campaigns.call_reports(&who, &filter, page).await?;
    Ok(Json(DialogReportDto {
        result: reports
            .items
            .into_iter()
            .map(report::dialog_report_row)
            .collect(),
        total: reports.total,
    }))
}

/// `statistic/download/call`'s answer.
#[derive(Debug, Serialize)]
pub struct RecordingDto {
    /// `<call_uuid>.wav`.
    pub file_name: String,
    /// The recording, base64.
    pub data: String,
}

/// `GET /statistic/download/call?call_uuid=`: the call's recording (rendered on first request).
pub async fn download_call(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    uri: Uri,
) -> Result<Json<RecordingDto>, NeuroError> {
    let text = params::required(&uri, "call_uuid")?;
    let missing = || {
        NeuroError::from(ApiError::not_found(format!(
            "Cannot find dialog for call_uuid {text}"
        )))
        .status(StatusCode::NOT_FOUND)
    };
    let call = Uuid::parse_str(&text).map_err(|_| missing())?;
    let recording = match services.campaigns.recording(&who, Ref::Uuid(call)).await {
        Ok(recording) => recording,
        Err(e) if e.kind() == ErrorKind::NotFound => return Err(missing()),
        Err(e) => return Err(e.into()),
    };
    Ok(Json(RecordingDto {
        file_name: recording.file_name,
        data: STANDARD.encode(&recording.bytes),
    }))
}

/// `transcription`'s JSON answer.
#[derive(Debug, Serialize)]
pub struct TranscriptionDto {
    /// The call's events (empty for an unknown call, with 404).
    pub data: Vec<TranscriptionEventDto>,
}

/// `GET /statistic/{call_uuid}/transcription?type=json|text` (default json). A path segment
/// that is not even text (`%FF`) names no call either.
pub async fn transcription(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    call_uuid: Result<Path<String>, ApiError>,
    uri: Uri,
) -> Result<Response, NeuroError> {
    let text_file = match params::text(&uri, "type").map(|t| t.to_ascii_lowercase()) {
        None => false,
        Some(t) if t == "json" => false,
        Some(t) if t == "text" || t == "txt" => true,
        Some(other) => {
            return Err(NeuroError::invalid(format!(
                "`{other}` is not a valid type (expected json or text)"
            )));
        }
    };
    let missing = || (StatusCode::NOT_FOUND, Json(json!({ "data": [] }))).into_response();
    let Some(uuid) = call_uuid
        .ok()
        .and_then(|Path(text)| Uuid::parse_str(text.trim()).ok())
    else {
        return Ok(missing());
    };
    let call = match services.campaigns.call(&who, Ref::Uuid(uuid)).await {
        Ok(call) => call,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(missing()),
        Err(e) => return Err(e.into()),
    };
    if text_file {
        let disposition = content_disposition(&format!("{}.txt", call.uuid));
        let headers = [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ];
        return Ok((headers, report::transcript_text(&call)).into_response());
    }
    let agent = services.agents.get(&who, Ref::Id(call.agent_id)).await?;
    let data = report::transcription_events(&call, &agent.uuid.to_string());
    Ok(Json(TranscriptionDto { data }).into_response())
}
