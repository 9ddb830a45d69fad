//! Calls: recorded with their claim's release and their dialog's turn in one transaction (a
//! stale turn records nothing), listed, found, and their recordings.

use parley_domain::ErrorKind;
use parley_domain::call::CallFilter;
use parley_domain::campaign::{QueueState, Release};
use parley_domain::dialer::{Attempt, Outcome};
use parley_domain::dialog::{DialogStatus, DialogUpdate, NewMessage, Sender};
use parley_domain::ids::{CallId, Ref};
use parley_domain::line::Recording;
use parley_domain::ports::{CallTurn, CampaignStore, DialogStore};
use serde_json::json;

use super::campaigns::{ALL, contact, running};
use super::claims::{call_of, claim, wait_again};
use super::fixtures::{answer, assert_not_found, error_kind, tick};
use super::harness::Ctx;

pub async fn finish_call_records_the_call_and_the_turn_together(t: Ctx) {
    let (agent, campaign) = running(&t, "Альфа", 5).await;
    let company = agent.company_id;
    t.store
        .enqueue(company, campaign.id, &contact(1, None), t.now())
        .await
        .unwrap();
    t.store
        .enqueue(company, campaign.id, &contact(2, None), t.now())
        .await
        .unwrap();
    let claims = claim(&t, 2).await;
    let dialog = t
        .store
        .dialog(company, Ref::Id(claims[0].entry.dialog_id))
        .await
        .unwrap();
    tick(&t, 40_000);

    let mut update = DialogUpdate::from_dialog(&dialog);
    update.status = DialogStatus::Ended;
    update.result = Some("согласен".into());
    let turn = CallTurn {
        expected_version: dialog.version,
        update,
        messages: vec![
            NewMessage::text(Sender::Bot, "Здравствуйте!"),
            NewMessage::text(Sender::Customer, "Да"),
        ],
        answers: vec![answer("согласие", "bool", json!(true))],
    };
    // A stale turn rolls everything back: no call, the claim still held.
    let stale = CallTurn {
        expected_version: dialog.version + 1,
        ..turn.clone()
    };
    let call = call_of(&t, &claims[0], Outcome::Answered);
    let done = Release::Done {
        reason: "answered".into(),
        attempt: Some(Attempt {
            ended_at: t.now(),
            outcome: Outcome::Answered,
            talk_ms: 0,
        }),
    };
    let failed = t
        .store
        .finish_call(&claims[0], &call, &done, Some(&stale), &[])
        .await;
    assert_eq!(error_kind(failed), ErrorKind::Conflict);
    let entry = t
        .store
        .queue_entry(company, claims[0].entry.dialog_id)
        .await
        .unwrap();
    assert_eq!((entry.state, entry.history.len()), (QueueState::Dialing, 0));
    assert_eq!(
        t.store
            .calls(company, &CallFilter::default(), ALL)
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        t.store
            .dialog(company, Ref::Id(dialog.id))
            .await
            .unwrap()
            .version,
        0
    );

    let recorded = t
        .store
        .finish_call(&claims[0], &call, &done, Some(&turn), &[])
        .await
        .unwrap();
    assert_eq!(
        (recorded.uuid, recorded.attempt, recorded.outcome),
        (call.uuid, 1, Outcome::Answered)
    );
    assert_eq!(
        (recorded.company_id, recorded.agent_id, recorded.campaign_id),
        (company, agent.id, Some(campaign.id))
    );
    assert_eq!(
        (recorded.dialog_id, recorded.dialog_uuid),
        (dialog.id, dialog.uuid)
    );
    assert_eq!(
        (recorded.started_at, recorded.answered_at, recorded.ended_at),
        (call.started_at, call.answered_at, call.ended_at)
    );
    assert_eq!(
        (recorded.bot_ms, recorded.price_minor, &recorded.result),
        (30_000, 75, &call.result)
    );
    assert_eq!(recorded.transcript, call.transcript);
    let saved = t.store.dialog(company, Ref::Id(dialog.id)).await.unwrap();
    assert_eq!(
        (saved.version, saved.status, saved.ended_at),
        (1, DialogStatus::Ended, Some(t.now()))
    );
    assert_eq!(
        t.store
            .messages(company, dialog.id, None)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(t.store.answers(company, dialog.id).await.unwrap().len(), 1);
    let entry = t.store.queue_entry(company, dialog.id).await.unwrap();
    assert_eq!(
        (entry.state, entry.finish_reason.as_deref()),
        (QueueState::Done, Some("answered"))
    );

    // An unanswered attempt, no turn.
    let missed = call_of(&t, &claims[1], Outcome::NoAnswer);
    let second = t
        .store
        .finish_call(
            &claims[1],
            &missed,
            &wait_again(&t, Some(Outcome::NoAnswer)),
            None,
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        error_kind(
            t.store
                .finish_call(&claims[1], &missed, &done, None, &[])
                .await
        ),
        ErrorKind::Conflict
    );

    assert_eq!(
        t.store.call(company, Ref::Id(recorded.id)).await.unwrap(),
        recorded
    );
    assert_eq!(
        t.store.call(company, Ref::Uuid(second.uuid)).await.unwrap(),
        second
    );
    let all = t
        .store
        .calls(company, &CallFilter::default(), ALL)
        .await
        .unwrap();
    assert_eq!(all.total, 2);
    let of_dialog = CallFilter {
        dialog_id: Some(dialog.id),
        ..CallFilter::default()
    };
    assert_eq!(
        t.store.calls(company, &of_dialog, ALL).await.unwrap().items,
        std::slice::from_ref(&recorded)
    );
    let too_late = CallFilter {
        started_from: Some(t.now()),
        ..CallFilter::default()
    };
    assert_eq!(
        t.store.calls(company, &too_late, ALL).await.unwrap().total,
        0
    );

    assert_eq!(t.store.recording(company, recorded.id).await.unwrap(), None);
    let recording = Recording {
        file_name: format!("{}.wav", recorded.uuid),
        content_type: "audio/wav".into(),
        bytes: vec![0x52, 0x49, 0x46, 0x46, 0, 1, 2],
    };
    t.store
        .save_recording(company, recorded.id, &recording)
        .await
        .unwrap();
    let replaced = Recording {
        bytes: vec![9; 16],
        ..recording
    };
    t.store
        .save_recording(company, recorded.id, &replaced)
        .await
        .unwrap();
    assert_eq!(
        t.store.recording(company, recorded.id).await.unwrap(),
        Some(replaced.clone())
    );

    let other = super::fixtures::company(&t, "Бета").await;
    assert_not_found(t.store.call(other.id, Ref::Id(recorded.id)).await);
    assert_not_found(t.store.recording(other.id, recorded.id).await);
    assert_not_found(
        t.store
            .save_recording(other.id, recorded.id, &replaced)
            .await,
    );
    assert_not_found(
        t.store
            .recording(company, CallId(recorded.id.0 + 100))
            .await,
    );
    assert_eq!(
        t.store
            .calls(other.id, &CallFilter::default(), ALL)
            .await
            .unwrap()
            .total,
        0
    );
}
