//! `POST /api/campaigns`: campaigns made through the face run on their schedule (window in the
//! callee's zone from the date on, attempts and interval as the retry policy); bad input names
//! every problem and creates nothing.

use chrono::{TimeDelta, TimeZone, Utc};
use parley_domain::campaign::CampaignFilter;
use parley_domain::ids::{CampaignId, Ref};
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::support::{agent, body, post, snap};

fn phone(number: &str, persona: &str) -> Value {
    json!({"phone": number, "add_data": {"persona": persona, "client_name": "Иванов Иван"}})
}

#[tokio::test]
async fn a_campaign_is_created_with_its_schedule_and_called() {
    let app = TestApp::new().await;
    agent(&app).await;
    let phones = json!([
        phone("+79990000001", "cooperative"),
        phone("79990000002", "voicemail")
    ]);
    let reply = post(&app, "/api/campaigns", &app.tokens.api, body(phones)).await;
    insta::assert_json_snapshot!("created", snap(&reply));
    let id = reply.ok(200)["campaign"]["id"].as_i64().unwrap();

    let campaign = app
        .services
        .campaigns
        .campaign(&app.admin(), Ref::Id(CampaignId(id)))
        .await
        .unwrap();
    assert_eq!(campaign.name, "Обзвон клиентов");
    assert_eq!(
        campaign.window.starts_at,
        Some(Utc.with_ymd_and_hms(2025, 3, 13, 21, 0, 0).unwrap()),
        "midnight of the date in the agent's zone (Moscow)"
    );
    assert_eq!(campaign.window.ends_at, None);
    let daily = campaign.window.daily.unwrap();
    assert_eq!(
        (daily.from.to_hms(), daily.to.to_hms()),
        ("09:00:00".into(), "17:00:00".into())
    );
    let retry = campaign.retry.unwrap();
    assert_eq!((retry.max_attempts, retry.delay_seconds), (1, 300));

    // 09:00 UTC is 12:00 in Moscow: inside the window, so both are called now, once.
    let calls = app.run_dialer().await;
    let mut outcomes: Vec<_> = calls
        .iter()
        .map(|c| (c.phone.digits().to_owned(), c.outcome.as_str()))
        .collect();
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            ("79990000001".to_owned(), "answered"),
            ("79990000002".to_owned(), "answering_machine")
        ]
    );
    app.clock.advance(TimeDelta::hours(1));
    assert!(app.run_dialer().await.is_empty(), "one attempt each");
}

#[tokio::test]
async fn calls_wait_for_the_date_and_the_daily_hours_then_retry_after_the_interval() {
    let app = TestApp::new().await;
    agent(&app).await;
    let mut request = body(json!([phone("+79990000003", "never_answers")]));
    request["campaign"]["schedule"]["date"] = json!("2025-03-15");
    request["campaign"]["schedule"]["start_time"] = json!("10:00");
    request["campaign"]["schedule"]["attempts"] = json!({"id": 2, "title": "2"});
    request["campaign"]["schedule"]["interval"] = json!(30);
    post(&app, "/api/campaigns", &app.tokens.admin, request)
        .await
        .ok(200);

    assert!(
        app.run_dialer().await.is_empty(),
        "the campaign starts tomorrow"
    );
    // 2025-03-15 06:59 UTC is 09:59 in Moscow: still before the day's hours.
    app.clock
        .advance(TimeDelta::hours(21) + TimeDelta::minutes(59));
    assert!(
        app.run_dialer().await.is_empty(),
        "before 10:00 in the callee's zone"
    );
    app.clock.advance(TimeDelta::minutes(1));
    let first = app.run_dialer().await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].outcome.as_str(), "no_answer");
    app.clock.advance(TimeDelta::minutes(29));
    assert!(
        app.run_dialer().await.is_empty(),
        "the interval is 30 minutes"
    );
    app.clock.advance(TimeDelta::minutes(2));
    let second = app.run_dialer().await;
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].attempt, 2);
    app.clock.advance(TimeDelta::hours(2));
    assert!(app.run_dialer().await.is_empty(), "two attempts in all");
}

#[tokio::test]
async fn bad_campaigns_name_every_problem_and_create_nothing() {
    let app = TestApp::new().await;
    let scenario = agent(&app).await;
    let ok = || body(json!([phone("+79990000001", "cooperative")]));
    let with = |path: &[&str], value: Value| {
        let mut b = ok();
        let mut at = &mut b;
        for key in &path[..path.len() - 1] {
            at = &mut at[*key];
        }
        at[path[path.len() - 1]] = value;
        b
    };
    let cases = [
        (
            "attempts_6",
            with(
                &["campaign", "schedule", "attempts"],
                json!({"id": 6, "title": "6"}),
            ),
        ),
        (
            "attempts_title_differs",
            with(
                &["campaign", "schedule", "attempts"],
                json!({"id": 2, "title": "3"}),
            ),
        ),
        (
            "time_25_00",
            with(&["campaign", "schedule", "start_time"], json!("25:00")),
        ),
        (
            "date_not_iso",
            with(&["campaign", "schedule", "date"], json!("14.03.2025")),
        ),
        (
            "periods_not_once",
            with(
                &["campaign", "schedule", "periods"],
                json!({"id": 2, "title": "Ежедневно"}),
            ),
        ),
        (
            "interval_not_minutes",
            with(&["campaign", "schedule", "interval"], json!("five")),
        ),
        (
            "phone_not_a_number",
            with(
                &["phones"],
                json!([{"phone": "call me", "add_data": {}}, {"phone": "+79990000001"}]),
            ),
        ),
        ("no_phones", with(&["phones"], json!([]))),
        ("missing_fields", json!({"campaign": {"schedule": {}}})),
        ("empty_body", json!({})),
        (
            "unknown_add_data_key",
            with(
                &["phones"],
                json!([{"phone": "+79990000001", "add_data": {"name": "Иван", "time": "10:00"}}]),
            ),
        ),
        (
            "block_not_a_start",
            with(&["campaign", "start_block_id"], json!(3)),
        ),
        (
            "block_of_no_scenario",
            with(&["campaign", "start_block_id"], json!(99)),
        ),
        ("block_of_a_named_scenario", {
            let mut b = with(&["campaign", "start_block_id"], json!(4));
            b["campaign"]["scenario_id"] = json!(scenario);
            b
        }),
        (
            "unknown_scenario",
            with(&["campaign", "scenario_id"], json!(999)),
        ),
        (
            "another_project",
            with(&["campaign", "project_id"], json!(2)),
        ),
    ];
    for (name, request) in cases {
        let reply = post(&app, "/api/campaigns", &app.tokens.admin, request).await;
        insta::assert_json_snapshot!(name, snap(&reply));
    }
    let not_json = app
        .send_raw(
            "POST",
            "/api/campaigns",
            Some(&app.tokens.admin),
            Some("application/json"),
            "{",
        )
        .await;
    insta::assert_json_snapshot!("not_json", snap(&not_json));
    // Another company's admin names our project.
    let other = post(&app, "/api/campaigns", &app.tokens.other, ok()).await;
    insta::assert_json_snapshot!("other_company", snap(&other));

    let campaigns = app
        .services
        .campaigns
        .campaigns(&app.admin(), &CampaignFilter::default())
        .await
        .unwrap();
    assert!(campaigns.is_empty(), "nothing was created: {campaigns:?}");
}

#[tokio::test]
async fn the_second_start_block_and_an_ambiguous_one() {
    let app = TestApp::new().await;
    agent(&app).await;
    let mut request = body(json!([phone("+79990000001", "cooperative")]));
    request["campaign"]["start_block_id"] = json!(2);
    post(&app, "/api/campaigns", &app.tokens.admin, request.clone())
        .await
        .ok(200);
    let calls = app.run_dialer().await;
    assert_eq!(calls[0].transcript[0].text, "Please rate us from 1 to 5.");

    let second = agent(&app).await;
    let ambiguous = post(&app, "/api/campaigns", &app.tokens.admin, request.clone()).await;
    insta::assert_json_snapshot!("ambiguous_start_block", snap(&ambiguous));
    request["campaign"]["scenario_id"] = json!(second);
    post(&app, "/api/campaigns", &app.tokens.admin, request)
        .await
        .ok(200);
}
