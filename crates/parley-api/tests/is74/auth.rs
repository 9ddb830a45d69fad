//! `POST /login/` with a form, and the bearer every other route takes.

use serde_json::json;

use crate::common::{PASSWORD, TestApp};
use crate::support::snap;

#[tokio::test]
async fn login_with_a_form_gives_a_bearer_token() {
    let app = TestApp::new().await;
    let form = format!(
        "username=admin%40acme.test&password={}",
        PASSWORD.replace(' ', "+")
    );
    let reply = app
        .send_raw(
            "POST",
            "/login/",
            None,
            Some("application/x-www-form-urlencoded"),
            form,
        )
        .await;
    insta::assert_json_snapshot!("login", snap(&reply));
    let token = reply.ok(200)["access_token"].as_str().unwrap().to_owned();
    let report = app
        .post(
            "/api/analytics/1/report",
            Some(&token),
            json!({"analytics_filter": {}}),
        )
        .await;
    assert_eq!(report.ok(200)["count"], json!(0));

    let wrong = app
        .send_raw(
            "POST",
            "/login/",
            None,
            Some("application/x-www-form-urlencoded"),
            "username=admin%40acme.test&password=nope",
        )
        .await;
    insta::assert_json_snapshot!("login_wrong_password", snap(&wrong));
    let missing = app
        .send_raw(
            "POST",
            "/login/",
            None,
            Some("application/x-www-form-urlencoded"),
            "username=admin%40acme.test",
        )
        .await;
    insta::assert_json_snapshot!("login_without_password", snap(&missing));
}

#[tokio::test]
async fn routes_need_a_valid_bearer() {
    let app = TestApp::new().await;
    let body = json!({"analytics_filter": {}});
    let none = app
        .post("/api/analytics/1/report", None, body.clone())
        .await;
    insta::assert_json_snapshot!("no_token", snap(&none));
    let bad = app.post("/api/campaigns", Some("not-a-token"), body).await;
    insta::assert_json_snapshot!("bad_token", snap(&bad));
    let viewer = app
        .post("/api/campaigns", Some(&app.tokens.viewer), json!({}))
        .await;
    insta::assert_json_snapshot!("viewer_may_not_create", snap(&viewer));
}
