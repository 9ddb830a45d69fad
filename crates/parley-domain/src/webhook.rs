//! Campaign webhooks: where a campaign reports its calls, contacts and state changes, what it
//! reports (`Event`), and the outbox rows that carry the events to the receivers.
//!
//! The domain says what happened; the face that registered a campaign's hooks says how it is
//! worded — its vendor's event names and bodies — through the `WebhookFormat` port (Twin24's
//! `webhookUrls` are the only hooks today, worded by the Twin24 face).
//!
//! Events are written to a durable outbox in the transaction that records what they report (a
//! call's events with the call), one row per event and target URL; a delivery loop posts them
//! through `HttpOut` and retries with exponential backoff for a day, so a receiver that fails or
//! hangs, or a restart, loses nothing.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use crate::call::NewCall;
use crate::campaign::{Campaign, QueueEntry};
use crate::error::{Error, Result};
use crate::ids::{CampaignId, CompanyId, Uuid};

/// How long a delivery is retried before it is given up.
pub const RETRY_FOR: TimeDelta = TimeDelta::hours(24);

/// One receiver of a campaign's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    /// Absolute `http(s)` URL.
    pub url: String,
    /// The events it wants; `None` = every event.
    pub events: Option<Vec<String>>,
    /// Each event goes out this many seconds after it happened (Twin24 `delay`), 0 = at once.
    pub delay_seconds: u32,
}

impl WebhookTarget {
    /// Checks the URL (the event names are the format's, checked by the face that reads them).
    pub fn new(url: &str, events: Option<Vec<String>>) -> Result<Self> {
        let url = url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() > 2048 {
            return Err(Error::invalid(format!(
                "webhook URL `{url}` must be an absolute http or https URL"
            )));
        }
        Ok(Self {
            url: url.to_owned(),
            events,
            delay_seconds: 0,
        })
    }

    /// The same target, its events sent `seconds` after they happen.
    #[must_use]
    pub fn delayed(self, seconds: u32) -> Self {
        Self {
            delay_seconds: seconds,
            ..self
        }
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

/// The contact an event is about: its campaign, queue entry and callback data.
#[derive(Debug, Clone, Copy)]
pub struct Contact<'a> {
    /// Its campaign.
    pub campaign: &'a Campaign,
    /// Its queue entry.
    pub entry: &'a QueueEntry,
    /// The data its uploader asked to get back with every event about it.
    pub callback: Option<&'a Value>,
}

/// A call being handed to an operator: what is known of it when the transfer starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redirect {
    /// The call's UUID.
    pub call_uuid: Uuid,
    /// Its attempt number.
    pub attempt: u32,
    /// When dialing started.
    pub started_at: DateTime<Utc>,
    /// When the callee answered.
    pub answered_at: DateTime<Utc>,
    /// When the transfer started.
    pub at: DateTime<Utc>,
}

/// What a campaign reports to its hooks.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The bot is handing a call to an operator (reported as the transfer starts, while the
    /// call goes on).
    CallRedirected {
        /// Who was called.
        contact: Contact<'a>,
        /// The call so far.
        redirect: Redirect,
    },
    /// An attempt ended; `again`: the contact will be called again.
    CallEnded {
        /// Who was called.
        contact: Contact<'a>,
        /// The call.
        call: &'a NewCall,
        /// Whether another attempt follows.
        again: bool,
    },
    /// After `call`, the contact is called again, not before `next_at`.
    RecallScheduled {
        /// Who is called again.
        contact: Contact<'a>,
        /// The call that just ended.
        call: &'a NewCall,
        /// The next attempt, not before.
        next_at: DateTime<Utc>,
    },
    /// No further attempt for the contact (`reason`), after `last_call` when one was made.
    ContactDone {
        /// The contact, its entry as it is now (done).
        contact: Contact<'a>,
        /// Its last call, when the contact finished with one.
        last_call: Option<&'a NewCall>,
        /// Why it is done.
        reason: &'a str,
    },
    /// The campaign changed state (`queued`: contacts ever queued in it; `at`: now).
    CampaignChanged {
        /// The campaign as it is now.
        campaign: &'a Campaign,
        /// Contacts ever queued in it.
        queued: u64,
        /// When.
        at: DateTime<Utc>,
    },
}

impl Event<'_> {
    /// The campaign it reports on.
    pub fn campaign(&self) -> &Campaign {
        match self {
            Self::CallRedirected { contact, .. }
            | Self::CallEnded { contact, .. }
            | Self::RecallScheduled { contact, .. }
            | Self::ContactDone { contact, .. } => contact.campaign,
            Self::CampaignChanged { campaign, .. } => campaign,
        }
    }
}

/// How a campaign's events are worded for its receivers: a face's vendor event names (what a
/// target selects) and JSON bodies.
pub trait WebhookFormat: Send + Sync + std::fmt::Debug {
    /// The event's name in this format and its body.
    fn render(&self, event: &Event<'_>) -> (&'static str, Value);
}

/// One row per target of `hooks` that wants `event`, worded by `format`.
pub fn rows_for(
    hooks: &CampaignHooks,
    format: &dyn WebhookFormat,
    event: &Event<'_>,
    now: DateTime<Utc>,
) -> Vec<NewWebhook> {
    let targets: Vec<&WebhookTarget> = hooks.webhooks.iter().collect();
    if targets.is_empty() {
        return Vec::new();
    }
    let (name, payload) = format.render(event);
    let campaign = event.campaign();
    let payload = payload.to_string();
    targets
        .into_iter()
        .filter(|t| t.wants(name))
        .map(|t| NewWebhook {
            company_id: campaign.company_id,
            campaign_id: Some(campaign.id),
            event: name.to_owned(),
            url: t.url.clone(),
            payload: payload.clone(),
            next_at: now + TimeDelta::seconds(i64::from(t.delay_seconds)),
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
    fn targets_check_urls_and_select_events() {
        assert!(WebhookTarget::new("ftp://x", None).is_err());
        let all = WebhookTarget::new(" https://x.test/h ", None).unwrap();
        assert_eq!(all.url, "https://x.test/h");
        assert!(all.wants("ANY"));
        let t = WebhookTarget::new("https://x.test/h", Some(vec!["A".into()])).unwrap();
        assert!(t.wants("A") && !t.wants("B"));
    }
}
