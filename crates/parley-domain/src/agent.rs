//! Agents (bots): settings, declared input and output variables, call-time slots, credentials.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::ids::{AgentId, CompanyId, Uuid};
use crate::values::{Channel, LocalTime, Weekday};

/// A bot: a scenario plus the settings that govern how it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    /// Integer id (Bot.one `BotID`).
    pub id: AgentId,
    /// UUID (Neuro.net `agent_uuid`).
    pub uuid: Uuid,
    /// Owner.
    pub company_id: CompanyId,
    /// Chat or voice.
    pub channel: Channel,
    /// Everything editable.
    pub settings: AgentSettings,
    /// The current scenario version (1 for the first upload).
    pub scenario_version: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its settings or scenario last changed.
    pub updated_at: DateTime<Utc>,
}

/// The settings Neuro.net exposes for an agent, plus Parley's own.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentSettings {
    /// Display name (3–129 characters; tabs allowed).
    pub name: String,
    /// Free text.
    pub description: String,
    /// Default language, e.g. `ru-RU`.
    pub language: String,
    /// IANA zone used for call-time rules when the callee's zone is unknown.
    pub timezone: chrono_tz::Tz,
    /// Pause before the next call attempt, in seconds.
    pub delay_seconds: u32,
    /// How many times to call again after a failed attempt.
    pub recall_count: u32,
    /// Telephony trunk.
    pub trunk_name: String,
    /// Selects a set of voice recordings.
    pub flag: String,
    /// Where recordings are kept (a path or URL prefix).
    pub record_path: String,
    /// Concurrent transfers to operators.
    pub routing_channel_limit: u32,
    /// Concurrent calls.
    pub total_channel_limit: u32,
    /// Number pool.
    pub pool_name: String,
    /// Speech recognition engine, e.g. `google`.
    pub asr: String,
    /// Speech synthesis voice, `voice@platform`, e.g. `oksana@yandex`.
    pub tts: String,
    /// Synthesis speed, when set.
    pub speed: Option<f64>,
    /// Synthesis pitch, when set.
    pub pitch: Option<f64>,
    /// Synthesis emotion, when set.
    pub emotion: Option<String>,
    /// How long recordings are kept, in days.
    pub record_storage_days: u32,
}

impl AgentSettings {
    /// Defaults for a new agent called `name`.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: String::new(),
            language: "ru-RU".into(),
            timezone: chrono_tz::Europe::Moscow,
            delay_seconds: 300,
            recall_count: 0,
            trunk_name: String::new(),
            flag: String::new(),
            record_path: String::new(),
            routing_channel_limit: 1,
            total_channel_limit: 10,
            pool_name: String::new(),
            asr: "parley".into(),
            tts: "espeak@parley".into(),
            speed: None,
            pitch: None,
            emotion: None,
            record_storage_days: 30,
        }
    }

    /// Checks the rules every face relies on.
    pub fn validate(&self) -> Result<()> {
        let len = self.name.chars().count();
        if !(1..=129).contains(&len) || self.name.trim().is_empty() {
            return Err(Error::invalid(
                "agent name must be 1–129 characters and not blank",
            ));
        }
        if self.language.trim().is_empty() {
            return Err(Error::invalid("language must not be empty (e.g. ru-RU)"));
        }
        // Any recall_count is accepted (Neuro.net clients send 12345678): the dialer stops at
        // the campaign's end, the calling window, or a final outcome long before it.
        if self.total_channel_limit > 10_000 || self.routing_channel_limit > 10_000 {
            return Err(Error::invalid("channel limits must be 0–10000"));
        }
        if self.delay_seconds > 7 * 86_400 {
            return Err(Error::invalid("delay must be at most 7 days"));
        }
        Ok(())
    }
}

/// Parses an IANA zone name such as `Europe/Moscow`.
pub fn parse_timezone(name: &str) -> Result<chrono_tz::Tz> {
    name.trim().parse().map_err(|_| {
        Error::invalid(format!(
            "`{name}` is not an IANA time zone (e.g. Europe/Moscow)"
        ))
    })
}

/// A declared input variable (Neuro.net initial entity).
#[derive(Debug, Clone, PartialEq)]
pub struct InputVariable {
    /// UUID (`initial_entity_uuid`).
    pub uuid: Uuid,
    /// Variable name.
    pub name: String,
    /// Whether the value is spoken by synthesis.
    pub synthesis: bool,
}

/// A declared output variable (Neuro.net output entity), a column in reports.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputVariable {
    /// UUID (`output_entity_uuid`).
    pub uuid: Uuid,
    /// Variable name.
    pub name: String,
    /// `string`, `number` or `datetime`.
    pub kind: OutputKind,
    /// Report column (2..9 in Neuro.net), when set.
    pub cell: Option<u32>,
}

/// The type of an output variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// Text.
    String,
    /// A number.
    Number,
    /// A date and time.
    Datetime,
    /// True or false.
    Boolean,
}

impl OutputKind {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputKind::String => "string",
            OutputKind::Number => "number",
            OutputKind::Datetime => "datetime",
            OutputKind::Boolean => "boolean",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim() {
            "string" => Ok(Self::String),
            "number" => Ok(Self::Number),
            "datetime" => Ok(Self::Datetime),
            "boolean" => Ok(Self::Boolean),
            other => Err(Error::invalid(format!(
                "unknown type `{other}` (expected string, number, datetime or boolean)"
            ))),
        }
    }
}

impl From<parley_scenario::OutputKind> for OutputKind {
    fn from(kind: parley_scenario::OutputKind) -> Self {
        match kind {
            parley_scenario::OutputKind::String => Self::String,
            parley_scenario::OutputKind::Number => Self::Number,
            parley_scenario::OutputKind::Datetime => Self::Datetime,
            parley_scenario::OutputKind::Boolean => Self::Boolean,
        }
    }
}

/// A weekly window in which the agent may call: on `day`, from `not_before` to `not_after`.
/// A window with `not_after` earlier than `not_before` crosses midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSlot {
    /// UUID (`time_slot_uuid`).
    pub uuid: Uuid,
    /// Day of the week.
    pub day: Weekday,
    /// Start of the window.
    pub not_before: LocalTime,
    /// End of the window.
    pub not_after: LocalTime,
}

/// A key for a speech service (Neuro.net credentials).
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    /// UUID.
    pub uuid: Uuid,
    /// Display name.
    pub name: String,
    /// `google`, `yandex`, ...
    pub platform: String,
    /// `asr` or `tts`.
    pub key_type: String,
    /// The secret value.
    pub value: String,
}

/// What a new agent is made from.
#[derive(Debug, Clone)]
pub struct NewAgent {
    /// Chat or voice.
    pub channel: Channel,
    /// Settings.
    pub settings: AgentSettings,
    /// The scenario document (already validated by the service).
    pub scenario_source: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_validation_names_the_rule() {
        let mut s = AgentSettings::named("Survey");
        assert!(s.validate().is_ok());
        s.name = " ".into();
        assert!(s.validate().unwrap_err().message().contains("name"));
        let mut s = AgentSettings::named("x".repeat(130));
        assert!(s.validate().is_err());
        s.name = "tab\tname".into();
        s.recall_count = 12_345_678;
        assert!(s.validate().is_ok(), "any recall count is accepted");
        s.total_channel_limit = 10_001;
        assert!(
            s.validate()
                .unwrap_err()
                .message()
                .contains("channel limits")
        );
    }

    #[test]
    fn zones_and_kinds_parse() {
        assert_eq!(
            parse_timezone("Asia/Yekaterinburg").unwrap(),
            chrono_tz::Asia::Yekaterinburg
        );
        assert!(parse_timezone("Mars/Olympus").is_err());
        assert_eq!(OutputKind::parse("number").unwrap(), OutputKind::Number);
        assert!(OutputKind::parse("blob").is_err());
    }
}
