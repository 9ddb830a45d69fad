//! Call statistics search (`CallSearch`): Twin24's `search/cis/calls` and
//! `search/cis/sessions` over Parley's calls. A call is one attempt; a session is a dialog
//! (a contact) shown through its last call, with durations summed over all its calls.
//!
//! The request names fields by their Twin24 names ([`fields`]); this module checks them (an
//! unknown field, filter or sort is `InvalidInput` naming it), builds a [`CallQuery`] that the
//! store runs in the database (filters, period, sort, page), and turns each found call into the
//! selected fields' [`FieldValue`]s. At most [`PERIOD_CAP`] records are read per period: a page
//! starting beyond it, or an export of a period holding more, is refused.

mod fields;

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{DateTime, Utc};

pub use fields::{FieldValue, Line};

use self::fields::{CALL_FIELDS, Extras, Field, Kind, SESSION_FIELDS, filter_values, value};
use super::CampaignService;
use crate::auth::Principal;
use crate::call::search::{CallQuery, Condition, SearchColumn};
use crate::error::{Error, Result};

/// The most records one period yields (the vendor's limit).
pub const PERIOD_CAP: u64 = 50_000;
/// The largest JSON page.
pub const MAX_PAGE: u64 = 1000;
/// The page size when none is given.
pub const DEFAULT_PAGE: u64 = 100;

/// Calls or sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    /// Each call attempt.
    Calls,
    /// Each dialog, through its last call.
    Sessions,
}

/// A statistics request as the client wrote it (the face only decodes the query string).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchRequest {
    /// Fields to return in this order; empty: all.
    pub fields: Vec<String>,
    /// `field=value` filters (comma lists for ids, numbers and statuses).
    pub filters: Vec<(String, String)>,
    /// Period start (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Period end (inclusive).
    pub to: Option<DateTime<Utc>>,
    /// The time field the period applies to (default `startedAt`).
    pub period_by: Option<String>,
    /// `field` or `-field` (default `startedAt`).
    pub sort: Option<String>,
    /// Page size (JSON ≤ 1000, exports ≤ 50 000).
    pub limit: Option<u64>,
    /// Rows skipped before the first page.
    pub offset: Option<u64>,
    /// 1-based page of `limit` rows after `offset`.
    pub page: Option<u64>,
    /// A file export (CSV, Excel): without a limit it reads the whole period.
    pub export: bool,
}

/// What a search found: the selected fields, the total, and one row of values per record.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    /// Field names, in the order of every row.
    pub fields: Vec<&'static str>,
    /// How many records match in all.
    pub total: u64,
    /// The page's records.
    pub rows: Vec<Vec<FieldValue>>,
}

impl CampaignService {
    /// Finds calls or sessions for Twin24 statistics.
    pub async fn search_calls(
        &self,
        who: &Principal,
        kind: SearchKind,
        request: &SearchRequest,
    ) -> Result<SearchResult> {
        let catalogue = match kind {
            SearchKind::Calls => CALL_FIELDS,
            SearchKind::Sessions => SESSION_FIELDS,
        };
        let lookup = |name: &str| catalogue.iter().find(|f| f.name == name);
        let selected: Vec<&Field> = if request.fields.is_empty() {
            catalogue.iter().collect()
        } else {
            request
                .fields
                .iter()
                .map(|name| lookup(name).ok_or_else(|| unknown("field", name, catalogue)))
                .collect::<Result<_>>()?
        };
        let mut conditions = Vec::new();
        for (name, text) in &request.filters {
            let field = lookup(name).ok_or_else(|| unknown("filter", name, catalogue))?;
            conditions.extend(condition(field, text, who)?);
        }
        let period_name = request.period_by.as_deref().unwrap_or("startedAt");
        let period = lookup(period_name)
            .filter(|f| f.kind == Kind::Time)
            .and_then(|f| f.column)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "`filterPeriodBy` must be one of {}, not `{period_name}`",
                    names(catalogue.iter().filter(|f| f.kind == Kind::Time))
                ))
            })?;
        if let (Some(from), Some(to)) = (request.from, request.to)
            && from > to
        {
            return Err(Error::invalid("`from` is after `to`"));
        }
        if request.from.is_some() || request.to.is_some() {
            conditions.push(Condition::Between(period, request.from, request.to));
        }
        let (sort, descending) = sort(request.sort.as_deref(), catalogue)?;
        let (offset, limit) = page(request)?;
        let query = CallQuery {
            conditions,
            sort,
            descending,
            offset,
            limit,
            sessions: kind == SearchKind::Sessions,
            transcripts: selected.iter().any(|f| f.name.starts_with("messages")),
            variables: selected
                .iter()
                .any(|f| matches!(f.name, "dialogResults" | "resultsString" | "nps")),
        };
        let found = self.store.search_calls(who.company_id, &query).await?;
        if request.export && request.limit.is_none() && found.total > offset + limit {
            return Err(cap_error(found.total));
        }
        let mut outputs = HashMap::new();
        let mut rows = Vec::with_capacity(found.items.len());
        for record in &found.items {
            if let Entry::Vacant(slot) = outputs.entry(record.call.agent_id) {
                let declared = if query.variables {
                    self.store
                        .output_variables(who.company_id, record.call.agent_id)
                        .await?
                } else {
                    Vec::new()
                };
                slot.insert(declared);
            }
            let extras = Extras {
                outputs: outputs
                    .get(&record.call.agent_id)
                    .map_or(&[], Vec::as_slice),
                company: who.company_id.0,
            };
            rows.push(
                selected
                    .iter()
                    .map(|f| value(f.name, record, &extras))
                    .collect(),
            );
        }
        Ok(SearchResult {
            fields: selected.iter().map(|f| f.name).collect(),
            total: found.total,
            rows,
        })
    }
}

fn condition(field: &Field, text: &str, who: &Principal) -> Result<Vec<Condition>> {
    let column = match (field.kind, field.column) {
        (Kind::Constant(only), _) => {
            let matches = fields::parse_bool(text) == Some(only);
            return Ok(if matches {
                Vec::new()
            } else {
                vec![Condition::In(SearchColumn::Phone, Vec::new())]
            });
        }
        (_, Some(column)) if field.kind != Kind::None => column,
        _ if field.name == "companyId" => {
            let ours = text.trim() == who.company_id.0.to_string();
            return Ok(if ours {
                Vec::new()
            } else {
                vec![Condition::In(SearchColumn::Phone, Vec::new())]
            });
        }
        _ => {
            return Err(Error::invalid(format!(
                "`{}` cannot be used as a filter (Parley does not keep it)",
                field.name
            )));
        }
    };
    if field.kind == Kind::Contains {
        return Ok(vec![Condition::Contains(column, text.to_owned())]);
    }
    Ok(vec![Condition::In(column, filter_values(field, text)?)])
}

fn sort(text: Option<&str>, catalogue: &[Field]) -> Result<(SearchColumn, bool)> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok((SearchColumn::StartedAt, false));
    };
    let (name, descending) = match text.strip_prefix('-') {
        Some(name) => (name, true),
        None => (text.strip_prefix('+').unwrap_or(text), false),
    };
    let sortable = |f: &&Field| f.column.is_some() && f.kind != Kind::Contains;
    let field = catalogue
        .iter()
        .filter(sortable)
        .find(|f| f.name == name)
        .ok_or_else(|| {
            Error::invalid(format!(
                "`sort` must be one of {} (with `-` for descending), not `{name}`",
                names(catalogue.iter().filter(sortable))
            ))
        })?;
    Ok((field.column.unwrap_or(SearchColumn::StartedAt), descending))
}

/// The offset and limit of a request, within the page size and the period cap.
fn page(request: &SearchRequest) -> Result<(u64, u64)> {
    let max = if request.export { PERIOD_CAP } else { MAX_PAGE };
    let limit = match request.limit {
        Some(0) => return Err(Error::invalid("`limit` must be at least 1")),
        Some(limit) if limit > max => {
            return Err(Error::invalid(format!(
                "`limit` must be at most {max}, not {limit}"
            )));
        }
        Some(limit) => limit,
        None if request.export => PERIOD_CAP,
        None => DEFAULT_PAGE,
    };
    let page = match request.page {
        Some(0) => return Err(Error::invalid("`page` starts at 1")),
        Some(page) => page,
        None => 1,
    };
    let offset = (page - 1)
        .checked_mul(limit)
        .and_then(|skip| skip.checked_add(request.offset.unwrap_or(0)))
        .ok_or_else(|| Error::invalid("`offset` and `page` are too large"))?;
    if offset >= PERIOD_CAP {
        return Err(cap_error(offset));
    }
    Ok((offset, limit.min(PERIOD_CAP - offset)))
}

fn cap_error(records: u64) -> Error {
    Error::invalid(format!(
        "at most {PERIOD_CAP} records can be read for one period (this request reaches {records}); \
         narrow the period with `from` and `to`"
    ))
}

fn unknown(what: &str, name: &str, catalogue: &[Field]) -> Error {
    Error::invalid(format!(
        "unknown {what} `{name}`; the fields are {}",
        names(catalogue.iter())
    ))
}

fn names<'a>(fields: impl Iterator<Item = &'a Field>) -> String {
    fields.map(|f| f.name).collect::<Vec<_>>().join(", ")
}
