//! `WebhookStore`: campaign hooks, contacts' callback data and the webhook outbox with its
//! attempts (migration 0006). Everything here is written inside the transaction of what it
//! belongs to: a campaign's hooks with the campaign (`insert_hooks`, from `campaigns::state`),
//! a contact's callback data with its queue entry (`insert_callbacks`, from `campaigns::queue`),
//! and a call's events with the call (`insert_webhooks`, from `campaigns::claims`).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parley_domain::Result;
use parley_domain::campaign::Campaign;
use parley_domain::ids::{CampaignId, CompanyId, DialogId, Uuid};
use parley_domain::ports::WebhookStore;
use parley_domain::values::{Page, Paged};
use parley_domain::webhook::{
    AfterAttempt, CampaignHooks, Delivery, DeliveryAttempt, DeliveryFilter, DeliveryState,
    NewWebhook, WebhookTarget,
};
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, Connection};

use crate::SqlStore;
use crate::campaigns::Tx;
use crate::errors::{self, corrupt, to_i64};
use crate::time::Ts;

const COLS: &str = "id, company_id, campaign_id, event, url, payload, state, next_at, created_at, \
                    delivered_at";

const INSERT: &str = "INSERT INTO webhook_outbox (company_id, campaign_id, event, url, payload, \
                      state, attempts, next_at, created_at) \
                      VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7)";

/// The PostgreSQL advisory lock (transaction-scoped) under which `due_webhooks` takes rows, so
/// that takes by several nodes on one database never overlap; it shows in `pg_locks` with this
/// key ("parleyWH" in ASCII).
pub const WEBHOOK_TAKE_LOCK: i64 = 0x7061_726c_6579_5748;

#[derive(Debug, sqlx::FromRow)]
struct OutboxRow {
    id: i64,
    company_id: i64,
    campaign_id: Option<i64>,
    event: String,
    url: String,
    payload: String,
    state: String,
    next_at: Ts,
    created_at: Ts,
    delivered_at: Option<Ts>,
}

#[derive(Debug, sqlx::FromRow)]
struct AttemptRow {
    delivery_id: i64,
    at: Ts,
    status: Option<i64>,
    error: Option<String>,
}

#[derive(Debug, sqlx::FromRow)]
struct HooksRow {
    webhooks: String,
    seconds_per_call: Option<i64>,
}

/// Inserts outbox rows on a transaction's connection (a call's events, with the call).
pub(crate) async fn insert_webhooks(tx: &mut Tx<'_>, rows: &[NewWebhook], now: Ts) -> Result<()> {
    macro_rules! insert_all {
        ($conn:expr) => {{
            let conn = $conn;
            for row in rows {
                sqlx::query(INSERT)
                    .bind(row.company_id.0)
                    .bind(row.campaign_id.map(|c| c.0))
                    .bind(&row.event)
                    .bind(&row.url)
                    .bind(&row.payload)
                    .bind(Ts::from(row.next_at))
                    .bind(now)
                    .execute(&mut *conn)
                    .await
                    .map_err(errors::db("writing webhook events"))?;
            }
        }};
    }
    match tx {
        Tx::Sqlite(conn) => insert_all!(&mut **conn),
        Tx::Postgres(conn) => insert_all!(&mut **conn),
    }
    Ok(())
}

/// Stores the hooks of `campaign`, just created on the transaction's connection.
pub(crate) async fn insert_hooks(
    tx: &mut Tx<'_>,
    campaign: &Campaign,
    hooks: &CampaignHooks,
) -> Result<()> {
    let sql = "INSERT INTO campaign_hooks (campaign_id, company_id, webhooks, seconds_per_call) \
               VALUES ($1, $2, $3, $4)";
    let webhooks = encode_hooks(hooks);
    macro_rules! insert {
        ($conn:expr) => {
            sqlx::query(sql)
                .bind(campaign.id.0)
                .bind(campaign.company_id.0)
                .bind(&webhooks)
                .bind(hooks.seconds_per_call.map(i64::from))
                .execute($conn)
                .await
                .map(|_| ())
        };
    }
    match tx {
        Tx::Sqlite(conn) => insert!(&mut **conn),
        Tx::Postgres(conn) => insert!(&mut **conn),
    }
    .map_err(errors::db("saving a campaign's webhooks"))
}

/// Stores the callback data of dialogs just queued on the transaction's connection: pairs of
/// the dialog's UUID and its data (JSON text as received).
pub(crate) async fn insert_callbacks(
    tx: &mut Tx<'_>,
    company: CompanyId,
    callbacks: &[(Uuid, &str)],
) -> Result<()> {
    let sql = "INSERT INTO contact_callbacks (dialog_id, company_id, callback_data) \
               SELECT id, company_id, $3 FROM dialogs WHERE company_id = $1 AND uuid = $2";
    macro_rules! insert_all {
        ($conn:expr) => {{
            let conn = $conn;
            for (dialog, data) in callbacks {
                sqlx::query(sql)
                    .bind(company.0)
                    .bind(*dialog)
                    .bind(*data)
                    .execute(&mut *conn)
                    .await
                    .map_err(errors::db("saving a contact's callback data"))?;
            }
        }};
    }
    match tx {
        Tx::Sqlite(conn) => insert_all!(&mut **conn),
        Tx::Postgres(conn) => insert_all!(&mut **conn),
    }
    Ok(())
}

fn encode_hooks(hooks: &CampaignHooks) -> String {
    Value::Array(
        hooks
            .webhooks
            .iter()
            .map(|t| json!({ "url": t.url, "events": t.events, "delay": t.delay_seconds }))
            .collect(),
    )
    .to_string()
}

fn decode_hooks(row: HooksRow) -> Result<CampaignHooks> {
    let context = "reading a campaign's webhooks";
    let items: Vec<Value> = serde_json::from_str(&row.webhooks).map_err(|e| corrupt(context, e))?;
    let mut webhooks = Vec::with_capacity(items.len());
    for item in items {
        let url = item["url"].as_str().unwrap_or_default().to_owned();
        let events = match &item["events"] {
            Value::Array(names) => Some(
                names
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_owned))
                    .collect(),
            ),
            _ => None,
        };
        // Absent in hooks stored before delays were kept: no delay.
        let delay_seconds = item["delay"]
            .as_u64()
            .map_or(Ok(0), u32::try_from)
            .map_err(|e| corrupt(context, e))?;
        webhooks.push(WebhookTarget {
            url,
            events,
            delay_seconds,
        });
    }
    let seconds_per_call = row
        .seconds_per_call
        .map(|s| errors::to_u32(s, context))
        .transpose()?;
    Ok(CampaignHooks {
        webhooks,
        seconds_per_call,
    })
}

impl OutboxRow {
    fn into_delivery(self, attempts: Vec<DeliveryAttempt>) -> Result<Delivery> {
        Ok(Delivery {
            id: self.id,
            company_id: CompanyId(self.company_id),
            campaign_id: self.campaign_id.map(CampaignId),
            event: self.event,
            url: self.url,
            payload: self.payload,
            state: DeliveryState::parse(&self.state)
                .map_err(|e| corrupt("reading a webhook delivery", e))?,
            attempts,
            next_at: self.next_at.into(),
            created_at: self.created_at.into(),
            delivered_at: self.delivered_at.map(Into::into),
        })
    }
}

impl SqlStore {
    /// The attempts of `rows`, attached in order.
    async fn with_attempts(&self, rows: Vec<OutboxRow>) -> Result<Vec<Delivery>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let sql = format!(
            "SELECT delivery_id, at, status, error FROM webhook_attempts \
             WHERE delivery_id IN ({}) ORDER BY delivery_id, attempt",
            (1..=ids.len())
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let found: Vec<AttemptRow> = on_db!(self, read, |conn| {
            let mut query = sqlx::query_as(AssertSqlSafe(sql.clone()));
            for id in &ids {
                query = query.bind(*id);
            }
            query.fetch_all(&mut *conn).await
        })
        .map_err(errors::db("loading webhook attempts"))?;
        let mut by_id: HashMap<i64, Vec<DeliveryAttempt>> = HashMap::new();
        for a in found {
            by_id
                .entry(a.delivery_id)
                .or_default()
                .push(DeliveryAttempt {
                    at: a.at.into(),
                    status: a.status.and_then(|s| u16::try_from(s).ok()),
                    error: a.error,
                });
        }
        rows.into_iter()
            .map(|r| {
                let attempts = by_id.remove(&r.id).unwrap_or_default();
                r.into_delivery(attempts)
            })
            .collect()
    }
}

#[async_trait]
impl WebhookStore for SqlStore {
    async fn campaign_hooks(
        &self,
        company: CompanyId,
        campaign: CampaignId,
    ) -> Result<CampaignHooks> {
        let sql = "SELECT webhooks, seconds_per_call FROM campaign_hooks \
                   WHERE company_id = $1 AND campaign_id = $2";
        let row: Option<HooksRow> = on_db!(self, read, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(campaign.0)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("loading a campaign's webhooks"))?;
        row.map_or_else(|| Ok(CampaignHooks::default()), decode_hooks)
    }

    async fn callback_data(&self, company: CompanyId, dialog: DialogId) -> Result<Option<String>> {
        let sql = "SELECT callback_data FROM contact_callbacks \
                   WHERE company_id = $1 AND dialog_id = $2";
        on_db!(self, read, |conn| {
            sqlx::query_scalar(sql)
                .bind(company.0)
                .bind(dialog.0)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("loading a contact's callback data"))
    }

    async fn add_webhooks(&self, webhooks: &[NewWebhook]) -> Result<()> {
        let now = Ts::from(self.now());
        on_db!(self, write, |conn| async {
            let mut tx = conn.begin().await?;
            for row in webhooks {
                sqlx::query(INSERT)
                    .bind(row.company_id.0)
                    .bind(row.campaign_id.map(|c| c.0))
                    .bind(&row.event)
                    .bind(&row.url)
                    .bind(&row.payload)
                    .bind(Ts::from(row.next_at))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        }
        .await)
        .map_err(errors::db("writing webhook events"))
    }

    async fn due_webhooks(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Delivery>> {
        let postgres = matches!(self.backend, crate::Backend::Postgres { .. });
        let lock = if postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        // A row waits while an older row of its URL is pending for later (failed and backing
        // off, or leased to a round still posting it): one URL's events go out in order
        // (migration 0009's index answers the check).
        let sql = format!(
            "UPDATE webhook_outbox SET next_at = $2 WHERE id IN (SELECT o.id FROM webhook_outbox o \
             WHERE o.state = 'pending' AND o.next_at <= $1 \
             AND NOT EXISTS (SELECT 1 FROM webhook_outbox e WHERE e.url = o.url \
             AND e.state = 'pending' AND e.id < o.id AND e.next_at > $1) \
             ORDER BY o.next_at, o.id LIMIT $3{lock}) RETURNING {COLS}"
        );
        let mut rows: Vec<OutboxRow> = on_db!(self, write, |conn| async {
            let mut tx = conn.begin().await?;
            if postgres {
                // Takes by several nodes go one at a time. Otherwise a node taking while another
                // has leased a URL's oldest row but not yet committed would skip that locked
                // row, still see it due, and take the URL's next row: two rows of one URL out
                // at once, possibly delivered out of order. Waiting here, the take's snapshot is
                // taken after the other node's commit, so it sees the lease. (SQLite has one
                // writer, so its takes never overlap.)
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(WEBHOOK_TAKE_LOCK)
                    .execute(&mut *tx)
                    .await?;
            }
            let rows = sqlx::query_as(AssertSqlSafe(sql.clone()))
                .bind(Ts::from(now))
                .bind(Ts::from(lease_until))
                .bind(to_i64(limit as u64))
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(rows)
        }
        .await)
        .map_err(errors::db("taking due webhook deliveries"))?;
        rows.sort_by_key(|r| r.id);
        self.with_attempts(rows).await
    }

    async fn record_webhook_attempt(
        &self,
        id: i64,
        attempt: &DeliveryAttempt,
        after: AfterAttempt,
    ) -> Result<()> {
        let insert = "INSERT INTO webhook_attempts (delivery_id, attempt, at, status, error) \
                      SELECT id, attempts + 1, $2, $3, $4 FROM webhook_outbox WHERE id = $1";
        let update = "UPDATE webhook_outbox SET attempts = attempts + 1, state = $2, \
                      next_at = COALESCE($3, next_at), delivered_at = $4, last_error = $5 \
                      WHERE id = $1";
        let (state, next_at, delivered_at) = match after {
            AfterAttempt::Delivered => (DeliveryState::Delivered, None, Some(attempt.at)),
            AfterAttempt::RetryAt(at) => (DeliveryState::Pending, Some(at), None),
            AfterAttempt::GiveUp => (DeliveryState::Failed, None, None),
        };
        let at = Ts::from(attempt.at);
        on_db!(self, write, |conn| async {
            let mut tx = conn.begin().await?;
            sqlx::query(insert)
                .bind(id)
                .bind(at)
                .bind(attempt.status.map(i64::from))
                .bind(&attempt.error)
                .execute(&mut *tx)
                .await?;
            sqlx::query(update)
                .bind(id)
                .bind(state.as_str())
                .bind(next_at.map(Ts::from))
                .bind(delivered_at.map(Ts::from))
                .bind(&attempt.error)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        }
        .await)
        .map_err(errors::db("recording a webhook attempt"))
    }

    async fn release_webhooks(&self, ids: &[i64], at: DateTime<Utc>) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "UPDATE webhook_outbox SET next_at = $1 WHERE state = 'pending' AND id IN ({})",
            (2..ids.len() + 2)
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        on_db!(self, write, |conn| {
            let mut query = sqlx::query(AssertSqlSafe(sql.clone())).bind(Ts::from(at));
            for id in ids {
                query = query.bind(*id);
            }
            query.execute(&mut *conn).await.map(|_| ())
        })
        .map_err(errors::db("handing webhook deliveries back"))?;
        Ok(())
    }

    async fn next_webhook_at(&self) -> Result<Option<DateTime<Utc>>> {
        // Only the oldest pending row of each URL can be taken next (the others wait for it),
        // so the later rows of a URL whose oldest is backing off do not count as due.
        let sql = "SELECT o.next_at FROM webhook_outbox o WHERE o.state = 'pending' \
                   AND NOT EXISTS (SELECT 1 FROM webhook_outbox e WHERE e.url = o.url \
                   AND e.state = 'pending' AND e.id < o.id) ORDER BY o.next_at LIMIT 1";
        let at: Option<Ts> = on_db!(self, read, |conn| {
            sqlx::query_scalar(sql).fetch_optional(&mut *conn).await
        })
        .map_err(errors::db("looking for the next webhook delivery"))?;
        Ok(at.map(Into::into))
    }

    async fn webhook_deliveries(
        &self,
        company: CompanyId,
        filter: &DeliveryFilter,
        page: Page,
    ) -> Result<Paged<Delivery>> {
        let conditions = "company_id = $1 AND ($2 IS NULL OR campaign_id = $2) \
                          AND ($3 IS NULL OR state = $3) AND ($4 IS NULL OR event = $4)";
        let count = format!("SELECT COUNT(*) FROM webhook_outbox WHERE {conditions}");
        let list = format!(
            "SELECT {COLS} FROM webhook_outbox WHERE {conditions} ORDER BY id DESC \
             LIMIT $5 OFFSET $6"
        );
        let campaign = filter.campaign_id.map(|c| c.0);
        let state = filter.state.map(DeliveryState::as_str);
        let event = filter.event.as_deref();
        let (total, rows): (i64, Vec<OutboxRow>) = on_db!(self, read, |conn| async {
            let total = sqlx::query_scalar(AssertSqlSafe(count.clone()))
                .bind(company.0)
                .bind(campaign)
                .bind(state)
                .bind(event)
                .fetch_one(&mut *conn)
                .await?;
            let rows = sqlx::query_as(AssertSqlSafe(list.clone()))
                .bind(company.0)
                .bind(campaign)
                .bind(state)
                .bind(event)
                .bind(to_i64(page.limit))
                .bind(to_i64(page.offset))
                .fetch_all(&mut *conn)
                .await?;
            Ok::<_, sqlx::Error>((total, rows))
        }
        .await)
        .map_err(errors::db("listing webhook deliveries"))?;
        Ok(Paged {
            items: self.with_attempts(rows).await?,
            total: u64::try_from(total).unwrap_or_default(),
        })
    }
}
