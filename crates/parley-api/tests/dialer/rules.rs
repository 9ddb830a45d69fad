//! The rules the dialer keeps: calling hours in the callee's zone, the do-not-call list,
//! paused agents, channel limits.

use chrono::{TimeZone, Utc};
use parley_domain::call::Speaker;
use parley_domain::campaign::QueueState;
use parley_domain::dialer::PhoneNumber;
use parley_domain::ids::Ref;
use parley_domain::values::{LocalTime, Weekday};

use crate::common::{HANDOFF, TestApp, contact};

#[tokio::test]
async fn calls_wait_for_the_agents_hours_in_the_callees_zone() {
    // The harness clock: Friday 2025-03-14 09:00 UTC = 16:00 in Novosibirsk, 12:00 in Moscow.
    let app = TestApp::new().await;
    let (agent, campaign) = app.voice_campaign().await;
    let admin = app.admin();
    // Fridays 10:00–13:00 local time only.
    app.services
        .agents
        .add_time_slot(
            &admin,
            Ref::Id(agent.id),
            Weekday::new(4).unwrap(),
            LocalTime::parse("10:00").unwrap(),
            LocalTime::parse("13:00").unwrap(),
        )
        .await
        .unwrap();
    let moscow = app
        .enqueue(&campaign, contact("+7 495 000-00-01", "cooperative"))
        .await;
    let novosibirsk = app
        .enqueue(&campaign, contact("+7 383 000-00-02", "cooperative"))
        .await;

    let calls = app.run_dialer().await;
    assert_eq!(calls.len(), 1, "only Moscow is inside its hours");
    assert_eq!(calls[0].dialog_id, moscow.dialog_id);

    // Novosibirsk waits for next Friday 10:00 local (03:00 UTC).
    let waiting = app.entry(novosibirsk.dialog_id).await;
    assert_eq!(waiting.state, QueueState::Waiting);
    assert_eq!(waiting.attempts, 0, "a wait is not an attempt");
    assert_eq!(
        waiting.next_at,
        Utc.with_ymd_and_hms(2025, 3, 21, 3, 0, 0).unwrap()
    );
    app.clock.advance(waiting.next_at - app.clock_now());
    let later = app.run_dialer().await;
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].dialog_id, novosibirsk.dialog_id);
}

#[tokio::test]
async fn numbers_on_the_do_not_call_list_are_finished_without_a_call() {
    let app = TestApp::new().await;
    let (_, campaign) = app.voice_campaign().await;
    let admin = app.admin();
    let entry = app
        .enqueue(&campaign, contact("+7 495 000-00-09", "cooperative"))
        .await;
    let added = app
        .services
        .campaigns
        .add_do_not_call(&admin, &[PhoneNumber::parse("84950000009").unwrap()])
        .await
        .unwrap();
    assert_eq!(added, 1);

    assert!(app.run_dialer().await.is_empty(), "nobody is called");
    let entry = app.entry(entry.dialog_id).await;
    assert_eq!(entry.state, QueueState::Done);
    assert_eq!(entry.finish_reason.as_deref(), Some("do_not_call"));
    assert_eq!(entry.attempts, 0);
}

#[tokio::test]
async fn a_paused_agent_is_not_dialed_until_resumed() {
    let app = TestApp::new().await;
    let (agent, campaign) = app.voice_campaign().await;
    let admin = app.admin();
    app.enqueue(&campaign, contact("+7 495 000-00-01", "cooperative"))
        .await;
    assert_eq!(
        app.services
            .campaigns
            .pause_agent(&admin, Ref::Id(agent.id))
            .await
            .unwrap(),
        1
    );
    assert!(app.run_dialer().await.is_empty());
    app.services
        .campaigns
        .resume_agent(&admin, Ref::Id(agent.id))
        .await
        .unwrap();
    assert_eq!(app.run_dialer().await.len(), 1);
}

#[tokio::test]
async fn removed_contacts_are_not_called() {
    let app = TestApp::new().await;
    let (agent, campaign) = app.voice_campaign().await;
    let admin = app.admin();
    let keep = app
        .enqueue(&campaign, contact("+7 495 000-00-01", "cooperative"))
        .await;
    let drop = app
        .enqueue(&campaign, contact("+7 495 000-00-02", "cooperative"))
        .await;
    let removed = app
        .services
        .campaigns
        .remove_waiting(&admin, Ref::Id(agent.id), Some(Ref::Id(drop.dialog_id)))
        .await
        .unwrap();
    assert_eq!(removed, 1);
    let calls = app.run_dialer().await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].dialog_id, keep.dialog_id);
}

#[tokio::test]
async fn no_more_calls_at_once_than_the_agents_channels() {
    let app = TestApp::new().await;
    let (_, campaign) = app.voice_campaign_with(|s| s.total_channel_limit = 2).await;
    for i in 0..5 {
        app.enqueue(
            &campaign,
            contact(&format!("+7 495 000-00-1{i}"), "cooperative"),
        )
        .await;
    }
    let dialer = app.dialer("node-a");
    let first = dialer.claim().await.unwrap();
    assert_eq!(first.len(), 2, "two channels");
    assert!(
        dialer.claim().await.unwrap().is_empty(),
        "both channels busy"
    );
    for claim in first {
        dialer.place(claim).await.unwrap();
    }
    assert_eq!(
        dialer.claim().await.unwrap().len(),
        2,
        "channels free again"
    );
}

#[tokio::test]
async fn a_transfer_takes_an_operator_line_only_when_one_is_free() {
    let app = TestApp::new().await;
    let (_, none_free) = app
        .voice_campaign_of(HANDOFF, |s| s.routing_channel_limit = 0)
        .await;
    app.enqueue(&none_free, contact("+7 495 000-00-01", "patient"))
        .await;
    let refused = app.run_dialer().await.remove(0);
    assert!(!refused.transferred);
    assert_eq!(refused.operator_ms, 0);

    let (_, one_free) = app
        .voice_campaign_of(HANDOFF, |s| s.routing_channel_limit = 1)
        .await;
    app.enqueue(&one_free, contact("+7 495 000-00-02", "patient"))
        .await;
    let transferred = app.run_dialer().await.remove(0);
    assert!(transferred.transferred);
    assert_eq!(
        transferred.operator_ms, 30_000,
        "the operator talked for 30 s"
    );
    assert!(
        transferred
            .transcript
            .iter()
            .any(|u| u.speaker == Speaker::Operator),
        "{:#?}",
        transferred.transcript
    );
}
