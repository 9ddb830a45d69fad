//! Saving one turn of a dialog: a single short write transaction (versioned update, then the
//! messages and answers in multi-row inserts).

use parley_domain::dialog::{Dialog, DialogUpdate, Message, NewAnswer, NewMessage};
use parley_domain::ids::{CompanyId, DialogId, MessageId, Uuid};
use parley_domain::{Error, ErrorKind, Result};
use sqlx::AssertSqlSafe;

use crate::SqlStore;
use crate::dialog_rows::{DialogRow, buttons_to_json, dialog_cols};
use crate::errors;
use crate::time::Ts;

/// Rows per multi-row insert, well under both backends' parameter limits.
const ROWS_PER_INSERT: usize = 500;

const UPDATE_DIALOG: &str = concat!(
    "UPDATE dialogs SET agent_id = $4, scenario_version = $5, status = $6, state = $7, result = $8, ",
    "operator_id = $9, error = $10, version = version + 1, updated_at = $11, ended_at = COALESCE(ended_at, $12) ",
    "WHERE company_id = $1 AND id = $2 AND version = $3 RETURNING ",
    dialog_cols!()
);

/// A message ready to insert: its new UUID and its buttons as JSON.
struct Prepared<'a> {
    uuid: Uuid,
    buttons: Option<String>,
    message: &'a NewMessage,
}

/// `INSERT INTO {table} ({columns}) VALUES ($1, …), (…) {suffix}` for `rows` rows.
fn insert_sql(table: &str, columns: &[&str], rows: usize, suffix: &str) -> String {
    let width = columns.len();
    let tuples: Vec<String> = (0..rows)
        .map(|row| {
            let params: Vec<String> = (1..=width)
                .map(|col| format!("${}", row * width + col))
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO {table} ({}) VALUES {}{suffix}",
        columns.join(", "),
        tuples.join(", ")
    )
}

const MESSAGE_COLUMNS: [&str; 8] = [
    "uuid",
    "dialog_id",
    "sender",
    "text",
    "buttons",
    "button_id",
    "operator_id",
    "created_at",
];
const ANSWER_COLUMNS: [&str; 6] = [
    "dialog_id",
    "variable",
    "question",
    "kind",
    "answer",
    "created_at",
];

impl SqlStore {
    pub(crate) async fn save_turn_in_transaction(
        &self,
        company: CompanyId,
        dialog: DialogId,
        expected_version: i64,
        update: &DialogUpdate,
        messages: &[NewMessage],
        answers: &[NewAnswer],
    ) -> Result<(Dialog, Vec<Message>)> {
        let now = self.now();
        let at = Ts::from(now);
        let state = serde_json::to_string(&update.state)
            .map_err(|e| Error::internal("encoding a dialog state", e))?;
        let ended_at = update.status.is_final().then_some(at);
        let prepared: Vec<Prepared<'_>> = messages
            .iter()
            .map(|message| Prepared {
                uuid: Uuid::now_v7(),
                buttons: buttons_to_json(&message.buttons),
                message,
            })
            .collect();
        let values: Vec<String> = answers.iter().map(|a| a.answer.to_string()).collect();

        let saved: Option<(DialogRow, Vec<(i64, Uuid)>)> = on_db!(self, write, |pool| async {
            let mut tx = pool.begin().await?;
            let row: Option<DialogRow> = sqlx::query_as(UPDATE_DIALOG)
                .bind(company.0)
                .bind(dialog.0)
                .bind(expected_version)
                .bind(update.agent_id.0)
                .bind(update.scenario_version)
                .bind(update.status.as_str())
                .bind(&state)
                .bind(&update.result)
                .bind(update.operator_id.map(|id| id.0))
                .bind(&update.error)
                .bind(at)
                .bind(ended_at)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else { return Ok(None) };
            let mut ids = Vec::with_capacity(prepared.len());
            for chunk in prepared.chunks(ROWS_PER_INSERT) {
                let sql = insert_sql(
                    "messages",
                    &MESSAGE_COLUMNS,
                    chunk.len(),
                    " RETURNING id, uuid",
                );
                let mut query = sqlx::query_as::<_, (i64, Uuid)>(AssertSqlSafe(sql));
                for p in chunk {
                    query = query
                        .bind(p.uuid)
                        .bind(dialog.0)
                        .bind(p.message.sender.as_str())
                        .bind(&p.message.text)
                        .bind(&p.buttons)
                        .bind(&p.message.button_id)
                        .bind(p.message.operator_id.map(|id| id.0))
                        .bind(at);
                }
                ids.extend(query.fetch_all(&mut *tx).await?);
            }
            for (chunk, values) in answers
                .chunks(ROWS_PER_INSERT)
                .zip(values.chunks(ROWS_PER_INSERT))
            {
                let mut query = sqlx::query(AssertSqlSafe(insert_sql(
                    "answers",
                    &ANSWER_COLUMNS,
                    chunk.len(),
                    "",
                )));
                for (answer, value) in chunk.iter().zip(values) {
                    query = query
                        .bind(dialog.0)
                        .bind(&answer.variable)
                        .bind(&answer.question)
                        .bind(&answer.kind)
                        .bind(value)
                        .bind(at);
                }
                query.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(Some((row, ids)))
        }
        .await)
        .map_err(|err| match &err {
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

        let Some((row, ids)) = saved else {
            // Nothing matched: a missing (or foreign) dialog, or another turn was saved first.
            self.ensure_dialog(company, dialog).await?;
            return Err(Error::conflict(format!(
                "dialog {dialog} changed since version {expected_version}; reload it and try again"
            )));
        };
        let saved = prepared
            .iter()
            .map(|p| {
                let id = ids
                    .iter()
                    .find(|(_, uuid)| *uuid == p.uuid)
                    .map(|(id, _)| MessageId(*id))
                    .ok_or_else(|| {
                        Error::internal(
                            "saving a dialog turn",
                            format!("message {} was not returned by the insert", p.uuid),
                        )
                    })?;
                Ok(Message {
                    id,
                    uuid: p.uuid,
                    dialog_id: dialog,
                    sender: p.message.sender,
                    text: p.message.text.clone(),
                    buttons: p.message.buttons.clone(),
                    button_id: p.message.button_id.clone(),
                    operator_id: p.message.operator_id,
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
    fn multi_row_inserts_number_parameters_row_by_row() {
        assert_eq!(
            insert_sql("t", &["a", "b"], 1, ""),
            "INSERT INTO t (a, b) VALUES ($1, $2)"
        );
        assert_eq!(
            insert_sql("t", &["a", "b"], 2, " RETURNING id"),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) RETURNING id"
        );
    }
}
