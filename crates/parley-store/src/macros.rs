//! `on_db!`: one query body compiled for each backend's typed connection.

/// Evaluates `$body` (a `Result<_, sqlx::Error>`) with `$conn` bound to a `&mut` connection of
/// the backend: on SQLite the write connection or a read connection (`$side` is `write` or
/// `read`), on PostgreSQL one from the pool. The body is compiled once per backend, so a query is
/// written once and stays fully typed on both.
///
/// ```text
/// let row: Option<CompanyRow> = on_db!(self, read, |conn| {
///     sqlx::query_as(SQL).bind(id).fetch_optional(&mut *conn).await
/// })
/// .map_err(errors::db("loading a company"))?;
/// ```
macro_rules! on_db {
    ($store:expr, $side:ident, |$conn:ident| $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite(db) => {
                async {
                    let mut slot = db.$side().await;
                    let $conn: &mut ::sqlx::SqliteConnection = slot.conn()?;
                    $body
                }
                .await
            }
            $crate::Backend::Postgres { pool } => {
                async {
                    let mut guard = pool.acquire().await?;
                    let $conn: &mut ::sqlx::PgConnection = &mut guard;
                    $body
                }
                .await
            }
        }
    };
}

/// Fetches at most one row named by a `Ref`, on a read connection: `$by_id` is bound with
/// (company, id) and `$by_uuid` with (company, uuid). Evaluates to `Result<Option<_>, sqlx::Error>`.
///
/// ```text
/// let row: Option<AgentRow> = fetch_by_ref!(self, BY_ID, BY_UUID, company, agent)
///     .map_err(errors::db("loading an agent"))?;
/// ```
macro_rules! fetch_by_ref {
    ($store:expr, $by_id:expr, $by_uuid:expr, $company:expr, $reference:expr) => {
        on_db!($store, read, |conn| match $reference {
            ::parley_domain::ids::Ref::Id(id) =>
                ::sqlx::query_as($by_id)
                    .bind($company.0)
                    .bind(id.0)
                    .fetch_optional(&mut *conn)
                    .await,
            ::parley_domain::ids::Ref::Uuid(uuid) =>
                ::sqlx::query_as($by_uuid)
                    .bind($company.0)
                    .bind(uuid)
                    .fetch_optional(&mut *conn)
                    .await,
        })
    };
}
