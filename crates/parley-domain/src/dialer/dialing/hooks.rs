//! What the dialer adds for campaigns with webhooks and a pace: the events reporting each call
//! and finished contact (written with the call), and the pace check on claims.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Context, Dialer};
use crate::call::NewCall;
use crate::campaign::{Claim, QueueEntry, QueueState, Release};
use crate::error::Result;
use crate::ids::CampaignId;
use crate::webhook::{self, NewWebhook};

impl Context {
    /// The campaign's pace in calls per second, when it has one.
    fn rate(&self) -> Option<f64> {
        match (self.hooks.seconds_per_call, self.campaign.calls_per_second) {
            (Some(seconds), _) if seconds > 0 => Some(1.0 / f64::from(seconds)),
            (_, Some(cps)) if cps > 0 => Some(f64::from(cps)),
            _ => None,
        }
    }
}

impl Dialer {
    /// `None` when the campaign's pace lets a call start now, else when to look again
    /// (`paced` counts the claims of each campaign already handed back in this round).
    pub(super) fn paced(
        &self,
        context: &Context,
        paced: &mut HashMap<CampaignId, u32>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let rate = context.rate()?;
        let campaign = context.campaign.id;
        let queued = paced.entry(campaign).or_default();
        let at = self.pace.take(campaign, rate, now, *queued)?;
        *queued += 1;
        Some(at)
    }

    /// The events reporting `call` to the campaign's hooks, written with the call, in the order
    /// they happened: `CALL_REDIRECTED` when the bot handed it to an operator, `CALL_ENDED`,
    /// then `RECALL_SCHEDULED` when `release` has the contact called again or
    /// `CANDIDATE_CHANGED` when it finishes the contact. Each goes only to the targets that
    /// want it.
    pub(super) async fn webhooks(
        &self,
        context: &Context,
        claim: &Claim,
        call: &NewCall,
        release: &Release,
    ) -> Result<Vec<NewWebhook>> {
        let hooks = &context.hooks;
        if hooks.webhooks.is_empty() {
            return Ok(Vec::new());
        }
        let callback = self.callback(claim).await?;
        let callback = callback.as_ref();
        let campaign = &context.campaign;
        let entry = &claim.entry;
        let now = self.clock.now();
        let mut rows = Vec::new();
        let mut add = |event: &str, payload: Value| {
            rows.extend(webhook::rows_for(hooks, campaign, event, &payload, now));
        };
        if call.transferred {
            add(
                webhook::CALL_REDIRECTED,
                webhook::call_redirected(campaign, entry, call, callback),
            );
        }
        let again = matches!(release, Release::Wait { .. });
        add(
            webhook::CALL_ENDED,
            webhook::call_ended(campaign, entry, call, callback, again),
        );
        match release {
            Release::Wait { next_at, .. } => add(
                webhook::RECALL_SCHEDULED,
                webhook::recall_scheduled(campaign, entry, call, callback, *next_at),
            ),
            Release::Done { reason, .. } => {
                let mut entry = entry.clone();
                entry.state = QueueState::Done;
                add(
                    webhook::CANDIDATE_CHANGED,
                    webhook::candidate_changed(campaign, &entry, Some(call), callback, reason),
                );
            }
        }
        Ok(rows)
    }

    /// Reports a contact finished without a call (the campaign ended, do-not-call, ...).
    pub(super) async fn report_done(
        &self,
        context: &Context,
        claim: &Claim,
        entry: &QueueEntry,
        reason: &str,
    ) -> Result<()> {
        if context.hooks.webhooks.is_empty() {
            return Ok(());
        }
        let callback = self.callback(claim).await?;
        let payload =
            webhook::candidate_changed(&context.campaign, entry, None, callback.as_ref(), reason);
        let rows = webhook::rows_for(
            &context.hooks,
            &context.campaign,
            webhook::CANDIDATE_CHANGED,
            &payload,
            self.clock.now(),
        );
        self.outbox.add(&rows).await
    }

    /// The contact's callback data, parsed.
    async fn callback(&self, claim: &Claim) -> Result<Option<Value>> {
        let text = self
            .store
            .callback_data(claim.entry.company_id, claim.entry.dialog_id)
            .await?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }
}
