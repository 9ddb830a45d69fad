//! Runs one conformance case on a fresh SQLite file or a fresh PostgreSQL database.

use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Once};

use chrono::{DateTime, TimeZone, Utc};
use parley_domain::ids::Uuid;
use parley_domain::ports::{Clock, ManualClock};
use parley_store::SqlStore;
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

/// The environment variable naming a PostgreSQL server to run the cases on.
pub const POSTGRES_URL_VAR: &str = "PARLEY_TEST_POSTGRES_URL";

/// What a case gets: a store on an empty database and the clock it reads.
#[derive(Debug)]
pub struct Ctx {
    pub store: SqlStore,
    pub clock: Arc<ManualClock>,
    /// The database's URL on PostgreSQL, for cases that play a second node beside the store.
    pub postgres_url: Option<String>,
}

impl Ctx {
    /// The clock's current instant.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// The instant every case starts at (with milliseconds, which both backends keep).
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 26, 53)
        .single()
        .expect("a valid instant")
        + chrono::Duration::milliseconds(589)
}

/// Runs `case` on a store over a new SQLite file in a temporary directory.
pub async fn on_sqlite<F, Fut>(case: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Arc::new(ManualClock::new(start()));
    let path = dir.path().join("data").join("parley.db");
    let store = SqlStore::open(&format!("sqlite://{}", path.display()), clock.clone())
        .await
        .expect("open SQLite");
    assert_eq!(store.backend(), "sqlite");
    let outcome = tokio::spawn(case(Ctx {
        store: store.clone(),
        clock,
        postgres_url: None,
    }))
    .await;
    store.close().await;
    rethrow(outcome);
}

/// Runs `case` on a store over a new PostgreSQL database, dropped afterwards (also when the case
/// fails); does nothing, after saying so once, when `PARLEY_TEST_POSTGRES_URL` is unset.
pub async fn on_postgres<F, Fut>(case: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
        static NOTE: Once = Once::new();
        NOTE.call_once(|| {
            // Straight to stderr: libtest captures only the print macros.
            let _ = writeln!(
                std::io::stderr(),
                "conformance: {POSTGRES_URL_VAR} is not set, so the PostgreSQL cases were not run (SQLite only)"
            );
        });
        return;
    };
    let name = format!("parley_test_{}", Uuid::now_v7().simple());
    let mut admin = PgConnection::connect(&admin_url)
        .await
        .expect("connect to PARLEY_TEST_POSTGRES_URL");
    admin
        .execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create a test database");
    let clock = Arc::new(ManualClock::new(start()));
    let url = with_database(&admin_url, &name);
    let opened = SqlStore::open(&url, clock.clone()).await;
    let outcome = match opened {
        Ok(store) => {
            assert_eq!(store.backend(), "postgres");
            let outcome = tokio::spawn(case(Ctx {
                store: store.clone(),
                clock,
                postgres_url: Some(url),
            }))
            .await;
            store.close().await;
            Ok(outcome)
        }
        Err(err) => Err(err),
    };
    admin
        .execute(AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
        .await
        .expect("drop the test database");
    admin.close().await.expect("close the admin connection");
    rethrow(outcome.expect("open PostgreSQL"));
}

/// `url` pointing at database `name` instead (keeping user, host, port and options).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(base, query)| (base, Some(query)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..authority_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

fn rethrow(outcome: Result<(), tokio::task::JoinError>) {
    if let Err(err) = outcome {
        match err.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(err) => panic!("the case did not finish: {err}"),
        }
    }
}

#[test]
fn database_names_replace_the_path() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5433/postgres", "t1"),
        "postgres://postgres@127.0.0.1:5433/t1"
    );
    assert_eq!(
        with_database("postgresql://u:p@h/db?sslmode=disable", "t2"),
        "postgresql://u:p@h/t2?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://h:5432", "t3"),
        "postgres://h:5432/t3"
    );
}
