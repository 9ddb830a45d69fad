//! Rows of campaigns, queue entries, calls and uploads, and their conversion (JSON columns
//! included) to the domain's types; shared by both backends.

use chrono::{DateTime, Timelike, Utc};
use parley_domain::Result;
use parley_domain::call::{Call, Speaker, Utterance};
use parley_domain::campaign::{
    Campaign, CampaignState, CampaignWindow, QueueEntry, QueueState, UploadTask,
};
use parley_domain::dialer::RetryPolicy;
use parley_domain::dialer::{
    Attempt, DailyWindow, Outcome, PhoneNumber, RedialRule, RedialRules, Unproductive,
};
use parley_domain::ids::{AgentId, CallId, CampaignId, CompanyId, DialogId, Uuid};
use parley_domain::values::LocalTime;
use serde::{Deserialize, Serialize};

use crate::errors::{corrupt, to_u32};
use crate::time::Ts;

macro_rules! campaign_cols {
    () => {
        "id, uuid, company_id, agent_id, name, selection, state, starts_at, ends_at, daily_from, \
         daily_to, retry, calls_per_second, created_at, updated_at, completed_at"
    };
}
pub(crate) use campaign_cols;

macro_rules! queue_cols {
    () => {
        "dialog_id, dialog_uuid, company_id, campaign_id, agent_id, phone, state, attempts, history, \
         next_at, finish_reason, external_id, zone, lease_owner, lease_until, call_uuid, created_at, \
         updated_at"
    };
}
pub(crate) use queue_cols;

macro_rules! call_cols {
    () => {
        "id, uuid, company_id, agent_id, campaign_id, dialog_id, dialog_uuid, attempt, phone, outcome, \
         started_at, answered_at, ended_at, bot_ms, operator_ms, transferred, price_minor, result, transcript"
    };
}
pub(crate) use call_cols;

macro_rules! upload_cols {
    () => {
        "id, uuid, company_id, campaign_id, total, processed, rejected, created_at, finished_at"
    };
}
pub(crate) use upload_cols;

/// Seconds since midnight of a time of day.
pub(crate) fn seconds(time: LocalTime) -> i64 {
    i64::from(time.time().num_seconds_from_midnight())
}

fn local_time(seconds: i64, context: &'static str) -> Result<LocalTime> {
    LocalTime::from_seconds(to_u32(seconds, context)?).map_err(|e| corrupt(context, e))
}

/// A redial rule as stored in `campaigns.retry`.
#[derive(Serialize, Deserialize)]
struct RuleJson {
    redial: bool,
    delay_seconds: u32,
    max_redials: u32,
}

/// `campaigns.retry`.
#[derive(Serialize, Deserialize)]
struct RetryJson {
    max_attempts: u32,
    delay_seconds: u32,
    #[serde(default)]
    busy: Option<RuleJson>,
    #[serde(default)]
    no_answer: Option<RuleJson>,
    #[serde(default)]
    answering_machine: Option<RuleJson>,
    #[serde(default)]
    congestion: Option<RuleJson>,
    #[serde(default)]
    unproductive: Option<UnproductiveJson>,
}

/// `RedialRules::unproductive` as stored in `campaigns.retry`.
#[derive(Serialize, Deserialize)]
struct UnproductiveJson {
    shorter_than_ms: u64,
    #[serde(flatten)]
    rule: RuleJson,
}

/// A retry policy as JSON text.
pub(crate) fn retry_to_json(retry: &RetryPolicy) -> String {
    let rule = |r: Option<RedialRule>| {
        r.map(|r| RuleJson {
            redial: r.redial,
            delay_seconds: r.delay_seconds,
            max_redials: r.max_redials,
        })
    };
    let rules = retry.per_outcome;
    let json = RetryJson {
        max_attempts: retry.max_attempts,
        delay_seconds: retry.delay_seconds,
        busy: rule(rules.busy),
        no_answer: rule(rules.no_answer),
        answering_machine: rule(rules.answering_machine),
        congestion: rule(rules.congestion),
        unproductive: rules.unproductive.map(|u| UnproductiveJson {
            shorter_than_ms: u.shorter_than_ms,
            rule: RuleJson {
                redial: u.rule.redial,
                delay_seconds: u.rule.delay_seconds,
                max_redials: u.rule.max_redials,
            },
        }),
    };
    // Plain integers and booleans: serialising cannot fail.
    serde_json::to_string(&json).unwrap_or_default()
}

fn retry_from_json(text: &str) -> Result<RetryPolicy> {
    let json: RetryJson =
        serde_json::from_str(text).map_err(|e| corrupt("reading a campaign's retry policy", e))?;
    let rule = |r: RuleJson| RedialRule {
        redial: r.redial,
        delay_seconds: r.delay_seconds,
        max_redials: r.max_redials,
    };
    Ok(RetryPolicy {
        max_attempts: json.max_attempts,
        delay_seconds: json.delay_seconds,
        per_outcome: RedialRules {
            busy: json.busy.map(rule),
            no_answer: json.no_answer.map(rule),
            answering_machine: json.answering_machine.map(rule),
            congestion: json.congestion.map(rule),
            unproductive: json.unproductive.map(|u| Unproductive {
                shorter_than_ms: u.shorter_than_ms,
                rule: rule(u.rule),
            }),
        },
    })
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CampaignRow {
    id: i64,
    uuid: Uuid,
    company_id: i64,
    agent_id: i64,
    name: String,
    selection: bool,
    state: String,
    starts_at: Option<Ts>,
    ends_at: Option<Ts>,
    daily_from: Option<i64>,
    daily_to: Option<i64>,
    retry: Option<String>,
    calls_per_second: Option<i64>,
    created_at: Ts,
    updated_at: Ts,
    completed_at: Option<Ts>,
}

impl CampaignRow {
    pub(crate) fn into_campaign(self) -> Result<Campaign> {
        const CONTEXT: &str = "reading a campaign row";
        let daily = match (self.daily_from, self.daily_to) {
            (Some(from), Some(to)) => Some(DailyWindow {
                from: local_time(from, CONTEXT)?,
                to: local_time(to, CONTEXT)?,
            }),
            _ => None,
        };
        Ok(Campaign {
            id: CampaignId(self.id),
            uuid: self.uuid,
            company_id: CompanyId(self.company_id),
            agent_id: AgentId(self.agent_id),
            name: self.name,
            selection: self.selection,
            state: CampaignState::parse(&self.state).map_err(|e| corrupt(CONTEXT, e))?,
            window: CampaignWindow {
                starts_at: self.starts_at.map(Into::into),
                ends_at: self.ends_at.map(Into::into),
                daily,
            },
            retry: self.retry.as_deref().map(retry_from_json).transpose()?,
            calls_per_second: self
                .calls_per_second
                .map(|n| to_u32(n, CONTEXT))
                .transpose()?,
            created_at: self.created_at.into(),
            updated_at: self.updated_at.into(),
            completed_at: self.completed_at.map(Into::into),
        })
    }
}

/// An attempt in `campaign_queue.history`.
#[derive(Serialize, Deserialize)]
struct AttemptJson {
    outcome: String,
    /// Unix milliseconds.
    ended_at: i64,
    /// Talk after the answer, in milliseconds (left out when 0; absent in older rows).
    #[serde(default, skip_serializing_if = "is_zero")]
    talk_ms: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One attempt as a JSON object, to append to a history.
pub(crate) fn attempt_to_json(attempt: &Attempt) -> String {
    serde_json::to_string(&AttemptJson {
        outcome: attempt.outcome.as_str().to_owned(),
        ended_at: Ts::from(attempt.ended_at).0.timestamp_millis(),
        talk_ms: attempt.talk_ms,
    })
    .unwrap_or_default()
}

fn history_from_json(text: &str) -> Result<Vec<Attempt>> {
    const CONTEXT: &str = "reading a queue entry's history";
    let items: Vec<AttemptJson> = serde_json::from_str(text).map_err(|e| corrupt(CONTEXT, e))?;
    items
        .into_iter()
        .map(|item| {
            Ok(Attempt {
                outcome: Outcome::parse(&item.outcome).map_err(|e| corrupt(CONTEXT, e))?,
                ended_at: DateTime::<Utc>::from_timestamp_millis(item.ended_at)
                    .ok_or_else(|| corrupt(CONTEXT, format!("instant {} ms", item.ended_at)))?,
                talk_ms: item.talk_ms,
            })
        })
        .collect()
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct QueueRow {
    dialog_id: i64,
    dialog_uuid: Uuid,
    company_id: i64,
    campaign_id: i64,
    agent_id: i64,
    phone: String,
    state: String,
    attempts: i64,
    history: String,
    next_at: Ts,
    finish_reason: Option<String>,
    external_id: Option<String>,
    zone: Option<String>,
    pub(crate) lease_owner: Option<String>,
    pub(crate) lease_until: Option<Ts>,
    pub(crate) call_uuid: Option<Uuid>,
    created_at: Ts,
    updated_at: Ts,
}

impl QueueRow {
    pub(crate) fn dialog_id(&self) -> i64 {
        self.dialog_id
    }

    pub(crate) fn to_entry(&self) -> Result<QueueEntry> {
        const CONTEXT: &str = "reading a queue entry";
        Ok(QueueEntry {
            dialog_id: DialogId(self.dialog_id),
            dialog_uuid: self.dialog_uuid,
            company_id: CompanyId(self.company_id),
            campaign_id: CampaignId(self.campaign_id),
            agent_id: AgentId(self.agent_id),
            phone: PhoneNumber::parse(&self.phone).map_err(|e| corrupt(CONTEXT, e))?,
            state: QueueState::parse(&self.state).map_err(|e| corrupt(CONTEXT, e))?,
            attempts: to_u32(self.attempts, CONTEXT)?,
            history: history_from_json(&self.history)?,
            next_at: self.next_at.into(),
            finish_reason: self.finish_reason.clone(),
            external_id: self.external_id.clone(),
            zone: self
                .zone
                .as_deref()
                .map(|name| name.parse().map_err(|e| corrupt(CONTEXT, e)))
                .transpose()?,
            created_at: self.created_at.into(),
            updated_at: self.updated_at.into(),
        })
    }
}

/// A queue row returned by a claim, with whether its number is on the do-not-call list.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ClaimedRow {
    #[sqlx(flatten)]
    pub(crate) row: QueueRow,
    pub(crate) do_not_call: bool,
}

/// A transcript line in `calls.transcript` (call search reads it embedded in its JSON page).
#[derive(Serialize, Deserialize)]
pub(crate) struct UtteranceJson {
    speaker: String,
    text: String,
    at_ms: u64,
    duration_ms: u64,
}

/// A transcript as JSON text.
pub(crate) fn transcript_to_json(transcript: &[Utterance]) -> String {
    let items: Vec<UtteranceJson> = transcript
        .iter()
        .map(|u| UtteranceJson {
            speaker: u.speaker.as_str().to_owned(),
            text: u.text.clone(),
            at_ms: u.at_ms,
            duration_ms: u.duration_ms,
        })
        .collect();
    serde_json::to_string(&items).unwrap_or_default()
}

fn transcript_from_json(text: &str) -> Result<Vec<Utterance>> {
    const CONTEXT: &str = "reading a call's transcript";
    let items: Vec<UtteranceJson> = serde_json::from_str(text).map_err(|e| corrupt(CONTEXT, e))?;
    transcript_from_items(items)
}

/// A transcript from its lines as stored.
pub(crate) fn transcript_from_items(items: Vec<UtteranceJson>) -> Result<Vec<Utterance>> {
    const CONTEXT: &str = "reading a call's transcript";
    items
        .into_iter()
        .map(|u| {
            Ok(Utterance {
                speaker: Speaker::parse(&u.speaker).map_err(|e| corrupt(CONTEXT, e))?,
                text: u.text,
                at_ms: u.at_ms,
                duration_ms: u.duration_ms,
            })
        })
        .collect()
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CallRow {
    id: i64,
    uuid: Uuid,
    company_id: i64,
    agent_id: i64,
    campaign_id: Option<i64>,
    dialog_id: i64,
    dialog_uuid: Uuid,
    attempt: i64,
    phone: String,
    outcome: String,
    started_at: Ts,
    answered_at: Option<Ts>,
    ended_at: Ts,
    bot_ms: i64,
    operator_ms: i64,
    transferred: bool,
    price_minor: i64,
    result: Option<String>,
    transcript: String,
}

impl CallRow {
    /// The call's UUID.
    pub(crate) fn uuid(&self) -> Uuid {
        self.uuid
    }

    pub(crate) fn into_call(self) -> Result<Call> {
        const CONTEXT: &str = "reading a call row";
        let millis = |v: i64| u64::try_from(v).map_err(|e| corrupt(CONTEXT, e));
        Ok(Call {
            id: CallId(self.id),
            uuid: self.uuid,
            company_id: CompanyId(self.company_id),
            agent_id: AgentId(self.agent_id),
            campaign_id: self.campaign_id.map(CampaignId),
            dialog_id: DialogId(self.dialog_id),
            dialog_uuid: self.dialog_uuid,
            attempt: to_u32(self.attempt, CONTEXT)?,
            phone: PhoneNumber::parse(&self.phone).map_err(|e| corrupt(CONTEXT, e))?,
            outcome: Outcome::parse(&self.outcome).map_err(|e| corrupt(CONTEXT, e))?,
            started_at: self.started_at.into(),
            answered_at: self.answered_at.map(Into::into),
            ended_at: self.ended_at.into(),
            bot_ms: millis(self.bot_ms)?,
            operator_ms: millis(self.operator_ms)?,
            transferred: self.transferred,
            price_minor: self.price_minor,
            result: self.result,
            transcript: transcript_from_json(&self.transcript)?,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct UploadRowDb {
    pub(crate) id: i64,
    uuid: Uuid,
    company_id: i64,
    campaign_id: i64,
    total: i64,
    processed: i64,
    rejected: i64,
    created_at: Ts,
    finished_at: Option<Ts>,
}

impl UploadRowDb {
    /// Whether every row was looked at.
    pub(crate) fn is_finished(&self) -> bool {
        self.finished_at.is_some()
    }

    pub(crate) fn into_task(self) -> UploadTask {
        let count = |v: i64| u64::try_from(v).unwrap_or_default();
        UploadTask {
            uuid: self.uuid,
            company_id: CompanyId(self.company_id),
            campaign_id: CampaignId(self.campaign_id),
            total: count(self.total),
            processed: count(self.processed),
            rejected: count(self.rejected),
            created_at: self.created_at.into(),
            finished_at: self.finished_at.map(Into::into),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_policies_round_trip() {
        let retry = RetryPolicy {
            max_attempts: 3,
            delay_seconds: 600,
            per_outcome: RedialRules {
                busy: Some(RedialRule {
                    redial: true,
                    delay_seconds: 60,
                    max_redials: 2,
                }),
                unproductive: Some(Unproductive {
                    shorter_than_ms: 15_000,
                    rule: RedialRule {
                        redial: true,
                        delay_seconds: 300,
                        max_redials: 1,
                    },
                }),
                ..RedialRules::default()
            },
        };
        assert_eq!(retry_from_json(&retry_to_json(&retry)).unwrap(), retry);
        // A policy stored before `unproductive` existed reads with none.
        let older = r#"{"max_attempts":2,"delay_seconds":60,"busy":null}"#;
        assert_eq!(
            retry_from_json(older).unwrap().per_outcome.unproductive,
            None
        );
    }

    #[test]
    fn histories_round_trip() {
        let at = DateTime::from_timestamp_millis(1_700_000_000_123).unwrap();
        let attempts = vec![
            Attempt {
                ended_at: at,
                outcome: Outcome::Busy,
                talk_ms: 0,
            },
            Attempt {
                ended_at: at,
                outcome: Outcome::Answered,
                talk_ms: 7_250,
            },
        ];
        let json = format!(
            "[{}]",
            attempts
                .iter()
                .map(attempt_to_json)
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_eq!(history_from_json(&json).unwrap(), attempts);
        // An attempt stored before talk was kept reads as no talk.
        let older = r#"[{"outcome":"busy","ended_at":1700000000123}]"#;
        assert_eq!(history_from_json(older).unwrap(), attempts[..1]);
    }
}
