//! `CampaignStore`: campaigns (here), their queues (`queue`), the dialer's claims (`claims`), bulk
//! uploads (`uploads`), and call records, recordings and the do-not-call list (`calls`).
//!
//! Writes that touch several rows run in one transaction through `in_tx!`: on SQLite on the one
//! write connection (so they queue with every other write, chat turns included), on PostgreSQL
//! on a pooled connection. Where the dialects differ (bulk rows arrive as one JSON parameter,
//! expanded by `json_each` on SQLite and `jsonb_to_recordset` on PostgreSQL; row locks), the
//! query text is picked with [`Tx::is_postgres`].

use async_trait::async_trait;
use parley_domain::call::{Call, CallFilter, NewCall};
use parley_domain::campaign::{
    Campaign, CampaignFilter, CampaignState, Claim, NewCampaign, NewQueued, QueueCounts,
    QueueEntry, QueueState, Release, UploadRow, UploadRowResult, UploadTask,
};
use parley_domain::dialer::PhoneNumber;
use parley_domain::ids::{AgentId, CallId, CampaignId, CompanyId, DialogId, Ref, Uuid};
use parley_domain::line::Recording;
use parley_domain::ports::{CallTurn, CampaignStore, QueueFilter};
use parley_domain::values::{Page, Paged};
use parley_domain::{Error, Result};
use sqlx::{AssertSqlSafe, PgConnection, SqliteConnection};

use crate::SqlStore;
use crate::errors;
use crate::time::Ts;

use self::rows::{CampaignRow, campaign_cols, retry_to_json, seconds};

/// A connection inside a transaction, of either backend.
pub(crate) enum Tx<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl Tx<'_> {
    /// Whether queries run on PostgreSQL (for the few whose text differs by dialect).
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, Tx::Postgres(_))
    }
}

/// Evaluates `$body` (a `Result<_, sqlx::Error>`) with `$conn` the typed connection of the
/// transaction `$tx` (a `&mut Tx`); the body is compiled once per backend, like `on_db!`'s.
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut *$tx {
            $crate::campaigns::Tx::Sqlite(c) => {
                let $conn: &mut ::sqlx::SqliteConnection = &mut **c;
                async { $body }.await
            }
            $crate::campaigns::Tx::Postgres(c) => {
                let $conn: &mut ::sqlx::PgConnection = &mut **c;
                async { $body }.await
            }
        }
    };
}

/// Runs `$body` (a `Result<_, Error>`, with `$tx` a `&mut Tx`) in a transaction: committed when
/// the body succeeds, rolled back when it fails. SQLite: on the write connection.
macro_rules! in_tx {
    ($store:expr, $context:expr, |$tx:ident| $body:expr) => {{
        let context: &'static str = $context;
        match &$store.backend {
            $crate::Backend::Sqlite(db) => {
                async {
                    let mut slot = db.write().await;
                    let conn = slot.conn().map_err($crate::errors::db(context))?;
                    let mut transaction = ::sqlx::Connection::begin(conn)
                        .await
                        .map_err($crate::errors::db(context))?;
                    let result = async {
                        let $tx = &mut $crate::campaigns::Tx::Sqlite(&mut *transaction);
                        $body
                    }
                    .await;
                    $crate::campaigns::settle(transaction, result, context).await
                }
                .await
            }
            $crate::Backend::Postgres { pool } => {
                async {
                    let mut transaction =
                        pool.begin().await.map_err($crate::errors::db(context))?;
                    let result = async {
                        let $tx = &mut $crate::campaigns::Tx::Postgres(&mut *transaction);
                        $body
                    }
                    .await;
                    $crate::campaigns::settle(transaction, result, context).await
                }
                .await
            }
        }
    }};
}

mod calls;
mod claims;
mod queue;
mod rows;
mod uploads;

/// Commits `transaction` when `result` is a success, rolls it back otherwise.
pub(crate) async fn settle<DB: sqlx::Database, T>(
    transaction: sqlx::Transaction<'_, DB>,
    result: Result<T>,
    context: &'static str,
) -> Result<T> {
    match result {
        Ok(value) => {
            transaction.commit().await.map_err(errors::db(context))?;
            Ok(value)
        }
        Err(err) => {
            if let Err(rollback) = transaction.rollback().await {
                tracing::warn!(error = %rollback, "rolling back a campaign transaction");
            }
            Err(err)
        }
    }
}

/// `$first, $first+1, …` for `count` values.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl SqlStore {
    /// `NotFound` unless `campaign` exists in `company`.
    pub(crate) async fn ensure_campaign(
        &self,
        company: CompanyId,
        campaign: CampaignId,
    ) -> Result<()> {
        let sql = "SELECT id FROM campaigns WHERE company_id = $1 AND id = $2";
        let found = on_db!(self, read, |conn| {
            sqlx::query(sql)
                .bind(company.0)
                .bind(campaign.0)
                .fetch_optional(&mut *conn)
                .await
                .map(|row| row.is_some())
        })
        .map_err(errors::db("checking a campaign"))?;
        if found {
            Ok(())
        } else {
            Err(Error::not_found("campaign", campaign))
        }
    }

    async fn insert_campaign(
        &self,
        company: CompanyId,
        campaign: &NewCampaign,
    ) -> Result<Campaign> {
        let now = Ts::from(self.now());
        let sql = concat!(
            "INSERT INTO campaigns (uuid, company_id, agent_id, name, selection, state, starts_at, ends_at, ",
            "daily_from, daily_to, retry, calls_per_second, created_at, updated_at) ",
            "SELECT $1, company_id, id, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13 FROM agents ",
            "WHERE company_id = $2 AND id = $3 RETURNING ",
            campaign_cols!()
        );
        let window = &campaign.window;
        let row: Option<CampaignRow> = on_db!(self, write, |conn| {
            sqlx::query_as(sql)
                .bind(Uuid::now_v7())
                .bind(company.0)
                .bind(campaign.agent_id.0)
                .bind(&campaign.name)
                .bind(campaign.selection)
                .bind(campaign.state.as_str())
                .bind(window.starts_at.map(Ts::from))
                .bind(window.ends_at.map(Ts::from))
                .bind(window.daily.map(|d| seconds(d.from)))
                .bind(window.daily.map(|d| seconds(d.to)))
                .bind(campaign.retry.as_ref().map(retry_to_json))
                .bind(campaign.calls_per_second.map(i64::from))
                .bind(now)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("creating a campaign"))?;
        row.ok_or_else(|| Error::not_found("agent", campaign.agent_id))?
            .into_campaign()
    }

    async fn campaign_by_ref(
        &self,
        company: CompanyId,
        campaign: Ref<CampaignId>,
    ) -> Result<Campaign> {
        let by_id = concat!(
            "SELECT ",
            campaign_cols!(),
            " FROM campaigns WHERE company_id = $1 AND id = $2"
        );
        let by_uuid = concat!(
            "SELECT ",
            campaign_cols!(),
            " FROM campaigns WHERE company_id = $1 AND uuid = $2"
        );
        let row: Option<CampaignRow> = fetch_by_ref!(self, by_id, by_uuid, company, campaign)
            .map_err(errors::db("loading a campaign"))?;
        row.ok_or_else(|| Error::not_found("campaign", campaign))?
            .into_campaign()
    }

    async fn list_campaigns(
        &self,
        company: CompanyId,
        filter: &CampaignFilter,
    ) -> Result<Vec<Campaign>> {
        let sql = concat!(
            "SELECT ",
            campaign_cols!(),
            " FROM campaigns WHERE company_id = $1 AND ($2 IS NULL OR agent_id = $2) ",
            "AND ($3 = FALSE OR selection = TRUE) AND ($4 IS NULL OR (state = 'completed') = $4) ",
            "ORDER BY id"
        );
        let rows: Vec<CampaignRow> = on_db!(self, read, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(filter.agent_id.map(|id| id.0))
                .bind(filter.selections_only)
                .bind(filter.completed)
                .fetch_all(&mut *conn)
                .await
        })
        .map_err(errors::db("listing campaigns"))?;
        rows.into_iter().map(CampaignRow::into_campaign).collect()
    }

    async fn update_campaign_state(
        &self,
        company: CompanyId,
        campaign: CampaignId,
        state: CampaignState,
    ) -> Result<Campaign> {
        let now = Ts::from(self.now());
        let sql = concat!(
            "UPDATE campaigns SET state = $3, updated_at = $4, completed_at = CASE ",
            "WHEN $3 = 'completed' THEN COALESCE(completed_at, $4) ",
            "WHEN $3 = 'running' THEN NULL ELSE completed_at END ",
            "WHERE company_id = $1 AND id = $2 RETURNING ",
            campaign_cols!()
        );
        let row: Option<CampaignRow> = on_db!(self, write, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(campaign.0)
                .bind(state.as_str())
                .bind(now)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("changing a campaign's state"))?;
        row.ok_or_else(|| Error::not_found("campaign", campaign))?
            .into_campaign()
    }

    async fn update_agent_campaigns(
        &self,
        company: CompanyId,
        agent: AgentId,
        from: &[CampaignState],
        to: CampaignState,
    ) -> Result<u64> {
        if from.is_empty() {
            return Ok(0);
        }
        let now = Ts::from(self.now());
        let sql = format!(
            "UPDATE campaigns SET state = $3, updated_at = $4, completed_at = CASE \
             WHEN $3 = 'completed' THEN COALESCE(completed_at, $4) \
             WHEN $3 = 'running' THEN NULL ELSE completed_at END \
             WHERE company_id = $1 AND agent_id = $2 AND state IN ({})",
            placeholders(5, from.len())
        );
        on_db!(self, write, |conn| {
            let mut query = sqlx::query(AssertSqlSafe(sql))
                .bind(company.0)
                .bind(agent.0)
                .bind(to.as_str())
                .bind(now);
            for state in from {
                query = query.bind(state.as_str());
            }
            query
                .execute(&mut *conn)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(errors::db("changing an agent's campaigns"))
    }

    async fn count_queue(&self, company: CompanyId, campaign: CampaignId) -> Result<QueueCounts> {
        let sql = "SELECT state, COUNT(*) FROM campaign_queue WHERE company_id = $1 \
                   AND campaign_id = $2 GROUP BY state";
        let rows: Vec<(String, i64)> = on_db!(self, read, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(campaign.0)
                .fetch_all(&mut *conn)
                .await
        })
        .map_err(errors::db("counting a campaign's queue"))?;
        if rows.is_empty() {
            self.ensure_campaign(company, campaign).await?;
        }
        let mut counts = QueueCounts::default();
        for (state, count) in rows {
            let count = u64::try_from(count).unwrap_or_default();
            match QueueState::parse(&state)
                .map_err(|e| errors::corrupt("counting a campaign's queue", e))?
            {
                QueueState::Waiting => counts.waiting = count,
                QueueState::Dialing => counts.dialing = count,
                QueueState::Done => counts.done = count,
                QueueState::Removed => counts.removed = count,
            }
        }
        Ok(counts)
    }

    async fn drained(&self) -> Result<Vec<Campaign>> {
        let sql = concat!(
            "SELECT ",
            campaign_cols!(),
            " FROM campaigns c WHERE state = 'running' ",
            "AND EXISTS (SELECT 1 FROM campaign_queue q WHERE q.campaign_id = c.id) ",
            "AND NOT EXISTS (SELECT 1 FROM campaign_queue q WHERE q.campaign_id = c.id ",
            "AND q.state IN ('waiting', 'dialing')) ",
            "AND NOT EXISTS (SELECT 1 FROM upload_tasks u WHERE u.campaign_id = c.id ",
            "AND u.finished_at IS NULL) ORDER BY id"
        );
        let rows: Vec<CampaignRow> = on_db!(self, read, |conn| {
            sqlx::query_as(sql).fetch_all(&mut *conn).await
        })
        .map_err(errors::db("listing drained campaigns"))?;
        rows.into_iter().map(CampaignRow::into_campaign).collect()
    }
}

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
    ) -> Result<Call> {
        self.record_call(claim, call, release, dialog).await
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
