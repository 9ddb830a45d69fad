//! Saving one turn of a dialog atomically in one round trip: the versioned update of the dialog,
//! its messages and its answers go to the database together (PostgreSQL: one statement with
//! data-modifying CTEs; SQLite: one transaction shared with the turns queued at the same moment,
//! see `sqlite::group_commit` and `sqlite::turn_batch`).

use chrono::{DateTime, Utc};
use parley_domain::dialog::{Dialog, DialogUpdate, Message, NewAnswer, NewMessage};
use parley_domain::ids::{CompanyId, DialogId, MessageId, Uuid};
use parley_domain::{Error, ErrorKind, Result};
use sqlx::{AssertSqlSafe, FromRow, PgConnection, Row};

use crate::dialog_rows::{DialogRow, buttons_to_json, dialog_cols};
use crate::sqlite::QueuedTurn;
use crate::time::Ts;
use crate::{Backend, SqlStore, errors};

/// Parameters of the dialog update, `$1 … $12`; message and answer rows follow.
const UPDATE_PARAMS: usize = 12;
/// Parameters per message row: uuid, sender, text, buttons, button_id, operator_id.
const MESSAGE_PARAMS: usize = 6;
/// Parameters per answer row: variable, question, kind, answer.
const ANSWER_PARAMS: usize = 4;
/// The most parameters one statement may use (SQLite numbers them up to 32766).
const MAX_PARAMS: usize = 32_000;

const UPDATE_DIALOG: &str = concat!(
    "UPDATE dialogs SET agent_id = $4, scenario_version = $5, status = $6, state = $7, result = $8, ",
    "operator_id = $9, error = $10, version = version + 1, updated_at = $11, ended_at = COALESCE(ended_at, $12) ",
    "WHERE company_id = $1 AND id = $2 AND version = $3 RETURNING ",
    dialog_cols!()
);

/// `($first, $first+1, …)` tuples for `rows` rows of `width` parameters each, with `fixed` (SQL)
/// placed before each row's own parameters.
fn tuples(rows: usize, width: usize, first: usize, fixed: &[&str], suffix: &[&str]) -> String {
    (0..rows)
        .map(|row| {
            let own = (0..width).map(|col| format!("${}", first + row * width + col));
            let all: Vec<String> = fixed
                .iter()
                .map(|s| (*s).to_owned())
                .chain(own)
                .chain(suffix.iter().map(|s| (*s).to_owned()))
                .collect();
            format!("({})", all.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// PostgreSQL: one atomic statement; the inserts take their rows from the update's result, so
/// nothing is written when the version check fails. One row per message (or one row without a
/// message), each carrying the dialog.
fn postgres_sql(messages: usize, answers: usize) -> String {
    let mut sql = format!("WITH d AS ({UPDATE_DIALOG})");
    let answers_from = UPDATE_PARAMS + 1 + messages * MESSAGE_PARAMS;
    if messages > 0 {
        sql.push_str(&format!(
            ", m AS (INSERT INTO messages (dialog_id, uuid, sender, text, buttons, button_id, operator_id, created_at) \
             SELECT d.id, v.uuid, v.sender, v.text, v.buttons, v.button_id, v.operator_id, d.updated_at \
             FROM d CROSS JOIN (VALUES {}) AS v (uuid, sender, text, buttons, button_id, operator_id) \
             RETURNING id, uuid)",
            tuples(messages, MESSAGE_PARAMS, UPDATE_PARAMS + 1, &[], &[])
        ));
    }
    if answers > 0 {
        sql.push_str(&format!(
            ", a AS (INSERT INTO answers (dialog_id, variable, question, kind, answer, created_at) \
             SELECT d.id, v.variable, v.question, v.kind, v.answer, d.updated_at \
             FROM d CROSS JOIN (VALUES {}) AS v (variable, question, kind, answer))",
            tuples(answers, ANSWER_PARAMS, answers_from, &[], &[])
        ));
    }
    let columns = dialog_cols!()
        .split(", ")
        .map(|c| format!("d.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    if messages > 0 {
        sql.push_str(&format!(
            " SELECT {columns}, m.id AS message_id, m.uuid AS message_uuid FROM d LEFT JOIN m ON TRUE ORDER BY m.id"
        ));
    } else {
        sql.push_str(&format!(
            " SELECT {columns}, NULL::BIGINT AS message_id, NULL::UUID AS message_uuid FROM d"
        ));
    }
    sql
}

/// Binds a turn's parameters in the order the PostgreSQL statement numbers them.
macro_rules! bind_turn {
    ($query:expr, $p:expr) => {{
        let p = $p;
        let mut query = $query
            .bind(p.company.0)
            .bind(p.dialog.0)
            .bind(p.expected_version)
            .bind(p.update.agent_id.0)
            .bind(p.update.scenario_version)
            .bind(p.update.status.as_str())
            .bind(&p.state)
            .bind(&p.update.result)
            .bind(p.update.operator_id.map(|id| id.0))
            .bind(&p.update.error)
            .bind(p.at)
            .bind(p.ended_at);
        for m in &p.messages {
            query = query
                .bind(m.uuid)
                .bind(m.message.sender.as_str())
                .bind(&m.message.text)
                .bind(&m.buttons)
                .bind(&m.message.button_id)
                .bind(m.message.operator_id.map(|id| id.0));
        }
        for (answer, value) in p.answers.iter().zip(&p.values) {
            query = query
                .bind(&answer.variable)
                .bind(&answer.question)
                .bind(&answer.kind)
                .bind(value);
        }
        query
    }};
}

/// Reads the dialog and the new message ids from the rows the PostgreSQL statement returns: one
/// row per message with `message_id` and `message_uuid`.
macro_rules! read_rows {
    ($rows:expr) => {{
        let mut dialog: Option<DialogRow> = None;
        let mut ids: Vec<(i64, Uuid)> = Vec::new();
        for row in &$rows {
            if dialog.is_none() && row.try_column("version").is_ok() {
                dialog = Some(DialogRow::from_row(row)?);
            }
            if let Some(id) = row.try_get::<Option<i64>, _>("message_id").ok().flatten() {
                ids.push((id, row.try_get("message_uuid")?));
            }
        }
        (dialog, ids)
    }};
}

/// What the statement returned: the updated dialog (none when the version check failed) and
/// the ids of the new messages by UUID.
pub(crate) type Saved = (Option<DialogRow>, Vec<(i64, Uuid)>);

/// A message ready to insert: its new UUID and its buttons as JSON.
pub(crate) struct Prepared<'a> {
    pub(crate) uuid: Uuid,
    pub(crate) buttons: Option<String>,
    pub(crate) message: &'a NewMessage,
}

/// Everything bound into the turn's statement.
pub(crate) struct TurnParams<'a> {
    pub(crate) company: CompanyId,
    pub(crate) dialog: DialogId,
    pub(crate) expected_version: i64,
    pub(crate) update: &'a DialogUpdate,
    pub(crate) state: String,
    pub(crate) at: Ts,
    pub(crate) ended_at: Option<Ts>,
    pub(crate) messages: Vec<Prepared<'a>>,
    pub(crate) answers: &'a [NewAnswer],
    /// The answers' values as JSON text.
    pub(crate) values: Vec<String>,
}

/// A turn's parameters, with new message UUIDs, stamped `now`. `Invalid` when the turn is too
/// large for one statement.
pub(crate) fn turn_params<'a>(
    company: CompanyId,
    dialog: DialogId,
    expected_version: i64,
    update: &'a DialogUpdate,
    messages: &'a [NewMessage],
    answers: &'a [NewAnswer],
    now: DateTime<Utc>,
) -> Result<TurnParams<'a>> {
    let params = UPDATE_PARAMS + MESSAGE_PARAMS * messages.len() + ANSWER_PARAMS * answers.len();
    if params > MAX_PARAMS {
        return Err(Error::invalid(format!(
            "a turn of {} messages and {} answers is too large to save at once",
            messages.len(),
            answers.len()
        )));
    }
    let at = Ts::from(now);
    Ok(TurnParams {
        company,
        dialog,
        expected_version,
        update,
        state: serde_json::to_string(&update.state)
            .map_err(|e| Error::internal("encoding a dialog state", e))?,
        at,
        ended_at: update.status.is_final().then_some(at),
        messages: messages
            .iter()
            .map(|message| Prepared {
                uuid: Uuid::now_v7(),
                buttons: buttons_to_json(&message.buttons),
                message,
            })
            .collect(),
        answers,
        values: answers.iter().map(|a| a.answer.to_string()).collect(),
    })
}

/// Saves one turn on a PostgreSQL connection (in one statement; inside the caller's transaction
/// when it opened one).
pub(crate) async fn save_on_postgres(
    conn: &mut PgConnection,
    p: &TurnParams<'_>,
) -> Result<Saved, sqlx::Error> {
    let sql = postgres_sql(p.messages.len(), p.answers.len());
    let rows = bind_turn!(sqlx::query(AssertSqlSafe(sql)), p)
        .fetch_all(conn)
        .await?;
    Ok(read_rows!(rows))
}

impl SqlStore {
    pub(crate) async fn save_turn_atomically(
        &self,
        company: CompanyId,
        dialog: DialogId,
        expected_version: i64,
        update: &DialogUpdate,
        messages: &[NewMessage],
        answers: &[NewAnswer],
    ) -> Result<(Dialog, Vec<Message>)> {
        let now = self.now();
        let p = turn_params(
            company,
            dialog,
            expected_version,
            update,
            messages,
            answers,
            now,
        )?;

        let saved: Result<Saved, sqlx::Error> = match &self.backend {
            Backend::Sqlite(db) => match QueuedTurn::encode(&p) {
                Ok(turn) => db.save_turn(turn).await,
                Err(err) => Err(sqlx::Error::Encode(err.into())),
            },
            Backend::Postgres { pool } => {
                async {
                    let mut conn = pool.acquire().await?;
                    save_on_postgres(&mut conn, &p).await
                }
                .await
            }
        };
        let (row, ids) = saved.map_err(|err| match &err {
            sqlx::Error::Database(e) if e.is_foreign_key_violation() => {
                let operator = update
                    .operator_id
                    .map(|id| format!(" or operator {id}"))
                    .unwrap_or_default();
                Error::new(
                    ErrorKind::NotFound,
                    format!("agent {}{operator} not found", update.agent_id),
                )
                .with_source(err)
            }
            _ => errors::db("saving a dialog turn")(err),
        })?;
        let Some(row) = row else {
            // Nothing matched: a missing (or foreign) dialog, or another turn was saved first.
            self.ensure_dialog(company, dialog).await?;
            return Err(Error::conflict(format!(
                "dialog {dialog} changed since version {expected_version}; reload it and try again"
            )));
        };
        let saved = p
            .messages
            .iter()
            .map(|m| {
                let id = ids
                    .iter()
                    .find(|(_, uuid)| *uuid == m.uuid)
                    .map(|(id, _)| MessageId(*id))
                    .ok_or_else(|| {
                        Error::internal(
                            "saving a dialog turn",
                            format!("message {} was not returned by the insert", m.uuid),
                        )
                    })?;
                Ok(Message {
                    id,
                    uuid: m.uuid,
                    dialog_id: dialog,
                    sender: m.message.sender,
                    text: m.message.text.clone(),
                    buttons: m.message.buttons.clone(),
                    button_id: m.message.button_id.clone(),
                    operator_id: m.message.operator_id,
                    created_at: now,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((row.into_dialog()?, saved))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_number_their_parameters_after_the_update() {
        assert_eq!(
            tuples(2, 2, 13, &["$2"], &["$11"]),
            "($2, $13, $14, $11), ($2, $15, $16, $11)"
        );
        let sql = postgres_sql(1, 1);
        assert!(
            sql.contains("(VALUES ($13, $14, $15, $16, $17, $18))"),
            "{sql}"
        );
        assert!(sql.contains("(VALUES ($19, $20, $21, $22))"), "{sql}");
        assert!(postgres_sql(0, 0).ends_with("NULL::UUID AS message_uuid FROM d"));
    }
}
