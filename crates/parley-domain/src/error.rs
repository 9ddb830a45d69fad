//! The domain's one error type with a small closed set of kinds that every face maps exhaustively.

use std::fmt;

/// What went wrong, as far as a caller needs to decide how to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The request is malformed or breaks a rule; the message says which.
    InvalidInput,
    /// Credentials are missing, wrong or expired.
    Unauthenticated,
    /// The caller is known but its role does not allow this.
    Forbidden,
    /// No such object for this company (another tenant's object is also `NotFound`).
    NotFound,
    /// The object exists but its state does not allow this (duplicate, already ended, ...).
    Conflict,
    /// A dependency (webhook target, database) did not answer in time.
    Unavailable,
    /// A bug or an unexpected failure; the message shown to clients is opaque.
    Internal,
}

/// One itemised problem behind an error: what is wrong and, where known, where (a field, or a
/// 1-based line and column in a document) and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Detail {
    /// What is wrong.
    pub message: String,
    /// The input field it concerns, e.g. `settings.timezone`.
    pub field: Option<String>,
    /// 1-based line in a document (a scenario), when the problem has a position.
    pub line: Option<usize>,
    /// 1-based column, with `line`.
    pub column: Option<usize>,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Detail {
    /// A detail that is only a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            ..Self::default()
        }
    }
}

impl From<String> for Detail {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}

impl From<&str> for Detail {
    fn from(message: &str) -> Self {
        Self::new(message)
    }
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, "{line}:{column}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

/// A domain error: a kind, a message fit for the client, and an optional cause for the logs.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    details: Vec<Detail>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// The domain's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` with a message the client may see.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            details: Vec::new(),
            source: None,
        }
    }

    /// Bad input: the message says what is wrong and how to fix it.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// A missing object, named by what was looked for: `not_found("agent", 7)`.
    pub fn not_found(what: &str, key: impl fmt::Display) -> Self {
        Self::new(ErrorKind::NotFound, format!("{what} {key} not found"))
    }

    /// A state conflict.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    /// Wrong or missing credentials.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, message)
    }

    /// The role does not allow the action.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }

    /// An unexpected failure with its cause (logged at the edge, never shown).
    pub fn internal(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            kind: ErrorKind::Internal,
            message: message.into(),
            details: Vec::new(),
            source: Some(source.into()),
        }
    }

    /// Attach a cause to an error of any kind.
    #[must_use]
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Attach itemised details (e.g. every scenario diagnostic) that faces may list.
    #[must_use]
    pub fn with_details<D: Into<Detail>>(mut self, details: impl IntoIterator<Item = D>) -> Self {
        self.details = details.into_iter().map(Into::into).collect();
        self
    }

    /// Itemised details, empty when there are none.
    pub fn details(&self) -> &[Detail] {
        &self.details
    }

    /// The kind, for mapping onto a face's status codes.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message; for `Internal` it is for logs, and faces show an opaque text instead.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The message with its whole cause chain, for logs.
    pub fn chain(&self) -> String {
        let mut out = self.message.clone();
        let mut next = self
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static));
        while let Some(err) = next {
            out.push_str(": ");
            out.push_str(&err.to_string());
            next = err.source();
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_includes_every_cause() {
        let io = std::io::Error::other("disk full");
        let err = Error::internal("saving dialog 7", io);
        assert_eq!(err.kind(), ErrorKind::Internal);
        assert_eq!(err.chain(), "saving dialog 7: disk full");
        assert_eq!(err.to_string(), "saving dialog 7");
    }

    #[test]
    fn details_display_their_position_and_hint() {
        let err = Error::invalid("bad").with_details(["plain"]);
        assert_eq!(err.details()[0].to_string(), "plain");
        let located = Detail {
            line: Some(3),
            column: Some(5),
            hint: Some("use `say`".into()),
            ..Detail::new("unknown block kind")
        };
        assert_eq!(
            located.to_string(),
            "3:5: unknown block kind (hint: use `say`)"
        );
        let field = Detail {
            field: Some("limit".into()),
            ..Detail::new("must be 1–1000")
        };
        assert_eq!(field.to_string(), "limit: must be 1–1000");
    }
}
