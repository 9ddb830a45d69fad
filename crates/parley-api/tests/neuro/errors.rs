//! Errors in Neuro's `{"message"}` shape: bad and missing tokens, bad JSON, bodies that are not
//! objects, NUL characters (which PostgreSQL cannot store), oversized bodies, unknown paths under
//! `/api/v2/ext` and wrong methods.

use axum::body::Body;
use axum::http::{Request, header};
use serde_json::json;

use crate::common::TestApp;
use crate::support::{agent, call, get, send, snap};

#[tokio::test]
async fn tokens_missing_invalid_and_lowercase() {
    let app = TestApp::new().await;
    let missing = call(&app, "GET", "/company-agents", None, None).await;
    insta::assert_json_snapshot!("token_missing", snap(&missing));
    let invalid = call(&app, "GET", "/company-agents", Some("nonsense"), None).await;
    insta::assert_json_snapshot!("token_invalid", snap(&invalid));
    let lowercase = app
        .call(
            Request::get("/api/v2/ext/company-agents")
                .header(
                    header::AUTHORIZATION,
                    format!("bearer {}", app.tokens.admin),
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    lowercase.ok(200);
    for (method, path) in [
        ("GET", "/agent-settings/general?agent_uuid=x"),
        ("PUT", "/agent-settings/time-slot"),
        ("POST", "/initial-entity/bulk"),
        ("DELETE", "/output-entity"),
        ("GET", "/agent-settings/credentials"),
    ] {
        let reply = call(&app, method, path, None, Some(json!({}))).await;
        assert_eq!(reply.status, 401, "{method} {path}");
        assert!(reply.body["message"].is_string(), "{method} {path}");
    }
}

#[tokio::test]
async fn bodies_paths_and_methods() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let path = format!("/api/v2/ext/agent-settings/general?agent_uuid={uuid}");
    let bad_json = app
        .send_raw(
            "PUT",
            &path,
            Some(&app.tokens.admin),
            Some("application/json"),
            "{\"flag\": ",
        )
        .await;
    insta::assert_json_snapshot!("bad_json", snap(&bad_json));
    let no_type = app
        .send_raw(
            "PUT",
            &path,
            Some(&app.tokens.admin),
            None,
            r#"{"flag": "plain"}"#,
        )
        .await;
    assert_eq!(no_type.ok(200)["flag"], json!("plain"));
    let text_plain = app
        .send_raw(
            "PUT",
            &path,
            Some(&app.tokens.admin),
            Some("text/plain"),
            r#"{"flag": "t"}"#,
        )
        .await;
    assert_eq!(text_plain.ok(200)["flag"], json!("t"));
    let huge = app
        .send_raw(
            "PUT",
            &path,
            Some(&app.tokens.admin),
            Some("application/json"),
            format!("{{\"flag\": \"{}\"}}", "x".repeat(parley_api::BODY_LIMIT)),
        )
        .await;
    insta::assert_json_snapshot!("too_large", snap(&huge));

    let unknown = call(
        &app,
        "GET",
        "/no-such-method",
        Some(&app.tokens.admin),
        None,
    )
    .await;
    insta::assert_json_snapshot!("unknown_path", snap(&unknown));
    let wrong_method = send(&app, "PATCH", "/company-agents", json!({})).await;
    insta::assert_json_snapshot!("wrong_method", snap(&wrong_method));
}

#[tokio::test]
async fn bodies_that_are_not_objects_change_nothing() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let path = format!("/agent-settings/general?agent_uuid={uuid}");
    let before = get(&app, &path).await.ok(200).clone();
    let array = send(&app, "PUT", &path, json!(["renamed", "described"])).await;
    insta::assert_json_snapshot!("body_array", snap(&array));
    for body in [json!([]), json!(null), json!("renamed"), json!(7)] {
        let reply = send(&app, "PUT", &path, body.clone()).await;
        assert_eq!(snap(&reply), snap(&array), "{body}");
    }
    assert_eq!(get(&app, &path).await.ok(200), &before);
    let slots = format!("/agent-settings/time-slot?agent_uuid={uuid}");
    let by_position = send(&app, "POST", &slots, json!([null, 1, "09:00", "10:00"])).await;
    assert_eq!(snap(&by_position), snap(&array));
    assert_eq!(get(&app, &slots).await.ok(200), &json!([]));
}

#[tokio::test]
async fn nul_characters_are_kept_or_refused_never_a_500() {
    let app = TestApp::new().await;
    let uuid = agent(&app).await;
    let sent = "a\u{0}b";
    // SQLite keeps the text as sent; PostgreSQL cannot, and refuses it as bad input.
    let refused = json!({
        "status": 400,
        "body": { "message": "text must not contain NUL characters (\\u0000)" },
    });
    for (method, path, field) in [
        ("POST", format!("/output-entity?agent_uuid={uuid}"), "name"),
        ("POST", format!("/initial-entity?agent_uuid={uuid}"), "name"),
        (
            "PUT",
            format!("/agent-settings/general?agent_uuid={uuid}"),
            "flag",
        ),
    ] {
        let reply = send(&app, method, &path, json!({ field: sent })).await;
        match reply.status.as_u16() {
            200 | 201 => assert_eq!(reply.body[field], json!(sent), "{method} {path}"),
            _ => assert_eq!(snap(&reply), refused, "{method} {path}"),
        }
    }
    let keys = get(
        &app,
        &format!("/agent-settings/credentials?agent_uuid={uuid}&key_type=a%00b"),
    )
    .await;
    match keys.status.as_u16() {
        200 => assert_eq!(keys.body, json!({ "data": [] })),
        _ => assert_eq!(snap(&keys), refused),
    }
}
