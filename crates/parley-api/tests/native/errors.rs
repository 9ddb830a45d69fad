//! Bad input of every kind answers in the envelope: never axum's plain text, never a 500.

use axum::body::Body;
use serde_json::json;

use crate::common::{PASSWORD, TestApp, request};

#[tokio::test]
async fn malformed_bodies() {
    let app = TestApp::new().await;
    let login = "/parley/v1/auth/login";
    let syntax = app
        .send_raw(
            "POST",
            login,
            None,
            Some("application/json"),
            "{\"email\": \"a@b.c\",\n \"password\": }",
        )
        .await;
    insta::assert_json_snapshot!("json_syntax", syntax.snap());
    let truncated = app
        .send_raw(
            "POST",
            login,
            None,
            Some("application/json"),
            "{\"email\": ",
        )
        .await;
    insta::assert_json_snapshot!("json_truncated", truncated.snap());
    let empty = app
        .send_raw("POST", login, None, Some("application/json"), "")
        .await;
    insta::assert_json_snapshot!("json_empty", empty.snap());
    let wrong_type = app
        .post(login, None, json!({ "email": 5, "password": PASSWORD }))
        .await;
    insta::assert_json_snapshot!("json_wrong_type", wrong_type.snap());
    let missing = app
        .post(login, None, json!({ "email": "admin@acme.test" }))
        .await;
    insta::assert_json_snapshot!("json_missing_field", missing.snap());
    let not_object = app
        .post(login, None, json!(["admin@acme.test", PASSWORD]))
        .await;
    insta::assert_json_snapshot!("json_not_an_object", not_object.snap());
    let trailing = app
        .send_raw(
            "POST",
            login,
            None,
            Some("application/json"),
            r#"{"refresh_token": "x"} {}"#,
        )
        .await;
    assert_eq!(trailing.status, 400);
    let no_type = app
        .send_raw(
            "POST",
            login,
            None,
            None,
            json!({ "email": "a", "password": "b" }).to_string(),
        )
        .await;
    insta::assert_json_snapshot!("no_content_type", no_type.snap());
    let form = app
        .send_raw(
            "POST",
            login,
            None,
            Some("application/x-www-form-urlencoded"),
            "email=a&password=b",
        )
        .await;
    assert_eq!(
        (form.status.as_u16(), &form.body["error"]["code"]),
        (415, &json!("unsupported_media_type"))
    );
    let json_utf8 = app
        .send_raw(
            "POST",
            login,
            None,
            Some("application/json; charset=utf-8"),
            json!({ "email": "admin@acme.test", "password": PASSWORD }).to_string(),
        )
        .await;
    json_utf8.ok(200);
    let bad_utf8 = app
        .send_raw(
            "POST",
            "/parley/v1/agents?channel=chat",
            Some(&app.tokens.admin),
            Some("application/yaml"),
            vec![0xff, 0xfe],
        )
        .await;
    insta::assert_json_snapshot!("yaml_not_utf8", bad_utf8.snap());
}

#[tokio::test]
async fn oversized_bodies() {
    let app = TestApp::new().await;
    let big = format!(
        "{{\"scenario\": \"{}\"}}",
        "x".repeat(parley_api::BODY_LIMIT)
    );
    let path = "/parley/v1/agents?channel=chat";
    // A declared Content-Length over the limit is refused before the handler runs...
    let declared = request("POST", path, Some(&app.tokens.admin))
        .header("content-type", "application/json")
        .header("content-length", big.len())
        .body(Body::from(big.clone()))
        .unwrap();
    let declared = app.call(declared).await;
    insta::assert_json_snapshot!("too_large", declared.snap());
    // ...and without one the limit trips while the body is read.
    let streamed = app
        .send_raw(
            "POST",
            path,
            Some(&app.tokens.admin),
            Some("application/yaml"),
            big,
        )
        .await;
    assert_eq!(
        (streamed.status, &streamed.body),
        (declared.status, &declared.body)
    );
}

#[tokio::test]
async fn unknown_routes_methods_and_ids() {
    let app = TestApp::new().await;
    let admin = app.tokens.admin.clone();
    let nowhere = app.get("/parley/v1/nowhere", &admin).await;
    insta::assert_json_snapshot!("unknown_route", nowhere.snap());
    let root = app
        .call(request("GET", "/", None).body(Body::empty()).unwrap())
        .await;
    assert_eq!(root.status, 404);
    let method = app
        .send_json("DELETE", "/parley/v1/agents", Some(&admin), json!({}))
        .await;
    insta::assert_json_snapshot!("method_not_allowed", method.snap());
    let bad_dialog = app.get("/parley/v1/dialogs/not-a-dialog", &admin).await;
    insta::assert_json_snapshot!("bad_dialog_id", bad_dialog.snap());
    let overflow = app
        .get("/parley/v1/dialogs/99999999999999999999999", &admin)
        .await;
    assert_eq!(overflow.status, 400);
    let health = app
        .call(
            request("GET", "/parley/v1/health", None)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    insta::assert_json_snapshot!("health", health.snap());
}
