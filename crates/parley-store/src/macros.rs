//! `on_db!`: one query body compiled for each backend's typed pool.

/// Evaluates `$body` with `$pool` bound to the backend's pool: `read` or `write` on SQLite (one
/// writer connection, several readers), the one pool on PostgreSQL. The body is compiled once per
/// backend, so a query is written once and stays fully typed on both.
///
/// ```text
/// let row: Option<CompanyRow> = on_db!(self, read, |pool| {
///     sqlx::query_as(SQL).bind(id).fetch_optional(pool).await
/// })
/// .map_err(errors::db("loading a company"))?;
/// ```
macro_rules! on_db {
    ($store:expr, $side:ident, |$pool:ident| $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite { $side: $pool, .. } => $body,
            $crate::Backend::Postgres { pool: $pool } => $body,
        }
    };
}
