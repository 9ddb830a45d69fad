//! What the statistics tests share: calls made on the simulated line with Cyrillic names and
//! variables, raw replies (files are not JSON), and UUIDs scrubbed from snapshots.

#![expect(
    clippy::unwrap_used,
    reason = "in the test harness a failed unwrap is a failed test"
)]

use std::io::{Cursor, Read};

use axum::body::{Body, Bytes};
use axum::http::Request;
use base64::Engine;
use http_body_util::BodyExt;
use parley_domain::campaign::{Campaign, UploadRow};
use parley_domain::campaign_service::CampaignSpec;
use parley_domain::ids::Ref;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::common::{CALL_SURVEY, Reply, TestApp};

/// [`CALL_SURVEY`] with the client's name as a second output, so `dialogResults` holds Cyrillic.
fn survey() -> String {
    CALL_SURVEY.replace(
        "  - { name: rating, type: number, cell: 1 }",
        "  - { name: rating, type: number, cell: 1 }\n  - { name: client_name, type: string, cell: 2 }",
    )
}

/// Company A with a campaign `Обзвон клиентов` whose four contacts were called once: Иван
/// answers and rates 5, Мария's voice mail answers, one line is busy and one never answers
/// (both will be tried again, so their calls are not finished).
pub async fn called() -> (TestApp, Campaign) {
    let app = TestApp::new().await;
    let (agent, _) = app
        .voice_campaign_of(&survey(), |settings| {
            settings.name = "Опрос".into();
            settings.recall_count = 1;
            settings.delay_seconds = 3600;
        })
        .await;
    let campaign = app
        .services
        .campaigns
        .create(
            &app.admin(),
            Ref::Id(agent.id),
            CampaignSpec::named("Обзвон клиентов"),
        )
        .await
        .unwrap();
    let rows = [
        ("+7 495 000-00-01", "cooperative", "Иван", Some("клиент-1")),
        ("+7 495 000-00-02", "voicemail", "Мария", None),
        ("+7 495 000-00-03", "always_busy", "Пётр", None),
        ("+7 495 000-00-04", "never_answers", "Анна", None),
    ];
    for (phone, persona, name, external) in rows {
        let row = UploadRow {
            phone: phone.to_owned(),
            entry: None,
            variables: [
                ("persona".to_owned(), json!(persona)),
                ("client_name".to_owned(), json!(name)),
            ]
            .into_iter()
            .collect(),
            external_id: external.map(str::to_owned),
        };
        app.enqueue(&campaign, row).await;
    }
    assert_eq!(app.run_dialer().await.len(), 4);
    (app, campaign)
}

/// Status, content type, disposition and body bytes of a GET.
pub async fn raw(app: &TestApp, path: &str, token: &str) -> (u16, String, String, Bytes) {
    let request = Request::get(path)
        .header("authorization", format!("Bearer {token}"))
        .header("host", "parley.test")
        .body(Body::empty())
        .unwrap();
    let response = app.app.clone().oneshot(request).await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (status, content_type, disposition) = (
        response.status().as_u16(),
        header("content-type"),
        header("content-disposition"),
    );
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, content_type, disposition, bytes)
}

/// A JSON GET as a snapshot: status and body, UUIDs anywhere in strings replaced by `[uuid]`
/// and the line's timings by `[timing]`.
pub async fn snap(app: &TestApp, path: &str, token: &str) -> Value {
    let (status, _, _, bytes) = raw(app, path, token).await;
    let body: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("{path}: not JSON: {}", String::from_utf8_lossy(&bytes)));
    let body = serde_json::from_str::<Value>(&scrub(&body.to_string())).unwrap();
    json!({"status": status, "body": untime(body)})
}

/// Fields whose values follow the simulated line's random timings (seeded by each call's UUID).
const TIMED: &[&str] = &[
    "updatedAt",
    "finishedAt",
    "created_at",
    "duration",
    "botDuration",
    "operatorDuration",
    "mainCallDuration",
    "robotCallDuration",
    "price",
];

/// `value` with the values of [`TIMED`] fields (when not null) replaced by `[timing]`.
pub fn untime(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| {
                    let value = if TIMED.contains(&key.as_str()) && !value.is_null() {
                        json!("[timing]")
                    } else {
                        untime(value)
                    };
                    (key, value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(untime).collect()),
        other => other,
    }
}

/// `text` with every UUID replaced by `[uuid]`.
pub fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut token = String::new();
    let flush = |out: &mut String, token: &mut String| {
        if token.len() == 36 && uuid::Uuid::parse_str(token).is_ok() {
            out.push_str("[uuid]");
        } else {
            out.push_str(token);
        }
        token.clear();
    };
    for c in text.chars() {
        if c.is_ascii_hexdigit() || c == '-' {
            token.push(c);
        } else {
            flush(&mut out, &mut token);
            out.push(c);
        }
    }
    flush(&mut out, &mut token);
    out
}

/// The JWT payload of `token`.
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// `POST path` with a JSON body and, if given, an `Authorization` header.
pub async fn login(app: &TestApp, path: &str, body: Value, authorization: Option<&str>) -> Reply {
    let mut request = Request::post(path).header("content-type", "application/json");
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    app.call(request.body(Body::from(body.to_string())).unwrap())
        .await
}

/// The entries of a zip archive: names and contents.
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (file.name().unwrap().to_string(), content)
        })
        .collect()
}
