//! Webhooks: events written with the calls go to each URL of the task (per-URL event selection),
//! a receiver answering 500 is retried after the backoff (the test clock advanced), and the
//! native API lists deliveries with their attempts.

use chrono::TimeDelta;
use parley_domain::ports::OutboundResponse;
use parley_domain::values::Page;
use parley_domain::webhook::{DeliveryFilter, DeliveryState};
use serde_json::{Value, json};

use crate::common::{TestApp, redact};
use crate::tasks::{bot, create_task, redact_times};

fn answer(status: u16) -> Result<OutboundResponse, String> {
    Ok(OutboundResponse {
        status,
        body: String::new(),
    })
}

#[tokio::test]
async fn events_reach_every_url_and_failures_are_retried() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    let task = create_task(
        &app,
        json!({"name": "Hooks", "defaultExecData": bot, "webhookUrls": [
            "https://hooks.test/all",
            {"url": "https://hooks.test/calls", "events": {"CALL_ENDED": true}}
        ]}),
    )
    .await;
    app.post(
        "/api/v1/telephony/autoCallCandidate",
        Some(&app.tokens.admin),
        json!({"phone": ["79160000001"], "autoCallId": task, "forceStart": true,
               "variables": {"persona": "cooperative"}, "callbackData": {"orderId": "A-1"},
               "clientExternalId": "c-1"}),
    )
    .await
    .ok(200);
    let calls = app.run_dialer().await;
    assert_eq!(calls.len(), 1);

    // Status change (all), CALL_ENDED (all, calls), CANDIDATE_CHANGED (all).
    app.http.answer(answer(500));
    for _ in 0..3 {
        app.http.answer(answer(200));
    }
    assert_eq!(app.services.webhooks.deliver_due().await.unwrap(), 4);
    let sent: Vec<(String, Value)> = app
        .http
        .requests()
        .into_iter()
        .map(|r| (r.url, serde_json::from_str(&r.body.unwrap()).unwrap()))
        .collect();
    let events: Vec<(&str, &str)> = sent
        .iter()
        .map(|(url, body)| (url.as_str(), body["event"].as_str().unwrap()))
        .collect();
    assert_eq!(
        events,
        [
            ("https://hooks.test/all", "AUTOCALL_STATUS_CHANGED"),
            ("https://hooks.test/all", "CALL_ENDED"),
            ("https://hooks.test/calls", "CALL_ENDED"),
            ("https://hooks.test/all", "CANDIDATE_CHANGED"),
        ]
    );
    let ended = &sent[1].1;
    assert_eq!(ended["taskId"], json!(task));
    assert_eq!(ended["autoCallId"], json!(task));
    assert_eq!(ended["lastCallId"], json!(calls[0].uuid.to_string()));
    assert_eq!(ended["callbackData"], json!({"orderId": "A-1"}));
    assert_eq!(ended["botId"].to_string(), bot);
    assert_eq!(ended["status"], "ANSWERED");
    assert_eq!(ended["phone"], "79160000001");
    insta::assert_json_snapshot!("candidate_changed", redact(redact_times(sent[3].1.clone())));

    // The 500 is retried after 10 s, not before.
    assert_eq!(app.services.webhooks.deliver_due().await.unwrap(), 0);
    app.clock.advance(TimeDelta::seconds(10));
    app.http.answer(answer(200));
    assert_eq!(app.services.webhooks.deliver_due().await.unwrap(), 1);
    assert_eq!(app.services.webhooks.next_due().await.unwrap(), None);

    let listed = app
        .get(
            &format!(
                "/parley/v1/webhooks/deliveries?campaign={task}&event=AUTOCALL_STATUS_CHANGED"
            ),
            &app.tokens.admin,
        )
        .await;
    insta::assert_json_snapshot!("deliveries", redact_times(listed.snap()));
    let bad = app
        .get(
            "/parley/v1/webhooks/deliveries?state=lost",
            &app.tokens.admin,
        )
        .await;
    insta::assert_json_snapshot!("deliveries_bad_state", bad.snap());
}

#[tokio::test]
async fn a_hanging_receiver_backs_off_and_gives_up_after_a_day() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    let task = create_task(
        &app,
        json!({"name": "Hooks", "defaultExecData": bot, "startType": "manual",
               "webhookUrls": ["https://hooks.test/slow"]}),
    )
    .await;
    app.post(
        &format!("/api/v1/telephony/autoCall/{task}/play"),
        Some(&app.tokens.admin),
        json!({}),
    )
    .await
    .ok(200);
    // Tokens expire in an hour; the day below is read as the principal from now.
    let admin = app.admin();
    let mut waits = Vec::new();
    loop {
        app.http.answer(Err("timed out after 10s".into()));
        assert_eq!(app.services.webhooks.deliver_due().await.unwrap(), 1);
        let Some(next) = app.services.webhooks.next_due().await.unwrap() else {
            break;
        };
        waits.push((next - app.clock_now()).num_seconds());
        app.clock.advance(next - app.clock_now());
    }
    assert_eq!(&waits[..4], [10, 20, 40, 80]);
    assert!(waits.iter().all(|w| *w <= 3600));
    let filter = DeliveryFilter {
        state: Some(DeliveryState::Failed),
        ..DeliveryFilter::default()
    };
    let failed = app
        .services
        .webhooks
        .deliveries(&admin, &filter, Page::new(0, 10).unwrap())
        .await
        .unwrap();
    assert_eq!(failed.total, 1);
    assert_eq!(failed.items[0].attempts.len(), waits.len() + 1);
}
