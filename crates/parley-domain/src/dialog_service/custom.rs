//! External custom blocks from the dialog's side: handing a reached block to its service, the
//! service's calls with the block's token (a bot message, completion), and watching a dialog for
//! what happens in it (the customer's long-poll and event stream).

use parley_scenario::{EventKind, Status};
use serde_json::Value;

use crate::custom_block::CustomRun;
use crate::dialog::{Dialog, DialogStatus, DialogUpdate, Message, NewMessage, Sender};
use crate::dialog_service::{DialogService, TurnOutcome, checked_text};
use crate::error::{Error, Result};
use crate::ids::{CompanyId, DialogId, Ref};
use crate::notifier::{DialogEvent, DialogWatch};

impl DialogService {
    /// Hands the custom block `outcome` left the dialog waiting for to its service, unless that
    /// was done already: claims the run, then posts the dialog's context with the block's token.
    /// When the service cannot be reached or refuses (not 2xx), the dialog fails with the reason
    /// and the token dies; the returned outcome then includes that change.
    pub(super) async fn deliver_custom(&self, outcome: TurnOutcome) -> Result<TurnOutcome> {
        if outcome.dialog.state.status() != Status::AwaitingCustom {
            return Ok(outcome);
        }
        let company = outcome.dialog.company_id;
        let Some(open) = self
            .store
            .open_custom_run(company, outcome.dialog.id)
            .await?
        else {
            return Ok(outcome);
        };
        if open.delivered_at.is_some() {
            return Ok(outcome);
        }
        let Some(run) = self
            .store
            .claim_custom_delivery(company, &open.token_id, self.clock.now())
            .await?
        else {
            return Ok(outcome);
        };
        let request = self.custom.request(&run, &outcome.dialog).await?;
        let failure = match self.http.send(request).await {
            Ok(response) if (200..300).contains(&response.status) => return Ok(outcome),
            Ok(response) => format!("answered HTTP {}", response.status),
            Err(error) => format!("could not be reached: {error}"),
        };
        let error = format!(
            "custom block `{}`: its service at {} {failure}",
            run.block, run.url
        );
        tracing::warn!(dialog = run.dialog_id.0, %error, "custom block delivery failed");
        let run = &run;
        let error = &error;
        let failed = self
            .change_locked(company, Ref::Id(run.dialog_id), |dialog| async move {
                if self.check_running(&dialog, run).await.is_err() {
                    // The service answered late, after it wrote or completed: nothing to undo.
                    return Ok(TurnOutcome {
                        dialog,
                        messages: Vec::new(),
                    });
                }
                let mut update = DialogUpdate::from_dialog(&dialog);
                update.status = DialogStatus::Failed;
                update.error = Some(error.clone());
                let note = NewMessage::text(
                    Sender::System,
                    format!("The bot stopped because of a scenario error: {error}"),
                );
                self.runner
                    .save(&dialog, &update, vec![note], Vec::new())
                    .await
            })
            .await?;
        self.store
            .finish_custom_run(company, &run.token_id, self.clock.now())
            .await?;
        let mut messages = outcome.messages;
        messages.extend(failed.messages);
        Ok(TurnOutcome {
            dialog: failed.dialog,
            messages,
        })
    }

    /// The service of a running custom block writes to the customer as the bot (Bot.one's
    /// `send_message`); `typing` says whether the bot goes on typing after it. The token is
    /// checked (`Forbidden` when invalid, expired, spent, or its block is over) and stays good.
    pub async fn custom_message(&self, token: &str, text: &str, typing: bool) -> Result<Message> {
        let run = &self.custom.verify(token).await?;
        let text = &checked_text(text)?;
        let company = run.company_id;
        let outcome = self
            .with_open_dialog(company, Ref::Id(run.dialog_id), |dialog| async move {
                self.check_running(&dialog, run).await?;
                let message = NewMessage::text(Sender::Bot, text.clone());
                let update = DialogUpdate::from_dialog(&dialog);
                self.runner
                    .save(&dialog, &update, vec![message], Vec::new())
                    .await
            })
            .await?;
        self.store
            .set_custom_typing(company, &run.token_id, typing)
            .await?;
        self.notifier
            .publish(run.dialog_id, || DialogEvent::Typing(typing));
        outcome
            .messages
            .into_iter()
            .next_back()
            .ok_or_else(|| Error::internal("writing a custom block's message", "nothing saved"))
    }

    /// The service of a running custom block completes it with `data` (Bot.one's `complete`):
    /// the scenario continues (`save_as` keeps the data) and the token is spent.
    pub async fn custom_complete(&self, token: &str, data: Value) -> Result<TurnOutcome> {
        let run = &self.custom.verify(token).await?;
        let data = &data;
        let company = run.company_id;
        let outcome = self
            .with_open_dialog(company, Ref::Id(run.dialog_id), |dialog| async move {
                self.check_running(&dialog, run).await?;
                let event = EventKind::CustomCompleted { data: data.clone() };
                let outcome = self.runner.run(dialog, Some(event), Vec::new()).await?;
                // `None` when the turn reached another custom block, which ended this run already.
                self.store
                    .finish_custom_run(company, &run.token_id, self.clock.now())
                    .await?;
                Ok(outcome)
            })
            .await?;
        if run.typing {
            self.notifier
                .publish(run.dialog_id, || DialogEvent::Typing(false));
        }
        Ok(outcome)
    }

    /// `Forbidden` unless `dialog` still waits in `run`'s block and the run is live.
    async fn check_running(&self, dialog: &Dialog, run: &CustomRun) -> Result<()> {
        let waiting = dialog.state.status() == Status::AwaitingCustom
            && dialog.state.current_block() == Some(run.block.as_str());
        let current = self.store.custom_run(run.company_id, &run.token_id).await?;
        if !waiting || !current.is_live(self.clock.now()) {
            return Err(Error::forbidden(format!(
                "the integration token has been used: custom block `{}` is over",
                run.block
            )));
        }
        Ok(())
    }

    /// Starts watching a dialog of `company`: every change saved by this process from now on
    /// reaches the watch. Returns the dialog as it is.
    pub async fn watch(
        &self,
        company: CompanyId,
        dialog: Ref<DialogId>,
    ) -> Result<(Dialog, DialogWatch)> {
        let id = self.store.dialog(company, dialog).await?.id;
        let watch = self.notifier.watch(id);
        // Read again once watching, so no change falls between the reply and the watch.
        let found = self.store.dialog(company, Ref::Id(id)).await?;
        Ok((found, watch))
    }

    /// Whether the bot shows that it is typing: a running custom block's service said so with
    /// its last message.
    pub async fn bot_typing(&self, company: CompanyId, dialog: DialogId) -> Result<bool> {
        let run = self.store.open_custom_run(company, dialog).await?;
        Ok(run.is_some_and(|run| run.typing && run.is_live(self.clock.now())))
    }
}
