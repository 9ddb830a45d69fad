//! The statistics field catalogue: each Twin24 field of a call or a session, the column it
//! filters and sorts by (none for what Parley does not keep, such as `regionId`), how a filter
//! value is read, and how a found call becomes the field's value.

use chrono::{DateTime, Offset, TimeZone, Utc};
use serde_json::{Map, Value};

use crate::agent::OutputVariable;
use crate::call::search::{CallRecord, SearchColumn, SearchValue};
use crate::call::{Responder, Speaker};
use crate::dialer::{Outcome, zone_for_number};
use crate::error::{Error, Result};
use crate::ids::Uuid;

/// How a field's filter value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Uuid,
    Text,
    Int,
    Bool,
    Time,
    Money,
    Status,
    Responder,
    Contains,
    /// Only this value matches (sessions' `isIncoming`): anything else finds nothing.
    Constant(bool),
    /// Not kept by Parley: not a filter.
    None,
}

/// One field: its name, its column, how filters read it, and (separately) its value.
#[derive(Debug, Clone, Copy)]
pub(super) struct Field {
    pub name: &'static str,
    pub column: Option<SearchColumn>,
    pub kind: Kind,
}

const fn field(name: &'static str, column: Option<SearchColumn>, kind: Kind) -> Field {
    Field { name, column, kind }
}

use SearchColumn as C;

/// A call's fields, in the seed's order of description.
pub(super) const CALL_FIELDS: &[Field] = &[
    field("id", Some(C::CallUuid), Kind::Uuid),
    field("phone", Some(C::Phone), Kind::Text),
    field("duration", Some(C::TalkSeconds), Kind::Int),
    field("taskId", Some(C::CampaignUuid), Kind::Uuid),
    field("taskName", Some(C::CampaignName), Kind::Text),
    field("botId", Some(C::AgentUuid), Kind::Uuid),
    field("botName", Some(C::AgentName), Kind::Text),
    field("regionId", None, Kind::None),
    field("timezone", None, Kind::None),
    field("status", Some(C::Outcome), Kind::Status),
    field("responder", Some(C::Outcome), Kind::Responder),
    field("shortNumber", None, Kind::None),
    field("transferredToOperator", Some(C::Transferred), Kind::Bool),
    field("linkToLog", None, Kind::None),
    field("createdAt", Some(C::DialogCreatedAt), Kind::Time),
    field("updatedAt", Some(C::EndedAt), Kind::Time),
    field("startedAt", Some(C::StartedAt), Kind::Time),
    field("price", Some(C::Price), Kind::Money),
    field("messages", Some(C::Transcript), Kind::Contains),
    field("messagesAsString", Some(C::Transcript), Kind::Contains),
    field("recordPath", None, Kind::None),
    field("externalId", Some(C::ExternalId), Kind::Text),
    field("additional", None, Kind::None),
    field("dialogResults", None, Kind::None),
    field("nps", None, Kind::None),
    field("isFinished", Some(C::Finished), Kind::Bool),
    field("botDuration", Some(C::BotSeconds), Kind::Int),
    field("operatorDuration", Some(C::OperatorSeconds), Kind::Int),
    field("dialogId", Some(C::DialogUuid), Kind::Uuid),
];

/// A session's fields (a session is a dialog, found by and mostly shown as its last call).
pub(super) const SESSION_FIELDS: &[Field] = &[
    field("id", Some(C::DialogUuid), Kind::Uuid),
    field("botId", Some(C::AgentUuid), Kind::Uuid),
    field("timezone", None, Kind::None),
    field("nps", None, Kind::None),
    field("duration", None, Kind::None),
    field("mainCallDuration", Some(C::TalkSeconds), Kind::Int),
    field("robotCallDuration", None, Kind::None),
    field("companyId", None, Kind::None),
    field("isIncoming", None, Kind::Constant(false)),
    field("createdAt", Some(C::DialogCreatedAt), Kind::Time),
    field("startedAt", Some(C::StartedAt), Kind::Time),
    field("finishedAt", Some(C::EndedAt), Kind::Time),
    field("currentStatusName", Some(C::Outcome), Kind::Status),
    field("autoCallCandidateId", Some(C::DialogUuid), Kind::Uuid),
    field("dialogResult", None, Kind::None),
    field("resultsString", None, Kind::None),
    field("number", Some(C::Phone), Kind::Text),
    field("messagesAsString", Some(C::Transcript), Kind::Contains),
    field("taskId", Some(C::CampaignUuid), Kind::Uuid),
    field("isFinished", Some(C::Finished), Kind::Bool),
];

/// A field's value, for the face to write as JSON, CSV or a spreadsheet cell.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// No value.
    Null,
    /// Text.
    Text(String),
    /// An integer.
    Int(i64),
    /// A flag.
    Bool(bool),
    /// Money in minor units (kopecks).
    Money(i64),
    /// An instant.
    Time(DateTime<Utc>),
    /// The transcript, line by line.
    Messages(Vec<Line>),
    /// The call whose recording the face links to.
    Recording(Uuid),
}

/// One transcript line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// `robot`, `user` or `operator`.
    pub author: &'static str,
    /// What was said.
    pub text: String,
    /// When it started.
    pub at: DateTime<Utc>,
}

/// Reads one filter value of `field`.
pub(super) fn filter_values(field: &Field, text: &str) -> Result<Vec<SearchValue>> {
    let bad = |expected: &str| {
        Error::invalid(format!(
            "filter `{}`: `{text}` is not {expected}",
            field.name
        ))
    };
    let items = || text.split(',').map(str::trim).filter(|t| !t.is_empty());
    Ok(match field.kind {
        Kind::Uuid => items()
            .map(|t| {
                Uuid::parse_str(t)
                    .map(SearchValue::Uuid)
                    .map_err(|_| bad("a UUID"))
            })
            .collect::<Result<_>>()?,
        Kind::Text => vec![SearchValue::Text(text.trim().to_owned())],
        Kind::Int => items()
            .map(|t| {
                t.parse()
                    .map(SearchValue::Int)
                    .map_err(|_| bad("an integer"))
            })
            .collect::<Result<_>>()?,
        Kind::Bool => vec![SearchValue::Bool(
            parse_bool(text).ok_or_else(|| bad("true or false"))?,
        )],
        Kind::Time => vec![SearchValue::Time(
            DateTime::parse_from_rfc3339(text.trim())
                .map_err(|_| bad("an ISO 8601 date and time"))?
                .with_timezone(&Utc),
        )],
        Kind::Money => vec![SearchValue::Int(
            parse_money(text).ok_or_else(|| bad("an amount such as 1.79"))?,
        )],
        Kind::Status => {
            let mut outcomes = Vec::new();
            for status in items() {
                let upper = status.to_ascii_uppercase();
                // In-flight statuses name no finished call: they match nothing.
                if ["DIAL", "INPROGRESS", "SCHEDULED", "FZ230"].contains(&upper.as_str()) {
                    continue;
                }
                outcomes.push(Outcome::from_twin24(&upper, false)?);
                if let Ok(machine) = Outcome::from_twin24(&upper, true) {
                    outcomes.push(machine);
                }
            }
            outcomes.dedup();
            outcomes.into_iter().map(SearchValue::Outcome).collect()
        }
        Kind::Responder => items()
            .map(|t| {
                let outcome = match Responder::parse(t)? {
                    Responder::Human => Outcome::Answered,
                    Responder::AnsweringMachine => Outcome::AnsweringMachine,
                };
                Ok(SearchValue::Outcome(outcome))
            })
            .collect::<Result<_>>()?,
        Kind::Contains | Kind::Constant(_) | Kind::None => Vec::new(),
    })
}

/// `true`/`false` (also `1`/`0`).
pub(super) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// `1.79` (or `1,79`) as 179 minor units.
fn parse_money(text: &str) -> Option<i64> {
    let text = text.trim().replace(',', ".");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if fraction.len() > 2 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let cents: i64 = format!("{fraction:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(cents)
}

/// What a found call shows beside its own columns.
pub(super) struct Extras<'a> {
    pub outputs: &'a [OutputVariable],
    pub company: i64,
}

/// The value of `name` for `record`.
pub(super) fn value(name: &str, record: &CallRecord, extras: &Extras<'_>) -> FieldValue {
    use FieldValue as V;
    let call = &record.call;
    let text = |s: &str| V::Text(s.to_owned());
    let opt = |s: &Option<String>| s.as_deref().map_or(V::Null, text);
    let secs = |ms: u64| V::Int(i64::try_from(ms.saturating_add(500) / 1000).unwrap_or(i64::MAX));
    let session = record.session;
    match name {
        "id" if session.is_some() => V::Text(call.dialog_uuid.to_string()),
        "id" => V::Text(call.uuid.to_string()),
        "dialogId" | "autoCallCandidateId" => V::Text(call.dialog_uuid.to_string()),
        "phone" | "number" => text(call.phone.digits()),
        "duration" => match session {
            Some(s) => secs(s.bot_ms + s.operator_ms),
            None => secs(call.bot_ms + call.operator_ms),
        },
        "mainCallDuration" => secs(call.bot_ms + call.operator_ms),
        "robotCallDuration" => secs(session.map_or(call.bot_ms, |s| s.bot_ms)),
        "taskId" => record
            .campaign_uuid
            .map_or(V::Null, |u| V::Text(u.to_string())),
        "taskName" => opt(&record.campaign_name),
        "botId" => V::Text(record.agent_uuid.to_string()),
        "botName" => text(&record.agent_name),
        "timezone" => zone_for_number(&call.phone).map_or(V::Null, |zone| {
            let offset = zone.offset_from_utc_datetime(&call.started_at.naive_utc());
            V::Int(i64::from(offset.fix().local_minus_utc() / 3600))
        }),
        "status" | "currentStatusName" => text(call.outcome.twin24_status()),
        "responder" => call.responder().map_or(V::Null, |r| text(r.as_str())),
        "transferredToOperator" => V::Bool(call.transferred),
        "createdAt" => V::Time(record.dialog_created_at),
        "updatedAt" | "finishedAt" => V::Time(call.ended_at),
        "startedAt" => V::Time(session.map_or(call.started_at, |s| s.first_started_at)),
        "price" => V::Money(call.price_minor),
        "messages" => V::Messages(lines(record)),
        "messagesAsString" => text(&messages_as_string(&lines(record))),
        "recordPath" if call.answered_at.is_some() => V::Recording(call.uuid),
        "externalId" => opt(&record.external_id),
        "additional" => text(""),
        "dialogResults" | "resultsString" => text(&results_string(record, extras.outputs)),
        "dialogResult" => opt(&call.result),
        "nps" => nps(record.variables.as_ref()),
        "isFinished" => V::Bool(record.finished),
        "isIncoming" => V::Bool(false),
        "companyId" => V::Int(extras.company),
        "botDuration" => secs(call.bot_ms),
        "operatorDuration" => secs(call.operator_ms),
        _ => V::Null,
    }
}

fn lines(record: &CallRecord) -> Vec<Line> {
    let call = &record.call;
    let base = call.answered_at.unwrap_or(call.started_at);
    call.transcript
        .iter()
        .map(|u| Line {
            author: match u.speaker {
                Speaker::Bot => "robot",
                Speaker::Human => "user",
                Speaker::Operator => "operator",
            },
            text: u.text.clone(),
            at: base + chrono::Duration::milliseconds(i64::try_from(u.at_ms).unwrap_or(0)),
        })
        .collect()
}

/// `Робот: …\nЧеловек: …` as Twin24 writes transcripts.
fn messages_as_string(lines: &[Line]) -> String {
    lines
        .iter()
        .map(|line| {
            let who = match line.author {
                "robot" => "Робот",
                "user" => "Человек",
                _ => "Оператор",
            };
            format!("{who}: {}", line.text)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The agent's output variables the dialog has set, `name: value` joined by `; `.
fn results_string(record: &CallRecord, outputs: &[OutputVariable]) -> String {
    let empty = Map::new();
    let variables = record.variables.as_ref().unwrap_or(&empty);
    outputs
        .iter()
        .filter_map(|output| {
            let value = variables.get(&output.name)?;
            let shown = match value {
                Value::Null => return None,
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Some(format!("{}: {shown}", output.name))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The dialog's `nps` variable (any case), as text.
fn nps(variables: Option<&Map<String, Value>>) -> FieldValue {
    let found = variables.and_then(|vars| {
        vars.iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("nps"))
            .map(|(_, value)| value)
    });
    match found {
        None | Some(Value::Null) => FieldValue::Null,
        Some(Value::String(s)) => FieldValue::Text(s.clone()),
        Some(other) => FieldValue::Text(other.to_string()),
    }
}
