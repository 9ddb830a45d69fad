//! `POST /auth` with every body clients send, `POST /auth/refresh` with and without Basic, bad
//! and used tokens, the refresh token as a bearer, and token lifetimes.

#![expect(
    clippy::unwrap_used,
    reason = "in tests a failed unwrap is a failed test"
)]

use axum::body::Body;
use axum::http::{Request, header};
use serde_json::json;

use crate::common::{Reply, TestApp};
use crate::support::{ADMIN, basic, basic_ok, call, snap};

/// `POST /api/v2/ext/auth` with Basic for `authorization` and a raw body of `content_type`.
async fn login(
    app: &TestApp,
    authorization: Option<&str>,
    content_type: Option<&str>,
    body: &'static str,
) -> Reply {
    let mut request = Request::post("/api/v2/ext/auth");
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    if let Some(value) = content_type {
        request = request.header(header::CONTENT_TYPE, value);
    }
    app.call(request.body(Body::from(body)).unwrap()).await
}

/// `POST /api/v2/ext/auth/refresh` with a JSON body and an optional Authorization header.
async fn refresh(app: &TestApp, authorization: Option<&str>, body: serde_json::Value) -> Reply {
    let mut request =
        Request::post("/api/v2/ext/auth/refresh").header(header::CONTENT_TYPE, "application/json");
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    app.call(request.body(Body::from(body.to_string())).unwrap())
        .await
}

#[tokio::test]
async fn login_works_with_every_body_clients_send() {
    let app = TestApp::new().await;
    let auth = basic_ok(ADMIN);
    let variants = [
        ("no body", None, ""),
        ("empty json", Some("application/json"), ""),
        ("braces with newlines", Some("application/json"), "{\n\n}"),
        ("bogus multipart", Some("multipart/form-data"), ""),
        (
            "multipart with boundary",
            Some("multipart/form-data; boundary=xyz"),
            "",
        ),
        ("form", Some("application/x-www-form-urlencoded"), ""),
    ];
    for (what, content_type, body) in variants {
        let reply = login(&app, Some(&auth), content_type, body).await;
        let body = reply.ok(200);
        assert!(body.get("message").is_none(), "{what}: {body}");
        assert!(
            body["token"].is_string() && body["refresh_token"].is_string(),
            "{what}"
        );
    }
    let reply = login(&app, Some(&auth), None, "").await;
    insta::assert_json_snapshot!("login", snap(&reply));
    let host = app
        .call(
            Request::post("/api/v2/ext/auth")
                .header(header::HOST, "cms-v3.voctiv.com")
                .header(header::AUTHORIZATION, &auth)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    host.ok(200);
}

#[tokio::test]
async fn bad_credentials_are_401() {
    let app = TestApp::new().await;
    let wrong = login(&app, Some(&basic(ADMIN, "nope-nope")), None, "").await;
    insta::assert_json_snapshot!("login_wrong_password", snap(&wrong));
    let unknown = login(&app, Some(&basic("ghost@acme.test", "whatever1")), None, "").await;
    assert_eq!(unknown.body, wrong.body);
    let missing = login(&app, None, None, "").await;
    insta::assert_json_snapshot!("login_missing", snap(&missing));
    let bearer = login(&app, Some("Bearer abc"), None, "").await;
    assert_eq!(bearer.status, 401);
}

#[tokio::test]
async fn refresh_with_or_without_basic_and_bad_tokens() {
    let app = TestApp::new().await;
    let first = login(&app, Some(&basic_ok(ADMIN)), None, "").await;
    let token = first.ok(200)["refresh_token"].as_str().unwrap().to_owned();

    let renewed = refresh(&app, None, json!({ "refresh_token": token })).await;
    insta::assert_json_snapshot!("refresh", snap(&renewed));
    let next = renewed.body["refresh_token"].as_str().unwrap().to_owned();
    let with_basic = refresh(
        &app,
        Some(&basic_ok(ADMIN)),
        json!({ "refresh_token": next }),
    )
    .await;
    assert!(with_basic.ok(200).get("message").is_none());

    let used = refresh(&app, None, json!({ "refresh_token": token })).await;
    insta::assert_json_snapshot!("refresh_used", snap(&used));
    for bad in [
        json!({ "refresh_token": "not-a-token" }),
        json!({ "refresh_token": "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2lnbmF0dXJl" }),
        json!({ "refresh_token": "токен" }),
        json!({ "refresh_token": "" }),
        json!({ "refresh_token": "   " }),
        json!({ "refresh_token": null }),
        json!({}),
    ] {
        let reply = refresh(&app, None, bad.clone()).await;
        assert_eq!(reply.status, 401, "{bad}");
        assert_eq!(reply.body, used.body, "{bad}");
    }
    let access = app.tokens.admin.clone();
    let access_as_refresh = refresh(&app, None, json!({ "refresh_token": access })).await;
    assert_eq!(access_as_refresh.status, 401);
}

#[tokio::test]
async fn refresh_token_works_as_a_bearer_and_lifetimes_hold() {
    let app = TestApp::new().await;
    let pair = login(&app, Some(&basic_ok(ADMIN)), None, "").await;
    let access = pair.body["token"].as_str().unwrap().to_owned();
    let refresh_token = pair.body["refresh_token"].as_str().unwrap().to_owned();

    call(&app, "GET", "/company-agents", Some(&refresh_token), None)
        .await
        .ok(200);
    app.clock.advance(chrono::Duration::seconds(3601));
    let expired = call(&app, "GET", "/company-agents", Some(&access), None).await;
    insta::assert_json_snapshot!("access_expired", snap(&expired));
    call(&app, "GET", "/company-agents", Some(&refresh_token), None)
        .await
        .ok(200);

    let renewed = refresh(&app, None, json!({ "refresh_token": refresh_token })).await;
    renewed.ok(200);
    let spent = call(&app, "GET", "/company-agents", Some(&refresh_token), None).await;
    assert_eq!(spent.status, 401, "a used refresh token is no bearer");

    let late = renewed.body["refresh_token"].as_str().unwrap().to_owned();
    app.clock.advance(chrono::Duration::seconds(86_401));
    let too_late = refresh(&app, None, json!({ "refresh_token": late })).await;
    assert_eq!(too_late.status, 401);
}
