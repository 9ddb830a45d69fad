//! Campaigns as users see them: create and steer campaigns, queue contacts, read the queue, the
//! calls, their transcripts and recordings, and keep the do-not-call list.
//!
//! The dialing itself is the [`crate::dialer::Dialer`]'s; this service only changes what it
//! reads (and wakes it up when there is something new to call).

use std::sync::Arc;

use tokio::sync::Notify;

use crate::auth::Principal;
use crate::call::{Call, CallFilter};
use crate::campaign::{
    Campaign, CampaignFilter, CampaignState, CampaignWindow, NewCampaign, QueueCounts, QueueEntry,
};
use crate::dialer::{PhoneNumber, RetryPolicy};
use crate::error::{Error, Result};
use crate::ids::{AgentId, CallId, CampaignId, DialogId, Ref};
use crate::line::{Recorder, Recording};
use crate::ports::{CampaignStore, Clock, QueueFilter, Store};
use crate::scenarios::ScenarioCache;
use crate::values::{Page, Paged};
use crate::webhook::CampaignHooks;
use crate::webhook_service::Outbox;

mod hooks;
pub mod reports;
pub mod search;
mod uploads;

pub use hooks::{BatchContact, QueuedBatch};
pub use uploads::MAX_UPLOAD_ROWS;

/// A campaign to create.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignSpec {
    /// Name (Neuro.net selection name, Twin24 task name).
    pub name: String,
    /// Listed as a Neuro.net selection.
    pub selection: bool,
    /// Start dialing at once (`Running`) or wait for a start (`Created`).
    pub start: bool,
    /// Calling window.
    pub window: CampaignWindow,
    /// Attempts and delays; `None` follows the agent's settings.
    pub retry: Option<RetryPolicy>,
    /// Calls per second.
    pub calls_per_second: Option<u32>,
}

impl CampaignSpec {
    /// A campaign called `name` that starts at once and follows the agent's settings.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            selection: false,
            start: true,
            window: CampaignWindow::default(),
            retry: None,
            calls_per_second: None,
        }
    }
}

/// Campaigns, queues, calls and the do-not-call list.
pub struct CampaignService {
    store: Arc<dyn Store>,
    campaigns: Arc<dyn CampaignStore>,
    clock: Arc<dyn Clock>,
    scenarios: Arc<ScenarioCache>,
    recorder: Arc<dyn Recorder>,
    uploads_wake: Arc<Notify>,
    dialer_wake: Arc<Notify>,
    outbox: Arc<Outbox>,
}

impl std::fmt::Debug for CampaignService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CampaignService").finish_non_exhaustive()
    }
}

impl CampaignService {
    pub(crate) fn new(
        store: Arc<dyn Store>,
        campaigns: Arc<dyn CampaignStore>,
        clock: Arc<dyn Clock>,
        scenarios: Arc<ScenarioCache>,
        recorder: Arc<dyn Recorder>,
        outbox: Arc<Outbox>,
    ) -> Self {
        Self {
            outbox,
            store,
            campaigns,
            clock,
            scenarios,
            recorder,
            uploads_wake: Arc::new(Notify::new()),
            dialer_wake: Arc::new(Notify::new()),
        }
    }

    /// Creates a campaign for `agent`.
    pub async fn create(
        &self,
        who: &Principal,
        agent: Ref<AgentId>,
        spec: CampaignSpec,
    ) -> Result<Campaign> {
        self.create_with(who, agent, spec, CampaignHooks::default())
            .await
    }

    /// [`CampaignService::create`] with the campaign's hooks, stored with it in one transaction.
    pub(crate) async fn create_with(
        &self,
        who: &Principal,
        agent: Ref<AgentId>,
        spec: CampaignSpec,
        hooks: CampaignHooks,
    ) -> Result<Campaign> {
        who.require_write()?;
        let agent = self.store.agent(who.company_id, agent).await?;
        let name = spec.name.trim();
        if name.is_empty() || name.chars().count() > 255 {
            return Err(Error::invalid(
                "a campaign name must have 1 to 255 characters",
            ));
        }
        if let (Some(start), Some(end)) = (spec.window.starts_at, spec.window.ends_at)
            && end <= start
        {
            return Err(Error::invalid("the campaign must end after it starts"));
        }
        let campaign = self
            .campaigns
            .create_campaign(
                who.company_id,
                &NewCampaign {
                    agent_id: agent.id,
                    name: name.to_owned(),
                    selection: spec.selection,
                    state: if spec.start {
                        CampaignState::Running
                    } else {
                        CampaignState::Created
                    },
                    window: spec.window,
                    retry: spec.retry,
                    calls_per_second: spec.calls_per_second,
                    hooks,
                },
            )
            .await?;
        Ok(campaign)
    }

    /// A campaign by id or UUID.
    pub async fn campaign(&self, who: &Principal, campaign: Ref<CampaignId>) -> Result<Campaign> {
        self.campaigns.campaign(who.company_id, campaign).await
    }

    /// Campaigns matching `filter`.
    pub async fn campaigns(
        &self,
        who: &Principal,
        filter: &CampaignFilter,
    ) -> Result<Vec<Campaign>> {
        self.campaigns.campaigns(who.company_id, filter).await
    }

    /// How many of the campaign's dialogs are in each queue state.
    pub async fn counts(&self, who: &Principal, campaign: CampaignId) -> Result<QueueCounts> {
        self.campaigns.queue_counts(who.company_id, campaign).await
    }

    /// The company's campaigns with their queue counts, read in two queries (a listing of many
    /// campaigns with each one's counts).
    pub async fn campaigns_with_counts(
        &self,
        who: &Principal,
        filter: &CampaignFilter,
    ) -> Result<Vec<(Campaign, QueueCounts)>> {
        let campaigns = self.campaigns.campaigns(who.company_id, filter).await?;
        let mut counts = self.campaigns.all_queue_counts(who.company_id).await?;
        Ok(campaigns
            .into_iter()
            .map(|campaign| {
                let counts = counts.remove(&campaign.id).unwrap_or_default();
                (campaign, counts)
            })
            .collect())
    }

    /// Starts, pauses, resumes or stops a campaign. A stopped campaign stays stopped; a
    /// completed one reopens only when contacts are added.
    pub async fn set_state(
        &self,
        who: &Principal,
        campaign: Ref<CampaignId>,
        to: CampaignState,
    ) -> Result<Campaign> {
        who.require_write()?;
        let campaign = self.campaigns.campaign(who.company_id, campaign).await?;
        use CampaignState::{Completed, Created, Paused, Running, Stopped};
        let allowed = match (campaign.state, to) {
            (from, to) if from == to => true,
            (Created | Paused, Running) | (Created | Running, Paused) => true,
            (Created | Running | Paused, Stopped) => true,
            (Completed, Stopped) => true,
            _ => false,
        };
        if !allowed {
            return Err(Error::conflict(format!(
                "campaign {} is {} and cannot become {}",
                campaign.uuid,
                campaign.state.as_str(),
                to.as_str()
            )));
        }
        let updated = self
            .campaigns
            .set_campaign_state(who.company_id, campaign.id, to)
            .await?;
        if to == Running {
            self.dialer_wake.notify_one();
        }
        if campaign.state != to {
            self.outbox.status_changed(&updated).await?;
        }
        Ok(updated)
    }

    /// Suspends dialing of `agent`'s campaigns (Neuro.net `queue/stop`): running ones, and
    /// completed ones too, so contacts added to them later wait for `queue/return` as well.
    /// Returns how many campaigns were paused.
    pub async fn pause_agent(&self, who: &Principal, agent: Ref<AgentId>) -> Result<u64> {
        who.require_write()?;
        let agent = self.store.agent(who.company_id, agent).await?;
        self.campaigns
            .set_agent_campaigns_state(
                who.company_id,
                agent.id,
                &[CampaignState::Running, CampaignState::Completed],
                CampaignState::Paused,
            )
            .await
    }

    /// Resumes every paused campaign of `agent` (Neuro.net `queue/return`).
    pub async fn resume_agent(&self, who: &Principal, agent: Ref<AgentId>) -> Result<u64> {
        who.require_write()?;
        let agent = self.store.agent(who.company_id, agent).await?;
        let resumed = self
            .campaigns
            .set_agent_campaigns_state(
                who.company_id,
                agent.id,
                &[CampaignState::Paused],
                CampaignState::Running,
            )
            .await?;
        self.dialer_wake.notify_one();
        Ok(resumed)
    }

    /// Takes `agent`'s waiting dialogs (only `dialog` when given) out of the queue; calls under
    /// way finish. Returns how many were removed.
    pub async fn remove_waiting(
        &self,
        who: &Principal,
        agent: Ref<AgentId>,
        dialog: Option<Ref<DialogId>>,
    ) -> Result<u64> {
        who.require_write()?;
        let agent = self.store.agent(who.company_id, agent).await?;
        let dialog = match dialog {
            Some(dialog) => Some(self.store.dialog(who.company_id, dialog).await?.id),
            None => None,
        };
        self.campaigns
            .remove_waiting(who.company_id, agent.id, dialog)
            .await
    }

    /// Queue entries matching `filter`.
    pub async fn queue(
        &self,
        who: &Principal,
        filter: &QueueFilter,
        page: Page,
    ) -> Result<Paged<QueueEntry>> {
        self.campaigns
            .queue_entries(who.company_id, filter, page)
            .await
    }

    /// A dialog's queue entry.
    pub async fn queue_entry(&self, who: &Principal, dialog: Ref<DialogId>) -> Result<QueueEntry> {
        let dialog = self.store.dialog(who.company_id, dialog).await?;
        self.campaigns.queue_entry(who.company_id, dialog.id).await
    }

    /// Calls matching `filter`.
    pub async fn calls(
        &self,
        who: &Principal,
        filter: &CallFilter,
        page: Page,
    ) -> Result<Paged<Call>> {
        self.campaigns.calls(who.company_id, filter, page).await
    }

    /// A call by id or UUID.
    pub async fn call(&self, who: &Principal, call: Ref<CallId>) -> Result<Call> {
        self.campaigns.call(who.company_id, call).await
    }

    /// A call's recording, rendered on first request and kept. `NotFound` for calls nobody
    /// answered (nothing was recorded).
    pub async fn recording(&self, who: &Principal, call: Ref<CallId>) -> Result<Recording> {
        let call = self.campaigns.call(who.company_id, call).await?;
        let Some(answered) = call.answered_at else {
            return Err(Error::not_found("recording of call", call.uuid));
        };
        if let Some(recording) = self.campaigns.recording(who.company_id, call.id).await? {
            return Ok(recording);
        }
        let talk = (call.ended_at - answered).to_std().unwrap_or_default();
        let recording = self
            .recorder
            .render(call.uuid, &call.transcript, talk)
            .await?;
        self.campaigns
            .save_recording(who.company_id, call.id, &recording)
            .await?;
        Ok(recording)
    }

    /// Adds numbers to the do-not-call list; returns how many were new.
    pub async fn add_do_not_call(&self, who: &Principal, phones: &[PhoneNumber]) -> Result<u64> {
        who.require_write()?;
        self.campaigns.add_do_not_call(who.company_id, phones).await
    }

    /// Takes a number off the do-not-call list.
    pub async fn remove_do_not_call(&self, who: &Principal, phone: &PhoneNumber) -> Result<()> {
        who.require_write()?;
        self.campaigns
            .remove_do_not_call(who.company_id, phone)
            .await
    }

    /// The do-not-call list.
    pub async fn do_not_call(&self, who: &Principal, page: Page) -> Result<Paged<PhoneNumber>> {
        self.campaigns.do_not_call(who.company_id, page).await
    }

    /// Waits until something new may be callable (contacts queued, a campaign started or
    /// resumed) or a spurious wake-up; the dialer loop's idle state between polls.
    pub async fn callable(&self) {
        self.dialer_wake.notified().await;
    }
}
