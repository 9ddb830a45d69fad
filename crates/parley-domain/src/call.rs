//! Call attempts: what happened on the line, who said what when, what it cost.

pub mod search;

use chrono::{DateTime, TimeDelta, Utc};

use crate::dialer::{Outcome, PhoneNumber};
use crate::error::{Error, Result};
use crate::ids::{AgentId, CallId, CampaignId, CompanyId, DialogId, Uuid};

/// Who answered a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Responder {
    /// A person.
    Human,
    /// An answering machine or voice mail.
    AnsweringMachine,
}

impl Responder {
    /// Twin24's name (`Human`, `AnsweringMachine`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Human => "Human",
            Self::AnsweringMachine => "AnsweringMachine",
        }
    }

    /// Parses Twin24's name.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "Human" => Ok(Self::Human),
            "AnsweringMachine" => Ok(Self::AnsweringMachine),
            other => Err(Error::invalid(format!("unknown responder `{other}`"))),
        }
    }
}

/// Who spoke a line of the transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Speaker {
    /// The agent's scenario.
    Bot,
    /// The person called.
    Human,
    /// An operator after a transfer.
    Operator,
}

impl Speaker {
    /// The stable name (`bot`, `human`, `operator`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bot => "bot",
            Self::Human => "human",
            Self::Operator => "operator",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "bot" => Ok(Self::Bot),
            "human" => Ok(Self::Human),
            "operator" => Ok(Self::Operator),
            other => Err(Error::invalid(format!("unknown speaker `{other}`"))),
        }
    }
}

/// One line of a call's transcript, timed from the moment the call was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utterance {
    /// Who spoke.
    pub speaker: Speaker,
    /// What was said (recognised text for the callee; DTMF as `DTMF 1`).
    pub text: String,
    /// Start, in milliseconds after answer.
    pub at_ms: u64,
    /// Length in milliseconds.
    pub duration_ms: u64,
}

/// A finished call attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Integer id.
    pub id: CallId,
    /// UUID (Neuro.net `call_uuid`).
    pub uuid: Uuid,
    /// Owner.
    pub company_id: CompanyId,
    /// The agent whose scenario ran.
    pub agent_id: AgentId,
    /// The campaign, for outbound campaign calls.
    pub campaign_id: Option<CampaignId>,
    /// The dialog.
    pub dialog_id: DialogId,
    /// The dialog's UUID.
    pub dialog_uuid: Uuid,
    /// 1 for the dialog's first attempt.
    pub attempt: u32,
    /// The number called.
    pub phone: PhoneNumber,
    /// How it ended.
    pub outcome: Outcome,
    /// Dialing started.
    pub started_at: DateTime<Utc>,
    /// Answered, if it was.
    pub answered_at: Option<DateTime<Utc>>,
    /// Hung up.
    pub ended_at: DateTime<Utc>,
    /// Milliseconds the bot held the answered call.
    pub bot_ms: u64,
    /// Milliseconds an operator held it after a transfer.
    pub operator_ms: u64,
    /// Whether it was transferred to an operator.
    pub transferred: bool,
    /// Price in minor currency units (kopecks), from the tariff.
    pub price_minor: i64,
    /// The dialog's result when the call ended (the scenario's `end` result).
    pub result: Option<String>,
    /// Who said what, when.
    pub transcript: Vec<Utterance>,
}

impl Call {
    /// Who answered, for answered calls.
    pub fn responder(&self) -> Option<Responder> {
        match self.outcome {
            Outcome::Answered => Some(Responder::Human),
            Outcome::AnsweringMachine => Some(Responder::AnsweringMachine),
            _ => None,
        }
    }

    /// Whole call, dialing to hang-up.
    pub fn duration(&self) -> TimeDelta {
        self.ended_at - self.started_at
    }

    /// Talk time, answer to hang-up (zero when not answered): what the tariff bills.
    pub fn billable(&self) -> TimeDelta {
        self.answered_at
            .map_or(TimeDelta::zero(), |answered| self.ended_at - answered)
    }
}

/// A finished call to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCall {
    /// UUID fixed when the attempt was claimed.
    pub uuid: Uuid,
    /// Agent.
    pub agent_id: AgentId,
    /// Campaign.
    pub campaign_id: Option<CampaignId>,
    /// Dialog.
    pub dialog_id: DialogId,
    /// Attempt number.
    pub attempt: u32,
    /// Number.
    pub phone: PhoneNumber,
    /// Outcome.
    pub outcome: Outcome,
    /// Dialing started.
    pub started_at: DateTime<Utc>,
    /// Answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// Hung up.
    pub ended_at: DateTime<Utc>,
    /// Bot time.
    pub bot_ms: u64,
    /// Operator time.
    pub operator_ms: u64,
    /// Transferred.
    pub transferred: bool,
    /// Price.
    pub price_minor: i64,
    /// Dialog result.
    pub result: Option<String>,
    /// Transcript.
    pub transcript: Vec<Utterance>,
}

/// Which calls to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallFilter {
    /// Only this agent's.
    pub agent_id: Option<AgentId>,
    /// Only this campaign's.
    pub campaign_id: Option<CampaignId>,
    /// Only this dialog's.
    pub dialog_id: Option<DialogId>,
    /// Started at or after.
    pub started_from: Option<DateTime<Utc>>,
    /// Started before.
    pub started_to: Option<DateTime<Utc>>,
}

/// What a minute of talk costs: billed per started `step_seconds` of answered time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tariff {
    /// Price of one minute in minor units (kopecks).
    pub per_minute_minor: i64,
    /// Billing step in seconds (60 = per started minute, 1 = per second).
    pub step_seconds: u32,
}

impl Default for Tariff {
    /// 1.50 per minute, billed per second.
    fn default() -> Self {
        Self {
            per_minute_minor: 150,
            step_seconds: 1,
        }
    }
}

impl Tariff {
    /// The price of `billable` talk time.
    pub fn price(&self, billable: TimeDelta) -> i64 {
        let millis = billable.num_milliseconds().max(0);
        if millis == 0 {
            return 0;
        }
        let step_ms = i64::from(self.step_seconds.max(1)) * 1000;
        let steps = (millis + step_ms - 1) / step_ms;
        let billed_seconds = steps * i64::from(self.step_seconds.max(1));
        (billed_seconds * self.per_minute_minor + 59) / 60
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tariffs_bill_started_steps() {
        let per_second = Tariff::default();
        assert_eq!(per_second.price(TimeDelta::zero()), 0);
        assert_eq!(per_second.price(TimeDelta::seconds(60)), 150);
        assert_eq!(per_second.price(TimeDelta::milliseconds(30_200)), 78); // 31 s
        let per_minute = Tariff {
            per_minute_minor: 200,
            step_seconds: 60,
        };
        assert_eq!(per_minute.price(TimeDelta::seconds(1)), 200);
        assert_eq!(per_minute.price(TimeDelta::seconds(61)), 400);
    }
}
