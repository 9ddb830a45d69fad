//! Users: listing the company's users and adding one (admins only).

use serde_json::json;

use crate::common::{PASSWORD, TestApp};

#[tokio::test]
async fn admins_add_users() {
    let app = TestApp::new().await;
    let list = app.get("/parley/v1/users", &app.tokens.viewer).await;
    insta::assert_json_snapshot!("list", list.snap());

    let new = json!({ "email": "Olga@Acme.test", "name": "Olga", "role": "operator", "password": "a long password" });
    let created = app
        .post("/parley/v1/users", Some(&app.tokens.admin), new.clone())
        .await;
    insta::assert_json_snapshot!("create", created.snap());
    let login = app
        .post(
            "/parley/v1/auth/login",
            None,
            json!({ "email": "olga@acme.test", "password": "a long password" }),
        )
        .await;
    login.ok(200);

    let duplicate = app
        .post("/parley/v1/users", Some(&app.tokens.admin), new.clone())
        .await;
    insta::assert_json_snapshot!("create_duplicate", duplicate.snap());
    let api = app
        .post(
            "/parley/v1/users",
            Some(&app.tokens.api),
            json!({ "email": "x@acme.test", "role": "viewer", "password": PASSWORD }),
        )
        .await;
    insta::assert_json_snapshot!("create_as_api", api.snap());
    let bad_email = app
        .post(
            "/parley/v1/users",
            Some(&app.tokens.admin),
            json!({ "email": "olga", "role": "viewer", "password": PASSWORD }),
        )
        .await;
    insta::assert_json_snapshot!("create_bad_email", bad_email.snap());
    let short = app
        .post(
            "/parley/v1/users",
            Some(&app.tokens.admin),
            json!({ "email": "p@acme.test", "role": "viewer", "password": "short" }),
        )
        .await;
    insta::assert_json_snapshot!("create_short_password", short.snap());
    let role = app
        .post(
            "/parley/v1/users",
            Some(&app.tokens.admin),
            json!({ "email": "r@acme.test", "role": "root", "password": PASSWORD }),
        )
        .await;
    insta::assert_json_snapshot!("create_unknown_role", role.snap());
}
