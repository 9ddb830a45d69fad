//! Bulk uploads: the rows staged as received, queued chunk by chunk (each chunk in one
//! transaction, with one multi-row insert per table), and what became of each row.

use chrono::{DateTime, Utc};
use parley_domain::campaign::{NewQueued, UploadRow, UploadRowResult, UploadTask};
use parley_domain::ids::{CampaignId, CompanyId, Uuid};
use parley_domain::{Error, Result};
use serde::Serialize;

use super::Tx;
use super::queue::insert_entries;
use super::rows::{UploadRowDb, upload_cols};
use crate::errors::{self, corrupt, to_i64};
use crate::time::Ts;
use crate::{Backend, SqlStore};

/// Staged rows per insert statement.
const STAGE_BATCH: usize = 5000;

/// Uploads of at least this many rows refresh the queue's statistics when done (PostgreSQL).
const ANALYZE_AFTER: u64 = 10_000;

const SQLITE_STAGE: &str = concat!(
    "INSERT INTO upload_rows (task_id, row_number, phone, entry, variables, external_id) ",
    "SELECT $1, j.value ->> 'row', j.value ->> 'phone', j.value ->> 'entry', j.value ->> 'vars', ",
    "j.value ->> 'ext' FROM json_each($2) AS j"
);

const POSTGRES_STAGE: &str = concat!(
    "INSERT INTO upload_rows (task_id, row_number, phone, entry, variables, external_id) ",
    "SELECT $1, j.row, j.phone, j.entry, j.vars, j.ext FROM jsonb_to_recordset($2::jsonb) ",
    "AS j (row BIGINT, phone TEXT, entry TEXT, vars TEXT, ext TEXT)"
);

const SQLITE_RESULTS: &str = concat!(
    "INSERT INTO upload_results (task_id, row_number, phone, dialog_uuid, message) ",
    "SELECT $1, j.value ->> 'row', COALESCE(j.value ->> 'phone', r.phone, ''), ",
    "unhex(j.value ->> 'uuid'), j.value ->> 'message' FROM json_each($2) AS j ",
    "LEFT JOIN upload_rows r ON r.task_id = $1 AND r.row_number = j.value ->> 'row'"
);

const POSTGRES_RESULTS: &str = concat!(
    "INSERT INTO upload_results (task_id, row_number, phone, dialog_uuid, message) ",
    "SELECT $1, j.row, COALESCE(j.phone, r.phone, ''), j.uuid, j.message ",
    "FROM jsonb_to_recordset($2::jsonb) AS j (row BIGINT, phone TEXT, uuid UUID, message TEXT) ",
    "LEFT JOIN upload_rows r ON r.task_id = $1 AND r.row_number = j.row"
);

/// A staged row in the JSON array.
#[derive(Serialize)]
struct StageJson<'a> {
    row: u64,
    phone: &'a str,
    entry: Option<&'a str>,
    /// Variables as JSON text.
    vars: String,
    ext: Option<&'a str>,
}

/// A row's result in the JSON array.
#[derive(Serialize)]
struct ResultJson<'a> {
    row: u64,
    /// The number as sent; taken from the staged row when absent.
    phone: Option<&'a str>,
    /// 32 hex digits.
    uuid: Option<String>,
    message: String,
}

#[derive(sqlx::FromRow)]
struct StagedRow {
    phone: String,
    entry: Option<String>,
    variables: String,
    external_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ResultRow {
    row_number: i64,
    phone: String,
    dialog_uuid: Option<Uuid>,
    message: String,
}

/// The task's id, locked on PostgreSQL until the transaction ends; `Conflict` when its progress
/// is no longer `processed` (another worker queued this chunk).
async fn lock_task(tx: &mut Tx<'_>, task: &UploadTask) -> Result<i64> {
    let sql = if tx.is_postgres() {
        "SELECT id, processed FROM upload_tasks WHERE company_id = $1 AND uuid = $2 FOR UPDATE"
    } else {
        "SELECT id, processed FROM upload_tasks WHERE company_id = $1 AND uuid = $2"
    };
    let found: Option<(i64, i64)> = on_tx!(tx, |conn| {
        sqlx::query_as(sql)
            .bind(task.company_id.0)
            .bind(task.uuid)
            .fetch_optional(&mut *conn)
            .await
    })
    .map_err(errors::db("loading an upload"))?;
    let (id, processed) = found.ok_or_else(|| Error::not_found("upload", task.uuid))?;
    if processed != to_i64(task.processed) {
        return Err(Error::conflict(format!(
            "upload {} is at row {processed}, not {}; reload it",
            task.uuid, task.processed
        )));
    }
    Ok(id)
}

impl SqlStore {
    pub(crate) async fn stage_upload(
        &self,
        company: CompanyId,
        campaign: CampaignId,
        rows: &[UploadRow],
    ) -> Result<UploadTask> {
        let now = Ts::from(self.now());
        let mut batches = Vec::new();
        for (n, chunk) in rows.chunks(STAGE_BATCH).enumerate() {
            let first = (n * STAGE_BATCH) as u64;
            let items = chunk
                .iter()
                .zip(first..)
                .map(|(row, number)| {
                    Ok(StageJson {
                        row: number,
                        phone: &row.phone,
                        entry: row.entry.as_deref(),
                        vars: serde_json::to_string(&row.variables)?,
                        ext: row.external_id.as_deref(),
                    })
                })
                .collect::<serde_json::Result<Vec<_>>>()
                .and_then(|items| serde_json::to_string(&items))
                .map_err(|e| Error::internal("encoding upload rows", e))?;
            batches.push(items);
        }
        let row: UploadRowDb = in_tx!(self, "storing an upload", |tx| {
            let sql = concat!(
                "INSERT INTO upload_tasks (uuid, company_id, campaign_id, total, processed, rejected, created_at, ",
                "finished_at) ",
                "SELECT $1, company_id, id, $4, 0, 0, $5, CASE WHEN $4 = 0 THEN $5 END FROM campaigns ",
                "WHERE company_id = $2 AND id = $3 ",
                "RETURNING ",
                upload_cols!()
            );
            let task: Option<UploadRowDb> = on_tx!(tx, |conn| {
                sqlx::query_as(sql)
                    .bind(Uuid::now_v7())
                    .bind(company.0)
                    .bind(campaign.0)
                    .bind(to_i64(rows.len() as u64))
                    .bind(now)
                    .fetch_optional(&mut *conn)
                    .await
            })
            .map_err(errors::db("storing an upload"))?;
            let task = task.ok_or_else(|| Error::not_found("campaign", campaign))?;
            let sql = if tx.is_postgres() {
                POSTGRES_STAGE
            } else {
                SQLITE_STAGE
            };
            for batch in &batches {
                on_tx!(tx, |conn| {
                    sqlx::query(sql)
                        .bind(task.id)
                        .bind(batch)
                        .execute(&mut *conn)
                        .await
                        .map(|done| done.rows_affected())
                })
                .map_err(errors::db("storing upload rows"))?;
            }
            Ok(task)
        })?;
        Ok(row.into_task())
    }

    pub(crate) async fn list_unfinished_uploads(&self) -> Result<Vec<UploadTask>> {
        let sql = concat!(
            "SELECT ",
            upload_cols!(),
            " FROM upload_tasks WHERE finished_at IS NULL ORDER BY id"
        );
        let rows: Vec<UploadRowDb> = on_db!(self, read, |conn| {
            sqlx::query_as(sql).fetch_all(&mut *conn).await
        })
        .map_err(errors::db("listing unfinished uploads"))?;
        Ok(rows.into_iter().map(UploadRowDb::into_task).collect())
    }

    pub(crate) async fn staged_rows(
        &self,
        task: &UploadTask,
        from: u64,
        limit: u64,
    ) -> Result<Vec<UploadRow>> {
        let sql = "SELECT r.phone, r.entry, r.variables, r.external_id FROM upload_rows r \
                   JOIN upload_tasks t ON t.id = r.task_id WHERE t.company_id = $1 AND t.uuid = $2 \
                   AND r.row_number >= $3 ORDER BY r.row_number LIMIT $4";
        let rows: Vec<StagedRow> = on_db!(self, read, |conn| {
            sqlx::query_as(sql)
                .bind(task.company_id.0)
                .bind(task.uuid)
                .bind(to_i64(from))
                .bind(to_i64(limit))
                .fetch_all(&mut *conn)
                .await
        })
        .map_err(errors::db("reading upload rows"))?;
        rows.into_iter()
            .map(|row| {
                Ok(UploadRow {
                    phone: row.phone,
                    entry: row.entry,
                    variables: serde_json::from_str(&row.variables)
                        .map_err(|e| corrupt("reading an upload row's variables", e))?,
                    external_id: row.external_id,
                })
            })
            .collect()
    }

    pub(crate) async fn queue_chunk(
        &self,
        task: &UploadTask,
        items: &[(u64, NewQueued)],
        rejected: &[UploadRowResult],
        processed: u64,
        now: DateTime<Utc>,
    ) -> Result<UploadTask> {
        let queued: Vec<&NewQueued> = items.iter().map(|(_, item)| item).collect();
        let row: UploadRowDb = in_tx!(self, "queuing an upload chunk", |tx| {
            let id = lock_task(tx, task).await?;
            let inserted =
                insert_entries(tx, task.company_id, task.campaign_id, &queued, now).await?;
            let mut results = Vec::with_capacity(items.len() + rejected.len());
            let mut refused = rejected.len();
            for ((row, item), uuid) in items.iter().zip(&inserted) {
                results.push(ResultJson {
                    row: *row,
                    phone: None,
                    uuid: uuid.map(|u| u.simple().to_string()),
                    message: match uuid {
                        Some(_) => String::new(),
                        None => {
                            refused += 1;
                            format!(
                                "duplicate clientExternalId `{}`: already queued in the campaign",
                                item.external_id.as_deref().unwrap_or_default()
                            )
                        }
                    },
                });
            }
            results.extend(rejected.iter().map(|r| ResultJson {
                row: r.row,
                phone: Some(&r.phone),
                uuid: r.dialog_uuid.map(|u| u.simple().to_string()),
                message: r.message.clone(),
            }));
            if !results.is_empty() {
                let json = serde_json::to_string(&results)
                    .map_err(|e| Error::internal("encoding upload results", e))?;
                let sql = if tx.is_postgres() {
                    POSTGRES_RESULTS
                } else {
                    SQLITE_RESULTS
                };
                on_tx!(tx, |conn| {
                    sqlx::query(sql)
                        .bind(id)
                        .bind(&json)
                        .execute(&mut *conn)
                        .await
                        .map(|done| done.rows_affected())
                })
                .map_err(errors::db("recording upload results"))?;
            }
            let sql = concat!(
                "UPDATE upload_tasks SET processed = $2, rejected = rejected + $3, ",
                "finished_at = CASE WHEN $2 >= total THEN $4 ELSE NULL END WHERE id = $1 RETURNING ",
                upload_cols!()
            );
            let advanced: UploadRowDb = on_tx!(tx, |conn| {
                sqlx::query_as(sql)
                    .bind(id)
                    .bind(to_i64(processed))
                    .bind(to_i64(refused as u64))
                    .bind(Ts::from(now))
                    .fetch_one(&mut *conn)
                    .await
            })
            .map_err(errors::db("advancing an upload"))?;
            if advanced.is_finished() {
                // Every row has its result now: the staged copies are not needed any more.
                on_tx!(tx, |conn| {
                    sqlx::query("DELETE FROM upload_rows WHERE task_id = $1")
                        .bind(id)
                        .execute(&mut *conn)
                        .await
                        .map(|done| done.rows_affected())
                })
                .map_err(errors::db("dropping an upload's staged rows"))?;
            }
            Ok(advanced)
        })?;
        if row.is_finished() && task.total >= ANALYZE_AFTER {
            self.analyze_queue().await;
        }
        Ok(row.into_task())
    }

    /// PostgreSQL: refreshes the planner's statistics of the queue after a large upload. Until
    /// autovacuum gets to it (a minute or more later), the planner still believes the queue as
    /// small as it was, and the dialer's claims pick plans that read all of it (~16 ms instead
    /// of ~3 ms per claim of 100 after a 100,000-row upload). SQLite's planner needs no
    /// statistics for these queries. A failure only costs speed: it is logged, not returned.
    async fn analyze_queue(&self) {
        if let Backend::Postgres { pool } = &self.backend
            && let Err(err) = sqlx::query("ANALYZE campaign_queue").execute(pool).await
        {
            tracing::warn!(error = %err, "refreshing the queue's statistics after an upload");
        }
    }

    pub(crate) async fn upload_task(&self, company: CompanyId, task: Uuid) -> Result<UploadTask> {
        let sql = concat!(
            "SELECT ",
            upload_cols!(),
            " FROM upload_tasks WHERE company_id = $1 AND uuid = $2"
        );
        let row: Option<UploadRowDb> = on_db!(self, read, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(task)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("loading an upload"))?;
        Ok(row
            .ok_or_else(|| Error::not_found("upload", task))?
            .into_task())
    }

    pub(crate) async fn row_results(
        &self,
        company: CompanyId,
        task: Uuid,
    ) -> Result<Vec<UploadRowResult>> {
        let sql = "SELECT r.row_number, r.phone, r.dialog_uuid, r.message FROM upload_results r \
                   JOIN upload_tasks t ON t.id = r.task_id WHERE t.company_id = $1 AND t.uuid = $2 \
                   ORDER BY r.row_number";
        let rows: Vec<ResultRow> = on_db!(self, read, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(task)
                .fetch_all(&mut *conn)
                .await
        })
        .map_err(errors::db("listing upload results"))?;
        if rows.is_empty() {
            self.upload_task(company, task).await?;
        }
        Ok(rows
            .into_iter()
            .map(|r| UploadRowResult {
                row: u64::try_from(r.row_number).unwrap_or_default(),
                phone: r.phone,
                dialog_uuid: r.dialog_uuid,
                message: r.message,
            })
            .collect())
    }
}
