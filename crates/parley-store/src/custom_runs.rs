//! `CustomBlockStore`: runs of external custom blocks, keyed by their token's id, in the
//! `custom_runs` table (migration 0004).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parley_domain::custom_block::{CustomRun, NewCustomRun};
use parley_domain::ids::{CompanyId, DialogId};
use parley_domain::ports::CustomBlockStore;
use parley_domain::{Error, Result};
use sqlx::Connection;

use crate::SqlStore;
use crate::errors::{self, corrupt};
use crate::time::Ts;

macro_rules! run_cols {
    () => {
        "token_id, company_id, dialog_id, block, url, params, typing, created_at, expires_at, \
         delivered_at, finished_at"
    };
}

#[derive(Debug, sqlx::FromRow)]
struct RunRow {
    token_id: String,
    company_id: i64,
    dialog_id: i64,
    block: String,
    url: String,
    params: String,
    typing: bool,
    created_at: Ts,
    expires_at: Ts,
    delivered_at: Option<Ts>,
    finished_at: Option<Ts>,
}

impl RunRow {
    fn into_run(self) -> Result<CustomRun> {
        let params = serde_json::from_str(&self.params)
            .map_err(|e| corrupt("reading a custom block's params", e))?;
        Ok(CustomRun {
            token_id: self.token_id,
            company_id: CompanyId(self.company_id),
            dialog_id: DialogId(self.dialog_id),
            block: self.block,
            url: self.url,
            params,
            typing: self.typing,
            created_at: self.created_at.into(),
            expires_at: self.expires_at.into(),
            delivered_at: self.delivered_at.map(Into::into),
            finished_at: self.finished_at.map(Into::into),
        })
    }
}

fn run_of(row: Option<RunRow>) -> Result<Option<CustomRun>> {
    row.map(RunRow::into_run).transpose()
}

#[async_trait]
impl CustomBlockStore for SqlStore {
    async fn start_custom_run(&self, company: CompanyId, run: &NewCustomRun) -> Result<CustomRun> {
        let now = Ts::from(self.now());
        let params = run.params.to_string();
        let supersede = "UPDATE custom_runs SET finished_at = $3 \
                         WHERE company_id = $1 AND dialog_id = $2 AND finished_at IS NULL";
        let insert = concat!(
            "INSERT INTO custom_runs (token_id, company_id, dialog_id, block, url, params, created_at, expires_at) ",
            "SELECT $1, company_id, id, $4, $5, $6, $7, $8 FROM dialogs WHERE company_id = $2 AND id = $3 ",
            "RETURNING ",
            run_cols!()
        );
        let row: Option<RunRow> = on_db!(self, write, |conn| async {
            let mut tx = conn.begin().await?;
            sqlx::query(supersede)
                .bind(company.0)
                .bind(run.dialog_id.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let row = sqlx::query_as(insert)
                .bind(&run.token_id)
                .bind(company.0)
                .bind(run.dialog_id.0)
                .bind(&run.block)
                .bind(&run.url)
                .bind(&params)
                .bind(now)
                .bind(Ts::from(run.expires_at))
                .fetch_optional(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(row)
        }
        .await)
        .map_err(errors::unique("recording a custom block run", || {
            "a custom block run with this token id already exists".to_owned()
        }))?;
        run_of(row)?.ok_or_else(|| Error::not_found("dialog", run.dialog_id))
    }

    async fn custom_run(&self, company: CompanyId, token_id: &str) -> Result<CustomRun> {
        let sql = concat!(
            "SELECT ",
            run_cols!(),
            " FROM custom_runs WHERE company_id = $1 AND token_id = $2"
        );
        let row: Option<RunRow> = on_db!(self, read, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(token_id)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("loading a custom block run"))?;
        run_of(row)?.ok_or_else(|| Error::not_found("custom block run", token_id))
    }

    async fn open_custom_run(
        &self,
        company: CompanyId,
        dialog: DialogId,
    ) -> Result<Option<CustomRun>> {
        let sql = concat!(
            "SELECT ",
            run_cols!(),
            " FROM custom_runs WHERE company_id = $1 AND dialog_id = $2 AND finished_at IS NULL ",
            "ORDER BY created_at DESC LIMIT 1"
        );
        let row: Option<RunRow> = on_db!(self, read, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(dialog.0)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("loading a dialog's custom block run"))?;
        run_of(row)
    }

    async fn claim_custom_delivery(
        &self,
        company: CompanyId,
        token_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<CustomRun>> {
        let sql = concat!(
            "UPDATE custom_runs SET delivered_at = $3 ",
            "WHERE company_id = $1 AND token_id = $2 AND delivered_at IS NULL AND finished_at IS NULL ",
            "RETURNING ",
            run_cols!()
        );
        self.update_run(sql, company, token_id, now, "claiming a custom block run")
            .await
    }

    async fn set_custom_typing(
        &self,
        company: CompanyId,
        token_id: &str,
        typing: bool,
    ) -> Result<()> {
        let sql = "UPDATE custom_runs SET typing = $3 WHERE company_id = $1 AND token_id = $2";
        let done = on_db!(self, write, |conn| {
            sqlx::query(sql)
                .bind(company.0)
                .bind(token_id)
                .bind(typing)
                .execute(&mut *conn)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(errors::db("recording a custom block's typing"))?;
        if done == 0 {
            return Err(Error::not_found("custom block run", token_id));
        }
        Ok(())
    }

    async fn finish_custom_run(
        &self,
        company: CompanyId,
        token_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<CustomRun>> {
        let sql = concat!(
            "UPDATE custom_runs SET finished_at = $3, typing = FALSE ",
            "WHERE company_id = $1 AND token_id = $2 AND finished_at IS NULL AND expires_at > $3 ",
            "RETURNING ",
            run_cols!()
        );
        self.update_run(sql, company, token_id, now, "finishing a custom block run")
            .await
    }
}

impl SqlStore {
    /// Runs a conditional `UPDATE … RETURNING` of one run bound with (company, token, now).
    async fn update_run(
        &self,
        sql: &'static str,
        company: CompanyId,
        token_id: &str,
        now: DateTime<Utc>,
        context: &'static str,
    ) -> Result<Option<CustomRun>> {
        let row: Option<RunRow> = on_db!(self, write, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(token_id)
                .bind(Ts::from(now))
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db(context))?;
        run_of(row)
    }
}
