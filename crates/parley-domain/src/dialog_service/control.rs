//! Dialogs created without starting, and the controls integrations use on a running dialog:
//! resume, an operator who joins as they write, and a jump to another agent.

use crate::auth::Principal;
use crate::dialog::{Dialog, DialogStatus, DialogUpdate, Message, NewMessage, Sender};
use crate::dialog_service::{
    DialogService, StartDialog, TurnOutcome, checked_text, not_started, start_event,
};
use crate::error::{Error, Result};
use crate::ids::{AgentId, DialogId, Ref};

impl DialogService {
    /// Creates a dialog without starting it: nothing is said until the customer's first message
    /// or [`DialogService::resume`] runs the scenario's start (then the message).
    pub async fn create(&self, who: &Principal, request: StartDialog) -> Result<Dialog> {
        who.require_write()?;
        self.create_in(who.company_id, request).await
    }

    /// Lets the bot talk: a dialog created without starting starts, a dialog with an operator is
    /// handed back (as [`DialogService::hand_back`]); a dialog already with the bot is left as it is.
    pub async fn resume(&self, who: &Principal, dialog: Ref<DialogId>) -> Result<TurnOutcome> {
        who.require_operate()?;
        let current = self.store.dialog(who.company_id, dialog).await?;
        if current.status == DialogStatus::Operator {
            return self.hand_back(who, dialog).await;
        }
        self.with_open_dialog(who.company_id, dialog, |dialog| async move {
            let (dialog, messages) = self.begin_if_new(dialog).await?;
            Ok(TurnOutcome { dialog, messages })
        })
        .await
    }

    /// An operator writes to the customer, taking the dialog over first when the bot holds it
    /// (one saved change: the join note, then the message). Another operator's dialog is a
    /// `Conflict`, as for [`DialogService::take_over`].
    pub async fn operator_joins_and_writes(
        &self,
        who: &Principal,
        dialog: Ref<DialogId>,
        text: &str,
    ) -> Result<TurnOutcome> {
        who.require_operate()?;
        let text = &checked_text(text)?;
        self.with_open_dialog(who.company_id, dialog, |dialog| async move {
            if dialog.operator_id.is_some_and(|op| op != who.user_id)
                && dialog.status == DialogStatus::Operator
            {
                return Err(Error::conflict(format!(
                    "dialog {} is held by another operator",
                    dialog.id
                )));
            }
            let mut messages = Vec::new();
            if dialog.status != DialogStatus::Operator {
                messages.push(NewMessage::text(
                    Sender::System,
                    "An operator joined the conversation.",
                ));
            }
            let mut message = NewMessage::text(Sender::Operator, text.clone());
            message.operator_id = Some(who.user_id);
            messages.push(message);
            let mut update = DialogUpdate::from_dialog(&dialog);
            update.status = DialogStatus::Operator;
            update.operator_id = Some(who.user_id);
            self.runner
                .save(&dialog, &update, messages, Vec::new())
                .await
        })
        .await
    }

    /// Moves the dialog to `agent`'s default entry point, keeping its variables, as a scenario's
    /// goto to another agent does; the bot of that agent talks at once. An operator's hold ends.
    /// An unknown agent is `NotFound` and changes nothing.
    pub async fn goto_agent(
        &self,
        who: &Principal,
        dialog: Ref<DialogId>,
        agent: Ref<AgentId>,
    ) -> Result<TurnOutcome> {
        who.require_operate()?;
        let target = self.store.agent(who.company_id, agent).await?;
        let target = &target.id.0.to_string();
        self.with_open_dialog(who.company_id, dialog, |mut dialog| async move {
            dialog.operator_id = None;
            let note = NewMessage::text(
                Sender::System,
                format!("The conversation moved to agent {target}."),
            );
            self.runner
                .goto_agent(dialog, target.clone(), None, vec![note])
                .await
        })
        .await
    }

    /// Runs the scenario's start on a dialog created without starting; any other dialog is
    /// returned as it is. Returns the dialog and the messages the start wrote.
    pub(super) async fn begin_if_new(&self, dialog: Dialog) -> Result<(Dialog, Vec<Message>)> {
        if !not_started(&dialog) || dialog.status != DialogStatus::Active {
            return Ok((dialog, Vec::new()));
        }
        let start = start_event(&dialog);
        let outcome = self.runner.run(dialog, Some(start), Vec::new()).await?;
        Ok((outcome.dialog, outcome.messages))
    }
}
