//! Helpers for Neuro.net calls: bearer requests under `/api/v2/ext`, agents by UUID.

#![expect(
    clippy::unwrap_used,
    reason = "in the test harness a failed unwrap is a failed test"
)]

use axum::body::Body;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use parley_domain::Principal;
use serde_json::Value;

use crate::common::{PASSWORD, Reply, SURVEY, TestApp, request};

/// Company A's admin.
pub const ADMIN: &str = "admin@acme.test";

/// A well-formed UUID that names nothing.
pub const UNKNOWN: &str = "0190f5c8-7d2a-7cc0-8a55-8f6f4a3b2c1d";

/// `Authorization: Basic` for `login` with `password`.
pub fn basic(login: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{login}:{password}")))
}

/// `Authorization: Basic` for `login` with the seeded password.
pub fn basic_ok(login: &str) -> String {
    basic(login, PASSWORD)
}

/// `method /api/v2/ext{path}` with a bearer token and an optional JSON body.
pub async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let path = format!("/api/v2/ext{path}");
    match body {
        Some(body) => app.send_json(method, &path, token, body).await,
        None => {
            app.call(request(method, &path, token).body(Body::empty()).unwrap())
                .await
        }
    }
}

/// `GET` as company A's admin.
pub async fn get(app: &TestApp, path: &str) -> Reply {
    call(app, "GET", path, Some(&app.tokens.admin), None).await
}

/// `method` with a JSON body as company A's admin.
pub async fn send(app: &TestApp, method: &str, path: &str, body: Value) -> Reply {
    call(app, method, path, Some(&app.tokens.admin), Some(body)).await
}

/// A survey agent of company A; returns its UUID.
pub async fn agent(app: &TestApp) -> String {
    agent_as(app, &app.tokens.admin.clone()).await
}

/// A survey agent of the company of `token`; returns its UUID.
pub async fn agent_as(app: &TestApp, token: &str) -> String {
    let id = app.agent_as(token, SURVEY).await;
    let reply = app.get(&format!("/parley/v1/agents/{id}"), token).await;
    reply.ok(200)["uuid"].as_str().unwrap().to_owned()
}

/// The principal behind `token`.
pub fn principal(app: &TestApp, token: &str) -> Principal {
    app.services.auth.authenticate(token).unwrap()
}

/// What snapshots hold: [`Reply::snap`] with UUIDs inside messages redacted too.
pub fn snap(reply: &Reply) -> Value {
    fn walk(value: Value) -> Value {
        match value {
            Value::String(text) => Value::String(redact_uuids(&text)),
            Value::Array(items) => Value::Array(items.into_iter().map(walk).collect()),
            Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, walk(v))).collect())
            }
            other => other,
        }
    }
    walk(reply.snap())
}

/// `text` with every UUID in it replaced by `[uuid]`.
fn redact_uuids(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(candidate) = rest.get(..36)
            && uuid::Uuid::try_parse(candidate).is_ok()
        {
            out.push_str("[uuid]");
            rest = &rest[36..];
            continue;
        }
        let next = rest.chars().next().unwrap();
        out.push(next);
        rest = &rest[next.len_utf8()..];
    }
    out
}
