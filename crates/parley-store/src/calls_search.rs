//! `CallSearchStore`: call statistics filtered, sorted and paged in the database.
//!
//! Every condition is a predicate on `calls c` alone (names and UUIDs of agents and campaigns
//! become `IN (SELECT id …)` sub-selects; the queue's state, later attempts and the dialog's
//! variables are correlated sub-selects), so the count needs no join; the page query picks the
//! page's ids from `calls` alone and joins agents, dialogs, campaigns and queue entries only for
//! the rows it returns. Both queries answer with one JSON text (the ids; then one array per
//! call, see [`page_sql`]) rather than a row per call, which is what makes a 50,000-row export
//! or a 100,000-call report fast. Sessions are each dialog's last call (`NOT EXISTS` a later
//! attempt, on `UNIQUE (dialog_id, attempt)`), with totals over the dialog's calls. The
//! indexes behind the common filters are in migration 0007.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parley_domain::call::Call;
use parley_domain::call::search::{
    CallQuery, CallRecord, Condition, SearchColumn, SearchValue, SessionTotals,
};
use parley_domain::dialer::{Outcome, PhoneNumber};
use parley_domain::ids::{AgentId, CallId, CampaignId, CompanyId, DialogId, Uuid};
use parley_domain::ports::CallSearchStore;
use parley_domain::values::Paged;
use parley_domain::{Error, Result};
use parley_scenario::DialogState;
use serde::Deserialize;
use sqlx::AssertSqlSafe;

use crate::args::{Arg, bind_args};
use crate::campaigns::rows::{UtteranceJson, transcript_from_items};
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
        SearchColumn::CampaignId => "c.campaign_id".into(),
        SearchColumn::AgentId => "c.agent_id".into(),
        SearchColumn::DialogId => "c.dialog_id".into(),
        SearchColumn::Result => "c.result".into(),
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
    for condition in &query.conditions {
        sql.push_str(" AND ");
        sql.push_str(&condition_sql(condition, &mut args, postgres));
    }
    (sql, args)
}

/// One condition as a predicate over `calls c`, its values pushed onto `args`.
fn condition_sql(condition: &Condition, args: &mut Vec<Arg>, postgres: bool) -> String {
    let mut param = |arg: Arg| {
        args.push(arg);
        format!("${}", args.len())
    };
    match condition {
        Condition::In(_, values) if values.is_empty() => "FALSE".into(),
        Condition::In(column, values) => {
            let params: Vec<String> = values.iter().map(|value| param(arg_of(value))).collect();
            let list = params.join(", ");
            match column {
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
            }
        }
        Condition::Contains(column, text) => {
            let p = param(Arg::Text(text.clone()));
            let function = if postgres { "strpos" } else { "instr" };
            format!("{function}({}, {p}) > 0", column_sql(*column))
        }
        Condition::Between(column, from, to) => {
            let column = column_sql(*column);
            let mut parts = vec!["TRUE".to_owned()];
            if let Some(from) = from {
                let p = param(Arg::Time(Ts::from(*from)));
                parts.push(format!("{column} >= {p}"));
            }
            if let Some(to) = to {
                let p = param(Arg::Time(Ts::from(*to)));
                parts.push(format!("{column} <= {p}"));
            }
            format!("({})", parts.join(" AND "))
        }
        Condition::Before(column, before) => {
            let p = param(Arg::Time(Ts::from(*before)));
            format!("{} < {p}", column_sql(*column))
        }
        Condition::VariableMaybeTrue(name) => {
            let p = param(Arg::Text(name.clone()));
            // The state keeps its variables under `v` (`parley_scenario::DialogState`).
            if postgres {
                format!(
                    "EXISTS (SELECT 1 FROM dialogs d WHERE d.id = c.dialog_id AND \
                     (CAST(d.state AS jsonb) -> 'v' -> {p} = 'true'::jsonb \
                     OR jsonb_typeof(CAST(d.state AS jsonb) -> 'v' -> {p}) IN ('number', 'string')))"
                )
            } else {
                format!(
                    "EXISTS (SELECT 1 FROM dialogs d WHERE d.id = c.dialog_id AND \
                     json_type(d.state, '$.v.' || json_quote({p})) IN ('true', 'integer', 'real', 'text'))"
                )
            }
        }
        Condition::Any(any) if any.is_empty() => "FALSE".into(),
        Condition::Any(any) => {
            let parts: Vec<String> = any
                .iter()
                .map(|c| condition_sql(c, args, postgres))
                .collect();
            format!("({})", parts.join(" OR "))
        }
    }
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

/// The page's details as one JSON text: an array holding one array per call, in the order of
/// [`JsonRecord`]'s fields.
///
/// Why one value: sqlx hands every row from SQLite's worker thread to the async side one at a
/// time, and decodes each of its columns by name; for an export of 50,000 rows of 31 columns
/// that hand-off was most of the request (~0.4 s on a quiet machine, several times that when
/// the two cores are busy). Aggregated in SQL (`group_concat` / `json_agg`), the page
/// crosses once and serde reads it in one pass. UUIDs come as hex (SQLite's BLOBs) or their
/// text form (PostgreSQL), instants as Unix milliseconds, flags as `0`/`1` or booleans; the
/// transcript and dialog state stay the JSON text they are stored as.
fn page_sql(query: &CallQuery, postgres: bool) -> String {
    let uuid = |column: &str| {
        if postgres {
            column.to_owned()
        } else {
            // `hex(NULL)` is `''`; keep NULL as NULL.
            format!("nullif(hex({column}), '')")
        }
    };
    let millis = |column: &str| {
        if postgres {
            format!("CAST(EXTRACT(EPOCH FROM {column}) * 1000 AS BIGINT)")
        } else {
            column.to_owned()
        }
    };
    let transcript = if query.transcripts {
        "c.transcript"
    } else {
        "'[]'"
    };
    let state = if query.variables { "d.state" } else { "'null'" };
    let totals = if query.sessions {
        format!(
            "(SELECT COUNT(*) FROM calls n WHERE n.dialog_id = c.dialog_id), \
             (SELECT {} FROM calls n WHERE n.dialog_id = c.dialog_id), \
             (SELECT CAST(SUM(n.bot_ms) AS BIGINT) FROM calls n WHERE n.dialog_id = c.dialog_id), \
             (SELECT CAST(SUM(n.operator_ms) AS BIGINT) FROM calls n WHERE n.dialog_id = c.dialog_id)",
            millis("MIN(n.started_at)")
        )
    } else {
        "NULL, NULL, NULL, NULL".to_owned()
    };
    // `[[the call's fields…], transcript, state]`: the transcript and the state are JSON text
    // already (written by serde), so they are spliced in as they are instead of being escaped
    // into strings and parsed twice.
    let fields = format!(
        "{array}(c.id, {call_uuid}, c.company_id, c.agent_id, c.campaign_id, c.dialog_id, \
         {dialog_uuid}, c.attempt, c.phone, c.outcome, {started}, {answered}, {ended}, \
         c.bot_ms, c.operator_ms, c.transferred, c.price_minor, c.result, \
         {agent_uuid}, a.name, {campaign_uuid}, k.name, q.external_id, {created}, {finished}, \
         {totals})",
        array = if postgres {
            "json_build_array"
        } else {
            "json_array"
        },
        call_uuid = uuid("c.uuid"),
        dialog_uuid = uuid("c.dialog_uuid"),
        started = millis("c.started_at"),
        answered = millis("c.answered_at"),
        ended = millis("c.ended_at"),
        agent_uuid = uuid("a.uuid"),
        campaign_uuid = uuid("k.uuid"),
        created = millis("d.created_at"),
        finished = column_sql(SearchColumn::Finished),
    );
    let element = if postgres {
        format!("json_build_array({fields}, CAST({transcript} AS json), CAST({state} AS json))")
    } else {
        format!("'[' || {fields} || ',' || {transcript} || ',' || {state} || ']'")
    };
    // SQLite: the arrays joined as text, since `json_group_array` would parse each one again.
    let aggregate = if postgres {
        format!("CAST(COALESCE(json_agg({element}), '[]') AS TEXT)")
    } else {
        format!("'[' || COALESCE(group_concat({element}, ','), '') || ']'")
    };
    format!(
        "SELECT {aggregate} \
         FROM page p JOIN calls c ON c.id = p.id \
         JOIN agents a ON a.id = c.agent_id JOIN dialogs d ON d.id = c.dialog_id \
         LEFT JOIN campaigns k ON k.id = c.campaign_id \
         LEFT JOIN campaign_queue q ON q.dialog_id = c.dialog_id"
    )
}

/// One call of [`page_sql`]'s array: its fields, its transcript as stored, and its dialog's
/// state when asked for.
#[derive(Deserialize)]
struct JsonRecord(JsonFields, Vec<UtteranceJson>, Option<DialogState>);

/// The fields of [`JsonRecord`], in order (serde reads a struct from a JSON array in field
/// order).
#[derive(Debug, Deserialize)]
struct JsonFields {
    id: i64,
    uuid: Uuid,
    company_id: i64,
    agent_id: i64,
    campaign_id: Option<i64>,
    dialog_id: i64,
    dialog_uuid: Uuid,
    attempt: i64,
    phone: String,
    outcome: String,
    started_at: i64,
    answered_at: Option<i64>,
    ended_at: i64,
    bot_ms: i64,
    operator_ms: i64,
    transferred: Flag,
    price_minor: i64,
    result: Option<String>,
    agent_uuid: Uuid,
    agent_name: String,
    campaign_uuid: Option<Uuid>,
    campaign_name: Option<String>,
    external_id: Option<String>,
    dialog_created_at: i64,
    finished: Flag,
    session_calls: Option<i64>,
    session_started_at: Option<i64>,
    session_bot_ms: Option<i64>,
    session_operator_ms: Option<i64>,
}

/// A flag as either backend writes it in JSON: SQLite's `0`/`1`, PostgreSQL's booleans.
#[derive(Debug, Clone, Copy)]
struct Flag(bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Bool(bool),
            Int(i64),
        }
        Ok(Flag(match Either::deserialize(deserializer)? {
            Either::Bool(b) => b,
            Either::Int(n) => n != 0,
        }))
    }
}

impl JsonRecord {
    fn into_record(self) -> Result<CallRecord> {
        let JsonRecord(fields, transcript, state) = self;
        fields.into_record(transcript, state)
    }
}

impl JsonFields {
    fn into_record(
        self,
        transcript: Vec<UtteranceJson>,
        state: Option<DialogState>,
    ) -> Result<CallRecord> {
        const CONTEXT: &str = "reading a call search row";
        let millis = |v: i64| u64::try_from(v).map_err(|e| corrupt(CONTEXT, e));
        let instant = |ms: i64| {
            DateTime::<Utc>::from_timestamp_millis(ms)
                .ok_or_else(|| corrupt(CONTEXT, format!("timestamp {ms} ms is out of range")))
        };
        let variables = state.map(|state| state.variables().clone());
        let session = match (
            self.session_calls,
            self.session_started_at,
            self.session_bot_ms,
            self.session_operator_ms,
        ) {
            (Some(calls), Some(first), Some(bot), Some(operator)) => Some(SessionTotals {
                calls: to_u32(calls, CONTEXT)?,
                first_started_at: instant(first)?,
                bot_ms: millis(bot)?,
                operator_ms: millis(operator)?,
            }),
            _ => None,
        };
        let call = Call {
            id: CallId(self.id),
            uuid: self.uuid,
            company_id: CompanyId(self.company_id),
            agent_id: AgentId(self.agent_id),
            campaign_id: self.campaign_id.map(CampaignId),
            dialog_id: DialogId(self.dialog_id),
            dialog_uuid: self.dialog_uuid,
            attempt: to_u32(self.attempt, CONTEXT)?,
            phone: PhoneNumber::parse(&self.phone).map_err(|e| corrupt(CONTEXT, e))?,
            outcome: Outcome::parse(&self.outcome).map_err(|e| corrupt(CONTEXT, e))?,
            started_at: instant(self.started_at)?,
            answered_at: self.answered_at.map(instant).transpose()?,
            ended_at: instant(self.ended_at)?,
            bot_ms: millis(self.bot_ms)?,
            operator_ms: millis(self.operator_ms)?,
            transferred: self.transferred.0,
            price_minor: self.price_minor,
            result: self.result,
            transcript: transcript_from_items(transcript)?,
        };
        Ok(CallRecord {
            call,
            agent_uuid: self.agent_uuid,
            agent_name: self.agent_name,
            campaign_uuid: self.campaign_uuid,
            campaign_name: self.campaign_name,
            external_id: self.external_id,
            dialog_created_at: instant(self.dialog_created_at)?,
            finished: self.finished.0,
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
        // The ids come back as one JSON array, not one row each: sqlx hands every row from
        // SQLite's worker thread over on its own, which for an export of 50,000 ids cost more
        // than the query. The aggregate's own `ORDER BY` keeps the page's order.
        let ids_sql = if postgres {
            format!(
                "SELECT CAST(COALESCE(json_agg(id ORDER BY k {direction}, id {direction}), '[]') AS TEXT) \
                 FROM (SELECT c.id, {sort} AS k FROM calls c{condition} ORDER BY {order} \
                 LIMIT ${} OFFSET ${}) s",
                filter_len + 1,
                filter_len + 2,
                sort = column_sql(query.sort),
            )
        } else {
            format!(
                "SELECT json_group_array(id ORDER BY k {direction}, id {direction}) \
                 FROM (SELECT c.id, {sort} AS k FROM calls c{condition} ORDER BY {order} \
                 LIMIT ${} OFFSET ${})",
                filter_len + 1,
                filter_len + 2,
                sort = column_sql(query.sort),
            )
        };
        let ids: String = on_db!(self, read, |conn| {
            bind_args!(sqlx::query_scalar(AssertSqlSafe(ids_sql)), &args)
                .fetch_one(&mut *conn)
                .await
        })
        .map_err(errors::db("searching calls"))?;
        let ids: Vec<i64> =
            serde_json::from_str(&ids).map_err(|e| corrupt("searching calls", e))?;
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
        let page_sql = format!("WITH page (id) AS ({list}) {}", page_sql(query, postgres));
        let json =
            serde_json::to_string(&ids).map_err(|e| Error::internal("encoding call ids", e))?;
        let page: String = on_db!(self, read, |conn| {
            sqlx::query_scalar(AssertSqlSafe(page_sql))
                .bind(&json)
                .fetch_one(&mut *conn)
                .await
        })
        .map_err(errors::db("reading found calls"))?;
        let rows: Vec<JsonRecord> =
            serde_json::from_str(&page).map_err(|e| corrupt("reading found calls", e))?;
        let position: HashMap<i64, usize> =
            ids.iter().enumerate().map(|(at, id)| (*id, at)).collect();
        let mut items = rows
            .into_iter()
            .map(|row| Ok((position.get(&row.0.id).copied(), row.into_record()?)))
            .collect::<Result<Vec<_>>>()?;
        items.sort_by_key(|(at, _)| *at);
        let items = items.into_iter().map(|(_, record)| record).collect();
        Ok(Paged { items, total })
    }
}
