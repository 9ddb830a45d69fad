//! The is74 story against the real binary at `--time-scale 0`: log in with the OAuth2 form,
//! create a campaign whose date has begun through `POST /api/campaigns`, wait until its calls
//! exist in `POST /api/analytics/{project}/report`, and read them with goal and dialog columns.

use std::time::Duration;

use chrono::{Days, Utc};
use serde_json::{Value, json};

use crate::support::Server;
use crate::{voice_agent, with_personas};

const EMAIL: &str = "is74@acme.test";
const PASSWORD: &str = "correct horse";

/// A call that asks for a rating; `persona` picks the simulated callee.
const BOT: &str = r#"
format: parley.scenario/v1
name: Rating call
inputs:
  - name: persona
    default: rater
outputs:
  - { name: rating, type: number }
entry_points:
  main: rate
blocks:
  rate:
    id: 10
    ask: Please rate us from 1 to 5.
    type: number
    min: 1
    max: 5
    var: rating
    retries: 1
    on_fail: bye
    next: bye
  bye:
    id: 11
    say: Thank you, goodbye.
    next: done
  done:
    id: 12
    end: rated
"#;

const PERSONAS: &str = r#"format: parley.personas/v1
personas:
  - name: rater
    weight: 1
    outcomes: { answered: 1 }
    replies:
      - { keywords: ["1 to 5"], say: "4" }
  - name: busy
    weight: 0
    outcomes: { busy: 1 }
"#;

async fn post(server: &Server, path: &str, token: &str, body: Value) -> (u16, Value) {
    let response = server
        .client
        .post(server.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body read");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn an_is74_integration_creates_a_campaign_and_reads_its_report() {
    let (dir, personas) = with_personas(EMAIL, PASSWORD, PERSONAS);
    let server = Server::start(dir.path(), &["--time-scale", "0", "--personas", &personas]).await;
    let native = server.login(EMAIL, PASSWORD).await;
    voice_agent(&server, &native, BOT).await;

    // Log in with the OAuth2 password form.
    let login = server
        .client
        .post(server.url("/login/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "username=is74%40acme.test&password={}",
            PASSWORD.replace(' ', "+")
        ))
        .send()
        .await
        .expect("login sent");
    assert_eq!(login.status().as_u16(), 200);
    let login: Value = login.json().await.expect("login json");
    let token = login["access_token"].as_str().expect("access_token");

    // Yesterday's date: the campaign has begun wherever the server runs; all day long.
    let date = (Utc::now().date_naive() - Days::new(1)).to_string();
    let body = json!({
        "campaign": {
            "project_id": 1, "name": "Опрос", "start_block_id": 10, "phone_id": 1,
            "schedule": {
                "date": date, "start_time": "00:00", "end_time": "00:00",
                "periods": {"id": 1, "title": "Однократно"},
                "attempts": {"id": 2, "title": "2"}, "interval": "0"
            }
        },
        "phones": [
            {"phone": "+79990000001", "add_data": {"persona": "rater"}},
            {"phone": "+79990000002", "add_data": {"persona": "busy"}}
        ]
    });
    let (status, created) = post(&server, "/api/campaigns", token, body).await;
    assert_eq!(status, 200, "{created}");
    let campaign = created["campaign"]["id"].as_i64().expect("campaign id");

    // The rater is called once; the busy number twice (two attempts, no interval).
    let request = json!({
        "analytics_filter": {"outgoing_campaign_id": campaign, "start_block_id": 10},
        "columns": [
            {"name": "phone_number", "data_type": "text", "sorting": "asc"},
            {"name": "attempt", "data_type": "number", "sorting": "asc"},
            {"name": "outcome", "data_type": "text"},
            {"name": "rating", "data_type": "number"},
            {"name": "rated", "data_type": "goal"},
            {"name": "dialog", "data_type": "dialog"}
        ]
    });
    let mut report = Value::Null;
    for _ in 0..400 {
        let (status, body) = post(&server, "/api/analytics/1/report", token, request.clone()).await;
        assert_eq!(status, 200, "{body}");
        report = body;
        if report["count"] == json!(3) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(report["count"], json!(3), "{report}");
    let rows: Vec<(String, i64, String, Value, bool)> = report["data"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["phone_number"].as_str().expect("phone").to_owned(),
                r["attempt"].as_i64().expect("attempt"),
                r["outcome"].as_str().expect("outcome").to_owned(),
                r["rating"].clone(),
                r["rated"].as_bool().expect("goal"),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("+79990000001".into(), 1, "answered".into(), json!(4), true),
            ("+79990000002".into(), 1, "busy".into(), Value::Null, false),
            ("+79990000002".into(), 2, "busy".into(), Value::Null, false),
        ]
    );
    assert!(
        report["data"][0]["dialog"]
            .as_str()
            .expect("dialog")
            .contains("human: 4")
    );
    assert!(report["total_duration"].as_f64().expect("total") > 0.0);

    // Another project is not this company's.
    let (status, body) = post(&server, "/api/analytics/2/report", token, request).await;
    assert_eq!(
        (status, body),
        (404, json!({"detail": "project 2 not found"}))
    );
}
