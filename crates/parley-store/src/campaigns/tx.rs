//! Transactions over either backend: `Tx`, a transaction's typed connection, `in_tx!`, which
//! runs a body in one, and `on_tx!`, which runs a query on it.

use parley_domain::Result;
use sqlx::{PgConnection, SqliteConnection};

use crate::errors;

/// A connection inside a transaction, of either backend.
pub(crate) enum Tx<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl Tx<'_> {
    /// Whether queries run on PostgreSQL (for the few whose text differs by dialect).
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, Tx::Postgres(_))
    }
}

/// Evaluates `$body` (a `Result<_, sqlx::Error>`) with `$conn` the typed connection of the
/// transaction `$tx` (a `&mut Tx`); the body is compiled once per backend, like `on_db!`'s.
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut *$tx {
            $crate::campaigns::tx::Tx::Sqlite(c) => {
                let $conn: &mut ::sqlx::SqliteConnection = &mut **c;
                async { $body }.await
            }
            $crate::campaigns::tx::Tx::Postgres(c) => {
                let $conn: &mut ::sqlx::PgConnection = &mut **c;
                async { $body }.await
            }
        }
    };
}

/// Runs `$body` (a `Result<_, Error>`, with `$tx` a `&mut Tx`) in a transaction: committed when
/// the body succeeds, rolled back when it fails. SQLite: on the write connection.
macro_rules! in_tx {
    ($store:expr, $context:expr, |$tx:ident| $body:expr) => {{
        let context: &'static str = $context;
        match &$store.backend {
            $crate::Backend::Sqlite(db) => {
                async {
                    let mut slot = db.write().await;
                    let conn = slot.conn().map_err($crate::errors::db(context))?;
                    let mut transaction = ::sqlx::Connection::begin_with(conn, "BEGIN IMMEDIATE")
                        .await
                        .map_err($crate::errors::db(context))?;
                    let result = async {
                        let $tx = &mut $crate::campaigns::tx::Tx::Sqlite(&mut *transaction);
                        $body
                    }
                    .await;
                    $crate::campaigns::tx::settle(transaction, result, context).await
                }
                .await
            }
            $crate::Backend::Postgres { pool } => {
                async {
                    let mut transaction =
                        pool.begin().await.map_err($crate::errors::db(context))?;
                    let result = async {
                        let $tx = &mut $crate::campaigns::tx::Tx::Postgres(&mut *transaction);
                        $body
                    }
                    .await;
                    $crate::campaigns::tx::settle(transaction, result, context).await
                }
                .await
            }
        }
    }};
}

/// Commits `transaction` when `result` is a success, rolls it back otherwise.
pub(crate) async fn settle<DB: sqlx::Database, T>(
    transaction: sqlx::Transaction<'_, DB>,
    result: Result<T>,
    context: &'static str,
) -> Result<T> {
    match result {
        Ok(value) => {
            transaction.commit().await.map_err(errors::db(context))?;
            Ok(value)
        }
        Err(err) => {
            if let Err(rollback) = transaction.rollback().await {
                tracing::warn!(error = %rollback, "rolling back a campaign transaction");
            }
            Err(err)
        }
    }
}

/// `$first, $first+1, …` for `count` values.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}
