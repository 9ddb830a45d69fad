//! Creating dialogs: without starting (GET, v1 and v2) and with starting (POST, query or body).

use serde_json::json;

use crate::common::{SURVEY, TestApp};
use crate::support::{get, post, transcript};

#[tokio::test]
async fn created_dialogs_wait_for_the_first_message() {
    let app = TestApp::new().await;
    let agent = app.agent(SURVEY).await;
    let v1 = get(
        &app,
        &format!("/api/v1/dialog/{agent}/create?variables=%7B%22client_name%22:%22Dasha%22%7D"),
    )
    .await;
    insta::assert_json_snapshot!("create_v1", v1.snap());
    let v2 = get(&app, &format!("/api/v2/dialog/{agent}/create")).await;
    v2.ok(200);
    let uuid = v1.body["dialogId"].as_str().unwrap().to_owned();
    let conversation = get(&app, &format!("/api/v2/conversation/{uuid}")).await;
    insta::assert_json_snapshot!("created_not_started", conversation.snap());
    assert_eq!(transcript(&app, 1).await, Vec::<String>::new());
    let reply = app
        .post(
            "/parley/v1/dialogs/1/messages",
            Some(&app.tokens.admin),
            json!({ "text": "4" }),
        )
        .await;
    reply.ok(200);
    assert_eq!(
        transcript(&app, 1).await,
        [
            "bot: Hi Dasha!",
            "bot: Rate us from 1 to 5",
            "customer: 4",
            "bot: What is your name?"
        ]
    );
    // An explicit start runs the scenario's start on the other one.
    let v2_uuid = v2.body["dialogId"].as_str().unwrap();
    let start = post(&app, &format!("/api/v2/conversation/{v2_uuid}/start"), None).await;
    assert_eq!(start.status, 204);
    assert_eq!(
        transcript(&app, 2).await,
        ["bot: Hi there!", "bot: Rate us from 1 to 5"]
    );
}

#[tokio::test]
async fn create_and_start_reads_query_or_body() {
    let app = TestApp::new().await;
    let agent = app.agent(SURVEY).await;
    let path = format!("/api/v2/dialog/{agent}/create");
    let query = post(
        &app,
        &format!("{path}?variables=%7B%22client_name%22:%22Dasha%22%7D&response=true"),
        None,
    )
    .await;
    insta::assert_json_snapshot!("start_query", query.snap());
    assert_eq!(transcript(&app, 1).await[0], "bot: Hi Dasha!");
    let string = post(
        &app,
        &path,
        Some(json!({ "response": true, "variables": "{ \"client_name\": \"User\" }" })),
    )
    .await;
    string.ok(200);
    assert_eq!(transcript(&app, 2).await[0], "bot: Hi User!");
    let object = post(
        &app,
        &format!("{path}?variables=%7B%7D"),
        Some(json!({ "variables": { "client_name": "Obj" } })),
    )
    .await;
    insta::assert_json_snapshot!("start_no_response", object.snap());
    assert_eq!(transcript(&app, 3).await[0], "bot: Hi Obj!");
}

#[tokio::test]
async fn bad_input_creates_nothing() {
    let app = TestApp::new().await;
    let agent = app.agent(SURVEY).await;
    let path = format!("/api/v2/dialog/{agent}/create");
    for (name, method, uri, body) in [
        (
            "malformed_variables_query",
            "GET",
            format!("{path}?variables=%7Bnope"),
            None,
        ),
        (
            "array_variables_query",
            "POST",
            format!("{path}?variables=%5B1%5D"),
            None,
        ),
        (
            "malformed_variables_body",
            "POST",
            path.clone(),
            Some(json!({ "variables": "{nope" })),
        ),
        (
            "number_variables_body",
            "POST",
            path.clone(),
            Some(json!({ "variables": 5 })),
        ),
        (
            "bad_response_flag",
            "POST",
            format!("{path}?response=maybe"),
            None,
        ),
        (
            "unknown_body_field",
            "POST",
            path.clone(),
            Some(json!({ "vars": {} })),
        ),
        (
            "unknown_query_parameter",
            "GET",
            format!("{path}?name=x"),
            None,
        ),
        (
            "text_bot_id",
            "POST",
            "/api/v2/dialog/abc/create".to_owned(),
            None,
        ),
        (
            "unknown_bot",
            "POST",
            "/api/v2/dialog/999/create".to_owned(),
            None,
        ),
        (
            "unknown_bot_get",
            "GET",
            "/api/v1/dialog/999/create".to_owned(),
            None,
        ),
    ] {
        let reply =
            crate::support::call(&app, method, &uri, Some(crate::support::ADMIN), body).await;
        insta::assert_json_snapshot!(name, reply.snap());
    }
    let list = get(&app, "/api/v2/conversations").await;
    assert_eq!(list.ok(200)["meta"]["pagination"]["total"], 0);
}
