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

/// A domain error: a kind, a message fit for the client, and an optional cause for the logs.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    details: Vec<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// The domain's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` with a message the client may see.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), details: Vec::new(), source: None }
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
        Self { kind: ErrorKind::Internal, message: message.into(), details: Vec::new(), source: Some(source.into()) }
    }

    /// Attach a cause to an error of any kind.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Attach itemised details (e.g. every scenario diagnostic) that faces may list.
    #[must_use]
    pub fn with_details(mut self, details: Vec<String>) -> Self {
        self.details = details;
        self
    }

    /// Itemised details, empty when there are none.
    pub fn details(&self) -> &[String] {
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
        let mut next = self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static));
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
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
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
}
