//! The SQLite backend: one write connection and a few read connections on one WAL database
//! file, each behind an async mutex, and two writer tasks that save chat turns (`turn_batch`)
//! and finished calls (`call_batch`) in groups on the write connection (`group_commit`).
//!
//! No sqlx pool: a pool pings every connection it takes back (a round trip to the connection's
//! worker thread, and with one writer every other writer waits for it), which costs more than a
//! query. A local file needs none of a pool's health checks; writers queue on the one write
//! connection instead of thrashing on `SQLITE_BUSY`, and readers never block it (WAL).

mod call_batch;
mod group_commit;
mod turn_batch;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use parley_domain::{Error, ErrorKind, Result};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use tokio::sync::{Mutex, MutexGuard};

pub(crate) use self::call_batch::{CallJson, QueuedCall, WebhookJson};
use self::group_commit::GroupWriter;
pub(crate) use self::turn_batch::QueuedTurn;
use crate::campaigns::rows::CallRow;
use crate::turns::Saved;

static MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long SQLite waits for a lock held by another process before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// One connection and what is known about its state.
#[derive(Debug)]
pub(crate) struct Slot {
    /// `None` once the store is closed.
    conn: Option<SqliteConnection>,
    /// A batch that opens its own transaction (`BEGIN …; …; COMMIT`) was started and not seen to
    /// finish (its caller was cancelled): roll back before anyone uses the connection again.
    pub(crate) in_batch: bool,
}

impl Slot {
    fn new(conn: SqliteConnection) -> Mutex<Slot> {
        Mutex::new(Slot {
            conn: Some(conn),
            in_batch: false,
        })
    }

    /// The connection, or `PoolClosed` once the store is closed.
    pub(crate) fn conn(&mut self) -> Result<&mut SqliteConnection, sqlx::Error> {
        self.conn.as_mut().ok_or(sqlx::Error::PoolClosed)
    }

    /// Rolls back whatever transaction an interrupted or failed batch left open.
    pub(crate) async fn recover(&mut self) {
        if let Some(conn) = self.conn.as_mut() {
            // "no transaction is active" is the expected answer when the batch got to COMMIT.
            let _ = sqlx::query("ROLLBACK").execute(conn).await;
        }
        self.in_batch = false;
    }
}

/// The write connection, once the writers before are done (and out of any transaction a cancelled
/// batch left open).
async fn lock_writer(writer: &Mutex<Slot>) -> MutexGuard<'_, Slot> {
    let mut slot = writer.lock().await;
    if slot.in_batch {
        slot.recover().await;
    }
    slot
}

/// The connections of one database file.
#[derive(Debug)]
pub(crate) struct SqliteDb {
    writer: Arc<Mutex<Slot>>,
    turns: GroupWriter<QueuedTurn>,
    calls: GroupWriter<QueuedCall>,
    readers: Vec<Mutex<Slot>>,
    next_reader: AtomicUsize,
}

impl SqliteDb {
    /// Opens (creating it and its directory if needed) and migrates the database at `path`.
    pub(crate) async fn open(path: &Path) -> Result<SqliteDb> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir).await.map_err(|e| {
                Error::internal(
                    format!("creating the database directory {}", dir.display()),
                    e,
                )
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .foreign_keys(true)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-16000");
        let opening = |e: sqlx::Error| {
            Error::new(
                ErrorKind::Unavailable,
                format!("opening SQLite database {}", path.display()),
            )
            .with_source(e)
        };
        let writer_options = options
            .clone()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        let mut writer = writer_options.connect().await.map_err(opening)?;
        MIGRATIONS.run(&mut writer).await.map_err(|e| {
            Error::internal(format!("migrating SQLite database {}", path.display()), e)
        })?;
        let count = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(2, 8)
            * 2;
        let mut readers = Vec::with_capacity(count);
        for _ in 0..count {
            readers.push(Slot::new(options.connect().await.map_err(opening)?));
        }
        let writer = Arc::new(Slot::new(writer));
        Ok(SqliteDb {
            turns: GroupWriter::start(writer.clone()),
            calls: GroupWriter::start(writer.clone()),
            writer,
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    /// The write connection, once the writers before are done (and out of any transaction a
    /// cancelled batch left open).
    pub(crate) async fn write(&self) -> MutexGuard<'_, Slot> {
        lock_writer(&self.writer).await
    }

    /// Saves a turn with the turns queued beside it, in one transaction on the write connection.
    pub(crate) async fn save_turn(&self, turn: QueuedTurn) -> Result<Saved, sqlx::Error> {
        self.turns.save(turn).await
    }

    /// Records a finished call (with its dialog turn, webhook events and the end of its claim)
    /// with the calls queued beside it, in one transaction on the write connection: the call, or
    /// `None` when its claim was no longer held or its dialog had changed.
    pub(crate) async fn save_call(&self, call: QueuedCall) -> Result<Option<CallRow>, sqlx::Error> {
        self.calls.save(call).await
    }

    /// A read connection: the first free one, else the next in turn.
    pub(crate) async fn read(&self) -> MutexGuard<'_, Slot> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        let count = self.readers.len();
        for i in 0..count {
            if let Ok(slot) = self.readers[(start + i) % count].try_lock() {
                return slot;
            }
        }
        self.readers[start % count].lock().await
    }

    /// Closes every connection (after the queries holding them finish); later queries fail.
    pub(crate) async fn close(&self) {
        self.turns.close().await;
        self.calls.close().await;
        for slot in self.readers.iter().chain([&*self.writer]) {
            let taken = slot.lock().await.conn.take();
            if let Some(conn) = taken
                && let Err(err) = conn.close().await
            {
                tracing::warn!(error = %err, "closing a SQLite connection");
            }
        }
    }
}
