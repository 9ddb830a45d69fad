//! Statistics: the "no data" answers before any call, `dialog-report`'s date formats, defaults
//! and errors (dates past four-digit years included), downloads and transcriptions of unknown
//! or undecodable calls, and other companies' objects.

use serde_json::json;

use crate::common::TestApp;
use crate::support::{UNKNOWN, agent, agent_as, call, get, send, snap};

#[tokio::test]
async fn nothing_to_report_before_calls() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let queued = send(
        &app,
        "POST",
        &format!("/dialog/dialogs-group-initial?agent_uuid={uuid}"),
        json!([{ "msisdn": "79991231212" }]),
    )
    .await;
    let bulk = queued.ok(202)["bulk_uuid"].as_str().unwrap().to_owned();
    app.services.campaigns.process_uploads().await.unwrap();
    let dialog = get(&app, &format!("/queue/dialog?agent_uuid={uuid}"))
        .await
        .ok(200)["data"][0]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();

    let no_call = get(&app, &format!("/statistic/dialog?dialog_uuid={dialog}")).await;
    insta::assert_json_snapshot!("dialog_no_call", snap(&no_call));
    for path in [
        format!("/statistic/dialog?dialog_uuid={UNKNOWN}"),
        "/statistic/dialog?dialog_uuid=nonsense".to_owned(),
        format!("/statistic/dialog-group?bulk_uuid={bulk}"),
        format!("/statistic/dialog-group?bulk_uuid={UNKNOWN}"),
    ] {
        let reply = get(&app, &path).await;
        assert_eq!(snap(&reply), snap(&no_call), "{path}");
    }
    let no_param = get(&app, "/statistic/dialog").await;
    insta::assert_json_snapshot!("dialog_no_param", snap(&no_param));

    let download = get(
        &app,
        &format!("/statistic/download/call?call_uuid={UNKNOWN}"),
    )
    .await;
    insta::assert_json_snapshot!("download_unknown", snap(&download));
    let malformed = get(&app, "/statistic/download/call?call_uuid=abc").await;
    insta::assert_json_snapshot!("download_malformed", snap(&malformed));
    let transcription = get(
        &app,
        &format!("/statistic/{UNKNOWN}/transcription?type=json"),
    )
    .await;
    insta::assert_json_snapshot!("transcription_unknown", snap(&transcription));
    let as_text = get(
        &app,
        &format!("/statistic/{UNKNOWN}/transcription?type=text"),
    )
    .await;
    assert_eq!(snap(&as_text), snap(&transcription));
    let bad_type = get(
        &app,
        &format!("/statistic/{UNKNOWN}/transcription?type=xml"),
    )
    .await;
    insta::assert_json_snapshot!("transcription_bad_type", snap(&bad_type));

    let report = send(
        &app,
        "POST",
        "/statistic/dialog-report",
        json!({ "agent_uuid": uuid, "start": "2020-11-26 10:08:05.0", "end": "2030-11-30 12:08:05.0" }),
    )
    .await;
    insta::assert_json_snapshot!("report_empty", snap(&report));
}

#[tokio::test]
async fn dialog_report_dates_and_errors() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let report = |body| send(&app, "POST", "/statistic/dialog-report", body);
    for (start, end) in [
        ("2025-03-14 00:00:00", "2025-03-15 00:00:00"),
        ("2025-03-14 00:00:00.0", "2025-03-15 00:00:00.123456"),
        ("2025-03-14T00:00:00", "2025-03-15T00:00:00"),
        ("2025-03-14T00:00:00.5", "2025-03-15T00:00:00.000001"),
    ] {
        let reply = report(json!({ "agent_uuid": uuid, "start": start, "end": end,
                                   "limit": "10", "offset": 0 }))
        .await;
        assert_eq!(
            reply.ok(200),
            &json!({ "result": [], "total": 0 }),
            "{start} – {end}"
        );
    }
    let bad_start =
        report(json!({ "agent_uuid": uuid, "start": "14.03.2025", "end": "2025-03-15 00:00:00" }))
            .await;
    insta::assert_json_snapshot!("report_bad_start", snap(&bad_start));
    let no_end = report(json!({ "agent_uuid": uuid, "start": "2025-03-14 00:00:00" })).await;
    insta::assert_json_snapshot!("report_no_end", snap(&no_end));
    let reversed = report(
        json!({ "agent_uuid": uuid, "start": "2025-03-15 00:00:00", "end": "2025-03-14 00:00:00" }),
    )
    .await;
    insta::assert_json_snapshot!("report_reversed", snap(&reversed));
    let big = report(json!({ "agent_uuid": uuid, "start": "2025-03-14 00:00:00", "end": "2025-03-15 00:00:00", "limit": 5000 })).await;
    insta::assert_json_snapshot!("report_big_limit", snap(&big));
    let bad_agent = report(
        json!({ "agent_uuid": "x", "start": "2025-03-14 00:00:00", "end": "2025-03-15 00:00:00" }),
    )
    .await;
    insta::assert_json_snapshot!("report_bad_agent", snap(&bad_agent));
    let other = agent_as(&app, &app.tokens.other.clone()).await;
    let theirs = report(json!({ "agent_uuid": other, "start": "2025-03-14 00:00:00", "end": "2025-03-15 00:00:00" })).await;
    insta::assert_json_snapshot!("report_their_agent", snap(&theirs));
    let no_token = call(
        &app,
        "POST",
        "/statistic/dialog-report",
        None,
        Some(json!({ "agent_uuid": uuid })),
    )
    .await;
    assert_eq!(no_token.status, 401);
}

#[tokio::test]
async fn report_dates_past_four_digit_years() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let report = |start: &str, end: &str| {
        send(
            &app,
            "POST",
            "/statistic/dialog-report",
            json!({ "agent_uuid": uuid, "start": start, "end": end }),
        )
    };
    let far_end = report("2025-03-14 00:00:00", "+262142-12-31 23:59:59.999999999").await;
    insta::assert_json_snapshot!("report_far_end", snap(&far_end));
    let far_start = report("-262143-01-01 00:00:00", "2025-03-15 00:00:00").await;
    assert_eq!(far_start.status, 400, "{:?}", far_start.body);
}

#[tokio::test]
async fn undecodable_call_uuids_are_unknown_calls() {
    let app = TestApp::new().await;
    let unknown = get(&app, &format!("/statistic/{UNKNOWN}/transcription")).await;
    for path in [
        "/statistic/%FF/transcription",
        "/statistic/%FF/transcription?type=text",
    ] {
        let reply = get(&app, path).await;
        assert_eq!(snap(&reply), snap(&unknown), "{path}");
    }
}
