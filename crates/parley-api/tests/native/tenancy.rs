//! Tenant isolation: another company's agents and dialogs are 404, never data, and never listed.

use serde_json::json;

use crate::common::{SURVEY, TestApp};

#[tokio::test]
async fn other_companies_see_nothing() {
    let app = TestApp::new().await;
    let agent = app.agent(SURVEY).await;
    let started = app.dialog(agent, json!({})).await;
    let dialog = started["dialog"]["id"].as_i64().unwrap();
    let dialog_uuid = started["dialog"]["uuid"].as_str().unwrap().to_owned();
    let agent_uuid = app
        .get(&format!("/parley/v1/agents/{agent}"), &app.tokens.admin)
        .await
        .body["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = app.tokens.other.clone();

    let theirs = app.agent_as(&other, SURVEY).await;
    app.post(
        "/parley/v1/dialogs",
        Some(&other),
        json!({ "agent_id": theirs }),
    )
    .await
    .ok(201);

    let agent_by_id = app.get(&format!("/parley/v1/agents/{agent}"), &other).await;
    insta::assert_json_snapshot!("other_company_agent", agent_by_id.snap());
    for path in [
        format!("/parley/v1/agents/{agent_uuid}"),
        format!("/parley/v1/agents/{agent}/scenario"),
        format!("/parley/v1/dialogs/{dialog}"),
        format!("/parley/v1/dialogs/{dialog_uuid}"),
        format!("/parley/v1/dialogs/{dialog}/messages"),
    ] {
        assert_eq!(app.get(&path, &other).await.status, 404, "GET {path}");
    }
    let dialog_by_id = app
        .get(&format!("/parley/v1/dialogs/{dialog}"), &other)
        .await;
    insta::assert_json_snapshot!("other_company_dialog", dialog_by_id.snap());
    for (method, path, body) in [
        (
            "PATCH",
            format!("/parley/v1/agents/{agent}/settings"),
            json!({ "flag": "x" }),
        ),
        (
            "PUT",
            format!("/parley/v1/agents/{agent}/scenario"),
            json!({ "scenario": SURVEY }),
        ),
        (
            "POST",
            "/parley/v1/dialogs".to_owned(),
            json!({ "agent_id": agent }),
        ),
        (
            "POST",
            "/parley/v1/dialogs".to_owned(),
            json!({ "agent_id": agent_uuid }),
        ),
        (
            "POST",
            format!("/parley/v1/dialogs/{dialog}/messages"),
            json!({ "text": "hi" }),
        ),
        (
            "POST",
            format!("/parley/v1/dialogs/{dialog}/operator/take"),
            json!({}),
        ),
    ] {
        assert_eq!(
            app.send_json(method, &path, Some(&other), body)
                .await
                .status,
            404,
            "{method} {path}"
        );
    }

    let ids = |body: &serde_json::Value| -> Vec<i64> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(
        ids(&app.get("/parley/v1/agents", &app.tokens.admin).await.body),
        [agent]
    );
    assert_eq!(
        ids(&app.get("/parley/v1/agents", &other).await.body),
        [theirs]
    );
    let ours = app.get("/parley/v1/dialogs", &app.tokens.admin).await;
    assert_eq!(
        (ids(&ours.body), &ours.body["total"]),
        (vec![dialog], &json!(1))
    );
    assert_eq!(
        app.get(&format!("/parley/v1/dialogs?agent_id={agent}"), &other)
            .await
            .body["total"],
        json!(0)
    );
    let users: Vec<String> = app.get("/parley/v1/users", &other).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(users, ["admin@globex.test"]);

    let untouched = app
        .get(&format!("/parley/v1/dialogs/{dialog}"), &app.tokens.admin)
        .await;
    assert_eq!(
        untouched.ok(200)["messages"].as_array().unwrap().len(),
        2,
        "B's attempts wrote nothing"
    );
}
