//! Talking on an answered call: the bot's prompts are spoken on the leg, what the callee says is
//! fed back to the same scenario engine as chat, until the scenario ends, transfers, or someone
//! hangs up.

use std::time::Duration;

use parley_scenario::{EventKind, Status};

use crate::dialog::{Dialog, DialogStatus, NewMessage, Sender};
use crate::error::Result;
use crate::line::{CallLeg, Heard, Transferred};
use crate::ports::CallTurn;
use crate::turn::{Pending, TurnRunner};

/// How long the bot listens when its `ask` sets no timeout (Neuro.net's `no_input_timeout`).
pub const DEFAULT_NO_INPUT: Duration = Duration::from_millis(4000);

/// At most this many callee turns in one call; a scenario that keeps asking ends the call.
const MAX_TURNS: usize = 64;

/// What happened in the conversation.
#[derive(Debug)]
pub(crate) struct Conversation {
    /// The dialog's turn to save with the call.
    pub(crate) turn: CallTurn,
    /// Whether the scenario handed the call to an operator.
    pub(crate) transferred: bool,
}

/// Runs `dialog`'s scenario on `leg` from its entry point until the call is over.
pub(crate) async fn converse(
    runner: &TurnRunner,
    mut dialog: Dialog,
    leg: &mut dyn CallLeg,
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
                transferred = true;
                if let Transferred::Talked(_) = leg.transfer().await? {
                    pending.messages.push(NewMessage::text(
                        Sender::System,
                        "An operator talked to the caller.",
                    ));
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
