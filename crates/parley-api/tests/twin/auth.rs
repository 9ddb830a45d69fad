//! Auth: login (with `ttl`, `Bearer null` ignored, trailing slash, every prefix), the JWT's
//! claims, refresh with the raw token as `Authorization` or none, and the errors clients act on
//! (`Token is expired.`).

use axum::body::Body;
use axum::http::Request;
use chrono::TimeDelta;
use serde_json::json;

use crate::common::{PASSWORD, TestApp};
use crate::support::{claims, login};

#[tokio::test]
async fn login_gives_a_jwt_with_the_claims_the_sdk_reads() {
    let app = TestApp::new().await;
    let body = json!({"email": "admin@acme.test", "password": PASSWORD, "ttl": 7200,
        "companyId": null, "extra": {}});
    let reply = login(
        &app,
        "/api/v1/auth/login",
        body.clone(),
        Some("Bearer null"),
    )
    .await;
    insta::assert_json_snapshot!("login", reply.snap());
    let token = reply.ok(200)["token"].as_str().unwrap();
    let claims = claims(token);
    for claim in ["exp", "sub", "company_id", "iat", "version"] {
        assert!(claims.get(claim).is_some(), "{claim} missing from {claims}");
    }
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        7200
    );
    for path in [
        "/api/v1/auth/login/",
        "/cis/api/v1/auth/login",
        "/analyse/api/v1/auth/login",
    ] {
        login(&app, path, body.clone(), None).await.ok(200);
    }
    let wrong = login(
        &app,
        "/api/v1/auth/login",
        json!({"email": "admin@acme.test", "password": "nope"}),
        None,
    )
    .await;
    insta::assert_json_snapshot!("login_wrong_password", wrong.snap());
    let missing = login(&app, "/api/v1/auth/login", json!({"email": "a@b.c"}), None).await;
    insta::assert_json_snapshot!("login_missing_password", missing.snap());
}

#[tokio::test]
async fn refresh_takes_the_raw_token_header_or_none_and_expiry_is_the_sdk_message() {
    let app = TestApp::new().await;
    let pair = login(
        &app,
        "/api/v1/auth/login",
        json!({"email": "api@acme.test", "password": PASSWORD}),
        None,
    )
    .await
    .ok(200)
    .clone();
    let token = pair["token"].as_str().unwrap();
    let refresh = pair["refreshToken"].as_str().unwrap();
    let again = login(
        &app,
        "/api/v1/auth/refresh",
        json!({"refreshToken": refresh, "ttl": 600}),
        Some(token),
    )
    .await;
    insta::assert_json_snapshot!("refresh", again.snap());
    let next = again.ok(200)["refreshToken"].as_str().unwrap().to_owned();
    let claims = claims(again.body["token"].as_str().unwrap());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        600
    );
    let spent = login(
        &app,
        "/api/v1/auth/refresh",
        json!({"refreshToken": refresh}),
        None,
    )
    .await;
    insta::assert_json_snapshot!("refresh_spent", spent.snap());
    login(
        &app,
        "/cis/api/v1/auth/refresh",
        json!({"refreshToken": next}),
        None,
    )
    .await
    .ok(200);

    let search = "/api/v1/search/cis/calls";
    app.get(search, token).await.ok(200);
    app.clock.advance(TimeDelta::seconds(3601));
    let expired = app.get(search, token).await;
    insta::assert_json_snapshot!("expired", expired.snap());
    assert_eq!(expired.body["error"], "Token is expired.");
    let garbage = app.get(search, "not-a-token").await;
    insta::assert_json_snapshot!("bad_token", garbage.snap());
    let none = app
        .call(Request::get(search).body(Body::empty()).unwrap())
        .await;
    insta::assert_json_snapshot!("no_token", none.snap());
}
