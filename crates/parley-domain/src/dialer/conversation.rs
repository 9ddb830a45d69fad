//! Talking on an answered call: the bot's prompts are spoken on the leg, what the callee says is
//! fed back to the same scenario engine as chat, until the scenario ends, transfers, or someone
//! hangs up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use parley_scenario::{EventKind, Status};

use crate::dialog::{Dialog, DialogStatus, NewMessage, Sender};
use crate::error::Result;
use crate::ids::AgentId;
use crate::line::{CallLeg, Heard, Transferred};
use crate::ports::CallTurn;
use crate::turn::{Pending, TurnRunner};

/// How long the bot listens when its `ask` sets no timeout (Neuro.net's `no_input_timeout`).
pub const DEFAULT_NO_INPUT: Duration = Duration::from_millis(4000);

/// At most this many callee turns in one call; a scenario that keeps asking ends the call.
const MAX_TURNS: usize = 64;

/// Operator lines in use per agent on this node: a transfer takes one if fewer than the agent's
/// `routing_channel_limit` are in use, and gives it back when the operator's part ends.
#[derive(Debug, Default)]
pub(crate) struct OperatorLines(Arc<Mutex<HashMap<AgentId, u32>>>);

/// One operator line held for a transfer; released on drop.
#[derive(Debug)]
pub(crate) struct OperatorLine {
    lines: Arc<Mutex<HashMap<AgentId, u32>>>,
    agent: AgentId,
}

impl OperatorLines {
    /// A line of `agent` if fewer than `limit` are in use.
    pub(crate) fn take(&self, agent: AgentId, limit: u32) -> Option<OperatorLine> {
        let mut used = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let count = used.entry(agent).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(OperatorLine {
            lines: Arc::clone(&self.0),
            agent,
        })
    }
}

impl Drop for OperatorLine {
    fn drop(&mut self) {
        let mut used = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = used.get_mut(&self.agent) {
            *count = count.saturating_sub(1);
        }
    }
}

/// Where a call's transfers go: this node's operator lines and the agent's limit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Operators<'a> {
    pub(crate) lines: &'a OperatorLines,
    pub(crate) agent: AgentId,
    pub(crate) limit: u32,
}

/// Told when the scenario hands the call to an operator, just before the transfer starts (the
/// dialer reports it to the campaign's webhooks).
#[async_trait]
pub(crate) trait OnTransfer: Send + Sync {
    /// The transfer is about to start.
    async fn transferring(&self);
}

/// What happened in the conversation.
#[derive(Debug)]
pub(crate) struct Conversation {
    /// The dialog's turn to save with the call.
    pub(crate) turn: CallTurn,
    /// Whether the scenario handed the call to an operator.
    pub(crate) transferred: bool,
}

/// Runs `dialog`'s scenario on `leg` from its entry point until the call is over; `on_transfer`
/// hears of a hand-over to an operator before it starts.
pub(crate) async fn converse(
    runner: &TurnRunner,
    mut dialog: Dialog,
    leg: &mut dyn CallLeg,
    operators: Operators<'_>,
    on_transfer: &dyn OnTransfer,
) -> Result<Conversation> {
    let expected_version = dialog.version;
    let mut pending = Pending::new(&dialog, Vec::new());
    let mut event = EventKind::Start {
        entry: Some(dialog.entry.clone()),
        variables: dialog.inputs.clone(),
    };
    let mut spoken = 0;
    let mut transferred = false;

    for _ in 0..MAX_TURNS {
        if let Err(error) = runner.run_unsaved(&mut dialog, &mut pending, event).await {
            // The scenario cannot take what the callee did (a state the voice channel does not
            // drive): end the call, keeping everything said.
            tracing::warn!(dialog = %dialog.uuid, %error, "call ended: the scenario refused an event");
            break;
        }
        let mut hung_up = false;
        for message in &pending.messages[spoken..] {
            if message.sender == Sender::Bot && !leg.say(&message.text).await? {
                hung_up = true;
                break;
            }
        }
        spoken = pending.messages.len();
        if hung_up {
            break;
        }
        match pending.update.status {
            DialogStatus::Ended | DialogStatus::Failed => break,
            DialogStatus::Operator => {
                match operators.lines.take(operators.agent, operators.limit) {
                    Some(_line) => {
                        transferred = true;
                        on_transfer.transferring().await;
                        if let Transferred::Talked(_) = leg.transfer().await? {
                            pending.messages.push(NewMessage::text(
                                Sender::System,
                                "An operator talked to the caller.",
                            ));
                        }
                    }
                    None => pending.messages.push(NewMessage::text(
                        Sender::System,
                        format!(
                            "No operator line was free (all {} of the agent's \
                             routing_channel_limit in use); the call ended without a transfer.",
                            operators.limit
                        ),
                    )),
                }
                break;
            }
            DialogStatus::Active => {}
        }
        if pending.update.state.status() != Status::AwaitingInput {
            // Waiting for something the caller cannot give (an external block): hang up.
            break;
        }
        let no_input = pending
            .update
            .state
            .no_input_timeout_ms()
            .map_or(DEFAULT_NO_INPUT, Duration::from_millis);
        event = match leg.listen(no_input).await? {
            Heard::Speech(text) => {
                pending
                    .messages
                    .push(NewMessage::text(Sender::Customer, text.clone()));
                spoken += 1;
                EventKind::Text(text)
            }
            Heard::Dtmf(digits) => {
                pending
                    .messages
                    .push(NewMessage::text(Sender::Customer, digits.clone()));
                spoken += 1;
                EventKind::Dtmf(digits)
            }
            Heard::Silence => EventKind::NoInput,
            Heard::HungUp => break,
        };
    }
    if !pending.update.status.is_final() {
        // The call is over (an operator's part included); the dialog is too.
        pending.update.status = DialogStatus::Ended;
    }
    Ok(Conversation {
        turn: CallTurn {
            expected_version,
            update: pending.update,
            messages: pending.messages,
            answers: pending.answers,
        },
        transferred,
    })
}
