//! The dialog state: the serializable value the host persists after every turn.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::Variables;

/// Where a dialog stands between two events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No `Start` event yet.
    NotStarted,
    /// An `ask` block waits for the user's answer.
    AwaitingInput,
    /// A `webhook` block waits for the host to perform an HTTP request.
    AwaitingHttp,
    /// A `custom` block waits for an external service to complete it.
    AwaitingCustom,
    /// A `transfer` block handed the dialog to an operator.
    WithOperator,
    /// The dialog is over (an `end` block, a missing `next`, or a goto to another agent).
    Ended,
}

impl Status {
    /// The status as a short snake_case word, as used in conversation tests.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::AwaitingInput => "awaiting_input",
            Self::AwaitingHttp => "awaiting_http",
            Self::AwaitingCustom => "awaiting_custom",
            Self::WithOperator => "with_operator",
            Self::Ended => "ended",
        }
    }

    /// Parses [`Status::as_str`] back.
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == word)
    }

    /// Every status, in declaration order.
    pub const ALL: [Self; 6] = [
        Self::NotStarted,
        Self::AwaitingInput,
        Self::AwaitingHttp,
        Self::AwaitingCustom,
        Self::WithOperator,
        Self::Ended,
    ];
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotStarted => "not started",
            Self::AwaitingInput => "waiting for the user's answer",
            Self::AwaitingHttp => "waiting for an HTTP response",
            Self::AwaitingCustom => "waiting for a custom block to complete",
            Self::WithOperator => "with an operator",
            Self::Ended => "ended",
        })
    }
}

/// The whole state of one dialog. The host stores it (as JSON) after every
/// turn and hands it back with the next event; field names are short to keep
/// that JSON compact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DialogState {
    #[serde(rename = "s")]
    pub(crate) status: Status,
    /// The block the dialog waits in (or ended in).
    #[serde(rename = "b", default, skip_serializing_if = "Option::is_none")]
    pub(crate) block: Option<String>,
    #[serde(
        rename = "v",
        default,
        skip_serializing_if = "serde_json::Map::is_empty"
    )]
    pub(crate) variables: Variables,
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub(crate) result: Option<String>,
    /// Failed answers so far in the current `ask`.
    #[serde(rename = "f", default, skip_serializing_if = "is_zero")]
    pub(crate) failures: u32,
    /// The rendered prompt of the current `ask`, re-sent on a re-ask.
    #[serde(rename = "q", default, skip_serializing_if = "Option::is_none")]
    pub(crate) prompt: Option<String>,
    /// How long the current `ask` waits for a voice answer.
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub(crate) timeout_ms: Option<u64>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Default for DialogState {
    fn default() -> Self {
        Self::new()
    }
}

impl DialogState {
    /// A dialog that has not started yet; send it an `EventKind::Start`.
    pub fn new() -> Self {
        Self {
            status: Status::NotStarted,
            block: None,
            variables: Variables::new(),
            result: None,
            failures: 0,
            prompt: None,
            timeout_ms: None,
        }
    }

    /// All variables: inputs, collected answers, built-ins such as `last_input`.
    pub fn variables(&self) -> &Variables {
        &self.variables
    }

    /// Where the dialog stands.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The name of the block the dialog waits in (or ended in).
    pub fn current_block(&self) -> Option<&str> {
        self.block.as_deref()
    }

    /// The result given by the `end` block, once ended.
    pub fn result(&self) -> Option<&str> {
        self.result.as_deref()
    }

    /// While awaiting input: how long a voice host waits for speech before
    /// sending `EventKind::NoInput` (the ask's `no_input_timeout_ms`).
    pub fn no_input_timeout_ms(&self) -> Option<u64> {
        match self.status {
            Status::AwaitingInput => self.timeout_ms,
            _ => None,
        }
    }

    /// While awaiting input: the prompt last said to the user.
    pub fn prompt(&self) -> Option<&str> {
        match self.status {
            Status::AwaitingInput => self.prompt.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_state_serializes_compactly_and_round_trips() {
        let state = DialogState::new();
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(json, r#"{"s":"not_started"}"#);
        let back: DialogState = serde_json::from_str(&json).unwrap();
        assert_eq!(back, state);
        assert_eq!(DialogState::default(), state);
    }

    #[test]
    fn status_words_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("nope"), None);
    }
}
