//! What Twin24 call tasks add to campaigns: webhook targets and a slow pace kept beside the
//! campaign, contacts queued with their callback data (a repeated external id adds nothing),
//! and contacts cancelled by number.

use super::uploads::check_row;
use super::{CampaignService, CampaignSpec};
use crate::auth::Principal;
use crate::campaign::{Campaign, ContactExtras, NewQueued, QueueState, UploadRow};
use crate::dialer::PhoneNumber;
use crate::error::{Error, Result};
use crate::ids::{AgentId, CampaignId, Ref, Uuid};
use crate::ports::QueueFilter;
use crate::values::Page;
use crate::webhook::CampaignHooks;

impl CampaignService {
    /// Creates a campaign with its hooks (Twin24 `autoCall`), in one transaction: a crash
    /// cannot leave a task that reports to nobody.
    pub async fn create_with_hooks(
        &self,
        who: &Principal,
        agent: Ref<AgentId>,
        spec: CampaignSpec,
        hooks: &CampaignHooks,
    ) -> Result<Campaign> {
        self.create_with(who, agent, spec, hooks.clone()).await
    }

    /// A campaign's hooks.
    pub async fn hooks(&self, who: &Principal, campaign: CampaignId) -> Result<CampaignHooks> {
        self.store.campaign_hooks(who.company_id, campaign).await
    }

    /// Queues many contacts of one campaign in one transaction, each with its extras (Twin24
    /// candidate batches): every row is checked before any is queued, and the first bad one
    /// refuses the lot, naming its place in `rows`. For each row, the UUID of the dialog it
    /// became, or `None` when its external id was already queued (in the campaign or earlier
    /// in `rows`).
    pub async fn enqueue_many(
        &self,
        who: &Principal,
        campaign: Ref<CampaignId>,
        rows: Vec<(UploadRow, ContactExtras)>,
    ) -> Result<Vec<Option<Uuid>>> {
        who.require_write()?;
        let campaign = self.campaigns.campaign(who.company_id, campaign).await?;
        let scenario = self.scenario_of(&campaign).await?;
        let items = rows
            .into_iter()
            .enumerate()
            .map(|(n, (row, extras))| {
                let item = check_row(&scenario, row)
                    .map_err(|e| Error::invalid(format!("row {n}: {}", e.message())))?;
                Ok(NewQueued {
                    callback_data: extras.callback_data,
                    zone: extras.zone,
                    ..item
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let queued = self
            .campaigns
            .enqueue_many(who.company_id, campaign.id, &items, self.clock.now())
            .await?;
        self.dialer_wake.notify_one();
        Ok(queued)
    }

    /// Takes the campaign's waiting contacts with number `phone` out of the queue; returns how
    /// many.
    pub async fn cancel_phone(
        &self,
        who: &Principal,
        campaign: Ref<CampaignId>,
        phone: &PhoneNumber,
    ) -> Result<u64> {
        who.require_write()?;
        let campaign = self.campaigns.campaign(who.company_id, campaign).await?;
        let filter = QueueFilter {
            agent_id: None,
            campaign_id: Some(campaign.id),
            states: vec![QueueState::Waiting],
        };
        let mut matching = Vec::new();
        let mut offset = 0;
        loop {
            let page = Page::new(offset, Page::MAX_LIMIT)?;
            let entries = self
                .campaigns
                .queue_entries(who.company_id, &filter, page)
                .await?;
            let got = entries.items.len() as u64;
            matching.extend(
                entries
                    .items
                    .into_iter()
                    .filter(|e| e.phone == *phone)
                    .map(|e| e.dialog_id),
            );
            offset += got;
            if got < Page::MAX_LIMIT || offset >= entries.total {
                break;
            }
        }
        let mut removed = 0;
        for dialog in matching {
            removed += self
                .campaigns
                .remove_waiting(who.company_id, campaign.agent_id, Some(dialog))
                .await?;
        }
        Ok(removed)
    }
}
