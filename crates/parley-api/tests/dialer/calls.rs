//! Calls as they happen: answered conversations with their transcript and answers, machines,
//! uploads, recordings, and a dead node's attempts recorded once.

use chrono::TimeDelta;
use parley_domain::ErrorKind;
use parley_domain::call::Speaker;
use parley_domain::campaign::{CampaignState, QueueState};
use parley_domain::dialer::{DialerConfig, Outcome};
use parley_domain::ids::Ref;

use crate::common::{TestApp, contact};

#[tokio::test]
async fn a_queued_contact_is_called_once_and_the_conversation_is_recorded() {
    let app = TestApp::new().await;
    let (agent, campaign) = app.voice_campaign().await;
    let admin = app.admin();
    app.enqueue(&campaign, contact("+7 495 123-45-67", "cooperative"))
        .await;

    let calls = app.run_dialer().await;

    assert_eq!(calls.len(), 1, "one call: {calls:#?}");
    let call = &calls[0];
    assert_eq!(call.outcome, Outcome::Answered);
    assert_eq!(call.attempt, 1);
    assert_eq!(call.agent_id, agent.id);
    assert_eq!(call.phone.digits(), "74951234567");
    assert_eq!(call.result.as_deref(), Some("finished"));
    assert!(call.answered_at.is_some() && call.ended_at > call.answered_at.unwrap());
    assert!(call.price_minor > 0, "answered talk time is billed");
    let speakers: Vec<Speaker> = call.transcript.iter().map(|u| u.speaker).collect();
    assert!(speakers.contains(&Speaker::Bot) && speakers.contains(&Speaker::Human));
    assert!(
        call.transcript
            .iter()
            .any(|u| u.text.contains("rate us from 1 to 5")),
        "the bot's prompts are in the transcript: {:#?}",
        call.transcript
    );

    // The dialog ran the scenario: the answers are collected, the dialog ended.
    let details = app
        .services
        .dialogs
        .details(admin.company_id, Ref::Id(call.dialog_id))
        .await
        .unwrap();
    assert_eq!(details.dialog.result.as_deref(), Some("finished"));
    let rating = details
        .answers
        .iter()
        .find(|a| a.variable == "rating")
        .unwrap();
    assert_eq!(rating.answer, serde_json::json!(5));

    // The contact is done and the campaign completes.
    let entry = app.entry(call.dialog_id).await;
    assert_eq!(entry.state, QueueState::Done);
    assert_eq!(entry.finish_reason.as_deref(), Some("answered"));
    let dialer = app.dialer("node-a");
    assert_eq!(dialer.complete_drained().await.unwrap(), 1);
    let campaign = app
        .services
        .campaigns
        .campaign(&admin, Ref::Id(campaign.id))
        .await
        .unwrap();
    assert_eq!(campaign.state, CampaignState::Completed);
    // Nothing more to call.
    assert!(app.run_dialer().await.is_empty());
}

#[tokio::test]
async fn an_answering_machine_is_recorded_and_called_again_later() {
    let app = TestApp::new().await;
    let (_, campaign) = app
        .voice_campaign_with(|s| {
            s.recall_count = 1;
            s.delay_seconds = 600;
        })
        .await;
    app.enqueue(&campaign, contact("+7 495 000-00-01", "voicemail"))
        .await;

    let first = app.run_dialer().await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].outcome, Outcome::AnsweringMachine);
    assert_eq!(
        first[0].responder().map(|r| r.as_str()),
        Some("AnsweringMachine")
    );
    assert!(
        first[0].result.is_none(),
        "the scenario does not talk to machines"
    );

    // Not before the delay after the call ended.
    assert!(app.run_dialer().await.is_empty());
    let waiting = app.entry(first[0].dialog_id).await;
    assert_eq!(waiting.next_at, first[0].ended_at + TimeDelta::seconds(600));
    app.clock.advance(waiting.next_at - app.clock_now());
    let second = app.run_dialer().await;
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].attempt, 2);
    let entry = app.entry(second[0].dialog_id).await;
    assert_eq!(entry.state, QueueState::Done);
    assert_eq!(entry.finish_reason.as_deref(), Some("attempts_exhausted"));
    assert_eq!(entry.history.len(), 2);
}

#[tokio::test]
async fn an_upload_queues_good_rows_reports_bad_ones_and_all_get_called() {
    let app = TestApp::new().await;
    let (_, campaign) = app.voice_campaign().await;
    let admin = app.admin();
    let rows = vec![
        contact("+7 495 000-00-01", "cooperative"),
        contact("not a number", "cooperative"),
        contact("8 (495) 000-00-03", "always_busy"),
        contact("+7 495 000-00-04", "never_answers"),
    ];
    let task = app
        .services
        .campaigns
        .upload(&admin, Ref::Id(campaign.id), rows)
        .await
        .unwrap();
    assert_eq!(task.total, 4);
    assert!(!task.is_finished());
    assert_eq!(app.services.campaigns.process_uploads().await.unwrap(), 4);
    let task = app
        .services
        .campaigns
        .upload_task(&admin, task.uuid)
        .await
        .unwrap();
    assert!(task.is_finished());
    assert_eq!((task.processed, task.rejected), (4, 1));
    let results = app
        .services
        .campaigns
        .upload_results(&admin, task.uuid)
        .await
        .unwrap();
    assert_eq!(results.len(), 4);
    assert!(results[1].dialog_uuid.is_none());
    assert!(
        results[1].message.contains("not a phone number"),
        "{results:#?}"
    );
    assert!(results.iter().filter(|r| r.dialog_uuid.is_some()).count() == 3);

    let calls = app.run_dialer().await;
    let mut outcomes: Vec<&str> = calls.iter().map(|c| c.outcome.as_str()).collect();
    outcomes.sort_unstable();
    assert_eq!(outcomes, ["answered", "busy", "no_answer"]);
}

#[tokio::test]
async fn a_recording_is_a_wav_of_the_call_rendered_once() {
    let app = TestApp::new().await;
    let (_, campaign) = app.voice_campaign().await;
    let admin = app.admin();
    app.enqueue(&campaign, contact("+7 495 000-00-01", "cooperative"))
        .await;
    let call = app.run_dialer().await.remove(0);
    let recording = app
        .services
        .campaigns
        .recording(&admin, Ref::Uuid(call.uuid))
        .await
        .unwrap();
    assert_eq!(recording.content_type, "audio/wav");
    assert_eq!(recording.file_name, format!("{}.wav", call.uuid));
    assert_eq!(&recording.bytes[..4], b"RIFF");
    // 8 kHz, 16-bit mono: the data is as long as the talk time.
    let talk_ms = (call.ended_at - call.answered_at.unwrap()).num_milliseconds();
    let samples = (recording.bytes.len() - 44) / 2;
    assert!(
        (samples as i64 - talk_ms * 8).abs() <= 16,
        "{samples} samples for {talk_ms} ms"
    );
    let again = app
        .services
        .campaigns
        .recording(&admin, Ref::Id(call.id))
        .await
        .unwrap();
    assert_eq!(again, recording, "rendered once, then kept");

    // Another company sees nothing; unanswered calls have no recording.
    let other = app.other_admin();
    let err = app
        .services
        .campaigns
        .recording(&other, Ref::Id(call.id))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn a_dead_nodes_attempt_is_recorded_failed_once_and_never_redialed() {
    let app = TestApp::new().await;
    let (_, campaign) = app.voice_campaign_with(|s| s.recall_count = 1).await;
    let admin = app.admin();
    app.enqueue(&campaign, contact("+7 495 000-00-01", "cooperative"))
        .await;

    // Node A claims the contact and dies before its call is recorded.
    let a = app.dialer("node-a");
    let claimed = a.claim().await.unwrap();
    assert_eq!(claimed.len(), 1);
    let orphan = claimed.into_iter().next().unwrap();

    // While A's lease runs, node B leaves the contact alone.
    let b = app.dialer("node-b");
    assert_eq!(b.recover().await.unwrap(), 0);
    assert!(b.claim().await.unwrap().is_empty());

    // After the lease, B records A's attempt as failed; the retry is a new attempt.
    app.clock.advance(
        TimeDelta::from_std(DialerConfig::new("x").lease).unwrap() + TimeDelta::seconds(1),
    );
    assert_eq!(b.recover().await.unwrap(), 1);
    let failed = app
        .services
        .campaigns
        .calls(
            &admin,
            &Default::default(),
            parley_domain::values::Page::new(0, 10).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(failed.total, 1);
    assert_eq!(failed.items[0].outcome, Outcome::Failed);
    assert_eq!(failed.items[0].attempt, 1);

    // A comes back and tries to finish its old attempt: refused, nothing doubled.
    let err = a.place(orphan).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);

    app.clock.advance(TimeDelta::seconds(301));
    let retry = app.run_dialer().await;
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].attempt, 2);
    assert_eq!(retry[0].outcome, Outcome::Answered);
}
