//! `GET /selection?agent_uuid=&is_completed=`: the company's selections (campaigns loaded with
//! `with_selection=true`), of one agent when `agent_uuid` is given, only completed or only
//! unfinished ones with `is_completed`. `started_on` is when the selection was created
//! (`19-05-2020 16:45:30`, UTC); `dialogs_count` counts every dialog ever queued in it.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::Uri;
use parley_domain::Services;
use parley_domain::campaign::{Campaign, CampaignFilter, CampaignState};
use serde::Serialize;

use crate::faces::neuro::error::NeuroError;
use crate::faces::neuro::extract::{Caller, MaybeAgentParam};
use crate::faces::neuro::params;

/// A selection.
#[derive(Debug, Serialize)]
pub struct SelectionDto {
    /// Its UUID (the `bulk_uuid` of its dialogs).
    pub uuid: String,
    /// Its name.
    pub name: String,
    /// `%d-%m-%Y %H:%M:%S`.
    pub started_on: String,
    /// Whether every dialog in it is done.
    pub is_completed: bool,
    /// Dialogs queued in it.
    pub dialogs_count: u64,
}

impl SelectionDto {
    fn new(campaign: Campaign, dialogs_count: u64) -> Self {
        Self {
            uuid: campaign.uuid.to_string(),
            name: campaign.name,
            started_on: campaign.created_at.format("%d-%m-%Y %H:%M:%S").to_string(),
            is_completed: campaign.state == CampaignState::Completed,
            dialogs_count,
        }
    }
}

/// `GET /selection?agent_uuid=&is_completed=`, oldest first.
pub async fn list(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    MaybeAgentParam(agent): MaybeAgentParam,
    uri: Uri,
) -> Result<Json<Vec<SelectionDto>>, NeuroError> {
    let completed = params::boolean(&uri, "is_completed")?;
    let agent_id = match agent {
        Some(agent) => Some(services.agents.get(&who, agent).await?.id),
        None => None,
    };
    let filter = CampaignFilter {
        agent_id,
        selections_only: true,
        completed,
    };
    let mut campaigns = services
        .campaigns
        .campaigns_with_counts(&who, &filter)
        .await?;
    campaigns.sort_by_key(|(c, _)| (c.created_at, c.id));
    Ok(Json(
        campaigns
            .into_iter()
            .map(|(campaign, counts)| SelectionDto::new(campaign, counts.total()))
            .collect(),
    ))
}
