//! What the is74 tests share: a voice agent whose scenario declares the inputs `add_data`
//! carries, a campaign body, and requests with a bearer token.

use parley_domain::values::Channel;
use serde_json::{Value, json};

use crate::common::{Reply, TestApp, redact};

/// [`crate::common::CALL_SURVEY`] with `persona` as an input (the simulated callee), a boolean
/// output, and a second start block (`rate`, id 2).
pub const SURVEY: &str = r#"format: parley.scenario/v1
name: Call survey
inputs:
  - name: client_name
    default: there
  - name: persona
    default: cooperative
outputs:
  - { name: rating, type: number }
  - { name: good_time, type: boolean }
entry_points:
  main: hello
  straight: rate
blocks:
  hello:
    id: 1
    ask: "Hello {{ client_name }}, is it a good time to talk?"
    type: yes_no
    var: good_time
    no_input_timeout_ms: 3000
    retries: 1
    on_fail: bye
    next: rate
  rate:
    id: 2
    ask: Please rate us from 1 to 5.
    type: number
    min: 1
    max: 5
    var: rating
    no_input_timeout_ms: 3000
    retries: 1
    on_fail: bye
    next: bye
  bye:
    id: 3
    say: Thank you, goodbye.
    next: done
  done:
    id: 4
    end: finished
"#;

/// A voice agent of company A running [`SURVEY`]; returns its id (the `scenario_id`).
pub async fn agent(app: &TestApp) -> i64 {
    app.services
        .agents
        .create_with(&app.admin(), Channel::Voice, SURVEY, |_| Ok(()))
        .await
        .expect("the test scenario is valid")
        .id
        .0
}

/// A campaign body for project 1 starting at block 1 on 2025-03-14 (the test clock's day),
/// 09:00–17:00, one attempt, with `phones`.
pub fn body(phones: Value) -> Value {
    json!({
        "campaign": {
            "project_id": 1,
            "name": "Обзвон клиентов",
            "description": "Обзвон клиентов для опроса удовлетворенности",
            "start_block_id": 1,
            "schedule": {
                "date": "2025-03-14",
                "start_time": "09:00",
                "end_time": "17:00",
                "periods": {"id": 1, "title": "Однократно"},
                "attempts": {"id": 1, "title": "1"},
                "interval": "5"
            },
            "state": "Создано",
            "phone_id": 5
        },
        "phones": phones
    })
}

/// `POST path` with a JSON body and the bearer `token`.
pub async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> Reply {
    app.post(path, Some(token), body).await
}

/// Status, the `WWW-Authenticate` header if any, and the redacted body.
pub fn snap(reply: &Reply) -> Value {
    reply.snap()
}

/// The body without the per-call values that vary from run to run (ring and talk times are
/// drawn per call UUID): times after dialing started and durations become placeholders.
pub fn snap_report(reply: &Reply) -> Value {
    fn walk(value: Value, key: &str) -> Value {
        match value {
            Value::Number(_) if matches!(key, "duration" | "total_duration" | "avg_duration") => {
                json!("[seconds]")
            }
            Value::String(_) if matches!(key, "answered_at" | "ended_at") => json!("[time]"),
            Value::Array(items) => Value::Array(items.into_iter().map(|v| walk(v, key)).collect()),
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| {
                        let v = walk(v, &k);
                        (k, v)
                    })
                    .collect(),
            ),
            other => other,
        }
    }
    walk(
        json!({ "status": reply.status.as_u16(), "body": redact(reply.body.clone()) }),
        "",
    )
}
