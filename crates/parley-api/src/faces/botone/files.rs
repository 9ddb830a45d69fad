//! `GET /api/v1/file/{fileId}` and `GET /api/v2/file/{fileId}`: a file uploaded into a dialog,
//! the file itself (its content type and name), by its integer id in both versions.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use parley_domain::Services;
use parley_domain::ids::{FileId, Ref};

use crate::common::auth::Basic;
use crate::common::error::ApiError;
use crate::common::files::download;
use crate::common::query::Path;

/// The file; unknown or another company's is 404.
pub async fn get(
    State(services): State<Arc<Services>>,
    Basic(who): Basic,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: i64 = id
        .trim()
        .parse()
        .map_err(|_| ApiError::invalid(format!("`{id}` is not a file id (an integer)")))?;
    let (meta, bytes) = services
        .dialogs
        .file(who.company_id, Ref::Id(FileId(id)))
        .await?;
    Ok(download(&meta, bytes))
}
