//! Hostile and odd input found by sweeping every route: phones sent as floats keep their digits,
//! integers written as whole floats (`5.0`) are read as pydantic reads them, an empty report
//! totals `0` (not `-0.0`), and project ids that are not UTF-8 and unknown paths answer in the
//! is74 shape.

use parley_domain::ids::{CampaignId, Ref};
use serde_json::json;

use crate::common::TestApp;
use crate::support::{agent, body, post, snap};

#[tokio::test]
async fn phones_sent_as_floats_keep_their_digits() {
    let app = TestApp::new().await;
    agent(&app).await;
    // `79990000001.0` read as text would be the 12 digits 799900000010.
    let phones = json!([{"phone": 79_990_000_001.0_f64, "add_data": {"persona": "cooperative"}}]);
    post(&app, "/api/campaigns", &app.tokens.admin, body(phones))
        .await
        .ok(200);
    let calls = app.run_dialer().await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].phone.digits(), "79990000001");

    let fraction = json!([{"phone": 7_999_000_000.5_f64}]);
    let reply = post(&app, "/api/campaigns", &app.tokens.admin, body(fraction)).await;
    insta::assert_json_snapshot!("fractional_phone", snap(&reply));
}

#[tokio::test]
async fn a_report_without_rows_totals_zero() {
    let app = TestApp::new().await;
    agent(&app).await;
    let reply = post(
        &app,
        "/api/analytics/1/report",
        &app.tokens.admin,
        json!({"analytics_filter": {}, "columns": [{"name": "phone_number"}]}),
    )
    .await;
    let body = reply.ok(200);
    assert_eq!(body["count"], 0);
    // `-0.0` compares equal to `0.0`: compare the text clients read.
    assert_eq!(body["total_duration"].to_string(), "0.0");
    assert_eq!(body["avg_duration"].to_string(), "0.0");
}

#[tokio::test]
async fn bad_paths_answer_in_the_is74_shape() {
    let app = TestApp::new().await;
    let report = post(
        &app,
        "/api/analytics/%FF/report",
        &app.tokens.admin,
        json!({"analytics_filter": {}}),
    )
    .await;
    insta::assert_json_snapshot!("report_project_not_utf8", snap(&report));
    for path in [
        "/api/campaigns/1",
        "/api/analytics/1",
        "/api/analytics/1/reports",
    ] {
        let reply = post(&app, path, &app.tokens.admin, json!({})).await;
        assert_eq!(reply.status.as_u16(), 404, "{path}");
        assert!(reply.body["detail"].is_string(), "{path}: {}", reply.body);
    }
}

#[tokio::test]
async fn integers_written_as_whole_floats_are_integers() {
    let app = TestApp::new().await;
    agent(&app).await;
    let mut request = body(json!([{"phone": "+79990000001", "add_data": {}}]));
    request["campaign"]["project_id"] = json!(1.0);
    request["campaign"]["start_block_id"] = json!(1.0);
    request["campaign"]["phone_id"] = json!(5.0);
    request["campaign"]["schedule"]["attempts"] = json!({"id": 2.0, "title": "2"});
    request["campaign"]["schedule"]["interval"] = json!(30.0);
    let reply = post(&app, "/api/campaigns", &app.tokens.admin, request).await;
    let id = reply.ok(200)["campaign"]["id"].as_i64().unwrap();
    let campaign = app
        .services
        .campaigns
        .campaign(&app.admin(), Ref::Id(CampaignId(id)))
        .await
        .unwrap();
    let retry = campaign.retry.unwrap();
    assert_eq!((retry.max_attempts, retry.delay_seconds), (2, 1800));

    let mut fraction = body(json!([{"phone": "+79990000002"}]));
    fraction["campaign"]["schedule"]["attempts"] = json!({"id": 2.5, "title": "2"});
    let reply = post(&app, "/api/campaigns", &app.tokens.admin, fraction).await;
    insta::assert_json_snapshot!("attempts_fraction", snap(&reply));
}
