//! Files a customer uploads into a dialog: checked, stored, and noted in the transcript as a
//! customer message, so the conversation shows what was sent and when.

use tokio::sync::OnceCell;

use crate::Principal;
use crate::dialog::{DialogUpdate, NewMessage, Sender};
use crate::dialog_service::DialogService;
use crate::error::{Error, ErrorKind, Result};
use crate::file::{FileMeta, NewFile};
use crate::ids::{CompanyId, DialogId, FileId, Ref};

/// The largest file accepted: 10 MiB.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// The longest file name accepted, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 255;
/// The content type of a file uploaded without one.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

impl DialogService {
    /// A customer's file, uploaded by a user on the customer's behalf (an integration); roles
    /// that may not write are refused.
    pub async fn upload_file_as(
        &self,
        who: &Principal,
        dialog: Ref<DialogId>,
        name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<FileMeta> {
        who.require_write()?;
        self.upload_file(who.company_id, dialog, name, content_type, bytes)
            .await
    }

    /// Stores a customer's file in an open dialog and adds the customer message `📎 <name>` to its
    /// transcript (saved like any turn, under the dialog's lock and version check; the bot is not
    /// run). The name is reduced to its base name. Empty files, files over [`MAX_FILE_BYTES`],
    /// names that are empty or over [`MAX_FILE_NAME_CHARS`] and malformed content types are
    /// `InvalidInput`; an ended dialog is a `Conflict`.
    pub async fn upload_file(
        &self,
        company: CompanyId,
        dialog: Ref<DialogId>,
        name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<FileMeta> {
        let file = NewFile {
            name: checked_name(name)?,
            content_type: checked_content_type(content_type)?,
            bytes: checked_bytes(bytes)?,
        };
        // A change may run twice (a stale cached dialog); the file is stored once.
        let stored = OnceCell::new();
        let (file, stored) = (&file, &stored);
        self.with_open_dialog(company, dialog, |dialog| async move {
            let meta = stored
                .get_or_try_init(|| self.store.add_file(company, dialog.id, file.clone()))
                .await?;
            let note = NewMessage::text(Sender::Customer, format!("📎 {}", meta.name));
            let update = DialogUpdate::from_dialog(&dialog);
            self.runner
                .save(&dialog, &update, vec![note], Vec::new())
                .await
        })
        .await?;
        stored
            .get()
            .cloned()
            .ok_or_else(|| Error::new(ErrorKind::Internal, "an upload saved its note but no file"))
    }

    /// A file of the company with its bytes.
    pub async fn file(&self, company: CompanyId, file: Ref<FileId>) -> Result<(FileMeta, Vec<u8>)> {
        self.store.file(company, file).await
    }
}

/// The base name of `name` (no directories of either separator), trimmed and checked.
fn checked_name(name: &str) -> Result<String> {
    let base = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    if base.is_empty() || base == "." || base == ".." {
        return Err(Error::invalid(
            "the file needs a name (a base name, not a directory)",
        ));
    }
    if base.chars().any(char::is_control) {
        return Err(Error::invalid(
            "the file name must not contain control characters",
        ));
    }
    if base.chars().count() > MAX_FILE_NAME_CHARS {
        return Err(Error::invalid(format!(
            "the file name is longer than {MAX_FILE_NAME_CHARS} characters"
        )));
    }
    Ok(base)
}

/// `type/subtype` with optional `; parameters`, lower-cased type; the default when blank.
fn checked_content_type(content_type: &str) -> Result<String> {
    let content_type = content_type.trim();
    if content_type.is_empty() {
        return Ok(DEFAULT_CONTENT_TYPE.to_owned());
    }
    let (media, params) = content_type
        .split_once(';')
        .map_or((content_type, ""), |(media, params)| (media, params));
    let token = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c))
    };
    let valid = content_type.len() <= 255
        && content_type
            .chars()
            .all(|c| c.is_ascii() && !c.is_ascii_control())
        && media
            .trim()
            .split_once('/')
            .is_some_and(|(kind, sub)| token(kind) && token(sub));
    if !valid {
        return Err(Error::invalid(format!(
            "`{content_type}` is not a media type (expected type/subtype, e.g. image/png)"
        )));
    }
    let media = media.trim().to_ascii_lowercase();
    Ok(if params.trim().is_empty() {
        media
    } else {
        format!("{media}; {}", params.trim())
    })
}

fn checked_bytes(bytes: Vec<u8>) -> Result<Vec<u8>> {
    if bytes.is_empty() {
        return Err(Error::invalid("the file is empty"));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Error::invalid(format!(
            "the file is larger than the limit of {MAX_FILE_BYTES} bytes (10 MiB)"
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_only_their_base_name() {
        assert_eq!(checked_name("C:\\docs\\Счёт.pdf").unwrap(), "Счёт.pdf");
        assert_eq!(checked_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(checked_name(" a b.txt ").unwrap(), "a b.txt");
        for bad in ["", "dir/", "..", "a\nb"] {
            assert!(checked_name(bad).is_err(), "{bad:?}");
        }
        assert!(checked_name(&"я".repeat(255)).is_ok());
        assert!(checked_name(&"я".repeat(256)).is_err());
    }

    #[test]
    fn content_types_are_media_types() {
        assert_eq!(checked_content_type("").unwrap(), DEFAULT_CONTENT_TYPE);
        assert_eq!(checked_content_type("Image/PNG").unwrap(), "image/png");
        assert_eq!(
            checked_content_type("text/plain;charset=utf-8").unwrap(),
            "text/plain; charset=utf-8"
        );
        for bad in ["png", "a/b/c", "text/", "текст/plain", "a b/c"] {
            assert!(checked_content_type(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sizes_are_between_one_byte_and_ten_mib() {
        assert!(checked_bytes(Vec::new()).is_err());
        assert!(checked_bytes(vec![0; MAX_FILE_BYTES]).is_ok());
        let err = checked_bytes(vec![0; MAX_FILE_BYTES + 1]).unwrap_err();
        assert!(err.message().contains("10 MiB"), "{}", err.message());
    }
}
