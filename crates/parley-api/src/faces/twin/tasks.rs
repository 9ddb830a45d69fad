//! Twin24 call tasks (`autoCall`) = campaigns of the bot named by `defaultExecData`: create,
//! list, and `play` / `pause` / `halted`.
//!
//! Create reads `cps` as a number or as Twin24's strings ("1 + N/100" = N calls per second,
//! "1 − N/100" = one call per N seconds), `lifetime` (seconds from the start, then HALTED),
//! `startType` manual (created, started by `play`) or time (`startMoment` "YYYY-MM-DD HH:MM",
//! read as UTC), `webhookUrls` as strings or `{url, events}` objects (an object without
//! `events` gets every event; an event's value is `true` or the Go SDK's `{name, value}`; `delay`
//! holds each event back that many seconds),
//! `additionalOptions.allowCallTimeFrom/To` (seconds since midnight, the callee's local time) and
//! `redialStrategyOptions` (busy, noAnswer, answerMash, congestion, and answerNoList — an answered
//! call shorter than `additionalOptions.fullListTime` seconds: `{redial, time, count}`; attempts
//! in all = 1 + the counts, capped by `candidateLimit`; `redialStrategyEn: false` = one attempt).
//! Statuses map from campaign states: BLANK (created, no contact), READY (created), PROCESS
//! (running), PAUSED, HALTED (stopped, completed or past its lifetime).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::Uri;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use parley_domain::Services;
use parley_domain::campaign::{
    Campaign, CampaignFilter, CampaignState, CampaignWindow, QueueCounts,
};
use parley_domain::campaign_service::CampaignSpec;
use parley_domain::dialer::{DailyWindow, RedialRule, RedialRules, RetryPolicy, Unproductive};
use parley_domain::ids::{AgentId, CampaignId, Ref};
use parley_domain::values::LocalTime;
use parley_domain::webhook::{CampaignHooks, WebhookTarget};
use serde_json::{Value, json};

use super::error::TwinError;
use super::extract::{Body, Caller, query_value};
use super::webhooks::{check_events, task_status};
use crate::common::query::{DayEnd, Path, iso8601};

/// A task's id as every client reads it.
fn identity(campaign: &Campaign) -> Value {
    json!({ "id": { "identity": campaign.uuid.to_string() } })
}

/// `POST /autoCall`.
pub async fn create(
    Caller(who): Caller,
    State(services): State<Arc<Services>>,
    Body(body): Body<Value>,
) -> Result<Json<Value>, TwinError> {
    let now = services.clock.now();
    let (agent, spec, hooks) = read_task(&body, now)?;
    let campaign = services
        .campaigns
        .create_with_hooks(&who, agent, spec, &hooks)
        .await?;
    Ok(Json(identity(&campaign)))
}

/// `GET /autoCall`: `page` (from 1) or `offset`, `limit` ≤ 1000, `keyword`, `status` (comma
/// list), `from`/`to` (creation, ISO 8601), `sort` (`field` or `-field`: createdAt, name,
/// status).
pub async fn list(
    Caller(who): Caller,
    State(services): State<Arc<Services>>,
    uri: Uri,
) -> Result<Json<Value>, TwinError> {
    let number = |name: &str| -> Result<Option<u64>, TwinError> {
        query_value(&uri, name)
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.parse::<u64>().map_err(|_| {
                    TwinError::invalid(format!("`{name}` must be a whole number, not `{v}`"))
                })
            })
            .transpose()
    };
    let limit = number("limit")?.unwrap_or(100);
    if limit == 0 || limit > 1000 {
        return Err(TwinError::invalid("`limit` must be 1 to 1000"));
    }
    let offset = match (number("offset")?, number("page")?) {
        (Some(offset), _) => offset,
        (None, Some(page)) => page.saturating_sub(1).saturating_mul(limit),
        (None, None) => 0,
    };
    let keyword = query_value(&uri, "keyword").map(|k| k.to_lowercase());
    let statuses: Vec<String> = query_value(&uri, "status")
        .map(|s| {
            s.split(',')
                .map(|x| x.trim().to_uppercase())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    for status in &statuses {
        if !["BLANK", "READY", "PROCESS", "PAUSED", "HALTED"].contains(&status.as_str()) {
            return Err(TwinError::invalid(format!(
                "unknown status `{status}` (expected BLANK, READY, PROCESS, PAUSED or HALTED)"
            )));
        }
    }
    // As the statistics read them: a date alone, no zone (UTC), or a `+` that arrived as a space.
    let instant = |name: &str, end: DayEnd| -> Result<Option<DateTime<Utc>>, TwinError> {
        query_value(&uri, name)
            .filter(|v| !v.trim().is_empty())
            .map(|v| {
                iso8601(&v, end).ok_or_else(|| {
                    TwinError::invalid(format!("`{name}` must be ISO 8601, not `{v}`"))
                })
            })
            .transpose()
    };
    let (from, to) = (instant("from", DayEnd::Start)?, instant("to", DayEnd::End)?);
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(TwinError::invalid("`from` is after `to`"));
    }
    let sort = query_value(&uri, "sort")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "createdAt".to_owned());
    let (descending, field) = match sort.strip_prefix('-') {
        Some(field) => (true, field.to_owned()),
        None => (false, sort),
    };
    if !["createdAt", "name", "status", "id"].contains(&field.as_str()) {
        return Err(TwinError::invalid(format!(
            "cannot sort by `{field}` (expected createdAt, name, status or id)"
        )));
    }
    let now = services.clock.now();
    // Filter and sort on the campaigns and their counts; read webhook targets only for the page.
    let mut rows: Vec<(Campaign, QueueCounts, &str)> = services
        .campaigns
        .campaigns_with_counts(&who, &CampaignFilter::default())
        .await?
        .into_iter()
        .filter(|(campaign, _)| {
            keyword
                .as_ref()
                .is_none_or(|k| campaign.name.to_lowercase().contains(k))
                && from.is_none_or(|f| campaign.created_at >= f)
                && to.is_none_or(|t| campaign.created_at <= t)
        })
        .map(|(campaign, counts)| {
            let status = task_status(&campaign, counts.total(), now);
            (campaign, counts, status)
        })
        .filter(|(_, _, status)| statuses.is_empty() || statuses.iter().any(|s| s == status))
        .collect();
    match field.as_str() {
        "name" => rows.sort_by(|a, b| a.0.name.cmp(&b.0.name)),
        "status" => rows.sort_by(|a, b| a.2.cmp(b.2)),
        "id" => rows.sort_by_key(|row| row.0.uuid.to_string()),
        _ => rows.sort_by_key(|row| row.0.created_at),
    }
    if descending {
        rows.reverse();
    }
    let count = rows.len();
    let mut items = Vec::new();
    for (campaign, counts, status) in rows
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
    {
        let hooks = services.campaigns.hooks(&who, campaign.id).await?;
        items.push(task_dto(&campaign, &hooks, status, &counts));
    }
    Ok(Json(json!({ "count": count, "items": items })))
}

fn task_dto(
    campaign: &Campaign,
    hooks: &CampaignHooks,
    status: &str,
    counts: &QueueCounts,
) -> Value {
    let cps = match (hooks.seconds_per_call, campaign.calls_per_second) {
        (Some(n), _) => json!(format!("1 - {n}/100")),
        (None, Some(n)) => json!(n),
        (None, None) => Value::Null,
    };
    json!({
        "id": campaign.uuid.to_string(),
        "name": campaign.name,
        "status": status,
        "defaultExec": "robot",
        "defaultExecData": campaign.agent_id.0.to_string(),
        "cps": cps,
        "startMoment": campaign.window.starts_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()),
        "finishMoment": campaign.window.ends_at.map(|t| t.to_rfc3339()),
        "webhookUrls": hooks.webhooks.iter().map(|t| json!({
            "url": t.url,
            "events": t.events.as_ref().map(|e| e.iter().map(|n| (n.clone(), json!(true))).collect::<serde_json::Map<_, _>>()),
            "delay": t.delay_seconds,
        })).collect::<Vec<_>>(),
        "candidates": {
            "total": counts.total(),
            "waiting": counts.waiting,
            "inProgress": counts.dialing,
            "done": counts.done,
            "cancelled": counts.removed,
        },
        "createdAt": campaign.created_at.to_rfc3339(),
        "updatedAt": campaign.updated_at.to_rfc3339(),
    })
}

/// `POST /autoCall/{id}/play`.
pub async fn play(
    caller: Caller,
    services: State<Arc<Services>>,
    id: Path<String>,
) -> Result<Json<Value>, TwinError> {
    steer(caller, services, id, CampaignState::Running).await
}

/// `POST /autoCall/{id}/pause`.
pub async fn pause(
    caller: Caller,
    services: State<Arc<Services>>,
    id: Path<String>,
) -> Result<Json<Value>, TwinError> {
    steer(caller, services, id, CampaignState::Paused).await
}

/// `POST /autoCall/{id}/halted`.
pub async fn halted(
    caller: Caller,
    services: State<Arc<Services>>,
    id: Path<String>,
) -> Result<Json<Value>, TwinError> {
    steer(caller, services, id, CampaignState::Stopped).await
}

async fn steer(
    Caller(who): Caller,
    State(services): State<Arc<Services>>,
    Path(id): Path<String>,
    to: CampaignState,
) -> Result<Json<Value>, TwinError> {
    let task = task_ref(&id)?;
    let campaign = services.campaigns.set_state(&who, task, to).await?;
    let counts = services.campaigns.counts(&who, campaign.id).await?;
    let status = task_status(&campaign, counts.total(), services.clock.now());
    let mut body = identity(&campaign);
    body["status"] = json!(status);
    Ok(Json(body))
}

/// A task id from a path or a query: its UUID (or the integer id).
pub fn task_ref(id: &str) -> Result<Ref<CampaignId>, TwinError> {
    Ref::parse(id.trim())
        .ok_or_else(|| TwinError::invalid(format!("`{id}` is not a call task id (a UUID)")))
}

/// The agent, the campaign and its hooks a create body asks for.
fn read_task(
    body: &Value,
    now: DateTime<Utc>,
) -> Result<(Ref<AgentId>, CampaignSpec, CampaignHooks), TwinError> {
    let name = body["name"]
        .as_str()
        .ok_or_else(|| TwinError::invalid("`name` is required (the task's name)"))?;
    let bot = match &body["defaultExecData"] {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => {
            return Err(TwinError::invalid(
                "`defaultExecData` is required (the bot's id)",
            ));
        }
    };
    let agent = Ref::parse(bot.trim())
        .ok_or_else(|| TwinError::invalid(format!("`defaultExecData` `{bot}` is not a bot id")))?;
    if let Some(exec) = body["defaultExec"].as_str()
        && exec != "robot"
    {
        return Err(TwinError::invalid(format!(
            "`defaultExec` `{exec}` is not supported (only robot)"
        )));
    }
    let (start, starts_at) = match body["startType"].as_str().unwrap_or("manual") {
        "manual" => (false, None),
        "time" => {
            let moment = body["startMoment"].as_str().ok_or_else(|| {
                TwinError::invalid(
                    "`startMoment` (YYYY-MM-DD HH:MM) is required with startType time",
                )
            })?;
            let at = NaiveDateTime::parse_from_str(moment.trim(), "%Y-%m-%d %H:%M")
                .map_err(|_| {
                    TwinError::invalid(format!("`startMoment` `{moment}` is not YYYY-MM-DD HH:MM"))
                })?
                .and_utc();
            (true, Some(at))
        }
        other => {
            return Err(TwinError::invalid(format!(
                "`startType` `{other}` is not manual or time"
            )));
        }
    };
    let ends_at = match &body["lifetime"] {
        Value::Null => None,
        value => {
            let seconds = value
                .as_u64()
                .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
                .filter(|s| *s > 0)
                .ok_or_else(|| {
                    TwinError::invalid("`lifetime` must be a positive number of seconds")
                })?;
            let seconds = i64::try_from(seconds)
                .unwrap_or(i64::MAX)
                .min(10 * 365 * 86_400);
            Some(starts_at.unwrap_or(now) + TimeDelta::seconds(seconds))
        }
    };
    let options = &body["additionalOptions"];
    let daily = match (&options["allowCallTimeFrom"], &options["allowCallTimeTo"]) {
        (Value::Null, Value::Null) => None,
        (from, to) => Some(DailyWindow {
            from: seconds_of_day(from, "allowCallTimeFrom", 0)?,
            to: seconds_of_day(to, "allowCallTimeTo", 0)?,
        }),
    };
    let (calls_per_second, seconds_per_call) = read_cps(&body["cps"])?;
    let spec = CampaignSpec {
        name: name.to_owned(),
        selection: false,
        start,
        window: CampaignWindow {
            starts_at,
            ends_at,
            daily,
        },
        retry: read_redial(&body["redialStrategyOptions"], options)?,
        calls_per_second,
    };
    let hooks = CampaignHooks {
        webhooks: read_webhooks(&body["webhookUrls"])?,
        seconds_per_call,
    };
    Ok((agent, spec, hooks))
}

fn seconds_of_day(value: &Value, field: &str, default: u32) -> Result<LocalTime, TwinError> {
    let seconds = match value {
        Value::Null => default,
        value => value
            .as_u64()
            .and_then(|s| u32::try_from(s).ok())
            .ok_or_else(|| {
                TwinError::invalid(format!(
                    "`{field}` must be seconds since midnight (0–86399)"
                ))
            })?,
    };
    Ok(LocalTime::from_seconds(seconds.min(86_399))?)
}

/// `cps`: calls per second, or seconds per call for the "1 − N/100" form.
fn read_cps(value: &Value) -> Result<(Option<u32>, Option<u32>), TwinError> {
    let bad = || {
        TwinError::invalid(
            "`cps` must be a number of calls per second, \"1 + N/100\" (N calls per second) or \
             \"1 - N/100\" (one call per N seconds)",
        )
    };
    match value {
        Value::Null => Ok((None, None)),
        Value::Number(n) => {
            let cps = n.as_f64().filter(|c| *c > 0.0).ok_or_else(bad)?;
            if cps >= 1.0 {
                Ok((Some(cps.round() as u32), None))
            } else {
                Ok((None, Some((1.0 / cps).round() as u32)))
            }
        }
        Value::String(text) => {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            let compact = compact.replace(['−', '–'], "-");
            if let Ok(n) = compact.parse::<f64>() {
                return read_cps(&json!(n));
            }
            let (sign, rest) = compact
                .strip_prefix("1+")
                .map(|r| ('+', r))
                .or_else(|| compact.strip_prefix("1-").map(|r| ('-', r)))
                .ok_or_else(bad)?;
            let n: u32 = rest
                .strip_suffix("/100")
                .and_then(|n| n.parse().ok())
                .filter(|n| *n > 0)
                .ok_or_else(bad)?;
            Ok(if sign == '+' {
                (Some(n), None)
            } else {
                (None, Some(n))
            })
        }
        _ => Err(bad()),
    }
}

fn read_webhooks(value: &Value) -> Result<Vec<WebhookTarget>, TwinError> {
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => return Err(TwinError::invalid("`webhookUrls` must be a list")),
    };
    let mut targets = Vec::with_capacity(items.len());
    for item in items {
        let target = match item {
            Value::String(url) => WebhookTarget::new(url, None)?,
            Value::Object(object) => {
                let url = object
                    .get("url")
                    .and_then(Value::as_str)
                    .ok_or_else(|| TwinError::invalid("a `webhookUrls` object needs its `url`"))?;
                let events: Option<Vec<String>> = match object.get("events") {
                    None | Some(Value::Null) => None,
                    Some(Value::Object(events)) => Some(
                        events
                            .iter()
                            .filter(|(_, on)| wanted(on))
                            .map(|(name, _)| name.clone())
                            .collect(),
                    ),
                    Some(Value::Array(names)) => Some(
                        names
                            .iter()
                            .filter_map(|n| n.as_str().map(str::to_owned))
                            .collect(),
                    ),
                    Some(_) => return Err(TwinError::invalid("`events` must be an object")),
                };
                if let Some(events) = &events {
                    check_events(events)?;
                }
                // `delay`: seconds to hold each event back (at most the day retries last).
                let delay = match object.get("delay") {
                    None | Some(Value::Null) => 0,
                    Some(value) => value
                        .as_u64()
                        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
                        .and_then(|d| u32::try_from(d).ok())
                        .filter(|d| *d <= 86_400)
                        .ok_or_else(|| {
                            TwinError::invalid(
                                "`webhookUrls[].delay` must be a whole number of seconds, at most 86400",
                            )
                        })?,
                };
                WebhookTarget::new(url, events)?.delayed(delay)
            }
            _ => {
                return Err(TwinError::invalid(
                    "`webhookUrls` items are URLs or objects",
                ));
            }
        };
        targets.push(target);
    }
    Ok(targets)
}

/// Whether an `events` entry asks for its event: `true`, or an object (`{"name", "value": true}`,
/// as the Go SDK sends; an object without `value` asks for it); `false`, `null`, `0` and
/// `"false"` do not.
fn wanted(on: &Value) -> bool {
    match on {
        Value::Null => false,
        Value::Bool(on) => *on,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !matches!(s.trim(), "" | "0" | "false"),
        Value::Object(config) => config.get("value").is_none_or(wanted),
        Value::Array(_) => true,
    }
}

/// `redialStrategyOptions`, with `additionalOptions.fullListTime` (the talk, in seconds, that
/// makes an answered call productive, for `answerNoList`). `redialStrategyEn: false` turns every
/// rule off (one attempt per contact); `candidateLimit` caps the attempts in all.
fn read_redial(value: &Value, additional: &Value) -> Result<Option<RetryPolicy>, TwinError> {
    let Value::Object(options) = value else {
        return Ok(None);
    };
    let whole = |value: &Value, field: &str| -> Result<Option<u32>, TwinError> {
        match value {
            Value::Null => Ok(None),
            v => v
                .as_u64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| TwinError::invalid(format!("`{field}` must be a whole number"))),
        }
    };
    let enabled = |value: &Value| matches!(value, Value::Bool(true));
    if matches!(options.get("redialStrategyEn"), Some(Value::Bool(false))) {
        return Ok(Some(RetryPolicy {
            max_attempts: 1,
            delay_seconds: 3600,
            per_outcome: RedialRules::default(),
        }));
    }
    let rule = |name: &str| -> Result<Option<RedialRule>, TwinError> {
        let Some(rule) = options.get(name).filter(|r| !r.is_null()) else {
            return Ok(None);
        };
        let number = |field: &str| {
            whole(
                &rule[field],
                &format!("redialStrategyOptions.{name}.{field}"),
            )
            .map(Option::unwrap_or_default)
        };
        Ok(Some(RedialRule {
            redial: enabled(&rule["redial"]),
            delay_seconds: number("time")?,
            max_redials: number("count")?,
        }))
    };
    // Without `fullListTime` no answered call can be told unproductive: the rule has no effect.
    let productive_after = whole(
        &additional["fullListTime"],
        "additionalOptions.fullListTime",
    )?;
    let unproductive = match (rule("answerNoList")?, productive_after) {
        (Some(rule), Some(seconds)) if seconds > 0 => Some(Unproductive {
            shorter_than_ms: u64::from(seconds) * 1000,
            rule,
        }),
        _ => None,
    };
    let per_outcome = RedialRules {
        busy: rule("busy")?,
        no_answer: rule("noAnswer")?,
        answering_machine: rule("answerMash")?,
        congestion: rule("congestion")?,
        unproductive,
    };
    let redials: u32 = [
        per_outcome.busy,
        per_outcome.no_answer,
        per_outcome.answering_machine,
        per_outcome.congestion,
        per_outcome.unproductive.map(|u| u.rule),
    ]
    .into_iter()
    .flatten()
    .filter(|r| r.redial)
    .map(|r| r.max_redials)
    .fold(0, u32::saturating_add);
    let mut max_attempts = redials.saturating_add(1);
    let limit = options.get("candidateLimit").unwrap_or(&Value::Null);
    if enabled(&limit["redial"]) {
        let count = whole(
            &limit["count"],
            "redialStrategyOptions.candidateLimit.count",
        )?;
        if let Some(count) = count.filter(|c| *c > 0) {
            max_attempts = max_attempts.min(count);
        }
    }
    Ok(Some(RetryPolicy {
        max_attempts,
        delay_seconds: 3600,
        per_outcome,
    }))
}
