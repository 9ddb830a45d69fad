//! Call records (listing and finding them; they are written with their claim's release in
//! `claims`), their recordings, and the company's do-not-call list.

use std::collections::BTreeSet;

use parley_domain::call::{Call, CallFilter};
use parley_domain::dialer::PhoneNumber;
use parley_domain::ids::{CallId, CompanyId, Ref};
use parley_domain::line::Recording;
use parley_domain::values::{Page, Paged};
use parley_domain::{Error, Result};
use sqlx::AssertSqlSafe;

use super::rows::{CallRow, call_cols};
use crate::SqlStore;
use crate::args::{Arg, bind_args};
use crate::errors::{self, corrupt, to_i64};
use crate::time::Ts;

/// `WHERE …` for a call filter, `$n` numbered from 1, and the values to bind.
fn filter_sql(company: CompanyId, filter: &CallFilter) -> (String, Vec<Arg>) {
    let mut args = vec![Arg::Int(company.0)];
    let mut sql = String::from(" WHERE company_id = $1");
    let mut add = |condition: &str, arg: Arg| {
        args.push(arg);
        sql.push_str(&format!(" AND {condition} ${}", args.len()));
    };
    if let Some(agent) = filter.agent_id {
        add("agent_id =", Arg::Int(agent.0));
    }
    if let Some(campaign) = filter.campaign_id {
        add("campaign_id =", Arg::Int(campaign.0));
    }
    if let Some(dialog) = filter.dialog_id {
        add("dialog_id =", Arg::Int(dialog.0));
    }
    if let Some(from) = filter.started_from {
        add("started_at >=", Arg::Time(Ts::from(from)));
    }
    if let Some(to) = filter.started_to {
        add("started_at <", Arg::Time(Ts::from(to)));
    }
    (sql, args)
}

/// Counts the rows of `$count_sql` unless the page already tells the total.
macro_rules! total {
    ($store:expr, $page:expr, $len:expr, $count:expr, $context:expr) => {{
        let (page, len): (Page, u64) = ($page, $len);
        if len < page.limit && (len > 0 || page.offset == 0) {
            page.offset + len
        } else {
            let count: i64 = $count.map_err(errors::db($context))?;
            u64::try_from(count).unwrap_or_default()
        }
    }};
}

impl SqlStore {
    pub(crate) async fn call_by_ref(&self, company: CompanyId, call: Ref<CallId>) -> Result<Call> {
        let by_id = concat!(
            "SELECT ",
            call_cols!(),
            " FROM calls WHERE company_id = $1 AND id = $2"
        );
        let by_uuid = concat!(
            "SELECT ",
            call_cols!(),
            " FROM calls WHERE company_id = $1 AND uuid = $2"
        );
        let row: Option<CallRow> = fetch_by_ref!(self, by_id, by_uuid, company, call)
            .map_err(errors::db("loading a call"))?;
        row.ok_or_else(|| Error::not_found("call", call))?
            .into_call()
    }

    pub(crate) async fn list_calls(
        &self,
        company: CompanyId,
        filter: &CallFilter,
        page: Page,
    ) -> Result<Paged<Call>> {
        let (condition, mut args) = filter_sql(company, filter);
        let count_sql = format!("SELECT COUNT(*) FROM calls{condition}");
        args.extend([Arg::Int(to_i64(page.limit)), Arg::Int(to_i64(page.offset))]);
        let page_sql = format!(
            "SELECT {} FROM calls{condition} ORDER BY started_at, id LIMIT ${} OFFSET ${}",
            call_cols!(),
            args.len() - 1,
            args.len()
        );
        let rows: Vec<CallRow> = on_db!(self, read, |conn| {
            bind_args!(sqlx::query_as(AssertSqlSafe(page_sql)), &args)
                .fetch_all(&mut *conn)
                .await
        })
        .map_err(errors::db("listing calls"))?;
        let filter_args = &args[..args.len() - 2];
        let total = total!(
            self,
            page,
            rows.len() as u64,
            on_db!(self, read, |conn| {
                bind_args!(sqlx::query_scalar(AssertSqlSafe(count_sql)), filter_args)
                    .fetch_one(&mut *conn)
                    .await
            }),
            "counting calls"
        );
        let items = rows
            .into_iter()
            .map(CallRow::into_call)
            .collect::<Result<_>>()?;
        Ok(Paged { items, total })
    }

    pub(crate) async fn store_recording(
        &self,
        company: CompanyId,
        call: CallId,
        recording: &Recording,
    ) -> Result<()> {
        let sql = "INSERT INTO call_recordings (call_id, file_name, content_type, bytes) \
                   SELECT id, $3, $4, $5 FROM calls WHERE company_id = $1 AND id = $2 \
                   ON CONFLICT (call_id) DO UPDATE SET file_name = excluded.file_name, \
                   content_type = excluded.content_type, bytes = excluded.bytes";
        let done = on_db!(self, write, |conn| {
            sqlx::query(sql)
                .bind(company.0)
                .bind(call.0)
                .bind(&recording.file_name)
                .bind(&recording.content_type)
                .bind(&recording.bytes)
                .execute(&mut *conn)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(errors::db("storing a recording"))?;
        if done == 0 {
            return Err(Error::not_found("call", call));
        }
        Ok(())
    }

    pub(crate) async fn load_recording(
        &self,
        company: CompanyId,
        call: CallId,
    ) -> Result<Option<Recording>> {
        let sql = "SELECT r.file_name, r.content_type, r.bytes FROM call_recordings r \
                   JOIN calls c ON c.id = r.call_id WHERE c.company_id = $1 AND c.id = $2";
        let row: Option<(String, String, Vec<u8>)> = on_db!(self, read, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(call.0)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("loading a recording"))?;
        match row {
            Some((file_name, content_type, bytes)) => Ok(Some(Recording {
                file_name,
                content_type,
                bytes,
            })),
            None => {
                self.call_by_ref(company, Ref::Id(call)).await?;
                Ok(None)
            }
        }
    }

    pub(crate) async fn add_dnc(&self, company: CompanyId, phones: &[PhoneNumber]) -> Result<u64> {
        let digits: BTreeSet<&str> = phones.iter().map(PhoneNumber::digits).collect();
        if digits.is_empty() {
            return Ok(0);
        }
        let json = serde_json::to_string(&digits)
            .map_err(|e| Error::internal("encoding phone numbers", e))?;
        let now = Ts::from(self.now());
        let done = on_db!(self, write, |conn| {
            let sql = if matches!(self.backend, crate::Backend::Postgres { .. }) {
                "INSERT INTO do_not_call (company_id, phone, created_at) \
                 SELECT $1, jsonb_array_elements_text($3::jsonb), $2 ON CONFLICT DO NOTHING"
            } else {
                "INSERT INTO do_not_call (company_id, phone, created_at) \
                 SELECT $1, value, $2 FROM json_each($3) WHERE TRUE ON CONFLICT DO NOTHING"
            };
            sqlx::query(sql)
                .bind(company.0)
                .bind(now)
                .bind(&json)
                .execute(&mut *conn)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(errors::db("adding to the do-not-call list"))?;
        Ok(done)
    }

    pub(crate) async fn remove_dnc(&self, company: CompanyId, phone: &PhoneNumber) -> Result<()> {
        let sql = "DELETE FROM do_not_call WHERE company_id = $1 AND phone = $2";
        let done = on_db!(self, write, |conn| {
            sqlx::query(sql)
                .bind(company.0)
                .bind(phone.digits())
                .execute(&mut *conn)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(errors::db("removing from the do-not-call list"))?;
        if done == 0 {
            return Err(Error::not_found("do-not-call number", phone));
        }
        Ok(())
    }

    pub(crate) async fn list_dnc(
        &self,
        company: CompanyId,
        page: Page,
    ) -> Result<Paged<PhoneNumber>> {
        let sql = "SELECT phone FROM do_not_call WHERE company_id = $1 ORDER BY phone \
                   LIMIT $2 OFFSET $3";
        let rows: Vec<String> = on_db!(self, read, |conn| {
            sqlx::query_scalar(sql)
                .bind(company.0)
                .bind(to_i64(page.limit))
                .bind(to_i64(page.offset))
                .fetch_all(&mut *conn)
                .await
        })
        .map_err(errors::db("listing the do-not-call list"))?;
        let total = total!(
            self,
            page,
            rows.len() as u64,
            on_db!(self, read, |conn| {
                sqlx::query_scalar("SELECT COUNT(*) FROM do_not_call WHERE company_id = $1")
                    .bind(company.0)
                    .fetch_one(&mut *conn)
                    .await
            }),
            "counting the do-not-call list"
        );
        let items = rows
            .iter()
            .map(|digits| {
                PhoneNumber::parse(digits).map_err(|e| corrupt("reading a do-not-call number", e))
            })
            .collect::<Result<_>>()?;
        Ok(Paged { items, total })
    }
}
