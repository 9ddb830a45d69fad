//! `DialogStore`: creating, finding and listing dialogs, and reading their messages and answers
//! (saving a turn is in `turns`, files are in `files`).

use async_trait::async_trait;
use parley_domain::dialog::{
    Answer, Dialog, DialogFilter, DialogStatus, DialogUpdate, Message, NewAnswer, NewDialog,
    NewMessage,
};
use parley_domain::file::{FileMeta, NewFile};
use parley_domain::ids::{CompanyId, DialogId, FileId, MessageId, Ref, Uuid};
use parley_domain::ports::DialogStore;
use parley_domain::values::{Page, Paged};
use parley_domain::{Error, Result};
use parley_scenario::DialogState;
use sqlx::AssertSqlSafe;

use crate::SqlStore;
use crate::args::{Arg, bind_args};
use crate::dialog_rows::{AnswerRow, DialogRow, MessageRow, dialog_cols, message_cols};
use crate::errors::{self, to_i64};
use crate::time::Ts;

/// `WHERE …` for a filter, with `$n` placeholders numbered from 1, and the values to bind.
fn filter_sql(company: CompanyId, filter: &DialogFilter) -> (String, Vec<Arg>) {
    let mut args = vec![Arg::Int(company.0)];
    let mut sql = String::from(" WHERE company_id = $1");
    let mut add = |condition: &str, arg: Arg| {
        args.push(arg);
        sql.push_str(&format!(" AND {condition} ${}", args.len()));
    };
    if let Some(agent) = filter.agent_id {
        add("agent_id =", Arg::Int(agent.0));
    }
    if let Some(status) = filter.status {
        add("status =", Arg::Text(status.as_str().to_owned()));
    }
    let bounds = [
        ("created_at >=", filter.created_from),
        ("created_at <=", filter.created_to),
        ("updated_at >=", filter.updated_from),
        ("updated_at <=", filter.updated_to),
    ];
    for (condition, at) in bounds {
        if let Some(at) = at {
            add(condition, Arg::Time(Ts::from(at)));
        }
    }
    (sql, args)
}

impl SqlStore {
    /// `NotFound` unless `dialog` exists in `company` (lists call it only when they come back empty).
    pub(crate) async fn ensure_dialog(&self, company: CompanyId, dialog: DialogId) -> Result<()> {
        let sql = "SELECT id FROM dialogs WHERE company_id = $1 AND id = $2";
        let found = on_db!(self, read, |conn| {
            sqlx::query(sql)
                .bind(company.0)
                .bind(dialog.0)
                .fetch_optional(&mut *conn)
                .await
                .map(|row| row.is_some())
        })
        .map_err(errors::db("checking a dialog"))?;
        if found {
            Ok(())
        } else {
            Err(Error::not_found("dialog", dialog))
        }
    }
}

#[async_trait]
impl DialogStore for SqlStore {
    async fn create_dialog(&self, company: CompanyId, dialog: NewDialog) -> Result<Dialog> {
        let now = Ts::from(self.now());
        let inputs = serde_json::to_string(&dialog.inputs)
            .map_err(|e| Error::internal("encoding dialog inputs", e))?;
        let state = serde_json::to_string(&DialogState::new())
            .map_err(|e| Error::internal("encoding a dialog state", e))?;
        let sql = concat!(
            "INSERT INTO dialogs (uuid, company_id, agent_id, scenario_version, channel, status, entry, inputs, state, ",
            "source, ip, location, version, created_at, updated_at) ",
            "SELECT $1, company_id, id, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13, $13 FROM agents ",
            "WHERE company_id = $2 AND id = $3 RETURNING ",
            dialog_cols!()
        );
        let row: Option<DialogRow> = on_db!(self, write, |conn| {
            sqlx::query_as(sql)
                .bind(Uuid::now_v7())
                .bind(company.0)
                .bind(dialog.agent_id.0)
                .bind(dialog.scenario_version)
                .bind(dialog.channel.as_str())
                .bind(DialogStatus::Active.as_str())
                .bind(&dialog.entry)
                .bind(&inputs)
                .bind(&state)
                .bind(&dialog.source)
                .bind(&dialog.ip)
                .bind(&dialog.location)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("creating a dialog"))?;
        row.ok_or_else(|| Error::not_found("agent", dialog.agent_id))?
            .into_dialog()
    }

    async fn dialog(&self, company: CompanyId, dialog: Ref<DialogId>) -> Result<Dialog> {
        let by_id = concat!(
            "SELECT ",
            dialog_cols!(),
            " FROM dialogs WHERE company_id = $1 AND id = $2"
        );
        let by_uuid = concat!(
            "SELECT ",
            dialog_cols!(),
            " FROM dialogs WHERE company_id = $1 AND uuid = $2"
        );
        let row: Option<DialogRow> = fetch_by_ref!(self, by_id, by_uuid, company, dialog)
            .map_err(errors::db("loading a dialog"))?;
        row.ok_or_else(|| Error::not_found("dialog", dialog))?
            .into_dialog()
    }

    async fn dialogs_by_id(&self, company: CompanyId, ids: &[DialogId]) -> Result<Vec<Dialog>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(&ids.iter().map(|id| id.0).collect::<Vec<_>>())
            .map_err(|e| Error::internal("encoding dialog ids", e))?;
        let rows: Vec<DialogRow> = match &self.backend {
            crate::Backend::Sqlite(_) => {
                let sql = concat!(
                    "SELECT ",
                    dialog_cols!(),
                    " FROM dialogs WHERE company_id = $1 AND id IN (SELECT value FROM json_each($2))"
                );
                on_db!(self, read, |conn| sqlx::query_as(sql)
                    .bind(company.0)
                    .bind(&ids)
                    .fetch_all(&mut *conn)
                    .await)
            }
            crate::Backend::Postgres { .. } => {
                let sql = concat!(
                    "SELECT ",
                    dialog_cols!(),
                    " FROM dialogs WHERE company_id = $1 AND id IN ",
                    "(SELECT jsonb_array_elements_text($2::jsonb)::bigint)"
                );
                on_db!(self, read, |conn| sqlx::query_as(sql)
                    .bind(company.0)
                    .bind(&ids)
                    .fetch_all(&mut *conn)
                    .await)
            }
        }
        .map_err(errors::db("loading dialogs"))?;
        rows.into_iter().map(DialogRow::into_dialog).collect()
    }

    async fn dialogs(
        &self,
        company: CompanyId,
        filter: &DialogFilter,
        page: Page,
    ) -> Result<Paged<Dialog>> {
        let (condition, mut args) = filter_sql(company, filter);
        let count_sql = format!("SELECT COUNT(*) FROM dialogs{condition}");
        args.extend([Arg::Int(to_i64(page.limit)), Arg::Int(to_i64(page.offset))]);
        let page_sql = format!(
            "SELECT {} FROM dialogs{condition} ORDER BY created_at DESC, id DESC LIMIT ${} OFFSET ${}",
            dialog_cols!(),
            args.len() - 1,
            args.len()
        );
        let rows: Vec<DialogRow> = on_db!(self, read, |conn| {
            bind_args!(sqlx::query_as(AssertSqlSafe(page_sql)), &args)
                .fetch_all(&mut *conn)
                .await
        })
        .map_err(errors::db("listing dialogs"))?;
        let len = rows.len() as u64;
        // A short page that is not past the end already tells the total.
        let total = if len < page.limit && (len > 0 || page.offset == 0) {
            page.offset + len
        } else {
            let filter_args = &args[..args.len() - 2];
            let count: i64 = on_db!(self, read, |conn| {
                bind_args!(sqlx::query_scalar(AssertSqlSafe(count_sql)), filter_args)
                    .fetch_one(&mut *conn)
                    .await
            })
            .map_err(errors::db("counting dialogs"))?;
            u64::try_from(count).unwrap_or_default()
        };
        let items = rows
            .into_iter()
            .map(DialogRow::into_dialog)
            .collect::<Result<_>>()?;
        Ok(Paged { items, total })
    }

    async fn save_turn(
        &self,
        company: CompanyId,
        dialog: DialogId,
        expected_version: i64,
        update: &DialogUpdate,
        messages: &[NewMessage],
        answers: &[NewAnswer],
    ) -> Result<(Dialog, Vec<Message>)> {
        self.save_turn_atomically(company, dialog, expected_version, update, messages, answers)
            .await
    }

    async fn messages(
        &self,
        company: CompanyId,
        dialog: DialogId,
        after: Option<MessageId>,
    ) -> Result<Vec<Message>> {
        let sql = concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE dialog_id = $2 AND id > $3 ",
            "AND EXISTS (SELECT 1 FROM dialogs d WHERE d.id = $2 AND d.company_id = $1) ORDER BY id"
        );
        let after = after.map_or(0, |id| id.0);
        let rows: Vec<MessageRow> = on_db!(self, read, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(dialog.0)
                .bind(after)
                .fetch_all(&mut *conn)
                .await
        })
        .map_err(errors::db("listing messages"))?;
        if rows.is_empty() {
            self.ensure_dialog(company, dialog).await?;
        }
        rows.into_iter().map(MessageRow::into_message).collect()
    }

    async fn answers(&self, company: CompanyId, dialog: DialogId) -> Result<Vec<Answer>> {
        let sql = "SELECT variable, question, kind, answer, deleted, created_at FROM answers WHERE dialog_id = $2 \
                   AND EXISTS (SELECT 1 FROM dialogs d WHERE d.id = $2 AND d.company_id = $1) ORDER BY id";
        let rows: Vec<AnswerRow> = on_db!(self, read, |conn| sqlx::query_as(sql)
            .bind(company.0)
            .bind(dialog.0)
            .fetch_all(&mut *conn)
            .await)
        .map_err(errors::db("listing answers"))?;
        if rows.is_empty() {
            self.ensure_dialog(company, dialog).await?;
        }
        rows.into_iter().map(AnswerRow::into_answer).collect()
    }

    async fn add_file(
        &self,
        company: CompanyId,
        dialog: DialogId,
        file: NewFile,
    ) -> Result<FileMeta> {
        self.insert_file(company, dialog, file).await
    }

    async fn file(&self, company: CompanyId, file: Ref<FileId>) -> Result<(FileMeta, Vec<u8>)> {
        self.file_with_bytes(company, file).await
    }

    async fn files(&self, company: CompanyId, dialog: DialogId) -> Result<Vec<FileMeta>> {
        self.dialog_files(company, dialog).await
    }
}
