//! Campaign webhooks (Twin24's `webhookUrls`): where a campaign reports its calls, contacts and
//! state changes, the events it reports, and the outbox rows that carry them to the receivers.
//!
//! Events are written to a durable outbox in the transaction that records what they report (a
//! call's events with the call), one row per event and target URL; a delivery loop posts them
//! through `HttpOut` and retries with exponential backoff for a day, so a receiver that fails or
//! hangs, or a restart, loses nothing.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::call::NewCall;
use crate::campaign::{Campaign, CampaignState, QueueEntry};
use crate::dialer::Outcome;
use crate::error::{Error, Result};
use crate::ids::{CampaignId, CompanyId};

/// The events a campaign reports (`EFFICIENCY_REACHED` is accepted in a selection but never
/// sent: Parley has no efficiency goal to reach).
pub const EVENTS: [&str; 6] = [
    CALL_ENDED,
    CANDIDATE_CHANGED,
    AUTOCALL_STATUS_CHANGED,
    CALL_REDIRECTED,
    RECALL_SCHEDULED,
    "EFFICIENCY_REACHED",
];
/// After every call attempt.
pub const CALL_ENDED: &str = "CALL_ENDED";
/// When a contact is done (no further attempt).
pub const CANDIDATE_CHANGED: &str = "CANDIDATE_CHANGED";
/// When the campaign changes state.
pub const AUTOCALL_STATUS_CHANGED: &str = "AUTOCALL_STATUS_CHANGED";
/// When a call was handed to an operator (written with the call, before its `CALL_ENDED`).
pub const CALL_REDIRECTED: &str = "CALL_REDIRECTED";
/// When an attempt ended and the contact will be called again (after its `CALL_ENDED`).
pub const RECALL_SCHEDULED: &str = "RECALL_SCHEDULED";

/// How long a delivery is retried before it is given up.
pub const RETRY_FOR: TimeDelta = TimeDelta::hours(24);

/// One receiver of a campaign's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    /// Absolute `http(s)` URL.
    pub url: String,
    /// The events it wants; `None` = every event.
    pub events: Option<Vec<String>>,
}

impl WebhookTarget {
    /// Checks the URL and the event names.
    pub fn new(url: &str, events: Option<Vec<String>>) -> Result<Self> {
        let url = url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() > 2048 {
            return Err(Error::invalid(format!(
                "webhook URL `{url}` must be an absolute http or https URL"
            )));
        }
        if let Some(unknown) = events
            .iter()
            .flatten()
            .find(|e| !EVENTS.contains(&e.as_str()))
        {
            return Err(Error::invalid(format!(
                "unknown webhook event `{unknown}` (expected one of {})",
                EVENTS.join(", ")
            )));
        }
        Ok(Self {
            url: url.to_owned(),
            events,
        })
    }

    /// Whether it wants `event`.
    pub fn wants(&self, event: &str) -> bool {
        self.events
            .as_ref()
            .is_none_or(|events| events.iter().any(|e| e == event))
    }
}

/// What a campaign carries beyond [`Campaign`]: its webhook targets and a pace slower than one
/// call per second.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CampaignHooks {
    /// Receivers of its events.
    pub webhooks: Vec<WebhookTarget>,
    /// At most one new call per this many seconds (Twin24 `cps` "1 − N/100"); takes precedence
    /// over `calls_per_second` when set.
    pub seconds_per_call: Option<u32>,
}

/// An event to deliver to one URL.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWebhook {
    /// Owner.
    pub company_id: CompanyId,
    /// The campaign it reports on.
    pub campaign_id: Option<CampaignId>,
    /// Event name.
    pub event: String,
    /// Receiver.
    pub url: String,
    /// The JSON body.
    pub payload: String,
    /// First attempt not before.
    pub next_at: DateTime<Utc>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not delivered yet; tried again at `next_at`.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after a day of failures.
    Failed,
}

impl DeliveryState {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim() {
            "pending" => Ok(Self::Pending),
            "delivered" => Ok(Self::Delivered),
            "failed" => Ok(Self::Failed),
            other => Err(Error::invalid(format!(
                "unknown delivery state `{other}` (expected pending, delivered or failed)"
            ))),
        }
    }
}

/// One attempt to deliver an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The receiver's status, when it answered.
    pub status: Option<u16>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// An event in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Outbox id.
    pub id: i64,
    /// Owner.
    pub company_id: CompanyId,
    /// The campaign it reports on.
    pub campaign_id: Option<CampaignId>,
    /// Event name.
    pub event: String,
    /// Receiver.
    pub url: String,
    /// JSON body.
    pub payload: String,
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts made.
    pub attempts: Vec<DeliveryAttempt>,
    /// Next attempt (pending ones).
    pub next_at: DateTime<Utc>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When the receiver took it.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// What becomes of a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    /// Taken.
    Delivered,
    /// Tried again then.
    RetryAt(DateTime<Utc>),
    /// Given up.
    GiveUp,
}

/// Which deliveries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryFilter {
    /// Only this campaign's.
    pub campaign_id: Option<CampaignId>,
    /// Only in this state.
    pub state: Option<DeliveryState>,
    /// Only this event.
    pub event: Option<String>,
}

/// The pause before attempt `attempts + 1` after `attempts` failed ones: 10 s doubling to at most
/// an hour; `None` once a day has passed since `created_at`.
pub fn next_attempt(
    created_at: DateTime<Utc>,
    attempts: u32,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let exponent = attempts.saturating_sub(1).min(9);
    let pause = TimeDelta::seconds((10_i64 << exponent).min(3600));
    let at = now + pause;
    (at < created_at + RETRY_FOR).then_some(at)
}

/// Twin24's task status for a campaign: BLANK (created, nothing queued), READY (created),
/// PROCESS (running), PAUSED, HALTED (stopped, completed, or past its lifetime).
pub fn task_status(campaign: &Campaign, queued: u64, now: DateTime<Utc>) -> &'static str {
    if campaign.window.ends_at.is_some_and(|end| end <= now) {
        return "HALTED";
    }
    match campaign.state {
        CampaignState::Created if queued == 0 => "BLANK",
        CampaignState::Created => "READY",
        CampaignState::Running => "PROCESS",
        CampaignState::Paused => "PAUSED",
        CampaignState::Stopped | CampaignState::Completed => "HALTED",
    }
}

/// The `CALL_ENDED` body for `call` of `entry` (`again`: the contact will be called again).
pub fn call_ended(
    campaign: &Campaign,
    entry: &QueueEntry,
    call: &NewCall,
    callback: Option<&Value>,
    again: bool,
) -> Value {
    let mut body = common(CALL_ENDED, campaign, entry, callback);
    body["lastCallId"] = json!(call.uuid.to_string());
    body["call"] = json!({
        "id": call.uuid.to_string(),
        "status": call.outcome.twin24_status(),
        "responder": match call.outcome {
            Outcome::Answered => Some("Human"),
            Outcome::AnsweringMachine => Some("AnsweringMachine"),
            _ => None,
        },
        "duration": talk_seconds(call),
        "phone": call.phone.digits(),
        "attempt": call.attempt,
        "startedAt": call.started_at.to_rfc3339(),
        "endedAt": call.ended_at.to_rfc3339(),
        "dialogResult": call.result,
        "isFinished": !again,
    });
    body["status"] = json!(call.outcome.twin24_status());
    body["duration"] = json!(talk_seconds(call));
    body["phone"] = json!(call.phone.digits());
    body["isFinished"] = json!(!again);
    body
}

/// The `CANDIDATE_CHANGED` body for a contact that is done (`reason` why).
pub fn candidate_changed(
    campaign: &Campaign,
    entry: &QueueEntry,
    last_call: Option<&NewCall>,
    callback: Option<&Value>,
    reason: &str,
) -> Value {
    let mut body = common(CANDIDATE_CHANGED, campaign, entry, callback);
    body["lastCallId"] = json!(last_call.map(|c| c.uuid.to_string()));
    body["status"] = json!(last_call.map(|c| c.outcome.twin24_status()));
    body["duration"] = json!(last_call.map(talk_seconds));
    body["phone"] = json!(entry.phone.digits());
    body["candidateStatus"] = json!("DONE");
    body["finishReason"] = json!(reason);
    body["attempts"] = json!(entry.attempts);
    body
}

/// The `CALL_REDIRECTED` body for `call` of `entry`, which the bot handed to an operator.
pub fn call_redirected(
    campaign: &Campaign,
    entry: &QueueEntry,
    call: &NewCall,
    callback: Option<&Value>,
) -> Value {
    let mut body = common(CALL_REDIRECTED, campaign, entry, callback);
    body["callId"] = json!(call.uuid.to_string());
    body["lastCallId"] = json!(call.uuid.to_string());
    body["phone"] = json!(call.phone.digits());
    body["attempt"] = json!(call.attempt);
    body["startedAt"] = json!(call.started_at.to_rfc3339());
    body["operatorDuration"] = json!(call.operator_ms / 1000);
    body
}

/// The `RECALL_SCHEDULED` body: `call` of `entry` ended and the contact is called again at
/// `next_at` (not before; the dialer may start later when lines are busy).
pub fn recall_scheduled(
    campaign: &Campaign,
    entry: &QueueEntry,
    call: &NewCall,
    callback: Option<&Value>,
    next_at: DateTime<Utc>,
) -> Value {
    let mut body = common(RECALL_SCHEDULED, campaign, entry, callback);
    body["callId"] = json!(call.uuid.to_string());
    body["lastCallId"] = json!(call.uuid.to_string());
    body["status"] = json!(call.outcome.twin24_status());
    body["phone"] = json!(call.phone.digits());
    body["attempts"] = json!(call.attempt);
    body["nextAttempt"] = json!(call.attempt + 1);
    body["recallAt"] = json!(next_at.to_rfc3339());
    body
}

/// The `AUTOCALL_STATUS_CHANGED` body.
pub fn status_changed(campaign: &Campaign, status: &str) -> Value {
    json!({
        "event": AUTOCALL_STATUS_CHANGED,
        "taskId": campaign.uuid.to_string(),
        "autoCallId": campaign.uuid.to_string(),
        "botId": campaign.agent_id.0,
        "status": status,
        "name": campaign.name,
    })
}

fn talk_seconds(call: &NewCall) -> i64 {
    call.answered_at
        .map_or(0, |answered| (call.ended_at - answered).num_seconds())
}

fn common(event: &str, campaign: &Campaign, entry: &QueueEntry, callback: Option<&Value>) -> Value {
    json!({
        "event": event,
        "taskId": campaign.uuid.to_string(),
        "autoCallId": campaign.uuid.to_string(),
        "candidateId": entry.dialog_uuid.to_string(),
        "botId": campaign.agent_id.0,
        "clientExternalId": entry.external_id,
        "callbackData": callback.cloned().unwrap_or(Value::Null),
    })
}

/// One row per target of `hooks` that wants `event`.
pub fn rows_for(
    hooks: &CampaignHooks,
    campaign: &Campaign,
    event: &str,
    payload: &Value,
    now: DateTime<Utc>,
) -> Vec<NewWebhook> {
    hooks
        .webhooks
        .iter()
        .filter(|t| t.wants(event))
        .map(|t| NewWebhook {
            company_id: campaign.company_id,
            campaign_id: Some(campaign.id),
            event: event.to_owned(),
            url: t.url.clone(),
            payload: payload.to_string(),
            next_at: now,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stops_after_a_day() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(next_attempt(t0, 1, t0), Some(t0 + TimeDelta::seconds(10)));
        assert_eq!(next_attempt(t0, 2, t0), Some(t0 + TimeDelta::seconds(20)));
        assert_eq!(next_attempt(t0, 20, t0), Some(t0 + TimeDelta::hours(1)));
        assert_eq!(next_attempt(t0, 20, t0 + TimeDelta::hours(23)), None);
    }

    #[test]
    fn targets_check_urls_and_events() {
        assert!(WebhookTarget::new("ftp://x", None).is_err());
        let err = WebhookTarget::new("https://x.test/h", Some(vec!["NOPE".into()])).unwrap_err();
        assert!(err.message().contains("CALL_ENDED"));
        let t = WebhookTarget::new("https://x.test/h", Some(vec![CALL_ENDED.into()])).unwrap();
        assert!(t.wants(CALL_ENDED) && !t.wants(CANDIDATE_CHANGED));
    }
}
