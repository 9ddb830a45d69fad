//! Dialogs: starting them, customer turns, operator takeover and hand-back, and reading them.
//!
//! Every change to a dialog runs under that dialog's lock (in this process) and is saved with an
//! optimistic version check (across processes), so two turns never interleave.

use std::sync::Arc;

use parley_scenario::{EventKind, Status, Variables};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::auth::Principal;
use crate::custom_block::CustomBlocks;
use crate::dialog::{
    Answer, Dialog, DialogFilter, DialogStatus, DialogUpdate, Message, NewDialog, NewMessage,
    Sender,
};
use crate::error::{Error, ErrorKind, Result};
use crate::file::FileMeta;
use crate::ids::{AgentId, CompanyId, DialogId, MessageId, Ref};
use crate::notifier::DialogNotifier;
use crate::ports::{Clock, HttpOut, Store};
use crate::recent::RecentDialogs;
use crate::scenarios::ScenarioCache;
use crate::turn::TurnRunner;
use crate::values::{Channel, Page, Paged};

mod control;
mod custom;
mod files;

pub use files::{DEFAULT_CONTENT_TYPE, MAX_FILE_BYTES, MAX_FILE_NAME_CHARS};

/// How a dialog is started.
#[derive(Debug, Clone)]
pub struct StartDialog {
    /// The agent.
    pub agent: Ref<AgentId>,
    /// The entry point; the scenario's default when `None`.
    pub entry: Option<String>,
    /// Input variables.
    pub variables: Variables,
    /// Where the customer comes from (`web`, `api`, ...).
    pub source: String,
    /// The customer's IP address.
    pub ip: Option<String>,
    /// The customer's location.
    pub location: Option<String>,
}

/// What a customer sends.
#[derive(Debug, Clone, PartialEq)]
pub enum CustomerInput {
    /// Typed text.
    Text(String),
    /// A pressed button, by id.
    Button(String),
}

/// The dialog after a change, with the messages that change wrote (the customer's included).
#[derive(Debug, Clone)]
pub struct TurnOutcome {
    /// The dialog as saved.
    pub dialog: Dialog,
    /// Messages written by this change, in order.
    pub messages: Vec<Message>,
}

/// A dialog with everything in it.
#[derive(Debug, Clone)]
pub struct DialogDetails {
    /// The dialog.
    pub dialog: Dialog,
    /// All its messages.
    pub messages: Vec<Message>,
    /// All answers collected.
    pub answers: Vec<Answer>,
    /// Files the customer uploaded, in order (metadata only).
    pub files: Vec<FileMeta>,
}

/// Longest customer or operator message accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4096;

const LOCK_STRIPES: usize = 256;

/// Runs dialogs.
pub struct DialogService {
    store: Arc<dyn Store>,
    runner: Arc<TurnRunner>,
    recent: RecentDialogs,
    locks: Vec<Arc<Mutex<()>>>,
    clock: Arc<dyn Clock>,
    http: Arc<dyn HttpOut>,
    custom: Arc<CustomBlocks>,
    notifier: Arc<DialogNotifier>,
}

impl std::fmt::Debug for DialogService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DialogService").finish_non_exhaustive()
    }
}

impl DialogService {
    /// Over the ports; `scenarios` is shared with whoever else parses agents' scenarios.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        http: Arc<dyn HttpOut>,
        scenarios: Arc<ScenarioCache>,
    ) -> Self {
        let custom = Arc::new(CustomBlocks::new(Arc::clone(&store), Arc::clone(&clock)));
        let notifier = Arc::new(DialogNotifier::default());
        let runner = Arc::new(TurnRunner::new(
            Arc::clone(&store),
            Arc::clone(&clock),
            Arc::clone(&http),
            scenarios,
            Arc::clone(&custom),
            Arc::clone(&notifier),
        ));
        Self {
            store,
            runner,
            clock,
            http,
            custom,
            notifier,
            recent: RecentDialogs::default(),
            locks: (0..LOCK_STRIPES)
                .map(|_| Arc::new(Mutex::new(())))
                .collect(),
        }
    }

    /// The turn runner, shared with the dialer so calls run scenarios exactly as chats do.
    pub(crate) fn runner(&self) -> Arc<TurnRunner> {
        Arc::clone(&self.runner)
    }

    async fn lock(&self, dialog: DialogId) -> OwnedMutexGuard<()> {
        let stripe = usize::try_from(dialog.0.rem_euclid(LOCK_STRIPES as i64)).unwrap_or(0);
        Arc::clone(&self.locks[stripe]).lock_owned().await
    }

    /// Starts a dialog and runs the bot's first turn.
    pub async fn start(&self, who: &Principal, request: StartDialog) -> Result<TurnOutcome> {
        who.require_write()?;
        self.start_in(who.company_id, request).await
    }

    /// Starts a dialog for a company (callers that are not users: the dialer, chat channels).
    pub async fn start_in(&self, company: CompanyId, request: StartDialog) -> Result<TurnOutcome> {
        let dialog = self.create_in(company, request).await?;
        let guard = self.lock(dialog.id).await;
        let start = start_event(&dialog);
        let outcome = self.runner.run(dialog, Some(start), Vec::new()).await?;
        self.recent.remember(&outcome.dialog);
        drop(guard);
        self.deliver_custom(outcome).await
    }

    /// Checks the agent, entry point and required inputs, then stores the dialog without running
    /// a turn: its scenario has not started.
    async fn create_in(&self, company: CompanyId, request: StartDialog) -> Result<Dialog> {
        let agent = self.store.agent(company, request.agent).await?;
        let scenario = self
            .runner
            .scenario(company, agent.id, agent.scenario_version)
            .await?;
        let entry = match request.entry {
            Some(entry) if scenario.has_entry(&entry) => entry,
            Some(entry) => {
                return Err(Error::invalid(format!(
                    "agent {} has no entry point `{entry}` (it has: {})",
                    agent.id,
                    scenario.entry_points().join(", ")
                )));
            }
            None => scenario.default_entry().to_owned(),
        };
        if let Some(missing) = scenario
            .inputs()
            .iter()
            .find(|i| i.required && !request.variables.contains_key(&i.name))
        {
            return Err(Error::invalid(format!(
                "input variable `{}` is required by agent {}",
                missing.name, agent.id
            )));
        }
        self.store
            .create_dialog(
                company,
                NewDialog {
                    agent_id: agent.id,
                    scenario_version: agent.scenario_version,
                    channel: agent.channel,
                    entry,
                    inputs: request.variables,
                    source: non_empty_or(request.source, "api"),
                    ip: request.ip,
                    location: request.location,
                },
            )
            .await
    }

    /// A customer's message or button press sent by a user on the customer's behalf (an
    /// integration); roles that may not write are refused.
    pub async fn send_as(
        &self,
        who: &Principal,
        dialog: Ref<DialogId>,
        input: CustomerInput,
    ) -> Result<TurnOutcome> {
        who.require_write()?;
        self.send(who.company_id, dialog, input).await
    }

    /// A customer's message or button press; the bot answers unless an operator holds the dialog.
    pub async fn send(
        &self,
        company: CompanyId,
        dialog: Ref<DialogId>,
        input: CustomerInput,
    ) -> Result<TurnOutcome> {
        let input = match input {
            CustomerInput::Text(text) => CustomerInput::Text(checked_text(&text)?),
            CustomerInput::Button(id) if id.trim().is_empty() => {
                return Err(Error::invalid("button id must not be empty"));
            }
            CustomerInput::Button(id) => CustomerInput::Button(id.trim().to_owned()),
        };
        let input = &input;
        self.with_open_dialog(company, dialog, |dialog| async move {
            let (message, event) = match input {
                CustomerInput::Text(text) => (
                    NewMessage::text(Sender::Customer, text.clone()),
                    EventKind::Text(text.clone()),
                ),
                CustomerInput::Button(id) => {
                    let label = self
                        .button_label(company, &dialog, id)
                        .await?
                        .unwrap_or_else(|| id.clone());
                    let mut message = NewMessage::text(Sender::Customer, label);
                    message.button_id = Some(id.clone());
                    (message, EventKind::Button(id.clone()))
                }
            };
            // A dialog created without starting starts with its customer's first message.
            let (dialog, mut written) = self.begin_if_new(dialog).await?;
            // While an operator or an external custom block holds the dialog, the message is
            // only recorded.
            let event = (dialog.status == DialogStatus::Active
                && dialog.state.status() != Status::AwaitingCustom)
                .then_some(event);
            let mut outcome = self.runner.run(dialog, event, vec![message]).await?;
            written.append(&mut outcome.messages);
            outcome.messages = written;
            Ok(outcome)
        })
        .await
    }

    /// The label of a button the bot offered last, so the transcript shows what the customer saw.
    async fn button_label(
        &self,
        company: CompanyId,
        dialog: &Dialog,
        id: &str,
    ) -> Result<Option<String>> {
        let messages = self.store.messages(company, dialog.id, None).await?;
        Ok(messages
            .iter()
            .rev()
            .find(|m| m.sender == Sender::Bot && !m.buttons.is_empty())
            .and_then(|m| m.buttons.iter().find(|b| b.id == id))
            .map(|b| b.text.clone()))
    }

    /// An operator takes the dialog over; the bot goes silent.
    pub async fn take_over(&self, who: &Principal, dialog: Ref<DialogId>) -> Result<TurnOutcome> {
        who.require_operate()?;
        self.with_open_dialog(who.company_id, dialog, |dialog| async move {
            if dialog.status == DialogStatus::Operator
                && dialog.operator_id.is_some_and(|op| op != who.user_id)
            {
                return Err(Error::conflict(format!(
                    "dialog {} is held by another operator",
                    dialog.id
                )));
            }
            let mut update = DialogUpdate::from_dialog(&dialog);
            update.status = DialogStatus::Operator;
            update.operator_id = Some(who.user_id);
            let note = NewMessage::text(Sender::System, "An operator joined the conversation.");
            self.runner
                .save(&dialog, &update, vec![note], Vec::new())
                .await
        })
        .await
    }

    /// The operator holding the dialog writes to the customer.
    pub async fn operator_message(
        &self,
        who: &Principal,
        dialog: Ref<DialogId>,
        text: &str,
    ) -> Result<TurnOutcome> {
        who.require_operate()?;
        let text = &checked_text(text)?;
        self.with_open_dialog(who.company_id, dialog, |dialog| async move {
            if dialog.status != DialogStatus::Operator {
                return Err(Error::conflict(format!(
                    "dialog {} is with the bot; take it over first",
                    dialog.id
                )));
            }
            let mut message = NewMessage::text(Sender::Operator, text.clone());
            message.operator_id = Some(who.user_id);
            let mut update = DialogUpdate::from_dialog(&dialog);
            update.operator_id = Some(who.user_id);
            self.runner
                .save(&dialog, &update, vec![message], Vec::new())
                .await
        })
        .await
    }

    /// The operator hands the dialog back; the bot continues (after a transfer, or re-asking).
    pub async fn hand_back(&self, who: &Principal, dialog: Ref<DialogId>) -> Result<TurnOutcome> {
        who.require_operate()?;
        self.with_open_dialog(who.company_id, dialog, |mut dialog| async move {
            if dialog.status != DialogStatus::Operator {
                return Err(Error::conflict(format!(
                    "dialog {} is not with an operator",
                    dialog.id
                )));
            }
            dialog.status = DialogStatus::Active;
            dialog.operator_id = None;
            let note = NewMessage::text(
                Sender::System,
                "The operator handed the conversation back to the bot.",
            );
            // A dialog taken over before it ever started starts now.
            let event = if not_started(&dialog) {
                start_event(&dialog)
            } else {
                EventKind::OperatorReleased
            };
            self.runner.run(dialog, Some(event), vec![note]).await
        })
        .await
    }

    /// Runs `change` on an open dialog under its lock. The dialog comes from the copy this process
    /// saved last when it has one, else from the store; if that copy turns out stale (another node
    /// saved a turn: `Conflict`), the change runs once more on a fresh read. Nothing a change does
    /// reaches the outside world before its first save succeeds, so running it again is safe.
    /// A custom block the change reaches is handed to its service once the dialog is unlocked
    /// (the service may write into the dialog before it answers).
    async fn with_open_dialog<F, Fut>(
        &self,
        company: CompanyId,
        dialog: Ref<DialogId>,
        change: F,
    ) -> Result<TurnOutcome>
    where
        F: Fn(Dialog) -> Fut,
        Fut: Future<Output = Result<TurnOutcome>>,
    {
        let outcome = self.change_locked(company, dialog, change).await?;
        self.deliver_custom(outcome).await
    }

    /// [`DialogService::with_open_dialog`] without handing a reached custom block over.
    async fn change_locked<F, Fut>(
        &self,
        company: CompanyId,
        dialog: Ref<DialogId>,
        change: F,
    ) -> Result<TurnOutcome>
    where
        F: Fn(Dialog) -> Fut,
        Fut: Future<Output = Result<TurnOutcome>>,
    {
        // The lock is keyed by integer id: a UUID has to be looked up first.
        let id = match dialog {
            Ref::Id(id) => id,
            Ref::Uuid(_) => self.store.dialog(company, dialog).await?.id,
        };
        let _guard = self.lock(id).await;
        let (dialog, cached) = match self.recent.get(company, id) {
            Some(dialog) => (dialog, true),
            None => (self.store.dialog(company, Ref::Id(id)).await?, false),
        };
        let outcome = match change(open(dialog)?).await {
            Err(e) if cached && e.kind() == ErrorKind::Conflict => {
                self.recent.forget(id);
                let fresh = self.store.dialog(company, Ref::Id(id)).await?;
                change(open(fresh)?).await
            }
            other => other,
        };
        match &outcome {
            Ok(done) => self.recent.remember(&done.dialog),
            Err(_) => self.recent.forget(id),
        }
        outcome
    }

    /// A dialog with its messages, answers and files.
    pub async fn details(
        &self,
        company: CompanyId,
        dialog: Ref<DialogId>,
    ) -> Result<DialogDetails> {
        let dialog = self.store.dialog(company, dialog).await?;
        let messages = self.store.messages(company, dialog.id, None).await?;
        let answers = self.store.answers(company, dialog.id).await?;
        let files = self.store.files(company, dialog.id).await?;
        Ok(DialogDetails {
            dialog,
            messages,
            answers,
            files,
        })
    }

    /// A dialog.
    pub async fn get(&self, company: CompanyId, dialog: Ref<DialogId>) -> Result<Dialog> {
        self.store.dialog(company, dialog).await
    }

    /// Messages of a dialog after `after` (all when `None`).
    pub async fn messages(
        &self,
        company: CompanyId,
        dialog: Ref<DialogId>,
        after: Option<MessageId>,
    ) -> Result<Vec<Message>> {
        let dialog = self.store.dialog(company, dialog).await?;
        self.store.messages(company, dialog.id, after).await
    }

    /// Dialogs of a company, newest first.
    pub async fn list(
        &self,
        company: CompanyId,
        filter: &DialogFilter,
        page: Page,
    ) -> Result<Paged<Dialog>> {
        self.store.dialogs(company, filter, page).await
    }

    /// The channel a dialog of this agent would run on.
    pub async fn channel_of(&self, company: CompanyId, agent: Ref<AgentId>) -> Result<Channel> {
        Ok(self.store.agent(company, agent).await?.channel)
    }
}

/// The event that runs a dialog's scenario from its entry point with its input variables.
fn start_event(dialog: &Dialog) -> EventKind {
    EventKind::Start {
        entry: Some(dialog.entry.clone()),
        variables: dialog.inputs.clone(),
    }
}

/// Whether the dialog was created without starting and has not started since.
fn not_started(dialog: &Dialog) -> bool {
    dialog.state.status() == Status::NotStarted
}

/// The dialog, unless it has ended.
fn open(dialog: Dialog) -> Result<Dialog> {
    if dialog.status.is_final() {
        return Err(Error::conflict(format!(
            "dialog {} has {}; start a new one",
            dialog.id,
            dialog.status.as_str()
        )));
    }
    Ok(dialog)
}

fn checked_text(text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid("message text must not be empty"));
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(Error::invalid(format!(
            "message text is longer than {MAX_MESSAGE_CHARS} characters"
        )));
    }
    Ok(text.to_owned())
}

fn non_empty_or(value: String, default: &str) -> String {
    if value.trim().is_empty() {
        default.to_owned()
    } else {
        value.trim().to_owned()
    }
}
