//! Chat turns saved in groups (see `group_commit`): a dialog update, its new messages and its
//! answers, for every turn of a batch in one transaction.
//!
//! Guards: the update matches a dialog only at the version its turn expects and writes the turn's
//! random token into `dialogs.last_turn`; messages and answers are inserted only where their
//! turn's token is the dialog's `last_turn`, so a turn that lost its version check writes nothing
//! and gets no row back (its caller reports the conflict).

use std::collections::HashMap;

use parley_domain::ids::Uuid;
use serde::Serialize;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{FromRow, Row, Sqlite};

use super::group_commit::{Batched, json_array};
use crate::dialog_rows::DialogRow;
use crate::turns::{Saved, TurnParams};

/// One transaction for a whole batch. `$1` holds the dialog updates, `$2` the messages, `$3` the
/// answers, each a JSON array of objects (see `UpdateJson`, `MessageJson`, `AnswerJson`). Returns
/// one row per updated dialog and one row with the new messages as `[[id, "HEX UUID"], …]` (the
/// rows just inserted: consecutive ids on the single writer).
const BATCH_SQL: &str = concat!("BEGIN IMMEDIATE; ", turn_sql!(""), "COMMIT;");

/// The statements of a batch of turns (see [`BATCH_SQL`]), each ending in `; `. `$guard` is more
/// of the update's `WHERE` (`AND …`, on `dialogs` and the update `t`), for a turn that may only
/// be saved under a further condition (a call's, while its claim is held).
macro_rules! turn_sql {
    ($guard:expr) => { concat!(
    "UPDATE dialogs SET agent_id = t.value ->> 'agent', scenario_version = t.value ->> 'scenario_version', ",
    "status = t.value ->> 'status', state = t.value ->> 'state', result = t.value ->> 'result', ",
    "operator_id = t.value ->> 'operator', error = t.value ->> 'error', version = version + 1, ",
    "updated_at = t.value ->> 'at', ended_at = COALESCE(ended_at, t.value ->> 'ended_at'), ",
    "last_turn = t.value ->> 'token' ",
    "FROM json_each($1) AS t WHERE dialogs.company_id = t.value ->> 'company' ",
    "AND dialogs.id = t.value ->> 'dialog' AND dialogs.version = t.value ->> 'version' ",
    $guard,
    " RETURNING ",
    $crate::dialog_rows::dialog_cols!(),
    "; ",
    "INSERT INTO messages (dialog_id, uuid, sender, text, buttons, button_id, operator_id, created_at) ",
    "SELECT m.value ->> 'dialog', unhex(m.value ->> 'uuid'), m.value ->> 'sender', m.value ->> 'text', ",
    "m.value ->> 'buttons', m.value ->> 'button_id', m.value ->> 'operator', m.value ->> 'at' ",
    "FROM json_each($2) AS m WHERE EXISTS (SELECT 1 FROM dialogs d ",
    "WHERE d.id = m.value ->> 'dialog' AND d.last_turn = m.value ->> 'token') ORDER BY m.key; ",
    "SELECT json_group_array(json_array(id, hex(uuid))) AS message_ids FROM messages ",
    "WHERE id BETWEEN last_insert_rowid() - changes() + 1 AND last_insert_rowid(); ",
    "INSERT INTO answers (dialog_id, variable, question, kind, answer, created_at) ",
    "SELECT a.value ->> 'dialog', a.value ->> 'variable', a.value ->> 'question', a.value ->> 'kind', ",
    "a.value ->> 'answer', a.value ->> 'at' ",
    "FROM json_each($3) AS a WHERE EXISTS (SELECT 1 FROM dialogs d ",
    "WHERE d.id = a.value ->> 'dialog' AND d.last_turn = a.value ->> 'token') ORDER BY a.key; "
    ) };
}
pub(crate) use turn_sql;

/// A dialog update, an element of `$1`.
#[derive(Serialize)]
struct UpdateJson<'a> {
    token: i64,
    company: i64,
    dialog: i64,
    version: i64,
    agent: i64,
    scenario_version: i64,
    status: &'a str,
    state: &'a str,
    result: Option<&'a str>,
    operator: Option<i64>,
    error: Option<&'a str>,
    at: i64,
    ended_at: Option<i64>,
    /// A call's turn: the node holding the claim (see `call_batch`).
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<&'a str>,
    /// A call's turn: the claim's call UUID, 32 hex digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    claim: Option<String>,
}

/// A message, an element of `$2`.
#[derive(Serialize)]
struct MessageJson<'a> {
    token: i64,
    dialog: i64,
    uuid: String,
    sender: &'a str,
    text: &'a str,
    buttons: Option<&'a str>,
    button_id: Option<&'a str>,
    operator: Option<i64>,
    at: i64,
}

/// An answer, an element of `$3`.
#[derive(Serialize)]
struct AnswerJson<'a> {
    token: i64,
    dialog: i64,
    variable: &'a str,
    question: &'a str,
    kind: &'a str,
    answer: &'a str,
    at: i64,
}

/// A turn encoded for the batch (by its caller, off the writer task).
#[derive(Debug)]
pub(crate) struct QueuedTurn {
    pub(super) dialog: i64,
    /// The random token its update writes into `dialogs.last_turn`.
    pub(super) token: i64,
    /// One `UpdateJson` object.
    pub(super) update: String,
    /// `MessageJson` objects separated by commas (empty without messages).
    pub(super) messages: String,
    /// `AnswerJson` objects separated by commas (empty without answers).
    pub(super) answers: String,
    /// The new messages' UUIDs, to pick this turn's ids from the batch's.
    uuids: Vec<Uuid>,
}

impl QueuedTurn {
    /// Encodes a chat turn, with a fresh random token.
    pub(crate) fn encode(p: &TurnParams<'_>) -> serde_json::Result<QueuedTurn> {
        Self::encode_with(p, None)
    }

    /// Encodes a turn; a call's turn names the claim (`node`, call UUID) it is saved under.
    pub(super) fn encode_with(
        p: &TurnParams<'_>,
        claim: Option<(&str, Uuid)>,
    ) -> serde_json::Result<QueuedTurn> {
        let token = Uuid::new_v4().as_u64_pair().0.cast_signed();
        let (dialog, at) = (p.dialog.0, p.at.0.timestamp_millis());
        let update = serde_json::to_string(&UpdateJson {
            token,
            company: p.company.0,
            dialog,
            version: p.expected_version,
            agent: p.update.agent_id.0,
            scenario_version: p.update.scenario_version,
            status: p.update.status.as_str(),
            state: &p.state,
            result: p.update.result.as_deref(),
            operator: p.update.operator_id.map(|id| id.0),
            error: p.update.error.as_deref(),
            at,
            ended_at: p.ended_at.map(|ts| ts.0.timestamp_millis()),
            node: claim.map(|(node, _)| node),
            claim: claim.map(|(_, uuid)| uuid.simple().to_string()),
        })?;
        let messages = p.messages.iter().map(|m| {
            serde_json::to_string(&MessageJson {
                token,
                dialog,
                uuid: m.uuid.simple().to_string(),
                sender: m.message.sender.as_str(),
                text: &m.message.text,
                buttons: m.buttons.as_deref(),
                button_id: m.message.button_id.as_deref(),
                operator: m.message.operator_id.map(|id| id.0),
                at,
            })
        });
        let answers = p.answers.iter().zip(&p.values).map(|(a, value)| {
            serde_json::to_string(&AnswerJson {
                token,
                dialog,
                variable: &a.variable,
                question: &a.question,
                kind: &a.kind,
                answer: value,
                at,
            })
        });
        Ok(QueuedTurn {
            dialog,
            token,
            update,
            messages: messages.collect::<serde_json::Result<Vec<_>>>()?.join(","),
            answers: answers.collect::<serde_json::Result<Vec<_>>>()?.join(","),
            uuids: p.messages.iter().map(|m| m.uuid).collect(),
        })
    }
}

/// Binds the batch's three JSON arrays.
pub(super) fn bind_turns<'q>(
    query: sqlx::query::Query<'q, Sqlite, SqliteArguments>,
    turns: &[&QueuedTurn],
) -> sqlx::query::Query<'q, Sqlite, SqliteArguments> {
    query
        .bind(json_array(turns.iter().map(|turn| turn.update.as_str())))
        .bind(json_array(turns.iter().map(|turn| turn.messages.as_str())))
        .bind(json_array(turns.iter().map(|turn| turn.answers.as_str())))
}

impl Batched for QueuedTurn {
    type Saved = Saved;
    const NAME: &'static str = "turns";
    const SQL: &'static str = BATCH_SQL;

    fn dialog(&self) -> i64 {
        self.dialog
    }

    fn bytes(&self) -> usize {
        self.update.len() + self.messages.len() + self.answers.len()
    }

    fn bind<'q>(
        query: sqlx::query::Query<'q, Sqlite, SqliteArguments>,
        items: &[&Self],
    ) -> sqlx::query::Query<'q, Sqlite, SqliteArguments> {
        bind_turns(query, items)
    }

    fn split(items: &[&Self], rows: &[SqliteRow]) -> Vec<Result<Saved, sqlx::Error>> {
        split(items, rows)
    }
}

/// Each turn's answer from the batch's rows: its dialog (if its update matched) and its messages'
/// ids.
fn split(turns: &[&QueuedTurn], rows: &[SqliteRow]) -> Vec<Result<Saved, sqlx::Error>> {
    match read_rows(rows) {
        Ok((mut dialogs, ids)) => turns
            .iter()
            .map(|turn| {
                let mine = turn
                    .uuids
                    .iter()
                    .filter_map(|uuid| ids.get(uuid).map(|id| (*id, *uuid)))
                    .collect();
                Ok((dialogs.remove(&turn.dialog), mine))
            })
            .collect(),
        Err(err) => turns
            .iter()
            .map(|_| Err(sqlx::Error::Decode(err.clone().into())))
            .collect(),
    }
}

/// What a batch returned: the updated dialogs by id and the new message ids by UUID.
type BatchRows = (HashMap<i64, DialogRow>, HashMap<Uuid, i64>);

/// Sorts the rows a batch returned.
fn read_rows(rows: &[SqliteRow]) -> Result<BatchRows, String> {
    let mut dialogs = HashMap::new();
    let mut ids = HashMap::new();
    for row in rows {
        if let Ok(json) = row.try_get::<Option<String>, _>("message_ids") {
            for (id, uuid) in message_ids(json.as_deref().unwrap_or("[]"))? {
                ids.insert(uuid, id);
            }
        } else {
            let dialog = DialogRow::from_row(row).map_err(|e| format!("a saved dialog: {e}"))?;
            dialogs.insert(dialog.id, dialog);
        }
    }
    Ok((dialogs, ids))
}

/// Parses `[[id, "HEX UUID"], …]`.
fn message_ids(json: &str) -> Result<Vec<(i64, Uuid)>, String> {
    let pairs: Vec<(i64, String)> =
        serde_json::from_str(json).map_err(|e| format!("message ids {json}: {e}"))?;
    pairs
        .into_iter()
        .map(|(id, hex)| {
            Uuid::try_parse(&hex)
                .map(|uuid| (id, uuid))
                .map_err(|e| format!("message uuid {hex}: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_parse() {
        let uuid = Uuid::now_v7();
        let json = format!("[[7,\"{}\"]]", uuid.simple().to_string().to_uppercase());
        assert_eq!(message_ids(&json), Ok(vec![(7, uuid)]));
        assert!(message_ids("[[7,\"zz\"]]").is_err());
    }
}
