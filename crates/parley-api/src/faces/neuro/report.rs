//! How Neuro.net shows calls: statistic rows (the dialog's output entities beside `msisdn`,
//! `dialog_uuid`, `date`, `call_uuid` and `result`), the one-string `call_transcript`, the
//! transcription events, and the date formats of `dialog-report`.
//!
//! Conventions, all UTC: `date` is when dialing started (`%Y-%m-%d %H:%M:%S`); `msisdn` is the
//! number called in E.164 digits without `+`; `result` is the scenario's result when the call
//! ended (its `end`), or for calls that ended without one the outcome's name (`no_answer`,
//! `busy`, `answering_machine`, ...). Output entities the dialog never set are `null`; an output
//! entity named like a fixed key is shadowed by the fixed key.

use chrono::{DateTime, Datelike, NaiveDateTime, TimeDelta, Utc};
use parley_domain::call::{Call, Speaker, Utterance};
use parley_domain::campaign_service::reports::CallReport;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::faces::neuro::error::NeuroError;

/// The date-time format of report fields.
pub const DATE: &str = "%Y-%m-%d %H:%M:%S";

/// The formats `dialog-report` accepts for `start` and `end`, as the document lists them.
pub const ACCEPTED_DATES: &str =
    "%Y-%m-%d %H:%M:%S, %Y-%m-%d %H:%M:%S.%f, %Y-%m-%dT%H:%M:%S or %Y-%m-%dT%H:%M:%S.%f (UTC)";

/// A date in the report format.
pub fn date(at: DateTime<Utc>) -> String {
    at.format(DATE).to_string()
}

/// The `result` of a call (see the module docs).
pub fn result(call: &Call) -> String {
    call.result
        .clone()
        .unwrap_or_else(|| call.outcome.as_str().to_owned())
}

/// A `statistic/dialog` and `statistic/dialog-group` row.
pub fn statistic_row(report: CallReport) -> Map<String, Value> {
    let mut row: Map<String, Value> = report.outputs.into_iter().collect();
    let call = report.call;
    row.insert("msisdn".into(), json!(call.phone.digits()));
    row.insert("dialog_uuid".into(), json!(call.dialog_uuid.to_string()));
    row.insert("date".into(), json!(date(call.started_at)));
    row.insert("call_uuid".into(), json!(call.uuid.to_string()));
    row.insert("result".into(), json!(result(&call)));
    row
}

/// A `statistic/dialog-report` row: a statistic row with the call's transcript in one string.
pub fn dialog_report_row(report: CallReport) -> Map<String, Value> {
    let transcript = call_transcript(&report.call);
    let mut row = statistic_row(report);
    row.insert("call_transcript".into(), json!(transcript));
    row
}

/// When an utterance of `call` started.
fn spoken_at(call: &Call, line: &Utterance) -> DateTime<Utc> {
    let answered = call.answered_at.unwrap_or(call.started_at);
    let offset = i64::try_from(line.at_ms).unwrap_or(i64::MAX);
    answered + TimeDelta::try_milliseconds(offset).unwrap_or(TimeDelta::zero())
}

/// `bot(2025-03-14 09:00:01): Hi!;human(2025-03-14 09:00:03): 5`: speaker, the time the line
/// was spoken, its text; lines joined by `;`. Empty for unanswered calls.
pub fn call_transcript(call: &Call) -> String {
    call.transcript
        .iter()
        .map(|line| {
            format!(
                "{}({}): {}",
                line.speaker.as_str(),
                date(spoken_at(call, line)),
                line.text
            )
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The transcript as a text file: one `[time] speaker: text` line per utterance.
pub fn transcript_text(call: &Call) -> String {
    call.transcript
        .iter()
        .map(|line| {
            format!(
                "[{}] {}: {}\n",
                date(spoken_at(call, line)),
                line.speaker.as_str(),
                line.text
            )
        })
        .collect()
}

/// One event of `statistic/{call_uuid}/transcription?type=json`.
#[derive(Debug, Serialize)]
pub struct TranscriptionEventDto {
    /// `call_start`, `say` (the bot), `listen` (the callee), `operator` (after a transfer),
    /// `call_end`.
    pub action_alias: &'static str,
    /// The call's agent.
    pub agent_uuid: String,
    /// The call.
    pub call_uuid: String,
    /// `{text, speaker, duration_ms}` for speech; `null` for the call's start and end.
    pub data: Option<Value>,
    /// When, `%Y-%m-%d %H:%M:%S.%3f`.
    pub date: String,
    /// The call's dialog.
    pub dialog_uuid: String,
}

/// The call's events: its start, every utterance, its end.
pub fn transcription_events(call: &Call, agent_uuid: &str) -> Vec<TranscriptionEventDto> {
    let event = |action_alias, data, at: DateTime<Utc>| TranscriptionEventDto {
        action_alias,
        agent_uuid: agent_uuid.to_owned(),
        call_uuid: call.uuid.to_string(),
        data,
        date: at.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        dialog_uuid: call.dialog_uuid.to_string(),
    };
    let mut events = vec![event("call_start", None, call.started_at)];
    for line in &call.transcript {
        let alias = match line.speaker {
            Speaker::Bot => "say",
            Speaker::Human => "listen",
            Speaker::Operator => "operator",
        };
        let data = json!({
            "text": line.text,
            "speaker": line.speaker.as_str(),
            "duration_ms": line.duration_ms,
        });
        events.push(event(alias, Some(data), spoken_at(call, line)));
    }
    events.push(event("call_end", None, call.ended_at));
    events
}

/// Reads a `dialog-report` date (`field` names it in errors), in any of [`ACCEPTED_DATES`], with a
/// four-digit year (chrono would also read `+262142-12-31`, past what a date can be moved by).
pub fn parse_date(field: &str, text: &str) -> Result<DateTime<Utc>, NeuroError> {
    let trimmed = text.trim();
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(trimmed, format).ok())
        .filter(|naive| (1..=9999).contains(&naive.year()))
        .map(|naive| naive.and_utc())
        .ok_or_else(|| {
            NeuroError::invalid(format!(
                "`{text}` is not a valid {field}; expected {ACCEPTED_DATES}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_documented_formats() {
        let want = "2020-11-26 10:08:05";
        for text in [
            "2020-11-26 10:08:05",
            "2020-11-26 10:08:05.0",
            "2020-11-26T10:08:05",
            "2020-11-26T10:08:05.000000",
        ] {
            let at = parse_date("start", text).map(date).ok();
            assert_eq!(at.as_deref(), Some(want), "{text}");
        }
        let micro = parse_date("end", "2020-11-26T10:08:05.123456").ok();
        assert_eq!(micro.map(|d| d.timestamp_subsec_micros()), Some(123_456));
        for bad in [
            "2020-11-26",
            "26.11.2020 10:08:05",
            "",
            "2020-13-01 00:00:00",
            "+262142-12-31 23:59:59.999999999",
            "-0001-01-01 00:00:00",
            "0000-01-01 00:00:00",
        ] {
            assert!(parse_date("start", bad).is_err(), "{bad}");
        }
    }
}
