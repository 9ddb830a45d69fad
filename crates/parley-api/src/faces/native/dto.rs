//! The native API's wire types for the objects it returns, converted by hand from domain types.

use chrono::{DateTime, Utc};
use parley_domain::agent::{Agent, AgentSettings};
use parley_domain::dialog::{Answer, Button, Dialog, Message};
use parley_domain::dialog_service::{DialogDetails, TurnOutcome};
use parley_domain::directory::User;
use parley_domain::ids::Uuid;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

pub use crate::faces::native::files::FileDto;
pub use crate::faces::native::values::{ChannelDto, DialogStatusDto, RoleDto, SenderDto};

/// A user.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = User)]
pub struct UserDto {
    /// Integer id.
    pub id: i64,
    /// UUID.
    pub uuid: Uuid,
    /// The user's company.
    pub company_id: i64,
    /// Login.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: RoleDto,
    /// When it was created (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserDto {
    fn from(user: User) -> Self {
        Self {
            id: user.id.0,
            uuid: user.uuid,
            company_id: user.company_id.0,
            email: user.email.to_string(),
            name: user.name,
            role: user.role.into(),
            created_at: user.created_at,
        }
    }
}

/// An agent (bot).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Agent)]
pub struct AgentDto {
    /// Integer id.
    pub id: i64,
    /// UUID.
    pub uuid: Uuid,
    /// Chat or voice.
    pub channel: ChannelDto,
    /// The current scenario version (1 for the first upload).
    pub scenario_version: i64,
    /// Settings.
    pub settings: SettingsDto,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its settings or scenario last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Agent> for AgentDto {
    fn from(agent: Agent) -> Self {
        Self {
            id: agent.id.0,
            uuid: agent.uuid,
            channel: agent.channel.into(),
            scenario_version: agent.scenario_version,
            settings: agent.settings.into(),
            created_at: agent.created_at,
            updated_at: agent.updated_at,
        }
    }
}

/// An agent's settings, all of them.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Settings)]
pub struct SettingsDto {
    /// Display name (1–129 characters).
    pub name: String,
    /// Free text.
    pub description: String,
    /// Default language, e.g. `ru-RU`.
    pub language: String,
    /// IANA time zone for call-time rules when the callee's is unknown.
    #[schema(example = "Europe/Moscow")]
    pub timezone: String,
    /// Pause before the next call attempt, in seconds.
    pub delay_seconds: u32,
    /// How many times to call again after a failed attempt.
    pub recall_count: u32,
    /// Telephony trunk.
    pub trunk_name: String,
    /// Selects a set of voice recordings.
    pub flag: String,
    /// Where recordings are kept.
    pub record_path: String,
    /// Concurrent transfers to operators.
    pub routing_channel_limit: u32,
    /// Concurrent calls.
    pub total_channel_limit: u32,
    /// Number pool.
    pub pool_name: String,
    /// Speech recognition engine.
    pub asr: String,
    /// Speech synthesis voice, `voice@platform`.
    pub tts: String,
    /// Synthesis speed.
    pub speed: Option<f64>,
    /// Synthesis pitch.
    pub pitch: Option<f64>,
    /// Synthesis emotion.
    pub emotion: Option<String>,
    /// How long recordings are kept, in days.
    pub record_storage_days: u32,
}

impl From<AgentSettings> for SettingsDto {
    fn from(s: AgentSettings) -> Self {
        Self {
            name: s.name,
            description: s.description,
            language: s.language,
            timezone: s.timezone.name().to_owned(),
            delay_seconds: s.delay_seconds,
            recall_count: s.recall_count,
            trunk_name: s.trunk_name,
            flag: s.flag,
            record_path: s.record_path,
            routing_channel_limit: s.routing_channel_limit,
            total_channel_limit: s.total_channel_limit,
            pool_name: s.pool_name,
            asr: s.asr,
            tts: s.tts,
            speed: s.speed,
            pitch: s.pitch,
            emotion: s.emotion,
            record_storage_days: s.record_storage_days,
        }
    }
}

/// A dialog (conversation).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Dialog)]
pub struct DialogDto {
    /// Integer id.
    pub id: i64,
    /// UUID.
    pub uuid: Uuid,
    /// The agent whose scenario runs now.
    pub agent_id: i64,
    /// The scenario version it runs.
    pub scenario_version: i64,
    /// Chat or voice.
    pub channel: ChannelDto,
    /// Where it stands.
    pub status: DialogStatusDto,
    /// The entry point it started at.
    pub entry: String,
    /// The result set by the scenario's `end`.
    pub result: Option<String>,
    /// Why it failed, for `failed`.
    pub error: Option<String>,
    /// The scenario's variables now: inputs, collected answers, built-ins.
    #[schema(value_type = Object)]
    pub variables: Map<String, Value>,
    /// The variables given at start.
    #[schema(value_type = Object)]
    pub inputs: Map<String, Value>,
    /// The operator holding it.
    pub operator_id: Option<i64>,
    /// Where the customer came from (`api`, `web`, ...).
    pub source: String,
    /// The customer's IP address.
    pub ip: Option<String>,
    /// The customer's location.
    pub location: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Bumped by every saved turn.
    pub version: i64,
}

impl From<Dialog> for DialogDto {
    fn from(d: Dialog) -> Self {
        Self {
            id: d.id.0,
            uuid: d.uuid,
            agent_id: d.agent_id.0,
            scenario_version: d.scenario_version,
            channel: d.channel.into(),
            status: d.status.into(),
            entry: d.entry,
            result: d.result,
            error: d.error,
            variables: d.state.variables().clone(),
            inputs: d.inputs,
            operator_id: d.operator_id.map(|id| id.0),
            source: d.source,
            ip: d.ip,
            location: d.location,
            created_at: d.created_at,
            updated_at: d.updated_at,
            ended_at: d.ended_at,
            version: d.version,
        }
    }
}

/// A button offered with a bot message.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Button)]
pub struct ButtonDto {
    /// What a press sends back (`{"button": id}`).
    pub id: String,
    /// What the customer sees.
    pub text: String,
}

impl From<Button> for ButtonDto {
    fn from(b: Button) -> Self {
        Self {
            id: b.id,
            text: b.text,
        }
    }
}

/// A message in a dialog.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Message)]
pub struct MessageDto {
    /// Integer id; increases in the order messages were written (use it as `after`).
    pub id: i64,
    /// UUID.
    pub uuid: Uuid,
    /// Who wrote it.
    pub sender: SenderDto,
    /// The text.
    pub text: String,
    /// Buttons offered with it.
    pub buttons: Vec<ButtonDto>,
    /// The button pressed, for a customer's button press.
    pub button_id: Option<String>,
    /// The operator who wrote it.
    pub operator_id: Option<i64>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

impl From<Message> for MessageDto {
    fn from(m: Message) -> Self {
        Self {
            id: m.id.0,
            uuid: m.uuid,
            sender: m.sender.into(),
            text: m.text,
            buttons: m.buttons.into_iter().map(ButtonDto::from).collect(),
            button_id: m.button_id,
            operator_id: m.operator_id.map(|id| id.0),
            created_at: m.created_at,
        }
    }
}

/// An answer the scenario collected.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Answer)]
pub struct AnswerDto {
    /// The variable it was stored in.
    pub variable: String,
    /// The question asked.
    pub question: String,
    /// `text`, `number`, `yes_no`, `choice`, `phone`, `date`, `email`.
    pub kind: String,
    /// The normalised answer.
    #[schema(value_type = Object)]
    pub answer: Value,
    /// Whether it was later withdrawn.
    pub deleted: bool,
    /// When it was given.
    pub created_at: DateTime<Utc>,
}

impl From<Answer> for AnswerDto {
    fn from(a: Answer) -> Self {
        Self {
            variable: a.variable,
            question: a.question,
            kind: a.kind,
            answer: a.answer,
            deleted: a.deleted,
            created_at: a.created_at,
        }
    }
}

/// A dialog after a change, with the messages that change wrote.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Turn)]
pub struct TurnDto {
    /// The dialog as saved.
    pub dialog: DialogDto,
    /// The new messages, in order (the customer's or operator's own included).
    pub messages: Vec<MessageDto>,
}

impl From<TurnOutcome> for TurnDto {
    fn from(outcome: TurnOutcome) -> Self {
        Self {
            dialog: outcome.dialog.into(),
            messages: messages(outcome.messages),
        }
    }
}

/// A dialog with all its messages, collected answers and uploaded files.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DialogDetails)]
pub struct DialogDetailsDto {
    /// The dialog.
    pub dialog: DialogDto,
    /// All messages, in order.
    pub messages: Vec<MessageDto>,
    /// All answers collected, in order.
    pub answers: Vec<AnswerDto>,
    /// Files the customer uploaded, in order.
    pub files: Vec<FileDto>,
}

impl From<DialogDetails> for DialogDetailsDto {
    fn from(details: DialogDetails) -> Self {
        Self {
            dialog: details.dialog.into(),
            messages: messages(details.messages),
            answers: details.answers.into_iter().map(AnswerDto::from).collect(),
            files: details.files.into_iter().map(FileDto::from).collect(),
        }
    }
}

/// Converts a list of messages.
pub fn messages(messages: Vec<Message>) -> Vec<MessageDto> {
    messages.into_iter().map(MessageDto::from).collect()
}
