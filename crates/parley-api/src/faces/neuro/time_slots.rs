//! Call-time rules: `GET|POST|PUT|DELETE /agent-settings/time-slot`. `day` is 0 (Monday) … 6,
//! times are `hh:mm` or `hh:mm:ss` and come back as `hh:mm:ss`; `not_after` must be later than
//! `not_before`. POST answers 201, PUT 200 with the whole slot, DELETE 204.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use parley_domain::Services;
use parley_domain::agent::TimeSlot;
use parley_domain::values::{LocalTime, Weekday};
use serde::{Deserialize, Serialize};

use crate::faces::neuro::error::NeuroError;
use crate::faces::neuro::extract::{AgentParam, Body, Caller, parse_uuid, query_value};
use crate::faces::neuro::loose;

/// A slot as Neuro.net shows it.
#[derive(Debug, Serialize)]
pub struct TimeSlotDto {
    /// The slot's UUID.
    pub time_slot_uuid: String,
    /// 0 = Monday … 6 = Sunday.
    pub day: u8,
    /// Start, `hh:mm:ss`.
    pub not_before: String,
    /// End, `hh:mm:ss`.
    pub not_after: String,
}

impl From<TimeSlot> for TimeSlotDto {
    fn from(slot: TimeSlot) -> Self {
        Self {
            time_slot_uuid: slot.uuid.to_string(),
            day: slot.day.number(),
            not_before: slot.not_before.to_hms(),
            not_after: slot.not_after.to_hms(),
        }
    }
}

/// The body of POST, PUT and DELETE (each reads the fields it needs).
#[derive(Debug, Default, Deserialize)]
pub struct SlotBody {
    #[serde(default, deserialize_with = "loose::string")]
    time_slot_uuid: Option<String>,
    #[serde(default, deserialize_with = "loose::u32")]
    day: Option<u32>,
    #[serde(default, deserialize_with = "loose::string")]
    not_before: Option<String>,
    #[serde(default, deserialize_with = "loose::string")]
    not_after: Option<String>,
}

impl SlotBody {
    /// Day, start and end, each required.
    fn window(&self) -> Result<(Weekday, LocalTime, LocalTime), NeuroError> {
        let day = self.day.ok_or_else(|| required("day"))?;
        let time = |name, value: &Option<String>| match value {
            Some(text) => LocalTime::parse(text).map_err(NeuroError::from),
            None => Err(required(name)),
        };
        Ok((
            Weekday::new(i64::from(day))?,
            time("not_before", &self.not_before)?,
            time("not_after", &self.not_after)?,
        ))
    }

    fn uuid(&self) -> Result<parley_domain::ids::Uuid, NeuroError> {
        match &self.time_slot_uuid {
            Some(text) => parse_uuid("time_slot_uuid", text),
            None => Err(required("time_slot_uuid")),
        }
    }
}

fn required(field: &str) -> NeuroError {
    NeuroError::invalid(format!("`{field}` is required"))
}

/// `GET /agent-settings/time-slot?agent_uuid=`: an empty list means calls at any time.
pub async fn list(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    AgentParam(agent): AgentParam,
) -> Result<Json<Vec<TimeSlotDto>>, NeuroError> {
    let slots = services.agents.time_slots(&who, agent).await?;
    Ok(Json(slots.into_iter().map(TimeSlotDto::from).collect()))
}

/// `POST /agent-settings/time-slot?agent_uuid=` (a `time_slot_uuid` in the body is ignored).
pub async fn create(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    AgentParam(agent): AgentParam,
    Body(body): Body<SlotBody>,
) -> Result<(StatusCode, Json<TimeSlotDto>), NeuroError> {
    who.require_write()?;
    let (day, not_before, not_after) = body.window()?;
    let slot = services
        .agents
        .add_time_slot(&who, agent, day, not_before, not_after)
        .await?;
    Ok((StatusCode::CREATED, Json(slot.into())))
}

/// `PUT /agent-settings/time-slot`: the whole slot, by `time_slot_uuid`.
pub async fn update(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    Body(body): Body<SlotBody>,
) -> Result<Json<TimeSlotDto>, NeuroError> {
    who.require_write()?;
    let uuid = body.uuid()?;
    let (day, not_before, not_after) = body.window()?;
    let slot = TimeSlot {
        uuid,
        day,
        not_before,
        not_after,
    };
    let slot = services.agents.update_time_slot(&who, &slot).await?;
    Ok(Json(slot.into()))
}

/// `DELETE /agent-settings/time-slot`: `time_slot_uuid` in the body or the query.
pub async fn delete(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    uri: Uri,
    Body(mut body): Body<SlotBody>,
) -> Result<StatusCode, NeuroError> {
    who.require_write()?;
    if body.time_slot_uuid.is_none() {
        body.time_slot_uuid = query_value(&uri, "time_slot_uuid");
    }
    services.agents.delete_time_slot(&who, body.uuid()?).await?;
    Ok(StatusCode::NO_CONTENT)
}
