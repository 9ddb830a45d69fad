//! Mapping sqlx errors and undecodable rows onto the domain's `Error`.

use parley_domain::{Error, ErrorKind};

/// For `map_err`: an unexpected database error while doing `context` (`Unavailable` when the
/// database could not be reached in time, `Internal` otherwise).
pub(crate) fn db(context: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |err| unexpected(context, err)
}

/// For `map_err`: `Conflict` with `message` on a unique violation, otherwise as [`db`].
pub(crate) fn unique(
    context: &'static str,
    message: impl FnOnce() -> String,
) -> impl FnOnce(sqlx::Error) -> Error {
    move |err| {
        if is_unique_violation(&err) {
            Error::conflict(message()).with_source(err)
        } else {
            unexpected(context, err)
        }
    }
}

/// For `map_err`: `NotFound` for `what` on a foreign-key violation (a referenced row is missing
/// or belongs to another company), `Conflict` with `conflict` on a unique violation, otherwise as
/// [`db`].
pub(crate) fn references(
    context: &'static str,
    what: &'static str,
    key: impl std::fmt::Display,
    conflict: impl FnOnce() -> String,
) -> impl FnOnce(sqlx::Error) -> Error {
    move |err| match &err {
        sqlx::Error::Database(e) if e.is_foreign_key_violation() => {
            Error::not_found(what, key).with_source(err)
        }
        sqlx::Error::Database(e) if e.is_unique_violation() => {
            Error::conflict(conflict()).with_source(err)
        }
        _ => unexpected(context, err),
    }
}

/// A stored value that does not decode into its domain type (a bug or a hand-edited row).
pub(crate) fn corrupt(
    context: &'static str,
    source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> Error {
    Error::internal(context, source)
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}

fn unexpected(context: &'static str, err: sqlx::Error) -> Error {
    match err {
        // PostgreSQL text and jsonb cannot hold U+0000 (SQLite can): a client's NUL is bad input.
        sqlx::Error::Database(ref e) if matches!(e.code().as_deref(), Some("22021" | "22P05")) => {
            Error::invalid("text must not contain NUL characters (\\u0000)").with_source(err)
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => Error::new(
            ErrorKind::Unavailable,
            format!("the database is unavailable ({context})"),
        )
        .with_source(err),
        err => Error::internal(context, err),
    }
}

/// Reads a stored non-negative integer into a `u32` field.
pub(crate) fn to_u32(value: i64, context: &'static str) -> parley_domain::Result<u32> {
    u32::try_from(value).map_err(|e| corrupt(context, e))
}

/// Converts a page bound to SQL's signed integer (a bound beyond `i64::MAX` means "all").
pub(crate) fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
