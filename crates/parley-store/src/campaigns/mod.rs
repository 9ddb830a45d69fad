//! `CampaignStore`: campaigns (`state`), their queues (`queue`), the dialer's claims (`claims`),
//! bulk uploads (`uploads`), and call records, recordings and the do-not-call list (`calls`).
//!
//! Writes that touch several rows run in one transaction through `in_tx!`: on SQLite on the one
//! write connection (so they queue with every other write, chat turns included), on PostgreSQL
//! on a pooled connection. Where the dialects differ (bulk rows arrive as one JSON parameter,
//! expanded by `json_each` on SQLite and `jsonb_to_recordset` on PostgreSQL; row locks), the
//! query text is picked with [`Tx::is_postgres`].

use async_trait::async_trait;
use parley_domain::Result;
use parley_domain::call::{Call, CallFilter, NewCall};
use parley_domain::campaign::{
    Campaign, CampaignFilter, CampaignState, Claim, NewCampaign, NewQueued, QueueCounts,
    QueueEntry, Release, UploadRow, UploadRowResult, UploadTask,
};
use parley_domain::dialer::PhoneNumber;
use parley_domain::ids::{AgentId, CallId, CampaignId, CompanyId, DialogId, Ref, Uuid};
use parley_domain::line::Recording;
use parley_domain::ports::{CallTurn, CampaignStore, QueueFilter};
use parley_domain::values::{Page, Paged};

use crate::SqlStore;

#[macro_use]
mod tx;

mod calls;
mod claims;
mod queue;
pub(crate) mod rows;
mod state;
mod uploads;

pub(crate) use self::tx::Tx;

#[async_trait]
impl CampaignStore for SqlStore {
    async fn create_campaign(
        &self,
        company: CompanyId,
        campaign: &NewCampaign,
    ) -> Result<Campaign> {
        self.insert_campaign(company, campaign).await
    }

    async fn campaign(&self, company: CompanyId, campaign: Ref<CampaignId>) -> Result<Campaign> {
        self.campaign_by_ref(company, campaign).await
    }

    async fn campaigns(
        &self,
        company: CompanyId,
        filter: &CampaignFilter,
    ) -> Result<Vec<Campaign>> {
        self.list_campaigns(company, filter).await
    }

    async fn set_campaign_state(
        &self,
        company: CompanyId,
        campaign: CampaignId,
        state: CampaignState,
    ) -> Result<Campaign> {
        self.update_campaign_state(company, campaign, state).await
    }

    async fn set_agent_campaigns_state(
        &self,
        company: CompanyId,
        agent: AgentId,
        from: &[CampaignState],
        to: CampaignState,
    ) -> Result<u64> {
        self.update_agent_campaigns(company, agent, from, to).await
    }

    async fn queue_counts(&self, company: CompanyId, campaign: CampaignId) -> Result<QueueCounts> {
        self.count_queue(company, campaign).await
    }

    async fn all_queue_counts(
        &self,
        company: CompanyId,
    ) -> Result<std::collections::HashMap<CampaignId, QueueCounts>> {
        self.count_all_queues(company).await
    }

    async fn drained_campaigns(&self) -> Result<Vec<Campaign>> {
        self.drained().await
    }

    async fn enqueue(
        &self,
        company: CompanyId,
        campaign: CampaignId,
        item: &NewQueued,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<QueueEntry> {
        self.enqueue_one(company, campaign, item, now).await
    }

    async fn enqueue_many(
        &self,
        company: CompanyId,
        campaign: CampaignId,
        items: &[NewQueued],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Option<Uuid>>> {
        let items: Vec<&NewQueued> = items.iter().collect();
        in_tx!(self, "queuing dialogs", |tx| {
            queue::insert_entries(tx, company, campaign, &items, now).await
        })
    }

    async fn create_upload(
        &self,
        company: CompanyId,
        campaign: CampaignId,
        rows: &[UploadRow],
    ) -> Result<UploadTask> {
        self.stage_upload(company, campaign, rows).await
    }

    async fn unfinished_uploads(&self) -> Result<Vec<UploadTask>> {
        self.list_unfinished_uploads().await
    }

    async fn upload_rows(
        &self,
        task: &UploadTask,
        from: u64,
        limit: u64,
    ) -> Result<Vec<UploadRow>> {
        self.staged_rows(task, from, limit).await
    }

    async fn queue_upload_chunk(
        &self,
        task: &UploadTask,
        items: &[(u64, NewQueued)],
        rejected: &[UploadRowResult],
        processed: u64,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<UploadTask> {
        self.queue_chunk(task, items, rejected, processed, now)
            .await
    }

    async fn upload(&self, company: CompanyId, task: Uuid) -> Result<UploadTask> {
        self.upload_task(company, task).await
    }

    async fn upload_results(&self, company: CompanyId, task: Uuid) -> Result<Vec<UploadRowResult>> {
        self.row_results(company, task).await
    }

    async fn queue_entries(
        &self,
        company: CompanyId,
        filter: &QueueFilter,
        page: Page,
    ) -> Result<Paged<QueueEntry>> {
        self.list_queue(company, filter, page).await
    }

    async fn queue_entry(&self, company: CompanyId, dialog: DialogId) -> Result<QueueEntry> {
        self.entry_of(company, dialog).await
    }

    async fn remove_waiting(
        &self,
        company: CompanyId,
        agent: AgentId,
        dialog: Option<DialogId>,
    ) -> Result<u64> {
        self.remove_waiting_entries(company, agent, dialog).await
    }

    async fn claim_due(
        &self,
        node: &str,
        now: chrono::DateTime<chrono::Utc>,
        lease_until: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<Claim>> {
        self.claim(node, now, lease_until, limit).await
    }

    async fn renew_leases(
        &self,
        node: &str,
        lease_until: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64> {
        self.renew(node, lease_until).await
    }

    async fn expired_claims(
        &self,
        node: &str,
        now: chrono::DateTime<chrono::Utc>,
        lease_until: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<Claim>> {
        self.take_over_expired(node, now, lease_until, limit).await
    }

    async fn release_claim(&self, claim: &Claim, release: &Release) -> Result<QueueEntry> {
        self.release(claim, release).await
    }

    async fn finish_call(
        &self,
        claim: &Claim,
        call: &NewCall,
        release: &Release,
        dialog: Option<&CallTurn>,
        webhooks: &[parley_domain::webhook::NewWebhook],
    ) -> Result<Call> {
        self.record_call(claim, call, release, dialog, webhooks)
            .await
    }

    async fn call(&self, company: CompanyId, call: Ref<CallId>) -> Result<Call> {
        self.call_by_ref(company, call).await
    }

    async fn calls(
        &self,
        company: CompanyId,
        filter: &CallFilter,
        page: Page,
    ) -> Result<Paged<Call>> {
        self.list_calls(company, filter, page).await
    }

    async fn save_recording(
        &self,
        company: CompanyId,
        call: CallId,
        recording: &Recording,
    ) -> Result<()> {
        self.store_recording(company, call, recording).await
    }

    async fn recording(&self, company: CompanyId, call: CallId) -> Result<Option<Recording>> {
        self.load_recording(company, call).await
    }

    async fn add_do_not_call(&self, company: CompanyId, phones: &[PhoneNumber]) -> Result<u64> {
        self.add_dnc(company, phones).await
    }

    async fn remove_do_not_call(&self, company: CompanyId, phone: &PhoneNumber) -> Result<()> {
        self.remove_dnc(company, phone).await
    }

    async fn do_not_call(&self, company: CompanyId, page: Page) -> Result<Paged<PhoneNumber>> {
        self.list_dnc(company, page).await
    }
}
