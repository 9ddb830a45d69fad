//! `CallSearchStore`: call statistics filtered, sorted and paged in the database.
//!
//! Every condition is a predicate on `calls c` alone (names and UUIDs of agents and campaigns
//! become `IN (SELECT id …)` sub-selects; the queue's state and later attempts are correlated
//! sub-selects), so the count needs no join; the page query picks the page's ids from `calls`
//! alone and joins agents, dialogs, campaigns and queue entries only for the rows it returns.
//! Sessions are each dialog's last call (`NOT EXISTS` a later attempt, on
//! `UNIQUE (dialog_id, attempt)`), with totals over the dialog's calls. The indexes behind the common filters are in migration 0007.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parley_domain::call::search::{
    CallQuery, CallRecord, Condition, SearchColumn, SearchValue, SessionTotals,
};
use parley_domain::ids::{CompanyId, Uuid};
use parley_domain::ports::CallSearchStore;
use parley_domain::values::Paged;
use parley_domain::{Error, Result};
use sqlx::AssertSqlSafe;

use crate::args::{Arg, bind_args};
use crate::campaigns::rows::CallRow;
use crate::errors::{self, corrupt, to_i64, to_u32};
use crate::time::Ts;
use crate::{Backend, SqlStore};

/// Whether no later attempt of the call's dialog exists.
const LAST_ATTEMPT: &str =
    "NOT EXISTS (SELECT 1 FROM calls n WHERE n.dialog_id = c.dialog_id AND n.attempt > c.attempt)";

/// The SQL of a column, as an expression over `calls c`.
fn column_sql(column: SearchColumn) -> String {
    match column {
        SearchColumn::CallUuid => "c.uuid".into(),
        SearchColumn::DialogUuid => "c.dialog_uuid".into(),
        SearchColumn::Phone => "c.phone".into(),
        SearchColumn::Outcome => "c.outcome".into(),
        SearchColumn::CampaignUuid => {
            "(SELECT k.uuid FROM campaigns k WHERE k.id = c.campaign_id)".into()
        }
        SearchColumn::CampaignName => {
            "(SELECT k.name FROM campaigns k WHERE k.id = c.campaign_id)".into()
        }
        SearchColumn::AgentUuid => "(SELECT a.uuid FROM agents a WHERE a.id = c.agent_id)".into(),
        SearchColumn::AgentName => "(SELECT a.name FROM agents a WHERE a.id = c.agent_id)".into(),
        SearchColumn::ExternalId => {
            "(SELECT q.external_id FROM campaign_queue q WHERE q.dialog_id = c.dialog_id)".into()
        }
        SearchColumn::StartedAt => "c.started_at".into(),
        SearchColumn::EndedAt => "c.ended_at".into(),
        SearchColumn::DialogCreatedAt => {
            "(SELECT d.created_at FROM dialogs d WHERE d.id = c.dialog_id)".into()
        }
        SearchColumn::TalkSeconds => "((c.bot_ms + c.operator_ms + 500) / 1000)".into(),
        SearchColumn::BotSeconds => "((c.bot_ms + 500) / 1000)".into(),
        SearchColumn::OperatorSeconds => "((c.operator_ms + 500) / 1000)".into(),
        SearchColumn::Price => "c.price_minor".into(),
        SearchColumn::Transferred => "c.transferred".into(),
        SearchColumn::Finished => format!(
            "(COALESCE((SELECT q.state IN ('done', 'removed') FROM campaign_queue q \
             WHERE q.dialog_id = c.dialog_id), TRUE) AND {LAST_ATTEMPT})"
        ),
        SearchColumn::Attempt => "c.attempt".into(),
        SearchColumn::Transcript => "c.transcript".into(),
    }
}

/// `WHERE …` for a query, `$n` numbered from 1, and the values to bind.
fn where_sql(company: CompanyId, query: &CallQuery, postgres: bool) -> (String, Vec<Arg>) {
    let mut args = vec![Arg::Int(company.0)];
    let mut sql = String::from(" WHERE c.company_id = $1");
    if query.sessions {
        sql.push_str(" AND ");
        sql.push_str(LAST_ATTEMPT);
    }
    let param = |args: &mut Vec<Arg>, arg: Arg| {
        args.push(arg);
        format!("${}", args.len())
    };
    for condition in &query.conditions {
        match condition {
            Condition::In(_, values) if values.is_empty() => sql.push_str(" AND FALSE"),
            Condition::In(column, values) => {
                let params: Vec<String> = values
                    .iter()
                    .map(|value| param(&mut args, arg_of(value)))
                    .collect();
                let list = params.join(", ");
                let condition = match column {
                    // Sub-selects by key, so the calls' own indexes serve the filter.
                    SearchColumn::CampaignUuid => format!(
                        "c.campaign_id IN (SELECT id FROM campaigns WHERE company_id = $1 AND uuid IN ({list}))"
                    ),
                    SearchColumn::CampaignName => format!(
                        "c.campaign_id IN (SELECT id FROM campaigns WHERE company_id = $1 AND name IN ({list}))"
                    ),
                    SearchColumn::AgentUuid => format!(
                        "c.agent_id IN (SELECT id FROM agents WHERE company_id = $1 AND uuid IN ({list}))"
                    ),
                    SearchColumn::AgentName => format!(
                        "c.agent_id IN (SELECT id FROM agents WHERE company_id = $1 AND name IN ({list}))"
                    ),
                    other => format!("{} IN ({list})", column_sql(*other)),
                };
                sql.push_str(" AND ");
                sql.push_str(&condition);
            }
            Condition::Contains(column, text) => {
                let p = param(&mut args, Arg::Text(text.clone()));
                let function = if postgres { "strpos" } else { "instr" };
                sql.push_str(&format!(
                    " AND {function}({}, {p}) > 0",
                    column_sql(*column)
                ));
            }
            Condition::Between(column, from, to) => {
                let column = column_sql(*column);
                if let Some(from) = from {
                    let p = param(&mut args, Arg::Time(Ts::from(*from)));
                    sql.push_str(&format!(" AND {column} >= {p}"));
                }
                if let Some(to) = to {
                    let p = param(&mut args, Arg::Time(Ts::from(*to)));
                    sql.push_str(&format!(" AND {column} <= {p}"));
                }
            }
        }
    }
    (sql, args)
}

fn arg_of(value: &SearchValue) -> Arg {
    match value {
        SearchValue::Text(text) => Arg::Text(text.clone()),
        SearchValue::Int(v) => Arg::Int(*v),
        SearchValue::Bool(v) => Arg::Bool(*v),
        SearchValue::Uuid(v) => Arg::Uuid(*v),
        SearchValue::Time(v) => Arg::Time(Ts::from(*v)),
        SearchValue::Outcome(o) => Arg::Text(o.as_str().to_owned()),
    }
}

/// The page query's columns beyond the call's own.
fn select_sql(query: &CallQuery) -> String {
    let transcript = if query.transcripts {
        "c.transcript"
    } else {
        "'[]'"
    };
    let state = if query.variables { "d.state" } else { "NULL" };
    let totals = if query.sessions {
        "(SELECT COUNT(*) FROM calls n WHERE n.dialog_id = c.dialog_id) AS session_calls, \
         (SELECT MIN(n.started_at) FROM calls n WHERE n.dialog_id = c.dialog_id) AS session_started_at, \
         (SELECT CAST(SUM(n.bot_ms) AS BIGINT) FROM calls n WHERE n.dialog_id = c.dialog_id) AS session_bot_ms, \
         (SELECT CAST(SUM(n.operator_ms) AS BIGINT) FROM calls n WHERE n.dialog_id = c.dialog_id) AS session_operator_ms"
    } else {
        "NULL AS session_calls, NULL AS session_started_at, NULL AS session_bot_ms, \
         NULL AS session_operator_ms"
    };
    format!(
        "SELECT c.id, c.uuid, c.company_id, c.agent_id, c.campaign_id, c.dialog_id, \
         c.dialog_uuid, c.attempt, c.phone, c.outcome, c.started_at, c.answered_at, c.ended_at, \
         c.bot_ms, c.operator_ms, c.transferred, c.price_minor, c.result, \
         {transcript} AS transcript, a.uuid AS agent_uuid, a.name AS agent_name, \
         k.uuid AS campaign_uuid, k.name AS campaign_name, q.external_id, \
         d.created_at AS dialog_created_at, {finished} AS finished, {state} AS state, \
         {totals} \
         FROM page p JOIN calls c ON c.id = p.id \
         JOIN agents a ON a.id = c.agent_id JOIN dialogs d ON d.id = c.dialog_id \
         LEFT JOIN campaigns k ON k.id = c.campaign_id \
         LEFT JOIN campaign_queue q ON q.dialog_id = c.dialog_id",
        finished = column_sql(SearchColumn::Finished),
    )
}

/// A call with what the search shows beside it (its agent, campaign, contact and session).
#[derive(Debug, sqlx::FromRow)]
struct RecordRow {
    #[sqlx(flatten)]
    call: CallRow,
    agent_uuid: Uuid,
    agent_name: String,
    campaign_uuid: Option<Uuid>,
    campaign_name: Option<String>,
    external_id: Option<String>,
    dialog_created_at: Ts,
    finished: bool,
    state: Option<String>,
    session_calls: Option<i64>,
    session_started_at: Option<Ts>,
    session_bot_ms: Option<i64>,
    session_operator_ms: Option<i64>,
}

impl RecordRow {
    fn into_record(self) -> Result<CallRecord> {
        const CONTEXT: &str = "reading a call search row";
        let millis = |v: i64| u64::try_from(v).map_err(|e| corrupt(CONTEXT, e));
        let variables = self
            .state
            .map(|state| {
                serde_json::from_str::<parley_scenario::DialogState>(&state)
                    .map(|s| s.variables().clone())
                    .map_err(|e| corrupt(CONTEXT, e))
            })
            .transpose()?;
        let session = match (
            self.session_calls,
            self.session_started_at,
            self.session_bot_ms,
            self.session_operator_ms,
        ) {
            (Some(calls), Some(first), Some(bot), Some(operator)) => Some(SessionTotals {
                calls: to_u32(calls, CONTEXT)?,
                first_started_at: DateTime::<Utc>::from(first),
                bot_ms: millis(bot)?,
                operator_ms: millis(operator)?,
            }),
            _ => None,
        };
        let call = self.call.into_call()?;
        Ok(CallRecord {
            call,
            agent_uuid: self.agent_uuid,
            agent_name: self.agent_name,
            campaign_uuid: self.campaign_uuid,
            campaign_name: self.campaign_name,
            external_id: self.external_id,
            dialog_created_at: self.dialog_created_at.into(),
            finished: self.finished,
            variables,
            session,
        })
    }
}

#[async_trait]
impl CallSearchStore for SqlStore {
    async fn search_calls(
        &self,
        company: CompanyId,
        query: &CallQuery,
    ) -> Result<Paged<CallRecord>> {
        let postgres = matches!(self.backend, Backend::Postgres { .. });
        let (condition, mut args) = where_sql(company, query, postgres);
        let count_sql = format!("SELECT COUNT(*) FROM calls c{condition}");
        let filter_len = args.len();
        args.extend([
            Arg::Int(to_i64(query.limit)),
            Arg::Int(to_i64(query.offset)),
        ]);
        let direction = if query.descending { "DESC" } else { "ASC" };
        // The page's ids first, from `calls` alone (the planner walks an index in order and
        // nothing else is computed for skipped rows), then their details, put back in that
        // order here: sorting the detailed rows in SQL would carry transcripts through the sorter.
        let order = format!("{} {direction}, c.id {direction}", column_sql(query.sort));
        let ids_sql = format!(
            "SELECT c.id FROM calls c{condition} ORDER BY {order} LIMIT ${} OFFSET ${}",
            filter_len + 1,
            filter_len + 2,
        );
        let ids: Vec<i64> = on_db!(self, read, |conn| {
            bind_args!(sqlx::query_scalar(AssertSqlSafe(ids_sql)), &args)
                .fetch_all(&mut *conn)
                .await
        })
        .map_err(errors::db("searching calls"))?;
        let len = ids.len() as u64;
        let total = if len < query.limit && (len > 0 || query.offset == 0) {
            query.offset + len
        } else {
            let filter_args = &args[..filter_len];
            let count: i64 = on_db!(self, read, |conn| {
                bind_args!(sqlx::query_scalar(AssertSqlSafe(count_sql)), filter_args)
                    .fetch_one(&mut *conn)
                    .await
            })
            .map_err(errors::db("counting calls"))?;
            u64::try_from(count).map_err(|e| Error::internal("counting calls", e))?
        };
        if ids.is_empty() {
            return Ok(Paged {
                items: Vec::new(),
                total,
            });
        }
        let list = if postgres {
            "SELECT (jsonb_array_elements_text($1::jsonb))::bigint"
        } else {
            "SELECT value FROM json_each($1)"
        };
        let page_sql = format!("WITH page (id) AS ({list}) {}", select_sql(query));
        let json =
            serde_json::to_string(&ids).map_err(|e| Error::internal("encoding call ids", e))?;
        let rows: Vec<RecordRow> = on_db!(self, read, |conn| {
            sqlx::query_as(AssertSqlSafe(page_sql))
                .bind(&json)
                .fetch_all(&mut *conn)
                .await
        })
        .map_err(errors::db("reading found calls"))?;
        let position: HashMap<i64, usize> =
            ids.iter().enumerate().map(|(at, id)| (*id, at)).collect();
        let mut items = rows
            .into_iter()
            .map(|row| Ok((position.get(&row.call.id()).copied(), row.into_record()?)))
            .collect::<Result<Vec<_>>>()?;
        items.sort_by_key(|(at, _)| *at);
        let items = items.into_iter().map(|(_, record)| record).collect();
        Ok(Paged { items, total })
    }
}
