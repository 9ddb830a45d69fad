//! Conformance: many calls finishing at once, as SQLite records them (one group commit for the
//! calls queued together): each call lands exactly once with its turn, webhook events and
//! release, and a call whose claim is gone or whose dialog moved on writes nothing and spoils no
//! other call.

use std::collections::HashSet;

use parley_domain::ErrorKind;
use parley_domain::call::{Call, CallFilter, NewCall};
use parley_domain::campaign::{Claim, QueueState, Release};
use parley_domain::dialer::{Attempt, Outcome};
use parley_domain::dialog::{DialogStatus, DialogUpdate, NewMessage, Sender};
use parley_domain::ids::Ref;
use parley_domain::ports::{CallTurn, CampaignStore, DialogStore, WebhookStore};
use parley_domain::webhook::{DeliveryFilter, NewWebhook};
use parley_domain::{Error, Result};
use serde_json::json;

use super::campaigns::{ALL, contact, running};
use super::claims::{call_of, claim};
use super::fixtures::answer;
use super::harness::Ctx;

/// What each claim's call does in the batch.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Fate {
    /// Answered, with a turn and two webhook events: recorded.
    Answered,
    /// Not answered, no turn, one event: recorded, the entry waits again.
    Missed,
    /// Its turn expects a version the dialog is not at: nothing written.
    StaleTurn,
    /// Sent by a node that does not hold the claim: nothing written.
    NotHeld,
}

fn fate(i: usize) -> Fate {
    match i % 4 {
        0 => Fate::Answered,
        1 => Fate::Missed,
        2 => Fate::StaleTurn,
        _ => Fate::NotHeld,
    }
}

fn events(claim: &Claim, count: usize) -> Vec<NewWebhook> {
    (0..count)
        .map(|n| NewWebhook {
            company_id: claim.entry.company_id,
            campaign_id: Some(claim.entry.campaign_id),
            event: "CALL_ENDED".into(),
            url: format!("http://hooks.test/{n}"),
            payload: json!({"dialog": claim.entry.dialog_id.0, "n": n}).to_string(),
            next_at: claim.lease_until,
        })
        .collect()
}

/// Everything `finish_call` takes.
type Finish = (Claim, NewCall, Release, Option<CallTurn>, Vec<NewWebhook>);

/// The call of `claim` finished as `fate` says.
async fn prepare(t: &Ctx, claim: Claim, fate: Fate) -> Finish {
    let company = claim.entry.company_id;
    let dialog = t
        .store
        .dialog(company, Ref::Id(claim.entry.dialog_id))
        .await
        .unwrap();
    let answered = matches!(fate, Fate::Answered | Fate::StaleTurn | Fate::NotHeld);
    let outcome = if answered {
        Outcome::Answered
    } else {
        Outcome::NoAnswer
    };
    let call = call_of(t, &claim, outcome);
    let attempt = Some(Attempt {
        ended_at: t.now(),
        outcome,
        talk_ms: 0,
    });
    let release = if answered {
        Release::Done {
            reason: "answered".into(),
            attempt,
        }
    } else {
        Release::Wait {
            next_at: t.now() + chrono::Duration::minutes(5),
            attempt,
        }
    };
    let turn = answered.then(|| {
        let mut update = DialogUpdate::from_dialog(&dialog);
        update.status = DialogStatus::Ended;
        update.result = Some(format!("итог {}", dialog.id.0));
        CallTurn {
            expected_version: dialog.version + i64::from(fate == Fate::StaleTurn),
            update,
            messages: vec![
                NewMessage::text(Sender::Bot, format!("Здравствуйте, {}!", dialog.id.0)),
                NewMessage::text(Sender::Customer, "Да"),
            ],
            answers: vec![answer("согласие", "bool", json!(true))],
        }
    });
    let webhooks = events(&claim, if answered { 2 } else { 1 });
    let claim = if fate == Fate::NotHeld {
        Claim {
            node: "node-elsewhere".into(),
            ..claim
        }
    } else {
        claim
    };
    (claim, call, release, turn, webhooks)
}

/// Finishes every call at once, each from its own task; the outcomes in the same order.
async fn finish_all(t: &Ctx, calls: Vec<Finish>) -> Vec<Result<Call>> {
    let tasks: Vec<_> = calls
        .into_iter()
        .map(|(claim, call, release, turn, webhooks)| {
            let store = t.store.clone();
            tokio::spawn(async move {
                store
                    .finish_call(&claim, &call, &release, turn.as_ref(), &webhooks)
                    .await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    outcomes
}

pub async fn concurrent_calls_each_land_once_with_their_turn_and_events(t: Ctx) {
    const CALLS: usize = 48;
    let (agent, campaign) = running(&t, "Альфа", 100).await;
    let company = agent.company_id;
    for n in 0..CALLS {
        t.store
            .enqueue(company, campaign.id, &contact(n as u32 + 1, None), t.now())
            .await
            .unwrap();
    }
    let claims = claim(&t, CALLS).await;
    assert_eq!(claims.len(), CALLS);
    let mut calls = Vec::new();
    for (i, c) in claims.iter().enumerate() {
        calls.push(prepare(&t, c.clone(), fate(i)).await);
    }
    // The same claim finished twice at once: one of the two is recorded.
    calls.push(prepare(&t, claims[0].clone(), Fate::Answered).await);
    calls.push(prepare(&t, claims[1].clone(), Fate::Missed).await);

    let outcomes = finish_all(&t, calls).await;
    let (firsts, repeats) = outcomes.split_at(CALLS);
    for (i, (c, outcome)) in claims.iter().zip(firsts).enumerate() {
        let entry = t
            .store
            .queue_entry(company, c.entry.dialog_id)
            .await
            .unwrap();
        let messages = t
            .store
            .messages(company, c.entry.dialog_id, None)
            .await
            .unwrap();
        match fate(i) {
            Fate::Answered | Fate::Missed if i < 2 => {} // checked with their repeat below
            Fate::Answered => {
                let call = outcome.as_ref().unwrap();
                assert_eq!((call.uuid, call.outcome), (c.call_uuid, Outcome::Answered));
                assert_eq!(entry.state, QueueState::Done, "entry {i}");
                assert_eq!(messages.len(), 2, "entry {i}");
                let dialog = t
                    .store
                    .dialog(company, Ref::Id(c.entry.dialog_id))
                    .await
                    .unwrap();
                assert_eq!(dialog.result, Some(format!("итог {}", dialog.id.0)));
            }
            Fate::Missed => {
                let call = outcome.as_ref().unwrap();
                assert_eq!((call.uuid, call.outcome), (c.call_uuid, Outcome::NoAnswer));
                assert_eq!((entry.state, entry.history.len()), (QueueState::Waiting, 1));
                assert!(messages.is_empty());
            }
            Fate::StaleTurn | Fate::NotHeld => {
                let error = outcome.as_ref().unwrap_err();
                assert_eq!(error.kind(), ErrorKind::Conflict, "entry {i}");
                assert_eq!((entry.state, entry.history.len()), (QueueState::Dialing, 0));
                assert!(messages.is_empty(), "entry {i}");
            }
        }
    }
    // Each of the two claims finished twice is recorded once; the other finish is refused.
    for (first, repeat) in firsts[..2].iter().zip(repeats) {
        let ok = [first, repeat].iter().filter(|o| o.is_ok()).count();
        assert_eq!(ok, 1, "{first:?} / {repeat:?}");
        let refused: Vec<&Error> = [first, repeat]
            .into_iter()
            .filter_map(|o| o.as_ref().err())
            .collect();
        assert_eq!(refused[0].kind(), ErrorKind::Conflict);
    }

    // Recorded: 12 answered and 12 missed calls, each once; 2 + 1 events each.
    let calls = t
        .store
        .calls(company, &CallFilter::default(), ALL)
        .await
        .unwrap();
    assert_eq!(calls.total, 24);
    let uuids: HashSet<_> = calls.items.iter().map(|c| c.uuid).collect();
    assert_eq!(uuids.len(), 24);
    let deliveries = t
        .store
        .webhook_deliveries(company, &DeliveryFilter::default(), ALL)
        .await
        .unwrap();
    assert_eq!(deliveries.total, 12 * 2 + 12);
    let reported: HashSet<i64> = deliveries
        .items
        .iter()
        .map(|d| {
            serde_json::from_str::<serde_json::Value>(&d.payload).unwrap()["dialog"]
                .as_i64()
                .unwrap()
        })
        .collect();
    let recorded: HashSet<i64> = calls.items.iter().map(|c| c.dialog_id.0).collect();
    assert_eq!(reported, recorded);
}
