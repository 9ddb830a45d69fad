//! What goes into the engine (events) and what comes out of it (turns and actions).

use chrono::{DateTime, Utc};

use crate::{DialogState, Value, Variables};

/// Something that happened to a dialog, at a given instant (the engine never reads the clock).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// When it happened; `today`, relative dates and `now` are computed from it.
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: EventKind,
}

impl Event {
    /// Shorthand for `Event { at, kind }`.
    pub fn new(at: DateTime<Utc>, kind: EventKind) -> Self {
        Self { at, kind }
    }
}

/// The kinds of event a dialog reacts to.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// Start the dialog at an entry point (`None` = the default entry) with input variables.
    Start {
        entry: Option<String>,
        variables: Variables,
    },
    /// The user wrote or said something.
    Text(String),
    /// The user pressed a button (its id, as given in `Action::Say` buttons).
    Button(String),
    /// Voice keypad digits; handled like text.
    Dtmf(String),
    /// Voice: the caller said nothing before the ask's timeout; a failed attempt.
    NoInput,
    /// The host performed the pending webhook request.
    HttpResponse { status: u16, body: String },
    /// The pending webhook request failed (timeout, connection refused, ...).
    HttpFailed { error: String },
    /// An external service finished the pending `custom` block.
    CustomCompleted { data: Value },
    /// The operator hands the dialog back to the bot.
    OperatorReleased,
}

impl EventKind {
    /// A short snake_case name, used in error messages.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Start { .. } => "start",
            Self::Text(_) => "text",
            Self::Button(_) => "button",
            Self::Dtmf(_) => "dtmf",
            Self::NoInput => "no_input",
            Self::HttpResponse { .. } => "http_response",
            Self::HttpFailed { .. } => "http_failed",
            Self::CustomCompleted { .. } => "custom_completed",
            Self::OperatorReleased => "operator_released",
        }
    }
}

/// The outcome of one event: the new state to persist and the actions to perform, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub state: DialogState,
    pub actions: Vec<Action>,
}

/// Something the host must do (or record) on behalf of the bot.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Say (write or speak) a message, optionally with buttons and a voice override.
    Say {
        text: String,
        buttons: Vec<Button>,
        voice: Option<Voice>,
    },
    /// An `ask` stored a valid answer.
    Collected {
        variable: String,
        question: String,
        /// `"text"`, `"number"`, `"yes_no"`, `"choice"`, `"phone"`, `"date"` or `"email"`.
        kind: &'static str,
        answer: Value,
    },
    /// Perform this request, then send `HttpResponse` or `HttpFailed`.
    Http(HttpRequest),
    /// An external service must complete block `block`; send `CustomCompleted` when it does.
    AwaitCustom {
        block: String,
        url: Option<String>,
        params: Value,
    },
    /// Hand the dialog to an operator; send `OperatorReleased` when they hand it back.
    Transfer { reason: Option<String> },
    /// This scenario has ended; start agent `agent` (at `entry`) with the current variables.
    GotoAgent {
        agent: String,
        entry: Option<String>,
    },
    /// The dialog ended.
    End { result: Option<String> },
}

/// A button shown under a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Button {
    pub id: String,
    pub text: String,
}

/// Voice overrides for one message (the agent's defaults apply to what is `None`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Voice {
    pub tts: Option<String>,
    pub speed: Option<f64>,
    pub pitch: Option<f64>,
    pub emotion: Option<String>,
}

/// An HTTP request the host performs for a `webhook` block.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub timeout_ms: u64,
}
