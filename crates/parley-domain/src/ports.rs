//! The ports the domain needs from the outside world: storage, time and outbound HTTP (the
//! telephone line's ports are in [`crate::line`]).
//!
//! Every store method that touches tenant data takes the `CompanyId` and must scope its query by
//! it: an object of another company is `ErrorKind::NotFound`, exactly like a missing one.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::agent::{
    Agent, AgentSettings, Credential, InputVariable, NewAgent, OutputKind, OutputVariable, TimeSlot,
};
use crate::call::{Call, CallFilter, NewCall};
use crate::campaign::{
    Campaign, CampaignFilter, CampaignState, Claim, NewCampaign, NewQueued, QueueCounts,
    QueueEntry, QueueState, Release, UploadRow, UploadRowResult, UploadTask,
};
use crate::custom_block::{CustomRun, NewCustomRun};
use crate::dialer::PhoneNumber;
use crate::dialog::{
    Answer, Dialog, DialogFilter, DialogUpdate, Message, NewAnswer, NewDialog, NewMessage,
};
use crate::directory::{Company, Credentials, NewUser, RefreshRecord, User};
use crate::error::Result;
use crate::file::{FileMeta, NewFile};
use crate::ids::{
    AgentId, CallId, CampaignId, CompanyId, DialogId, FileId, MessageId, Ref, UserId, Uuid,
};
use crate::line::Recording;
use crate::values::{Email, LocalTime, Page, Paged, Weekday};
use crate::webhook::{
    AfterAttempt, CampaignHooks, Delivery, DeliveryAttempt, DeliveryFilter, NewWebhook,
};

/// Companies, users, tokens and installation secrets.
#[async_trait]
pub trait DirectoryStore: Send + Sync {
    /// The named secret, created from `generate` on first use (one value for all nodes).
    async fn secret(&self, name: &str, generate: String) -> Result<String>;

    /// Creates a company; `Conflict` if the name is taken.
    async fn create_company(&self, name: &str) -> Result<Company>;
    /// A company by id.
    async fn company(&self, id: CompanyId) -> Result<Company>;
    /// A company by exact name.
    async fn company_by_name(&self, name: &str) -> Result<Option<Company>>;

    /// Creates a user; `Conflict` if the e-mail is taken (in any company).
    async fn create_user(&self, company: CompanyId, user: NewUser) -> Result<User>;
    /// A user with its password hash, by login, across companies (for authentication only).
    async fn credentials(&self, email: &Email) -> Result<Option<Credentials>>;
    /// A user of `company`.
    async fn user(&self, company: CompanyId, id: UserId) -> Result<User>;
    /// The users of `company`, oldest first.
    async fn users(&self, company: CompanyId) -> Result<Vec<User>>;
    /// Replaces a user's password hash.
    async fn set_password(&self, company: CompanyId, id: UserId, password_hash: &str)
    -> Result<()>;

    /// Records an issued refresh token.
    async fn insert_refresh(&self, record: &RefreshRecord) -> Result<()>;
    /// Marks the token used and returns it, atomically; `None` if unknown, already used or expired.
    async fn take_refresh(&self, jti: &str, now: DateTime<Utc>) -> Result<Option<RefreshRecord>>;
    /// Whether the token exists, is unused and unexpired (for faces that accept it as a bearer).
    async fn refresh_is_live(&self, jti: &str, now: DateTime<Utc>) -> Result<bool>;
}

/// Agents and everything that hangs off them.
#[async_trait]
pub trait AgentStore: Send + Sync {
    /// Creates an agent with scenario version 1.
    async fn create_agent(&self, company: CompanyId, agent: NewAgent) -> Result<Agent>;
    /// An agent by id or UUID.
    async fn agent(&self, company: CompanyId, agent: Ref<AgentId>) -> Result<Agent>;
    /// The company's agents, oldest first.
    async fn agents(&self, company: CompanyId) -> Result<Vec<Agent>>;
    /// Replaces the settings.
    async fn update_agent_settings(
        &self,
        company: CompanyId,
        agent: AgentId,
        settings: &AgentSettings,
    ) -> Result<Agent>;
    /// Stores a new scenario version and makes it current; returns the agent.
    async fn add_scenario_version(
        &self,
        company: CompanyId,
        agent: AgentId,
        source: &str,
    ) -> Result<Agent>;
    /// The source of one scenario version.
    async fn scenario_source(
        &self,
        company: CompanyId,
        agent: AgentId,
        version: i64,
    ) -> Result<String>;

    /// Declared input variables, in creation order.
    async fn input_variables(
        &self,
        company: CompanyId,
        agent: AgentId,
    ) -> Result<Vec<InputVariable>>;
    /// Adds an input variable; `Conflict` if the name exists on the agent.
    async fn create_input_variable(
        &self,
        company: CompanyId,
        agent: AgentId,
        name: &str,
        synthesis: bool,
    ) -> Result<InputVariable>;
    /// Changes one by UUID.
    async fn update_input_variable(
        &self,
        company: CompanyId,
        uuid: Uuid,
        name: &str,
        synthesis: bool,
    ) -> Result<InputVariable>;
    /// Deletes one by UUID.
    async fn delete_input_variable(&self, company: CompanyId, uuid: Uuid) -> Result<()>;

    /// Declared output variables, in creation order.
    async fn output_variables(
        &self,
        company: CompanyId,
        agent: AgentId,
    ) -> Result<Vec<OutputVariable>>;
    /// Adds an output variable; `Conflict` if the name exists on the agent.
    async fn create_output_variable(
        &self,
        company: CompanyId,
        agent: AgentId,
        name: &str,
        kind: OutputKind,
        cell: Option<u32>,
    ) -> Result<OutputVariable>;
    /// Changes one by UUID.
    async fn update_output_variable(
        &self,
        company: CompanyId,
        uuid: Uuid,
        name: &str,
        kind: OutputKind,
        cell: Option<u32>,
    ) -> Result<OutputVariable>;
    /// Deletes one by UUID.
    async fn delete_output_variable(&self, company: CompanyId, uuid: Uuid) -> Result<()>;

    /// Call-time slots, by day then start.
    async fn time_slots(&self, company: CompanyId, agent: AgentId) -> Result<Vec<TimeSlot>>;
    /// Adds a slot.
    async fn create_time_slot(
        &self,
        company: CompanyId,
        agent: AgentId,
        day: Weekday,
        not_before: LocalTime,
        not_after: LocalTime,
    ) -> Result<TimeSlot>;
    /// Changes one by UUID.
    async fn update_time_slot(&self, company: CompanyId, slot: &TimeSlot) -> Result<TimeSlot>;
    /// Deletes one by UUID.
    async fn delete_time_slot(&self, company: CompanyId, uuid: Uuid) -> Result<()>;

    /// Speech-service keys, optionally of one type.
    async fn credentials_of(
        &self,
        company: CompanyId,
        agent: AgentId,
        key_type: Option<&str>,
    ) -> Result<Vec<Credential>>;
    /// Adds a key.
    async fn create_credential(
        &self,
        company: CompanyId,
        agent: AgentId,
        credential: &Credential,
    ) -> Result<Credential>;
    /// Changes a key by its UUID.
    async fn update_credential(
        &self,
        company: CompanyId,
        credential: &Credential,
    ) -> Result<Credential>;
}

/// Dialogs, messages and collected answers.
#[async_trait]
pub trait DialogStore: Send + Sync {
    /// Creates a dialog in `Active` status with a not-started state (version 0).
    async fn create_dialog(&self, company: CompanyId, dialog: NewDialog) -> Result<Dialog>;
    /// A dialog by id or UUID.
    async fn dialog(&self, company: CompanyId, dialog: Ref<DialogId>) -> Result<Dialog>;
    /// The company's dialogs among `ids`, in no particular order (unknown ids and other
    /// companies' dialogs are left out): one read for many, as reports need.
    async fn dialogs_by_id(&self, company: CompanyId, ids: &[DialogId]) -> Result<Vec<Dialog>>;
    /// Dialogs matching `filter`, newest first.
    async fn dialogs(
        &self,
        company: CompanyId,
        filter: &DialogFilter,
        page: Page,
    ) -> Result<Paged<Dialog>>;
    /// Saves one turn atomically: the update, its messages and answers. `Conflict` when the
    /// dialog's version is no longer `expected_version` (another node saved a turn first).
    async fn save_turn(
        &self,
        company: CompanyId,
        dialog: DialogId,
        expected_version: i64,
        update: &DialogUpdate,
        messages: &[NewMessage],
        answers: &[NewAnswer],
    ) -> Result<(Dialog, Vec<Message>)>;
    /// Messages of a dialog in order, only those with an id above `after` when given.
    async fn messages(
        &self,
        company: CompanyId,
        dialog: DialogId,
        after: Option<MessageId>,
    ) -> Result<Vec<Message>>;
    /// Answers collected in a dialog, in order.
    async fn answers(&self, company: CompanyId, dialog: DialogId) -> Result<Vec<Answer>>;

    /// Stores a file uploaded into a dialog of `company` (its size is the length of its bytes,
    /// its time the clock's now); `NotFound` when the dialog is not the company's.
    async fn add_file(
        &self,
        company: CompanyId,
        dialog: DialogId,
        file: NewFile,
    ) -> Result<FileMeta>;
    /// A file by id or UUID with its bytes; another company's file is `NotFound`.
    async fn file(&self, company: CompanyId, file: Ref<FileId>) -> Result<(FileMeta, Vec<u8>)>;
    /// The files of a dialog, metadata only, in upload order; `NotFound` for an unknown dialog.
    async fn files(&self, company: CompanyId, dialog: DialogId) -> Result<Vec<FileMeta>>;
}

/// Runs of external custom blocks and their tokens (see [`crate::custom_block`]). Runs are
/// keyed by their token's id; the company scopes every query.
#[async_trait]
pub trait CustomBlockStore: Send + Sync {
    /// Records a run in a dialog of `company` (created now), finishing every earlier unfinished
    /// run of that dialog; `NotFound` when the dialog is not the company's.
    async fn start_custom_run(&self, company: CompanyId, run: &NewCustomRun) -> Result<CustomRun>;
    /// A run by its token's id; `NotFound` when unknown or another company's.
    async fn custom_run(&self, company: CompanyId, token_id: &str) -> Result<CustomRun>;
    /// The dialog's unfinished run, if any.
    async fn open_custom_run(
        &self,
        company: CompanyId,
        dialog: DialogId,
    ) -> Result<Option<CustomRun>>;
    /// Marks the run delivered at `now` and returns it, atomically; `None` when unknown, already
    /// delivered or finished (so one process delivers it).
    async fn claim_custom_delivery(
        &self,
        company: CompanyId,
        token_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<CustomRun>>;
    /// Records whether the run's service says the bot is typing; `NotFound` when unknown.
    async fn set_custom_typing(
        &self,
        company: CompanyId,
        token_id: &str,
        typing: bool,
    ) -> Result<()>;
    /// Marks the run finished at `now` and returns it, atomically; `None` when unknown, already
    /// finished or expired at `now` (a token completes its block once).
    async fn finish_custom_run(
        &self,
        company: CompanyId,
        token_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<CustomRun>>;
}

/// Campaigns, their queues, bulk uploads, the do-not-call list and call records.
///
/// The dialer's claim is the store's one concurrency rule: [`CampaignStore::claim_due`] hands
/// each due entry of a running campaign to exactly one caller (SQLite: one writer; PostgreSQL:
/// `FOR UPDATE SKIP LOCKED`), never more per agent than its `total_channel_limit` minus the
/// entries already being dialed.
#[async_trait]
pub trait CampaignStore: Send + Sync {
    /// Creates a campaign.
    async fn create_campaign(&self, company: CompanyId, campaign: &NewCampaign)
    -> Result<Campaign>;
    /// A campaign by id or UUID.
    async fn campaign(&self, company: CompanyId, campaign: Ref<CampaignId>) -> Result<Campaign>;
    /// Campaigns matching `filter`, oldest first.
    async fn campaigns(&self, company: CompanyId, filter: &CampaignFilter)
    -> Result<Vec<Campaign>>;
    /// Sets a campaign's state (and `completed_at` when it becomes `Completed`).
    async fn set_campaign_state(
        &self,
        company: CompanyId,
        campaign: CampaignId,
        state: CampaignState,
    ) -> Result<Campaign>;
    /// Sets every campaign of `agent` that is in one of `from` to `to`; returns how many.
    async fn set_agent_campaigns_state(
        &self,
        company: CompanyId,
        agent: AgentId,
        from: &[CampaignState],
        to: CampaignState,
    ) -> Result<u64>;
    /// How many of the campaign's entries are in each queue state.
    async fn queue_counts(&self, company: CompanyId, campaign: CampaignId) -> Result<QueueCounts>;
    /// The queue counts of every campaign of the company with at least one entry, in one query
    /// (a campaign missing from the map has none).
    async fn all_queue_counts(
        &self,
        company: CompanyId,
    ) -> Result<std::collections::HashMap<CampaignId, QueueCounts>>;
    /// Running campaigns with no waiting or dialing entry left (across companies): the dialer
    /// marks them completed.
    async fn drained_campaigns(&self) -> Result<Vec<Campaign>>;

    /// Creates a not-started voice dialog for `item` on the campaign's agent (current scenario
    /// version) and queues it, due at `item.not_before` or `now`. `Conflict` when `external_id`
    /// is already queued in the campaign.
    async fn enqueue(
        &self,
        company: CompanyId,
        campaign: CampaignId,
        item: &NewQueued,
        now: DateTime<Utc>,
    ) -> Result<QueueEntry>;
    /// Queues `items` in `campaign` in one transaction (each with its callback data): for each,
    /// the UUID of the dialog it became, or `None` when its external id is already queued in the
    /// campaign (or came earlier in `items`). `NotFound` when the campaign is not the company's.
    async fn enqueue_many(
        &self,
        company: CompanyId,
        campaign: CampaignId,
        items: &[NewQueued],
        now: DateTime<Utc>,
    ) -> Result<Vec<Option<Uuid>>>;
    /// Stores an upload's rows as received and returns its task (nothing is queued yet).
    async fn create_upload(
        &self,
        company: CompanyId,
        campaign: CampaignId,
        rows: &[UploadRow],
    ) -> Result<UploadTask>;
    /// Uploads not yet finished, across companies, oldest first (the upload worker's list).
    async fn unfinished_uploads(&self) -> Result<Vec<UploadTask>>;
    /// Rows `from..from + limit` of an upload.
    async fn upload_rows(&self, task: &UploadTask, from: u64, limit: u64)
    -> Result<Vec<UploadRow>>;
    /// In one transaction: queues `items` (as [`CampaignStore::enqueue`] does, skipping those
    /// whose `external_id` is already queued), records `results` (the dialog UUIDs of queued rows
    /// are filled in by position: `queued[i]` is the row number of `items[i]`), and advances the
    /// task to `processed` rows, finishing it when all are. Returns the task.
    async fn queue_upload_chunk(
        &self,
        task: &UploadTask,
        items: &[(u64, NewQueued)],
        rejected: &[UploadRowResult],
        processed: u64,
        now: DateTime<Utc>,
    ) -> Result<UploadTask>;
    /// An upload by its UUID.
    async fn upload(&self, company: CompanyId, task: Uuid) -> Result<UploadTask>;
    /// What became of each row, in row order.
    async fn upload_results(&self, company: CompanyId, task: Uuid) -> Result<Vec<UploadRowResult>>;

    /// Queue entries matching `filter`, in queue order.
    async fn queue_entries(
        &self,
        company: CompanyId,
        filter: &QueueFilter,
        page: Page,
    ) -> Result<Paged<QueueEntry>>;
    /// The queue entry of a dialog.
    async fn queue_entry(&self, company: CompanyId, dialog: DialogId) -> Result<QueueEntry>;
    /// Marks waiting entries of `agent` (only `dialog`'s when given) removed; returns how many.
    async fn remove_waiting(
        &self,
        company: CompanyId,
        agent: AgentId,
        dialog: Option<DialogId>,
    ) -> Result<u64>;

    /// Claims up to `limit` entries due at `now` in running campaigns (across companies),
    /// leasing them to `node` until `lease_until` and starting their next attempt.
    async fn claim_due(
        &self,
        node: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Claim>>;
    /// Extends the leases `node` holds to `lease_until`; returns how many.
    async fn renew_leases(&self, node: &str, lease_until: DateTime<Utc>) -> Result<u64>;
    /// Takes over up to `limit` entries whose lease ran out before `now` (their node died
    /// mid-attempt), across companies: re-leases them to `node` until `lease_until`, keeping
    /// their attempt count and call UUID, and returns them.
    async fn expired_claims(
        &self,
        node: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Claim>>;
    /// Ends a claim without a call (the policy said wait or finish): `attempts` goes back down
    /// when `release` carries no attempt. `Conflict` when the claim is no longer `node`'s.
    async fn release_claim(&self, claim: &Claim, release: &Release) -> Result<QueueEntry>;
    /// Ends a claim with its call, in one transaction: records `call`, applies `release` to the
    /// entry, and saves the dialog's turn (`dialog`, when the call was answered) as
    /// [`DialogStore::save_turn`] does, and writes `webhooks` to the outbox. `Conflict` when
    /// the claim is no longer `node`'s.
    async fn finish_call(
        &self,
        claim: &Claim,
        call: &NewCall,
        release: &Release,
        dialog: Option<&CallTurn>,
        webhooks: &[NewWebhook],
    ) -> Result<Call>;

    /// A call by id or UUID.
    async fn call(&self, company: CompanyId, call: Ref<CallId>) -> Result<Call>;
    /// Calls matching `filter`, oldest first.
    async fn calls(
        &self,
        company: CompanyId,
        filter: &CallFilter,
        page: Page,
    ) -> Result<Paged<Call>>;
    /// Stores a call's rendered recording (replacing any).
    async fn save_recording(
        &self,
        company: CompanyId,
        call: CallId,
        recording: &Recording,
    ) -> Result<()>;
    /// A call's stored recording, if one was rendered.
    async fn recording(&self, company: CompanyId, call: CallId) -> Result<Option<Recording>>;

    /// Adds numbers to the company's do-not-call list (existing ones are kept); returns how many
    /// were new.
    async fn add_do_not_call(&self, company: CompanyId, phones: &[PhoneNumber]) -> Result<u64>;
    /// Takes a number off the list; `NotFound` when it is not on it.
    async fn remove_do_not_call(&self, company: CompanyId, phone: &PhoneNumber) -> Result<()>;
    /// The list, in number order.
    async fn do_not_call(&self, company: CompanyId, page: Page) -> Result<Paged<PhoneNumber>>;
}

/// A call's dialog turn, saved with the call (see [`CampaignStore::finish_call`]).
#[derive(Debug, Clone)]
pub struct CallTurn {
    /// The dialog's version before the call.
    pub expected_version: i64,
    /// The dialog after the call.
    pub update: DialogUpdate,
    /// Everything said, in order.
    pub messages: Vec<NewMessage>,
    /// Answers collected.
    pub answers: Vec<NewAnswer>,
}

/// Which queue entries to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueFilter {
    /// Only this agent's.
    pub agent_id: Option<AgentId>,
    /// Only this campaign's.
    pub campaign_id: Option<CampaignId>,
    /// Only in these states (all when empty).
    pub states: Vec<QueueState>,
}

/// Call statistics: a query over calls that filters, sorts and pages in the database.
#[async_trait]
pub trait CallSearchStore: Send + Sync {
    /// The company's calls matching `query`, one page, and how many match in all.
    async fn search_calls(
        &self,
        company: CompanyId,
        query: &crate::call::search::CallQuery,
    ) -> Result<Paged<crate::call::search::CallRecord>>;
}

/// Everything the domain stores.
pub trait Store:
    DirectoryStore
    + AgentStore
    + DialogStore
    + CustomBlockStore
    + CampaignStore
    + WebhookStore
    + CallSearchStore
    + 'static
{
}
impl<T> Store for T where
    T: DirectoryStore
        + AgentStore
        + DialogStore
        + CustomBlockStore
        + CampaignStore
        + WebhookStore
        + CallSearchStore
        + 'static
{
}

/// Campaign webhooks: each campaign's targets, each contact's callback data, and the outbox of
/// events to deliver (see [`crate::webhook`]).
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// A campaign's hooks (empty when it was created without). They are stored with the
    /// campaign ([`NewCampaign::hooks`](crate::campaign::NewCampaign::hooks)).
    async fn campaign_hooks(
        &self,
        company: CompanyId,
        campaign: CampaignId,
    ) -> Result<CampaignHooks>;
    /// A contact's callback data, if it has some (stored when it was queued,
    /// [`NewQueued::callback_data`](crate::campaign::NewQueued::callback_data)).
    async fn callback_data(&self, company: CompanyId, dialog: DialogId) -> Result<Option<String>>;
    /// Writes events to the outbox (outside a call's transaction: state changes).
    async fn add_webhooks(&self, webhooks: &[NewWebhook]) -> Result<()>;
    /// Takes up to `limit` pending deliveries due at `now` (across companies), moving their
    /// `next_at` to `lease_until` so no other node sends them meanwhile; returned in the order
    /// they were written. A row is not taken while an older pending row of its URL waits for a
    /// later instant (backing off, or leased to a round still posting it), so one URL's events
    /// go out in the order they were written.
    async fn due_webhooks(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Delivery>>;
    /// Hands taken deliveries `ids` back without an attempt, due at `at` (those still pending):
    /// the rows held back behind a failed delivery to the same URL, so they keep their order.
    async fn release_webhooks(&self, ids: &[i64], at: DateTime<Utc>) -> Result<()>;
    /// Records an attempt at delivery `id` and what follows it.
    async fn record_webhook_attempt(
        &self,
        id: i64,
        attempt: &DeliveryAttempt,
        after: AfterAttempt,
    ) -> Result<()>;
    /// When the next pending delivery can be taken, if any is pending: the earliest `next_at`
    /// of the oldest pending row of each URL (a later row of a URL waits for its oldest).
    async fn next_webhook_at(&self) -> Result<Option<DateTime<Utc>>>;
    /// Deliveries matching `filter`, newest first, with their attempts.
    async fn webhook_deliveries(
        &self,
        company: CompanyId,
        filter: &DeliveryFilter,
        page: Page,
    ) -> Result<Paged<Delivery>>;
}

/// The current time. Tests use a manual clock.
pub trait Clock: Send + Sync + 'static {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock(std::sync::Mutex<DateTime<Utc>>);

impl ManualClock {
    /// Starts at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(std::sync::Mutex::new(at))
    }

    /// Moves forward.
    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// An outbound HTTP request made on a scenario's behalf.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Absolute URL.
    pub url: String,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body, if any.
    pub body: Option<String>,
    /// Give up after this long.
    pub timeout: Duration,
}

/// The answer to an outbound request.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundResponse {
    /// HTTP status.
    pub status: u16,
    /// Body as text (lossy UTF-8), truncated to a sane size by the adapter.
    pub body: String,
}

/// Outbound HTTP: webhook blocks, custom blocks.
#[async_trait]
pub trait HttpOut: Send + Sync + 'static {
    /// Performs the request; `Err` carries a readable reason (timeout, refused, ...).
    async fn send(&self, request: OutboundRequest)
    -> std::result::Result<OutboundResponse, String>;
}

/// Shared handles to the ports.
pub type DynStore = Arc<dyn Store>;
