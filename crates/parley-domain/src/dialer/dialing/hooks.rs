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
    /// again or the contact's end when it finishes it. A hand-over to an operator was reported
    /// as it started, by `redirected`; `redirect` is one whose report could not be written then,
    /// and comes first. Each goes only to the targets that want it.
    pub(super) async fn webhooks(
        &self,
        context: &Context,
        claim: &Claim,
        call: &NewCall,
        release: &Release,
        redirect: Option<Redirect>,
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
        let redirected = redirect.map(|redirect| Event::CallRedirected {
            contact: contact(&claim.entry),
            redirect,
        });
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
        let events: Vec<Event<'_>> = redirected.into_iter().chain([ended, next]).collect();
        Ok(self.outbox.rows(hooks, &events))
    }

    /// Reports that the call of `claim` is being handed to an operator, as the transfer starts:
    /// written at once (not with the call, which may talk on for minutes), so a receiver can
    /// show the operator who is calling. When this fails the caller has the report written with
    /// the call instead.
    pub(super) async fn redirected(
        &self,
        context: &Context,
        claim: &Claim,
        redirect: Redirect,
    ) -> Result<()> {
        if context.hooks.webhooks.is_empty() {
            return Ok(());
        }
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
