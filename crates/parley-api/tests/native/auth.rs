//! Login, refresh (single use), expiry, and the bearer extractor's refusals.

use chrono::Duration;
use serde_json::json;

use crate::common::{PASSWORD, TestApp, request};

#[tokio::test]
async fn login_refresh_and_expiry() {
    let app = TestApp::new().await;
    let login = app
        .post(
            "/parley/v1/auth/login",
            None,
            json!({ "email": "admin@acme.test", "password": PASSWORD }),
        )
        .await;
    insta::assert_json_snapshot!("login_ok", login.snap());
    let access = login.body["access_token"].as_str().unwrap().to_owned();
    let refresh_token = login.body["refresh_token"].as_str().unwrap().to_owned();

    let me = app.get("/parley/v1/me", &access).await;
    insta::assert_json_snapshot!("me_ok", me.snap());

    let refreshed = app
        .post(
            "/parley/v1/auth/refresh",
            None,
            json!({ "refresh_token": refresh_token }),
        )
        .await;
    insta::assert_json_snapshot!("refresh_ok", refreshed.snap());
    let reused = app
        .post(
            "/parley/v1/auth/refresh",
            None,
            json!({ "refresh_token": refresh_token }),
        )
        .await;
    insta::assert_json_snapshot!("refresh_reused", reused.snap());

    app.clock.advance(Duration::seconds(3601));
    let expired = app.get("/parley/v1/me", &access).await;
    insta::assert_json_snapshot!("access_expired", expired.snap());
    let fresh = refreshed.body["refresh_token"].as_str().unwrap();
    let again = app
        .post(
            "/parley/v1/auth/refresh",
            None,
            json!({ "refresh_token": fresh }),
        )
        .await;
    let new_access = again.ok(200)["access_token"].as_str().unwrap().to_owned();
    app.get("/parley/v1/me", &new_access).await.ok(200);
}

#[tokio::test]
async fn bad_credentials_and_bad_tokens() {
    let app = TestApp::new().await;
    let wrong = app
        .post(
            "/parley/v1/auth/login",
            None,
            json!({ "email": "admin@acme.test", "password": "nope nope" }),
        )
        .await;
    insta::assert_json_snapshot!("login_wrong_password", wrong.snap());
    let unknown = app
        .post(
            "/parley/v1/auth/login",
            None,
            json!({ "email": "ghost@acme.test", "password": PASSWORD }),
        )
        .await;
    assert_eq!(
        unknown.body, wrong.body,
        "unknown login and wrong password look the same"
    );

    let missing = app
        .call(
            request("GET", "/parley/v1/me", None)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    insta::assert_json_snapshot!("me_without_token", missing.snap());
    let garbage = app.get("/parley/v1/me", "not-a-jwt").await;
    insta::assert_json_snapshot!("me_garbage_token", garbage.snap());
    let basic = app
        .call(
            request("GET", "/parley/v1/me", None)
                .header("authorization", "Basic YTpi")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    insta::assert_json_snapshot!("me_basic_scheme", basic.snap());

    let login = app
        .post(
            "/parley/v1/auth/login",
            None,
            json!({ "email": "admin@acme.test", "password": PASSWORD }),
        )
        .await;
    let refresh_token = login.body["refresh_token"].as_str().unwrap();
    let as_access = app.get("/parley/v1/me", refresh_token).await;
    insta::assert_json_snapshot!("me_with_refresh_token", as_access.snap());
    let access = login.body["access_token"].as_str().unwrap();
    let as_refresh = app
        .post(
            "/parley/v1/auth/refresh",
            None,
            json!({ "refresh_token": access }),
        )
        .await;
    insta::assert_json_snapshot!("refresh_with_access_token", as_refresh.snap());
}
