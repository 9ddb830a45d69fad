//! Queuing contacts: one at a time, or a whole upload in the background, chunk by chunk, each
//! chunk in one transaction so a restart resumes where it stopped.

use std::sync::Arc;

use parley_scenario::Scenario;

use super::CampaignService;
use crate::auth::Principal;
use crate::campaign::{
    Campaign, CampaignState, NUL_MESSAGE, NewQueued, QueueEntry, UploadRow, UploadRowResult,
    UploadTask, has_nul,
};
use crate::dialer::PhoneNumber;
use crate::error::{Error, Result};
use crate::ids::{CampaignId, Ref, Uuid};

/// Rows queued per transaction by the upload worker.
const CHUNK: u64 = 1000;

/// The most rows one upload may carry.
pub const MAX_UPLOAD_ROWS: usize = 200_000;

impl CampaignService {
    /// Queues one contact in `campaign` (Neuro.net `dialog-initial`).
    pub async fn enqueue(
        &self,
        who: &Principal,
        campaign: Ref<CampaignId>,
        row: UploadRow,
    ) -> Result<QueueEntry> {
        who.require_write()?;
        let campaign = self.campaign_taking_contacts(who, campaign).await?;
        let scenario = self.scenario_of(&campaign).await?;
        let item = check_row(&scenario, row).map_err(|(_, error)| error)?;
        let entry = self
            .campaigns
            .enqueue(who.company_id, campaign.id, &item, self.clock.now())
            .await?;
        self.dialer_wake.notify_one();
        Ok(entry)
    }

    /// Stores an upload of many contacts into `campaign` and returns its task at once; the
    /// upload worker ([`CampaignService::process_uploads`]) queues the rows.
    pub async fn upload(
        &self,
        who: &Principal,
        campaign: Ref<CampaignId>,
        rows: Vec<UploadRow>,
    ) -> Result<UploadTask> {
        who.require_write()?;
        if rows.is_empty() {
            return Err(Error::invalid("the upload has no rows"));
        }
        if rows.len() > MAX_UPLOAD_ROWS {
            return Err(Error::invalid(format!(
                "the upload has {} rows; at most {MAX_UPLOAD_ROWS} are accepted at once (split it)",
                rows.len()
            )));
        }
        let campaign = self.campaign_taking_contacts(who, campaign).await?;
        let task = self
            .campaigns
            .create_upload(who.company_id, campaign.id, &rows)
            .await?;
        self.uploads_wake.notify_one();
        Ok(task)
    }

    /// An upload's progress.
    pub async fn upload_task(&self, who: &Principal, task: Uuid) -> Result<UploadTask> {
        self.campaigns.upload(who.company_id, task).await
    }

    /// What became of each row of an upload (rows not looked at yet are missing).
    pub async fn upload_results(
        &self,
        who: &Principal,
        task: Uuid,
    ) -> Result<Vec<UploadRowResult>> {
        self.campaigns.upload_results(who.company_id, task).await
    }

    /// Waits until an upload arrives (or a spurious wake-up); the upload worker's idle state.
    pub async fn uploads_waiting(&self) {
        self.uploads_wake.notified().await;
    }

    /// Queues every unfinished upload's remaining rows; returns how many rows were looked at.
    pub async fn process_uploads(&self) -> Result<u64> {
        let mut done = 0;
        for task in self.campaigns.unfinished_uploads().await? {
            done += self.process_upload(task).await?;
        }
        Ok(done)
    }

    async fn process_upload(&self, mut task: UploadTask) -> Result<u64> {
        let campaign = self
            .campaigns
            .campaign(task.company_id, Ref::Id(task.campaign_id))
            .await?;
        let scenario = self.scenario_of(&campaign).await?;
        let started = task.processed;
        while task.processed < task.total {
            let rows = self
                .campaigns
                .upload_rows(&task, task.processed, CHUNK)
                .await?;
            if rows.is_empty() {
                return Err(Error::internal(
                    format!("upload {} has fewer rows than it says", task.uuid),
                    "upload_rows returned nothing before the total",
                ));
            }
            let mut items = Vec::with_capacity(rows.len());
            let mut rejected = Vec::new();
            for (row_number, row) in (task.processed..).zip(rows) {
                let phone = row.phone.clone();
                match check_row(&scenario, row) {
                    Ok(item) => items.push((row_number, item)),
                    Err((_, error)) => rejected.push(UploadRowResult {
                        row: row_number,
                        phone,
                        dialog_uuid: None,
                        message: error.message().to_owned(),
                    }),
                }
            }
            let processed = task.processed + (items.len() + rejected.len()) as u64;
            task = self
                .campaigns
                .queue_upload_chunk(&task, &items, &rejected, processed, self.clock.now())
                .await?;
            self.dialer_wake.notify_one();
        }
        Ok(task.processed - started)
    }

    /// The campaign, refused (`Conflict`) when it is stopped: it can never run again, so contacts
    /// queued to it would wait for ever. (A completed one reopens when a contact comes.)
    pub(super) async fn campaign_taking_contacts(
        &self,
        who: &Principal,
        campaign: Ref<CampaignId>,
    ) -> Result<Campaign> {
        let campaign = self.campaigns.campaign(who.company_id, campaign).await?;
        if campaign.state == CampaignState::Stopped {
            return Err(Error::conflict(format!(
                "campaign {} is stopped: contacts added to it would never be called",
                campaign.uuid
            )));
        }
        Ok(campaign)
    }

    pub(super) async fn scenario_of(&self, campaign: &Campaign) -> Result<Arc<Scenario>> {
        let agent = self
            .store
            .agent(campaign.company_id, Ref::Id(campaign.agent_id))
            .await?;
        self.scenarios
            .get(
                self.store.as_ref(),
                campaign.company_id,
                agent.id,
                agent.scenario_version,
            )
            .await
    }
}

/// Parses a row's number and checks its entry point and required inputs against `scenario`; a
/// refusal names the row's field it concerns (`phone`, `entry`, `variables`).
pub(super) fn check_row(
    scenario: &Scenario,
    row: UploadRow,
) -> std::result::Result<NewQueued, (&'static str, Error)> {
    let phone = PhoneNumber::parse(&row.phone).map_err(|e| ("phone", e))?;
    let entry = match row.entry {
        Some(entry) if scenario.has_entry(&entry) => entry,
        Some(entry) => {
            return Err((
                "entry",
                Error::invalid(format!(
                    "the scenario has no entry point `{entry}` (it has: {})",
                    scenario.entry_points().join(", ")
                )),
            ));
        }
        None => scenario.default_entry().to_owned(),
    };
    if let Some(missing) = scenario
        .inputs()
        .iter()
        .find(|i| i.required && !row.variables.contains_key(&i.name))
    {
        return Err((
            "variables",
            Error::invalid(format!(
                "input variable `{}` is required by the scenario",
                missing.name
            )),
        ));
    }
    if has_nul(&row.variables) {
        return Err(("variables", Error::invalid(NUL_MESSAGE)));
    }
    Ok(NewQueued {
        phone,
        entry,
        variables: row.variables,
        external_id: row.external_id,
        not_before: None,
        callback_data: None,
        zone: None,
    })
}
