//! Bot.one's wire types for conversations, converted by hand from domain types.

use chrono::SecondsFormat;
use parley_domain::dialog::{Answer, Dialog, DialogStatus};
use parley_domain::file::FileMeta;
use serde::Serialize;
use serde_json::Value;

/// One collected answer (`data[]`).
#[derive(Debug, Serialize)]
pub struct DataItem {
    /// The question the bot asked.
    pub question: String,
    /// `Text`, `Number`, `YesNo`, `Choice`, `Phone`, `Date` or `Email`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The answer as text.
    pub answer: String,
    /// The variable it was stored in.
    pub variable: Option<String>,
    /// Whether it was withdrawn.
    pub deleted: bool,
}

impl From<Answer> for DataItem {
    fn from(answer: Answer) -> Self {
        let kind = match answer.kind.as_str() {
            "text" => "Text".to_owned(),
            "number" => "Number".to_owned(),
            "yes_no" => "YesNo".to_owned(),
            "choice" => "Choice".to_owned(),
            "phone" => "Phone".to_owned(),
            "date" => "Date".to_owned(),
            "email" => "Email".to_owned(),
            other => other.to_owned(),
        };
        Self {
            question: answer.question,
            kind,
            answer: match answer.answer {
                Value::String(text) => text,
                other => other.to_string(),
            },
            variable: Some(answer.variable).filter(|v| !v.is_empty()),
            deleted: answer.deleted,
        }
    }
}

impl From<FileMeta> for DataItem {
    /// An uploaded file: its name as the question and its link, in the vendor's `/web/file/{id}`
    /// form, as the answer (the id is the one `GET /api/v{1,2}/file/{fileId}` takes).
    fn from(file: FileMeta) -> Self {
        Self {
            question: file.name,
            kind: "Text".to_owned(),
            answer: format!("/web/file/{}", file.id),
            variable: None,
            deleted: false,
        }
    }
}

/// A conversation's `data`: collected answers and uploaded files, in the order they came.
pub fn data(answers: Vec<Answer>, files: Vec<FileMeta>) -> Vec<DataItem> {
    let mut items: Vec<_> = answers
        .into_iter()
        .map(|a| (a.created_at, DataItem::from(a)))
        .chain(files.into_iter().map(|f| (f.created_at, DataItem::from(f))))
        .collect();
    items.sort_by_key(|(at, _)| *at);
    items.into_iter().map(|(_, item)| item).collect()
}

/// A conversation; `I` is the id (integer in v1, UUID text in v2). v1 shows no `source`.
#[derive(Debug, Serialize)]
pub struct Conversation<I> {
    /// The id.
    pub id: I,
    /// `#<number> <location>`, `Unknown` without a location.
    pub name: String,
    /// `in-process`, `operator` or `completed`.
    pub status: &'static str,
    /// The customer's address.
    pub ip: Option<String>,
    /// The customer's city; `Unknown` when not known.
    pub location: String,
    /// Last change, ISO 8601 with offset; empty when never changed since creation.
    pub updated: String,
    /// Seconds from creation to the end (or the last change while running).
    pub duration: i64,
    /// Where it started (v2 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Collected answers and uploaded files (single conversations only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Vec<DataItem>>,
}

/// The location shown when the customer's is not known.
pub const UNKNOWN_LOCATION: &str = "Unknown";

/// The Bot.one status word. A failed dialog is over, like a completed one.
pub fn status(status: DialogStatus) -> &'static str {
    match status {
        DialogStatus::Active => "in-process",
        DialogStatus::Operator => "operator",
        DialogStatus::Ended | DialogStatus::Failed => "completed",
    }
}

/// The conversation of `dialog` with id `id`; `with_source` for v2.
pub fn conversation<I>(dialog: &Dialog, id: I, with_source: bool) -> Conversation<I> {
    let last = dialog.ended_at.unwrap_or(dialog.updated_at);
    let location = dialog
        .location
        .as_deref()
        .filter(|l| !l.trim().is_empty())
        .unwrap_or(UNKNOWN_LOCATION);
    Conversation {
        id,
        name: format!("#{} {location}", dialog.id.0),
        status: status(dialog.status),
        ip: dialog.ip.clone(),
        location: location.to_owned(),
        updated: if dialog.updated_at > dialog.created_at {
            dialog
                .updated_at
                .to_rfc3339_opts(SecondsFormat::Secs, false)
        } else {
            String::new()
        },
        duration: (last - dialog.created_at).num_seconds().max(0),
        source: with_source.then(|| dialog.source.clone()),
        data: None,
    }
}
