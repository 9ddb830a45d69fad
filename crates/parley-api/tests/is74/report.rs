//! `POST /api/analytics/{project_id}/report` over a campaign created through the face and called
//! on the simulated line: columns by data type, every filter type, sorting, totals, errors and
//! other companies.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::common::TestApp;
use crate::support::{agent, body, post, snap, snap_report};

/// A campaign of three callees (one rates 5, one is a voicemail, one stays silent), called.
async fn called(app: &TestApp) -> (i64, i64) {
    let scenario = agent(app).await;
    let phones = json!([
        {"phone": "+79990000001", "add_data": {"persona": "cooperative", "client_name": "Анна"}},
        {"phone": "+79990000002", "add_data": {"persona": "voicemail"}},
        {"phone": "+79990000013", "add_data": {"persona": "silent"}},
    ]);
    let reply = post(app, "/api/campaigns", &app.tokens.admin, body(phones)).await;
    let campaign = reply.ok(200)["campaign"]["id"]
        .as_i64()
        .expect("the campaign's id");
    assert_eq!(app.run_dialer().await.len(), 3);
    (scenario, campaign)
}

fn filter(scenario: i64, campaign: i64) -> Value {
    json!({
        "scenario_id": scenario,
        "start_block_id": 1,
        "outgoing_campaign_id": campaign,
        "date_start": "2025-03-14T08:00:59.096Z",
        "date_end": "2025-03-14T18:04:59.096Z"
    })
}

fn column(name: &str, data_type: &str) -> Value {
    json!({"id": 1, "name": name, "display_name": name, "column_type": "field", "data_type": data_type})
}

#[tokio::test]
async fn a_report_of_the_campaigns_calls_with_goal_and_dialog_columns() {
    let app = TestApp::new().await;
    let (scenario, campaign) = called(&app).await;
    let mut phone = column("phone_number", "number");
    phone["display_name"] = json!("Phone Number");
    phone["sorting"] = json!("asc");
    let request = json!({
        "analytics_filter": filter(scenario, campaign),
        "columns": [
            phone,
            column("rating", "number"),
            column("outcome", "text"),
            column("started_at", "datetime"),
            column("duration", "number"),
            column("good_time", "goal"),
            column("finished", "goal"),
            column("answered", "goal"),
            column("dialog", "dialog"),
        ]
    });
    let reply = post(&app, "/api/analytics/1/report", &app.tokens.api, request).await;
    insta::assert_json_snapshot!("report", snap_report(&reply));
    let body = reply.ok(200);
    let durations: Vec<f64> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["duration"].as_f64().unwrap())
        .collect();
    let total: f64 = durations.iter().sum();
    assert_eq!(body["count"], json!(3));
    assert!((body["total_duration"].as_f64().unwrap() - total).abs() < 1e-6);
    assert!((body["avg_duration"].as_f64().unwrap() - total / 3.0).abs() < 1e-3);
    assert!(total > 0.0);

    // Without columns: every field, the outputs and the dialog.
    let all = post(
        &app,
        "/api/analytics/1/report",
        &app.tokens.api,
        json!({"analytics_filter": {"outgoing_campaign_id": campaign}}),
    )
    .await;
    insta::assert_json_snapshot!("report_default_columns", snap_report(&all));
}

#[tokio::test]
async fn every_filter_type_and_sorting() {
    let app = TestApp::new().await;
    let (scenario, campaign) = called(&app).await;
    let cases = [
        ("phone_number", "text", "equal", Some("+79990000002")),
        ("rating", "number", "equal", Some("5")),
        ("phone_number", "text", "contains", Some("000001")),
        ("outcome", "text", "starts_with", Some("ANSWER")),
        ("phone_number", "text", "ends_with", Some("13")),
        ("rating", "number", "is_empty", None),
        ("rating", "number", "not_empty", None),
        ("good_time", "goal", "is_true", None),
        ("answered", "goal", "not_true", None),
        ("dialog", "dialog", "contains", Some("goodbye")),
        ("dialog", "dialog", "is_empty", None),
    ];
    let mut kept = BTreeMap::new();
    for (name, data_type, filter_type, value) in cases {
        let mut asked = column(name, data_type);
        asked["filter_type"] = json!(filter_type);
        asked["filter_value"] = json!(value);
        let request = json!({
            "analytics_filter": filter(scenario, campaign),
            "columns": [column("phone_number", "text"), asked],
        });
        let reply = post(&app, "/api/analytics/1/report", &app.tokens.api, request).await;
        let mut phones: Vec<String> = reply.ok(200)["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["phone_number"].as_str().unwrap().to_owned())
            .collect();
        phones.sort();
        assert_eq!(reply.body["count"], json!(phones.len()));
        kept.insert(
            format!("{name} {filter_type} {}", value.unwrap_or_default()),
            phones,
        );
    }
    insta::assert_json_snapshot!("filters", kept);

    let mut by_phone = column("phone_number", "text");
    by_phone["sorting"] = json!("desc");
    let mut by_answered = column("answered", "goal");
    by_answered["sorting"] = json!("asc");
    let request = json!({
        "analytics_filter": filter(scenario, campaign),
        "columns": [by_answered, by_phone],
    });
    let reply = post(&app, "/api/analytics/1/report", &app.tokens.api, request).await;
    let order: Vec<&str> = reply.ok(200)["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["phone_number"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["+79990000002", "+79990000013", "+79990000001"]);
}

#[tokio::test]
async fn dates_narrow_the_calls() {
    let app = TestApp::new().await;
    let (_, campaign) = called(&app).await;
    let count = |from: &str, to: &str| {
        json!({"analytics_filter": {"outgoing_campaign_id": campaign, "date_start": from, "date_end": to},
               "columns": [column("call_id", "number")]})
    };
    let before = post(
        &app,
        "/api/analytics/1/report",
        &app.tokens.api,
        count("2025-03-13T00:00:00.000Z", "2025-03-14T08:59:59.999Z"),
    )
    .await;
    assert_eq!(before.ok(200)["count"], json!(0));
    let during = post(
        &app,
        "/api/analytics/1/report",
        &app.tokens.api,
        count("2025-03-14T09:00:00.000Z", "2025-03-14T09:01:00Z"),
    )
    .await;
    assert_eq!(during.ok(200)["count"], json!(3));
}

#[tokio::test]
async fn bad_reports_and_other_companies() {
    let app = TestApp::new().await;
    let (scenario, campaign) = called(&app).await;
    let bad = json!({
        "analytics_filter": {"outgoing_campaign_id": "x", "date_start": "yesterday"},
        "columns": [
            {"name": "phone_number", "data_type": "equal", "filter_type": "equal", "sorting": "equal"},
            {"name": "phone_number", "filter_type": "contains"},
            {"name": "phone_number", "filter_type": "like", "filter_value": "7"},
            {"data_type": "text"},
        ]
    });
    let reply = post(&app, "/api/analytics/1/report", &app.tokens.api, bad).await;
    insta::assert_json_snapshot!("report_bad_input", snap(&reply));
    let unknown_column = json!({"analytics_filter": {}, "columns": [column("nope", "text")]});
    let reply = post(
        &app,
        "/api/analytics/1/report",
        &app.tokens.api,
        unknown_column,
    )
    .await;
    insta::assert_json_snapshot!("report_unknown_column", snap(&reply));
    let mut wrong_block = filter(scenario, campaign);
    wrong_block["start_block_id"] = json!(3);
    let reply = post(
        &app,
        "/api/analytics/1/report",
        &app.tokens.api,
        json!({"analytics_filter": wrong_block}),
    )
    .await;
    insta::assert_json_snapshot!("report_not_a_start_block", snap(&reply));
    let reply = post(
        &app,
        "/api/analytics/1/report",
        &app.tokens.api,
        json!({"analytics_filter": {"outgoing_campaign_id": 99}}),
    )
    .await;
    insta::assert_json_snapshot!("report_unknown_campaign", snap(&reply));

    // Company B: our project is not theirs, and our campaign is unknown in theirs.
    let theirs = post(
        &app,
        "/api/analytics/1/report",
        &app.tokens.other,
        json!({"analytics_filter": {}}),
    )
    .await;
    insta::assert_json_snapshot!("report_other_project", snap(&theirs));
    let request =
        json!({"analytics_filter": {"scenario_id": scenario, "outgoing_campaign_id": campaign}});
    let ours = post(&app, "/api/analytics/2/report", &app.tokens.other, request).await;
    insta::assert_json_snapshot!("report_other_companys_campaign", snap(&ours));
    let empty = post(
        &app,
        "/api/analytics/2/report",
        &app.tokens.other,
        json!({"analytics_filter": {}}),
    )
    .await;
    assert_eq!(empty.ok(200)["count"], json!(0), "B sees none of A's calls");
    let text = post(
        &app,
        "/api/analytics/abc/report",
        &app.tokens.api,
        json!({}),
    )
    .await;
    insta::assert_json_snapshot!("report_project_not_a_number", snap(&text));
}
