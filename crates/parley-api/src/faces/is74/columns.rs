//! Report columns: what each `columns[]` item of `/api/analytics/{project_id}/report` names,
//! its value for one call, its filter and its sort order.
//!
//! A column is found by `name` and `data_type`:
//! - `dialog`: the call's transcript, one `speaker: text` line per utterance (any name).
//! - `goal`: `true` or `false` — `answered` (a person answered), `transferred` (handed to an
//!   operator), a boolean output variable of that name (`true`, a non-zero number or a `true`,
//!   `yes`, `да` or `1` string count as reached), or otherwise a scenario result: reached when
//!   the call ended in that `end` result.
//! - `text`, `number`, `datetime` (or none): a call field — `call_id`, `call_uuid`,
//!   `dialog_id`, `dialog_uuid`, `campaign_id`, `phone_number` (`+` and E.164 digits),
//!   `attempt`, `outcome`, `result`, `started_at`, `answered_at`, `ended_at` (ISO 8601 UTC with
//!   milliseconds), `duration` (talk seconds) — or an output variable of the agent. The answer's
//!   `type` is the column's own type, whatever `data_type` asked (the document's example asks a
//!   `number` and gets `text`). Unknown names are 422.
//!
//! Filters: `equal` (numbers compared as numbers, else exact text), `contains`, `starts_with`,
//! `ends_with` (text, ignoring case), `is_empty`/`not_empty` (`null`, empty text or an empty
//! transcript) and `is_true`/`not_true` (as goals count). Sorting is `asc` or `desc`, nulls
//! first in `asc`; several sorted columns sort in the order listed.

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use parley_domain::agent::OutputKind;
use parley_domain::call::search::{Condition, SearchColumn, SearchValue};
use parley_domain::campaign_service::reports::CallReport;
use parley_domain::dialer::Outcome;
use serde_json::{Value, json};

/// The `data_type`s the document lists.
pub const DATA_TYPES: [&str; 5] = ["text", "number", "datetime", "dialog", "goal"];

/// The `filter_type`s the document lists.
pub const FILTER_TYPES: [&str; 8] = [
    "equal",
    "contains",
    "starts_with",
    "ends_with",
    "is_empty",
    "not_empty",
    "is_true",
    "not_true",
];

/// The call fields and their types.
pub const FIELDS: [(&str, &str); 13] = [
    ("call_id", "number"),
    ("call_uuid", "text"),
    ("dialog_id", "number"),
    ("dialog_uuid", "text"),
    ("campaign_id", "number"),
    ("phone_number", "text"),
    ("attempt", "number"),
    ("outcome", "text"),
    ("result", "text"),
    ("started_at", "datetime"),
    ("answered_at", "datetime"),
    ("ended_at", "datetime"),
    ("duration", "number"),
];

/// What a column shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// One of [`FIELDS`].
    Field(&'static str),
    /// An output variable.
    Output(String),
    /// The transcript.
    Dialog,
    /// A goal, by name.
    Goal(String),
}

/// A filter on a column's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `equal`.
    Equal(String),
    /// `contains` (lowercased).
    Contains(String),
    /// `starts_with` (lowercased).
    StartsWith(String),
    /// `ends_with` (lowercased).
    EndsWith(String),
    /// `is_empty`, or `not_empty` when false.
    Empty(bool),
    /// `is_true`, or `not_true` when false.
    True(bool),
}

impl Filter {
    /// The filter of `filter_type` with `value`; `None` when the type is unknown or needs a
    /// value that is missing.
    pub fn new(kind: &str, value: Option<String>) -> Option<Result<Self, &'static str>> {
        let needs = |make: fn(String) -> Self| match &value {
            Some(v) => Ok(make(v.clone())),
            None => Err("needs a `filter_value`"),
        };
        Some(match kind {
            "equal" => needs(Self::Equal),
            "contains" => needs(|v| Self::Contains(v.to_lowercase())),
            "starts_with" => needs(|v| Self::StartsWith(v.to_lowercase())),
            "ends_with" => needs(|v| Self::EndsWith(v.to_lowercase())),
            "is_empty" => Ok(Self::Empty(true)),
            "not_empty" => Ok(Self::Empty(false)),
            "is_true" => Ok(Self::True(true)),
            "not_true" => Ok(Self::True(false)),
            _ => return None,
        })
    }

    /// Whether `value` passes.
    pub fn keeps(&self, value: &Value) -> bool {
        match self {
            Self::Equal(want) => match (value, want.trim().parse::<f64>()) {
                (Value::Number(n), Ok(want)) => n.as_f64() == Some(want),
                _ => text(value) == *want,
            },
            Self::Contains(want) => text(value).to_lowercase().contains(want.as_str()),
            Self::StartsWith(want) => text(value).to_lowercase().starts_with(want.as_str()),
            Self::EndsWith(want) => text(value).to_lowercase().ends_with(want.as_str()),
            Self::Empty(empty) => text(value).is_empty() == *empty,
            Self::True(yes) => truthy(value) == *yes,
        }
    }
}

/// A column as the report reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The key of the column in each row.
    pub name: String,
    /// Its display name.
    pub display_name: String,
    /// What it shows.
    pub source: Source,
    /// Its type in the answer.
    pub kind: &'static str,
    /// Its filter.
    pub filter: Option<Filter>,
    /// `Some(true)` ascending, `Some(false)` descending.
    pub ascending: Option<bool>,
}

/// The output variables the report's calls may carry, by name.
pub type Outputs = HashMap<String, OutputKind>;

/// The source and type of column `name` asked as `data_type`; `None` for an unknown name.
pub fn resolve(
    name: &str,
    data_type: Option<&str>,
    outputs: &Outputs,
) -> Option<(Source, &'static str)> {
    match data_type {
        Some("dialog") => return Some((Source::Dialog, "dialog")),
        Some("goal") => return Some((Source::Goal(name.to_owned()), "goal")),
        _ => {}
    }
    if let Some((field, kind)) = FIELDS.iter().find(|(f, _)| *f == name) {
        return Some((Source::Field(field), kind));
    }
    outputs.get(name).map(|kind| {
        let kind = match kind {
            OutputKind::String => "text",
            OutputKind::Number => "number",
            OutputKind::Datetime => "datetime",
            OutputKind::Boolean => "goal",
        };
        (Source::Output(name.to_owned()), kind)
    })
}

/// The value of `source` for one call.
pub fn value(source: &Source, report: &CallReport) -> Value {
    let call = &report.call;
    let output = |name: &str| {
        report
            .outputs
            .iter()
            .find(|(n, _)| n == name)
            .map_or(Value::Null, |(_, v)| v.clone())
    };
    match source {
        Source::Field(field) => match *field {
            "call_id" => json!(call.id.0),
            "call_uuid" => json!(call.uuid.to_string()),
            "dialog_id" => json!(call.dialog_id.0),
            "dialog_uuid" => json!(call.dialog_uuid.to_string()),
            "campaign_id" => json!(call.campaign_id.map(|c| c.0)),
            "phone_number" => json!(format!("+{}", call.phone.digits())),
            "attempt" => json!(call.attempt),
            "outcome" => json!(call.outcome.as_str()),
            "result" => json!(call.result),
            "started_at" => json!(datetime(call.started_at)),
            "answered_at" => json!(call.answered_at.map(datetime)),
            "ended_at" => json!(datetime(call.ended_at)),
            "duration" => json!(talk_seconds(report)),
            _ => Value::Null,
        },
        Source::Output(name) => output(name),
        Source::Dialog => json!(
            call.transcript
                .iter()
                .map(|u| format!("{}: {}", u.speaker.as_str(), u.text))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        Source::Goal(name) => json!(match name.as_str() {
            "answered" => call.outcome == Outcome::Answered,
            "transferred" => call.transferred,
            _ => match output(name) {
                Value::Null => call.result.as_deref() == Some(name.as_str()),
                value => truthy(&value),
            },
        }),
    }
}

/// A condition the database can test that every call `column`'s filter keeps also meets, so
/// the report reads fewer calls; the filter itself is still checked on each value. Only
/// `is_true` on goals and outputs narrows: it drops most calls of a campaign, and a coarse
/// test (the variable is `true`, a number or text) is exact enough to be a superset, where
/// the text filters' case folding (Unicode lowercase) has no equal in SQLite.
pub fn narrowing(column: &Column) -> Option<Condition> {
    let Some(Filter::True(true)) = column.filter else {
        return None;
    };
    match &column.source {
        Source::Output(name) => Some(Condition::VariableMaybeTrue(name.clone())),
        Source::Goal(name) => Some(match name.as_str() {
            "answered" => Condition::In(
                SearchColumn::Outcome,
                vec![SearchValue::Outcome(Outcome::Answered)],
            ),
            "transferred" => {
                Condition::In(SearchColumn::Transferred, vec![SearchValue::Bool(true)])
            }
            // The output when it is set, else the scenario's result (see `value`).
            _ => Condition::Any(vec![
                Condition::VariableMaybeTrue(name.clone()),
                Condition::In(SearchColumn::Result, vec![SearchValue::Text(name.clone())]),
            ]),
        }),
        Source::Field(_) | Source::Dialog => None,
    }
}

/// Talk time in seconds, to the millisecond.
pub fn talk_seconds(report: &CallReport) -> f64 {
    report.call.billable().num_milliseconds() as f64 / 1000.0
}

/// ISO 8601 in UTC with milliseconds and `Z`, as the document's dates.
pub fn datetime(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A value as text for the text filters (`null` is empty).
fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether a value counts as true.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => {
            matches!(
                s.trim().to_lowercase().as_str(),
                "true" | "yes" | "да" | "1"
            )
        }
        _ => false,
    }
}

/// The order of two values of one column: `null` first, then booleans, numbers, text.
pub fn compare(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            _ => 3,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap_or_default()
            .total_cmp(&y.as_f64().unwrap_or_default()),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        let keeps = |kind: &str, value: Option<&str>, v: Value| {
            Filter::new(kind, value.map(str::to_owned))
                .and_then(Result::ok)
                .is_some_and(|f| f.keeps(&v))
        };
        assert!(keeps("equal", Some("5"), json!(5.0)));
        assert!(keeps("equal", Some("abc"), json!("abc")));
        assert!(!keeps("equal", Some("ABC"), json!("abc")));
        assert!(keeps("contains", Some("9999"), json!("+79999999999")));
        assert!(keeps("starts_with", Some("+7"), json!("+79999999999")));
        assert!(keeps("ends_with", Some("ED"), json!("finished")));
        assert!(keeps("is_empty", None, Value::Null));
        assert!(keeps("is_empty", None, json!("")));
        assert!(keeps("not_empty", None, json!(0)));
        assert!(keeps("is_true", None, json!(true)));
        assert!(keeps("is_true", None, json!("Да")));
        assert!(keeps("not_true", None, Value::Null));
        assert!(Filter::new("contains", None).is_some_and(|f| f.is_err()));
        assert!(Filter::new("like", None).is_none());
    }

    #[test]
    fn order() {
        assert_eq!(compare(&Value::Null, &json!(1)), Ordering::Less);
        assert_eq!(compare(&json!(2), &json!(10)), Ordering::Less);
        assert_eq!(compare(&json!("b"), &json!("a")), Ordering::Greater);
    }
}
