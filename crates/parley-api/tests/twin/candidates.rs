//! Candidates: batch and single forms, Cyrillic variables, callbackData, clientExternalId
//! de-duplication, forceStart, cancel by number, and bad numbers refused item by item.

use parley_domain::campaign::QueueState;
use parley_domain::ids::Ref;
use parley_domain::ports::QueueFilter;
use parley_domain::values::Page;
use serde_json::json;

use crate::common::TestApp;
use crate::tasks::{bot, create_task, task_campaign, task_counts};

#[tokio::test]
async fn candidates_are_queued_once_and_cancelled_by_number() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    let task = create_task(&app, json!({"name": "Calls", "defaultExecData": bot})).await;
    let item = |phone: &str, external: &str| {
        json!({"phone": [phone], "variables": {"имя": "Анна", "persona": "cooperative"},
               "callbackData": {"orderId": 7}, "autoCallId": task,
               "clientExternalId": external, "timezone": 3})
    };
    let batch = app
        .post(
            "/api/v1/telephony/autoCallCandidate/batch",
            Some(&app.tokens.admin),
            json!({"batch": [item("79160000001", "a"), item("79160000002", "b")], "forceStart": true}),
        )
        .await;
    insta::assert_json_snapshot!("batch", batch.snap());
    let repeat = app
        .post(
            "/api/v1/telephony/autoCallCandidate",
            Some(&app.tokens.admin),
            item("79160000001", "a"),
        )
        .await;
    insta::assert_json_snapshot!("single_repeat", repeat.snap());
    let wrapped = app
        .post(
            "/cis/api/v1/telephony/autoCallCandidate",
            Some(&app.tokens.admin),
            json!({"batch": [item("79160000003", "c")]}),
        )
        .await;
    assert_eq!(wrapped.ok(200)["batch"][0]["duplicate"], false);
    let campaign = task_campaign(&app, &task).await;
    assert_eq!(
        campaign.state,
        parley_domain::campaign::CampaignState::Running
    );
    let counts = app
        .services
        .campaigns
        .counts(&app.admin(), campaign.id)
        .await
        .unwrap();
    assert_eq!(counts.waiting, 3);

    let cancel = app
        .post(
            &format!(
                "/api/v1/telephony/autoCallCandidate/cancel?autoCallId={task}&phone=79160000002"
            ),
            Some(&app.tokens.admin),
            json!({}),
        )
        .await;
    insta::assert_json_snapshot!("cancel", cancel.snap());
    let calls = app.run_dialer().await;
    assert_eq!(calls.len(), 2);
}

#[tokio::test]
async fn a_candidates_timezone_decides_its_calling_hours() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    // Calling hours 09:00–18:00. The clock says 09:00 UTC: noon in Moscow (where +7916 numbers
    // are), 19:00 in Vladivostok.
    let task = create_task(
        &app,
        json!({"name": "Calls", "defaultExecData": bot,
               "additionalOptions": {"allowCallTimeFrom": 32400, "allowCallTimeTo": 64800}}),
    )
    .await;
    let item = |phone: &str, timezone: serde_json::Value| {
        json!({"phone": [phone], "autoCallId": task, "timezone": timezone,
               "variables": {"persona": "cooperative"}})
    };
    let bad = app
        .post(
            "/api/v1/telephony/autoCallCandidate/batch",
            Some(&app.tokens.admin),
            json!({"batch": [item("79160000009", json!(17))]}),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.to_string().contains("timezone"), "{}", bad.body);
    app.post(
        "/api/v1/telephony/autoCallCandidate/batch",
        Some(&app.tokens.admin),
        json!({"batch": [item("79160000001", json!(null)), item("79160000002", json!(600)),
                         item("79160000003", json!("Asia/Vladivostok"))],
               "forceStart": true}),
    )
    .await
    .ok(200);
    let calls = app.run_dialer().await;
    let called: Vec<&str> = calls.iter().map(|c| c.phone.digits()).collect();
    assert_eq!(called, ["79160000001"], "the Vladivostok callees wait");
    let campaign = task_campaign(&app, &task).await;
    let filter = QueueFilter {
        agent_id: None,
        campaign_id: Some(campaign.id),
        states: vec![QueueState::Waiting],
    };
    let waiting = app
        .services
        .campaigns
        .queue(&app.admin(), &filter, Page::new(0, 10).unwrap())
        .await
        .unwrap();
    // Both wait for 09:00 in Vladivostok: 23:00 UTC.
    let next: Vec<_> = waiting
        .items
        .iter()
        .map(|e| e.next_at.to_rfc3339())
        .collect();
    assert_eq!(
        next,
        ["2025-03-14T23:00:00+00:00", "2025-03-14T23:00:00+00:00"]
    );
}

#[tokio::test]
async fn a_full_batch_over_a_mebibyte_is_queued_in_order() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    let task = create_task(&app, json!({"name": "Calls", "defaultExecData": bot})).await;
    let batch: Vec<_> = (0..10_000)
        .map(|n| {
            json!({"phone": [format!("7916{n:07}")], "autoCallId": task,
                   "clientExternalId": format!("crm-{}", n % 9_999),
                   "variables": {"имя": format!("Клиент номер {n}"), "долг": n},
                   "callbackData": {"orderId": n}})
        })
        .collect();
    let body = json!({ "batch": batch });
    assert!(body.to_string().len() > 1024 * 1024);
    let reply = app
        .post(
            "/api/v1/telephony/autoCallCandidate/batch",
            Some(&app.tokens.admin),
            body,
        )
        .await;
    let answer = reply.ok(200);
    assert_eq!(answer["count"], 10_000);
    let items = answer["batch"].as_array().unwrap();
    assert_eq!(items[9_998]["phone"], "79160009998");
    // The last repeats the first's external id: answered, not queued.
    assert_eq!(items[9_999]["duplicate"], true);
    assert_eq!(items[0]["duplicate"], false);
    let first = items[0]["id"]["identity"].as_str().unwrap();
    let entry = app
        .services
        .campaigns
        .queue_entry(&app.admin(), Ref::parse(first).unwrap())
        .await
        .unwrap();
    assert_eq!(entry.phone.digits(), "79160000000");
    let counts = task_counts(&app, &task).await;
    assert_eq!(counts.waiting, 9_999);
}

#[tokio::test]
async fn bad_candidates_add_nothing() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    let task = create_task(&app, json!({"name": "Calls", "defaultExecData": bot})).await;
    let bad = app
        .post(
            "/api/v1/telephony/autoCallCandidate/batch",
            Some(&app.tokens.admin),
            json!({"batch": [
                {"phone": ["79160000001"], "autoCallId": task},
                {"phone": ["12ab"], "autoCallId": task},
                {"phone": [], "autoCallId": task},
                {"phone": ["79160000004"]},
            ]}),
        )
        .await;
    insta::assert_json_snapshot!("batch_bad", bad.snap());
    let empty = app
        .post(
            "/api/v1/telephony/autoCallCandidate/batch",
            Some(&app.tokens.admin),
            json!({"batch": []}),
        )
        .await;
    insta::assert_json_snapshot!("batch_empty", empty.snap());
    let other = app
        .post(
            "/api/v1/telephony/autoCallCandidate",
            Some(&app.tokens.other),
            json!({"phone": ["79160000001"], "autoCallId": task}),
        )
        .await;
    let other: serde_json::Value =
        serde_json::from_str(&other.snap().to_string().replace(&task, "[id]")).unwrap();
    insta::assert_json_snapshot!("single_other_company", other);
    let cancel = app
        .post(
            &format!("/api/v1/telephony/autoCallCandidate/cancel?autoCallId={task}&phone=x"),
            Some(&app.tokens.admin),
            json!({}),
        )
        .await;
    insta::assert_json_snapshot!("cancel_bad_phone", cancel.snap());
    let calls = app.run_dialer().await;
    assert!(calls.is_empty());
}
