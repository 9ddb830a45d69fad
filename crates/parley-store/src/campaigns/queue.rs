//! Queuing dialogs (one, or a chunk of an upload, with the same multi-row inserts), listing the
//! queue and taking waiting entries out of it.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use parley_domain::campaign::{NewQueued, QueueEntry};
use parley_domain::dialog::DialogStatus;
use parley_domain::ids::{AgentId, CampaignId, CompanyId, DialogId, Uuid};
use parley_domain::ports::QueueFilter;
use parley_domain::values::{Channel, Page, Paged};
use parley_domain::{Error, Result};
use parley_scenario::DialogState;
use serde::Serialize;
use sqlx::AssertSqlSafe;

use super::Tx;
use super::rows::{QueueRow, queue_cols};
use crate::SqlStore;
use crate::errors::{self, to_i64};
use crate::time::Ts;
use crate::webhooks::insert_callbacks;

/// The dialog and queue rows of one chunk, `$1 … $9` (see [`ITEM`]). SQLite: two statements on
/// one JSON array; dialogs are matched back by their UUID.
const SQLITE_INSERT: &str = concat!(
    "INSERT INTO dialogs (uuid, company_id, agent_id, scenario_version, channel, status, entry, inputs, ",
    "state, source, version, created_at, updated_at) ",
    "SELECT unhex(j.value ->> 'uuid'), $1, $2, $3, $7, $8, j.value ->> 'entry', j.value ->> 'inputs', ",
    "$4, 'api', 0, $5, $5 FROM json_each($6) AS j ORDER BY j.key; ",
    "INSERT INTO campaign_queue (dialog_id, dialog_uuid, company_id, campaign_id, agent_id, phone, state, ",
    "attempts, history, next_at, external_id, zone, created_at, updated_at) ",
    "SELECT d.id, d.uuid, $1, $9, $2, j.value ->> 'phone', 'waiting', 0, '[]', j.value ->> 'next', ",
    "j.value ->> 'ext', j.value ->> 'zone', $5, $5 FROM json_each($6) AS j CROSS JOIN dialogs d ",
    "WHERE d.company_id = $1 AND d.uuid = unhex(j.value ->> 'uuid') ORDER BY j.key;"
);

/// The same on PostgreSQL, in one statement.
const POSTGRES_INSERT: &str = concat!(
    "WITH j AS (SELECT * FROM jsonb_to_recordset($6::jsonb) ",
    "AS j (uuid UUID, entry TEXT, inputs TEXT, phone TEXT, ext TEXT, zone TEXT, next BIGINT)), ",
    "d AS (INSERT INTO dialogs (uuid, company_id, agent_id, scenario_version, channel, status, entry, ",
    "inputs, state, source, version, created_at, updated_at) ",
    "SELECT j.uuid, $1, $2, $3, $7, $8, j.entry, j.inputs, $4, 'api', 0, $5, $5 FROM j RETURNING id, uuid) ",
    "INSERT INTO campaign_queue (dialog_id, dialog_uuid, company_id, campaign_id, agent_id, phone, state, ",
    "attempts, history, next_at, external_id, zone, created_at, updated_at) ",
    "SELECT d.id, d.uuid, $1, $9, $2, j.phone, 'waiting', 0, '[]', ",
    "TIMESTAMPTZ 'epoch' + j.next * INTERVAL '1 millisecond', j.ext, j.zone, $5, $5 ",
    "FROM d JOIN j ON j.uuid = d.uuid"
);

/// One item of the chunk's JSON array.
#[derive(Serialize)]
struct ItemJson<'a> {
    /// The dialog's UUID as 32 hex digits.
    uuid: String,
    entry: &'a str,
    /// The dialog's inputs as JSON text.
    inputs: String,
    phone: &'a str,
    ext: Option<&'a str>,
    /// The callee's zone (IANA name), when the contact came with one.
    zone: Option<&'static str>,
    /// `next_at` in unix milliseconds.
    next: i64,
}

/// What became of a chunk's items: the dialog UUID of each queued one, `None` for those
/// skipped because their `external_id` is already queued in the campaign (or earlier in the
/// chunk).
pub(crate) type Inserted = Vec<Option<Uuid>>;

/// Creates a dialog and a waiting queue entry for each item (skipping duplicate external ids),
/// with its callback data when it has some, and reopens the campaign if it was completed.
/// `NotFound` when the campaign is not the company's.
pub(crate) async fn insert_entries(
    tx: &mut Tx<'_>,
    company: CompanyId,
    campaign: CampaignId,
    items: &[&NewQueued],
    now: DateTime<Utc>,
) -> Result<Inserted> {
    const CONTEXT: &str = "queuing dialogs";
    let target = "SELECT c.agent_id, a.scenario_version FROM campaigns c JOIN agents a \
                  ON a.company_id = c.company_id AND a.id = c.agent_id \
                  WHERE c.company_id = $1 AND c.id = $2";
    let found: Option<(i64, i64)> = on_tx!(tx, |conn| {
        sqlx::query_as(target)
            .bind(company.0)
            .bind(campaign.0)
            .fetch_optional(&mut *conn)
            .await
    })
    .map_err(errors::db(CONTEXT))?;
    let (agent, version) = found.ok_or_else(|| Error::not_found("campaign", campaign))?;

    let mut taken = existing_external_ids(tx, campaign, items).await?;
    let mut inserted = Vec::with_capacity(items.len());
    let mut json = Vec::with_capacity(items.len());
    let mut callbacks = Vec::new();
    for item in items {
        if let Some(ext) = &item.external_id
            && !taken.insert(ext.clone())
        {
            inserted.push(None);
            continue;
        }
        let uuid = Uuid::now_v7();
        inserted.push(Some(uuid));
        if let Some(data) = &item.callback_data {
            callbacks.push((uuid, data.as_str()));
        }
        json.push(ItemJson {
            uuid: uuid.simple().to_string(),
            entry: &item.entry,
            inputs: serde_json::to_string(&item.variables)
                .map_err(|e| Error::internal("encoding dialog inputs", e))?,
            phone: item.phone.digits(),
            ext: item.external_id.as_deref(),
            zone: item.zone.map(|zone| zone.name()),
            next: Ts::from(item.not_before.unwrap_or(now))
                .0
                .timestamp_millis(),
        });
    }
    if json.is_empty() {
        return Ok(inserted);
    }
    let json =
        serde_json::to_string(&json).map_err(|e| Error::internal("encoding queued dialogs", e))?;
    let state = serde_json::to_string(&DialogState::new())
        .map_err(|e| Error::internal("encoding a dialog state", e))?;
    let sql = if tx.is_postgres() {
        POSTGRES_INSERT
    } else {
        SQLITE_INSERT
    };
    let at = Ts::from(now);
    on_tx!(tx, |conn| {
        sqlx::query(sql)
            .bind(company.0)
            .bind(agent)
            .bind(version)
            .bind(&state)
            .bind(at)
            .bind(&json)
            .bind(Channel::Voice.as_str())
            .bind(DialogStatus::Active.as_str())
            .bind(campaign.0)
            .execute(&mut *conn)
            .await
            .map(|done| done.rows_affected())
    })
    .map_err(errors::unique(CONTEXT, || {
        "a clientExternalId of these contacts is already queued in the campaign".to_owned()
    }))?;
    insert_callbacks(tx, company, &callbacks).await?;
    let reopen = "UPDATE campaigns SET state = 'running', completed_at = NULL, updated_at = $2 \
                  WHERE id = $1 AND state = 'completed'";
    on_tx!(tx, |conn| {
        sqlx::query(reopen)
            .bind(campaign.0)
            .bind(at)
            .execute(&mut *conn)
            .await
            .map(|done| done.rows_affected())
    })
    .map_err(errors::db(CONTEXT))?;
    Ok(inserted)
}

/// The items' external ids already queued in the campaign.
async fn existing_external_ids(
    tx: &mut Tx<'_>,
    campaign: CampaignId,
    items: &[&NewQueued],
) -> Result<HashSet<String>> {
    let ids: Vec<&str> = items
        .iter()
        .filter_map(|item| item.external_id.as_deref())
        .collect();
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let json =
        serde_json::to_string(&ids).map_err(|e| Error::internal("encoding external ids", e))?;
    let sql = if tx.is_postgres() {
        "SELECT external_id FROM campaign_queue WHERE campaign_id = $1 \
         AND external_id IN (SELECT jsonb_array_elements_text($2::jsonb))"
    } else {
        "SELECT q.external_id FROM json_each($2) AS j CROSS JOIN campaign_queue q \
         WHERE q.campaign_id = $1 AND q.external_id = j.value"
    };
    let found: Vec<String> = on_tx!(tx, |conn| {
        sqlx::query_scalar(sql)
            .bind(campaign.0)
            .bind(&json)
            .fetch_all(&mut *conn)
            .await
    })
    .map_err(errors::db("checking external ids"))?;
    Ok(found.into_iter().collect())
}

/// `WHERE …` for a queue filter, with `$n` placeholders numbered from 1, and the values to bind
/// (integers, then state names).
fn filter_sql(company: CompanyId, filter: &QueueFilter) -> (String, Vec<i64>, Vec<&'static str>) {
    let mut ints = vec![company.0];
    let mut sql = String::from(" WHERE company_id = $1");
    if let Some(agent) = filter.agent_id {
        ints.push(agent.0);
        sql.push_str(&format!(" AND agent_id = ${}", ints.len()));
    }
    if let Some(campaign) = filter.campaign_id {
        ints.push(campaign.0);
        sql.push_str(&format!(" AND campaign_id = ${}", ints.len()));
    }
    let states: Vec<&'static str> = filter.states.iter().map(|s| s.as_str()).collect();
    if !states.is_empty() {
        sql.push_str(&format!(
            " AND state IN ({})",
            super::tx::placeholders(ints.len() + 1, states.len())
        ));
    }
    (sql, ints, states)
}

impl SqlStore {
    pub(crate) async fn enqueue_one(
        &self,
        company: CompanyId,
        campaign: CampaignId,
        item: &NewQueued,
        now: DateTime<Utc>,
    ) -> Result<QueueEntry> {
        let inserted = in_tx!(self, "queuing a dialog", |tx| {
            insert_entries(tx, company, campaign, &[item], now).await
        })?;
        match inserted.first() {
            Some(Some(uuid)) => self.entry_by_dialog_uuid(company, *uuid).await,
            _ => Err(Error::conflict(format!(
                "clientExternalId `{}` is already queued in campaign {campaign}",
                item.external_id.as_deref().unwrap_or_default()
            ))),
        }
    }

    async fn entry_by_dialog_uuid(&self, company: CompanyId, uuid: Uuid) -> Result<QueueEntry> {
        let sql = concat!(
            "SELECT ",
            queue_cols!(),
            " FROM campaign_queue WHERE company_id = $1 AND dialog_id = ",
            "(SELECT id FROM dialogs WHERE company_id = $1 AND uuid = $2)"
        );
        let row: Option<QueueRow> = on_db!(self, write, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(uuid)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("loading a queue entry"))?;
        row.ok_or_else(|| Error::not_found("queue entry of dialog", uuid))?
            .to_entry()
    }

    pub(crate) async fn entry_of(
        &self,
        company: CompanyId,
        dialog: DialogId,
    ) -> Result<QueueEntry> {
        let sql = concat!(
            "SELECT ",
            queue_cols!(),
            " FROM campaign_queue WHERE company_id = $1 AND dialog_id = $2"
        );
        let row: Option<QueueRow> = on_db!(self, read, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(dialog.0)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("loading a queue entry"))?;
        row.ok_or_else(|| Error::not_found("queue entry of dialog", dialog))?
            .to_entry()
    }

    pub(crate) async fn list_queue(
        &self,
        company: CompanyId,
        filter: &QueueFilter,
        page: Page,
    ) -> Result<Paged<QueueEntry>> {
        let (condition, ints, states) = filter_sql(company, filter);
        let first = ints.len() + states.len() + 1;
        let page_sql = format!(
            "SELECT {} FROM campaign_queue{condition} ORDER BY dialog_id LIMIT ${first} OFFSET ${}",
            queue_cols!(),
            first + 1
        );
        let count_sql = format!("SELECT COUNT(*) FROM campaign_queue{condition}");
        let rows: Vec<QueueRow> = on_db!(self, read, |conn| {
            let mut query = sqlx::query_as(AssertSqlSafe(page_sql));
            for v in &ints {
                query = query.bind(*v);
            }
            for s in &states {
                query = query.bind(*s);
            }
            query
                .bind(to_i64(page.limit))
                .bind(to_i64(page.offset))
                .fetch_all(&mut *conn)
                .await
        })
        .map_err(errors::db("listing queue entries"))?;
        let len = rows.len() as u64;
        let total = if len < page.limit && (len > 0 || page.offset == 0) {
            page.offset + len
        } else {
            let count: i64 = on_db!(self, read, |conn| {
                let mut query = sqlx::query_scalar(AssertSqlSafe(count_sql));
                for v in &ints {
                    query = query.bind(*v);
                }
                for s in &states {
                    query = query.bind(*s);
                }
                query.fetch_one(&mut *conn).await
            })
            .map_err(errors::db("counting queue entries"))?;
            u64::try_from(count).unwrap_or_default()
        };
        let items = rows.iter().map(QueueRow::to_entry).collect::<Result<_>>()?;
        Ok(Paged { items, total })
    }

    pub(crate) async fn remove_waiting_entries(
        &self,
        company: CompanyId,
        agent: AgentId,
        dialog: Option<DialogId>,
    ) -> Result<u64> {
        if let Some(dialog) = dialog {
            self.ensure_dialog(company, dialog).await?;
        }
        let now = Ts::from(self.now());
        let sql = "UPDATE campaign_queue SET state = 'removed', updated_at = $3 \
                   WHERE company_id = $1 AND agent_id = $2 AND state = 'waiting' \
                   AND ($4 IS NULL OR dialog_id = $4)";
        on_db!(self, write, |conn| {
            sqlx::query(sql)
                .bind(company.0)
                .bind(agent.0)
                .bind(now)
                .bind(dialog.map(|d| d.0))
                .execute(&mut *conn)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(errors::db("removing waiting dialogs"))
    }
}
