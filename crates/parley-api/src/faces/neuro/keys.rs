//! Agent keys (speech-service credentials): `GET /agent-settings/credentials?agent_uuid=
//! &key_type=` and `PUT /agent-settings/credentials/{credential_uuid}` (also without the path
//! segment, the UUID then in the body). The PUT takes any subset of the fields and answers the
//! whole key. Keys are secrets: reading them needs a role that may write.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::Uri;
use parley_domain::agent::Credential;
use parley_domain::ids::Uuid;
use parley_domain::{Error, Services};
use serde::{Deserialize, Serialize};

use crate::common::query::Path;
use crate::faces::neuro::error::NeuroError;
use crate::faces::neuro::extract::{AgentParam, Body, Caller, parse_uuid, query_value};
use crate::faces::neuro::loose;

/// A key as Neuro.net shows it.
#[derive(Debug, Serialize)]
pub struct KeyDto {
    /// The key's UUID.
    pub uuid: String,
    /// Display name.
    pub name: String,
    /// `google`, `yandex`, …
    pub platform: String,
    /// The agent it belongs to.
    pub agent_uuid: String,
    /// `asr` or `tts`.
    pub key_type: String,
    /// The secret.
    pub value: String,
}

impl KeyDto {
    fn new(agent: Uuid, key: Credential) -> Self {
        Self {
            uuid: key.uuid.to_string(),
            name: key.name,
            platform: key.platform,
            agent_uuid: agent.to_string(),
            key_type: key.key_type,
            value: key.value,
        }
    }
}

/// A list under `data`.
#[derive(Debug, Serialize)]
pub struct KeysDto {
    /// The keys.
    pub data: Vec<KeyDto>,
}

/// `GET /agent-settings/credentials?agent_uuid=&key_type=`.
pub async fn list(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    AgentParam(agent): AgentParam,
    uri: Uri,
) -> Result<Json<KeysDto>, NeuroError> {
    let key_type = query_value(&uri, "key_type").filter(|t| !t.trim().is_empty());
    let owner = services.agents.get(&who, agent).await?.uuid;
    let keys = services
        .agents
        .credentials(&who, agent, key_type.as_deref().map(str::trim))
        .await?;
    Ok(Json(KeysDto {
        data: keys
            .into_iter()
            .map(|key| KeyDto::new(owner, key))
            .collect(),
    }))
}

/// The body of a key change: any subset of the fields.
#[derive(Debug, Default, Deserialize)]
pub struct KeyPut {
    #[serde(default, deserialize_with = "loose::string")]
    uuid: Option<String>,
    #[serde(default, deserialize_with = "loose::string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "loose::string")]
    platform: Option<String>,
    #[serde(default, deserialize_with = "loose::string")]
    agent_uuid: Option<String>,
    #[serde(default, deserialize_with = "loose::string")]
    key_type: Option<String>,
    #[serde(default, deserialize_with = "loose::string")]
    value: Option<String>,
}

/// `PUT /agent-settings/credentials/{credential_uuid}`.
pub async fn put(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    Path(uuid): Path<String>,
    Body(body): Body<KeyPut>,
) -> Result<Json<KeyDto>, NeuroError> {
    let uuid = parse_uuid("credential_uuid", &uuid)?;
    if let Some(sent) = &body.uuid
        && parse_uuid("uuid", sent)? != uuid
    {
        return Err(NeuroError::invalid(format!(
            "the body's uuid `{sent}` is not the key in the path ({uuid})"
        )));
    }
    update(&services, who, uuid, body).await
}

/// `PUT /agent-settings/credentials` with the key's `uuid` in the body.
pub async fn put_by_body(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    Body(body): Body<KeyPut>,
) -> Result<Json<KeyDto>, NeuroError> {
    let Some(sent) = &body.uuid else {
        return Err(NeuroError::invalid(
            "the key's `uuid` is required (or PUT /agent-settings/credentials/{credential_uuid})",
        ));
    };
    let uuid = parse_uuid("uuid", sent)?;
    update(&services, who, uuid, body).await
}

async fn update(
    services: &Services,
    who: parley_domain::Principal,
    uuid: Uuid,
    body: KeyPut,
) -> Result<Json<KeyDto>, NeuroError> {
    let (owner, mut key) = services.agents.credential(&who, uuid).await?;
    if let Some(sent) = &body.agent_uuid
        && parse_uuid("agent_uuid", sent)? != owner
    {
        return Err(Error::conflict(format!(
            "key {uuid} belongs to agent {owner}; keys do not move between agents"
        ))
        .into());
    }
    let fields = [
        (&mut key.name, body.name),
        (&mut key.platform, body.platform),
        (&mut key.key_type, body.key_type),
        (&mut key.value, body.value),
    ];
    for (slot, value) in fields {
        if let Some(value) = value {
            *slot = value;
        }
    }
    let key = services.agents.update_credential(&who, &key).await?;
    Ok(Json(KeyDto::new(owner, key)))
}
