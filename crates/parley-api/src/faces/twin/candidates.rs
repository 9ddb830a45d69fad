//! Twin24 contacts (`autoCallCandidate`) = queued dialogs of a call task: one at a time or in a
//! `batch`, and cancelled by number.
//!
//! Each item names its task (`autoCallId`), its numbers (`phone`: a list, or one string; the
//! first is called), `variables` (the dialog's inputs; keys may be Cyrillic), `callbackData`
//! (echoed in the task's webhooks) and `clientExternalId` (a repeat within the task answers
//! 200 and adds nothing). `timezone` (minutes from UTC, see [`super::zone`]) is the callee's
//! zone for the calling hours; without it the zone comes from the number. `forceStart` (on the
//! body or an item) starts a task that is not running; a task stopped by `halted` takes none (409,
//! they would never be called). Every item
//! is checked before any is queued (its number, its task, the variables its bot requires), so a
//! batch with a bad item queues nothing and says which items are wrong.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::Uri;
use parley_domain::campaign::{CampaignState, ContactExtras, NUL_MESSAGE, UploadRow, has_nul};
use parley_domain::campaign_service::BatchContact;
use parley_domain::dialer::PhoneNumber;
use parley_domain::ids::{CampaignId, Ref};
use parley_domain::{Detail, Services};
use serde_json::{Value, json};

use super::error::TwinError;
use super::extract::{Body, Caller, query_value};
use super::tasks::task_ref;
use super::zone::candidate_zone;
use crate::common::error::ApiError;
use crate::common::json::phone_digits;

/// At most this many items per batch.
const MAX_BATCH: usize = 10_000;

/// One item, checked.
struct Item {
    task: Ref<CampaignId>,
    row: UploadRow,
    extras: ContactExtras,
    force_start: bool,
}

/// `POST /autoCallCandidate/batch`.
pub async fn batch(
    caller: Caller,
    services: State<Arc<Services>>,
    Body(body): Body<Value>,
) -> Result<Json<Value>, TwinError> {
    let items = match &body["batch"] {
        Value::Array(items) => items.clone(),
        _ => return Err(TwinError::invalid("`batch` must be a list of candidates")),
    };
    add(caller, services, &body, items).await
}

/// `POST /autoCallCandidate`: one candidate (also accepted wrapped in `batch`).
pub async fn single(
    caller: Caller,
    services: State<Arc<Services>>,
    Body(body): Body<Value>,
) -> Result<Json<Value>, TwinError> {
    let items = match &body["batch"] {
        Value::Array(items) => items.clone(),
        _ => vec![body.clone()],
    };
    add(caller, services, &body, items).await
}

async fn add(
    Caller(who): Caller,
    State(services): State<Arc<Services>>,
    body: &Value,
    items: Vec<Value>,
) -> Result<Json<Value>, TwinError> {
    if items.is_empty() {
        return Err(TwinError::invalid("the batch has no candidates"));
    }
    if items.len() > MAX_BATCH {
        return Err(TwinError::invalid(format!(
            "the batch has {} candidates; at most {MAX_BATCH} are accepted at once",
            items.len()
        )));
    }
    let force_all = flag(&body["forceStart"]);
    let mut checked = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (n, item) in items.iter().enumerate() {
        match read_item(item, force_all) {
            Ok(item) => checked.push(item),
            Err((field, message)) => problems.push(Detail {
                field: Some(format!("batch[{n}].{field}")),
                ..Detail::new(message)
            }),
        }
    }
    if !problems.is_empty() {
        return Err(refused(problems, items.len()));
    }
    let answers: Vec<(String, Option<String>, bool)> = checked
        .iter()
        .map(|item| {
            let row = &item.row;
            (row.phone.clone(), row.external_id.clone(), item.force_start)
        })
        .collect();
    let contacts = checked
        .into_iter()
        .map(|item| BatchContact {
            campaign: item.task,
            row: item.row,
            extras: item.extras,
        })
        .collect();
    // The domain checks every item against its task's bot (the variables it requires) before
    // queuing any; its refusals name items as `[n].field`.
    let queued = match services.campaigns.enqueue_batch(&who, contacts).await {
        Ok(queued) => queued,
        Err(error) if !error.details().is_empty() => {
            let problems = error
                .details()
                .iter()
                .map(|detail| Detail {
                    field: detail.field.as_ref().map(|field| format!("batch{field}")),
                    ..detail.clone()
                })
                .collect();
            return Err(refused(problems, items.len()));
        }
        Err(error) => return Err(error.into()),
    };
    for (index, campaign) in queued.campaigns.iter().enumerate() {
        let forced = queued
            .contacts
            .iter()
            .zip(&answers)
            .any(|((of, _), (_, _, force))| *of == index && *force);
        if forced
            && matches!(
                campaign.state,
                CampaignState::Created | CampaignState::Paused
            )
        {
            services
                .campaigns
                .set_state(&who, Ref::Id(campaign.id), CampaignState::Running)
                .await?;
        }
    }
    let out: Vec<Value> = queued
        .contacts
        .iter()
        .zip(&answers)
        .map(|((of, uuid), (phone, external, _))| {
            json!({
                "id": uuid.map(|u| json!({ "identity": u.to_string() })),
                "autoCallId": queued.campaigns[*of].uuid.to_string(),
                "phone": phone,
                "clientExternalId": external,
                "duplicate": uuid.is_none(),
            })
        })
        .collect();
    Ok(Json(json!({ "count": out.len(), "batch": out })))
}

/// The 400 naming every item's problem.
fn refused(problems: Vec<Detail>, items: usize) -> TwinError {
    ApiError::invalid(format!(
        "{} of {items} candidates are invalid; none was added",
        problems.len()
    ))
    .with_details(problems)
    .into()
}

fn read_item(item: &Value, force_all: bool) -> Result<Item, (&'static str, String)> {
    if !item.is_object() {
        return Err(("", "a candidate must be an object".to_owned()));
    }
    let task = match &item["autoCallId"] {
        Value::String(id) => {
            task_ref(id).map_err(|e| ("autoCallId", e.error().message().to_owned()))?
        }
        _ => {
            return Err((
                "autoCallId",
                "`autoCallId` (the call task's id) is required".to_owned(),
            ));
        }
    };
    let phone = match &item["phone"] {
        Value::Array(phones) => phones.first().cloned().unwrap_or(Value::Null),
        other => other.clone(),
    };
    let phone = match phone {
        Value::String(p) => p,
        Value::Number(n) => phone_digits(&n).ok_or_else(|| {
            (
                "phone",
                format!("`{n}` is not a phone number: a number must be whole and positive"),
            )
        })?,
        _ => {
            return Err((
                "phone",
                "`phone` must list at least one number, digits only".to_owned(),
            ));
        }
    };
    if let Err(error) = PhoneNumber::parse(&phone) {
        return Err(("phone", format!("`{phone}`: {}", error.message())));
    }
    let variables: serde_json::Map<String, Value> = match &item["variables"] {
        Value::Null => serde_json::Map::new(),
        Value::Object(map) if has_nul(map) => {
            return Err(("variables", NUL_MESSAGE.to_owned()));
        }
        Value::Object(map) => map.clone(),
        _ => return Err(("variables", "`variables` must be an object".to_owned())),
    };
    let external_id = match &item["clientExternalId"] {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => {
            return Err((
                "clientExternalId",
                "`clientExternalId` must be a string".to_owned(),
            ));
        }
    };
    let callback_data = match &item["callbackData"] {
        Value::Null => None,
        other
            if has_nul(&serde_json::Map::from_iter([(
                String::new(),
                other.clone(),
            )])) =>
        {
            return Err(("callbackData", NUL_MESSAGE.to_owned()));
        }
        other => Some(other.to_string()),
    };
    let zone = candidate_zone(&item["timezone"]).map_err(|e| ("timezone", e))?;
    Ok(Item {
        task,
        row: UploadRow {
            phone,
            entry: None,
            variables,
            external_id,
        },
        extras: ContactExtras {
            callback_data,
            zone,
        },
        force_start: force_all || flag(&item["forceStart"]),
    })
}

/// A switch such as `forceStart`: `true`, also sent as `"true"` or `1` (form-minded clients).
fn flag(value: &Value) -> bool {
    match value {
        Value::Bool(on) => *on,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "1"),
        _ => false,
    }
}

/// `POST /autoCallCandidate/cancel?autoCallId=&phone=`: takes the task's waiting contacts with
/// that number out of the queue (calls under way finish).
pub async fn cancel(
    Caller(who): Caller,
    State(services): State<Arc<Services>>,
    uri: Uri,
) -> Result<Json<Value>, TwinError> {
    let task = query_value(&uri, "autoCallId")
        .ok_or_else(|| TwinError::invalid("`autoCallId` is required"))?;
    let phone =
        query_value(&uri, "phone").ok_or_else(|| TwinError::invalid("`phone` is required"))?;
    let number = PhoneNumber::parse(&phone)
        .map_err(|e| TwinError::invalid(format!("`phone` `{phone}`: {}", e.message())))?;
    let cancelled = services
        .campaigns
        .cancel_phone(&who, task_ref(&task)?, &number)
        .await?;
    Ok(Json(json!({ "cancelled": cancelled })))
}
