//! What Twin24 call tasks add to campaigns: webhook targets and a slow pace kept beside the
//! campaign, contacts queued with their callback data (a repeated external id adds nothing),
//! and contacts cancelled by number.

use std::sync::Arc;

use parley_scenario::Scenario;

use super::uploads::check_row;
use super::{CampaignService, CampaignSpec};
use crate::auth::Principal;
use crate::campaign::{Campaign, ContactExtras, NewQueued, QueueState, UploadRow};
use crate::dialer::PhoneNumber;
use crate::error::{Detail, Error, Result};
use crate::ids::{AgentId, CampaignId, Ref, Uuid};
use crate::ports::QueueFilter;
use crate::values::Page;
use crate::webhook::CampaignHooks;

/// One contact of a batch: the campaign it goes to, its row and what else came with it.
#[derive(Debug, Clone)]
pub struct BatchContact {
    /// Its campaign.
    pub campaign: Ref<CampaignId>,
    /// The number, entry point, variables and external id.
    pub row: UploadRow,
    /// Callback data and zone.
    pub extras: ContactExtras,
}

/// What [`CampaignService::enqueue_batch`] did.
#[derive(Debug, Clone)]
pub struct QueuedBatch {
    /// The batch's campaigns, as they were before it was queued.
    pub campaigns: Vec<Campaign>,
    /// For each contact, in order: its campaign's place in `campaigns`, and the UUID of the
    /// dialog it became, or `None` when its external id was already queued (in the campaign or
    /// earlier in the batch).
    pub contacts: Vec<(usize, Option<Uuid>)>,
}

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

    /// Queues a batch of contacts that may span campaigns (Twin24 candidate batches). Every
    /// campaign is looked up (one that is not the company's fails the batch: `NotFound`) and
    /// every row checked before anything is queued; rows that fail are all named in the error's
    /// details (field `[n].phone`, `[n].variables`, …) and nothing is queued. Then each
    /// campaign's contacts are queued in one transaction, in order.
    pub async fn enqueue_batch(
        &self,
        who: &Principal,
        contacts: Vec<BatchContact>,
    ) -> Result<QueuedBatch> {
        who.require_write()?;
        let mut campaigns: Vec<(Ref<CampaignId>, Campaign, Arc<Scenario>)> = Vec::new();
        let mut of_contact = Vec::with_capacity(contacts.len());
        for contact in &contacts {
            let index = match campaigns.iter().position(|(r, ..)| *r == contact.campaign) {
                Some(index) => index,
                None => {
                    let campaign = self.campaign_taking_contacts(who, contact.campaign).await?;
                    let scenario = self.scenario_of(&campaign).await?;
                    campaigns.push((contact.campaign, campaign, scenario));
                    campaigns.len() - 1
                }
            };
            of_contact.push(index);
        }
        // Each campaign's contacts, with their places in the batch.
        let mut grouped: Vec<(Vec<usize>, Vec<NewQueued>)> =
            vec![Default::default(); campaigns.len()];
        let mut problems = Vec::new();
        for (n, (contact, &index)) in contacts.into_iter().zip(&of_contact).enumerate() {
            match check_row(&campaigns[index].2, contact.row) {
                Ok(item) => {
                    grouped[index].0.push(n);
                    grouped[index].1.push(NewQueued {
                        callback_data: contact.extras.callback_data,
                        zone: contact.extras.zone,
                        ..item
                    });
                }
                Err((field, error)) => problems.push(Detail {
                    field: Some(format!("[{n}].{field}")),
                    ..Detail::new(error.message())
                }),
            }
        }
        if !problems.is_empty() {
            return Err(Error::invalid(format!(
                "{} of {} contacts are invalid; none was queued",
                problems.len(),
                of_contact.len()
            ))
            .with_details(problems));
        }
        let mut queued = vec![None; of_contact.len()];
        let now = self.clock.now();
        for ((_, campaign, _), (places, items)) in campaigns.iter().zip(grouped) {
            let uuids = self
                .campaigns
                .enqueue_many(who.company_id, campaign.id, &items, now)
                .await?;
            for (n, uuid) in places.into_iter().zip(uuids) {
                queued[n] = uuid;
            }
        }
        self.dialer_wake.notify_one();
        Ok(QueuedBatch {
            campaigns: campaigns
                .into_iter()
                .map(|(_, campaign, _)| campaign)
                .collect(),
            contacts: of_contact.into_iter().zip(queued).collect(),
        })
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
