//! `POST /api/analytics/{project_id}/report`: the company's calls as rows of the requested
//! columns ([`columns`] says what each shows and how it filters and sorts), with
//! `total_duration` and `avg_duration` (talk seconds over the rows kept, the average rounded to
//! the millisecond) and `count`.
//!
//! `analytics_filter` narrows the calls: `outgoing_campaign_id` (a campaign of the project, else
//! 404), `scenario_id` (an agent of the project, else 404), `start_block_id` (checked to be a
//! start block of that scenario, or of the campaign's; calls are not told apart by entry), and
//! `date_start`/`date_end` (when dialing started, from inclusive to exclusive, ISO 8601 such as
//! `2000-01-01T08:00:59.096Z`; without a zone, UTC). Ids given as `0` are treated as absent.
//! Without `columns` the rows carry every call field, the agent's outputs and the dialog.
//! Rows are oldest call first unless a column sorts them.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use chrono::{DateTime, NaiveDateTime, Utc};
use parley_domain::call::CallFilter;
use parley_domain::ids::{AgentId, CampaignId, Ref};
use parley_domain::scenarios::parse_scenario;
use parley_domain::{Error, ErrorKind, Principal, Services};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::faces::is74::auth::Caller;
use crate::faces::is74::campaigns::project_not_found;
use crate::faces::is74::columns::{
    self, Column, DATA_TYPES, FIELDS, FILTER_TYPES, Filter, Outputs,
};
use crate::faces::is74::error::Is74Error;
use crate::faces::is74::input::{self, Problems};

/// A column of the answer.
#[derive(Debug, Serialize)]
pub struct ColumnDto {
    /// The key of the column in `data` rows.
    pub field: String,
    /// As asked, or the name.
    pub display_name: String,
    /// `text`, `number`, `datetime`, `dialog` or `goal`.
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// The report.
#[derive(Debug, Serialize)]
pub struct ReportDto {
    /// The columns, in the order asked.
    pub columns: Vec<ColumnDto>,
    /// One row per call kept.
    pub data: Vec<Map<String, Value>>,
    /// Talk seconds of the rows.
    pub total_duration: f64,
    /// Average talk seconds per row (0 without rows).
    pub avg_duration: f64,
    /// Rows.
    pub count: usize,
}

/// A column as asked, before its name is looked up.
struct Asked {
    name: String,
    display_name: Option<String>,
    data_type: Option<String>,
    filter: Option<Filter>,
    ascending: Option<bool>,
}

/// The report request after the document's rules.
struct Request {
    campaign: Option<i64>,
    scenario: Option<i64>,
    start_block: Option<i64>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    columns: Vec<Asked>,
}

/// `POST /api/analytics/{project_id}/report`.
pub async fn report(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    project: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Json<ReportDto>, Is74Error> {
    // A project id that does not decode (not UTF-8) names no project, like any other bad id.
    let Ok(Path(project)) = project else {
        return Err(Is74Error::not_found("project not found"));
    };
    let project_id = project.trim().parse::<i64>().ok();
    if project_id != Some(who.company_id.0) {
        return Err(project_not_found_text(&project));
    }
    let request = read(&input::object(&body)?)?;
    let (filter, agents) = call_filter(&services, &who, &request).await?;
    let outputs = outputs(&services, &who, agents).await?;
    let columns = resolve(request.columns, &outputs)?;
    let narrowing: Vec<_> = columns.iter().filter_map(columns::narrowing).collect();
    let reports = services
        .campaigns
        .all_call_reports(&who, &filter, &narrowing)
        .await?;
    // Filtered columns first: a call they drop costs no other column (the dialog's text above
    // all), which over a campaign of 100,000 calls is most of them.
    let filtered: Vec<(usize, &Filter)> = columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.filter.as_ref().map(|f| (i, f)))
        .collect();
    let mut kept: Vec<(Vec<Value>, f64)> = reports
        .iter()
        .filter_map(|report| {
            let mut values = vec![Value::Null; columns.len()];
            for &(i, filter) in &filtered {
                values[i] = columns::value(&columns[i].source, report);
                if !filter.keeps(&values[i]) {
                    return None;
                }
            }
            for (i, column) in columns.iter().enumerate() {
                if column.filter.is_none() {
                    values[i] = columns::value(&column.source, report);
                }
            }
            Some((values, columns::talk_seconds(report)))
        })
        .collect();
    let sorted: Vec<(usize, bool)> = columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.ascending.map(|asc| (i, asc)))
        .collect();
    if !sorted.is_empty() {
        kept.sort_by(|(a, _), (b, _)| {
            sorted
                .iter()
                .map(|&(i, asc)| {
                    let order = columns::compare(&a[i], &b[i]);
                    if asc { order } else { order.reverse() }
                })
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    }
    let count = kept.len();
    // A fold from 0.0, not `sum()`: an empty float sum is -0.0, which would show as `-0.0`.
    let total_ms = kept
        .iter()
        .map(|(_, s)| (s * 1000.0).round())
        .fold(0.0, |total, ms| total + ms);
    let avg = if count == 0 {
        0.0
    } else {
        (total_ms / count as f64).round() / 1000.0
    };
    let data = kept
        .into_iter()
        .map(|(values, _)| columns.iter().map(|c| c.name.clone()).zip(values).collect())
        .collect();
    Ok(Json(ReportDto {
        columns: columns
            .into_iter()
            .map(|c| ColumnDto {
                field: c.name,
                display_name: c.display_name,
                kind: c.kind,
            })
            .collect(),
        data,
        total_duration: total_ms / 1000.0,
        avg_duration: avg,
        count,
    }))
}

fn project_not_found_text(text: &str) -> Is74Error {
    match text.trim().parse() {
        Ok(id) => project_not_found(id),
        Err(_) => Is74Error::not_found(format!("project `{text}` not found")),
    }
}

fn read(body: &Map<String, Value>) -> Result<Request, Is74Error> {
    let mut p = Problems::default();
    let at = "analytics_filter";
    let filter = p.object(body.get(at), at);
    let nonzero = |n: Option<i64>| n.filter(|&n| n != 0);
    let mut request = Request {
        campaign: None,
        scenario: None,
        start_block: None,
        from: None,
        to: None,
        columns: Vec::new(),
    };
    if let Some(f) = filter {
        let id =
            |p: &mut Problems, key: &str| nonzero(p.opt_int(f.get(key), &format!("{at}.{key}")));
        request.campaign = id(&mut p, "outgoing_campaign_id");
        request.scenario = id(&mut p, "scenario_id");
        request.start_block = id(&mut p, "start_block_id");
        request.from = date(&mut p, f.get("date_start"), &format!("{at}.date_start"));
        request.to = date(&mut p, f.get("date_end"), &format!("{at}.date_end"));
        if let (Some(from), Some(to)) = (request.from, request.to)
            && to < from
        {
            p.push(format!("`{at}.date_end`: before `date_start`"));
        }
    }
    match body.get("columns") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if let Some(c) = p.object(Some(item), &format!("columns[{i}]")) {
                    request.columns.extend(read_column(&mut p, c, i));
                }
            }
        }
        Some(_) => p.push("`columns`: must be an array"),
    }
    p.check()?;
    Ok(request)
}

fn read_column(p: &mut Problems, c: &Map<String, Value>, i: usize) -> Option<Asked> {
    let at = format!("columns[{i}]");
    let name = p.text(c.get("name"), &format!("{at}.name"));
    let display_name = p.opt_text(c.get("display_name"), &format!("{at}.display_name"));
    let blank = |t: Option<String>| t.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    let data_type = blank(p.opt_text(c.get("data_type"), &format!("{at}.data_type")));
    if let Some(t) = &data_type
        && !DATA_TYPES.contains(&t.as_str())
    {
        p.push(format!(
            "`{at}.data_type`: `{t}` is not one of {}",
            DATA_TYPES.join(", ")
        ));
    }
    let kind = blank(p.opt_text(c.get("filter_type"), &format!("{at}.filter_type")));
    let value = p.opt_text(c.get("filter_value"), &format!("{at}.filter_value"));
    let filter = kind.and_then(|kind| match Filter::new(&kind, value) {
        Some(Ok(filter)) => Some(filter),
        Some(Err(why)) => {
            p.push(format!("`{at}.filter_type`: `{kind}` {why}"));
            None
        }
        None => {
            p.push(format!(
                "`{at}.filter_type`: `{kind}` is not one of {}",
                FILTER_TYPES.join(", ")
            ));
            None
        }
    });
    let sorting = blank(p.opt_text(c.get("sorting"), &format!("{at}.sorting")));
    let ascending = match sorting.as_deref().map(str::to_lowercase).as_deref() {
        None => None,
        Some("asc") => Some(true),
        Some("desc") => Some(false),
        Some(other) => {
            p.push(format!("`{at}.sorting`: `{other}` is not asc or desc"));
            None
        }
    };
    Some(Asked {
        name: name?.trim().to_owned(),
        display_name: blank(display_name),
        data_type,
        filter,
        ascending,
    })
}

/// An ISO 8601 instant (with a zone, or UTC without one).
fn date(p: &mut Problems, value: Option<&Value>, path: &str) -> Option<DateTime<Utc>> {
    let text = p.opt_text(value, path)?;
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let parsed = DateTime::parse_from_rfc3339(t)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
                .map(|n| n.and_utc())
        });
    if parsed.is_none() {
        p.push(format!(
            "`{path}`: `{text}` is not an ISO 8601 date and time (e.g. 2000-01-01T08:00:59.096Z)"
        ));
    }
    parsed
}

/// The calls asked for, and the agents whose outputs may appear (`None`: every agent).
async fn call_filter(
    services: &Services,
    who: &Principal,
    request: &Request,
) -> Result<(CallFilter, Option<AgentId>), Is74Error> {
    let not_found = |what: &'static str, id: i64| {
        move |e: Error| match e.kind() {
            ErrorKind::NotFound => Is74Error::not_found(format!("{what} {id} not found")),
            _ => e.into(),
        }
    };
    let campaign = match request.campaign {
        Some(id) => Some(
            services
                .campaigns
                .campaign(who, Ref::Id(CampaignId(id)))
                .await
                .map_err(not_found("campaign", id))?,
        ),
        None => None,
    };
    let agent = match request.scenario {
        Some(id) => Some(
            services
                .agents
                .get(who, Ref::Id(AgentId(id)))
                .await
                .map_err(not_found("scenario", id))?
                .id,
        ),
        None => None,
    };
    if let (Some(block), Some(of)) = (
        request.start_block,
        agent.or(campaign.as_ref().map(|c| c.agent_id)),
    ) {
        let source = services.agents.scenario_source(who, Ref::Id(of)).await?;
        let scenario = parse_scenario(&source)?;
        let starts = scenario
            .entry_points()
            .into_iter()
            .filter_map(|e| scenario.entry_block(e).and_then(|b| scenario.block_id(b)))
            .collect::<Vec<_>>();
        if !starts.contains(&block) {
            return Err(Is74Error::invalid(format!(
                "`analytics_filter.start_block_id`: {block} is not a start block of scenario {of}"
            )));
        }
    }
    let filter = CallFilter {
        agent_id: agent,
        campaign_id: campaign.as_ref().map(|c| c.id),
        started_from: request.from,
        started_to: request.to,
        ..CallFilter::default()
    };
    Ok((filter, agent.or(campaign.map(|c| c.agent_id))))
}

/// The output variables of `agent`, or of every agent of the company.
async fn outputs(
    services: &Services,
    who: &Principal,
    agent: Option<AgentId>,
) -> Result<Outputs, Is74Error> {
    let agents = match agent {
        Some(agent) => vec![agent],
        None => services
            .agents
            .list(who)
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect(),
    };
    let mut outputs = Outputs::new();
    for agent in agents {
        for output in services
            .agents
            .output_variables(who, Ref::Id(agent))
            .await?
        {
            outputs.entry(output.name).or_insert(output.kind);
        }
    }
    Ok(outputs)
}

/// The columns asked (every field, output and the dialog when none were), looked up.
fn resolve(asked: Vec<Asked>, outputs: &Outputs) -> Result<Vec<Column>, Is74Error> {
    let asked = if asked.is_empty() {
        let mut names: Vec<(String, Option<&str>)> = FIELDS
            .iter()
            .map(|(f, _)| ((*f).to_owned(), None))
            .collect();
        let mut outs: Vec<&String> = outputs.keys().collect();
        outs.sort();
        names.extend(outs.into_iter().map(|o| (o.clone(), None)));
        names.push(("dialog".to_owned(), Some("dialog")));
        names
            .into_iter()
            .map(|(name, data_type)| Asked {
                name,
                display_name: None,
                data_type: data_type.map(str::to_owned),
                filter: None,
                ascending: None,
            })
            .collect()
    } else {
        asked
    };
    let mut p = Problems::default();
    let mut columns = Vec::with_capacity(asked.len());
    for (i, a) in asked.into_iter().enumerate() {
        match columns::resolve(&a.name, a.data_type.as_deref(), outputs) {
            Some((source, kind)) => columns.push(Column {
                display_name: a.display_name.unwrap_or_else(|| a.name.clone()),
                name: a.name,
                source,
                kind,
                filter: a.filter,
                ascending: a.ascending,
            }),
            None => {
                let mut known: Vec<&str> = FIELDS.iter().map(|(f, _)| *f).collect();
                let mut outs: Vec<&str> = outputs.keys().map(String::as_str).collect();
                outs.sort_unstable();
                known.extend(outs);
                p.push(format!(
                    "`columns[{i}].name`: no column `{}` (known: {}; or data_type dialog or goal)",
                    a.name,
                    known.join(", ")
                ));
            }
        }
    }
    p.check()?;
    Ok(columns)
}
