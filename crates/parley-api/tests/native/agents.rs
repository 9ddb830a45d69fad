//! Agents: creation from JSON and raw YAML, settings, scenario versions, invalid scenarios, roles.

use serde_json::json;

use crate::common::{SURVEY, TestApp};

const BROKEN: &str = r#"format: parley.scenario/v1
name: Broken
entry_points:
  main: greet
blocks:
  greet:
    id: 1
    say: Hello
    next: gret
  ask:
    id: 2
    ask: Well?
    nxt: greet
"#;

#[tokio::test]
async fn create_read_and_list_agents() {
    let app = TestApp::new().await;
    let admin = app.tokens.admin.clone();
    let created = app
        .post(
            "/parley/v1/agents",
            Some(&admin),
            json!({ "channel": "chat", "scenario": SURVEY }),
        )
        .await;
    insta::assert_json_snapshot!("create_json", created.snap());

    let yaml = app
        .send_raw(
            "POST",
            "/parley/v1/agents?channel=voice",
            Some(&admin),
            Some("application/yaml"),
            SURVEY,
        )
        .await;
    insta::assert_json_snapshot!("create_yaml", yaml.snap());

    let with_settings = app
        .post(
            "/parley/v1/agents",
            Some(&admin),
            json!({ "channel": "chat", "scenario": SURVEY, "settings": { "name": "Renamed", "timezone": "Asia/Yekaterinburg", "speed": 1.2 } }),
        )
        .await;
    let settings = &with_settings.ok(201)["settings"];
    assert_eq!(
        (settings["name"].as_str(), settings["timezone"].as_str()),
        (Some("Renamed"), Some("Asia/Yekaterinburg"))
    );
    assert_eq!(settings["speed"], json!(1.2));

    let by_id = app.get("/parley/v1/agents/1", &admin).await;
    insta::assert_json_snapshot!("get_by_id", by_id.snap());
    let uuid = created.body["uuid"].as_str().unwrap();
    let by_uuid = app.get(&format!("/parley/v1/agents/{uuid}"), &admin).await;
    assert_eq!(by_uuid.ok(200), by_id.ok(200));

    let list = app.get("/parley/v1/agents", &app.tokens.viewer).await;
    insta::assert_json_snapshot!("list", list.snap());
    let ids: Vec<i64> = list.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2, 3]);

    let scenario = app
        .get("/parley/v1/agents/1/scenario", &app.tokens.viewer)
        .await;
    assert_eq!(
        scenario.content_type.as_deref(),
        Some("application/yaml; charset=utf-8")
    );
    assert_eq!(scenario.body, json!(SURVEY));
}

#[tokio::test]
async fn settings_are_patched_partially() {
    let app = TestApp::new().await;
    let agent = app.agent(SURVEY).await;
    let path = format!("/parley/v1/agents/{agent}/settings");
    let admin = Some(app.tokens.admin.as_str());
    app.send_json(
        "PATCH",
        &path,
        admin,
        json!({ "pitch": 0.5, "emotion": "good" }),
    )
    .await
    .ok(200);
    app.clock.advance(chrono::Duration::minutes(5));
    let patched = app
        .send_json(
            "PATCH",
            &path,
            admin,
            json!({ "name": "Survey v2", "delay_seconds": 60, "recall_count": 3, "routing_channel_limit": 2,
                    "total_channel_limit": 20, "flag": "f1", "asr": "google", "tts": "oksana@yandex",
                    "speed": 1.5, "pitch": null, "record_storage_days": 7, "language": "en-US" }),
        )
        .await;
    insta::assert_json_snapshot!("patch_ok", patched.snap());

    let bad_zone = app
        .send_json("PATCH", &path, admin, json!({ "timezone": "Mars/Olympus" }))
        .await;
    insta::assert_json_snapshot!("patch_bad_timezone", bad_zone.snap());
    let rule = app
        .send_json(
            "PATCH",
            &path,
            admin,
            json!({ "total_channel_limit": 10_001 }),
        )
        .await;
    insta::assert_json_snapshot!("patch_breaks_rule", rule.snap());
    let typo = app
        .send_json("PATCH", &path, admin, json!({ "recal_count": 1 }))
        .await;
    insta::assert_json_snapshot!("patch_unknown_field", typo.snap());
    let wrong_type = app
        .send_json("PATCH", &path, admin, json!({ "delay_seconds": "soon" }))
        .await;
    insta::assert_json_snapshot!("patch_wrong_type", wrong_type.snap());
    let negative = app
        .send_json("PATCH", &path, admin, json!({ "total_channel_limit": -1 }))
        .await;
    insta::assert_json_snapshot!("patch_negative", negative.snap());

    let unchanged = app
        .get(&format!("/parley/v1/agents/{agent}"), &app.tokens.admin)
        .await;
    assert_eq!(
        unchanged.ok(200)["settings"],
        patched.body["settings"],
        "failed patches change nothing"
    );
}

#[tokio::test]
async fn scenario_versions_and_invalid_scenarios() {
    let app = TestApp::new().await;
    let admin = app.tokens.admin.clone();
    let agent = app.agent(SURVEY).await;
    let path = format!("/parley/v1/agents/{agent}/scenario");
    let v2 = SURVEY.replace("Two questions.", "Version two.");
    let put_yaml = app
        .send_raw("PUT", &path, Some(&admin), Some("text/yaml"), v2.clone())
        .await;
    assert_eq!(put_yaml.ok(200)["scenario_version"], json!(2));
    let put_json = app
        .send_json("PUT", &path, Some(&admin), json!({ "scenario": SURVEY }))
        .await;
    insta::assert_json_snapshot!("put_scenario_json", put_json.snap());
    assert_eq!(app.get(&path, &admin).await.body, json!(SURVEY));

    let invalid_put = app
        .send_raw("PUT", &path, Some(&admin), Some("application/yaml"), BROKEN)
        .await;
    insta::assert_json_snapshot!("put_invalid_scenario", invalid_put.snap());
    let invalid_create = app
        .post(
            "/parley/v1/agents",
            Some(&admin),
            json!({ "channel": "chat", "scenario": BROKEN }),
        )
        .await;
    assert_eq!(invalid_create.body, invalid_put.body);
    let not_yaml = app
        .send_raw(
            "POST",
            "/parley/v1/agents?channel=chat",
            Some(&admin),
            Some("application/yaml"),
            "a: [",
        )
        .await;
    insta::assert_json_snapshot!("create_yaml_syntax_error", not_yaml.snap());
    assert_eq!(
        app.get(&format!("/parley/v1/agents/{agent}"), &admin)
            .await
            .body["scenario_version"],
        json!(3)
    );
}

#[tokio::test]
async fn creation_input_errors() {
    let app = TestApp::new().await;
    let admin = Some(app.tokens.admin.as_str());
    let no_channel = app
        .send_raw(
            "POST",
            "/parley/v1/agents",
            admin,
            Some("application/yaml"),
            SURVEY,
        )
        .await;
    insta::assert_json_snapshot!("create_yaml_without_channel", no_channel.snap());
    let bad_channel = app
        .send_raw(
            "POST",
            "/parley/v1/agents?channel=fax",
            admin,
            Some("application/yaml"),
            SURVEY,
        )
        .await;
    insta::assert_json_snapshot!("create_bad_channel_query", bad_channel.snap());
    let bad_channel_json = app
        .post(
            "/parley/v1/agents",
            admin,
            json!({ "channel": "fax", "scenario": SURVEY }),
        )
        .await;
    insta::assert_json_snapshot!("create_bad_channel_json", bad_channel_json.snap());
    let no_scenario = app
        .post("/parley/v1/agents", admin, json!({ "channel": "chat" }))
        .await;
    insta::assert_json_snapshot!("create_missing_scenario", no_scenario.snap());
    let plain = app
        .send_raw(
            "POST",
            "/parley/v1/agents",
            admin,
            Some("text/plain"),
            SURVEY,
        )
        .await;
    insta::assert_json_snapshot!("create_text_plain", plain.snap());
    let bad_settings = app
        .post(
            "/parley/v1/agents",
            admin,
            json!({ "channel": "chat", "scenario": SURVEY, "settings": { "name": " " } }),
        )
        .await;
    insta::assert_json_snapshot!("create_blank_name", bad_settings.snap());
    let bad_id = app.get("/parley/v1/agents/abc", &app.tokens.admin).await;
    insta::assert_json_snapshot!("get_bad_id", bad_id.snap());
    let missing = app.get("/parley/v1/agents/999", &app.tokens.admin).await;
    insta::assert_json_snapshot!("get_missing", missing.snap());
    let missing_uuid = app
        .get(
            "/parley/v1/agents/0190f5c8-7d2a-7cc0-8a55-8f6f4a3b2c1d",
            &app.tokens.admin,
        )
        .await;
    assert_eq!(missing_uuid.status, 404);
}

#[tokio::test]
async fn only_writers_change_agents() {
    let app = TestApp::new().await;
    let agent = app.agent(SURVEY).await;
    let create = json!({ "channel": "chat", "scenario": SURVEY });
    let viewer = app
        .post(
            "/parley/v1/agents",
            Some(&app.tokens.viewer),
            create.clone(),
        )
        .await;
    insta::assert_json_snapshot!("viewer_cannot_create", viewer.snap());
    let operator = app
        .post(
            "/parley/v1/agents",
            Some(&app.tokens.operator),
            create.clone(),
        )
        .await;
    insta::assert_json_snapshot!("operator_cannot_create", operator.snap());
    let patch = app
        .send_json(
            "PATCH",
            &format!("/parley/v1/agents/{agent}/settings"),
            Some(&app.tokens.viewer),
            json!({ "flag": "x" }),
        )
        .await;
    assert_eq!(patch.status, 403);
    let put = app
        .send_json(
            "PUT",
            &format!("/parley/v1/agents/{agent}/scenario"),
            Some(&app.tokens.operator),
            json!({ "scenario": SURVEY }),
        )
        .await;
    assert_eq!(put.status, 403);
    app.post("/parley/v1/agents", Some(&app.tokens.api), create)
        .await
        .ok(201);
    app.get(
        &format!("/parley/v1/agents/{agent}/scenario"),
        &app.tokens.operator,
    )
    .await
    .ok(200);
}
