//! Files a customer uploads into a dialog: what is stored and what is shown of them.

use chrono::{DateTime, Utc};

use crate::ids::{DialogId, FileId, Uuid};

/// Metadata of a stored file (its bytes are read separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMeta {
    /// Integer id (Bot.one's `fileId`).
    pub id: FileId,
    /// UUID.
    pub uuid: Uuid,
    /// The dialog it was uploaded into.
    pub dialog_id: DialogId,
    /// The original file name (a base name, no directories).
    pub name: String,
    /// Its media type, as given at upload (`application/octet-stream` when unknown).
    pub content_type: String,
    /// Its length in bytes.
    pub size: u64,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
}

/// A file to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    /// The original file name.
    pub name: String,
    /// Its media type.
    pub content_type: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}
