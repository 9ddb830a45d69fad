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
use crate::webhook::{Contact, Event, NewWebhook, Redirect};

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
    /// they happened: the call's end, then the recall when `release` has the contact called
    /// again or the contact's end when it finishes it (a hand-over to an operator was reported
    /// as it started, by `redirected`). Each goes only to the targets that want it.
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
        let mut done = claim.entry.clone();
        done.state = QueueState::Done;
        let contact = |entry| Contact {
            campaign: &context.campaign,
            entry,
            callback: callback.as_ref(),
        };
        let ended = Event::CallEnded {
            contact: contact(&claim.entry),
            call,
            again: matches!(release, Release::Wait { .. }),
        };
        let next = match release {
            Release::Wait { next_at, .. } => Event::RecallScheduled {
                contact: contact(&claim.entry),
                call,
                next_at: *next_at,
            },
            Release::Done { reason, .. } => Event::ContactDone {
                contact: contact(&done),
                last_call: Some(call),
                reason,
            },
        };
        Ok(self.outbox.rows(hooks, &[ended, next]))
    }

    /// Reports that the call of `claim` is being handed to an operator, as the transfer starts:
    /// written at once (not with the call, which may talk on for minutes), so a receiver can
    /// show the operator who is calling. A failure to write it is logged and the call goes on.
    pub(super) async fn redirected(&self, context: &Context, claim: &Claim, redirect: Redirect) {
        if context.hooks.webhooks.is_empty() {
            return;
        }
        let written = async {
            let callback = self.callback(claim).await?;
            let event = Event::CallRedirected {
                contact: Contact {
                    campaign: &context.campaign,
                    entry: &claim.entry,
                    callback: callback.as_ref(),
                },
                redirect,
            };
            self.outbox
                .add(&self.outbox.rows(&context.hooks, &[event]))
                .await
        };
        if let Err(error) = written.await {
            tracing::warn!(call = %claim.call_uuid, error = %error.chain(), "reporting a transfer to the campaign's webhooks failed");
        }
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
        let event = Event::ContactDone {
            contact: Contact {
                campaign: &context.campaign,
                entry,
                callback: callback.as_ref(),
            },
            last_call: None,
            reason,
        };
        self.outbox
            .add(&self.outbox.rows(&context.hooks, &[event]))
            .await
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
