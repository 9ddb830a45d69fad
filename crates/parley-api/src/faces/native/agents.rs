//! Agents: create from a scenario document (JSON or raw YAML), read, change settings, upload and
//! download scenario versions.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use parley_domain::agent::{AgentSettings, parse_timezone};
use parley_domain::ids::AgentId;
use parley_domain::{Detail, Services};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::common::auth::Bearer;
use crate::common::error::ApiError;
use crate::common::ids::parse_ref;
use crate::common::json::{JsonBody, JsonOrYaml, nullable};
use crate::common::query::{Path, QueryParams};
use crate::faces::native::dto::{AgentDto, ChannelDto};
use crate::faces::native::error::ErrorBody;

/// A new agent, as JSON.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgentRequest {
    /// Chat or voice (or give `?channel=`).
    pub channel: Option<ChannelDto>,
    /// The scenario document, `parley.scenario/v1` YAML, as a string.
    pub scenario: String,
    /// Settings to change from the defaults (which are named after the scenario).
    pub settings: Option<SettingsPatch>,
}

/// Query parameters of agent creation; `channel` is required with a raw YAML body.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CreateAgentQuery {
    /// Chat or voice.
    pub channel: Option<ChannelDto>,
}

/// A new scenario version, as JSON.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioUpload {
    /// The scenario document, `parley.scenario/v1` YAML, as a string.
    pub scenario: String,
}

/// A partial change of settings: absent fields keep their value; `null` clears the nullable ones.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    /// Display name (1–129 characters).
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Default language, e.g. `ru-RU`.
    pub language: Option<String>,
    /// IANA time zone, e.g. `Europe/Moscow`.
    pub timezone: Option<String>,
    /// Pause before the next call attempt, in seconds (at most 7 days).
    pub delay_seconds: Option<u32>,
    /// Calls again after a failed attempt (any number; the calling window and the campaign's
    /// end still apply).
    pub recall_count: Option<u32>,
    /// Telephony trunk.
    pub trunk_name: Option<String>,
    /// Selects a set of voice recordings.
    pub flag: Option<String>,
    /// Where recordings are kept.
    pub record_path: Option<String>,
    /// Concurrent transfers to operators (0–10000).
    pub routing_channel_limit: Option<u32>,
    /// Concurrent calls (0–10000).
    pub total_channel_limit: Option<u32>,
    /// Number pool.
    pub pool_name: Option<String>,
    /// Speech recognition engine.
    pub asr: Option<String>,
    /// Speech synthesis voice, `voice@platform`.
    pub tts: Option<String>,
    /// Synthesis speed; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>)]
    pub speed: Option<Option<f64>>,
    /// Synthesis pitch; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>)]
    pub pitch: Option<Option<f64>>,
    /// Synthesis emotion; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub emotion: Option<Option<String>>,
    /// How long recordings are kept, in days.
    pub record_storage_days: Option<u32>,
}

impl SettingsPatch {
    /// Applies the present fields to `s`.
    fn apply(self, s: &mut AgentSettings) -> parley_domain::Result<()> {
        if let Some(timezone) = self.timezone {
            s.timezone = parse_timezone(&timezone).map_err(|e| {
                e.with_details([Detail {
                    field: Some("timezone".into()),
                    ..Detail::new(format!("unknown time zone `{timezone}`"))
                }])
            })?;
        }
        set(&mut s.name, self.name);
        set(&mut s.description, self.description);
        set(&mut s.language, self.language);
        set(&mut s.delay_seconds, self.delay_seconds);
        set(&mut s.recall_count, self.recall_count);
        set(&mut s.trunk_name, self.trunk_name);
        set(&mut s.flag, self.flag);
        set(&mut s.record_path, self.record_path);
        set(&mut s.routing_channel_limit, self.routing_channel_limit);
        set(&mut s.total_channel_limit, self.total_channel_limit);
        set(&mut s.pool_name, self.pool_name);
        set(&mut s.asr, self.asr);
        set(&mut s.tts, self.tts);
        set(&mut s.speed, self.speed);
        set(&mut s.pitch, self.pitch);
        set(&mut s.emotion, self.emotion);
        set(&mut s.record_storage_days, self.record_storage_days);
        Ok(())
    }
}

fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *field = value;
    }
}

/// The agents of the company.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentList {
    /// Oldest first.
    pub items: Vec<AgentDto>,
}

/// Creates an agent from a scenario document: a JSON body, or the raw YAML with
/// `Content-Type: application/yaml` and `?channel=`. An invalid scenario is 400 `invalid_input`
/// with every diagnostic (line, column, message, hint) in `details`.
#[utoipa::path(post, path = "/parley/v1/agents", tag = "agents", security(("bearer" = [])),
    params(CreateAgentQuery),
    request_body(content(
        (CreateAgentRequest = "application/json"),
        (String = "application/yaml"),
    )),
    responses(
        (status = 201, description = "The new agent", body = AgentDto),
        (status = 400, description = "Invalid scenario (every diagnostic in details) or settings", body = ErrorBody),
        (status = 403, description = "The role may not create agents", body = ErrorBody),
        (status = 415, description = "Neither JSON nor YAML", body = ErrorBody),
    ))]
pub async fn create(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    QueryParams(query): QueryParams<CreateAgentQuery>,
    body: JsonOrYaml<CreateAgentRequest>,
) -> Result<(StatusCode, Json<AgentDto>), ApiError> {
    let (channel, source, patch) = match body {
        JsonOrYaml::Json(body) => (
            body.channel.or(query.channel),
            body.scenario,
            body.settings.unwrap_or_default(),
        ),
        JsonOrYaml::Yaml(source) => (query.channel, source, SettingsPatch::default()),
    };
    let channel = channel.ok_or_else(|| {
        ApiError::invalid("`channel` is required: `chat` or `voice` (in the JSON body, or `?channel=` with a YAML body)")
    })?;
    let agent = services
        .agents
        .create_with(&who, channel.into(), &source, |settings| {
            patch.apply(settings)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(agent.into())))
}

/// The agents of the caller's company.
#[utoipa::path(get, path = "/parley/v1/agents", tag = "agents", security(("bearer" = [])),
    responses((status = 200, description = "Every agent of the company", body = AgentList)))]
pub async fn list(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
) -> Result<Json<AgentList>, ApiError> {
    let agents = services.agents.list(&who).await?;
    Ok(Json(AgentList {
        items: agents.into_iter().map(AgentDto::from).collect(),
    }))
}

/// One agent, by integer id or UUID.
#[utoipa::path(get, path = "/parley/v1/agents/{id}", tag = "agents", security(("bearer" = [])),
    params(("id" = String, Path, description = "Integer id or UUID")),
    responses(
        (status = 200, description = "The agent", body = AgentDto),
        (status = 404, description = "No such agent in the company", body = ErrorBody),
    ))]
pub async fn get(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    Path(id): Path<String>,
) -> Result<Json<AgentDto>, ApiError> {
    let agent = services
        .agents
        .get(&who, parse_ref::<AgentId>("agent", &id)?)
        .await?;
    Ok(Json(agent.into()))
}

/// Changes some settings; the others keep their values.
#[utoipa::path(patch, path = "/parley/v1/agents/{id}/settings", tag = "agents", security(("bearer" = [])),
    params(("id" = String, Path, description = "Integer id or UUID")),
    request_body = SettingsPatch,
    responses(
        (status = 200, description = "The agent with its new settings", body = AgentDto),
        (status = 400, description = "A setting breaks a rule", body = ErrorBody),
        (status = 404, description = "No such agent in the company", body = ErrorBody),
    ))]
pub async fn update_settings(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<SettingsPatch>,
) -> Result<Json<AgentDto>, ApiError> {
    let agent = parse_ref::<AgentId>("agent", &id)?;
    let agent = services
        .agents
        .update_settings(&who, agent, |settings| patch.apply(settings))
        .await?;
    Ok(Json(agent.into()))
}

/// Uploads a new scenario version (raw YAML or JSON `{"scenario": "..."}`); running dialogs
/// finish on the version they started with.
#[utoipa::path(put, path = "/parley/v1/agents/{id}/scenario", tag = "agents", security(("bearer" = [])),
    params(("id" = String, Path, description = "Integer id or UUID")),
    request_body(content(
        (ScenarioUpload = "application/json"),
        (String = "application/yaml"),
    )),
    responses(
        (status = 200, description = "The agent at its new scenario version", body = AgentDto),
        (status = 400, description = "Invalid scenario (every diagnostic in details)", body = ErrorBody),
        (status = 404, description = "No such agent in the company", body = ErrorBody),
    ))]
pub async fn upload_scenario(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    Path(id): Path<String>,
    body: JsonOrYaml<ScenarioUpload>,
) -> Result<Json<AgentDto>, ApiError> {
    let agent = parse_ref::<AgentId>("agent", &id)?;
    let source = match body {
        JsonOrYaml::Json(upload) => upload.scenario,
        JsonOrYaml::Yaml(source) => source,
    };
    let agent = services
        .agents
        .upload_scenario(&who, agent, &source)
        .await?;
    Ok(Json(agent.into()))
}

/// The current scenario document, as YAML.
#[utoipa::path(get, path = "/parley/v1/agents/{id}/scenario", tag = "agents", security(("bearer" = [])),
    params(("id" = String, Path, description = "Integer id or UUID")),
    responses(
        (status = 200, description = "The scenario document", body = String, content_type = "application/yaml"),
        (status = 404, description = "No such agent in the company", body = ErrorBody),
    ))]
pub async fn scenario(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let source = services
        .agents
        .scenario_source(&who, parse_ref::<AgentId>("agent", &id)?)
        .await?;
    let content_type = HeaderValue::from_static("application/yaml; charset=utf-8");
    Ok(([(header::CONTENT_TYPE, content_type)], source).into_response())
}
