//! Campaigns themselves: creating, finding and listing them, their state, their queue's counts
//! and the running campaigns with nothing left to dial.

use std::collections::HashMap;

use parley_domain::campaign::{
    Campaign, CampaignFilter, CampaignState, NewCampaign, QueueCounts, QueueState,
};
use parley_domain::ids::{AgentId, CampaignId, CompanyId, Ref, Uuid};
use parley_domain::{Error, Result};
use sqlx::AssertSqlSafe;

use super::rows::{CampaignRow, campaign_cols, retry_to_json, seconds};
use super::tx::placeholders;
use crate::SqlStore;
use crate::errors;
use crate::time::Ts;
use crate::webhooks::insert_hooks;
use parley_domain::webhook::CampaignHooks;

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

    pub(crate) async fn insert_campaign(
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
        const CONTEXT: &str = "creating a campaign";
        // The campaign and its hooks in one transaction: a crash between them would leave a
        // task that reports to nobody.
        in_tx!(self, CONTEXT, |tx| {
            let row: Option<CampaignRow> = on_tx!(tx, |conn| {
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
            .map_err(errors::db(CONTEXT))?;
            let created = row
                .ok_or_else(|| Error::not_found("agent", campaign.agent_id))?
                .into_campaign()?;
            if campaign.hooks != CampaignHooks::default() {
                insert_hooks(tx, &created, &campaign.hooks).await?;
            }
            Ok(created)
        })
    }

    pub(crate) async fn campaign_by_ref(
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

    pub(crate) async fn list_campaigns(
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

    pub(crate) async fn update_campaign_state(
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

    pub(crate) async fn update_agent_campaigns(
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

    pub(crate) async fn count_queue(
        &self,
        company: CompanyId,
        campaign: CampaignId,
    ) -> Result<QueueCounts> {
        let sql = "SELECT campaign_id, state, COUNT(*) FROM campaign_queue WHERE company_id = $1 \
                   AND campaign_id = $2 GROUP BY campaign_id, state";
        let rows: Vec<(i64, String, i64)> = on_db!(self, read, |conn| {
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
        let mut counts = tally(rows)?;
        Ok(counts.remove(&campaign).unwrap_or_default())
    }

    pub(crate) async fn count_all_queues(
        &self,
        company: CompanyId,
    ) -> Result<HashMap<CampaignId, QueueCounts>> {
        let sql = "SELECT campaign_id, state, COUNT(*) FROM campaign_queue WHERE company_id = $1 \
                   GROUP BY campaign_id, state";
        let rows: Vec<(i64, String, i64)> = on_db!(self, read, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .fetch_all(&mut *conn)
                .await
        })
        .map_err(errors::db("counting the campaigns' queues"))?;
        tally(rows)
    }

    pub(crate) async fn drained(&self) -> Result<Vec<Campaign>> {
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

/// Sums `(campaign, state, count)` rows into each campaign's counts.
fn tally(rows: Vec<(i64, String, i64)>) -> Result<HashMap<CampaignId, QueueCounts>> {
    let mut all: HashMap<CampaignId, QueueCounts> = HashMap::new();
    for (campaign, state, count) in rows {
        let counts = all.entry(CampaignId(campaign)).or_default();
        let count = u64::try_from(count).unwrap_or_default();
        match QueueState::parse(&state).map_err(|e| errors::corrupt("counting a queue", e))? {
            QueueState::Waiting => counts.waiting = count,
            QueueState::Dialing => counts.dialing = count,
            QueueState::Done => counts.done = count,
            QueueState::Removed => counts.removed = count,
        }
    }
    Ok(all)
}
