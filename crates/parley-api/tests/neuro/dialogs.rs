//! Loading dialogs: one at a time into the agent's default campaign or a selection, in bulk
//! (202 at once, queued by the upload worker, per-row rejects), adding to a bulk, and the
//! errors (unknown or malformed bulks and tasks, another company's, viewers, bad rows, NUL
//! characters, which PostgreSQL could not record).

use serde_json::{Value, json};

use crate::common::TestApp;
use crate::support::{UNKNOWN, agent, agent_as, call, get, send, snap};

/// `POST /dialog/dialog-initial?{query}` as company A's admin.
async fn initial(app: &TestApp, query: &str, body: Value) -> crate::common::Reply {
    send(
        app,
        "POST",
        &format!("/dialog/dialog-initial?{query}"),
        body,
    )
    .await
}

/// `POST /dialog/dialogs-group-initial?{query}` as company A's admin.
async fn group(app: &TestApp, query: &str, body: Value) -> crate::common::Reply {
    send(
        app,
        "POST",
        &format!("/dialog/dialogs-group-initial?{query}"),
        body,
    )
    .await
}

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn one_dialog_goes_into_the_default_campaign_or_a_selection() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let query = format!("agent_uuid={uuid}");
    let first = initial(
        &app,
        &query,
        json!({ "msisdn": "+79991231212", "script_name": "main_script", "client_name": "John" }),
    )
    .await;
    insta::assert_json_snapshot!("initial", snap(&first));
    // Older clients: `phone`, numbers as numbers, an entry point.
    let older = initial(
        &app,
        &query,
        json!({ "phone": 79991231213_u64, "script": "outgoing_call", "age": 42,
                "script_entry_point": "straight" }),
    )
    .await;
    older.ok(200);
    let queued = get(&app, &format!("/queue/dialog?{query}")).await;
    assert_eq!(
        queued.ok(200)["total_count"],
        json!(2),
        "one default campaign"
    );
    let none = get(&app, &format!("/selection?{query}")).await;
    assert_eq!(
        none.ok(200),
        &json!([]),
        "the default campaign is no selection"
    );

    let spring = format!("{query}&with_selection=true&selection_name=Spring");
    for n in 0..2 {
        let reply = initial(&app, &spring, json!({ "msisdn": format!("7999000000{n}") })).await;
        reply.ok(200);
    }
    let api = initial(
        &app,
        &format!("{query}&with_selection=true"),
        json!({ "msisdn": "79990000009" }),
    )
    .await;
    api.ok(200);
    let selections = get(&app, &format!("/selection?{query}")).await;
    insta::assert_json_snapshot!("initial_selections", snap(&selections), {
        "[].started_on" => "[date]"
    });
    let names: Vec<(String, u64)> = selections
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (text(s, "name"), s["dialogs_count"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(names, [("Spring".to_owned(), 2), ("API".to_owned(), 1)]);
}

#[tokio::test]
async fn one_dialog_errors() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let query = format!("agent_uuid={uuid}");
    let no_number = initial(&app, &query, json!({ "name": "x" })).await;
    insta::assert_json_snapshot!("initial_no_number", snap(&no_number));
    let no_body = call(
        &app,
        "POST",
        &format!("/dialog/dialog-initial?{query}"),
        Some(&app.tokens.admin),
        None,
    )
    .await;
    assert_eq!(no_body.status, 400);
    let bad_number = initial(&app, &query, json!({ "msisdn": "12ab" })).await;
    insta::assert_json_snapshot!("initial_bad_number", snap(&bad_number));
    let bad_entry = initial(
        &app,
        &query,
        json!({ "msisdn": "79991231212", "script_entry_point": "nowhere" }),
    )
    .await;
    insta::assert_json_snapshot!("initial_bad_entry", snap(&bad_entry));
    let no_agent = initial(&app, "", json!({ "msisdn": "79991231212" })).await;
    insta::assert_json_snapshot!("initial_no_agent", snap(&no_agent));
    let unknown_agent = initial(
        &app,
        &format!("agent_uuid={UNKNOWN}"),
        json!({ "msisdn": "79991231212" }),
    )
    .await;
    insta::assert_json_snapshot!("initial_unknown_agent", snap(&unknown_agent));
    let viewer = call(
        &app,
        "POST",
        &format!("/dialog/dialog-initial?{query}"),
        Some(&app.tokens.viewer),
        Some(json!({ "msisdn": "79991231212" })),
    )
    .await;
    insta::assert_json_snapshot!("initial_viewer", snap(&viewer));
    let queued = get(&app, &format!("/queue/dialog?{query}")).await;
    assert_eq!(
        queued.ok(200)["total_count"],
        json!(0),
        "nothing was queued"
    );
}

#[tokio::test]
async fn a_group_is_accepted_at_once_and_queued_row_by_row() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let query = format!("agent_uuid={uuid}");
    let rows = json!([
        { "msisdn": "+7 (999) 123-12-12", "script_name": "main_script", "client_name": "Ann" },
        { "msisdn": 79991231213_u64, "client_name": "Bob", "age": 42 },
        { "msisdn": "12ab", "client_name": "Bad" },
        { "phone": "79991231214", "script_entry_point": "nowhere" },
        { "phone": 89991231215_u64, "script_entry_point": "straight" },
        { "client_name": "no number" }
    ]);
    let accepted = group(&app, &query, rows).await;
    insta::assert_json_snapshot!("group_accepted", snap(&accepted));
    let task = text(&accepted.body, "task_uuid");
    let bulk = text(&accepted.body, "bulk_uuid");
    let status_path = format!("/dialog/dialogs-group-initial-status?task_uuid={task}");
    let result_path = format!("/dialog/dialogs-group-initial-result?task_uuid={task}");
    let pending = get(&app, &status_path).await;
    insta::assert_json_snapshot!("group_pending", snap(&pending));
    assert_eq!(get(&app, &result_path).await.ok(200), &json!([]));

    app.services.campaigns.process_uploads().await.unwrap();
    let done = get(&app, &status_path).await;
    insta::assert_json_snapshot!("group_done", snap(&done));
    let result = get(&app, &result_path).await;
    insta::assert_json_snapshot!("group_result", snap(&result));
    let statuses: Vec<bool> = result
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_bool().unwrap_or_default())
        .collect();
    assert_eq!(statuses, [true, true, false, false, true, false]);

    // Adding to the bulk keeps its UUID.
    let more = group(
        &app,
        &format!("{query}&bulk_uuid={bulk}"),
        json!([{ "msisdn": "79991231216" }]),
    )
    .await;
    assert_eq!(more.ok(202)["bulk_uuid"], json!(bulk));
    assert_ne!(more.body["task_uuid"], json!(task));
    let one = initial(
        &app,
        &format!("bulk_uuid={bulk}"),
        json!({ "msisdn": "79991231217" }),
    )
    .await;
    one.ok(200);
    app.services.campaigns.process_uploads().await.unwrap();
    let in_bulk = get(&app, &format!("/queue/dialog?{query}&bulk_uuid={bulk}")).await;
    assert_eq!(in_bulk.ok(200)["total_count"], json!(5));

    // Without a bulk, every group is a new campaign; with a selection, a named selection.
    let other = group(&app, &query, json!([{ "msisdn": "79991231218" }])).await;
    assert_ne!(other.ok(202)["bulk_uuid"], json!(bulk));
    let selection = group(
        &app,
        &format!("{query}&with_selection=true&selection_name=Autumn"),
        json!([{ "msisdn": "79991231219" }, { "msisdn": "79991231220" }]),
    )
    .await;
    let selection_bulk = text(selection.ok(202), "bulk_uuid");
    app.services.campaigns.process_uploads().await.unwrap();
    let selections = get(&app, "/selection").await;
    let listed = &selections.ok(200)[0];
    assert_eq!(
        (
            text(listed, "uuid"),
            text(listed, "name"),
            &listed["dialogs_count"]
        ),
        (selection_bulk, "Autumn".to_owned(), &json!(2))
    );
}

#[tokio::test]
async fn a_big_group_is_accepted_fast() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let rows: Vec<Value> = (0..100_000_u64)
        .map(|n| json!({ "msisdn": 79_000_000_000_u64 + n, "client_name": format!("Client {n}") }))
        .collect();
    let started = std::time::Instant::now();
    let accepted = group(&app, &format!("agent_uuid={uuid}"), Value::Array(rows)).await;
    let took = started.elapsed();
    accepted.ok(202);
    assert!(took.as_secs() < 10, "100,000 rows took {took:?}");
    let task = text(&accepted.body, "task_uuid");
    let status = get(
        &app,
        &format!("/dialog/dialogs-group-initial-status?task_uuid={task}"),
    )
    .await;
    insta::assert_json_snapshot!("group_big_pending", snap(&status));
}

#[tokio::test]
async fn group_errors_and_other_companies() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let query = format!("agent_uuid={uuid}");
    let rows = json!([{ "msisdn": "79991231212" }]);
    let unknown = group(&app, &format!("{query}&bulk_uuid={UNKNOWN}"), rows.clone()).await;
    insta::assert_json_snapshot!("group_unknown_bulk", snap(&unknown));
    let malformed = group(&app, &format!("{query}&bulk_uuid=not-a-uuid"), rows.clone()).await;
    insta::assert_json_snapshot!("group_malformed_bulk", snap(&malformed));
    let unknown_one = initial(
        &app,
        &format!("{query}&bulk_uuid={UNKNOWN}"),
        json!({ "msisdn": "79991231212" }),
    )
    .await;
    assert_eq!(unknown_one.status, 409);
    let not_array = group(&app, &query, json!("79991231212")).await;
    insta::assert_json_snapshot!("group_not_array", snap(&not_array));
    let not_objects = group(&app, &query, json!([{ "msisdn": "1" }, 79991231212_u64])).await;
    insta::assert_json_snapshot!("group_row_not_object", snap(&not_objects));
    let empty = group(&app, &query, json!([])).await;
    insta::assert_json_snapshot!("group_empty", snap(&empty));
    let viewer = call(
        &app,
        "POST",
        &format!("/dialog/dialogs-group-initial?{query}"),
        Some(&app.tokens.viewer),
        Some(rows.clone()),
    )
    .await;
    insta::assert_json_snapshot!("group_viewer", snap(&viewer));
    let task_unknown = get(
        &app,
        &format!("/dialog/dialogs-group-initial-status?task_uuid={UNKNOWN}"),
    )
    .await;
    insta::assert_json_snapshot!("group_task_unknown", snap(&task_unknown));
    let task_malformed = get(&app, "/dialog/dialogs-group-initial-result?task_uuid=x").await;
    insta::assert_json_snapshot!("group_task_malformed", snap(&task_malformed));

    // Company B's bulk and task are unknown to company A, and its agent too.
    let other_agent = agent_as(&app, &app.tokens.other.clone()).await;
    let theirs = call(
        &app,
        "POST",
        &format!("/dialog/dialogs-group-initial?agent_uuid={other_agent}"),
        Some(&app.tokens.other),
        Some(rows.clone()),
    )
    .await;
    let (their_bulk, their_task) = (
        text(theirs.ok(202), "bulk_uuid"),
        text(&theirs.body, "task_uuid"),
    );
    let into_theirs = group(
        &app,
        &format!("{query}&bulk_uuid={their_bulk}"),
        rows.clone(),
    )
    .await;
    assert_eq!(into_theirs.status, 409);
    assert_eq!(
        snap(&into_theirs),
        snap(&unknown),
        "another company's bulk is just unknown"
    );
    let their_status = get(
        &app,
        &format!("/dialog/dialogs-group-initial-status?task_uuid={their_task}"),
    )
    .await;
    assert_eq!(snap(&their_status), snap(&task_unknown));
    let their_result = get(
        &app,
        &format!("/dialog/dialogs-group-initial-result?task_uuid={their_task}"),
    )
    .await;
    assert_eq!(their_result.status, 409);
    let their_agent = group(&app, &format!("agent_uuid={other_agent}"), rows.clone()).await;
    insta::assert_json_snapshot!("group_their_agent", snap(&their_agent));

    // A bulk belongs to one agent.
    let mine = group(&app, &query, rows.clone()).await;
    let my_bulk = text(mine.ok(202), "bulk_uuid");
    let second = agent(&app).await;
    let crossed = group(
        &app,
        &format!("agent_uuid={second}&bulk_uuid={my_bulk}"),
        rows,
    )
    .await;
    insta::assert_json_snapshot!("group_other_agents_bulk", snap(&crossed));
}

#[tokio::test]
async fn dialogs_with_nul_characters_are_refused_not_queued() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let query = format!("agent_uuid={uuid}");
    let in_value = initial(
        &app,
        &query,
        json!({ "msisdn": "79991231212", "name": "An\u{0}na" }),
    )
    .await;
    insta::assert_json_snapshot!("initial_nul", snap(&in_value));
    for body in [
        json!({ "msisdn": "79991231212", "na\u{0}me": "Anna" }),
        json!({ "msisdn": "79991231212", "items": [{ "name": "\u{0}" }] }),
    ] {
        let reply = initial(&app, &query, body.clone()).await;
        assert_eq!(snap(&reply), snap(&in_value), "{body}");
    }
    let in_group = group(
        &app,
        &query,
        json!([{ "msisdn": "79991231212" }, { "msisdn": "79991231213", "name": "\u{0}" }]),
    )
    .await;
    insta::assert_json_snapshot!("group_nul", snap(&in_group));
    let queue = get(&app, &format!("/queue/dialog?{query}")).await;
    assert_eq!(queue.ok(200)["total_count"], json!(0));
}
