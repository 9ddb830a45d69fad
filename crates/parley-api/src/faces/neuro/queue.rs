//! The queue: `GET /queue/dialog` and `GET /queue/call` (`?agent_uuid=&limit=&offset=&bulk_uuid=`,
//! `{"total_count", "data"}`), and `POST /queue/stop`, `/queue/return`, `/queue/remove`
//! (`?agent_uuid=`, and `&dialog_uuid=` for one dialog), which answer `null` and ignore any body.
//!
//! Stop pauses the agent's campaigns (`CampaignService::pause_agent`: nothing of them is
//! dialed, calls under way finish), return resumes them, remove takes waiting dialogs out of the
//! queue for good. A dialog's `result` in `queue/dialog` is where it stands: `waiting`, `dialing`,
//! `removed`, or for finished ones why they finished (`answered`, `attempts_exhausted`,
//! `do_not_call`, `no_calling_time`, `campaign_over`, or the final outcome such as `invalid`).
//! A call's `result` is as in statistics: the scenario's result, else the outcome's name.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::Uri;
use parley_domain::Services;
use parley_domain::call::{Call, CallFilter};
use parley_domain::campaign::{QueueEntry, QueueState};
use parley_domain::ids::{AgentId, CampaignId, Ref};
use parley_domain::ports::QueueFilter;
use parley_domain::{Error, ErrorKind, Principal};
use serde::Serialize;

use crate::faces::neuro::error::NeuroError;
use crate::faces::neuro::extract::{AgentParam, Caller};
use crate::faces::neuro::params;
use crate::faces::neuro::report;

/// A list page.
#[derive(Debug, Serialize)]
pub struct ListDto<T> {
    /// Rows matching in all.
    pub total_count: u64,
    /// This page.
    pub data: Vec<T>,
}

/// A dialog in `queue/dialog`.
#[derive(Debug, Serialize)]
pub struct QueuedDialogDto {
    /// The number, E.164 digits.
    pub msisdn: String,
    /// The dialog.
    pub uuid: String,
    /// Where it stands (see the module docs).
    pub result: String,
}

impl From<QueueEntry> for QueuedDialogDto {
    fn from(entry: QueueEntry) -> Self {
        let result = match (entry.state, entry.finish_reason) {
            (QueueState::Done, Some(reason)) => reason,
            (state, _) => state.as_str().to_owned(),
        };
        Self {
            msisdn: entry.phone.digits().to_owned(),
            uuid: entry.dialog_uuid.to_string(),
            result,
        }
    }
}

/// The dialog of a call in `queue/call`.
#[derive(Debug, Serialize)]
pub struct CallDialogDto {
    /// The number.
    pub msisdn: String,
    /// The dialog.
    pub uuid: String,
}

/// A call in `queue/call`.
#[derive(Debug, Serialize)]
pub struct QueuedCallDto {
    /// The number, E.164 digits.
    pub msisdn: String,
    /// The call.
    pub uuid: String,
    /// The scenario's result, else the outcome's name.
    pub result: String,
    /// When dialing started, `%Y-%m-%d %H:%M:%S` UTC.
    pub date_added: String,
    /// Its dialog.
    pub dialog: CallDialogDto,
}

impl From<Call> for QueuedCallDto {
    fn from(call: Call) -> Self {
        let msisdn = call.phone.digits().to_owned();
        Self {
            result: report::result(&call),
            date_added: report::date(call.started_at),
            uuid: call.uuid.to_string(),
            dialog: CallDialogDto {
                msisdn: msisdn.clone(),
                uuid: call.dialog_uuid.to_string(),
            },
            msisdn,
        }
    }
}

/// The agent's id and, with `bulk_uuid`, the campaign's (an unknown bulk is 409).
async fn scope(
    services: &Services,
    who: &Principal,
    agent: Ref<AgentId>,
    uri: &Uri,
) -> Result<(AgentId, Option<CampaignId>), NeuroError> {
    let agent = services.agents.get(who, agent).await?;
    let campaign = match params::uuid(uri, "bulk_uuid")? {
        Some(bulk) => Some(
            services
                .campaigns
                .campaign(who, Ref::Uuid(bulk))
                .await
                .map_err(|e| match e.kind() {
                    ErrorKind::NotFound => Error::conflict(format!("bulk_uuid {bulk} not found")),
                    _ => e,
                })?
                .id,
        ),
        None => None,
    };
    Ok((agent.id, campaign))
}

/// `GET /queue/dialog?agent_uuid=&limit=&offset=&bulk_uuid=`: the agent's queued dialogs in
/// queue order.
pub async fn dialogs(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    AgentParam(agent): AgentParam,
    uri: Uri,
) -> Result<Json<ListDto<QueuedDialogDto>>, NeuroError> {
    let page = params::query_page(&uri)?;
    let (agent_id, campaign_id) = scope(&services, &who, agent, &uri).await?;
    let filter = QueueFilter {
        agent_id: Some(agent_id),
        campaign_id,
        states: Vec::new(),
    };
    let entries = services.campaigns.queue(&who, &filter, page).await?;
    Ok(Json(ListDto {
        total_count: entries.total,
        data: entries.items.into_iter().map(Into::into).collect(),
    }))
}

/// `GET /queue/call?agent_uuid=&limit=&offset=&bulk_uuid=`: the agent's calls, oldest first.
pub async fn calls(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    AgentParam(agent): AgentParam,
    uri: Uri,
) -> Result<Json<ListDto<QueuedCallDto>>, NeuroError> {
    let page = params::query_page(&uri)?;
    let (agent_id, campaign_id) = scope(&services, &who, agent, &uri).await?;
    let filter = CallFilter {
        agent_id: Some(agent_id),
        campaign_id,
        ..CallFilter::default()
    };
    let calls = services.campaigns.calls(&who, &filter, page).await?;
    Ok(Json(ListDto {
        total_count: calls.total,
        data: calls.items.into_iter().map(Into::into).collect(),
    }))
}

/// `POST /queue/stop?agent_uuid=`.
pub async fn stop(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    AgentParam(agent): AgentParam,
) -> Result<Json<()>, NeuroError> {
    services.campaigns.pause_agent(&who, agent).await?;
    Ok(Json(()))
}

/// `POST /queue/return?agent_uuid=`.
pub async fn resume(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    AgentParam(agent): AgentParam,
) -> Result<Json<()>, NeuroError> {
    services.campaigns.resume_agent(&who, agent).await?;
    Ok(Json(()))
}

/// `POST /queue/remove?agent_uuid=&dialog_uuid=`.
pub async fn remove(
    State(services): State<Arc<Services>>,
    Caller(who): Caller,
    AgentParam(agent): AgentParam,
    uri: Uri,
) -> Result<Json<()>, NeuroError> {
    let dialog = params::uuid(&uri, "dialog_uuid")?.map(Ref::Uuid);
    services
        .campaigns
        .remove_waiting(&who, agent, dialog)
        .await?;
    Ok(Json(()))
}
