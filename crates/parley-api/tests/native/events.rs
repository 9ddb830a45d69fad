//! What a customer waits for: long-poll on the messages and the dialog's event stream, both
//! woken by the change that writes a message (an operator's here), not by a timer.

#![expect(
    clippy::unwrap_used,
    reason = "in tests a failed unwrap is a failed test"
)]

use std::time::Duration;

use axum::body::Body;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tower::ServiceExt;

use crate::common::{HANDOFF, TestApp, redact, request};

/// How long a test waits for a reply that should come at once (far below the long-poll's wait).
const PROMPTLY: Duration = Duration::from_secs(10);

/// Server-sent events of a whole response body as `{event, id, data}` objects.
fn parse_events(text: &str) -> Vec<Value> {
    text.split("\n\n")
        .filter(|block| !block.trim().is_empty() && !block.starts_with(':'))
        .map(|block| {
            let mut event = json!({});
            for line in block.lines() {
                if let Some((key, value)) = line.split_once(':') {
                    let value = value.trim_start();
                    event[key] = match key {
                        "data" => redact(serde_json::from_str(value).unwrap()),
                        _ => json!(value),
                    };
                }
            }
            event
        })
        .collect()
}

/// `GET path` with a bearer token, in a task of its own; yields the status and the JSON body.
fn spawn_get(app: &TestApp, path: String, token: String) -> JoinHandle<(u16, Value)> {
    let router = app.app.clone();
    tokio::spawn(async move {
        let response = router
            .oneshot(
                request("GET", &path, Some(&token))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap())
    })
}

/// A HANDOFF dialog (waiting for an operator); returns its id and its last message's id.
async fn waiting_for_operator(app: &TestApp) -> (i64, i64) {
    let agent = app.agent(HANDOFF).await;
    let started = app.dialog(agent, json!({})).await;
    let id = started["dialog"]["id"].as_i64().unwrap();
    let last = started["messages"].as_array().unwrap().last().unwrap()["id"]
        .as_i64()
        .unwrap();
    (id, last)
}

/// The operator takes the dialog and writes `text`.
async fn operator_writes(app: &TestApp, id: i64, text: &str) {
    let token = app.tokens.operator.clone();
    let take = app
        .post(
            &format!("/parley/v1/dialogs/{id}/operator/take"),
            Some(&token),
            json!({}),
        )
        .await;
    take.ok(200);
    let wrote = app
        .post(
            &format!("/parley/v1/dialogs/{id}/operator/messages"),
            Some(&token),
            json!({ "text": text }),
        )
        .await;
    wrote.ok(200);
}

#[tokio::test]
async fn long_poll_answers_when_a_message_arrives() {
    let app = TestApp::new().await;
    let (id, _) = waiting_for_operator(&app).await;
    let token = app.tokens.operator.clone();
    let take = app
        .post(
            &format!("/parley/v1/dialogs/{id}/operator/take"),
            Some(&token),
            json!({}),
        )
        .await;
    let last = take.ok(200)["messages"].as_array().unwrap().last().unwrap()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/parley/v1/dialogs/{id}/messages?after={last}");

    let now = app.get(&path, &app.tokens.api).await;
    insta::assert_json_snapshot!("poll_nothing_yet", now.snap());

    // The poll waits (or, if it starts late, finds the message at once): one message either way.
    let waiting = spawn_get(&app, format!("{path}&wait=25"), app.tokens.api.clone());
    let wrote = app
        .post(
            &format!("/parley/v1/dialogs/{id}/operator/messages"),
            Some(&token),
            json!({ "text": "Здравствуйте, я Мария." }),
        )
        .await;
    wrote.ok(200);
    let (status, body) = tokio::time::timeout(PROMPTLY, waiting)
        .await
        .expect("the long-poll answered when the message arrived")
        .unwrap();
    insta::assert_json_snapshot!(
        "poll_woken",
        json!({ "status": status, "body": redact(body) })
    );
}

#[tokio::test]
async fn long_poll_ends_empty_after_the_wait_or_at_once_for_an_ended_dialog() {
    let app = TestApp::new().await;
    let (id, last) = waiting_for_operator(&app).await;
    let path = format!("/parley/v1/dialogs/{id}/messages?after={last}");
    let quiet = app.get(&format!("{path}&wait=1"), &app.tokens.api).await;
    insta::assert_json_snapshot!("poll_timed_out", quiet.snap());

    // Waits beyond the cap are cut, not refused; an ended dialog answers at once.
    let token = app.tokens.operator.clone();
    for step in ["take", "release"] {
        let reply = app
            .post(
                &format!("/parley/v1/dialogs/{id}/operator/{step}"),
                Some(&token),
                json!({}),
            )
            .await;
        reply.ok(200);
    }
    let answered = app
        .post(
            &format!("/parley/v1/dialogs/{id}/messages"),
            Some(&app.tokens.api),
            json!({ "text": "no" }),
        )
        .await;
    assert_eq!(answered.ok(200)["dialog"]["status"], "ended");
    let all = format!("/parley/v1/dialogs/{id}/messages?after=1000&wait=3600");
    let ended = tokio::time::timeout(PROMPTLY, app.get(&all, &app.tokens.api))
        .await
        .expect("an ended dialog answers at once");
    insta::assert_json_snapshot!("poll_ended", ended.snap());

    let bad = app.get(&format!("{path}&wait=soon"), &app.tokens.api).await;
    insta::assert_json_snapshot!("poll_bad_wait", bad.snap());
    let other = app.get(&format!("{path}&wait=1"), &app.tokens.other).await;
    insta::assert_json_snapshot!("poll_other_company", other.snap());
}

#[tokio::test]
async fn the_event_stream_replays_then_follows_until_the_end() {
    let app = TestApp::new().await;
    let (id, _) = waiting_for_operator(&app).await;
    let response = app
        .app
        .clone()
        .oneshot(
            request(
                "GET",
                &format!("/parley/v1/dialogs/{id}/events"),
                Some(&app.tokens.api),
            )
            .body(Body::empty())
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    // The stream watches from here on: everything below reaches it, and the end closes it.
    operator_writes(&app, id, "Чем помочь?").await;
    let released = app
        .post(
            &format!("/parley/v1/dialogs/{id}/operator/release"),
            Some(&app.tokens.operator),
            json!({}),
        )
        .await;
    released.ok(200);
    let answered = app
        .post(
            &format!("/parley/v1/dialogs/{id}/messages"),
            Some(&app.tokens.api),
            json!({ "text": "Ничего, спасибо" }),
        )
        .await;
    answered.ok(200);
    let body = tokio::time::timeout(PROMPTLY, response.into_body().collect())
        .await
        .expect("the stream ends with the dialog")
        .unwrap()
        .to_bytes();
    let events = parse_events(std::str::from_utf8(&body).unwrap());
    insta::assert_json_snapshot!("stream", events);
}

#[tokio::test]
async fn the_event_stream_resumes_after_the_last_event_id_and_checks_its_input() {
    let app = TestApp::new().await;
    let (id, last) = waiting_for_operator(&app).await;
    let path = format!("/parley/v1/dialogs/{id}/events");
    // Ended at once after the backlog: the dialog is over.
    let token = app.tokens.operator.clone();
    for step in ["take", "release"] {
        let reply = app
            .post(
                &format!("/parley/v1/dialogs/{id}/operator/{step}"),
                Some(&token),
                json!({}),
            )
            .await;
        reply.ok(200);
    }
    app.post(
        &format!("/parley/v1/dialogs/{id}/messages"),
        Some(&app.tokens.api),
        json!({ "text": "нет" }),
    )
    .await
    .ok(200);
    let resumed = app
        .call(
            request("GET", &path, Some(&app.tokens.api))
                .header("Last-Event-ID", last.to_string())
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let text = resumed.body.as_str().unwrap();
    insta::assert_json_snapshot!("stream_resumed", parse_events(text));

    let bad = app
        .call(
            request("GET", &path, Some(&app.tokens.api))
                .header("Last-Event-ID", "yesterday")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    insta::assert_json_snapshot!("stream_bad_last_event_id", bad.snap());
    let missing = app
        .get("/parley/v1/dialogs/999/events", &app.tokens.api)
        .await;
    insta::assert_json_snapshot!("stream_unknown_dialog", missing.snap());
    let other = app.get(&path, &app.tokens.other).await;
    insta::assert_json_snapshot!("stream_other_company", other.snap());
    let anonymous = app
        .call(request("GET", &path, None).body(Body::empty()).unwrap())
        .await;
    assert_eq!(anonymous.status, 401);
}
