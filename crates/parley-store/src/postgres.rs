//! The PostgreSQL backend: a connection pool, migrated on open.

use std::str::FromStr;
use std::time::Duration;

use parley_domain::{Error, ErrorKind, Result};
use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

static MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a query waits for a free connection before giving up.
const WAIT: Duration = Duration::from_secs(10);
/// Connections of the pool.
const CONNECTIONS: u32 = 16;

/// Connects a PostgreSQL pool and migrates the database.
pub(crate) async fn open(url: &str) -> Result<PgPool> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|_| Error::invalid(format!("`{}` is not a PostgreSQL URL", redact(url))))?;
    let pool = PgPoolOptions::new()
        .max_connections(CONNECTIONS)
        .acquire_timeout(WAIT)
        .connect_with(options)
        .await
        .map_err(|e| unavailable(format!("connecting to PostgreSQL at {}", redact(url)), e))?;
    MIGRATIONS
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
