//! Initial and output entities: list, create (201), change (200, whole object), delete (204),
//! bulk add with names skipped, and bulk delete in both of the document's forms.

#![expect(
    clippy::unwrap_used,
    reason = "in tests a failed unwrap is a failed test"
)]

use serde_json::{Value, json};

use crate::common::TestApp;
use crate::support::{UNKNOWN, agent, agent_as, call, get, send, snap};

fn uuid_of(body: &Value, key: &str) -> String {
    body[key].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn initial_entities_one_by_one() {
    let app = TestApp::new().await;
    let agent = agent(&app).await;
    let path = format!("/initial-entity?agent_uuid={agent}");
    let listed = get(&app, &path).await;
    insta::assert_json_snapshot!("initial_listed", snap(&listed));

    let created = send(
        &app,
        "POST",
        &path,
        json!({ "name": "debt", "synthesis": true }),
    )
    .await;
    insta::assert_json_snapshot!("initial_created", snap(&created));
    assert_eq!(created.body["agent_uuid"], json!(agent));
    let uuid = uuid_of(&created.body, "initial_entity_uuid");

    let duplicate = send(&app, "POST", &path, json!({ "name": "debt" })).await;
    insta::assert_json_snapshot!("initial_duplicate", snap(&duplicate));

    let changed = send(
        &app,
        "PUT",
        "/initial-entity",
        json!({ "initial_entity_uuid": uuid, "name": "debt_sum", "synthesis": "false" }),
    )
    .await;
    insta::assert_json_snapshot!("initial_changed", snap(&changed));
    let renamed_only = send(
        &app,
        "PUT",
        "/initial-entity",
        json!({ "initial_entity_uuid": uuid, "name": "debt" }),
    )
    .await;
    assert_eq!(renamed_only.ok(200)["synthesis"], json!(false));

    let deleted = send(
        &app,
        "DELETE",
        "/initial-entity",
        json!({ "initial_entity_uuid": uuid }),
    )
    .await;
    insta::assert_json_snapshot!("initial_deleted", snap(&deleted));
    let again = send(
        &app,
        "DELETE",
        "/initial-entity",
        json!({ "initial_entity_uuid": uuid }),
    )
    .await;
    insta::assert_json_snapshot!("initial_deleted_again", snap(&again));
    let unknown = send(
        &app,
        "PUT",
        "/initial-entity",
        json!({ "initial_entity_uuid": UNKNOWN, "name": "x" }),
    )
    .await;
    assert_eq!(unknown.status, 409);
    let malformed = send(
        &app,
        "DELETE",
        "/initial-entity",
        json!({ "initial_entity_uuid": "123" }),
    )
    .await;
    insta::assert_json_snapshot!("initial_delete_malformed", snap(&malformed));
    let no_name = send(&app, "POST", &path, json!({ "synthesis": true })).await;
    insta::assert_json_snapshot!("initial_no_name", snap(&no_name));
}

#[tokio::test]
async fn initial_entities_in_bulk() {
    let app = TestApp::new().await;
    let agent = agent(&app).await;
    let bulk = format!("/initial-entity/bulk?agent_uuid={agent}");
    let added = send(
        &app,
        "POST",
        &bulk,
        json!({ "entities": [
            { "name": "client_name", "synthesis": true },
            { "name": "debt", "synthesis": true },
            { "name": "due_date" },
        ] }),
    )
    .await;
    insta::assert_json_snapshot!("initial_bulk_added", snap(&added));
    let one_object = send(
        &app,
        "POST",
        &bulk,
        json!({ "entities": { "name": "city", "synthesis": "true" } }),
    )
    .await;
    assert_eq!(
        one_object.ok(200)["added_entities"][0]["name"],
        json!("city")
    );

    let debt = uuid_of(&added.body["added_entities"][0], "initial_entity_uuid");
    let due = uuid_of(&added.body["added_entities"][1], "initial_entity_uuid");
    let deleted = send(
        &app,
        "POST",
        "/initial-entity/bulk-delete",
        json!({ "initial_entities_uuid": [debt, UNKNOWN] }),
    )
    .await;
    insta::assert_json_snapshot!("initial_bulk_deleted", snap(&deleted));
    let by_bulk_path = send(&app, "POST", &bulk, json!({ "initial_entities_uuid": due })).await;
    assert_eq!(
        by_bulk_path.ok(200)["deleted_entities"][0]["name"],
        json!("due_date")
    );
    assert_eq!(by_bulk_path.body["skipped"], json!([]));

    let neither = send(&app, "POST", &bulk, json!({})).await;
    insta::assert_json_snapshot!("initial_bulk_neither", snap(&neither));
    let no_agent = send(
        &app,
        "POST",
        "/initial-entity/bulk",
        json!({ "entities": [{ "name": "a" }] }),
    )
    .await;
    insta::assert_json_snapshot!("initial_bulk_no_agent", snap(&no_agent));
    let names = get(&app, &format!("/initial-entity?agent_uuid={agent}")).await;
    let names: Vec<_> = names.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("client_name"), json!("city")]);
}

#[tokio::test]
async fn output_entities_one_by_one() {
    let app = TestApp::new().await;
    let agent = agent(&app).await;
    let path = format!("/output-entity?agent_uuid={agent}");
    let listed = get(&app, &path).await;
    insta::assert_json_snapshot!("output_listed", snap(&listed));

    let created = send(
        &app,
        "POST",
        &path,
        json!({ "name": "result", "entity_type": "string", "number_cell": "2" }),
    )
    .await;
    insta::assert_json_snapshot!("output_created", snap(&created));
    let uuid = uuid_of(&created.body, "output_entity_uuid");
    let plain = send(&app, "POST", &path, json!({ "name": "comment" })).await;
    assert_eq!(plain.ok(201)["entity_type"], json!("string"));

    let changed = send(
        &app,
        "PUT",
        "/output-entity",
        json!({ "output_entity_uuid": uuid, "name": "call_date", "entity_type": "datetime" }),
    )
    .await;
    insta::assert_json_snapshot!("output_changed", snap(&changed));
    let underscore = send(
        &app,
        "PUT",
        "/output_entity",
        json!({ "output_entity_uuid": uuid, "number_cell": 9 }),
    )
    .await;
    assert_eq!(underscore.ok(200)["number_cell"], json!(9));
    assert_eq!(underscore.body["name"], json!("call_date"));

    let bad_type = send(
        &app,
        "POST",
        &path,
        json!({ "name": "x", "entity_type": "blob" }),
    )
    .await;
    insta::assert_json_snapshot!("output_bad_type", snap(&bad_type));
    let deleted = send(
        &app,
        "DELETE",
        "/output-entity",
        json!({ "output_entity_uuid": uuid }),
    )
    .await;
    assert_eq!(deleted.status, 204);
    let again = send(
        &app,
        "DELETE",
        "/output-entity",
        json!({ "output_entity_uuid": uuid }),
    )
    .await;
    insta::assert_json_snapshot!("output_deleted_again", snap(&again));
}

#[tokio::test]
async fn output_entities_in_bulk() {
    let app = TestApp::new().await;
    let agent = agent(&app).await;
    let bulk = format!("/output-entity/bulk?agent_uuid={agent}");
    let added = send(
        &app,
        "POST",
        &bulk,
        json!({ "entities": [
            { "name": "rating", "entity_type": "number" },
            { "name": "result", "entity_type": "string", "number_cell": 3 },
        ] }),
    )
    .await;
    insta::assert_json_snapshot!("output_bulk_added", snap(&added));
    let result = uuid_of(&added.body["added_entities"][0], "output_entity_uuid");

    let elsewhere = agent_as(&app, &app.tokens.admin.clone()).await;
    let wrong_agent = send(
        &app,
        "POST",
        &format!("/output-entity/bulk?agent_uuid={elsewhere}"),
        json!({ "output_entities_uuid": [result] }),
    )
    .await;
    assert_eq!(wrong_agent.ok(200)["skipped"], json!([result]));

    let deleted = send(
        &app,
        "POST",
        &bulk,
        json!({ "output_entities_uuid": [result, UNKNOWN] }),
    )
    .await;
    insta::assert_json_snapshot!("output_bulk_deleted", snap(&deleted));
    let both = send(
        &app,
        "POST",
        &bulk,
        json!({ "entities": [{ "name": "a" }], "output_entities_uuid": [UNKNOWN] }),
    )
    .await;
    insta::assert_json_snapshot!("output_bulk_both", snap(&both));
    let via_delete_path = send(
        &app,
        "POST",
        "/output-entity/bulk-delete",
        json!({ "output_entities_uuid": UNKNOWN }),
    )
    .await;
    assert_eq!(via_delete_path.ok(200)["skipped"], json!([UNKNOWN]));
}

#[tokio::test]
async fn entity_roles_and_tenancy() {
    let app = TestApp::new().await;
    let agent = agent(&app).await;
    let path = format!("/output-entity?agent_uuid={agent}");
    let created = send(&app, "POST", &path, json!({ "name": "result" })).await;
    let uuid = uuid_of(created.ok(201), "output_entity_uuid");
    for (method, path, body) in [
        ("POST", path.clone(), json!({ "name": "x" })),
        (
            "PUT",
            "/output-entity".to_owned(),
            json!({ "output_entity_uuid": uuid, "name": "x" }),
        ),
        (
            "DELETE",
            "/output-entity".to_owned(),
            json!({ "output_entity_uuid": uuid }),
        ),
        (
            "POST",
            format!("/output-entity/bulk?agent_uuid={agent}"),
            json!({ "entities": [{ "name": "x" }] }),
        ),
        (
            "POST",
            format!("/initial-entity?agent_uuid={agent}"),
            json!({ "name": "x" }),
        ),
        (
            "POST",
            "/initial-entity/bulk-delete".to_owned(),
            json!({ "initial_entities_uuid": [UNKNOWN] }),
        ),
    ] {
        let reply = call(&app, method, &path, Some(&app.tokens.viewer), Some(body)).await;
        assert_eq!(reply.status, 403, "{method} {path}");
        insta::assert_json_snapshot!("entity_viewer", snap(&reply));
    }
    call(&app, "GET", &path, Some(&app.tokens.viewer), None)
        .await
        .ok(200);

    let foreign_list = call(&app, "GET", &path, Some(&app.tokens.other), None).await;
    insta::assert_json_snapshot!("entity_foreign_list", snap(&foreign_list));
    let foreign_put = call(
        &app,
        "PUT",
        "/output-entity",
        Some(&app.tokens.other),
        Some(json!({ "output_entity_uuid": uuid, "name": "stolen" })),
    )
    .await;
    assert_eq!(foreign_put.status, 409);
    let foreign_bulk = call(
        &app,
        "POST",
        "/output-entity/bulk-delete",
        Some(&app.tokens.other),
        Some(json!({ "output_entities_uuid": [uuid] })),
    )
    .await;
    assert_eq!(foreign_bulk.ok(200)["skipped"], json!([uuid]));
    let left = get(&app, &path).await;
    assert!(
        left.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == json!("result")),
        "{}",
        left.body
    );
}
