//! Finished calls saved in groups (see `group_commit`): for every call of a batch, in one
//! transaction, the call's dialog turn, the call record, its webhook events and the end of its
//! claim (the queue entry back to waiting, or done).
//!
//! This is the dialer's hot path: at time scale 0 every call ends in one of these, and one at a
//! time (six statements in a transaction of their own each) they were the dialer's limit on
//! SQLite's single writer.
//!
//! Guards: everything a call writes is conditioned on its claim still being held — the queue
//! entry is `dialing`, leased by the call's node, for the call's UUID — and, when the call has a
//! dialog turn, on that turn's update having matched (its token is the dialog's `last_turn`).
//! The claim is ended last, so the check reads the same for each statement. A call that fails
//! either check writes nothing and gets no row back; its caller reports the conflict.

use serde::Serialize;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{FromRow, Row, Sqlite};

use super::group_commit::{Batched, json_array};
use super::turn_batch::{QueuedTurn, bind_turns, turn_sql};
use crate::campaigns::rows::{CallRow, call_cols};
use parley_domain::ids::Uuid;

/// Whether the call `$c` (a `json_each` row of `$4`) still holds the claim on the queue entry
/// `$q`, and its dialog turn (if any) was saved.
///
/// The batch's rows must drive each statement, every entry found by its primary key: `CROSS
/// JOIN` fixes that order in the inserts, and the `+` on `state` keeps the planner from starting
/// the update at the `state` index instead (every entry being dialed, times the batch).
#[rustfmt::skip]
macro_rules! held {
    ($c:literal, $q:literal) => {
        concat!(
            "+", $q, ".state = 'dialing' AND ",
            $q, ".lease_owner = ", $c, ".value ->> 'node' AND ",
            $q, ".call_uuid = unhex(", $c, ".value ->> 'claim') AND ",
            "(", $c, ".value ->> 'token' IS NULL OR EXISTS (SELECT 1 FROM dialogs d ",
            "WHERE d.id = ", $q, ".dialog_id AND d.last_turn = ", $c, ".value ->> 'token'))"
        )
    };
}

/// One transaction for a whole batch. `$1`–`$3` are the calls' dialog turns (as in
/// `turn_batch`), saved only while their claim is held; `$4` the calls (see `CallJson`), each
/// with its webhook events. Returns a row per updated dialog, one of new message ids (both
/// unused here) and one per recorded call.
const BATCH_SQL: &str = concat!(
    "BEGIN IMMEDIATE; ",
    turn_sql!(concat!(
        "AND EXISTS (SELECT 1 FROM campaign_queue q WHERE q.dialog_id = dialogs.id ",
        "AND q.state = 'dialing' AND q.lease_owner = t.value ->> 'node' ",
        "AND q.call_uuid = unhex(t.value ->> 'claim'))"
    )),
    "INSERT INTO calls (uuid, company_id, agent_id, campaign_id, dialog_id, dialog_uuid, attempt, ",
    "phone, outcome, started_at, answered_at, ended_at, bot_ms, operator_ms, transferred, ",
    "price_minor, result, transcript) ",
    "SELECT unhex(c.value ->> 'uuid'), q.company_id, q.agent_id, q.campaign_id, q.dialog_id, ",
    "q.dialog_uuid, c.value ->> 'attempt', c.value ->> 'phone', c.value ->> 'outcome', ",
    "c.value ->> 'started_at', c.value ->> 'answered_at', c.value ->> 'ended_at', ",
    "c.value ->> 'bot_ms', c.value ->> 'operator_ms', c.value ->> 'transferred', ",
    "c.value ->> 'price_minor', c.value ->> 'result', c.value ->> 'transcript' ",
    "FROM json_each($4) AS c CROSS JOIN campaign_queue q ON q.dialog_id = c.value ->> 'dialog' ",
    "WHERE ",
    held!("c", "q"),
    " ORDER BY c.key RETURNING ",
    call_cols!(),
    "; ",
    "INSERT INTO webhook_outbox (company_id, campaign_id, event, url, payload, state, attempts, ",
    "next_at, created_at) ",
    "SELECT w.value ->> 'company', w.value ->> 'campaign', w.value ->> 'event', w.value ->> 'url', ",
    "w.value ->> 'payload', 'pending', 0, w.value ->> 'next_at', c.value ->> 'now' ",
    "FROM json_each($4) AS c CROSS JOIN campaign_queue q ON q.dialog_id = c.value ->> 'dialog' ",
    "JOIN json_each(c.value -> 'webhooks') AS w WHERE ",
    held!("c", "q"),
    " ORDER BY c.key, w.key; ",
    "UPDATE campaign_queue SET state = c.value ->> 'state', ",
    "next_at = COALESCE(c.value ->> 'next_at', next_at), finish_reason = c.value ->> 'reason', ",
    "attempts = attempts - (c.value ->> 'undo'), history = CASE WHEN c.value ->> 'history' IS NULL ",
    "THEN history ELSE json_insert(history, '$[#]', json(c.value ->> 'history')) END, ",
    "lease_owner = NULL, lease_until = NULL, call_uuid = NULL, updated_at = c.value ->> 'now' ",
    "FROM json_each($4) AS c WHERE campaign_queue.dialog_id = c.value ->> 'dialog' AND ",
    held!("c", "campaign_queue"),
    "; COMMIT;"
);

/// A call, an element of `$4`: the claim it ends, the record, the release and its webhooks.
#[derive(Serialize)]
pub(crate) struct CallJson<'a> {
    /// The claim: its dialog (queue entry), node and call UUID (32 hex digits).
    pub(crate) dialog: i64,
    pub(crate) node: &'a str,
    pub(crate) claim: String,
    /// The token of the call's dialog turn, when it has one.
    pub(crate) token: Option<i64>,
    /// The record (`calls` columns; instants in unix milliseconds).
    pub(crate) uuid: String,
    pub(crate) attempt: i64,
    pub(crate) phone: &'a str,
    pub(crate) outcome: &'a str,
    pub(crate) started_at: i64,
    pub(crate) answered_at: Option<i64>,
    pub(crate) ended_at: i64,
    pub(crate) bot_ms: i64,
    pub(crate) operator_ms: i64,
    pub(crate) transferred: bool,
    pub(crate) price_minor: i64,
    pub(crate) result: Option<&'a str>,
    pub(crate) transcript: &'a str,
    /// The release: the entry's new state, when to look again (`waiting`), why it is done
    /// (`done`), 1 when no attempt was made (the claim's count is undone), the attempt for its
    /// history (JSON text).
    pub(crate) state: &'a str,
    pub(crate) next_at: Option<i64>,
    pub(crate) reason: Option<&'a str>,
    pub(crate) undo: i64,
    pub(crate) history: Option<String>,
    /// When it was written.
    pub(crate) now: i64,
    /// The call's webhook events.
    pub(crate) webhooks: Vec<WebhookJson<'a>>,
}

/// A webhook event of a call, in its `CallJson`.
#[derive(Serialize)]
pub(crate) struct WebhookJson<'a> {
    pub(crate) company: i64,
    pub(crate) campaign: Option<i64>,
    pub(crate) event: &'a str,
    pub(crate) url: &'a str,
    pub(crate) payload: &'a str,
    pub(crate) next_at: i64,
}

/// A finished call encoded for the batch (by its caller, off the writer task).
#[derive(Debug)]
pub(crate) struct QueuedCall {
    dialog: i64,
    /// The call's UUID, to find its row among the batch's.
    uuid: Uuid,
    /// One `CallJson` object.
    call: String,
    /// Its dialog turn, saved under its claim.
    turn: Option<QueuedTurn>,
}

impl QueuedCall {
    /// Encodes a call; `turn` is its dialog turn, encoded here under the call's claim.
    pub(crate) fn encode(
        mut call: CallJson<'_>,
        call_uuid: Uuid,
        turn: Option<&crate::turns::TurnParams<'_>>,
        claim: Uuid,
    ) -> serde_json::Result<QueuedCall> {
        let turn = turn
            .map(|p| QueuedTurn::encode_with(p, Some((call.node, claim))))
            .transpose()?;
        call.token = turn.as_ref().map(|t| t.token);
        Ok(QueuedCall {
            dialog: call.dialog,
            uuid: call_uuid,
            call: serde_json::to_string(&call)?,
            turn,
        })
    }
}

impl Batched for QueuedCall {
    /// The recorded call, `None` when its claim was no longer held or its dialog had changed.
    type Saved = Option<CallRow>;
    const NAME: &'static str = "calls";
    const SQL: &'static str = BATCH_SQL;

    fn dialog(&self) -> i64 {
        self.dialog
    }

    fn bytes(&self) -> usize {
        self.call.len() + self.turn.as_ref().map_or(0, Batched::bytes)
    }

    fn bind<'q>(
        query: sqlx::query::Query<'q, Sqlite, SqliteArguments>,
        items: &[&Self],
    ) -> sqlx::query::Query<'q, Sqlite, SqliteArguments> {
        let turns: Vec<&QueuedTurn> = items.iter().filter_map(|c| c.turn.as_ref()).collect();
        bind_turns(query, &turns).bind(json_array(items.iter().map(|c| c.call.as_str())))
    }

    fn split(items: &[&Self], rows: &[SqliteRow]) -> Vec<Result<Option<CallRow>, sqlx::Error>> {
        // The calls' rows are those with an `outcome`; the dialogs' and message ids' are not.
        let mut calls = Vec::new();
        for row in rows.iter().filter(|row| row.try_column("outcome").is_ok()) {
            match CallRow::from_row(row) {
                Ok(call) => calls.push(call),
                Err(err) => {
                    let message = format!("a recorded call: {err}");
                    return items
                        .iter()
                        .map(|_| Err(sqlx::Error::Decode(message.clone().into())))
                        .collect();
                }
            }
        }
        items
            .iter()
            .map(|item| {
                let at = calls.iter().position(|call| call.uuid() == item.uuid);
                Ok(at.map(|at| calls.swap_remove(at)))
            })
            .collect()
    }
}
