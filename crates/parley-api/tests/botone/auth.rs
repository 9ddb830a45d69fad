//! HTTP Basic on every method: 401 with `WWW-Authenticate: Basic`, another company's dialog 404.

use serde_json::json;

use crate::common::{SURVEY, TestApp};
use crate::support::{ADMIN, OTHER, call, started};

#[tokio::test]
async fn missing_and_wrong_credentials_are_401() {
    let app = TestApp::new().await;
    let missing = call(&app, "GET", "/api/v2/conversations", None, None).await;
    insta::assert_json_snapshot!("missing", missing.snap());
    let wrong = app
        .call(
            axum::http::Request::get("/api/v1/conversations")
                .header("authorization", "Basic YWRtaW5AYWNtZS50ZXN0Om5vcGU=")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    insta::assert_json_snapshot!("wrong_password", wrong.snap());
    let bearer = app.get("/api/v2/conversations", &app.tokens.admin).await;
    insta::assert_json_snapshot!("bearer_instead", bearer.snap());
    for (method, path) in [
        ("GET", "/api/v1/conversation/1"),
        ("GET", "/api/v1/dialog/1/create"),
        ("POST", "/api/v2/dialog/1/create"),
        (
            "POST",
            "/api/v2/conversation/0190f5c8-7d2a-7cc0-8a55-8f6f4a3b2c1d/stop",
        ),
        (
            "POST",
            "/api/v2/conversation/0190f5c8-7d2a-7cc0-8a55-8f6f4a3b2c1d/command",
        ),
    ] {
        let reply = call(&app, method, path, None, Some(json!({}))).await;
        assert_eq!(reply.status, 401, "{method} {path}");
        assert_eq!(
            reply.www_authenticate.as_deref(),
            Some("Basic realm=\"Bot.one\"")
        );
    }
}

#[tokio::test]
async fn another_company_sees_nothing() {
    let app = TestApp::new().await;
    let agent = app.agent(SURVEY).await;
    let (id, uuid) = started(&app, agent).await;
    let list = call(&app, "GET", "/api/v2/conversations", Some(OTHER), None).await;
    insta::assert_json_snapshot!("other_list", list.snap());
    let v1 = call(
        &app,
        "GET",
        &format!("/api/v1/conversation/{id}"),
        Some(OTHER),
        None,
    )
    .await;
    insta::assert_json_snapshot!("other_get_v1", v1.snap());
    let v2 = call(
        &app,
        "GET",
        &format!("/api/v2/conversation/{uuid}"),
        Some(OTHER),
        None,
    )
    .await;
    assert_eq!(v2.status, 404);
    for action in ["stop", "start"] {
        let path = format!("/api/v2/conversation/{uuid}/{action}");
        assert_eq!(
            call(&app, "POST", &path, Some(OTHER), None).await.status,
            404
        );
    }
    let send = format!("/api/v2/conversation/{uuid}/send");
    let reply = call(
        &app,
        "POST",
        &send,
        Some(OTHER),
        Some(json!({ "body": "hi" })),
    )
    .await;
    assert_eq!(reply.status, 404);
    let create = format!("/api/v1/dialog/{agent}/create");
    let reply = call(&app, "GET", &create, Some(OTHER), None).await;
    insta::assert_json_snapshot!("other_create", reply.snap());
    let mine = call(&app, "GET", "/api/v2/conversations", Some(ADMIN), None).await;
    assert_eq!(mine.ok(200)["meta"]["pagination"]["total"], 1);
}
