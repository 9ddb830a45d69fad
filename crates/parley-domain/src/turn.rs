//! The turn runner: feeds one event to the scenario interpreter, carries out its actions
//! (messages, webhooks, transfers, goto another agent, end) and saves the result atomically.
//! Every saved change is announced to the dialog's watchers; a custom block with a URL gets a
//! run recorded after the turn is saved (the dialog service delivers it once unlocked).

use std::sync::Arc;
use std::time::Duration;

use parley_scenario::{Action, DialogState, Event, EventKind, Scenario, Status, StepError};

use crate::custom_block::CustomBlocks;
use crate::dialog::{Button, Dialog, DialogStatus, DialogUpdate, NewAnswer, NewMessage, Sender};
use crate::dialog_service::TurnOutcome;
use crate::error::{Error, Result};
use crate::ids::{AgentId, CompanyId, Ref};
use crate::notifier::{DialogEvent, DialogNotifier};
use crate::ports::{Clock, HttpOut, OutboundRequest, Store};
use crate::scenarios::ScenarioCache;

/// How many times one turn may jump to another agent before it is considered a loop.
const MAX_AGENT_HOPS: usize = 8;
/// How many webhook calls one turn may make.
const MAX_HTTP_CALLS: usize = 16;

pub(crate) struct TurnRunner {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    http: Arc<dyn HttpOut>,
    scenarios: Arc<ScenarioCache>,
    custom: Arc<CustomBlocks>,
    notifier: Arc<DialogNotifier>,
}

/// What a turn (or a whole call) has produced and not saved yet.
#[derive(Debug)]
pub(crate) struct Pending {
    /// The dialog as it will be saved.
    pub(crate) update: DialogUpdate,
    /// Messages to save, in order.
    pub(crate) messages: Vec<NewMessage>,
    /// Answers to save.
    pub(crate) answers: Vec<NewAnswer>,
    /// A custom block with a URL the dialog now waits for: (block, url, params).
    pub(crate) custom: Option<(String, String, serde_json::Value)>,
}

impl Pending {
    /// Nothing produced yet on `dialog`, but `messages`.
    pub(crate) fn new(dialog: &Dialog, messages: Vec<NewMessage>) -> Self {
        Self {
            update: DialogUpdate::from_dialog(dialog),
            messages,
            answers: Vec::new(),
            custom: None,
        }
    }
}

/// What the interpreter asked the host to do next, after its messages are recorded.
enum Next {
    Done,
    Event(EventKind),
    Http(parley_scenario::HttpRequest),
    GotoAgent {
        agent: String,
        entry: Option<String>,
    },
}

impl TurnRunner {
    pub(crate) fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        http: Arc<dyn HttpOut>,
        scenarios: Arc<ScenarioCache>,
        custom: Arc<CustomBlocks>,
        notifier: Arc<DialogNotifier>,
    ) -> Self {
        Self {
            store,
            clock,
            http,
            scenarios,
            custom,
            notifier,
        }
    }

    pub(crate) async fn scenario(
        &self,
        company: CompanyId,
        agent: AgentId,
        version: i64,
    ) -> Result<Arc<Scenario>> {
        self.scenarios
            .get(self.store.as_ref(), company, agent, version)
            .await
    }

    /// Saves `update` with `messages` and `answers` as one turn.
    pub(crate) async fn save(
        &self,
        dialog: &Dialog,
        update: &DialogUpdate,
        messages: Vec<NewMessage>,
        answers: Vec<NewAnswer>,
    ) -> Result<TurnOutcome> {
        let (dialog, messages) = self
            .store
            .save_turn(
                dialog.company_id,
                dialog.id,
                dialog.version,
                update,
                &messages,
                &answers,
            )
            .await?;
        self.notifier.publish(dialog.id, || DialogEvent::Saved {
            status: dialog.status,
            messages: messages.clone(),
        });
        Ok(TurnOutcome { dialog, messages })
    }

    /// Runs `event` (if any) through the scenario and saves everything with `messages` first.
    pub(crate) async fn run(
        &self,
        dialog: Dialog,
        event: Option<EventKind>,
        messages: Vec<NewMessage>,
    ) -> Result<TurnOutcome> {
        self.drive(dialog, event.map_or(Next::Done, Next::Event), messages)
            .await
    }

    /// Moves the dialog to `agent` (id, UUID or name) at its `entry` (the default when `None`),
    /// keeping its variables, exactly as a scenario's goto to another agent does, and saves
    /// everything with `messages` first.
    pub(crate) async fn goto_agent(
        &self,
        dialog: Dialog,
        agent: String,
        entry: Option<String>,
        messages: Vec<NewMessage>,
    ) -> Result<TurnOutcome> {
        self.drive(dialog, Next::GotoAgent { agent, entry }, messages)
            .await
    }

    /// Carries out `first`, then whatever the interpreter asks for, until nothing is left, and
    /// saves the turn.
    async fn drive(
        &self,
        mut dialog: Dialog,
        first: Next,
        messages: Vec<NewMessage>,
    ) -> Result<TurnOutcome> {
        let mut pending = Pending::new(&dialog, messages);
        let mut written = Vec::new();
        self.advance(&mut dialog, &mut pending, first, Some(&mut written))
            .await?;
        let outcome = self.save_pending(&dialog, &mut pending).await?;
        written.extend(outcome.messages);
        if let Some((block, url, params)) = pending.custom.take() {
            self.custom
                .open(&outcome.dialog, block, url, params)
                .await?;
        }
        Ok(TurnOutcome {
            dialog: outcome.dialog,
            messages: written,
        })
    }

    /// Runs `event` into `pending` without saving anything: a telephone call keeps its whole
    /// conversation in memory and saves it with the call record when it hangs up (a call cut by
    /// a crash cannot be resumed anyway; its attempt is recorded as failed).
    pub(crate) async fn run_unsaved(
        &self,
        dialog: &mut Dialog,
        pending: &mut Pending,
        event: EventKind,
    ) -> Result<()> {
        self.advance(dialog, pending, Next::Event(event), None)
            .await
    }

    /// Carries out `first`, then whatever the interpreter asks for, until nothing is left. With
    /// `written`, what was said so far is saved before every webhook call (and the saved messages
    /// land in `written`); without, nothing is saved.
    async fn advance(
        &self,
        dialog: &mut Dialog,
        pending: &mut Pending,
        first: Next,
        mut written: Option<&mut Vec<crate::dialog::Message>>,
    ) -> Result<()> {
        let company = dialog.company_id;
        let mut scenario = self
            .scenario(
                company,
                pending.update.agent_id,
                pending.update.scenario_version,
            )
            .await?;
        let mut next = first;
        let (mut hops, mut calls) = (0, 0);

        loop {
            next = match std::mem::replace(&mut next, Next::Done) {
                Next::Done => break,
                Next::Event(kind) => match parley_scenario::step(
                    &scenario,
                    &pending.update.state,
                    Event {
                        at: self.clock.now(),
                        kind,
                    },
                ) {
                    Ok(turn) => apply(pending, turn.state, turn.actions),
                    Err(StepError::Unexpected { status, event }) => {
                        return Err(Error::conflict(format!(
                            "the dialog cannot take {event} while it is {status:?}"
                        )));
                    }
                    Err(error) => {
                        fail(pending, &error.to_string());
                        Next::Done
                    }
                },
                Next::Http(request) => {
                    calls += 1;
                    if calls > MAX_HTTP_CALLS {
                        fail(
                            pending,
                            &format!("more than {MAX_HTTP_CALLS} webhook calls in one turn"),
                        );
                        continue;
                    }
                    if let Some(written) = written.as_deref_mut() {
                        // Save what was said so far before calling out: a crash while waiting
                        // loses nothing.
                        let outcome = self.save_pending(dialog, pending).await?;
                        written.extend(outcome.messages);
                        *dialog = outcome.dialog;
                    }
                    Next::Event(self.call(request).await)
                }
                Next::GotoAgent { agent, entry } => {
                    hops += 1;
                    if hops > MAX_AGENT_HOPS {
                        fail(
                            pending,
                            &format!("more than {MAX_AGENT_HOPS} jumps between agents in one turn"),
                        );
                        continue;
                    }
                    match self.resolve_agent(company, &agent).await {
                        Ok(target) => {
                            scenario = self
                                .scenario(company, target.id, target.scenario_version)
                                .await?;
                            // A dialog that never started keeps its variables as inputs.
                            let variables = if pending.update.state.status() == Status::NotStarted {
                                dialog.inputs.clone()
                            } else {
                                pending.update.state.variables().clone()
                            };
                            pending.update.agent_id = target.id;
                            pending.update.scenario_version = target.scenario_version;
                            pending.update.state = DialogState::new();
                            pending.update.status = DialogStatus::Active;
                            pending.update.result = None;
                            Next::Event(EventKind::Start { entry, variables })
                        }
                        Err(e) => {
                            fail(pending, &format!("goto agent `{agent}`: {}", e.message()));
                            Next::Done
                        }
                    }
                }
            };
        }
        Ok(())
    }

    async fn save_pending(&self, dialog: &Dialog, pending: &mut Pending) -> Result<TurnOutcome> {
        let messages = std::mem::take(&mut pending.messages);
        let answers = std::mem::take(&mut pending.answers);
        self.save(dialog, &pending.update, messages, answers).await
    }

    async fn call(&self, request: parley_scenario::HttpRequest) -> EventKind {
        let outbound = OutboundRequest {
            method: request.method,
            url: request.url,
            headers: request.headers,
            body: request.body,
            timeout: Duration::from_millis(request.timeout_ms),
        };
        match self.http.send(outbound).await {
            Ok(response) => EventKind::HttpResponse {
                status: response.status,
                body: response.body,
            },
            Err(error) => EventKind::HttpFailed { error },
        }
    }

    /// An agent of the same company by id, UUID or exact name.
    async fn resolve_agent(&self, company: CompanyId, agent: &str) -> Result<crate::agent::Agent> {
        if let Some(reference) = Ref::<AgentId>::parse(agent) {
            return self.store.agent(company, reference).await;
        }
        self.store
            .agents(company)
            .await?
            .into_iter()
            .find(|a| a.settings.name == agent)
            .ok_or_else(|| Error::not_found("agent", agent))
    }
}

/// Records the interpreter's actions in `pending`; returns what the host must do next.
fn apply(pending: &mut Pending, state: DialogState, actions: Vec<Action>) -> Next {
    let mut next = Next::Done;
    for action in actions {
        match action {
            Action::Say {
                text,
                buttons,
                voice: _,
            } => {
                let mut message = NewMessage::text(Sender::Bot, text);
                message.buttons = buttons
                    .into_iter()
                    .map(|b| Button {
                        id: b.id,
                        text: b.text,
                    })
                    .collect();
                pending.messages.push(message);
            }
            Action::Collected {
                variable,
                question,
                kind,
                answer,
            } => {
                pending.answers.push(NewAnswer {
                    variable,
                    question,
                    kind: kind.to_owned(),
                    answer,
                });
            }
            Action::Http(request) => next = Next::Http(request),
            Action::AwaitCustom { block, url, params } => {
                pending.custom = url.map(|url| (block, url, params));
            }
            Action::Transfer { reason } => {
                pending.update.status = DialogStatus::Operator;
                let text = match reason {
                    Some(reason) => format!("Waiting for an operator: {reason}"),
                    None => "Waiting for an operator.".to_owned(),
                };
                pending
                    .messages
                    .push(NewMessage::text(Sender::System, text));
            }
            Action::GotoAgent { agent, entry } => next = Next::GotoAgent { agent, entry },
            Action::End { result } => {
                pending.update.status = DialogStatus::Ended;
                pending.update.result = result;
            }
        }
    }
    if state.status() == Status::Ended && !matches!(next, Next::GotoAgent { .. }) {
        pending.update.status = DialogStatus::Ended;
        if pending.update.result.is_none() {
            pending.update.result = state.result().map(str::to_owned);
        }
    }
    pending.update.state = state;
    next
}

/// Stops the dialog with `error`, keeping everything said so far.
fn fail(pending: &mut Pending, error: &str) {
    pending.update.status = DialogStatus::Failed;
    pending.update.error = Some(error.to_owned());
    pending.messages.push(NewMessage::text(
        Sender::System,
        format!("The bot stopped because of a scenario error: {error}"),
    ));
}
