//! The ports the domain needs from the outside world: storage, time and outbound HTTP.
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
use crate::dialog::{
    Answer, Dialog, DialogFilter, DialogUpdate, Message, NewAnswer, NewDialog, NewMessage,
};
use crate::directory::{Company, Credentials, NewUser, RefreshRecord, User};
use crate::error::Result;
use crate::file::{FileMeta, NewFile};
use crate::ids::{AgentId, CompanyId, DialogId, FileId, MessageId, Ref, UserId, Uuid};
use crate::values::{Email, LocalTime, Page, Paged, Weekday};

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

/// Everything the domain stores.
pub trait Store: DirectoryStore + AgentStore + DialogStore + 'static {}
impl<T: DirectoryStore + AgentStore + DialogStore + 'static> Store for T {}

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
