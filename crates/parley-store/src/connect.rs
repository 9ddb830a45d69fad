//! Opening the pools of each backend and applying that dialect's migrations.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use parley_domain::{Error, ErrorKind, Result};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a query waits for a free connection (or SQLite for a lock) before giving up.
const WAIT: Duration = Duration::from_secs(10);
/// Connections of the PostgreSQL pool.
const POSTGRES_CONNECTIONS: u32 = 16;

/// Opens the read and write pools on one SQLite file and migrates it.
pub(crate) async fn sqlite(path: &Path) -> Result<(SqlitePool, SqlitePool)> {
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
        .busy_timeout(WAIT)
        .pragma("temp_store", "memory")
        .pragma("cache_size", "-16000");
    let opening =
        |e: sqlx::Error| unavailable(format!("opening SQLite database {}", path.display()), e);
    // One writer: transactions queue in the pool instead of retrying on SQLITE_BUSY.
    let write = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(WAIT)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(
            options
                .clone()
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal),
        )
        .await
        .map_err(opening)?;
    SQLITE_MIGRATIONS
        .run(&write)
        .await
        .map_err(|e| Error::internal(format!("migrating SQLite database {}", path.display()), e))?;
    let readers =
        std::thread::available_parallelism().map_or(4, |n| n.get().clamp(2, 8) as u32 * 2);
    let read = SqlitePoolOptions::new()
        .max_connections(readers)
        .min_connections(1)
        .acquire_timeout(WAIT)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await
        .map_err(opening)?;
    Ok((read, write))
}

/// Connects a PostgreSQL pool and migrates the database.
pub(crate) async fn postgres(url: &str) -> Result<PgPool> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|_| Error::invalid(format!("`{}` is not a PostgreSQL URL", redact(url))))?;
    let pool = PgPoolOptions::new()
        .max_connections(POSTGRES_CONNECTIONS)
        .acquire_timeout(WAIT)
        .connect_with(options)
        .await
        .map_err(|e| unavailable(format!("connecting to PostgreSQL at {}", redact(url)), e))?;
    POSTGRES_MIGRATIONS
        .run(&pool)
        .await
        .map_err(|e| Error::internal("migrating the PostgreSQL database", e))?;
    Ok(pool)
}

fn unavailable(context: String, err: sqlx::Error) -> Error {
    Error::new(ErrorKind::Unavailable, context).with_source(err)
}

/// The URL without its password, for messages and logs.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest
        .rsplit_once('@')
        .and_then(|(user_info, host)| Some((user_info.split_once(':')?.0, host)))
    {
        Some((user, host)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://ann:s3cret@db:5432/parley"),
            "postgres://ann:***@db:5432/parley"
        );
        assert_eq!(
            redact("postgres://ann@db/parley"),
            "postgres://ann@db/parley"
        );
        assert_eq!(redact("postgres://db/parley"), "postgres://db/parley");
    }
}
