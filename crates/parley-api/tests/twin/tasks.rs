//! Call tasks: create (every `cps` form, webhook forms, window, redial, lifetime), list with
//! statuses and filters, play/pause/halted as the dialer sees them, and the errors.

use parley_domain::campaign::{Campaign, CampaignState, QueueCounts, QueueState};
use parley_domain::ids::Ref;
use serde_json::{Value, json};

use crate::common::TestApp;

/// A voice agent of company A; its id as Twin24's `defaultExecData`.
pub async fn bot(app: &TestApp) -> String {
    let (agent, _) = app.voice_campaign().await;
    agent.id.0.to_string()
}

#[expect(
    clippy::unwrap_used,
    reason = "a test helper: a failed unwrap is a failed test"
)]
pub async fn create_task(app: &TestApp, body: Value) -> String {
    let reply = app
        .post("/api/v1/telephony/autoCall", Some(&app.tokens.admin), body)
        .await;
    reply.ok(200)["id"]["identity"].as_str().unwrap().to_owned()
}

/// The campaign behind call task `id`.
#[expect(
    clippy::unwrap_used,
    reason = "a test helper: a failed unwrap is a failed test"
)]
pub async fn task_campaign(app: &TestApp, id: &str) -> Campaign {
    let task = Ref::parse(id).unwrap();
    app.services
        .campaigns
        .campaign(&app.admin(), task)
        .await
        .unwrap()
}

/// The queue counts of call task `id`.
#[expect(
    clippy::unwrap_used,
    reason = "a test helper: a failed unwrap is a failed test"
)]
pub async fn task_counts(app: &TestApp, id: &str) -> QueueCounts {
    let campaign = task_campaign(app, id).await;
    app.services
        .campaigns
        .counts(&app.admin(), campaign.id)
        .await
        .unwrap()
}

#[tokio::test]
async fn tasks_are_created_listed_and_steered() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    let id = create_task(
        &app,
        json!({
            "name": "Опрос клиентов", "defaultExec": "robot", "defaultExecData": bot,
            "secondExec": "end", "cidType": "default", "startType": "manual",
            "cps": "1 - 30/100", "lifetime": 86400,
            "webhookUrls": ["https://hooks.test/a", {"url": "https://hooks.test/b",
                "events": {"CALL_ENDED": true, "CANDIDATE_CHANGED": false}}],
            "additionalOptions": {"allowCallTimeFrom": 32400, "allowCallTimeTo": 75600},
            "redialStrategyOptions": {"busy": {"redial": true, "time": 60, "count": 2},
                "noAnswer": {"redial": false, "time": 0, "count": 0}}
        }),
    )
    .await;
    let campaign = task_campaign(&app, &id).await;
    assert_eq!(campaign.state, CampaignState::Created);
    let retry = campaign.retry.unwrap();
    assert_eq!(retry.max_attempts, 3);
    assert_eq!(retry.per_outcome.busy.unwrap().delay_seconds, 60);
    assert!(campaign.window.daily.is_some());
    assert_eq!(
        campaign.window.ends_at,
        Some(app.clock_now() + chrono::TimeDelta::days(1))
    );
    let hooks = app
        .services
        .campaigns
        .hooks(&app.admin(), campaign.id)
        .await
        .unwrap();
    assert_eq!(hooks.seconds_per_call, Some(30));
    assert_eq!(hooks.webhooks.len(), 2);

    create_task(
        &app,
        json!({"name": "Fast", "defaultExecData": bot.parse::<i64>().unwrap(), "cps": "1 + 5/100",
               "startType": "time", "startMoment": "2025-03-14 12:00"}),
    )
    .await;
    let list = app
        .get(
            "/cis/api/v1/telephony/autoCall?limit=10&sort=-name",
            &app.tokens.admin,
        )
        .await;
    insta::assert_json_snapshot!("list", redact_times(list.snap()));

    let play = app
        .post(
            &format!("/api/v1/telephony/autoCall/{id}/play"),
            Some(&app.tokens.admin),
            json!({}),
        )
        .await;
    insta::assert_json_snapshot!("play", play.snap());
    let paused = app
        .post(
            &format!("/api/v1/telephony/autoCall/{id}/pause"),
            Some(&app.tokens.admin),
            json!({}),
        )
        .await;
    assert_eq!(paused.ok(200)["status"], "PAUSED");
    let filtered = app
        .get(
            "/api/v1/telephony/autoCall?status=PAUSED,HALTED&keyword=опрос",
            &app.tokens.admin,
        )
        .await;
    assert_eq!(filtered.ok(200)["count"], 1);
    // Each task lists its own contacts' counts; pages are cut after filtering and sorting (the
    // app's own "Test calls" campaign sorts between the two).
    app.post(
        "/api/v1/telephony/autoCallCandidate/batch",
        Some(&app.tokens.admin),
        json!({"batch": [{"phone": ["79161234567"], "autoCallId": id},
                         {"phone": ["79161234568"], "autoCallId": id}]}),
    )
    .await
    .ok(200);
    let mut pages = Vec::new();
    for n in [1, 3] {
        let uri = format!("/api/v1/telephony/autoCall?sort=name&limit=1&page={n}");
        pages.push(app.get(&uri, &app.tokens.admin).await.ok(200).clone());
    }
    let (first, second) = (&pages[0], &pages[1]);
    assert_eq!(
        (first["count"].clone(), second["count"].clone()),
        (json!(3), json!(3))
    );
    assert_eq!(first["items"][0]["name"], "Fast");
    assert_eq!(first["items"][0]["candidates"]["total"], 0);
    assert_eq!(second["items"][0]["name"], "Опрос клиентов");
    assert_eq!(second["items"][0]["candidates"]["total"], 2);
    assert_eq!(
        second["items"][0]["webhookUrls"].as_array().map(Vec::len),
        Some(2)
    );
    let halted = app
        .post(
            &format!("/api/v1/telephony/autoCall/{id}/halted"),
            Some(&app.tokens.admin),
            json!({}),
        )
        .await;
    assert_eq!(halted.ok(200)["status"], "HALTED");
    let again = app
        .post(
            &format!("/api/v1/telephony/autoCall/{id}/play"),
            Some(&app.tokens.admin),
            json!({}),
        )
        .await;
    let again: Value =
        serde_json::from_str(&again.snap().to_string().replace(&id, "[id]")).unwrap();
    insta::assert_json_snapshot!("play_halted", again);
}

/// A task body as the Go SDK writes it: every option present, `events` as `{name, value}`
/// objects, `cps` a number, the redial switch and limits, `fullListTime`.
fn go_sdk_task(bot: &str, redial_on: bool, answer_no_list: Value, candidate_limit: Value) -> Value {
    json!({
        "name": "OTP", "defaultExec": "robot", "defaultExecData": bot, "secondExec": "end",
        "cidType": "default", "startType": "manual", "cps": 1.05, "checkPhone": true,
        "webhookUrls": [{"url": "https://hooks.test/go", "events": {
            "CALL_ENDED": {"name": "CALL_ENDED", "value": true},
            "CANDIDATE_CHANGED": {"name": "CANDIDATE_CHANGED", "value": true},
            "CALL_REDIRECTED": {"name": "CALL_REDIRECTED", "value": false},
            "RECALL_SCHEDULED": {"name": "RECALL_SCHEDULED", "value": false}}}],
        "additionalOptions": {"fullListMethod": "reject", "fullListTime": 600,
                              "recordCall": false},
        "redialStrategyOptions": {
            "redialStrategyEn": redial_on,
            "candidateLimit": candidate_limit,
            "busy": {"redial": true, "time": 60, "count": 3},
            "noAnswer": {"redial": false},
            "answerMash": {"redial": false},
            "congestion": {"redial": false},
            "answerNoList": answer_no_list
        }
    })
}

/// Queues one contact played by `persona` in `task` and starts it.
async fn add_contact(app: &TestApp, task: &str, phone: &str, persona: &str) {
    app.post(
        "/api/v1/telephony/autoCallCandidate/batch",
        Some(&app.tokens.admin),
        json!({"batch": [{"phone": [phone], "autoCallId": task,
                          "variables": {"persona": persona}}], "forceStart": true}),
    )
    .await
    .ok(200);
}

#[tokio::test]
async fn the_go_sdks_events_and_redial_options_are_honoured() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    // A short answered call (under fullListTime) is called again by answerNoList.
    let short = create_task(
        &app,
        go_sdk_task(
            &bot,
            true,
            json!({"redial": true, "time": 60, "count": 1}),
            json!({"redial": false}),
        ),
    )
    .await;
    // The same busy callee: called once when the switch is off, twice under candidateLimit 2.
    let off = create_task(
        &app,
        go_sdk_task(
            &bot,
            false,
            json!({"redial": false}),
            json!({"redial": false}),
        ),
    )
    .await;
    let limited = create_task(
        &app,
        go_sdk_task(
            &bot,
            true,
            json!({"redial": false}),
            json!({"redial": true, "count": 2}),
        ),
    )
    .await;
    let campaign = task_campaign(&app, &short).await;
    let hooks = app
        .services
        .campaigns
        .hooks(&app.admin(), campaign.id)
        .await
        .unwrap();
    assert_eq!(
        hooks.webhooks[0].events.as_deref(),
        Some(&["CALL_ENDED".to_owned(), "CANDIDATE_CHANGED".to_owned()][..]),
        "events whose value is false are not sent"
    );

    add_contact(&app, &short, "79160000001", "cooperative").await;
    add_contact(&app, &off, "79160000002", "always_busy").await;
    add_contact(&app, &limited, "79160000003", "always_busy").await;
    let mut calls = Vec::new();
    for _ in 0..4 {
        calls.extend(app.run_dialer().await);
        app.clock.advance(chrono::Duration::seconds(61));
    }
    let calls_of = |phone: &str| {
        calls
            .iter()
            .filter(|c| c.phone.digits() == phone)
            .collect::<Vec<_>>()
    };
    let answered = calls_of("79160000001");
    assert_eq!(answered.len(), 2, "one call, then one answerNoList redial");
    assert!(
        answered[0].ended_at - answered[0].answered_at.unwrap() < chrono::Duration::seconds(600)
    );
    assert_eq!(calls_of("79160000002").len(), 1, "redialStrategyEn: false");
    assert_eq!(calls_of("79160000003").len(), 2, "candidateLimit.count: 2");
    for call in [
        answered[1],
        calls_of("79160000002")[0],
        calls_of("79160000003")[1],
    ] {
        let entry = app.entry(call.dialog_id).await;
        assert_eq!(entry.state, QueueState::Done, "{}", call.phone);
    }
}

#[tokio::test]
async fn bad_tasks_are_refused_in_twin24_shape() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    let cases = [
        ("no_name", json!({"defaultExecData": bot})),
        ("no_bot", json!({"name": "x"})),
        (
            "bad_cps",
            json!({"name": "x", "defaultExecData": bot, "cps": "fast"}),
        ),
        (
            "bad_hook",
            json!({"name": "x", "defaultExecData": bot, "webhookUrls": ["ftp://x"]}),
        ),
        (
            "bad_event",
            json!({"name": "x", "defaultExecData": bot,
            "webhookUrls": [{"url": "https://h.test", "events": {"NOPE": true}}]}),
        ),
        (
            "bad_start",
            json!({"name": "x", "defaultExecData": bot, "startType": "time"}),
        ),
        (
            "unknown_bot",
            json!({"name": "x", "defaultExecData": "999999"}),
        ),
    ];
    for (name, body) in cases {
        let reply = app
            .post("/api/v1/telephony/autoCall", Some(&app.tokens.admin), body)
            .await;
        insta::assert_json_snapshot!(format!("create_{name}"), reply.snap());
    }
    let unauthenticated = app
        .post("/api/v1/telephony/autoCall", None, json!({}))
        .await;
    insta::assert_json_snapshot!("create_unauthenticated", unauthenticated.snap());
    let status = app
        .get("/api/v1/telephony/autoCall?status=DONE", &app.tokens.admin)
        .await;
    insta::assert_json_snapshot!("list_bad_status", status.snap());
    let missing = app
        .post(
            "/api/v1/telephony/autoCall/0190a0a0-0000-7000-8000-000000000000/play",
            Some(&app.tokens.admin),
            json!({}),
        )
        .await;
    insta::assert_json_snapshot!("play_missing", missing.snap());
}

/// Replaces RFC 3339 instants (they follow the test clock, but creation order matters more).
pub fn redact_times(value: Value) -> Value {
    match value {
        Value::String(s) if chrono::DateTime::parse_from_rfc3339(&s).is_ok() => json!("[time]"),
        Value::Array(items) => Value::Array(items.into_iter().map(redact_times).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, redact_times(v))).collect())
        }
        other => other,
    }
}
