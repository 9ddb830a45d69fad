//! v2 control: stop to an operator, start back to the bot, operator messages, goto another bot.

use serde_json::json;

use crate::common::{HANDOFF, SURVEY, TestApp};
use crate::support::{get, post, started, transcript};

#[tokio::test]
async fn stop_send_start() {
    let app = TestApp::new().await;
    let agent = app.agent(SURVEY).await;
    let (id, uuid) = started(&app, agent).await;
    let base = format!("/api/v2/conversation/{uuid}");
    let stop = post(&app, &format!("{base}/stop"), None).await;
    insta::assert_json_snapshot!("stop", stop.snap());
    assert_eq!(get(&app, &base).await.body["status"], "operator");
    let send = post(
        &app,
        &format!("{base}/send"),
        Some(json!({ "body": "Привет, я оператор." })),
    )
    .await;
    insta::assert_json_snapshot!("send", send.snap());
    let start = post(&app, &format!("{base}/start"), None).await;
    insta::assert_json_snapshot!("start", start.snap());
    assert_eq!(get(&app, &base).await.body["status"], "in-process");
    insta::assert_json_snapshot!("transcript", transcript(&app, id).await);

    // Send while the bot holds it: the operator joins first.
    let joined = post(
        &app,
        &format!("{base}/send"),
        Some(json!({ "body": "Me again" })),
    )
    .await;
    assert_eq!(joined.status, 204);
    assert_eq!(get(&app, &base).await.body["status"], "operator");

    for (name, body) in [
        ("send_without_body", None),
        ("send_empty_object", Some(json!({}))),
        ("send_blank", Some(json!({ "body": " " }))),
        ("send_number", Some(json!({ "body": 5 }))),
    ] {
        let reply = post(&app, &format!("{base}/send"), body).await;
        insta::assert_json_snapshot!(name, reply.snap());
    }
    let missing = post(
        &app,
        "/api/v2/conversation/0190f5c8-7d2a-7cc0-8a55-8f6f4a3b2c1d/stop",
        None,
    )
    .await;
    insta::assert_json_snapshot!("stop_unknown", missing.snap());
    let bad = post(&app, "/api/v2/conversation/42/stop", None).await;
    insta::assert_json_snapshot!("stop_bad_uuid", bad.snap());
}

#[tokio::test]
async fn goto_another_bot() {
    let app = TestApp::new().await;
    let survey = app.agent(SURVEY).await;
    let handoff = app.agent(HANDOFF).await;
    let (id, uuid) = started(&app, survey).await;
    let path = format!("/api/v2/conversation/{uuid}/command");
    let done = post(
        &app,
        &path,
        Some(json!({ "body": format!("goto {handoff}") })),
    )
    .await;
    insta::assert_json_snapshot!("goto", done.snap());
    insta::assert_json_snapshot!("goto_transcript", transcript(&app, id).await);
    assert_eq!(
        get(&app, &format!("/api/v2/conversation/{uuid}"))
            .await
            .body["status"],
        "operator"
    );
    for (name, body) in [
        ("unknown_command", json!({ "body": "jump 1" })),
        ("goto_text", json!({ "body": "goto abc" })),
        ("goto_unknown_bot", json!({ "body": "goto 999" })),
        ("command_unknown_field", json!({ "body": "goto 1", "x": 1 })),
    ] {
        let reply = post(&app, &path, Some(body)).await;
        insta::assert_json_snapshot!(name, reply.snap());
    }
}
