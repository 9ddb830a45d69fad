//! Call search queries: what [`crate::ports::CallSearchStore`] runs for call statistics
//! (Twin24's `search/cis/calls` and `search/cis/sessions`). The query is plain data the domain
//! builds from validated input ([`crate::campaign_service::search`]); the store turns it into
//! SQL and filters, sorts and pages in the database.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::Call;
use crate::dialer::Outcome;
use crate::ids::Uuid;

/// A call attribute a query filters or sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchColumn {
    /// The call's UUID.
    CallUuid,
    /// The dialog's UUID.
    DialogUuid,
    /// The number called (digits).
    Phone,
    /// The outcome.
    Outcome,
    /// The campaign's UUID.
    CampaignUuid,
    /// The campaign's name.
    CampaignName,
    /// The agent's UUID.
    AgentUuid,
    /// The agent's name.
    AgentName,
    /// The contact's external id (as uploaded).
    ExternalId,
    /// Dialing started.
    StartedAt,
    /// Hung up.
    EndedAt,
    /// The dialog (contact) was created.
    DialogCreatedAt,
    /// Answered time in whole seconds (bot + operator, rounded).
    TalkSeconds,
    /// Bot time in whole seconds (rounded).
    BotSeconds,
    /// Operator time in whole seconds (rounded).
    OperatorSeconds,
    /// Price in minor units.
    Price,
    /// Transferred to an operator.
    Transferred,
    /// No further attempt will be made for the contact after this call.
    Finished,
    /// The attempt number.
    Attempt,
    /// The transcript's text (for `Contains`).
    Transcript,
    /// The campaign's integer id (reports by campaign).
    CampaignId,
    /// The agent's integer id (reports by agent).
    AgentId,
    /// The dialog's integer id (a dialog's reports).
    DialogId,
    /// The scenario's result the call ended with.
    Result,
}

/// A value a condition compares with.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchValue {
    /// Text.
    Text(String),
    /// An integer.
    Int(i64),
    /// A flag.
    Bool(bool),
    /// A UUID.
    Uuid(Uuid),
    /// An instant.
    Time(DateTime<Utc>),
    /// An outcome.
    Outcome(Outcome),
}

/// One condition; a query's conditions all hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The column is one of the values (none: nothing matches).
    In(SearchColumn, Vec<SearchValue>),
    /// The column's text contains the text.
    Contains(SearchColumn, String),
    /// The column lies in `[from, to]`.
    Between(SearchColumn, Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    /// The column is before the instant (an exclusive end, as reports' periods have).
    Before(SearchColumn, DateTime<Utc>),
    /// The dialog's variable of this name may count as true: it is `true`, a number or text.
    /// A coarse test the database can run (reports narrow by it, then check each value).
    VariableMaybeTrue(String),
    /// At least one of the conditions holds.
    Any(Vec<Condition>),
}

/// A call search: conditions, one sort column (ties by call id in the same direction), a page,
/// and which of the heavier parts to load.
#[derive(Debug, Clone, PartialEq)]
pub struct CallQuery {
    /// What every call matches.
    pub conditions: Vec<Condition>,
    /// Sorted by.
    pub sort: SearchColumn,
    /// Descending.
    pub descending: bool,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return.
    pub limit: u64,
    /// Only each dialog's last call, with [`SessionTotals`] over all its calls.
    pub sessions: bool,
    /// Load transcripts (otherwise empty).
    pub transcripts: bool,
    /// Load the dialog's variables.
    pub variables: bool,
}

/// A found call with what statistics show beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// The call (its transcript empty unless the query asked for transcripts).
    pub call: Call,
    /// The agent's UUID.
    pub agent_uuid: Uuid,
    /// The agent's name.
    pub agent_name: String,
    /// The campaign's UUID.
    pub campaign_uuid: Option<Uuid>,
    /// The campaign's name.
    pub campaign_name: Option<String>,
    /// The contact's external id.
    pub external_id: Option<String>,
    /// When the dialog (contact) was created.
    pub dialog_created_at: DateTime<Utc>,
    /// No further attempt follows this call.
    pub finished: bool,
    /// The dialog's variables now, when asked for.
    pub variables: Option<Map<String, Value>>,
    /// Totals over the dialog's calls, for session queries.
    pub session: Option<SessionTotals>,
}

/// A dialog's calls taken together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTotals {
    /// Calls made.
    pub calls: u32,
    /// The first call's start.
    pub first_started_at: DateTime<Utc>,
    /// Bot time over all calls.
    pub bot_ms: u64,
    /// Operator time over all calls.
    pub operator_ms: u64,
}
