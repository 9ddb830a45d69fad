//! Call-time slots: 201 on create with `time_slot_uuid`, 200 with seconds echoed on change,
//! 204 on delete, and the errors (day out of range, an end before the start, unknown slots).

use serde_json::json;

use crate::common::TestApp;
use crate::support::{UNKNOWN, agent, call, get, send, snap};

#[tokio::test]
async fn slots_are_created_changed_listed_and_deleted() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let path = format!("/agent-settings/time-slot?agent_uuid={uuid}");
    let empty = get(&app, &path).await;
    assert_eq!(empty.ok(200), &json!([]));

    let created = send(
        &app,
        "POST",
        &path,
        json!({ "day": 1, "not_before": "09:00", "not_after": "10:30" }),
    )
    .await;
    insta::assert_json_snapshot!("slot_created", snap(&created));
    let slot = created.body["time_slot_uuid"].as_str().unwrap().to_owned();
    assert!(
        created.body["not_before"]
            .as_str()
            .unwrap()
            .contains("09:00")
    );

    let as_strings = send(
        &app,
        "POST",
        &path,
        json!({ "day": "0", "not_before": "08:00:00", "not_after": "08:30:15", "time_slot_uuid": "" }),
    )
    .await;
    as_strings.ok(201);

    let changed = send(
        &app,
        "PUT",
        "/agent-settings/time-slot",
        json!({ "time_slot_uuid": slot, "day": 6, "not_before": "10:01:01", "not_after": "11:00" }),
    )
    .await;
    insta::assert_json_snapshot!("slot_changed", snap(&changed));
    assert_eq!(changed.body["not_before"], json!("10:01:01"));

    let listed = get(&app, &path).await;
    insta::assert_json_snapshot!("slots_listed", snap(&listed));

    let deleted = send(
        &app,
        "DELETE",
        "/agent-settings/time-slot",
        json!({ "time_slot_uuid": slot }),
    )
    .await;
    insta::assert_json_snapshot!("slot_deleted", snap(&deleted));
    let again = send(
        &app,
        "DELETE",
        "/agent-settings/time-slot",
        json!({ "time_slot_uuid": slot }),
    )
    .await;
    insta::assert_json_snapshot!("slot_deleted_again", snap(&again));

    let other = as_strings.body["time_slot_uuid"].as_str().unwrap();
    let by_query = call(
        &app,
        "DELETE",
        &format!("/agent-settings/time-slot?time_slot_uuid={other}"),
        Some(&app.tokens.admin),
        None,
    )
    .await;
    assert_eq!(by_query.status, 204);
    assert_eq!(get(&app, &path).await.body, json!([]));
}

#[tokio::test]
async fn slot_errors() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let path = format!("/agent-settings/time-slot?agent_uuid={uuid}");
    let cases = [
        (
            "end_before_start",
            json!({ "day": 1, "not_before": "10:00", "not_after": "09:00" }),
        ),
        (
            "day_7",
            json!({ "day": 7, "not_before": "09:00", "not_after": "10:00" }),
        ),
        (
            "bad_time",
            json!({ "day": 1, "not_before": "9am", "not_after": "10:00" }),
        ),
        (
            "no_day",
            json!({ "not_before": "09:00", "not_after": "10:00" }),
        ),
    ];
    for (name, body) in cases {
        let reply = send(&app, "POST", &path, body).await;
        insta::assert_json_snapshot!(format!("slot_{name}"), snap(&reply));
    }
    let unknown_agent = send(
        &app,
        "POST",
        &format!("/agent-settings/time-slot?agent_uuid={UNKNOWN}"),
        json!({ "day": 1, "not_before": "09:00", "not_after": "10:00" }),
    )
    .await;
    insta::assert_json_snapshot!("slot_unknown_agent", snap(&unknown_agent));
    let unknown_slot = send(
        &app,
        "PUT",
        "/agent-settings/time-slot",
        json!({ "time_slot_uuid": UNKNOWN, "day": 1, "not_before": "09:00", "not_after": "10:00" }),
    )
    .await;
    insta::assert_json_snapshot!("slot_unknown", snap(&unknown_slot));
    let no_uuid = send(&app, "DELETE", "/agent-settings/time-slot", json!({})).await;
    insta::assert_json_snapshot!("slot_delete_without_uuid", snap(&no_uuid));

    let viewer = call(
        &app,
        "POST",
        &path,
        Some(&app.tokens.viewer),
        Some(json!({ "day": 1, "not_before": "09:00", "not_after": "10:00" })),
    )
    .await;
    insta::assert_json_snapshot!("slot_viewer", snap(&viewer));
    let viewer_reads = call(&app, "GET", &path, Some(&app.tokens.viewer), None).await;
    viewer_reads.ok(200);

    let created = send(
        &app,
        "POST",
        &path,
        json!({ "day": 2, "not_before": "09:00", "not_after": "10:00" }),
    )
    .await;
    let slot = created.ok(201)["time_slot_uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let foreign = call(
        &app,
        "DELETE",
        "/agent-settings/time-slot",
        Some(&app.tokens.other),
        Some(json!({ "time_slot_uuid": slot })),
    )
    .await;
    assert_eq!(foreign.status, 409);
    let foreign_list = call(&app, "GET", &path, Some(&app.tokens.other), None).await;
    assert_eq!(foreign_list.status, 409);
    assert_eq!(get(&app, &path).await.body.as_array().unwrap().len(), 1);
}
