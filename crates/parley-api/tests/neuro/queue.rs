//! The queue: dialog and call lists with `total_count` and pagination, and stop, return and
//! remove with their real effect on what the dialer claims.

use serde_json::{Value, json};

use crate::common::TestApp;
use crate::support::{UNKNOWN, agent, agent_as, call, get, send, snap};

/// Queues `count` dialogs for `agent` one by one; returns their UUIDs.
async fn queue_dialogs(app: &TestApp, agent: &str, count: u64) -> Vec<String> {
    let mut uuids = Vec::new();
    for n in 0..count {
        let reply = send(
            app,
            "POST",
            &format!("/dialog/dialog-initial?agent_uuid={agent}"),
            json!({ "msisdn": format!("7999123{n:04}"), "client_name": format!("Client {n}") }),
        )
        .await;
        let uuid = reply.ok(200)["dialog_uuid"].as_str().unwrap_or_default();
        uuids.push(uuid.to_owned());
    }
    uuids
}

/// `POST /queue/{action}?{query}` as `token`, with no body.
async fn act(app: &TestApp, action: &str, query: &str, token: &str) -> crate::common::Reply {
    call(
        app,
        "POST",
        &format!("/queue/{action}?{query}"),
        Some(token),
        None,
    )
    .await
}

fn results(reply: &crate::common::Reply) -> Vec<(String, String)> {
    reply.body["data"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (
                d["uuid"].as_str().unwrap_or_default().to_owned(),
                d["result"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn dialogs_are_listed_by_page() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let dialogs = queue_dialogs(&app, &uuid, 3).await;
    let first = get(
        &app,
        &format!("/queue/dialog?agent_uuid={uuid}&limit=2&offset=0"),
    )
    .await;
    insta::assert_json_snapshot!("dialogs_page_1", snap(&first));
    let second = get(
        &app,
        &format!("/queue/dialog?agent_uuid={uuid}&limit=2&offset=2"),
    )
    .await;
    insta::assert_json_snapshot!("dialogs_page_2", snap(&second));
    let mut listed: Vec<String> = results(&first).into_iter().map(|(u, _)| u).collect();
    listed.extend(results(&second).into_iter().map(|(u, _)| u));
    assert_eq!(listed, dialogs, "queue order, every dialog once");
    let calls = get(&app, &format!("/queue/call?agent_uuid={uuid}")).await;
    insta::assert_json_snapshot!("calls_none_yet", snap(&calls));

    let bad_limit = get(&app, &format!("/queue/dialog?agent_uuid={uuid}&limit=x")).await;
    insta::assert_json_snapshot!("dialogs_bad_limit", snap(&bad_limit));
    let big_limit = get(&app, &format!("/queue/call?agent_uuid={uuid}&limit=5000")).await;
    insta::assert_json_snapshot!("calls_big_limit", snap(&big_limit));
    let no_agent = get(&app, "/queue/dialog").await;
    insta::assert_json_snapshot!("dialogs_no_agent", snap(&no_agent));
    let unknown_bulk = get(
        &app,
        &format!("/queue/dialog?agent_uuid={uuid}&bulk_uuid={UNKNOWN}"),
    )
    .await;
    insta::assert_json_snapshot!("dialogs_unknown_bulk", snap(&unknown_bulk));
}

#[tokio::test]
async fn remove_takes_waiting_dialogs_out() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let dialogs = queue_dialogs(&app, &uuid, 3).await;
    let admin = app.tokens.admin.clone();
    let one = act(
        &app,
        "remove",
        &format!("agent_uuid={uuid}&dialog_uuid={}", dialogs[1]),
        &admin,
    )
    .await;
    insta::assert_json_snapshot!("remove_one", snap(&one));
    let listed = get(&app, &format!("/queue/dialog?agent_uuid={uuid}")).await;
    let states: Vec<String> = results(&listed).into_iter().map(|(_, r)| r).collect();
    assert_eq!(states, ["waiting", "removed", "waiting"]);

    let with_body = send(
        &app,
        "POST",
        &format!("/queue/remove?agent_uuid={uuid}"),
        json!({}),
    )
    .await;
    assert_eq!(with_body.ok(200), &Value::Null);
    let listed = get(&app, &format!("/queue/dialog?agent_uuid={uuid}")).await;
    insta::assert_json_snapshot!("remove_all", snap(&listed));

    let unknown_dialog = act(
        &app,
        "remove",
        &format!("agent_uuid={uuid}&dialog_uuid={UNKNOWN}"),
        &admin,
    )
    .await;
    insta::assert_json_snapshot!("remove_unknown_dialog", snap(&unknown_dialog));
}

#[tokio::test]
async fn queue_controls_check_role_and_company() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let dialogs = queue_dialogs(&app, &uuid, 1).await;
    let query = format!("agent_uuid={uuid}");
    for action in ["stop", "return", "remove"] {
        let viewer = act(&app, action, &query, &app.tokens.viewer.clone()).await;
        insta::assert_json_snapshot!(format!("{action}_viewer"), snap(&viewer));
        let unknown = act(
            &app,
            action,
            &format!("agent_uuid={UNKNOWN}"),
            &app.tokens.admin.clone(),
        )
        .await;
        insta::assert_json_snapshot!(format!("{action}_unknown_agent"), snap(&unknown));
    }
    // Company B cannot see, stop or remove company A's queue.
    let other = app.tokens.other.clone();
    let _their_agent = agent_as(&app, &other).await;
    let listed = call(
        &app,
        "GET",
        &format!("/queue/dialog?{query}"),
        Some(&other),
        None,
    )
    .await;
    assert_eq!(listed.status, 409);
    let removed = act(
        &app,
        "remove",
        &format!("{query}&dialog_uuid={}", dialogs[0]),
        &other,
    )
    .await;
    assert_eq!(removed.status, 409);
    let stopped = act(&app, "stop", &query, &other).await;
    assert_eq!(stopped.status, 409);
    let still = get(&app, &format!("/queue/dialog?{query}")).await;
    assert_eq!(results(&still)[0].1, "waiting");
}
