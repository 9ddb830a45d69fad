//! Helpers for Bot.one calls: HTTP Basic requests as the seeded users.

#![expect(
    clippy::unwrap_used,
    reason = "in the test harness a failed unwrap is a failed test"
)]

use axum::body::Body;
use axum::http::{Request, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::common::{PASSWORD, Reply, TestApp};

/// Company A's admin.
pub const ADMIN: &str = "admin@acme.test";
/// Company B's admin.
pub const OTHER: &str = "admin@globex.test";

/// `Authorization: Basic` for `login` with the seeded password.
pub fn basic(login: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{login}:{PASSWORD}")))
}

/// `method path` as `login` (no header when `None`), with an optional JSON body.
pub async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    login: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(login) = login {
        request = request.header(header::AUTHORIZATION, basic(login));
    }
    let body = match body {
        Some(body) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    app.call(request.body(body).unwrap()).await
}

/// `GET path` as company A's admin.
pub async fn get(app: &TestApp, path: &str) -> Reply {
    call(app, "GET", path, Some(ADMIN), None).await
}

/// `POST path` as company A's admin.
pub async fn post(app: &TestApp, path: &str, body: Option<Value>) -> Reply {
    call(app, "POST", path, Some(ADMIN), body).await
}

/// Starts a dialog through the native API from Perm; returns (id, uuid).
pub async fn started(app: &TestApp, agent: i64) -> (i64, String) {
    let reply = app
        .post(
            "/parley/v1/dialogs",
            Some(&app.tokens.admin),
            json!({ "agent_id": agent, "location": "Perm", "source": "web" }),
        )
        .await;
    let body = reply.ok(201);
    (
        body["dialog"]["id"].as_i64().unwrap(),
        body["dialog"]["uuid"].as_str().unwrap().to_owned(),
    )
}

/// The texts of a dialog's messages (`sender: text`), read through the native API.
pub async fn transcript(app: &TestApp, id: i64) -> Vec<String> {
    let reply = app
        .get(
            &format!("/parley/v1/dialogs/{id}/messages"),
            &app.tokens.admin,
        )
        .await;
    reply.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}: {}",
                m["sender"].as_str().unwrap(),
                m["text"].as_str().unwrap()
            )
        })
        .collect()
}
