//! Campaign webhook deliveries: what the outbox sent (or still tries to send) to campaigns'
//! receivers, with every attempt.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use parley_domain::Services;
use parley_domain::campaign::Campaign;
use parley_domain::ids::{CampaignId, Ref};
use parley_domain::webhook::{Delivery, DeliveryFilter, DeliveryState};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::common::auth::Bearer;
use crate::common::error::ApiError;
use crate::common::ids::parse_ref;
use crate::common::pagination::page;
use crate::common::query::QueryParams;
use crate::faces::native::error::ErrorBody;

/// Which deliveries to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only this campaign's (integer id or UUID; a Twin24 task id).
    pub campaign: Option<String>,
    /// Only in this state: `pending`, `delivered` or `failed`.
    pub state: Option<String>,
    /// Only this event (`CALL_ENDED`, `CANDIDATE_CHANGED`, `AUTOCALL_STATUS_CHANGED`, ...).
    pub event: Option<String>,
    /// Page size, 1–1000 (50 when absent).
    pub limit: Option<u64>,
    /// Rows to skip.
    pub offset: Option<u64>,
}

/// One attempt at delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptDto {
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The receiver's status, when it answered.
    pub status: Option<u16>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// An event for one receiver.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDto {
    /// Outbox id.
    pub id: i64,
    /// The campaign's integer id.
    pub campaign_id: Option<i64>,
    /// Event name.
    pub event: String,
    /// Receiver.
    pub url: String,
    /// The JSON body sent.
    pub payload: serde_json::Value,
    /// `pending`, `delivered` or `failed` (given up after 24 h).
    pub state: String,
    /// Next attempt, while pending.
    pub next_at: Option<DateTime<Utc>>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When the receiver took it.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Every attempt, oldest first.
    pub attempts: Vec<AttemptDto>,
}

impl From<Delivery> for DeliveryDto {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id,
            campaign_id: d.campaign_id.map(|c| c.0),
            event: d.event,
            url: d.url,
            payload: serde_json::from_str(&d.payload).unwrap_or(serde_json::Value::Null),
            state: d.state.as_str().to_owned(),
            next_at: (d.state == DeliveryState::Pending).then_some(d.next_at),
            created_at: d.created_at,
            delivered_at: d.delivered_at,
            attempts: d
                .attempts
                .into_iter()
                .map(|a| AttemptDto {
                    at: a.at,
                    status: a.status,
                    error: a.error,
                })
                .collect(),
        }
    }
}

/// A page of deliveries.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    /// Newest first.
    pub items: Vec<DeliveryDto>,
    /// Matching in all.
    pub total: u64,
    /// Page size.
    pub limit: u64,
    /// Rows skipped.
    pub offset: u64,
}

/// Webhook deliveries of the caller's company, newest first.
#[utoipa::path(get, path = "/parley/v1/webhooks/deliveries", tag = "webhooks", security(("bearer" = [])),
    params(DeliveryQuery),
    responses(
        (status = 200, description = "A page of deliveries with their attempts", body = DeliveryPage),
        (status = 400, description = "A bad parameter", body = ErrorBody),
        (status = 404, description = "No such campaign in the company", body = ErrorBody),
    ))]
pub async fn deliveries(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    QueryParams(query): QueryParams<DeliveryQuery>,
) -> Result<Json<DeliveryPage>, ApiError> {
    let page = page(query.limit, query.offset)?;
    let campaign = match &query.campaign {
        Some(text) => {
            let reference: Ref<CampaignId> = parse_ref("campaign", text)?;
            let campaign: Campaign = services.campaigns.campaign(&who, reference).await?;
            Some(campaign.id)
        }
        None => None,
    };
    let filter = DeliveryFilter {
        campaign_id: campaign,
        state: query
            .state
            .as_deref()
            .map(DeliveryState::parse)
            .transpose()?,
        event: query.event,
    };
    let found = services.webhooks.deliveries(&who, &filter, page).await?;
    Ok(Json(DeliveryPage {
        items: found.items.into_iter().map(DeliveryDto::from).collect(),
        total: found.total,
        limit: page.limit,
        offset: page.offset,
    }))
}
