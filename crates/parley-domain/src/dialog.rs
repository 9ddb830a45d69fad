//! Dialogs, their messages and the answers collected in them.

use chrono::{DateTime, Utc};
use parley_scenario::{DialogState, Variables};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::ids::{AgentId, CompanyId, DialogId, MessageId, UserId, Uuid};
use crate::values::Channel;

/// Where a dialog stands, as users see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DialogStatus {
    /// The bot is talking (or waiting for the customer).
    Active,
    /// An operator holds the dialog (or it waits for one); the bot is silent.
    Operator,
    /// Finished normally.
    Ended,
    /// Stopped by a scenario error; the error is recorded.
    Failed,
}

impl DialogStatus {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            DialogStatus::Active => "active",
            DialogStatus::Operator => "operator",
            DialogStatus::Ended => "ended",
            DialogStatus::Failed => "failed",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim() {
            "active" => Ok(Self::Active),
            "operator" => Ok(Self::Operator),
            "ended" => Ok(Self::Ended),
            "failed" => Ok(Self::Failed),
            other => Err(Error::invalid(format!(
                "unknown dialog status `{other}` (expected active, operator, ended or failed)"
            ))),
        }
    }

    /// Ended or failed: nothing more happens in it.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Ended | Self::Failed)
    }
}

/// One conversation between a customer and an agent (then maybe an operator).
#[derive(Debug, Clone, PartialEq)]
pub struct Dialog {
    /// Integer id (Bot.one v1).
    pub id: DialogId,
    /// UUID (Neuro.net `dialog_uuid`, Bot.one v2).
    pub uuid: Uuid,
    /// Owner.
    pub company_id: CompanyId,
    /// The agent whose scenario runs now (changes on a goto to another agent).
    pub agent_id: AgentId,
    /// The scenario version the state belongs to.
    pub scenario_version: i64,
    /// Chat or voice.
    pub channel: Channel,
    /// Where it stands.
    pub status: DialogStatus,
    /// The entry point it started at.
    pub entry: String,
    /// The variables given at start.
    pub inputs: Variables,
    /// The scenario interpreter's state, persisted after every turn.
    pub state: DialogState,
    /// The result set by the scenario's `end`, if any.
    pub result: Option<String>,
    /// The operator holding it, if any.
    pub operator_id: Option<UserId>,
    /// Where the customer came from (`web`, `api`, ...).
    pub source: String,
    /// The customer's IP address, when known.
    pub ip: Option<String>,
    /// The customer's location, when known.
    pub location: Option<String>,
    /// Why it failed, for `Failed`.
    pub error: Option<String>,
    /// Optimistic-concurrency counter, bumped by every saved turn.
    pub version: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it ended, if it has.
    pub ended_at: Option<DateTime<Utc>>,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sender {
    /// The agent's scenario.
    Bot,
    /// The customer.
    Customer,
    /// A human operator.
    Operator,
    /// Parley itself (handoffs, errors).
    System,
}

impl Sender {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Sender::Bot => "bot",
            Sender::Customer => "customer",
            Sender::Operator => "operator",
            Sender::System => "system",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "bot" => Ok(Self::Bot),
            "customer" => Ok(Self::Customer),
            "operator" => Ok(Self::Operator),
            "system" => Ok(Self::System),
            other => Err(Error::invalid(format!("unknown sender `{other}`"))),
        }
    }
}

/// A button offered with a bot message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    /// What a press sends back.
    pub id: String,
    /// What the customer sees.
    pub text: String,
}

/// A message in a dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Integer id; increases in the order messages were written.
    pub id: MessageId,
    /// UUID.
    pub uuid: Uuid,
    /// The dialog.
    pub dialog_id: DialogId,
    /// Who wrote it.
    pub sender: Sender,
    /// The text.
    pub text: String,
    /// Buttons offered with it (bot messages).
    pub buttons: Vec<Button>,
    /// The button pressed, for a customer's button press.
    pub button_id: Option<String>,
    /// The operator who wrote it.
    pub operator_id: Option<UserId>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// A message to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// Who wrote it.
    pub sender: Sender,
    /// The text.
    pub text: String,
    /// Buttons offered.
    pub buttons: Vec<Button>,
    /// The button pressed.
    pub button_id: Option<String>,
    /// The operator who wrote it.
    pub operator_id: Option<UserId>,
}

impl NewMessage {
    /// A plain message from `sender`.
    pub fn text(sender: Sender, text: impl Into<String>) -> Self {
        Self {
            sender,
            text: text.into(),
            buttons: Vec::new(),
            button_id: None,
            operator_id: None,
        }
    }
}

/// An answer the scenario collected (an `ask` block), as reports show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The variable it was stored in.
    pub variable: String,
    /// The question asked.
    pub question: String,
    /// `text`, `number`, `yes_no`, `choice`, `phone`, `date`, `email`.
    pub kind: String,
    /// The normalised answer.
    pub answer: Value,
    /// Whether it was later withdrawn.
    pub deleted: bool,
    /// When it was given.
    pub created_at: DateTime<Utc>,
}

/// An answer to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAnswer {
    /// Variable.
    pub variable: String,
    /// Question.
    pub question: String,
    /// Kind.
    pub kind: String,
    /// Answer.
    pub answer: Value,
}

/// A new dialog to store, before its first turn.
#[derive(Debug, Clone)]
pub struct NewDialog {
    /// Agent.
    pub agent_id: AgentId,
    /// Scenario version.
    pub scenario_version: i64,
    /// Channel.
    pub channel: Channel,
    /// Entry point.
    pub entry: String,
    /// Input variables.
    pub inputs: Variables,
    /// Source.
    pub source: String,
    /// IP address.
    pub ip: Option<String>,
    /// Location.
    pub location: Option<String>,
}

/// What a turn changes on a dialog, saved together with its messages and answers.
#[derive(Debug, Clone)]
pub struct DialogUpdate {
    /// Agent (changes on goto).
    pub agent_id: AgentId,
    /// Scenario version.
    pub scenario_version: i64,
    /// Status.
    pub status: DialogStatus,
    /// Interpreter state.
    pub state: DialogState,
    /// Result.
    pub result: Option<String>,
    /// Operator.
    pub operator_id: Option<UserId>,
    /// Error.
    pub error: Option<String>,
}

impl DialogUpdate {
    /// The update that leaves `dialog` as it is; turns change fields from there.
    pub fn from_dialog(dialog: &Dialog) -> Self {
        Self {
            agent_id: dialog.agent_id,
            scenario_version: dialog.scenario_version,
            status: dialog.status,
            state: dialog.state.clone(),
            result: dialog.result.clone(),
            operator_id: dialog.operator_id,
            error: dialog.error.clone(),
        }
    }
}

/// Which dialogs to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DialogFilter {
    /// Only this agent's.
    pub agent_id: Option<AgentId>,
    /// Only in this status.
    pub status: Option<DialogStatus>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created at or before.
    pub created_to: Option<DateTime<Utc>>,
    /// Updated at or after.
    pub updated_from: Option<DateTime<Utc>>,
    /// Updated at or before.
    pub updated_to: Option<DateTime<Utc>>,
}
