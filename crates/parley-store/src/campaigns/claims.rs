//! The dialer's claims: taking due entries (per agent, never past its channel limit), leases,
//! taking over expired ones, and ending a claim with or without its call.
//!
//! A claim runs in one transaction. SQLite has one writer, so nothing else runs meanwhile.
//! PostgreSQL: the claim first locks the rows of the agents it may dial for (`FOR NO KEY UPDATE`,
//! in id order, which does not block inserts referencing them), so two nodes count an agent's
//! calls under way one after the other and never exceed its limit together; the due entries are
//! then taken `FOR UPDATE SKIP LOCKED`.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use parley_domain::call::{Call, NewCall};
use parley_domain::campaign::{Claim, QueueEntry, Release};
use parley_domain::dialer::Attempt;
use parley_domain::ids::DialogId;
use parley_domain::ports::CallTurn;
use parley_domain::{Error, Result};
use serde::Serialize;
use sqlx::FromRow;

use super::Tx;
use super::rows::{
    CallRow, ClaimedRow, QueueRow, attempt_to_json, call_cols, queue_cols, transcript_to_json,
};
use crate::errors::{self, to_i64};
use crate::time::Ts;
use crate::turns::{TurnParams, save_on_postgres, turn_params};
use crate::{Backend, SqlStore, sqlite};

/// Whether the entry's number is on its company's do-not-call list, as a result column.
macro_rules! dnc_col {
    () => {
        "EXISTS (SELECT 1 FROM do_not_call n WHERE n.company_id = campaign_queue.company_id \
         AND n.phone = campaign_queue.phone) AS do_not_call"
    };
}

/// Whether campaign `c` has an entry due by `$1`, as a condition. A scalar subquery rather than
/// `EXISTS`: PostgreSQL turns an `EXISTS` into a semi-join, and once its statistics know a
/// campaign holds 100,000 waiting entries it plans that join as a scan of the whole queue
/// (~24 ms); a scalar subquery stays one index probe per running campaign.
macro_rules! has_due {
    () => {
        "(SELECT q.dialog_id FROM campaign_queue q WHERE q.campaign_id = c.id \
         AND q.state = 'waiting' AND q.next_at <= $1 LIMIT 1) IS NOT NULL"
    };
}

/// Running campaigns with due entries, their agents and the agents' free channels.
const CAPACITY: &str = concat!(
    "SELECT c.id, c.agent_id, a.total_channel_limit - (SELECT COUNT(*) FROM campaign_queue d ",
    "WHERE d.agent_id = c.agent_id AND d.state = 'dialing') AS free ",
    "FROM campaigns c JOIN agents a ON a.id = c.agent_id WHERE c.state = 'running' AND ",
    has_due!(),
    " ORDER BY c.id"
);

/// PostgreSQL: locks the agents that `CAPACITY` will name.
const LOCK_AGENTS: &str = concat!(
    "SELECT a.id FROM agents a WHERE a.id IN (SELECT c.agent_id FROM campaigns c ",
    "WHERE c.state = 'running' AND ",
    has_due!(),
    ") ORDER BY a.id FOR NO KEY UPDATE"
);

const DUE: &str = "SELECT dialog_id, agent_id, next_at FROM campaign_queue WHERE campaign_id = $1 \
                   AND state = 'waiting' AND next_at <= $2 ORDER BY next_at, dialog_id LIMIT $3";

/// SQLite: the picked entries (`$4`, `[{dialog, uuid}]`) drive the update, each entry found by
/// its primary key; the `+` on `state` keeps the planner from starting at the `state` index
/// instead (every waiting entry, each looked up in the list).
const SQLITE_TAKE: &str = concat!(
    "UPDATE campaign_queue SET state = 'dialing', lease_owner = $1, lease_until = $2, ",
    "attempts = attempts + 1, call_uuid = unhex(p.value ->> 'uuid'), updated_at = $3 ",
    "FROM json_each($4) AS p WHERE campaign_queue.dialog_id = p.value ->> 'dialog' ",
    "AND +campaign_queue.state = 'waiting' RETURNING ",
    queue_cols!(),
    ", ",
    dnc_col!()
);

const POSTGRES_TAKE: &str = concat!(
    "UPDATE campaign_queue SET state = 'dialing', lease_owner = $1, lease_until = $2, ",
    "attempts = attempts + 1, call_uuid = p.uuid, updated_at = $3 ",
    "FROM jsonb_to_recordset($4::jsonb) AS p (dialog BIGINT, uuid UUID) ",
    "WHERE campaign_queue.dialog_id = p.dialog AND campaign_queue.state = 'waiting' RETURNING ",
    queue_cols!(),
    ", ",
    dnc_col!()
);

/// Re-leases entries whose lease ran out before `$2`; PostgreSQL skips rows another node holds.
const SQLITE_EXPIRED: &str = concat!(
    "UPDATE campaign_queue SET lease_owner = $1, lease_until = $3, updated_at = $2 ",
    "WHERE dialog_id IN (SELECT dialog_id FROM campaign_queue WHERE state = 'dialing' ",
    "AND lease_until < $2 ORDER BY lease_until, dialog_id LIMIT $4) RETURNING ",
    queue_cols!(),
    ", ",
    dnc_col!()
);

const POSTGRES_EXPIRED: &str = concat!(
    "WITH picked AS MATERIALIZED (SELECT dialog_id AS picked_id FROM campaign_queue ",
    "WHERE state = 'dialing' AND lease_until < $2 ORDER BY lease_until, dialog_id LIMIT $4 ",
    "FOR UPDATE SKIP LOCKED) ",
    "UPDATE campaign_queue SET lease_owner = $1, lease_until = $3, updated_at = $2 FROM picked ",
    "WHERE dialog_id = picked_id AND state = 'dialing' AND lease_until < $2 RETURNING ",
    queue_cols!(),
    ", ",
    dnc_col!()
);

/// Ends a claim: `$1` dialog, `$2` node, `$3` call UUID, then the release.
fn release_sql(postgres: bool) -> String {
    let append = if postgres {
        "(history::jsonb || jsonb_build_array($8::jsonb))::text"
    } else {
        "json_insert(history, '$[#]', json($8))"
    };
    format!(
        "UPDATE campaign_queue SET state = $4, next_at = COALESCE($5, next_at), finish_reason = $6, \
         attempts = attempts - $7, history = CASE WHEN $8 IS NULL THEN history ELSE {append} END, \
         lease_owner = NULL, lease_until = NULL, call_uuid = NULL, updated_at = $9 \
         WHERE dialog_id = $1 AND state = 'dialing' AND lease_owner = $2 AND call_uuid = $3 \
         RETURNING {}",
        queue_cols!()
    )
}

#[derive(Serialize)]
struct TakeJson {
    dialog: i64,
    /// 32 hex digits.
    uuid: String,
}

#[derive(FromRow)]
struct Capacity {
    id: i64,
    agent_id: i64,
    free: i64,
}

#[derive(FromRow)]
struct Due {
    dialog_id: i64,
    agent_id: i64,
    next_at: Ts,
}

fn into_claims(rows: Vec<ClaimedRow>) -> Result<Vec<Claim>> {
    rows.into_iter()
        .map(|claimed| {
            let row = claimed.row;
            let entry = row.to_entry()?;
            let missing =
                || errors::corrupt("reading a claim", "a dialing entry without its lease");
            Ok(Claim {
                call_uuid: row.call_uuid.ok_or_else(missing)?,
                node: row.lease_owner.clone().ok_or_else(missing)?,
                lease_until: row.lease_until.ok_or_else(missing)?.into(),
                do_not_call: claimed.do_not_call,
                entry,
            })
        })
        .collect()
}

/// A release's columns: the entry's new state, when to look again, why it is done, and the
/// attempt made (none when the claim is handed back undialed).
fn release_parts(release: &Release) -> (&'static str, Option<Ts>, Option<&str>, Option<&Attempt>) {
    match release {
        Release::Wait { next_at, attempt } => {
            ("waiting", Some(Ts::from(*next_at)), None, attempt.as_ref())
        }
        Release::Done { reason, attempt } => {
            ("done", None, Some(reason.as_str()), attempt.as_ref())
        }
    }
}

/// Applies `release` to the claimed entry; `Conflict` when the claim is no longer held.
async fn apply_release(
    tx: &mut Tx<'_>,
    claim: &Claim,
    release: &Release,
    now: Ts,
) -> Result<QueueRow> {
    let (state, next_at, reason, attempt) = release_parts(release);
    let undo = i64::from(attempt.is_none());
    let attempt = attempt.map(attempt_to_json);
    let sql = release_sql(tx.is_postgres());
    let row: Option<QueueRow> = on_tx!(tx, |conn| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(claim.entry.dialog_id.0)
            .bind(&claim.node)
            .bind(claim.call_uuid)
            .bind(state)
            .bind(next_at)
            .bind(reason)
            .bind(undo)
            .bind(attempt)
            .bind(now)
            .fetch_optional(&mut *conn)
            .await
    })
    .map_err(errors::db("ending a claim"))?;
    row.ok_or_else(|| not_held(claim))
}

impl SqlStore {
    pub(crate) async fn claim(
        &self,
        node: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Claim>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let (now, until, stamp) = (Ts::from(now), Ts::from(lease_until), Ts::from(self.now()));
        let rows = in_tx!(self, "claiming due dialogs", |tx| {
            take_due(tx, node, now, until, stamp, limit).await
        })?;
        into_claims(rows)
    }

    pub(crate) async fn renew(&self, node: &str, lease_until: DateTime<Utc>) -> Result<u64> {
        let sql = "UPDATE campaign_queue SET lease_until = $2 \
                   WHERE state = 'dialing' AND lease_owner = $1";
        on_db!(self, write, |conn| {
            sqlx::query(sql)
                .bind(node)
                .bind(Ts::from(lease_until))
                .execute(&mut *conn)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(errors::db("renewing leases"))
    }

    pub(crate) async fn take_over_expired(
        &self,
        node: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Claim>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let rows: Vec<ClaimedRow> = in_tx!(self, "taking over expired claims", |tx| {
            let sql = if tx.is_postgres() {
                POSTGRES_EXPIRED
            } else {
                SQLITE_EXPIRED
            };
            on_tx!(tx, |conn| {
                sqlx::query_as(sql)
                    .bind(node)
                    .bind(Ts::from(now))
                    .bind(Ts::from(lease_until))
                    .bind(to_i64(limit as u64))
                    .fetch_all(&mut *conn)
                    .await
            })
            .map_err(errors::db("taking over expired claims"))
        })?;
        let mut claims = into_claims(rows)?;
        claims.sort_by_key(|c| c.entry.dialog_id);
        Ok(claims)
    }

    pub(crate) async fn release(&self, claim: &Claim, release: &Release) -> Result<QueueEntry> {
        let now = Ts::from(self.now());
        let row = in_tx!(self, "ending a claim", |tx| {
            apply_release(tx, claim, release, now).await
        })?;
        row.to_entry()
    }

    /// Records a finished call, its dialog turn and webhook events, and ends its claim with
    /// `release`, all or nothing. SQLite: in a group commit with the calls finishing beside it
    /// (`sqlite::call_batch`); PostgreSQL: in a transaction of its own.
    pub(crate) async fn record_call(
        &self,
        claim: &Claim,
        call: &NewCall,
        release: &Release,
        dialog: Option<&CallTurn>,
        webhooks: &[parley_domain::webhook::NewWebhook],
    ) -> Result<Call> {
        const CONTEXT: &str = "recording a call";
        let now = self.now();
        let entry = &claim.entry;
        let turn = dialog
            .map(|t| {
                turn_params(
                    entry.company_id,
                    entry.dialog_id,
                    t.expected_version,
                    &t.update,
                    &t.messages,
                    &t.answers,
                    now,
                )
            })
            .transpose()?;
        let duplicate = || {
            format!(
                "call {} or attempt {} of dialog {} is already recorded",
                call.uuid, call.attempt, entry.dialog_id
            )
        };
        let row = match &self.backend {
            Backend::Sqlite(db) => {
                let queued = queue_call(claim, call, release, turn.as_ref(), webhooks, now)
                    .map_err(|e| Error::internal("encoding a call", e))?;
                let saved = db
                    .save_call(queued)
                    .await
                    .map_err(errors::unique(CONTEXT, duplicate))?;
                saved.ok_or_else(|| match dialog {
                    None => not_held(claim),
                    Some(t) => Error::conflict(format!(
                        "the claim of dialog {} by {} (call {}) is no longer held, or the dialog \
                         changed since version {}; the call was not recorded",
                        entry.dialog_id, claim.node, claim.call_uuid, t.expected_version
                    )),
                })?
            }
            Backend::Postgres { pool } => {
                let mut transaction = pool.begin().await.map_err(errors::db(CONTEXT))?;
                let result = async {
                    let tx = &mut Tx::Postgres(&mut transaction);
                    apply_release(tx, claim, release, Ts::from(now)).await?;
                    let row = insert_call(tx, entry.dialog_id, call, duplicate).await?;
                    crate::webhooks::insert_webhooks(tx, webhooks, Ts::from(now)).await?;
                    if let (Some(p), Tx::Postgres(conn)) = (&turn, tx) {
                        let saved = save_on_postgres(conn, p)
                            .await
                            .map_err(errors::db("saving a call's dialog turn"))?;
                        if saved.0.is_none() {
                            return Err(Error::conflict(format!(
                                "dialog {} changed since version {}; the call was not recorded",
                                entry.dialog_id, p.expected_version
                            )));
                        }
                    }
                    Ok(row)
                }
                .await;
                super::tx::settle(transaction, result, CONTEXT).await?
            }
        };
        row.into_call()
    }
}

/// The conflict of a claim that is no longer held (its lease ran out and another node took it,
/// or it was already ended).
fn not_held(claim: &Claim) -> Error {
    Error::conflict(format!(
        "the claim of dialog {} by {} (call {}) is no longer held",
        claim.entry.dialog_id, claim.node, claim.call_uuid
    ))
}

/// A finished call encoded for SQLite's call writer.
fn queue_call(
    claim: &Claim,
    call: &NewCall,
    release: &Release,
    turn: Option<&TurnParams<'_>>,
    webhooks: &[parley_domain::webhook::NewWebhook],
    now: DateTime<Utc>,
) -> serde_json::Result<sqlite::QueuedCall> {
    let millis = |at: DateTime<Utc>| Ts::from(at).0.timestamp_millis();
    let (state, next_at, reason, attempt) = release_parts(release);
    let transcript = transcript_to_json(&call.transcript);
    let phone = call.phone.digits();
    let json = sqlite::CallJson {
        dialog: claim.entry.dialog_id.0,
        node: &claim.node,
        claim: claim.call_uuid.simple().to_string(),
        token: None,
        uuid: call.uuid.simple().to_string(),
        attempt: i64::from(call.attempt),
        phone,
        outcome: call.outcome.as_str(),
        started_at: millis(call.started_at),
        answered_at: call.answered_at.map(millis),
        ended_at: millis(call.ended_at),
        bot_ms: to_i64(call.bot_ms),
        operator_ms: to_i64(call.operator_ms),
        transferred: call.transferred,
        price_minor: call.price_minor,
        result: call.result.as_deref(),
        transcript: &transcript,
        state,
        next_at: next_at.map(|ts| ts.0.timestamp_millis()),
        reason,
        undo: i64::from(attempt.is_none()),
        history: attempt.map(attempt_to_json),
        now: millis(now),
        webhooks: webhooks
            .iter()
            .map(|w| sqlite::WebhookJson {
                company: w.company_id.0,
                campaign: w.campaign_id.map(|c| c.0),
                event: &w.event,
                url: &w.url,
                payload: &w.payload,
                next_at: millis(w.next_at),
            })
            .collect(),
    };
    sqlite::QueuedCall::encode(json, call.uuid, turn, claim.call_uuid)
}

/// Claims up to `limit` due entries, oldest `next_at` first, within each agent's free channels.
async fn take_due(
    tx: &mut Tx<'_>,
    node: &str,
    now: Ts,
    until: Ts,
    stamp: Ts,
    limit: usize,
) -> Result<Vec<ClaimedRow>> {
    const CONTEXT: &str = "claiming due dialogs";
    let postgres = tx.is_postgres();
    let locked: Option<HashSet<i64>> = if postgres {
        let ids: Vec<i64> = on_tx!(tx, |conn| {
            sqlx::query_scalar(LOCK_AGENTS)
                .bind(now)
                .fetch_all(&mut *conn)
                .await
        })
        .map_err(errors::db(CONTEXT))?;
        Some(ids.into_iter().collect())
    } else {
        None
    };
    let mut campaigns: Vec<Capacity> = on_tx!(tx, |conn| {
        sqlx::query_as(CAPACITY)
            .bind(now)
            .fetch_all(&mut *conn)
            .await
    })
    .map_err(errors::db(CONTEXT))?;
    // A campaign resumed since the lock names an agent this claim does not hold: skip it.
    if let Some(locked) = &locked {
        campaigns.retain(|c| locked.contains(&c.agent_id));
    }
    let mut free: HashMap<i64, i64> = campaigns.iter().map(|c| (c.agent_id, c.free)).collect();
    let due_sql = if postgres {
        format!("{DUE} FOR UPDATE SKIP LOCKED")
    } else {
        DUE.to_owned()
    };
    let mut due = Vec::new();
    for campaign in campaigns.iter().filter(|c| c.free > 0) {
        let take = campaign.free.min(to_i64(limit as u64));
        let rows: Vec<Due> = on_tx!(tx, |conn| {
            sqlx::query_as(sqlx::AssertSqlSafe(due_sql.clone()))
                .bind(campaign.id)
                .bind(now)
                .bind(take)
                .fetch_all(&mut *conn)
                .await
        })
        .map_err(errors::db(CONTEXT))?;
        due.extend(rows);
    }
    due.sort_by_key(|d| (d.next_at.0, d.dialog_id));
    let mut picked = Vec::new();
    for d in due {
        if picked.len() == limit {
            break;
        }
        if let Some(left) = free.get_mut(&d.agent_id)
            && *left > 0
        {
            *left -= 1;
            picked.push(TakeJson {
                dialog: d.dialog_id,
                uuid: uuid::Uuid::now_v7().simple().to_string(),
            });
        }
    }
    if picked.is_empty() {
        return Ok(Vec::new());
    }
    let json = serde_json::to_string(&picked)
        .map_err(|e| Error::internal("encoding claimed dialogs", e))?;
    let sql = if postgres { POSTGRES_TAKE } else { SQLITE_TAKE };
    let mut rows: Vec<ClaimedRow> = on_tx!(tx, |conn| {
        sqlx::query_as(sql)
            .bind(node)
            .bind(until)
            .bind(stamp)
            .bind(&json)
            .fetch_all(&mut *conn)
            .await
    })
    .map_err(errors::db(CONTEXT))?;
    let order: HashMap<i64, usize> = picked
        .iter()
        .enumerate()
        .map(|(i, p)| (p.dialog, i))
        .collect();
    rows.sort_by_key(|r| order.get(&r.row.dialog_id()).copied());
    Ok(rows)
}

/// Inserts a call of the entry of `dialog` (its company, agent, campaign and dialog UUID).
async fn insert_call(
    tx: &mut Tx<'_>,
    dialog: DialogId,
    call: &NewCall,
    duplicate: impl FnOnce() -> String,
) -> Result<CallRow> {
    let sql = concat!(
        "INSERT INTO calls (uuid, company_id, agent_id, campaign_id, dialog_id, dialog_uuid, attempt, ",
        "phone, outcome, started_at, answered_at, ended_at, bot_ms, operator_ms, transferred, ",
        "price_minor, result, transcript) ",
        "SELECT $1, company_id, agent_id, campaign_id, dialog_id, dialog_uuid, $3, $4, $5, $6, $7, $8, ",
        "$9, $10, $11, $12, $13, $14 FROM campaign_queue WHERE dialog_id = $2 RETURNING ",
        call_cols!()
    );
    let transcript = transcript_to_json(&call.transcript);
    let row: Option<CallRow> = on_tx!(tx, |conn| {
        sqlx::query_as(sql)
            .bind(call.uuid)
            .bind(dialog.0)
            .bind(i64::from(call.attempt))
            .bind(call.phone.digits())
            .bind(call.outcome.as_str())
            .bind(Ts::from(call.started_at))
            .bind(call.answered_at.map(Ts::from))
            .bind(Ts::from(call.ended_at))
            .bind(to_i64(call.bot_ms))
            .bind(to_i64(call.operator_ms))
            .bind(call.transferred)
            .bind(call.price_minor)
            .bind(&call.result)
            .bind(&transcript)
            .fetch_optional(&mut *conn)
            .await
    })
    .map_err(errors::unique("recording a call", duplicate))?;
    row.ok_or_else(|| Error::not_found("queue entry of dialog", dialog))
}
