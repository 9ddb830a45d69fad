//! Loading dialogs: `POST /dialog/dialog-initial` (one contact, queued at once),
//! `POST /dialog/dialogs-group-initial` (many, accepted at once and queued by the upload worker),
//! and the group upload's `dialogs-group-initial-status` and `-result`.
//!
//! Where contacts go: with `bulk_uuid`, into that campaign (an unknown one, or another company's,
//! is 409; a malformed one 400). Without it, `dialog-initial` uses the agent's default campaign —
//! the oldest campaign named `API` that is not a selection and not stopped, created on first use
//! — or, with `with_selection=true`, the selection named `selection_name` (default `API`) found or
//! created the same way; `dialogs-group-initial` makes a new campaign (a selection with
//! `with_selection=true`) whose UUID is the `bulk_uuid`. Group rows are checked by the worker,
//! not here, so a big upload is accepted fast and each bad row is reported in the result.

use std::sync::Arc;

use axum::Json;
use axum::body::Body as RawBody;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use parley_domain::auth::Principal;
use parley_domain::campaign::{Campaign, CampaignFilter, CampaignState, UploadRowResult};
use parley_domain::campaign_service::CampaignSpec;
use parley_domain::ids::{AgentId, Ref};
use parley_domain::{Error, ErrorKind, Services};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::faces::neuro::error::NeuroError;
use crate::faces::neuro::extract::{Body, Caller, MaybeAgentParam};
use crate::faces::neuro::params;
use crate::faces::neuro::rows::{self, read_rows};

/// The campaign name used when the client names none.
pub const DEFAULT_NAME: &str = "API";

/// `dialog-initial`'s answer.
#[derive(Debug, Serialize)]
pub struct DialogInitialDto {
    /// The queued dialog.
    pub dialog_uuid: String,
}

/// `dialogs-group-initial`'s answer.
#[derive(Debug, Serialize)]
pub struct GroupInitialDto {
    /// The campaign the rows go into.
    pub bulk_uuid: String,
    /// The upload, for `-status` and `-result`.
    pub task_uuid: String,
}

/// `dialogs-group-initial-status`'s answer.
#[derive(Debug, Serialize)]
pub struct GroupStatusDto {
    /// `PENDING` until every row was looked at, then `SUCCESS`.
    pub state: &'static str,
    /// Progress in words.
    pub info: String,
}

/// One row of `dialogs-group-initial-result`.
#[derive(Debug, Serialize)]
pub struct GroupRowDto {
    /// Whether the row was queued.
    pub status: bool,
    /// The number as sent.
    pub msisdn: String,
    /// Why it was rejected; empty when queued.
    pub message: String,
    /// The dialog it became, or `null`.
    pub dialog_uuid: Option<String>,
}

impl From<UploadRowResult> for GroupRowDto {
    fn from(row: UploadRowResult) -> Self {
        Self {
            status: row.dialog_uuid.is_some(),
            msisdn: row.phone,
            message: row.message,
            dialog_uuid: row.dialog_uuid.map(|u| u.to_string()),
        }
    }
}

/// `POST /dialog/dialog-initial?agent_uuid=&bulk_uuid=&with_selection=&selection_name=`.
pub async fn initial(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    MaybeAgentParam(agent): MaybeAgentParam,
    uri: Uri,
    Body(body): Body<Map<String, Value>>,
) -> Result<Json<DialogInitialDto>, NeuroError> {
    who.require_write()?;
    if rows::has_nul(&body) {
        return Err(NeuroError::invalid(rows::NUL_MESSAGE));
    }
    let row = rows::row(body);
    if row.phone.is_empty() {
        return Err(NeuroError::invalid(
            "the dialog needs a `msisdn` (or `phone`): the number to call",
        ));
    }
    let campaign = target(&services, &who, &uri, agent, true).await?;
    let entry = services
        .campaigns
        .enqueue(&who, Ref::Id(campaign.id), row)
        .await?;
    Ok(Json(DialogInitialDto {
        dialog_uuid: entry.dialog_uuid.to_string(),
    }))
}

/// `POST /dialog/dialogs-group-initial?...` with a JSON array of rows → 202.
pub async fn group_initial(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    MaybeAgentParam(agent): MaybeAgentParam,
    uri: Uri,
    body: RawBody,
) -> Result<(StatusCode, Json<GroupInitialDto>), NeuroError> {
    who.require_write()?;
    let rows = read_rows(body).await?;
    let campaign = target(&services, &who, &uri, agent, false).await?;
    let task = services
        .campaigns
        .upload(&who, Ref::Id(campaign.id), rows)
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(GroupInitialDto {
            bulk_uuid: campaign.uuid.to_string(),
            task_uuid: task.uuid.to_string(),
        }),
    ))
}

/// `GET /dialog/dialogs-group-initial-status?task_uuid=`.
pub async fn group_status(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    uri: Uri,
) -> Result<Json<GroupStatusDto>, NeuroError> {
    let task_uuid = params::required_uuid(&uri, "task_uuid")?;
    let task = services
        .campaigns
        .upload_task(&who, task_uuid)
        .await
        .map_err(|e| unknown_task(e, &task_uuid))?;
    let state = if task.is_finished() {
        "SUCCESS"
    } else {
        "PENDING"
    };
    let info = format!(
        "{} of {} rows processed: {} queued, {} rejected",
        task.processed,
        task.total,
        task.processed - task.rejected.min(task.processed),
        task.rejected
    );
    Ok(Json(GroupStatusDto { state, info }))
}

/// `GET /dialog/dialogs-group-initial-result?task_uuid=`: the rows looked at so far.
pub async fn group_result(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    uri: Uri,
) -> Result<Json<Vec<GroupRowDto>>, NeuroError> {
    let task_uuid = params::required_uuid(&uri, "task_uuid")?;
    let results = services
        .campaigns
        .upload_results(&who, task_uuid)
        .await
        .map_err(|e| unknown_task(e, &task_uuid))?;
    Ok(Json(results.into_iter().map(GroupRowDto::from).collect()))
}

fn unknown_task(error: Error, task: &impl std::fmt::Display) -> NeuroError {
    if error.kind() == ErrorKind::NotFound {
        Error::not_found("task_uuid", task).into()
    } else {
        error.into()
    }
}

/// The campaign the request's contacts go into (see the module docs); `reuse` finds the
/// default campaign instead of making a new one.
async fn target(
    services: &Services,
    who: &Principal,
    uri: &Uri,
    agent: Option<Ref<AgentId>>,
    reuse: bool,
) -> Result<Campaign, NeuroError> {
    let bulk = params::uuid(uri, "bulk_uuid")?;
    let agent = match agent {
        Some(agent) => Some(services.agents.get(who, agent).await?),
        None => None,
    };
    if let Some(bulk) = bulk {
        let campaign = services
            .campaigns
            .campaign(who, Ref::Uuid(bulk))
            .await
            .map_err(|e| match e.kind() {
                ErrorKind::NotFound => Error::conflict(format!("bulk_uuid {bulk} not found")),
                _ => e,
            })?;
        if agent.is_some_and(|a| a.id != campaign.agent_id) {
            return Err(Error::conflict(format!(
                "bulk_uuid {bulk} belongs to another agent than agent_uuid"
            ))
            .into());
        }
        return Ok(campaign);
    }
    let Some(agent) = agent else {
        return Err(NeuroError::invalid(
            "the query parameter `agent_uuid` is required (or `bulk_uuid` to add to a bulk)",
        ));
    };
    let selection = params::boolean(uri, "with_selection")?.unwrap_or(false);
    let name = match params::text(uri, "selection_name") {
        Some(name) if selection => name,
        _ => DEFAULT_NAME.to_owned(),
    };
    if reuse {
        let filter = CampaignFilter {
            agent_id: Some(agent.id),
            selections_only: selection,
            completed: None,
        };
        let found = services
            .campaigns
            .campaigns(who, &filter)
            .await?
            .into_iter()
            .filter(|c| c.selection == selection && c.name == name)
            .filter(|c| c.state != CampaignState::Stopped)
            .min_by_key(|c| (c.created_at, c.id));
        if let Some(campaign) = found {
            return Ok(campaign);
        }
    }
    let spec = CampaignSpec {
        selection,
        ..CampaignSpec::named(name)
    };
    Ok(services
        .campaigns
        .create(who, Ref::Id(agent.id), spec)
        .await?)
}
