//! Dialogs: a full chat conversation, polling, details, listing with filters, webhooks, errors.

use axum::body::Body;
use parley_domain::ports::OutboundResponse;
use serde_json::json;

use crate::common::{SURVEY, TestApp, WEBHOOK, request};

#[tokio::test]
async fn a_full_chat_dialog() {
    let app = TestApp::new().await;
    let agent = app.agent(SURVEY).await;
    let admin = app.tokens.admin.clone();
    let started = app
        .call(
            request("POST", "/parley/v1/dialogs", Some(&admin))
                .header("content-type", "application/json")
                .header("x-forwarded-for", "203.0.113.7, 10.0.0.1")
                .body(Body::from(
                    json!({ "agent_id": agent, "variables": { "client_name": "Ann" }, "source": "web", "location": "Berlin" }).to_string(),
                ))
                .unwrap(),
        )
        .await;
    insta::assert_json_snapshot!("start", started.snap());
    let dialog = started.body["dialog"]["id"].as_i64().unwrap();
    let messages = format!("/parley/v1/dialogs/{dialog}/messages");

    app.clock.advance(chrono::Duration::seconds(30));
    let pressed = app
        .post(&messages, Some(&admin), json!({ "button": "5" }))
        .await;
    insta::assert_json_snapshot!("press_button", pressed.snap());
    app.clock.advance(chrono::Duration::seconds(30));
    let typed = app
        .post(&messages, Some(&admin), json!({ "text": "Ann Smith" }))
        .await;
    insta::assert_json_snapshot!("type_text", typed.snap());

    let after = pressed.body["messages"][0]["id"].as_i64().unwrap();
    let polled = app
        .get(&format!("{messages}?after={after}"), &app.tokens.viewer)
        .await;
    insta::assert_json_snapshot!("messages_after", polled.snap());
    let texts: Vec<&str> = polled.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["What is your name?", "Ann Smith", "Thanks, Ann Smith."]
    );
    let all = app.get(&messages, &app.tokens.viewer).await;
    assert_eq!(all.ok(200)["items"].as_array().unwrap().len(), 6);

    let details = app
        .get(&format!("/parley/v1/dialogs/{dialog}"), &app.tokens.viewer)
        .await;
    insta::assert_json_snapshot!("details", details.snap());
    let uuid = details.body["dialog"]["uuid"].as_str().unwrap();
    let by_uuid = app
        .get(&format!("/parley/v1/dialogs/{uuid}"), &app.tokens.viewer)
        .await;
    assert_eq!(by_uuid.ok(200), details.ok(200));

    let ended = app
        .post(&messages, Some(&admin), json!({ "text": "hello?" }))
        .await;
    insta::assert_json_snapshot!("send_to_ended", ended.snap());
}

#[tokio::test]
async fn start_and_send_errors() {
    let app = TestApp::new().await;
    let agent = app.agent(SURVEY).await;
    let lookup = app.agent(WEBHOOK).await;
    let admin = Some(app.tokens.admin.as_str());
    let entry = app
        .post(
            "/parley/v1/dialogs",
            admin,
            json!({ "agent_id": agent, "entry": "nowhere" }),
        )
        .await;
    insta::assert_json_snapshot!("unknown_entry", entry.snap());
    let required = app
        .post("/parley/v1/dialogs", admin, json!({ "agent_id": lookup }))
        .await;
    insta::assert_json_snapshot!("missing_required_input", required.snap());
    let no_agent = app
        .post("/parley/v1/dialogs", admin, json!({ "agent_id": 77 }))
        .await;
    insta::assert_json_snapshot!("unknown_agent", no_agent.snap());
    let bad_ref = app
        .post("/parley/v1/dialogs", admin, json!({ "agent_id": true }))
        .await;
    insta::assert_json_snapshot!("agent_id_wrong_type", bad_ref.snap());
    let variables = app
        .post(
            "/parley/v1/dialogs",
            admin,
            json!({ "agent_id": agent, "variables": [1, 2] }),
        )
        .await;
    insta::assert_json_snapshot!("variables_not_an_object", variables.snap());
    let viewer = app
        .post(
            "/parley/v1/dialogs",
            Some(&app.tokens.viewer),
            json!({ "agent_id": agent }),
        )
        .await;
    insta::assert_json_snapshot!("viewer_cannot_start", viewer.snap());

    let started = app
        .post(
            "/parley/v1/dialogs",
            admin,
            json!({ "agent_id": agent, "entry": "straight" }),
        )
        .await;
    assert_eq!(
        started.ok(201)["messages"][0]["text"],
        json!("What is your name?")
    );
    let messages = format!(
        "/parley/v1/dialogs/{}/messages",
        started.body["dialog"]["id"]
    );
    let both = app
        .post(&messages, admin, json!({ "text": "a", "button": "b" }))
        .await;
    insta::assert_json_snapshot!("text_and_button", both.snap());
    let neither = app.post(&messages, admin, json!({})).await;
    assert_eq!(neither.body, both.body);
    let blank = app.post(&messages, admin, json!({ "text": "   " })).await;
    insta::assert_json_snapshot!("blank_text", blank.snap());
    let long = app
        .post(&messages, admin, json!({ "text": "x".repeat(4097) }))
        .await;
    insta::assert_json_snapshot!("long_text", long.snap());
    let viewer_send = app
        .post(&messages, Some(&app.tokens.viewer), json!({ "text": "hi" }))
        .await;
    assert_eq!(viewer_send.status, 403);
    let missing = app
        .post(
            "/parley/v1/dialogs/4242/messages",
            admin,
            json!({ "text": "hi" }),
        )
        .await;
    insta::assert_json_snapshot!("send_to_missing", missing.snap());
    let bad_after = app
        .get(&format!("{messages}?after=first"), &app.tokens.admin)
        .await;
    insta::assert_json_snapshot!("messages_bad_after", bad_after.snap());
}

#[tokio::test]
async fn listing_filters_and_pages() {
    let app = TestApp::new().await;
    let survey = app.agent(SURVEY).await;
    let other = app.agent(SURVEY).await;
    for _ in 0..3 {
        app.dialog(survey, json!({})).await;
        app.clock.advance(chrono::Duration::minutes(10));
    }
    let last = app.dialog(other, json!({})).await;
    let id = last["dialog"]["id"].as_i64().unwrap();
    app.clock.advance(chrono::Duration::minutes(5));
    app.post(
        &format!("/parley/v1/dialogs/{id}/messages"),
        Some(&app.tokens.admin),
        json!({ "text": "1" }),
    )
    .await
    .ok(200);

    let viewer = app.tokens.viewer.clone();
    let page = app
        .get("/parley/v1/dialogs?limit=2&offset=1", &viewer)
        .await;
    insta::assert_json_snapshot!("list_page", page.snap());
    let ids = |reply: &crate::common::Reply| -> Vec<i64> {
        reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(
        ids(&app.get("/parley/v1/dialogs", &viewer).await),
        [4, 3, 2, 1]
    );
    assert_eq!(
        ids(&app
            .get(&format!("/parley/v1/dialogs?agent_id={other}"), &viewer)
            .await),
        [4]
    );
    assert_eq!(
        ids(&app
            .get(
                "/parley/v1/dialogs?status=active&created_to=2025-03-14T09:10:00Z",
                &viewer
            )
            .await),
        [2, 1]
    );
    assert_eq!(ids(&app.get("/parley/v1/dialogs?created_from=2025-03-14T09:10:00Z&updated_to=2025-03-14T09:25:00Z", &viewer).await), [3, 2]);
    assert_eq!(
        ids(&app
            .get(
                "/parley/v1/dialogs?updated_from=2025-03-14T09:32:00Z",
                &viewer
            )
            .await),
        [4]
    );
    assert_eq!(
        app.get("/parley/v1/dialogs?status=ended", &viewer)
            .await
            .body["total"],
        json!(0)
    );

    let bad_limit = app.get("/parley/v1/dialogs?limit=0", &viewer).await;
    insta::assert_json_snapshot!("list_limit_zero", bad_limit.snap());
    let huge = app.get("/parley/v1/dialogs?limit=5000", &viewer).await;
    assert_eq!(huge.status, 400);
    let wrong_type = app.get("/parley/v1/dialogs?limit=ten", &viewer).await;
    insta::assert_json_snapshot!("list_limit_wrong_type", wrong_type.snap());
    let bad_status = app.get("/parley/v1/dialogs?status=sleeping", &viewer).await;
    insta::assert_json_snapshot!("list_bad_status", bad_status.snap());
    let bad_date = app
        .get("/parley/v1/dialogs?created_from=yesterday", &viewer)
        .await;
    insta::assert_json_snapshot!("list_bad_date", bad_date.snap());
    let unknown = app.get("/parley/v1/dialogs?agent=1", &viewer).await;
    insta::assert_json_snapshot!("list_unknown_parameter", unknown.snap());
}

#[tokio::test]
async fn webhook_blocks_call_out() {
    let app = TestApp::new().await;
    let agent = app.agent(WEBHOOK).await;
    app.http.answer(Ok(OutboundResponse {
        status: 200,
        body: json!({ "data": { "name": "Ann" } }).to_string(),
    }));
    let found = app.dialog(agent, json!({ "phone": "+7 916 123" })).await;
    insta::assert_json_snapshot!("webhook_ok", crate::common::redact(found.clone()));
    let requests = app.http.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].url.as_str()),
        ("GET", "https://crm.example/clients?phone=%2B7%20916%20123")
    );
    assert_eq!(requests[0].timeout, std::time::Duration::from_secs(2));

    app.http.answer(Err("timed out after 2000 ms".into()));
    let failed = app.dialog(agent, json!({ "phone": "1" })).await;
    let texts: Vec<&str> = failed["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Lookup failed: timed out after 2000 ms"]);
    assert_eq!(failed["dialog"]["result"], json!("looked_up"));
}

/// A scenario whose script never ends and one whose blocks jump in a circle: each dialog stops
/// with a clear error, keeps every message of earlier turns, and answers later messages with 409.
#[tokio::test]
async fn runaway_scripts_and_goto_cycles_fail_the_dialog_without_losing_it() {
    let app = TestApp::new().await;
    let spinning = app
        .agent(
            r#"format: parley.scenario/v1
name: Spinner
entry_points: { main: hello }
blocks:
  hello: { id: 1, ask: "Your name?", var: name, next: spin }
  spin:
    id: 2
    set:
      n: { expr: "let n = 0; loop { n += 1; }" }
    next: bye
  bye: { id: 3, say: "never said" }
"#,
        )
        .await;
    let started = app.dialog(spinning, json!({})).await;
    let id = started["dialog"]["id"].as_i64().unwrap();
    let path = format!("/parley/v1/dialogs/{id}/messages");
    let turn = app
        .post(&path, Some(&app.tokens.admin), json!({"text": "Ann"}))
        .await;
    let turn = turn.ok(200);
    assert_eq!(turn["dialog"]["status"], "failed");
    let error = turn["dialog"]["error"].as_str().unwrap();
    assert!(
        error.contains("spin") && error.contains("100000 operations"),
        "{error}"
    );

    let later = app
        .post(&path, Some(&app.tokens.admin), json!({"text": "hello?"}))
        .await;
    assert_eq!(later.status, 409);
    let kept = app
        .get(&format!("/parley/v1/dialogs/{id}"), &app.tokens.admin)
        .await;
    let said = crate::common::texts(kept.ok(200));
    assert_eq!(said[..2], ["bot: Your name?", "customer: Ann"]);
    assert!(
        said[2].starts_with("system: The bot stopped because of a scenario error"),
        "{said:?}"
    );
    assert_eq!(said.len(), 3);

    let circling = app
        .agent(
            r#"format: parley.scenario/v1
name: Circle
entry_points: { main: a }
blocks:
  a: { id: 1, goto: b }
  b: { id: 2, goto: a }
"#,
        )
        .await;
    let started = app.dialog(circling, json!({})).await;
    assert_eq!(started["dialog"]["status"], "failed");
    assert!(
        started["dialog"]["error"]
            .as_str()
            .unwrap()
            .contains("1000"),
        "{started}"
    );
}

/// Two nodes on one database take turns of the same dialog: each node's remembered copy goes
/// stale when the other saves, and the turn is redone from the database instead of failing.
#[tokio::test]
async fn turns_alternating_between_two_nodes_see_each_others_answers() {
    let first = TestApp::new().await;
    let second = first.second_node().await;
    let agent = first
        .agent(
            r#"format: parley.scenario/v1
name: Three questions
entry_points: { main: name }
blocks:
  name: { id: 1, ask: "Name?", var: name, next: city }
  city: { id: 2, ask: "City?", var: city, next: pet }
  pet: { id: 3, ask: "Pet?", var: pet, next: done }
  done: { id: 4, say: "{{ name }} from {{ city }} with a {{ pet }}.", next: bye }
  bye: { id: 5, end: done }
"#,
        )
        .await;
    let id = first.dialog(agent, json!({})).await["dialog"]["id"]
        .as_i64()
        .unwrap();
    let path = format!("/parley/v1/dialogs/{id}/messages");
    let token = first.tokens.admin.clone();
    let said = |reply: &crate::common::Reply| crate::common::texts(reply.ok(200));

    let turn = first
        .post(&path, Some(&token), json!({"text": "Ann"}))
        .await;
    assert_eq!(said(&turn), ["customer: Ann", "bot: City?"]);
    let turn = second
        .post(&path, Some(&token), json!({"text": "Perm"}))
        .await;
    assert_eq!(said(&turn), ["customer: Perm", "bot: Pet?"]);
    // The first node still remembers the dialog as it was after "Ann".
    let turn = first
        .post(&path, Some(&token), json!({"text": "cat"}))
        .await;
    assert_eq!(
        said(&turn),
        ["customer: cat", "bot: Ann from Perm with a cat."]
    );
    assert_eq!(turn.body["dialog"]["status"], "ended");
    assert_eq!(turn.body["dialog"]["version"], 4);
}
