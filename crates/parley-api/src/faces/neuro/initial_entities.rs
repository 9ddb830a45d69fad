//! Initial entities (an agent's declared input variables): `GET|POST|PUT|DELETE
//! /initial-entity`, bulk add at `POST /initial-entity/bulk?agent_uuid=` (`{"entities": [...]}`)
//! and bulk delete at `POST /initial-entity/bulk-delete` or the same `/bulk` path with
//! `{"initial_entities_uuid": [...]}`, told apart by the body. POST answers 201, PUT 200 with the
//! whole entity, DELETE 204.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use parley_domain::agent::InputVariable;
use parley_domain::ids::{AgentId, Ref, Uuid};
use parley_domain::{Error, Principal, Services};
use serde::{Deserialize, Serialize};

use crate::faces::neuro::entities::{AddedDto, DataDto, DeletedDto, bulk_shape, one_uuid, uuids};
use crate::faces::neuro::error::NeuroError;
use crate::faces::neuro::extract::{AgentParam, Body, Caller, MaybeAgentParam};
use crate::faces::neuro::loose;

/// An initial entity as Neuro.net shows it.
#[derive(Debug, Serialize)]
pub struct InitialEntityDto {
    /// Its UUID.
    pub initial_entity_uuid: String,
    /// The variable name.
    pub name: String,
    /// Whether the value is spoken by synthesis.
    pub synthesis: bool,
    /// The agent that declares it.
    pub agent_uuid: String,
    /// Always 0, in bulk answers only (as the document shows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_cell: Option<u32>,
}

impl InitialEntityDto {
    fn new(agent: Uuid, variable: InputVariable) -> Self {
        Self {
            initial_entity_uuid: variable.uuid.to_string(),
            name: variable.name,
            synthesis: variable.synthesis,
            agent_uuid: agent.to_string(),
            number_cell: None,
        }
    }

    fn in_bulk(agent: Uuid, variable: InputVariable) -> Self {
        Self {
            number_cell: Some(0),
            ..Self::new(agent, variable)
        }
    }
}

/// One entity in a POST, a PUT or a bulk add.
#[derive(Debug, Default, Deserialize)]
pub struct EntityBody {
    #[serde(default, deserialize_with = "loose::string")]
    initial_entity_uuid: Option<String>,
    #[serde(default, deserialize_with = "loose::string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "loose::bool")]
    synthesis: Option<bool>,
}

/// `GET /initial-entity?agent_uuid=`.
pub async fn list(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    AgentParam(agent): AgentParam,
) -> Result<Json<DataDto<InitialEntityDto>>, NeuroError> {
    let owner = services.agents.get(&who, agent).await?.uuid;
    let variables = services.agents.input_variables(&who, agent).await?;
    Ok(Json(DataDto {
        data: variables
            .into_iter()
            .map(|v| InitialEntityDto::new(owner, v))
            .collect(),
    }))
}

/// `POST /initial-entity?agent_uuid=` → 201; a name the agent already declares is 409.
pub async fn create(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    AgentParam(agent): AgentParam,
    Body(body): Body<EntityBody>,
) -> Result<(StatusCode, Json<InitialEntityDto>), NeuroError> {
    who.require_write()?;
    let name = body
        .name
        .ok_or_else(|| NeuroError::invalid("`name` is required"))?;
    let wanted = [(name, body.synthesis.unwrap_or(false))];
    let (owner, mut added, skipped) = add(&services, &who, agent, &wanted).await?;
    match (added.pop(), skipped.first()) {
        (Some(variable), _) => Ok((
            StatusCode::CREATED,
            Json(InitialEntityDto::new(owner, variable)),
        )),
        (None, name) => Err(Error::conflict(format!(
            "the agent already has an initial entity named `{}`",
            name.map_or("", String::as_str)
        ))
        .into()),
    }
}

async fn add(
    services: &Services,
    who: &Principal,
    agent: Ref<AgentId>,
    wanted: &[(String, bool)],
) -> Result<(Uuid, Vec<InputVariable>, Vec<String>), NeuroError> {
    let owner = services.agents.get(who, agent).await?.uuid;
    let (added, skipped) = services
        .agents
        .add_input_variables(who, agent, wanted)
        .await?;
    Ok((owner, added, skipped))
}

/// `PUT /initial-entity`: by `initial_entity_uuid`; absent fields keep their value.
pub async fn update(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    uri: Uri,
    Body(body): Body<EntityBody>,
) -> Result<Json<InitialEntityDto>, NeuroError> {
    who.require_write()?;
    let uuid = one_uuid(
        "initial_entity_uuid",
        body.initial_entity_uuid.as_deref(),
        &uri,
    )?;
    let (owner, current) = services.agents.input_variable(&who, uuid).await?;
    let name = body.name.unwrap_or(current.name);
    let synthesis = body.synthesis.unwrap_or(current.synthesis);
    let variable = services
        .agents
        .update_input_variable(&who, uuid, &name, synthesis)
        .await?;
    Ok(Json(InitialEntityDto::new(owner, variable)))
}

/// `DELETE /initial-entity`: `initial_entity_uuid` in the body or the query → 204.
pub async fn delete(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    uri: Uri,
    Body(body): Body<EntityBody>,
) -> Result<StatusCode, NeuroError> {
    who.require_write()?;
    let uuid = one_uuid(
        "initial_entity_uuid",
        body.initial_entity_uuid.as_deref(),
        &uri,
    )?;
    services.agents.delete_input_variable(&who, uuid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A bulk body: `entities` to add, or `initial_entities_uuid` to delete.
#[derive(Debug, Default, Deserialize)]
pub struct BulkBody {
    #[serde(default, deserialize_with = "loose::one_or_many")]
    entities: Vec<EntityBody>,
    #[serde(default, deserialize_with = "loose::one_or_many")]
    initial_entities_uuid: Vec<String>,
}

/// `POST /initial-entity/bulk?agent_uuid=`: adds or deletes, as the body says.
pub async fn bulk(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    MaybeAgentParam(agent): MaybeAgentParam,
    Body(body): Body<BulkBody>,
) -> Result<Response, NeuroError> {
    who.require_write()?;
    match (
        body.entities.is_empty(),
        body.initial_entities_uuid.is_empty(),
    ) {
        (false, true) => {
            let agent = agent.ok_or_else(|| {
                NeuroError::invalid("the query parameter `agent_uuid` is required")
            })?;
            let mut wanted = Vec::with_capacity(body.entities.len());
            for entity in body.entities {
                let name = entity
                    .name
                    .ok_or_else(|| NeuroError::invalid("every entity needs a `name`"))?;
                wanted.push((name, entity.synthesis.unwrap_or(false)));
            }
            let (owner, added, skipped) = add(&services, &who, agent, &wanted).await?;
            let added_entities = added
                .into_iter()
                .map(|v| InitialEntityDto::in_bulk(owner, v))
                .collect();
            Ok(Json(AddedDto {
                added_entities,
                skipped,
            })
            .into_response())
        }
        (true, false) => delete_all(&services, &who, agent, &body.initial_entities_uuid)
            .await
            .map(IntoResponse::into_response),
        _ => Err(bulk_shape("entities", "initial_entities_uuid")),
    }
}

/// `POST /initial-entity/bulk-delete` (`agent_uuid` optional, narrowing the search).
pub async fn bulk_delete(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    MaybeAgentParam(agent): MaybeAgentParam,
    Body(body): Body<BulkBody>,
) -> Result<Json<DeletedDto<InitialEntityDto>>, NeuroError> {
    who.require_write()?;
    if body.initial_entities_uuid.is_empty() {
        return Err(NeuroError::invalid(
            "`initial_entities_uuid` must list the entities to delete",
        ));
    }
    delete_all(&services, &who, agent, &body.initial_entities_uuid).await
}

async fn delete_all(
    services: &Services,
    who: &Principal,
    agent: Option<Ref<AgentId>>,
    texts: &[String],
) -> Result<Json<DeletedDto<InitialEntityDto>>, NeuroError> {
    let wanted = uuids("initial_entities_uuid", texts)?;
    let (deleted, skipped) = services
        .agents
        .delete_input_variables(who, agent, &wanted)
        .await?;
    Ok(Json(DeletedDto {
        deleted_entities: deleted
            .into_iter()
            .map(|(owner, v)| InitialEntityDto::in_bulk(owner, v))
            .collect(),
        skipped: skipped.iter().map(Uuid::to_string).collect(),
    }))
}
