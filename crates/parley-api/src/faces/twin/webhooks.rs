//! How Twin24 words a task's webhook events (`webhookUrls`): the event names a target selects
//! and the JSON bodies its receivers read, from the domain's neutral [`Event`]s. The server
//! hands [`Twin24Webhooks`] to the domain as its `WebhookFormat`; the outbox stores the bodies
//! as rendered here, so a retry sends exactly what the first attempt did.

use chrono::{DateTime, Utc};
use parley_domain::call::NewCall;
use parley_domain::campaign::{Campaign, CampaignState};
use parley_domain::dialer::Outcome;
use parley_domain::webhook::{Contact, Event, Redirect, WebhookFormat};
use serde_json::{Value, json};

use super::error::TwinError;

/// After every call attempt.
pub const CALL_ENDED: &str = "CALL_ENDED";
/// When a contact is done (no further attempt).
pub const CANDIDATE_CHANGED: &str = "CANDIDATE_CHANGED";
/// When the task changes status.
pub const AUTOCALL_STATUS_CHANGED: &str = "AUTOCALL_STATUS_CHANGED";
/// When the bot hands a call to an operator (as the transfer starts).
pub const CALL_REDIRECTED: &str = "CALL_REDIRECTED";
/// When an attempt ended and the contact will be called again (after its `CALL_ENDED`).
pub const RECALL_SCHEDULED: &str = "RECALL_SCHEDULED";

/// The events a target may select (`EFFICIENCY_REACHED` is accepted but never sent: Parley has
/// no efficiency goal to reach).
pub const EVENTS: [&str; 6] = [
    CALL_ENDED,
    CANDIDATE_CHANGED,
    AUTOCALL_STATUS_CHANGED,
    CALL_REDIRECTED,
    RECALL_SCHEDULED,
    "EFFICIENCY_REACHED",
];

/// Refuses a selection naming an event Twin24 does not have.
pub fn check_events(events: &[String]) -> Result<(), TwinError> {
    match events.iter().find(|e| !EVENTS.contains(&e.as_str())) {
        Some(unknown) => Err(TwinError::invalid(format!(
            "unknown webhook event `{unknown}` (expected one of {})",
            EVENTS.join(", ")
        ))),
        None => Ok(()),
    }
}

/// Twin24's task status for a campaign: BLANK (created, nothing queued), READY (created),
/// PROCESS (running), PAUSED, HALTED (stopped, completed, or past its lifetime).
pub fn task_status(campaign: &Campaign, queued: u64, now: DateTime<Utc>) -> &'static str {
    if campaign.window.ends_at.is_some_and(|end| end <= now) {
        return "HALTED";
    }
    match campaign.state {
        CampaignState::Created if queued == 0 => "BLANK",
        CampaignState::Created => "READY",
        CampaignState::Running => "PROCESS",
        CampaignState::Paused => "PAUSED",
        CampaignState::Stopped | CampaignState::Completed => "HALTED",
    }
}

/// Twin24's wording of campaign events.
#[derive(Debug, Clone, Copy, Default)]
pub struct Twin24Webhooks;

impl WebhookFormat for Twin24Webhooks {
    fn render(&self, event: &Event<'_>) -> (&'static str, Value) {
        match *event {
            Event::CallRedirected { contact, redirect } => {
                (CALL_REDIRECTED, call_redirected(contact, &redirect))
            }
            Event::CallEnded {
                contact,
                call,
                again,
            } => (CALL_ENDED, call_ended(contact, call, again)),
            Event::RecallScheduled {
                contact,
                call,
                next_at,
            } => (RECALL_SCHEDULED, recall_scheduled(contact, call, next_at)),
            Event::ContactDone {
                contact,
                last_call,
                reason,
            } => (
                CANDIDATE_CHANGED,
                candidate_changed(contact, last_call, reason),
            ),
            Event::CampaignChanged {
                campaign,
                queued,
                at,
            } => (
                AUTOCALL_STATUS_CHANGED,
                status_changed(campaign, task_status(campaign, queued, at)),
            ),
        }
    }
}

/// The `CALL_ENDED` body (`again`: the contact will be called again).
fn call_ended(contact: Contact<'_>, call: &NewCall, again: bool) -> Value {
    let mut body = common(CALL_ENDED, contact);
    body["lastCallId"] = json!(call.uuid.to_string());
    body["call"] = json!({
        "id": call.uuid.to_string(),
        "status": call.outcome.twin24_status(),
        "responder": match call.outcome {
            Outcome::Answered => Some("Human"),
            Outcome::AnsweringMachine => Some("AnsweringMachine"),
            _ => None,
        },
        "duration": talk_seconds(call),
        "phone": call.phone.digits(),
        "attempt": call.attempt,
        "startedAt": call.started_at.to_rfc3339(),
        "endedAt": call.ended_at.to_rfc3339(),
        "dialogResult": call.result,
        "isFinished": !again,
    });
    body["status"] = json!(call.outcome.twin24_status());
    body["duration"] = json!(talk_seconds(call));
    body["phone"] = json!(call.phone.digits());
    body["isFinished"] = json!(!again);
    body
}

/// The `CANDIDATE_CHANGED` body for a contact that is done (`reason` why).
fn candidate_changed(contact: Contact<'_>, last_call: Option<&NewCall>, reason: &str) -> Value {
    let mut body = common(CANDIDATE_CHANGED, contact);
    body["lastCallId"] = json!(last_call.map(|c| c.uuid.to_string()));
    body["status"] = json!(last_call.map(|c| c.outcome.twin24_status()));
    body["duration"] = json!(last_call.map(talk_seconds));
    body["phone"] = json!(contact.entry.phone.digits());
    body["candidateStatus"] = json!("DONE");
    body["finishReason"] = json!(reason);
    body["attempts"] = json!(contact.entry.attempts);
    body
}

/// The `CALL_REDIRECTED` body, sent as the bot hands a call to an operator (its end and
/// durations follow in `CALL_ENDED`). Twin24's documented fields come first: `id` (the call),
/// `redirectDestination` (`ch`: Parley's operators are a transfer channel) and the
/// `redirectDestinationId`, `redirectAnons`, `redirectAdditional` a scenario has no use for.
fn call_redirected(contact: Contact<'_>, redirect: &Redirect) -> Value {
    let mut body = common(CALL_REDIRECTED, contact);
    body["id"] = json!(redirect.call_uuid.to_string());
    body["redirectDestination"] = json!("ch");
    body["redirectDestinationId"] = Value::Null;
    body["redirectAnons"] = Value::Null;
    body["redirectAdditional"] = Value::Null;
    body["callId"] = json!(redirect.call_uuid.to_string());
    body["lastCallId"] = json!(redirect.call_uuid.to_string());
    body["phone"] = json!(contact.entry.phone.digits());
    body["attempt"] = json!(redirect.attempt);
    body["startedAt"] = json!(redirect.started_at.to_rfc3339());
    body["answeredAt"] = json!(redirect.answered_at.to_rfc3339());
    body["redirectedAt"] = json!(redirect.at.to_rfc3339());
    body
}

/// The `RECALL_SCHEDULED` body: `call` ended and the contact is called again at `next_at` (not
/// before; the dialer may start later when lines are busy).
fn recall_scheduled(contact: Contact<'_>, call: &NewCall, next_at: DateTime<Utc>) -> Value {
    let mut body = common(RECALL_SCHEDULED, contact);
    body["callId"] = json!(call.uuid.to_string());
    body["lastCallId"] = json!(call.uuid.to_string());
    body["status"] = json!(call.outcome.twin24_status());
    body["phone"] = json!(call.phone.digits());
    body["attempts"] = json!(call.attempt);
    body["nextAttempt"] = json!(call.attempt + 1);
    body["recallAt"] = json!(next_at.to_rfc3339());
    body
}

/// The `AUTOCALL_STATUS_CHANGED` body.
fn status_changed(campaign: &Campaign, status: &str) -> Value {
    json!({
        "event": AUTOCALL_STATUS_CHANGED,
        "taskId": campaign.uuid.to_string(),
        "autoCallId": campaign.uuid.to_string(),
        "botId": campaign.agent_id.0,
        "status": status,
        "name": campaign.name,
    })
}

fn talk_seconds(call: &NewCall) -> i64 {
    call.answered_at
        .map_or(0, |answered| (call.ended_at - answered).num_seconds())
}

/// The fields every contact event carries.
fn common(event: &str, contact: Contact<'_>) -> Value {
    let Contact {
        campaign,
        entry,
        callback,
    } = contact;
    json!({
        "event": event,
        "taskId": campaign.uuid.to_string(),
        "autoCallId": campaign.uuid.to_string(),
        "candidateId": entry.dialog_uuid.to_string(),
        "botId": campaign.agent_id.0,
        "clientExternalId": entry.external_id,
        "callbackData": callback.cloned().unwrap_or(Value::Null),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_name_twin24_events() {
        assert!(check_events(&[CALL_ENDED.into(), "EFFICIENCY_REACHED".into()]).is_ok());
        let err = check_events(&["NOPE".into()]).unwrap_err();
        assert!(format!("{err:?}").contains("CALL_ENDED"));
    }
}
