//! Files in dialogs: a customer's upload (the raw body, up to 10 MiB) and its download.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use parley_domain::Services;
use parley_domain::file::FileMeta;
use parley_domain::ids::{DialogId, FileId, Uuid};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::common::auth::Bearer;
use crate::common::error::ApiError;
use crate::common::files::{disposition_name, download, upload_body};
use crate::common::ids::parse_ref;
use crate::common::query::{Path, QueryParams};
use crate::faces::native::error::ErrorBody;

/// A file uploaded into a dialog.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = File)]
pub struct FileDto {
    /// Integer id.
    pub id: i64,
    /// UUID.
    pub uuid: Uuid,
    /// The dialog.
    pub dialog_id: i64,
    /// The original file name.
    #[schema(example = "Договор.pdf")]
    pub name: String,
    /// Its media type.
    #[schema(example = "application/pdf")]
    pub content_type: String,
    /// Its length in bytes.
    pub size: u64,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
    /// Where to download it.
    #[schema(example = "/parley/v1/files/1")]
    pub url: String,
}

impl From<FileMeta> for FileDto {
    fn from(file: FileMeta) -> Self {
        Self {
            id: file.id.0,
            uuid: file.uuid,
            dialog_id: file.dialog_id.0,
            url: format!("/parley/v1/files/{}", file.id),
            name: file.name,
            content_type: file.content_type,
            size: file.size,
            created_at: file.created_at,
        }
    }
}

/// The name of an uploaded file, when not in `Content-Disposition`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file name (a base name; directories are dropped).
    pub name: Option<String>,
}

/// The customer sends a file: the request body is the file itself (at most 10 MiB), its
/// `Content-Type` the file's; the name comes from `?name=` or `Content-Disposition: attachment;
/// filename=…` (`filename*=UTF-8''…` for non-ASCII names). The transcript gets the customer
/// message `📎 <name>`; the bot is not run.
#[utoipa::path(post, path = "/parley/v1/dialogs/{id}/files", tag = "dialogs", security(("bearer" = [])),
    params(("id" = String, Path, description = "Integer id or UUID"), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file (any content type)"),
    responses(
        (status = 201, description = "The stored file", body = FileDto),
        (status = 400, description = "Empty file, no or bad name, malformed content type", body = ErrorBody),
        (status = 403, description = "The role may not write", body = ErrorBody),
        (status = 404, description = "No such dialog in the company", body = ErrorBody),
        (status = 409, description = "The dialog has ended", body = ErrorBody),
        (status = 413, description = "Over 10 MiB", body = ErrorBody),
    ))]
pub async fn upload(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<FileDto>), ApiError> {
    let dialog = parse_ref::<DialogId>("dialog", &id)?;
    let name = query
        .name
        .or_else(|| disposition_name(&headers))
        .ok_or_else(|| {
            ApiError::invalid(
                "name the file with `?name=` or `Content-Disposition: attachment; filename=…`",
            )
        })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map_or("", |v| v.to_str().unwrap_or("not text"))
        .to_owned();
    let bytes = upload_body(&headers, body).await?;
    let file = services
        .dialogs
        .upload_file_as(&who, dialog, &name, &content_type, bytes.to_vec())
        .await?;
    Ok((StatusCode::CREATED, Json(file.into())))
}

/// A file's bytes, with its content type and `Content-Disposition: attachment` (the UTF-8 name
/// in `filename*`).
#[utoipa::path(get, path = "/parley/v1/files/{id}", tag = "dialogs", security(("bearer" = [])),
    params(("id" = String, Path, description = "Integer id or UUID")),
    responses(
        (status = 200, description = "The file itself", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, description = "No such file in the company", body = ErrorBody),
    ))]
pub async fn get(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let file = parse_ref::<FileId>("file", &id)?;
    let (meta, bytes) = services.dialogs.file(who.company_id, file).await?;
    Ok(download(&meta, bytes))
}
