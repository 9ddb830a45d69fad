//! Outbound campaigns: the campaign, its queue of dialogs waiting to be called, bulk uploads into
//! it, and the do-not-call list.
//!
//! A campaign belongs to one agent. Each queued dialog is a [`QueueEntry`]: it carries the number,
//! the attempts made so far and the instant the dialer may next look at it (`next_at`). The dialer
//! claims due entries with a lease ([`Claim`]); a claim *is* the start of an attempt, so a claimed
//! entry whose node dies is recorded as a failed attempt, never dialed again for the same attempt.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use parley_scenario::Variables;

use crate::dialer::{Attempt, DailyWindow, Outcome, PhoneNumber, RetryPolicy};
use crate::error::{Error, Result};
use crate::ids::{AgentId, CampaignId, CompanyId, DialogId, Uuid};
use crate::webhook::CampaignHooks;

/// Where a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CampaignState {
    /// Made but not started: nothing is dialed.
    Created,
    /// Its due dialogs are dialed.
    Running,
    /// Dialing is suspended; it resumes where it stopped.
    Paused,
    /// Stopped for good: nothing more is dialed.
    Stopped,
    /// Every dialog in it is done.
    Completed,
}

impl CampaignState {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Stopped => "stopped",
            Self::Completed => "completed",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Result<Self> {
        Ok(match text.trim() {
            "created" => Self::Created,
            "running" => Self::Running,
            "paused" => Self::Paused,
            "stopped" => Self::Stopped,
            "completed" => Self::Completed,
            other => {
                return Err(Error::invalid(format!(
                    "unknown campaign state `{other}` (expected created, running, paused, \
                     stopped or completed)"
                )));
            }
        })
    }
}

/// When a campaign may call, on top of the agent's weekday time slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CampaignWindow {
    /// Not before this instant.
    pub starts_at: Option<DateTime<Utc>>,
    /// Not at or after this instant; waiting dialogs then finish.
    pub ends_at: Option<DateTime<Utc>>,
    /// Only between these local times every day (the callee's local time).
    pub daily: Option<DailyWindow>,
}

/// An outbound calling campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    /// Integer id.
    pub id: CampaignId,
    /// UUID (Neuro.net `bulk_uuid`).
    pub uuid: Uuid,
    /// Owner.
    pub company_id: CompanyId,
    /// The agent whose scenario runs the calls.
    pub agent_id: AgentId,
    /// Display name (Neuro.net selection name).
    pub name: String,
    /// Whether it is listed as a Neuro.net selection.
    pub selection: bool,
    /// Where it stands.
    pub state: CampaignState,
    /// Calling window.
    pub window: CampaignWindow,
    /// Attempts and delays; `None` takes the agent's `recall_count` and `delay`.
    pub retry: Option<RetryPolicy>,
    /// At most this many new calls per second, when set.
    pub calls_per_second: Option<u32>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed state.
    pub updated_at: DateTime<Utc>,
    /// When it completed, if it has.
    pub completed_at: Option<DateTime<Utc>>,
}

/// A campaign to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCampaign {
    /// Agent.
    pub agent_id: AgentId,
    /// Name.
    pub name: String,
    /// Listed as a selection.
    pub selection: bool,
    /// Initial state (`Running` for uploads that should be called at once).
    pub state: CampaignState,
    /// Calling window.
    pub window: CampaignWindow,
    /// Retry override.
    pub retry: Option<RetryPolicy>,
    /// Calls per second.
    pub calls_per_second: Option<u32>,
    /// Its webhook targets and slow pace (Twin24 tasks), stored in the same transaction as the
    /// campaign so a task never exists without the hooks it was created with.
    pub hooks: CampaignHooks,
}

/// Which campaigns to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignFilter {
    /// Only this agent's.
    pub agent_id: Option<AgentId>,
    /// Only selections.
    pub selections_only: bool,
    /// Only completed (`Some(true)`) or not completed (`Some(false)`).
    pub completed: Option<bool>,
}

/// How many of a campaign's dialogs are in each queue state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueCounts {
    /// Waiting for their next attempt.
    pub waiting: u64,
    /// Being called now.
    pub dialing: u64,
    /// Finished (reached, or no further attempt).
    pub done: u64,
    /// Taken out of the queue by a user.
    pub removed: u64,
}

impl QueueCounts {
    /// Every dialog ever queued in it.
    pub fn total(&self) -> u64 {
        self.waiting + self.dialing + self.done + self.removed
    }
}

/// Where a queued dialog stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueState {
    /// Waits for `next_at`.
    Waiting,
    /// Claimed by a dialer node: an attempt is under way.
    Dialing,
    /// No further attempt (see the finish reason).
    Done,
    /// Taken out of the queue by a user before it was done.
    Removed,
}

impl QueueState {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Dialing => "dialing",
            Self::Done => "done",
            Self::Removed => "removed",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Result<Self> {
        Ok(match text.trim() {
            "waiting" => Self::Waiting,
            "dialing" => Self::Dialing,
            "done" => Self::Done,
            "removed" => Self::Removed,
            other => return Err(Error::invalid(format!("unknown queue state `{other}`"))),
        })
    }
}

/// One dialog in a campaign's queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueEntry {
    /// The dialog (one per queued contact).
    pub dialog_id: DialogId,
    /// Its UUID (Neuro.net `dialog_uuid`).
    pub dialog_uuid: Uuid,
    /// Owner.
    pub company_id: CompanyId,
    /// The campaign.
    pub campaign_id: CampaignId,
    /// The agent.
    pub agent_id: AgentId,
    /// The number to call.
    pub phone: PhoneNumber,
    /// Where it stands.
    pub state: QueueState,
    /// Attempts started so far (a claimed entry counts its current attempt).
    pub attempts: u32,
    /// Every finished attempt, oldest first.
    pub history: Vec<Attempt>,
    /// When the dialer may next look at it.
    pub next_at: DateTime<Utc>,
    /// Why it is done (`answered`, `attempts_exhausted`, `do_not_call`, ...).
    pub finish_reason: Option<String>,
    /// Caller-supplied key for de-duplication (Twin24 `clientExternalId`).
    pub external_id: Option<String>,
    /// The callee's zone when the contact came with one (Twin24 `timezone`); `None` = the
    /// zone of the number ([`crate::dialer::callee_zone`]).
    pub zone: Option<Tz>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl QueueEntry {
    /// The outcome of the last finished attempt.
    pub fn last_outcome(&self) -> Option<Outcome> {
        self.history.last().map(|a| a.outcome)
    }
}

/// A contact to queue: the number, where to start the scenario and its input variables.
#[derive(Debug, Clone, PartialEq)]
pub struct NewQueued {
    /// The number.
    pub phone: PhoneNumber,
    /// Scenario entry point, checked against the agent's scenario.
    pub entry: String,
    /// Input variables for the dialog.
    pub variables: Variables,
    /// Caller-supplied de-duplication key.
    pub external_id: Option<String>,
    /// Not before this instant (defaults to now).
    pub not_before: Option<DateTime<Utc>>,
    /// Echoed in the campaign's webhooks (Twin24 `callbackData`, JSON text as received);
    /// stored in the transaction that queues the contact.
    pub callback_data: Option<String>,
    /// The callee's zone, when the caller knows it better than the number does.
    pub zone: Option<Tz>,
}

/// What a caller may give a contact beyond its row (Twin24 candidates): stored with it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactExtras {
    /// Echoed in the campaign's webhooks (JSON text as received).
    pub callback_data: Option<String>,
    /// The callee's zone, when the caller knows it better than the number does.
    pub zone: Option<Tz>,
}

/// A claimed entry: the start of one attempt, leased to one dialer node until `lease_until`.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// The entry as it is now (`state` = dialing, `attempts` includes this attempt).
    pub entry: QueueEntry,
    /// The UUID the call of this attempt gets (fixed at claim time, so a retry of the write
    /// cannot make two calls of one attempt).
    pub call_uuid: Uuid,
    /// The node holding the lease.
    pub node: String,
    /// When the lease runs out unless renewed.
    pub lease_until: DateTime<Utc>,
    /// Whether the number is on the company's do-not-call list now.
    pub do_not_call: bool,
}

/// What happens to a claimed entry after its attempt, or instead of it.
#[derive(Debug, Clone, PartialEq)]
pub enum Release {
    /// Back to waiting until `next_at`; `attempt` is the finished attempt to record, `None` when
    /// the claim is handed back undialed (the policy said wait).
    Wait {
        /// When to look at it again.
        next_at: DateTime<Utc>,
        /// The attempt made, if one was.
        attempt: Option<Attempt>,
    },
    /// No further attempt.
    Done {
        /// Why.
        reason: String,
        /// The attempt made, if one was.
        attempt: Option<Attempt>,
    },
}

/// An upload of many contacts at once (Neuro.net `dialogs-group-initial`), queued in the
/// background so the request returns at once.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadTask {
    /// UUID (Neuro.net `task_uuid`).
    pub uuid: Uuid,
    /// Owner.
    pub company_id: CompanyId,
    /// The campaign the contacts go into.
    pub campaign_id: CampaignId,
    /// Rows received.
    pub total: u64,
    /// Rows looked at so far (queued or rejected).
    pub processed: u64,
    /// Rows rejected so far.
    pub rejected: u64,
    /// When it was received.
    pub created_at: DateTime<Utc>,
    /// When every row was looked at.
    pub finished_at: Option<DateTime<Utc>>,
}

impl UploadTask {
    /// Whether every row has been looked at.
    pub fn is_finished(&self) -> bool {
        self.finished_at.is_some()
    }
}

/// The refusal of text holding a NUL character (U+0000), which PostgreSQL cannot store.
pub const NUL_MESSAGE: &str = "text must not contain NUL characters (\\u0000)";

/// Whether `fields` hold a NUL character in any key or string, however deep. A contact's
/// variables holding one would be queued and called, and then its call could not be recorded
/// on PostgreSQL, so they are refused before anything is queued.
pub fn has_nul(fields: &serde_json::Map<String, serde_json::Value>) -> bool {
    fn value_has_nul(value: &serde_json::Value) -> bool {
        match value {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(items) => items.iter().any(value_has_nul),
            serde_json::Value::Object(fields) => has_nul(fields),
            serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {
                false
            }
        }
    }
    fields
        .iter()
        .any(|(key, value)| key.contains('\0') || value_has_nul(value))
}

/// One uploaded row as received, before its number is parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadRow {
    /// The number as sent.
    pub phone: String,
    /// Entry point.
    pub entry: Option<String>,
    /// Input variables.
    pub variables: Variables,
    /// De-duplication key.
    pub external_id: Option<String>,
}

/// What became of one uploaded row.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadRowResult {
    /// Row number, from 0.
    pub row: u64,
    /// The number as sent.
    pub phone: String,
    /// The dialog it became, if it was queued.
    pub dialog_uuid: Option<Uuid>,
    /// Why it was rejected, or empty.
    pub message: String,
}
