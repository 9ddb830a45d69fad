//! Files uploaded into dialogs: storing them with their bytes, reading one, listing a dialog's.
//! The `DialogStore` methods in `dialogs` call these.

use parley_domain::file::{FileMeta, NewFile};
use parley_domain::ids::{CompanyId, DialogId, FileId, Ref, Uuid};
use parley_domain::{Error, Result};

use crate::SqlStore;
use crate::errors::{self, to_i64};
use crate::time::Ts;

macro_rules! file_cols {
    () => {
        "id, uuid, dialog_id, name, content_type, size, created_at"
    };
}

#[derive(Debug, sqlx::FromRow)]
struct FileRow {
    id: i64,
    uuid: Uuid,
    dialog_id: i64,
    name: String,
    content_type: String,
    size: i64,
    created_at: Ts,
}

#[derive(Debug, sqlx::FromRow)]
struct FileWithBytes {
    #[sqlx(flatten)]
    meta: FileRow,
    bytes: Vec<u8>,
}

impl FileRow {
    fn into_meta(self) -> FileMeta {
        FileMeta {
            id: FileId(self.id),
            uuid: self.uuid,
            dialog_id: DialogId(self.dialog_id),
            name: self.name,
            content_type: self.content_type,
            size: u64::try_from(self.size).unwrap_or_default(),
            created_at: self.created_at.into(),
        }
    }
}

impl SqlStore {
    pub(crate) async fn insert_file(
        &self,
        company: CompanyId,
        dialog: DialogId,
        file: NewFile,
    ) -> Result<FileMeta> {
        let now = Ts::from(self.now());
        let size = to_i64(file.bytes.len() as u64);
        let sql = concat!(
            "INSERT INTO files (uuid, company_id, dialog_id, name, content_type, size, bytes, created_at) ",
            "SELECT $1, company_id, id, $4, $5, $6, $7, $8 FROM dialogs WHERE company_id = $2 AND id = $3 ",
            "RETURNING ",
            file_cols!()
        );
        let row: Option<FileRow> = on_db!(self, write, |conn| {
            sqlx::query_as(sql)
                .bind(Uuid::now_v7())
                .bind(company.0)
                .bind(dialog.0)
                .bind(&file.name)
                .bind(&file.content_type)
                .bind(size)
                .bind(&file.bytes)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await
        })
        .map_err(errors::db("storing a file"))?;
        Ok(row
            .ok_or_else(|| Error::not_found("dialog", dialog))?
            .into_meta())
    }

    pub(crate) async fn file_with_bytes(
        &self,
        company: CompanyId,
        file: Ref<FileId>,
    ) -> Result<(FileMeta, Vec<u8>)> {
        let by_id = concat!(
            "SELECT ",
            file_cols!(),
            ", bytes FROM files WHERE company_id = $1 AND id = $2"
        );
        let by_uuid = concat!(
            "SELECT ",
            file_cols!(),
            ", bytes FROM files WHERE company_id = $1 AND uuid = $2"
        );
        let row: Option<FileWithBytes> = fetch_by_ref!(self, by_id, by_uuid, company, file)
            .map_err(errors::db("loading a file"))?;
        let row = row.ok_or_else(|| Error::not_found("file", file))?;
        Ok((row.meta.into_meta(), row.bytes))
    }

    pub(crate) async fn dialog_files(
        &self,
        company: CompanyId,
        dialog: DialogId,
    ) -> Result<Vec<FileMeta>> {
        let sql = concat!(
            "SELECT ",
            file_cols!(),
            " FROM files WHERE company_id = $1 AND dialog_id = $2 ORDER BY id"
        );
        let rows: Vec<FileRow> = on_db!(self, read, |conn| {
            sqlx::query_as(sql)
                .bind(company.0)
                .bind(dialog.0)
                .fetch_all(&mut *conn)
                .await
        })
        .map_err(errors::db("listing files"))?;
        if rows.is_empty() {
            self.ensure_dialog(company, dialog).await?;
        }
        Ok(rows.into_iter().map(FileRow::into_meta).collect())
    }
}
