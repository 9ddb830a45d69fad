//! Operator handoff: take, write, release; the bot is silent while an operator holds the dialog.

use serde_json::json;

use crate::common::{HANDOFF, SURVEY, TestApp, texts};

#[tokio::test]
async fn take_write_and_release() {
    let app = TestApp::new().await;
    let agent = app.agent(SURVEY).await;
    let started = app.dialog(agent, json!({})).await;
    let dialog = started["dialog"]["id"].as_i64().unwrap();
    let base = format!("/parley/v1/dialogs/{dialog}");
    let operator = Some(app.tokens.operator.as_str());

    let early = app
        .post(
            &format!("{base}/operator/messages"),
            operator,
            json!({ "text": "Hi" }),
        )
        .await;
    insta::assert_json_snapshot!("message_before_take", early.snap());
    let early_release = app
        .post(&format!("{base}/operator/release"), operator, json!({}))
        .await;
    assert_eq!(early_release.status, 409);

    let taken = app
        .post(&format!("{base}/operator/take"), operator, json!({}))
        .await;
    insta::assert_json_snapshot!("take", taken.snap());
    let customer = app
        .post(
            &format!("{base}/messages"),
            Some(&app.tokens.admin),
            json!({ "text": "3" }),
        )
        .await;
    assert_eq!(
        texts(customer.ok(200)),
        ["customer: 3"],
        "the bot stays silent while held"
    );
    assert_eq!(customer.body["dialog"]["status"], json!("operator"));
    let wrote = app
        .post(
            &format!("{base}/operator/messages"),
            operator,
            json!({ "text": "Hello, I am Olga." }),
        )
        .await;
    insta::assert_json_snapshot!("operator_message", wrote.snap());
    let blank = app
        .post(
            &format!("{base}/operator/messages"),
            operator,
            json!({ "text": "" }),
        )
        .await;
    assert_eq!(blank.status, 400);
    let stolen = app
        .post(
            &format!("{base}/operator/take"),
            Some(&app.tokens.admin),
            json!({}),
        )
        .await;
    insta::assert_json_snapshot!("take_held_by_another", stolen.snap());

    let released = app
        .post(&format!("{base}/operator/release"), operator, json!({}))
        .await;
    insta::assert_json_snapshot!("release", released.snap());
    let answered = app
        .post(
            &format!("{base}/messages"),
            Some(&app.tokens.admin),
            json!({ "text": "4" }),
        )
        .await;
    assert_eq!(
        texts(answered.ok(200)),
        ["customer: 4", "bot: What is your name?"],
        "the bot answers again"
    );
}

#[tokio::test]
async fn a_transfer_waits_for_an_operator() {
    let app = TestApp::new().await;
    let agent = app.agent(HANDOFF).await;
    let started = app.dialog(agent, json!({})).await;
    assert_eq!(
        texts(&started),
        [
            "bot: Hello, connecting you to a person.",
            "system: Waiting for an operator: wants a human"
        ]
    );
    assert_eq!(started["dialog"]["status"], json!("operator"));
    let base = format!("/parley/v1/dialogs/{}", started["dialog"]["id"]);
    let waiting = app
        .post(
            &format!("{base}/messages"),
            Some(&app.tokens.admin),
            json!({ "text": "hello?" }),
        )
        .await;
    assert_eq!(texts(waiting.ok(200)), ["customer: hello?"]);
    let operator = Some(app.tokens.operator.as_str());
    app.post(&format!("{base}/operator/take"), operator, json!({}))
        .await
        .ok(200);
    app.post(
        &format!("{base}/operator/messages"),
        operator,
        json!({ "text": "Done, bye" }),
    )
    .await
    .ok(200);
    let released = app
        .post(&format!("{base}/operator/release"), operator, json!({}))
        .await;
    assert_eq!(
        texts(released.ok(200)),
        [
            "system: The operator handed the conversation back to the bot.",
            "bot: Anything else?"
        ]
    );
    let details = app.get(&base, &app.tokens.viewer).await;
    insta::assert_json_snapshot!("handoff_transcript", texts(details.ok(200)));
}

#[tokio::test]
async fn only_operators_and_above_operate() {
    let app = TestApp::new().await;
    let agent = app.agent(SURVEY).await;
    let started = app.dialog(agent, json!({})).await;
    let base = format!("/parley/v1/dialogs/{}", started["dialog"]["id"]);
    let viewer = app
        .post(
            &format!("{base}/operator/take"),
            Some(&app.tokens.viewer),
            json!({}),
        )
        .await;
    insta::assert_json_snapshot!("viewer_cannot_take", viewer.snap());
    let viewer_message = app
        .post(
            &format!("{base}/operator/messages"),
            Some(&app.tokens.viewer),
            json!({ "text": "x" }),
        )
        .await;
    assert_eq!(viewer_message.status, 403);
    let viewer_release = app
        .post(
            &format!("{base}/operator/release"),
            Some(&app.tokens.viewer),
            json!({}),
        )
        .await;
    assert_eq!(viewer_release.status, 403);
    app.post(
        &format!("{base}/operator/take"),
        Some(&app.tokens.api),
        json!({}),
    )
    .await
    .ok(200);
    let missing = app
        .post(
            "/parley/v1/dialogs/999/operator/take",
            Some(&app.tokens.operator),
            json!({}),
        )
        .await;
    assert_eq!(missing.status, 404);
}
