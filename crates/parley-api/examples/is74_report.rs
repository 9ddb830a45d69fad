//! Measures one is74 analytics report over a campaign of 100,000 calls (or `N` from the first
//! argument): the calls are placed on the simulated line at time scale 0 into a SQLite store in a
//! temporary directory, then `POST /api/analytics/1/report` runs once with a filter, a goal, a
//! dialog column and sorting, and once more without the goal's `is_true` filter (nothing then
//! narrows the query: every call is read and checked). Run with
//! `cargo run --release -p parley-api --example is74_report`.

#![expect(
    clippy::unwrap_used,
    reason = "a measurement script: any failure ends it with its cause"
)]

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, header};
use chrono::{TimeZone, Utc};
use http_body_util::BodyExt;
use parley_domain::Services;
use parley_domain::campaign::UploadRow;
use parley_domain::campaign_service::CampaignSpec;
use parley_domain::dialer::DialerConfig;
use parley_domain::directory_service::CreateUser;
use parley_domain::ids::Ref;
use parley_domain::ports::{Clock, HttpOut, ManualClock, OutboundRequest, OutboundResponse};
use parley_domain::services::Telephony;
use parley_domain::values::{Channel, Role};
use parley_store::SqlStore;
use parley_voice::{Personas, SimLine, SpeechRecorder, TimeScale};
use serde_json::{Value, json};
use tower::ServiceExt;

const SCENARIO: &str = r#"format: parley.scenario/v1
name: Call survey
outputs:
  - { name: rating, type: number }
  - { name: good_time, type: boolean }
entry_points:
  main: hello
blocks:
  hello:
    id: 1
    ask: "Hello, is it a good time to talk?"
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

#[derive(Debug)]
struct NoHttp;

#[async_trait::async_trait]
impl HttpOut for NoHttp {
    async fn send(&self, _: OutboundRequest) -> Result<OutboundResponse, String> {
        Err("no outbound HTTP in this measurement".into())
    }
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
}

#[tokio::main]
async fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .map_or(100_000, |a| a.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2025, 3, 14, 9, 0, 0).unwrap(),
    ));
    let path = dir.path().join("parley.db").display().to_string();
    let store = Arc::new(SqlStore::open(&path, clock.clone()).await.unwrap());
    let telephony = Telephony {
        line: Arc::new(SimLine::new(Personas::builtin(), TimeScale::INSTANT, 7)),
        recorder: Arc::new(SpeechRecorder::new()),
    };
    let services = Services::new(
        store,
        clock,
        Arc::new(NoHttp),
        telephony,
        Arc::new(parley_api::faces::twin::Twin24Webhooks),
    )
    .await
    .unwrap();
    let company = services.directory.create_company("Acme").await.unwrap();
    let user = CreateUser {
        email: "admin@acme.test".into(),
        name: String::new(),
        role: Role::Admin,
        password: "correct horse battery".into(),
    };
    services
        .directory
        .create_user(company.id, user)
        .await
        .unwrap();
    let token = services
        .auth
        .login("admin@acme.test", "correct horse battery")
        .await
        .unwrap()
        .access_token;
    let admin = services.auth.authenticate(&token).unwrap();
    let agent = services
        .agents
        .create_with(&admin, Channel::Voice, SCENARIO, |s| {
            s.total_channel_limit = 10_000;
            Ok(())
        })
        .await
        .unwrap();
    let campaign = services
        .campaigns
        .create(&admin, Ref::Id(agent.id), CampaignSpec::named("load"))
        .await
        .unwrap();
    let rows = (0..n)
        .map(|i| UploadRow {
            phone: format!("+7999{:07}", i),
            entry: None,
            variables: Default::default(),
            external_id: None,
        })
        .collect();
    let started = Instant::now();
    services
        .campaigns
        .upload(&admin, Ref::Id(campaign.id), rows)
        .await
        .unwrap();
    services.campaigns.process_uploads().await.unwrap();
    let dialer = Arc::new(services.dialer(DialerConfig::new("load")));
    let mut placed = 0;
    loop {
        let claimed = dialer.claim().await.unwrap();
        if claimed.is_empty() {
            break;
        }
        let calls = claimed.into_iter().map(|claim| {
            let dialer = Arc::clone(&dialer);
            async move { dialer.place(claim).await.unwrap() }
        });
        placed += futures_util::future::join_all(calls).await.len();
    }
    say(&format!(
        "{placed} calls placed in {:.1} s",
        started.elapsed().as_secs_f64()
    ));

    let app = parley_api::router(Arc::clone(&services));
    let request = json!({
        "analytics_filter": {"outgoing_campaign_id": campaign.id.0, "scenario_id": agent.id.0,
                             "start_block_id": 1},
        "columns": [
            {"name": "phone_number", "data_type": "text", "filter_type": "starts_with",
             "filter_value": "+7999"},
            {"name": "rating", "data_type": "number", "sorting": "desc"},
            {"name": "good_time", "data_type": "goal", "filter_type": "is_true"},
            {"name": "finished", "data_type": "goal"},
            {"name": "duration", "data_type": "number"},
            {"name": "dialog", "data_type": "dialog"}
        ]
    });
    report(
        &app,
        &token,
        company.id.0,
        placed,
        "is_true on a goal",
        &request,
    )
    .await;
    // The same columns without the `is_true` filter: nothing narrows the query, every call is
    // read and checked.
    let mut every = request.clone();
    every["columns"][2]
        .as_object_mut()
        .unwrap()
        .remove("filter_type");
    report(&app, &token, company.id.0, placed, "no is_true", &every).await;
}

/// Runs one report and prints its size and time.
async fn report(
    app: &axum::Router,
    token: &str,
    company: i64,
    placed: usize,
    what: &str,
    request: &Value,
) {
    let started = Instant::now();
    let response = app
        .clone()
        .oneshot(
            Request::post(format!("/api/analytics/{company}/report"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(request.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let elapsed = started.elapsed();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    say(&format!(
        "report ({what}) over {placed} calls: {status}, {} rows kept, {:.1} MB, in {:.2} s",
        body["count"],
        bytes.len() as f64 / 1e6,
        elapsed.as_secs_f64()
    ));
}
