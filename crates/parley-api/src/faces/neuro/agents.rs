//! `GET /company-agents` and `GET|PUT /agent-settings/general?agent_uuid=`. The PUT takes any
//! subset of the settings GET shows, numbers as numbers or strings, `null` as "unchanged" (or
//! "cleared" for speed, pitch and emotion), `delay` as `hh:mm`, `hh:mm:ss` or seconds; it answers
//! the whole updated settings plus `company_uuid`, with `delay` in the form it was sent.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use parley_domain::Services;
use parley_domain::agent::{Agent, AgentSettings, parse_timezone};
use parley_domain::ids::Uuid;
use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::faces::neuro::error::NeuroError;
use crate::faces::neuro::extract::{AgentParam, Body, Caller};
use crate::faces::neuro::loose;

/// An agent in `company-agents`.
#[derive(Debug, Serialize)]
pub struct AgentDto {
    /// The agent's UUID.
    pub agent_uuid: String,
    /// Its name.
    pub name: String,
}

/// `GET /company-agents` (a `company_uuid` parameter is accepted; the caller's company is used).
pub async fn company_agents(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
) -> Result<Json<Vec<AgentDto>>, NeuroError> {
    let agents = services.agents.list(&who).await?;
    Ok(Json(
        agents
            .into_iter()
            .map(|agent| AgentDto {
                agent_uuid: agent.uuid.to_string(),
                name: agent.settings.name,
            })
            .collect(),
    ))
}

/// The general settings of an agent, as `agent-settings/general` shows them.
#[derive(Debug, Serialize)]
pub struct SettingsDto {
    /// The agent's UUID.
    pub agent_uuid: String,
    /// The company's UUID (in PUT answers only; GET keeps to the documented keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_uuid: Option<String>,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Pause before the next attempt: `hh:mm` (or `hh:mm:ss`, or seconds, as last sent).
    pub delay: Value,
    /// Attempts after a failed one.
    pub recall_count: u32,
    /// Trunk.
    pub trunk_name: String,
    /// Recording set.
    pub flag: String,
    /// Where recordings are kept.
    pub record_path: String,
    /// Concurrent transfers.
    pub routing_channel_limit: u32,
    /// Concurrent calls.
    pub total_channel_limit: u32,
    /// Number pool.
    pub pool_name: String,
    /// Default language.
    pub language: String,
    /// Recognition engine.
    pub asr: String,
    /// Synthesis voice, `voice@platform`.
    pub tts: String,
    /// Synthesis speed.
    pub speed: Option<f64>,
    /// Synthesis pitch.
    pub pitch: Option<f64>,
    /// Synthesis emotion.
    pub emotion: Option<String>,
    /// How long recordings are kept, in days.
    pub record_storage_time: String,
    /// IANA zone.
    pub timezone: String,
}

impl SettingsDto {
    fn new(agent: &Agent, company: Option<Uuid>, delay_form: Option<DelayForm>) -> Self {
        let s = &agent.settings;
        Self {
            agent_uuid: agent.uuid.to_string(),
            company_uuid: company.map(|uuid| uuid.to_string()),
            name: s.name.clone(),
            description: s.description.clone(),
            delay: delay_value(s.delay_seconds, delay_form),
            recall_count: s.recall_count,
            trunk_name: s.trunk_name.clone(),
            flag: s.flag.clone(),
            record_path: s.record_path.clone(),
            routing_channel_limit: s.routing_channel_limit,
            total_channel_limit: s.total_channel_limit,
            pool_name: s.pool_name.clone(),
            language: s.language.clone(),
            asr: s.asr.clone(),
            tts: s.tts.clone(),
            speed: s.speed,
            pitch: s.pitch,
            emotion: s.emotion.clone(),
            record_storage_time: s.record_storage_days.to_string(),
            timezone: s.timezone.name().to_owned(),
        }
    }
}

/// `GET /agent-settings/general?agent_uuid=`.
pub async fn get_general(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    AgentParam(agent): AgentParam,
) -> Result<Json<SettingsDto>, NeuroError> {
    let agent = services.agents.get(&who, agent).await?;
    Ok(Json(SettingsDto::new(&agent, None, None)))
}

/// The body of `PUT /agent-settings/general`: any subset; unknown keys (`company_uuid`,
/// `agent_uuid`, `asr_key_uuid`, …) are accepted and ignored.
#[derive(Debug, Default, Deserialize)]
pub struct SettingsPut {
    #[serde(default, deserialize_with = "loose::string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "loose::string")]
    description: Option<String>,
    #[serde(default, deserialize_with = "delay")]
    delay: Option<Delay>,
    #[serde(default, deserialize_with = "loose::u32")]
    recall_count: Option<u32>,
    #[serde(default, deserialize_with = "loose::string")]
    trunk_name: Option<String>,
    #[serde(default, deserialize_with = "loose::string")]
    flag: Option<String>,
    #[serde(default, deserialize_with = "loose::string")]
    record_path: Option<String>,
    #[serde(default, deserialize_with = "loose::u32")]
    routing_channel_limit: Option<u32>,
    #[serde(default, deserialize_with = "loose::u32")]
    total_channel_limit: Option<u32>,
    #[serde(default, deserialize_with = "loose::string")]
    pool_name: Option<String>,
    #[serde(default, deserialize_with = "loose::string")]
    language: Option<String>,
    #[serde(default, deserialize_with = "loose::string")]
    asr: Option<String>,
    #[serde(default, deserialize_with = "loose::string")]
    tts: Option<String>,
    #[serde(default, deserialize_with = "loose::nullable_f64")]
    speed: Option<Option<f64>>,
    #[serde(default, deserialize_with = "loose::nullable_f64")]
    pitch: Option<Option<f64>>,
    #[serde(default, deserialize_with = "loose::nullable_string")]
    emotion: Option<Option<String>>,
    #[serde(default, deserialize_with = "loose::u32")]
    record_storage_time: Option<u32>,
    #[serde(default, deserialize_with = "loose::string")]
    timezone: Option<String>,
}

impl SettingsPut {
    fn apply(self, s: &mut AgentSettings) -> parley_domain::Result<()> {
        if let Some(timezone) = self.timezone {
            s.timezone = parse_timezone(&timezone)?;
        }
        set(&mut s.name, self.name);
        set(&mut s.description, self.description);
        set(&mut s.delay_seconds, self.delay.map(|d| d.seconds));
        set(&mut s.recall_count, self.recall_count);
        set(&mut s.trunk_name, self.trunk_name);
        set(&mut s.flag, self.flag);
        set(&mut s.record_path, self.record_path);
        set(&mut s.routing_channel_limit, self.routing_channel_limit);
        set(&mut s.total_channel_limit, self.total_channel_limit);
        set(&mut s.pool_name, self.pool_name);
        set(&mut s.language, self.language);
        set(&mut s.asr, self.asr);
        set(&mut s.tts, self.tts);
        set(&mut s.speed, self.speed);
        set(&mut s.pitch, self.pitch);
        set(&mut s.emotion, self.emotion);
        set(&mut s.record_storage_days, self.record_storage_time);
        Ok(())
    }
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

/// `PUT /agent-settings/general?agent_uuid=`.
pub async fn put_general(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    AgentParam(agent): AgentParam,
    Body(put): Body<SettingsPut>,
) -> Result<Json<SettingsDto>, NeuroError> {
    let form = put.delay.map(|d| d.form);
    let agent = services
        .agents
        .update_settings(&who, agent, |s| put.apply(s))
        .await?;
    let company = services.directory.company(who.company_id).await?;
    Ok(Json(SettingsDto::new(&agent, Some(company.uuid), form)))
}

/// How a client wrote `delay`, so the answer echoes it in that form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DelayForm {
    /// `"00:05"`.
    HoursMinutes,
    /// `"00:05:00"`.
    HoursMinutesSeconds,
    /// `300` or `"300"`: seconds.
    Seconds,
}

/// A `delay` as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Delay {
    seconds: u32,
    form: DelayForm,
}

/// Reads `delay`: `hh:mm`, `hh:mm:ss` (hours may pass 23) or a number of seconds; `null` is `None`.
fn delay<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Delay>, D::Error> {
    let text = match <Value as Deserialize>::deserialize(deserializer)? {
        Value::Null => return Ok(None),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        other => return Err(D::Error::custom(format!("expected hh:mm, got {other}"))),
    };
    parse_delay(&text).map(Some).ok_or_else(|| {
        D::Error::custom(format!(
            "`{text}` is not a delay (expected hh:mm, hh:mm:ss or a number of seconds)"
        ))
    })
}

fn parse_delay(text: &str) -> Option<Delay> {
    let parts = text
        .split(':')
        .map(|part| part.trim().parse::<u32>().ok())
        .collect::<Option<Vec<_>>>()?;
    let (seconds, form) = match parts[..] {
        [seconds] => (seconds, DelayForm::Seconds),
        [h, m] if m < 60 => (
            h.checked_mul(3600)?.checked_add(m * 60)?,
            DelayForm::HoursMinutes,
        ),
        [h, m, s] if m < 60 && s < 60 => (
            h.checked_mul(3600)?.checked_add(m * 60 + s)?,
            DelayForm::HoursMinutesSeconds,
        ),
        _ => return None,
    };
    Some(Delay { seconds, form })
}

/// `delay` in `form`; without one, `hh:mm` (or `hh:mm:ss` when seconds are not whole minutes).
fn delay_value(seconds: u32, form: Option<DelayForm>) -> Value {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    match form {
        Some(DelayForm::Seconds) => Value::from(seconds),
        Some(DelayForm::HoursMinutesSeconds) => Value::from(format!("{h:02}:{m:02}:{s:02}")),
        None if s != 0 => Value::from(format!("{h:02}:{m:02}:{s:02}")),
        Some(DelayForm::HoursMinutes) | None => Value::from(format!("{h:02}:{m:02}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_read_and_echo_in_their_form() {
        let read =
            |text| parse_delay(text).map(|d| (d.seconds, delay_value(d.seconds, Some(d.form))));
        assert_eq!(read("00:05:00"), Some((300, Value::from("00:05:00"))));
        assert_eq!(read("01:30"), Some((5400, Value::from("01:30"))));
        assert_eq!(read("300"), Some((300, Value::from(300))));
        assert_eq!(read("48:00"), Some((172_800, Value::from("48:00"))));
        assert_eq!(read("00:60"), None);
        assert_eq!(read("5m"), None);
        assert_eq!(read("1:2:3:4"), None);
        assert_eq!(delay_value(90, None), Value::from("00:01:30"));
        assert_eq!(delay_value(300, None), Value::from("00:05"));
    }
}
