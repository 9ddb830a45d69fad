//! The whole Neuro.net story against the real binary: an integration authenticates, configures
//! its agent (entities, time slots, settings), uploads a group of contacts, polls the task, lets
//! the campaign run on the simulated line at time scale 0, reads the statistics, downloads a
//! recording and a transcript, then stops the queue, adds contacts, removes one, and resumes.

use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::support::Server;
use crate::{voice_agent, with_personas};

const EMAIL: &str = "neuro@acme.test";
const PASSWORD: &str = "correct horse";

/// A two-question call: a good time to talk, then a rating; its outputs are added over the API.
pub(crate) const CALL_BOT: &str = r#"
format: parley.scenario/v1
name: Rating call
inputs:
  - name: client_name
    default: there
entry_points:
  main: hello
blocks:
  hello:
    id: 1
    ask: "Hello {{ client_name }}, is it a good time to talk?"
    type: yes_no
    var: good_time
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
    retries: 1
    on_fail: bye
    next: bye
  bye:
    id: 3
    say: Thank you, goodbye.
    next: done
  done:
    id: 4
    end: rated
"#;

/// The callees: one who answers and rates 4, one who is always busy.
const PERSONAS: &str = r#"format: parley.personas/v1
personas:
  - name: rater
    weight: 1
    outcomes: { answered: 1 }
    replies:
      - { keywords: [good time], say: "yes" }
      - { keywords: ["1 to 5"], say: "4" }
  - name: busy
    weight: 0
    outcomes: { busy: 1 }
"#;

/// A Neuro.net client: the server and its bearer token.
pub(crate) struct Neuro<'a> {
    pub(crate) server: &'a Server,
    pub(crate) token: String,
}

impl Neuro<'_> {
    pub(crate) fn url(&self, path: &str) -> String {
        self.server.url(&format!("/api/v2/ext{path}"))
    }

    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .server
            .client
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body read");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body)
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    /// Polls `path` until `done` holds for its body (the server works in the background).
    pub(crate) async fn until(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..400 {
            let (status, body) = self.get(path).await;
            assert_eq!(status, 200, "{path}: {body}");
            if done(&body) {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{path} never reached the expected state");
    }
}

/// Logs in the Neuro.net way (Basic, no body).
pub(crate) async fn login<'a>(server: &'a Server, email: &str, password: &str) -> Neuro<'a> {
    let auth = server
        .client
        .post(server.url("/api/v2/ext/auth"))
        .basic_auth(email, Some(password))
        .send()
        .await
        .expect("auth sent");
    assert_eq!(auth.status().as_u16(), 200);
    let auth: Value = auth.json().await.expect("auth json");
    Neuro {
        server,
        token: auth["token"].as_str().expect("token").to_owned(),
    }
}

pub(crate) fn row(phone: Value, name: &str, persona: &str) -> Value {
    json!({ "msisdn": phone, "script_name": "outgoing_call", "client_name": name, "persona": persona })
}

/// Callees who answer after a short ring and rate 5 (the campaign tests' `rater`).
pub(crate) const RATERS: &str = r#"format: parley.personas/v1
personas:
  - name: rater
    outcomes: { answered: 1 }
    ring: { answered: [1, 2] }
    replies:
      - { keywords: [good time], say: "yes" }
      - { keywords: ["1 to 5"], say: "5" }
"#;

/// Gives the company's one agent the general `settings`, uploads `count` `rater` contacts
/// numbered from `first_phone` in one group, and returns the bulk's query,
/// `agent_uuid=…&bulk_uuid=…`.
pub(crate) async fn upload_raters(
    neuro: &Neuro<'_>,
    settings: Value,
    first_phone: u64,
    count: u64,
) -> String {
    let (_, agents) = neuro.get("/company-agents").await;
    let agent = agents[0]["agent_uuid"]
        .as_str()
        .expect("agent_uuid")
        .to_owned();
    let (status, _) = neuro
        .send(
            reqwest::Method::PUT,
            &format!("/agent-settings/general?agent_uuid={agent}"),
            Some(settings),
        )
        .await;
    assert_eq!(status, 200);
    let rows: Vec<Value> = (0..count)
        .map(|i| row(json!(first_phone + i), "Client", "rater"))
        .collect();
    let (status, group) = neuro
        .post(
            &format!("/dialog/dialogs-group-initial?agent_uuid={agent}"),
            Value::Array(rows),
        )
        .await;
    assert_eq!(status, 202, "{group}");
    let bulk = group["bulk_uuid"].as_str().expect("bulk_uuid");
    format!("agent_uuid={agent}&bulk_uuid={bulk}")
}

#[tokio::test]
async fn a_neuro_integration_runs_a_campaign_and_reads_its_results() {
    let (dir, personas) = with_personas(EMAIL, PASSWORD, PERSONAS);
    let server = Server::start(dir.path(), &["--time-scale", "0", "--personas", &personas]).await;
    let native = server.login(EMAIL, PASSWORD).await;
    voice_agent(&server, &native, CALL_BOT).await;

    // Authenticate the Neuro.net way (Basic, no body) and find the agent.
    let neuro = login(&server, EMAIL, PASSWORD).await;
    let (_, agents) = neuro.get("/company-agents").await;
    let agent = agents[0]["agent_uuid"]
        .as_str()
        .expect("agent_uuid")
        .to_owned();
    let q = format!("agent_uuid={agent}");

    // Configure: output entities, a slot every day, no recalls.
    let (status, _) = neuro
        .post(
            &format!("/output-entity/bulk?{q}"),
            json!({"entities": [
                {"name": "rating", "entity_type": "number", "number_cell": 2},
                {"name": "good_time", "entity_type": "string", "number_cell": 3}
            ]}),
        )
        .await;
    assert_eq!(status, 200);
    for day in 0..7 {
        let (status, slot) = neuro
            .post(
                &format!("/agent-settings/time-slot?{q}"),
                json!({"day": day, "not_before": "00:00", "not_after": "23:59:59"}),
            )
            .await;
        assert_eq!(status, 201, "{slot}");
    }
    let (status, settings) = neuro
        .send(
            reqwest::Method::PUT,
            &format!("/agent-settings/general?{q}"),
            Some(json!({"recall_count": "0", "total_channel_limit": 10})),
        )
        .await;
    assert_eq!(status, 200, "{settings}");

    // Upload a group: three raters, one busy number, one that is not a number.
    let rows = json!([
        row(json!("+7 495 111-11-01"), "Anna", "rater"),
        row(json!(74951111102_u64), "Boris", "rater"),
        row(json!("8 495 111 11 03"), "Vera", "rater"),
        row(json!("+7 495 111-11-04"), "Gleb", "busy"),
        row(json!("12ab"), "Dana", "rater"),
    ]);
    let (status, group) = neuro
        .post(&format!("/dialog/dialogs-group-initial?{q}"), rows)
        .await;
    assert_eq!(status, 202, "{group}");
    let bulk = group["bulk_uuid"].as_str().expect("bulk_uuid").to_owned();
    let task = group["task_uuid"].as_str().expect("task_uuid").to_owned();
    neuro
        .until(
            &format!("/dialog/dialogs-group-initial-status?task_uuid={task}"),
            |s| s["state"] == "SUCCESS",
        )
        .await;
    let (_, results) = neuro
        .get(&format!(
            "/dialog/dialogs-group-initial-result?task_uuid={task}"
        ))
        .await;
    let results = results.as_array().expect("result rows");
    assert_eq!(results.len(), 5);
    assert_eq!(results.iter().filter(|r| r["status"] == true).count(), 4);
    assert_eq!(results[4]["status"], false);
    assert!(
        !results[4]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    );

    // The campaign runs: four calls.
    let calls = neuro
        .until(&format!("/queue/call?{q}&bulk_uuid={bulk}"), |c| {
            c["total_count"] == 4
        })
        .await;
    assert_eq!(calls["data"].as_array().map(Vec::len), Some(4));

    // Statistics: the report over today has the raters' answers and transcripts.
    let (status, report) = neuro
        .post(
            "/statistic/dialog-report",
            json!({"agent_uuid": agent, "start": "2000-01-01 00:00:00", "end": "2100-01-01T00:00:00.0"}),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["total"], 4);
    let rated: Vec<&Value> = report["result"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["result"] == "rated")
        .collect();
    assert_eq!(rated.len(), 3, "{report:#}");
    assert!(rated.iter().all(|r| r["rating"] == 4 || r["rating"] == "4"));
    let transcript = rated[0]["call_transcript"]
        .as_str()
        .expect("call_transcript");
    assert!(
        transcript.contains("bot(") && transcript.contains("human("),
        "{transcript}"
    );
    let (status, group_stats) = neuro
        .get(&format!("/statistic/dialog-group?bulk_uuid={bulk}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(group_stats.as_array().map(Vec::len), Some(4));

    // A recording and a transcript of an answered call.
    let call = rated[0]["call_uuid"]
        .as_str()
        .expect("call_uuid")
        .to_owned();
    let (status, download) = neuro
        .get(&format!("/statistic/download/call?call_uuid={call}"))
        .await;
    assert_eq!(status, 200);
    let wav = base64::engine::general_purpose::STANDARD
        .decode(download["data"].as_str().expect("data"))
        .expect("base64");
    assert_eq!(&wav[..4], b"RIFF");
    assert!(wav.len() > 8_000, "a real recording, not an empty file");
    let (status, lines) = neuro
        .get(&format!("/statistic/{call}/transcription?type=json"))
        .await;
    assert_eq!(status, 200);
    assert!(
        lines["data"].as_array().is_some_and(|l| l.len() >= 4),
        "{lines}"
    );
    let text = server
        .client
        .get(neuro.url(&format!("/statistic/{call}/transcription?type=text")))
        .bearer_auth(&neuro.token)
        .send()
        .await
        .expect("text transcript")
        .text()
        .await
        .expect("text");
    assert!(text.contains("rate us"), "{text}");

    // Stop the queue, add two contacts to the bulk: they wait.
    let (status, body) = neuro.post(&format!("/queue/stop?{q}"), json!({})).await;
    assert_eq!((status, body), (200, Value::Null));
    let (status, more) = neuro
        .post(
            &format!("/dialog/dialogs-group-initial?{q}&bulk_uuid={bulk}"),
            json!([
                row(json!("+7 495 111-11-05"), "Egor", "rater"),
                row(json!("+7 495 111-11-06"), "Fedor", "rater"),
            ]),
        )
        .await;
    assert_eq!(status, 202);
    assert_eq!(more["bulk_uuid"], bulk.as_str());
    let task = more["task_uuid"].as_str().expect("task_uuid").to_owned();
    neuro
        .until(
            &format!("/dialog/dialogs-group-initial-status?task_uuid={task}"),
            |s| s["state"] == "SUCCESS",
        )
        .await;
    let (_, queue) = neuro
        .get(&format!("/queue/dialog?{q}&bulk_uuid={bulk}&limit=100"))
        .await;
    let waiting: Vec<String> = queue["data"]
        .as_array()
        .expect("queue rows")
        .iter()
        .filter(|d| d["result"] == "waiting")
        .map(|d| d["uuid"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(waiting.len(), 2, "{queue:#}");

    // Remove one, resume: only the other is called.
    let (status, _) = neuro
        .post(
            &format!("/queue/remove?{q}&dialog_uuid={}", waiting[0]),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = neuro.post(&format!("/queue/return?{q}"), json!({})).await;
    assert_eq!(status, 200);
    neuro
        .until(&format!("/queue/call?{q}&bulk_uuid={bulk}"), |c| {
            c["total_count"] == 5
        })
        .await;
    let (_, queue) = neuro
        .get(&format!("/queue/dialog?{q}&bulk_uuid={bulk}&limit=100"))
        .await;
    let removed = queue["data"]
        .as_array()
        .expect("queue rows")
        .iter()
        .find(|d| d["uuid"] == waiting[0].as_str())
        .expect("the removed dialog is listed");
    assert_eq!(removed["result"], "removed");
    let (_, selections) = neuro.get(&format!("/selection?{q}")).await;
    assert!(selections.as_array().is_some(), "{selections}");
    server.kill().await;
}
