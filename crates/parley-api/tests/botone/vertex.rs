//! Vertex: an external custom block receives the dialog's context and a token at its URL, writes
//! as the bot with `send_message` and ends the block with `complete`; bad, expired and spent
//! tokens are refused with a 403.

#![expect(
    clippy::unwrap_used,
    reason = "in tests a failed unwrap is a failed test"
)]

use axum::body::Body;
use axum::http::Request;
use chrono::Duration;
use parley_domain::ports::OutboundResponse;
use serde_json::{Value, json};

use crate::common::{TestApp, redact};
use crate::support::{get, post, transcript};

/// Says hello, hands the order check to an external block, tells its result, asks, ends.
pub const VERTEX: &str = r#"format: parley.scenario/v1
name: Order check
inputs:
  - name: client
    default: Ann
entry_points:
  main: hello
blocks:
  hello:
    id: 1
    say: "Checking your order, {{ client }}."
    next: check
  check:
    id: 2
    custom: "https://blocks.example/check"
    params: { client: "{{ client }}", attempt: 1 }
    save_as: order
    next: tell
  tell:
    id: 3
    say: "Order {{ order.number }} is {{ order.state }}."
    next: more
  more:
    id: 4
    ask: Anything else?
    var: more
    next: done
  done:
    id: 5
    end: checked
"#;

/// `POST path` with a JSON body and no authentication, as a block's service calls.
async fn vertex(app: &TestApp, path: &str, body: Value) -> crate::common::Reply {
    app.post(path, None, body).await
}

/// The service accepts the context; starts a dialog through Bot.one; returns (id, uuid, token).
async fn running(app: &TestApp) -> (i64, String, String) {
    app.http.answer(Ok(OutboundResponse {
        status: 200,
        body: String::new(),
    }));
    let agent = app.agent(VERTEX).await;
    let created = post(
        app,
        &format!("/api/v2/dialog/{agent}/create?response=true"),
        Some(json!({ "variables": { "client": "Иван" } })),
    )
    .await;
    let created = created.ok(200);
    let request = app.http.requests().pop().unwrap();
    let body: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
    (
        created["dialogId"].as_i64().unwrap(),
        created["dialogUUID"].as_str().unwrap().to_owned(),
        body["token"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn a_custom_block_writes_and_completes() {
    let app = TestApp::new().await;
    let (id, uuid, token) = running(&app).await;
    let request = app.http.requests().pop().unwrap();
    assert_eq!(
        (request.method.as_str(), request.url.as_str()),
        ("POST", "https://blocks.example/check")
    );
    let context: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
    insta::assert_json_snapshot!("context", redact(context));

    let sent = vertex(
        &app,
        "/api/vertex/v1/dialog/send_message",
        json!({ "token": token, "text": "Ищу ваш заказ…", "typing": true }),
    )
    .await;
    insta::assert_json_snapshot!("send_message", sent.snap());
    let polled = app
        .get(
            &format!("/parley/v1/dialogs/{id}/messages?after=1"),
            &app.tokens.api,
        )
        .await;
    assert_eq!(polled.ok(200)["typing"], true);
    // The table's spelling of the method works too.
    let again = vertex(
        &app,
        "/api/vertex/v1/send_message",
        json!({ "token": token, "text": "Почти готово." }),
    )
    .await;
    assert_eq!(again.status, 200, "{:#}", again.body);
    assert_eq!(
        get(&app, &format!("/api/v2/conversation/{uuid}"))
            .await
            .body["status"],
        "in-process"
    );

    let done = vertex(
        &app,
        "/api/vertex/v1/complete",
        json!({ "token": token, "data": { "number": 7, "state": "shipped" } }),
    )
    .await;
    insta::assert_json_snapshot!("complete", done.snap());
    insta::assert_json_snapshot!("transcript", transcript(&app, id).await);
    let polled = app
        .get(
            &format!("/parley/v1/dialogs/{id}/messages?after=4"),
            &app.tokens.api,
        )
        .await;
    assert_eq!(polled.ok(200)["typing"], false);

    let spent_send = vertex(
        &app,
        "/api/vertex/v1/dialog/send_message",
        json!({ "token": token, "text": "late", "typing": false }),
    )
    .await;
    insta::assert_json_snapshot!("spent_send_message", spent_send.snap());
    let spent_complete = vertex(
        &app,
        "/api/vertex/v1/complete",
        json!({ "token": token, "data": null }),
    )
    .await;
    insta::assert_json_snapshot!("spent_complete", spent_complete.snap());
}

#[tokio::test]
async fn the_customer_may_write_while_the_block_runs() {
    let app = TestApp::new().await;
    let (id, _, token) = running(&app).await;
    let wrote = app
        .post(
            &format!("/parley/v1/dialogs/{id}/messages"),
            Some(&app.tokens.api),
            json!({ "text": "Жду" }),
        )
        .await;
    assert_eq!(wrote.status, 200, "{:#}", wrote.body);
    let done = vertex(
        &app,
        "/api/vertex/v1/complete",
        json!({ "token": token, "data": { "number": 1, "state": "lost" } }),
    )
    .await;
    assert_eq!(done.status, 204, "{:#}", done.body);
    insta::assert_json_snapshot!("customer_wrote_transcript", transcript(&app, id).await);
}

#[tokio::test]
async fn bad_and_expired_tokens_are_forbidden() {
    let app = TestApp::new().await;
    let (_, _, token) = running(&app).await;
    let garbage = vertex(
        &app,
        "/api/vertex/v1/complete",
        json!({ "token": "kmiJwgrcjadyqncipfxbmkreewcgqfgaogdwvcgxnjkhcrjmhurtwelwyl", "data": {} }),
    )
    .await;
    insta::assert_json_snapshot!("garbage_token", garbage.snap());
    // A user's access token is signed, but not for this.
    let access = vertex(
        &app,
        "/api/vertex/v1/dialog/send_message",
        json!({ "token": app.tokens.api, "text": "hi", "typing": false }),
    )
    .await;
    assert_eq!(access.status, 403, "{:#}", access.body);

    app.clock
        .advance(Duration::hours(24) + Duration::seconds(1));
    let expired = vertex(
        &app,
        "/api/vertex/v1/dialog/send_message",
        json!({ "token": token, "text": "too late", "typing": false }),
    )
    .await;
    insta::assert_json_snapshot!("expired_token", expired.snap());
}

#[tokio::test]
async fn malformed_requests_are_bad_requests() {
    let app = TestApp::new().await;
    let (_, _, token) = running(&app).await;
    let empty = app
        .call(
            Request::post("/api/vertex/v1/complete")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    insta::assert_json_snapshot!("complete_without_body", empty.snap());
    for (name, body) in [
        ("complete_without_token", json!({ "data": {} })),
        (
            "send_message_blank",
            json!({ "token": token, "text": "  ", "typing": true }),
        ),
        (
            "send_message_unknown_field",
            json!({ "token": token, "text": "hi", "typping": true }),
        ),
        (
            "send_message_typing_not_a_flag",
            json!({ "token": token, "text": "hi", "typing": "yes" }),
        ),
    ] {
        let path = if name.starts_with("complete") {
            "/api/vertex/v1/complete"
        } else {
            "/api/vertex/v1/dialog/send_message"
        };
        let reply = vertex(&app, path, body).await;
        insta::assert_json_snapshot!(name, reply.snap());
    }
}

#[tokio::test]
async fn an_unreachable_service_fails_the_dialog() {
    let app = TestApp::new().await;
    app.http.answer(Err("connection refused".into()));
    let agent = app.agent(VERTEX).await;
    let created = post(
        &app,
        &format!("/api/v2/dialog/{agent}/create?response=true"),
        None,
    )
    .await;
    let id = created.ok(200)["dialogId"].as_i64().unwrap();
    let details = app
        .get(&format!("/parley/v1/dialogs/{id}"), &app.tokens.api)
        .await;
    let details = details.ok(200);
    assert_eq!(details["dialog"]["status"], "failed");
    insta::assert_json_snapshot!("unreachable_transcript", transcript(&app, id).await);
    let request = app.http.requests().pop().unwrap();
    let body: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
    let dead = vertex(
        &app,
        "/api/vertex/v1/complete",
        json!({ "token": body["token"], "data": {} }),
    )
    .await;
    assert_eq!(dead.status, 403, "{:#}", dead.body);
}
