//! What initial and output entities share: the `{"data": [...]}` list, the bulk answers, and
//! reading the entity UUIDs a request names (in the body or, for DELETE, the query).

use axum::http::Uri;
use parley_domain::ids::Uuid;
use serde::Serialize;

use crate::faces::neuro::error::NeuroError;
use crate::faces::neuro::extract::{parse_uuid, query_value};

/// A list under `data`.
#[derive(Debug, Serialize)]
pub struct DataDto<T> {
    /// The entities.
    pub data: Vec<T>,
}

/// The answer of a bulk add: what was added, and the names skipped because they exist.
#[derive(Debug, Serialize)]
pub struct AddedDto<T> {
    /// The new entities.
    pub added_entities: Vec<T>,
    /// Names already declared on the agent.
    pub skipped: Vec<String>,
}

/// The answer of a bulk delete: what was removed, and the UUIDs that were not there.
#[derive(Debug, Serialize)]
pub struct DeletedDto<T> {
    /// The removed entities.
    pub deleted_entities: Vec<T>,
    /// UUIDs that named no entity (of the agent, when one was given).
    pub skipped: Vec<String>,
}

/// Reads a list of entity UUIDs; `field` names it in errors.
pub fn uuids(field: &str, texts: &[String]) -> Result<Vec<Uuid>, NeuroError> {
    texts.iter().map(|text| parse_uuid(field, text)).collect()
}

/// The one entity UUID a PUT or DELETE names: `field` in the body, else in the query.
pub fn one_uuid(field: &str, body: Option<&str>, uri: &Uri) -> Result<Uuid, NeuroError> {
    match body.map(str::to_owned).or_else(|| query_value(uri, field)) {
        Some(text) => parse_uuid(field, &text),
        None => Err(NeuroError::invalid(format!("`{field}` is required"))),
    }
}

/// The error of a bulk body that both adds and deletes, or does neither.
pub fn bulk_shape(list: &str, uuids: &str) -> NeuroError {
    NeuroError::invalid(format!(
        "send either `{list}` (to add) or `{uuids}` (to delete), not both or neither"
    ))
}
