//! Output entities (an agent's declared output variables, report columns): `GET|POST|PUT|DELETE
//! /output-entity`, and `POST /output-entity/bulk?agent_uuid=` which adds (`{"entities": [...]}`)
//! or deletes (`{"output_entities_uuid": [...]}`, as the document shows) by the body; also
//! `POST /output-entity/bulk-delete`. `entity_type` is `string` (the default), `number`,
//! `datetime` or `boolean`; `number_cell` is the column in the upload sheet (2..9).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use parley_domain::agent::{OutputKind, OutputVariable};
use parley_domain::ids::{AgentId, Ref, Uuid};
use parley_domain::{Error, Principal, Services};
use serde::{Deserialize, Serialize};

use crate::faces::neuro::entities::{AddedDto, DataDto, DeletedDto, bulk_shape, one_uuid, uuids};
use crate::faces::neuro::error::NeuroError;
use crate::faces::neuro::extract::{AgentParam, Body, Caller, MaybeAgentParam};
use crate::faces::neuro::loose;

/// An output entity as Neuro.net shows it.
#[derive(Debug, Serialize)]
pub struct OutputEntityDto {
    /// Its UUID.
    pub output_entity_uuid: String,
    /// The variable name.
    pub name: String,
    /// The agent that declares it.
    pub agent_uuid: String,
    /// `string`, `number`, `datetime` or `boolean`.
    pub entity_type: &'static str,
    /// The report column, when set.
    pub number_cell: Option<u32>,
}

impl OutputEntityDto {
    fn new(agent: Uuid, variable: OutputVariable) -> Self {
        Self {
            output_entity_uuid: variable.uuid.to_string(),
            name: variable.name,
            agent_uuid: agent.to_string(),
            entity_type: variable.kind.as_str(),
            number_cell: variable.cell,
        }
    }
}

/// One entity in a POST, a PUT or a bulk add.
#[derive(Debug, Default, Deserialize)]
pub struct EntityBody {
    #[serde(default, deserialize_with = "loose::string")]
    output_entity_uuid: Option<String>,
    #[serde(default, deserialize_with = "loose::string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "loose::string")]
    entity_type: Option<String>,
    #[serde(default, deserialize_with = "loose::u32")]
    number_cell: Option<u32>,
}

impl EntityBody {
    fn kind(&self) -> Result<Option<OutputKind>, NeuroError> {
        match self.entity_type.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => Ok(Some(OutputKind::parse(text)?)),
        }
    }

    /// Name, type (default `string`) and cell of a new entity.
    fn new_entity(self) -> Result<(String, OutputKind, Option<u32>), NeuroError> {
        let kind = self.kind()?.unwrap_or(OutputKind::String);
        let name = self
            .name
            .ok_or_else(|| NeuroError::invalid("every entity needs a `name`"))?;
        Ok((name, kind, self.number_cell))
    }
}

/// `GET /output-entity?agent_uuid=`.
pub async fn list(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    AgentParam(agent): AgentParam,
) -> Result<Json<DataDto<OutputEntityDto>>, NeuroError> {
    let owner = services.agents.get(&who, agent).await?.uuid;
    let variables = services.agents.output_variables(&who, agent).await?;
    Ok(Json(DataDto {
        data: variables
            .into_iter()
            .map(|v| OutputEntityDto::new(owner, v))
            .collect(),
    }))
}

/// `POST /output-entity?agent_uuid=` → 201; a name the agent already declares is 409.
pub async fn create(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    AgentParam(agent): AgentParam,
    Body(body): Body<EntityBody>,
) -> Result<(StatusCode, Json<OutputEntityDto>), NeuroError> {
    who.require_write()?;
    let wanted = [body.new_entity()?];
    let (owner, mut added, skipped) = add(&services, &who, agent, &wanted).await?;
    match (added.pop(), skipped.first()) {
        (Some(variable), _) => Ok((
            StatusCode::CREATED,
            Json(OutputEntityDto::new(owner, variable)),
        )),
        (None, name) => Err(Error::conflict(format!(
            "the agent already has an output entity named `{}`",
            name.map_or("", String::as_str)
        ))
        .into()),
    }
}

async fn add(
    services: &Services,
    who: &Principal,
    agent: Ref<AgentId>,
    wanted: &[(String, OutputKind, Option<u32>)],
) -> Result<(Uuid, Vec<OutputVariable>, Vec<String>), NeuroError> {
    let owner = services.agents.get(who, agent).await?.uuid;
    let (added, skipped) = services
        .agents
        .add_output_variables(who, agent, wanted)
        .await?;
    Ok((owner, added, skipped))
}

/// `PUT /output-entity`: by `output_entity_uuid`; absent fields keep their value.
pub async fn update(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    uri: Uri,
    Body(body): Body<EntityBody>,
) -> Result<Json<OutputEntityDto>, NeuroError> {
    who.require_write()?;
    let uuid = one_uuid(
        "output_entity_uuid",
        body.output_entity_uuid.as_deref(),
        &uri,
    )?;
    let kind = body.kind()?;
    let (owner, current) = services.agents.output_variable(&who, uuid).await?;
    let name = body.name.unwrap_or(current.name);
    let kind = kind.unwrap_or(current.kind);
    let cell = body.number_cell.or(current.cell);
    let variable = services
        .agents
        .update_output_variable(&who, uuid, &name, kind, cell)
        .await?;
    Ok(Json(OutputEntityDto::new(owner, variable)))
}

/// `DELETE /output-entity`: `output_entity_uuid` in the body or the query → 204.
pub async fn delete(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    uri: Uri,
    Body(body): Body<EntityBody>,
) -> Result<StatusCode, NeuroError> {
    who.require_write()?;
    let uuid = one_uuid(
        "output_entity_uuid",
        body.output_entity_uuid.as_deref(),
        &uri,
    )?;
    services.agents.delete_output_variable(&who, uuid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A bulk body: `entities` to add, or `output_entities_uuid` to delete.
#[derive(Debug, Default, Deserialize)]
pub struct BulkBody {
    #[serde(default, deserialize_with = "loose::one_or_many")]
    entities: Vec<EntityBody>,
    #[serde(default, deserialize_with = "loose::one_or_many")]
    output_entities_uuid: Vec<String>,
}

/// `POST /output-entity/bulk?agent_uuid=`: adds or deletes, as the body says.
pub async fn bulk(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    MaybeAgentParam(agent): MaybeAgentParam,
    Body(body): Body<BulkBody>,
) -> Result<Response, NeuroError> {
    who.require_write()?;
    match (
        body.entities.is_empty(),
        body.output_entities_uuid.is_empty(),
    ) {
        (false, true) => {
            let agent = agent.ok_or_else(|| {
                NeuroError::invalid("the query parameter `agent_uuid` is required")
            })?;
            let wanted = body
                .entities
                .into_iter()
                .map(EntityBody::new_entity)
                .collect::<Result<Vec<_>, _>>()?;
            let (owner, added, skipped) = add(&services, &who, agent, &wanted).await?;
            let added_entities = added
                .into_iter()
                .map(|v| OutputEntityDto::new(owner, v))
                .collect();
            Ok(Json(AddedDto {
                added_entities,
                skipped,
            })
            .into_response())
        }
        (true, false) => delete_all(&services, &who, agent, &body.output_entities_uuid)
            .await
            .map(IntoResponse::into_response),
        _ => Err(bulk_shape("entities", "output_entities_uuid")),
    }
}

/// `POST /output-entity/bulk-delete` (`agent_uuid` optional, narrowing the search).
pub async fn bulk_delete(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    MaybeAgentParam(agent): MaybeAgentParam,
    Body(body): Body<BulkBody>,
) -> Result<Json<DeletedDto<OutputEntityDto>>, NeuroError> {
    who.require_write()?;
    if body.output_entities_uuid.is_empty() {
        return Err(NeuroError::invalid(
            "`output_entities_uuid` must list the entities to delete",
        ));
    }
    delete_all(&services, &who, agent, &body.output_entities_uuid).await
}

async fn delete_all(
    services: &Services,
    who: &Principal,
    agent: Option<Ref<AgentId>>,
    texts: &[String],
) -> Result<Json<DeletedDto<OutputEntityDto>>, NeuroError> {
    let wanted = uuids("output_entities_uuid", texts)?;
    let (deleted, skipped) = services
        .agents
        .delete_output_variables(who, agent, &wanted)
        .await?;
    Ok(Json(DeletedDto {
        deleted_entities: deleted
            .into_iter()
            .map(|(owner, v)| OutputEntityDto::new(owner, v))
            .collect(),
        skipped: skipped.iter().map(Uuid::to_string).collect(),
    }))
}
