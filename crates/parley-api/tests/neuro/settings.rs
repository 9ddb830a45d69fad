//! `company-agents`, `agent-settings/general` GET and PUT with the values clients send, and the
//! agent keys.

use parley_domain::agent::Credential;
use parley_domain::ids::{Ref, Uuid};
use serde_json::json;

use crate::common::TestApp;
use crate::support::{UNKNOWN, agent, agent_as, call, get, principal, send, snap};

#[tokio::test]
async fn company_agents_lists_only_the_callers_company() {
    let app = TestApp::new().await;
    let mine = agent(&app).await;
    let theirs = agent_as(&app, &app.tokens.other.clone()).await;
    let reply = get(
        &app,
        "/company-agents?company_uuid=64274e19-256f-43cd-866d-bf6baa481d57",
    )
    .await;
    insta::assert_json_snapshot!("company_agents", snap(&reply));
    assert_eq!(reply.body[0]["agent_uuid"], json!(mine));
    let other = call(
        &app,
        "GET",
        "/company-agents",
        Some(&app.tokens.other),
        None,
    )
    .await;
    assert_eq!(
        other.ok(200),
        &json!([{ "agent_uuid": theirs, "name": "Mini survey" }])
    );
    let viewer = call(
        &app,
        "GET",
        "/company-agents",
        Some(&app.tokens.viewer),
        None,
    )
    .await;
    assert_eq!(viewer.ok(200), &reply.body);
}

#[tokio::test]
async fn general_settings_read_with_documented_keys() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let reply = get(&app, &format!("/agent-settings/general?agent_uuid={uuid}")).await;
    insta::assert_json_snapshot!("general_get", snap(&reply));
    let allowed = [
        "agent_uuid",
        "name",
        "description",
        "delay",
        "recall_count",
        "trunk_name",
        "flag",
        "record_path",
        "routing_channel_limit",
        "total_channel_limit",
        "pool_name",
        "language",
        "asr",
        "tts",
        "speed",
        "pitch",
        "emotion",
        "record_storage_time",
        "timezone",
    ];
    for key in reply.body.as_object().unwrap().keys() {
        assert!(allowed.contains(&key.as_str()), "unexpected key {key}");
    }
    let viewer = call(
        &app,
        "GET",
        &format!("/agent-settings/general?agent_uuid={uuid}"),
        Some(&app.tokens.viewer),
        None,
    )
    .await;
    viewer.ok(200);
}

#[tokio::test]
async fn general_settings_take_strings_numbers_nulls_and_echo_them() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let path = format!("/agent-settings/general?agent_uuid={uuid}");
    let as_strings = send(
        &app,
        "PUT",
        &path,
        json!({
            "delay": "00:05:00",
            "recall_count": "1",
            "flag": "fl\tag",
            "company_uuid": "64274e19-256f-43cd-866d-bf6baa481d57",
            "routing_channel_limit": "3",
            "total_channel_limit": 20,
            "language": "en-US",
            "asr": "google",
            "tts": "oksana@yandex",
            "speed": null,
            "description": null,
        }),
    )
    .await;
    insta::assert_json_snapshot!("general_put_strings", snap(&as_strings));

    let hh_mm = send(
        &app,
        "PUT",
        &path,
        json!({ "delay": "01:30", "recall_count": 2, "name": "N\tm", "speed": "1.25",
                "timezone": "Asia/Yekaterinburg" }),
    )
    .await;
    insta::assert_json_snapshot!("general_put_hh_mm", snap(&hh_mm));

    let long = "x".repeat(129);
    let long_name = send(&app, "PUT", &path, json!({ "name": long, "flag": long })).await;
    assert_eq!(long_name.ok(200)["name"], json!(long));
    assert_eq!(long_name.body["flag"], json!(long));

    let read = get(&app, &path).await;
    assert_eq!(read.ok(200)["delay"], json!("01:30"));
    assert_eq!(read.body["recall_count"], json!(2));
    assert_eq!(read.body["asr"], json!("google"));

    let empty = send(&app, "PUT", &path, json!({})).await;
    assert_eq!(empty.ok(200)["tts"], json!("oksana@yandex"));
}

#[tokio::test]
async fn general_settings_errors() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let path = format!("/agent-settings/general?agent_uuid={uuid}");
    let cases = [
        ("bad_number", json!({ "recall_count": "many" })),
        ("bad_delay", json!({ "delay": "5 minutes" })),
        ("bad_timezone", json!({ "timezone": "Mars/Olympus" })),
        (
            "too_many_channels",
            json!({ "total_channel_limit": 10_001 }),
        ),
    ];
    for (name, body) in cases {
        let reply = send(&app, "PUT", &path, body).await;
        insta::assert_json_snapshot!(format!("general_put_{name}"), snap(&reply));
    }
    let viewer = call(
        &app,
        "PUT",
        &path,
        Some(&app.tokens.viewer),
        Some(json!({"flag": "f"})),
    )
    .await;
    insta::assert_json_snapshot!("general_put_viewer", snap(&viewer));
    let operator = call(
        &app,
        "PUT",
        &path,
        Some(&app.tokens.operator),
        Some(json!({})),
    )
    .await;
    assert_eq!(operator.status, 403);
    call(&app, "PUT", &path, Some(&app.tokens.api), Some(json!({})))
        .await
        .ok(200);

    let unknown = get(
        &app,
        &format!("/agent-settings/general?agent_uuid={UNKNOWN}"),
    )
    .await;
    insta::assert_json_snapshot!("general_unknown_agent", snap(&unknown));
    let malformed = get(&app, "/agent-settings/general?agent_uuid=not-a-uuid").await;
    insta::assert_json_snapshot!("general_malformed_agent", snap(&malformed));
    let missing = get(&app, "/agent-settings/general").await;
    insta::assert_json_snapshot!("general_missing_agent", snap(&missing));
    let foreign = call(&app, "GET", &path, Some(&app.tokens.other), None).await;
    assert_eq!(
        (foreign.status, &foreign.body),
        (
            unknown.status,
            &json!({ "message": format!("agent {uuid} not found") })
        )
    );
}

#[tokio::test]
async fn keys_are_listed_by_type_and_changed() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let admin = principal(&app, &app.tokens.admin);
    let agent_ref = Ref::Uuid(Uuid::parse_str(&uuid).unwrap());
    for (name, platform, key_type) in [("g", "google", "asr"), ("y", "yandex", "tts")] {
        let key = Credential {
            uuid: Uuid::nil(),
            name: name.into(),
            platform: platform.into(),
            key_type: key_type.into(),
            value: format!("secret-{name}"),
        };
        app.services
            .agents
            .add_credential(&admin, agent_ref, &key)
            .await
            .unwrap();
    }
    let all = get(
        &app,
        &format!("/agent-settings/credentials?agent_uuid={uuid}"),
    )
    .await;
    insta::assert_json_snapshot!("keys_all", snap(&all));
    let asr = get(
        &app,
        &format!("/agent-settings/credentials?agent_uuid={uuid}&key_type=asr"),
    )
    .await;
    insta::assert_json_snapshot!("keys_asr", snap(&asr));

    let key = asr.body["data"][0]["uuid"].as_str().unwrap().to_owned();
    let changed = send(
        &app,
        "PUT",
        &format!("/agent-settings/credentials/{key}"),
        json!({ "uuid": key, "name": "google main", "agent_uuid": uuid, "value": "new-secret" }),
    )
    .await;
    insta::assert_json_snapshot!("keys_put", snap(&changed));
    let by_body = send(
        &app,
        "PUT",
        "/agent-settings/credentials",
        json!({ "uuid": key, "platform": "google-v2" }),
    )
    .await;
    assert_eq!(by_body.ok(200)["name"], json!("google main"));
    assert_eq!(by_body.body["platform"], json!("google-v2"));

    let unknown = send(
        &app,
        "PUT",
        &format!("/agent-settings/credentials/{UNKNOWN}"),
        json!({ "name": "x" }),
    )
    .await;
    insta::assert_json_snapshot!("keys_put_unknown", snap(&unknown));
    let viewer = call(
        &app,
        "GET",
        &format!("/agent-settings/credentials?agent_uuid={uuid}"),
        Some(&app.tokens.viewer),
        None,
    )
    .await;
    insta::assert_json_snapshot!("keys_viewer", snap(&viewer));
    let foreign = call(
        &app,
        "PUT",
        &format!("/agent-settings/credentials/{key}"),
        Some(&app.tokens.other),
        Some(json!({ "name": "stolen" })),
    )
    .await;
    assert_eq!(foreign.status, 409);
}
