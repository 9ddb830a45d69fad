//! The domain's `Store` port on SQLite (the embedded default) and PostgreSQL.
//!
//! [`SqlStore`] holds one of two typed backends; there is no sqlx `Any` driver. The two dialects
//! agree on everything the queries need (`$n` parameters, `RETURNING`, `ON CONFLICT`, `INSERT …
//! SELECT`), so each query is written once and the `on_db!` macro compiles its body once per
//! backend. What differs lives in the schema (`migrations/sqlite`, `migrations/postgres`) and in
//! how timestamps are encoded (module `time`): SQLite keeps UTC unix milliseconds, PostgreSQL
//! `TIMESTAMPTZ`; both are truncated to milliseconds so a value reads back exactly as written.
//!
//! SQLite runs in WAL mode with one write connection (writers queue for it instead of thrashing
//! on `SQLITE_BUSY`; chat turns are saved in groups by a writer task) and several read
//! connections; PostgreSQL with a pool.

#[macro_use]
mod macros;

mod agents;
mod args;
mod calls_search;
mod campaigns;
mod custom_runs;
mod dialog_rows;
mod dialogs;
mod directory;
mod errors;
mod files;
mod keys_and_slots;
mod postgres;
mod sqlite;
mod time;
mod turns;
mod variables;
mod webhooks;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use parley_domain::ports::Clock;
use parley_domain::{Error, Result};
use sqlx::PgPool;

use crate::sqlite::SqliteDb;
pub use crate::webhooks::WEBHOOK_TAKE_LOCK;

/// The `Store` on SQLite or PostgreSQL. Cloning is cheap and shares the connections.
#[derive(Clone)]
pub struct SqlStore {
    backend: Backend,
    clock: Arc<dyn Clock>,
}

/// The typed connections of one backend.
#[derive(Clone)]
enum Backend {
    /// One write connection and several readers on one WAL database file.
    Sqlite(Arc<SqliteDb>),
    /// One pool for reads and writes.
    Postgres { pool: PgPool },
}

impl SqlStore {
    /// Opens `sqlite://path/to/file.db`, a plain file path, or `postgres://…` /
    /// `postgresql://…`, creating the database file if needed, and runs the migrations.
    pub async fn open(url: &str, clock: Arc<dyn Clock>) -> Result<SqlStore> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Self::open_postgres(url, clock).await;
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let path = path.split_once('?').map_or(path, |(path, _)| path);
        if path.is_empty() || path == ":memory:" {
            return Err(Error::invalid(format!(
                "`{url}` names no database file (expected sqlite://path/to/parley.db or postgres://…)"
            )));
        }
        Self::open_sqlite(Path::new(path), clock).await
    }

    /// Opens (creating it and its directory if needed) a SQLite database file: WAL,
    /// `synchronous = NORMAL`, foreign keys on, a busy timeout; runs the migrations.
    pub async fn open_sqlite(path: &Path, clock: Arc<dyn Clock>) -> Result<SqlStore> {
        let db = SqliteDb::open(path).await?;
        Ok(SqlStore {
            backend: Backend::Sqlite(Arc::new(db)),
            clock,
        })
    }

    /// Connects to PostgreSQL and runs the migrations (under sqlx's advisory lock, so several
    /// nodes may start at once).
    pub async fn open_postgres(url: &str, clock: Arc<dyn Clock>) -> Result<SqlStore> {
        let pool = postgres::open(url).await?;
        Ok(SqlStore {
            backend: Backend::Postgres { pool },
            clock,
        })
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }

    /// Closes the connections, waiting for queries in progress; later calls fail as unavailable.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(db) => db.close().await,
            Backend::Postgres { pool } => pool.close().await,
        }
    }

    /// The injected clock's now, truncated to what both backends store (milliseconds).
    fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(3)
    }
}

impl fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}
