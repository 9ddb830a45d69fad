//! `POST /api/campaigns`: a calling campaign with its schedule and phones, checked whole before
//! anything is created, then made with `CampaignService::create` and its phones uploaded.
//!
//! Mapping (the document's terms → Parley's):
//! - `project_id` is the caller's company id (another one is 404 `project N not found`).
//! - The scenario is an agent; `start_block_id` is the integer `id` of a block an entry point of
//!   its scenario starts at. The document's body names no scenario, so the agent is the
//!   company's only voice agent with such a start block, or the one `campaign.scenario_id` (a
//!   Parley extension, the agent's id) names; several candidates without `scenario_id` are 422.
//! - `schedule.date` (`YYYY-MM-DD`) is the first day of calling, read in the agent's time zone;
//!   `start_time`/`end_time` (`HH:MM`) bound every day's calls in the callee's local time (an end
//!   before the start crosses midnight, an equal one is the whole day). `periods` must be
//!   `{id: 1, title: "Однократно"}`: the phones are called through once (each up to its attempts),
//!   from the date on, until every one is done, so the campaign has no end date.
//! - `attempts` `{id: n, title: "n"}`, n in 1..=5, and `interval` (minutes, 0..=10080, a string
//!   or a number) become the campaign's retry policy.
//! - `phones[].add_data` keys must be inputs the scenario declares, and its required inputs must
//!   be there. `phone_id` (the caller line) is required but Parley has one outbound line, so it
//!   is not kept; nor is `description` or `state`. `name` defaults to `Обзвон <date>`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use parley_domain::agent::Agent;
use parley_domain::campaign::{CampaignWindow, UploadRow};
use parley_domain::campaign_service::{CampaignSpec, MAX_UPLOAD_ROWS};
use parley_domain::dialer::{DailyWindow, PhoneNumber, RedialRules, RetryPolicy};
use parley_domain::ids::{AgentId, Ref};
use parley_domain::scenarios::parse_scenario;
use parley_domain::values::{Channel, LocalTime};
use parley_domain::{ErrorKind, Principal, Services};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::common::json::phone_digits;
use crate::faces::is74::auth::Caller;
use crate::faces::is74::error::Is74Error;
use crate::faces::is74::input::{self, Problems};

/// The only recurrence the document knows.
pub const ONCE: &str = "Однократно";

/// The most minutes between attempts: a week.
pub const MAX_INTERVAL_MINUTES: i64 = 7 * 24 * 60;

/// `POST /api/campaigns`'s answer.
#[derive(Debug, Serialize)]
pub struct CreatedDto {
    /// The new campaign.
    pub campaign: CampaignIdDto,
}

/// A campaign's id.
#[derive(Debug, Serialize)]
pub struct CampaignIdDto {
    /// Its integer id (`outgoing_campaign_id` in reports).
    pub id: i64,
}

/// Phones as sent, each with its `add_data`.
type Phones = Vec<(String, Map<String, Value>)>;

/// A request that passed the document's rules.
#[derive(Debug)]
struct Request {
    project_id: i64,
    scenario_id: Option<i64>,
    name: String,
    start_block_id: i64,
    date: NaiveDate,
    daily: DailyWindow,
    attempts: u32,
    interval_minutes: u32,
    phones: Phones,
}

/// `POST /api/campaigns`.
pub async fn create(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    body: Bytes,
) -> Result<Json<CreatedDto>, Is74Error> {
    who.require_write()?;
    let request = read(&input::object(&body)?)?;
    if request.project_id != who.company_id.0 {
        return Err(project_not_found(request.project_id));
    }
    let (agent, entry, inputs) = start_block(&services, &who, &request).await?;
    let rows = rows(&request, &inputs)?;
    let window = CampaignWindow {
        starts_at: Some(day_start(&agent, request.date)),
        ends_at: None,
        daily: Some(request.daily),
    };
    let retry = RetryPolicy {
        max_attempts: request.attempts,
        delay_seconds: request.interval_minutes * 60,
        per_outcome: RedialRules::default(),
    };
    let spec = CampaignSpec {
        window,
        retry: Some(retry),
        ..CampaignSpec::named(request.name)
    };
    let campaign = services
        .campaigns
        .create(&who, Ref::Id(agent.id), spec)
        .await?;
    let rows = rows
        .into_iter()
        .map(|(phone, variables)| UploadRow {
            phone,
            entry: Some(entry.clone()),
            variables,
            external_id: None,
        })
        .collect();
    services
        .campaigns
        .upload(&who, Ref::Id(campaign.id), rows)
        .await?;
    Ok(Json(CreatedDto {
        campaign: CampaignIdDto { id: campaign.id.0 },
    }))
}

/// The 404 of a project that is not the caller's company.
pub fn project_not_found(id: i64) -> Is74Error {
    Is74Error::not_found(format!("project {id} not found"))
}

/// Checks every rule of the document that needs no lookup; every problem is reported at once.
fn read(body: &Map<String, Value>) -> Result<Request, Is74Error> {
    let mut p = Problems::default();
    let campaign = p.object(body.get("campaign"), "campaign");
    let phones = read_phones(&mut p, body.get("phones"));
    let Some(campaign) = campaign else {
        p.check()?;
        return Err(Is74Error::invalid("`campaign`: field required"));
    };
    let project_id = p.int(campaign.get("project_id"), "campaign.project_id");
    let scenario_id = p.opt_int(campaign.get("scenario_id"), "campaign.scenario_id");
    let name = p.opt_text(campaign.get("name"), "campaign.name");
    p.opt_text(campaign.get("description"), "campaign.description");
    let start_block_id = p.int(campaign.get("start_block_id"), "campaign.start_block_id");
    p.int(campaign.get("phone_id"), "campaign.phone_id");
    let schedule = p.object(campaign.get("schedule"), "campaign.schedule");
    let schedule = schedule.map(|s| read_schedule(&mut p, s));
    if let Some(name) = &name
        && name.trim().chars().count() > 255
    {
        p.push("`campaign.name`: at most 255 characters");
    }
    p.check()?;
    match (project_id, start_block_id, schedule.flatten(), phones) {
        (Some(project_id), Some(start_block_id), Some(schedule), Some(phones)) => {
            let (date, daily, attempts, interval_minutes) = schedule;
            let name = name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| format!("Обзвон {date}"));
            Ok(Request {
                project_id,
                scenario_id,
                name,
                start_block_id,
                date,
                daily,
                attempts,
                interval_minutes,
                phones,
            })
        }
        _ => Err(Is74Error::invalid("the campaign is incomplete")),
    }
}

type Schedule = (NaiveDate, DailyWindow, u32, u32);

fn read_schedule(p: &mut Problems, s: &Map<String, Value>) -> Option<Schedule> {
    let at = "campaign.schedule";
    let date = p.text(s.get("date"), &format!("{at}.date")).and_then(|t| {
        let date = NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok();
        if date.is_none() || t.trim().len() != 10 {
            p.push(format!(
                "`{at}.date`: `{t}` is not a date in the form YYYY-MM-DD"
            ));
            return None;
        }
        date
    });
    let mut time = |key: &str| {
        let path = format!("{at}.{key}");
        p.text(s.get(key), &path).and_then(|t| match hh_mm(&t) {
            Some(time) => Some(time),
            None => {
                p.push(format!(
                    "`{path}`: `{t}` is not a time of day in the form HH:MM (00:00–23:59)"
                ));
                None
            }
        })
    };
    let from = time("start_time");
    let to = time("end_time");
    if let Some(periods) = p.object(s.get("periods"), &format!("{at}.periods")) {
        let id = p.int(periods.get("id"), &format!("{at}.periods.id"));
        let title = p.text(periods.get("title"), &format!("{at}.periods.title"));
        if id.is_some_and(|id| id != 1) {
            p.push(format!("`{at}.periods.id`: must be 1 (once)"));
        }
        if title.is_some_and(|t| t.trim() != ONCE) {
            p.push(format!("`{at}.periods.title`: must be \"{ONCE}\""));
        }
    }
    let mut attempts = None;
    if let Some(object) = p.object(s.get("attempts"), &format!("{at}.attempts")) {
        let id = p.int(object.get("id"), &format!("{at}.attempts.id"));
        let title = p.text(object.get("title"), &format!("{at}.attempts.title"));
        match id {
            Some(n @ 1..=5) => {
                if title.as_deref().is_some_and(|t| t.trim() != n.to_string()) {
                    p.push(format!("`{at}.attempts.title`: must equal `id` (\"{n}\")"));
                }
                attempts = u32::try_from(n).ok();
            }
            Some(n) => p.push(format!("`{at}.attempts.id`: {n} is not from 1 to 5")),
            None => {}
        }
    }
    let interval_path = format!("{at}.interval");
    let interval = match input::optional_int(s.get("interval")) {
        Ok(Some(n)) if (0..=MAX_INTERVAL_MINUTES).contains(&n) => u32::try_from(n).ok(),
        Ok(None) => {
            p.push(format!("`{interval_path}`: field required"));
            None
        }
        _ => {
            p.push(format!(
                "`{interval_path}`: must be a whole number of minutes from 0 to \
                 {MAX_INTERVAL_MINUTES}"
            ));
            None
        }
    };
    let daily = match (from, to) {
        (Some(from), Some(to)) => Some(DailyWindow { from, to }),
        _ => None,
    };
    Some((date?, daily?, attempts?, interval?))
}

/// `HH:MM` exactly (two digits each), 00:00 to 23:59.
fn hh_mm(text: &str) -> Option<LocalTime> {
    let t = text.trim();
    let digits = t.len() == 5 && t.as_bytes()[2] == b':';
    digits
        .then(|| NaiveTime::parse_from_str(t, "%H:%M").ok())
        .flatten()
        .and_then(|_| LocalTime::parse(t).ok())
}

fn read_phones(p: &mut Problems, value: Option<&Value>) -> Option<Phones> {
    let items = match value {
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(Value::Array(_)) => {
            p.push("`phones`: must list at least one phone");
            return None;
        }
        None | Some(Value::Null) => {
            p.push("`phones`: field required");
            return None;
        }
        Some(_) => {
            p.push("`phones`: must be an array");
            return None;
        }
    };
    if items.len() > MAX_UPLOAD_ROWS {
        p.push(format!(
            "`phones`: {} phones; at most {MAX_UPLOAD_ROWS} at once",
            items.len()
        ));
        return None;
    }
    let mut phones = Vec::with_capacity(items.len());
    let before = p.is_empty();
    for (i, item) in items.iter().enumerate() {
        let Some(object) = p.object(Some(item), &format!("phones[{i}]")) else {
            continue;
        };
        let path = format!("phones[{i}].phone");
        let phone = match object.get("phone") {
            Some(Value::Number(n)) => {
                let digits = phone_digits(n);
                if digits.is_none() {
                    p.push(format!(
                        "`{path}`: `{n}` is not a phone number (a whole number)"
                    ));
                }
                digits
            }
            value => p.text(value, &path),
        };
        if let Some(text) = &phone
            && let Err(e) = PhoneNumber::parse(text)
        {
            p.push(format!("`phones[{i}].phone`: {}", e.message()));
        }
        let data = match object.get("add_data") {
            None | Some(Value::Null) => Some(Map::new()),
            Some(Value::Object(map)) => Some(map.clone()),
            Some(_) => {
                p.push(format!("`phones[{i}].add_data`: must be an object"));
                None
            }
        };
        if let (Some(phone), Some(data)) = (phone, data) {
            phones.push((phone, data));
        }
    }
    (before && p.is_empty()).then_some(phones)
}

/// The agent (scenario), the entry point at `start_block_id`, and the scenario's inputs as
/// `(name, required)`.
async fn start_block(
    services: &Services,
    who: &Principal,
    request: &Request,
) -> Result<(Agent, String, Vec<(String, bool)>), Is74Error> {
    let block = request.start_block_id;
    let candidates = match request.scenario_id {
        Some(id) => {
            let agent = services
                .agents
                .get(who, Ref::Id(AgentId(id)))
                .await
                .map_err(|e| match e.kind() {
                    ErrorKind::NotFound => Is74Error::not_found(format!("scenario {id} not found")),
                    _ => e.into(),
                })?;
            if agent.channel != Channel::Voice {
                return Err(Is74Error::invalid(format!(
                    "`campaign.scenario_id`: scenario {id} is a chat agent; campaigns call \
                     with voice agents"
                )));
            }
            vec![agent]
        }
        None => services
            .agents
            .list(who)
            .await?
            .into_iter()
            .filter(|a| a.channel == Channel::Voice)
            .collect(),
    };
    let mut found = Vec::new();
    let mut starts = Vec::new();
    for agent in candidates {
        let source = services
            .agents
            .scenario_source(who, Ref::Id(agent.id))
            .await?;
        let scenario = parse_scenario(&source)?;
        let entry = scenario.entry_points().into_iter().find(|e| {
            scenario
                .entry_block(e)
                .and_then(|b| scenario.block_id(b))
                .is_some_and(|id| id == block)
        });
        match entry {
            Some(entry) => {
                let inputs = scenario
                    .inputs()
                    .iter()
                    .map(|i| (i.name.clone(), i.required))
                    .collect();
                found.push((agent, entry.to_owned(), inputs));
            }
            None => starts.extend(scenario.entry_points().into_iter().filter_map(|e| {
                let id = scenario.entry_block(e).and_then(|b| scenario.block_id(b))?;
                Some(format!("{id} ({e})"))
            })),
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 if request.scenario_id.is_some() => Err(Is74Error::invalid(format!(
            "`campaign.start_block_id`: {block} is not a start block of scenario {}; its start \
             blocks are {}",
            request.scenario_id.unwrap_or_default(),
            starts.join(", ")
        ))),
        0 => Err(Is74Error::invalid(format!(
            "`campaign.start_block_id`: no voice scenario of project {} starts at block {block}",
            request.project_id
        ))),
        _ => Err(Is74Error::invalid(format!(
            "`campaign.start_block_id`: block {block} starts scenarios {}; name one with \
             `campaign.scenario_id`",
            found
                .iter()
                .map(|(a, _, _)| a.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The phones with their `add_data` checked against the scenario's inputs.
fn rows(request: &Request, inputs: &[(String, bool)]) -> Result<Phones, Is74Error> {
    let mut p = Problems::default();
    let names = || {
        let names: Vec<&str> = inputs.iter().map(|(n, _)| n.as_str()).collect();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    };
    for (i, (_, data)) in request.phones.iter().enumerate() {
        for key in data.keys() {
            if !inputs.iter().any(|(name, _)| name == key) {
                p.push(format!(
                    "`phones[{i}].add_data.{key}`: not a parameter of the start block (it has: {})",
                    names()
                ));
            }
        }
        for (name, _) in inputs.iter().filter(|(_, required)| *required) {
            if !data.contains_key(name) {
                p.push(format!(
                    "`phones[{i}].add_data.{name}`: required by the start block"
                ));
            }
        }
    }
    p.check()?;
    Ok(request.phones.clone())
}

/// Midnight starting `date` in the agent's time zone (the earliest midnight on a DST change).
fn day_start(agent: &Agent, date: NaiveDate) -> chrono::DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    agent
        .settings
        .timezone
        .from_local_datetime(&midnight)
        .earliest()
        .map_or_else(|| midnight.and_utc(), |at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::hh_mm;

    #[test]
    fn times_are_hh_mm() {
        for good in ["00:00", "07:30", "23:59", " 19:00 "] {
            assert!(hh_mm(good).is_some(), "{good}");
        }
        for bad in ["25:00", "24:00", "9:00", "09:60", "09:00:00", "0900", ""] {
            assert!(hh_mm(bad).is_none(), "{bad}");
        }
    }
}
