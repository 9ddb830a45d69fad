//! Test harness for the API: real services over a fresh store (SQLite in a temporary directory,
//! or a fresh PostgreSQL database when `PARLEY_TEST_POSTGRES_URL` is set), a manual clock, a
//! scripted outbound HTTP port, two seeded companies with one user per role, and helpers to call
//! the router in process and snapshot replies.

#![expect(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]
#![expect(
    clippy::unwrap_used,
    reason = "in the test harness a failed unwrap is a failed test"
)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::DateTime;
use chrono::{TimeZone, Utc};
use http_body_util::BodyExt;
use parley_api::faces::twin::Twin24Webhooks;
use parley_domain::agent::{Agent, AgentSettings};
use parley_domain::call::Call;
use parley_domain::campaign::{Campaign, QueueEntry, UploadRow};
use parley_domain::campaign_service::CampaignSpec;
use parley_domain::dialer::{Dialer, DialerConfig};
use parley_domain::directory_service::CreateUser;
use parley_domain::ids::{DialogId, Ref};
use parley_domain::ports::{Clock, HttpOut, ManualClock, OutboundRequest, OutboundResponse};
use parley_domain::services::Telephony;
use parley_domain::values::Channel;
use parley_domain::values::Role;
use parley_domain::{Principal, Services};
use parley_store::SqlStore;
use parley_voice::{Personas, SimLine, SpeechRecorder, TimeScale};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Every seeded user's password.
pub const PASSWORD: &str = "correct horse battery";

/// A YAML scenario: greets, asks a number with buttons, then a name, then ends.
pub const SURVEY: &str = r#"format: parley.scenario/v1
name: Mini survey
description: Two questions.
language: en
inputs:
  - name: client_name
    default: there
outputs:
  - { name: rating, type: number }
entry_points:
  main: greet
  straight: ask_name
blocks:
  greet:
    id: 1
    say: "Hi {{ client_name }}!"
    next: ask_rating
  ask_rating:
    id: 2
    ask: Rate us from 1 to 5
    type: number
    min: 1
    max: 5
    var: rating
    buttons: ["1", "5"]
    retry_prompt: Please pick a number from 1 to 5.
    next: ask_name
  ask_name:
    id: 3
    ask: What is your name?
    var: name
    next: bye
  bye:
    id: 4
    say: "Thanks, {{ name }}."
    next: done
  done:
    id: 5
    end: finished
"#;

/// A scenario that hands the customer to an operator, then says goodbye.
pub const HANDOFF: &str = r#"format: parley.scenario/v1
name: Handoff
entry_points:
  main: hello
blocks:
  hello:
    id: 1
    say: Hello, connecting you to a person.
    next: transfer
  transfer:
    id: 2
    transfer: wants a human
    next: after
  after:
    id: 3
    ask: Anything else?
    var: more
    next: done
  done:
    id: 4
    end: handled
"#;

/// A scenario that looks the customer up with a webhook.
pub const WEBHOOK: &str = r#"format: parley.scenario/v1
name: Lookup
inputs:
  - name: phone
    required: true
entry_points:
  main: lookup
blocks:
  lookup:
    id: 1
    webhook: "https://crm.example/clients?phone={{ phone | urlencode }}"
    timeout_ms: 2000
    save:
      client: data.name
    on_error: failed
    next: greet
  greet:
    id: 2
    say: "Hello {{ client }}!"
    next: done
  failed:
    id: 3
    say: "Lookup failed: {{ http_error }}"
    next: done
  done:
    id: 4
    end: looked_up
"#;

/// An outbound HTTP port that records requests and answers from a script.
#[derive(Debug, Default)]
pub struct FakeHttp {
    answers: Mutex<VecDeque<Result<OutboundResponse, String>>>,
    requests: Mutex<Vec<OutboundRequest>>,
}

impl FakeHttp {
    /// Queues the answer to the next request.
    pub fn answer(&self, answer: Result<OutboundResponse, String>) {
        self.answers.lock().unwrap().push_back(answer);
    }

    /// The requests made so far.
    pub fn requests(&self) -> Vec<OutboundRequest> {
        self.requests.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl HttpOut for FakeHttp {
    async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, String> {
        self.requests.lock().unwrap().push(request);
        self.answers
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| Err("no scripted answer".into()))
    }
}

/// Access tokens of the seeded users.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// Company A's admin.
    pub admin: String,
    /// Company A's integration user.
    pub api: String,
    /// Company A's operator.
    pub operator: String,
    /// Company A's viewer.
    pub viewer: String,
    /// Company B's admin.
    pub other: String,
}

/// The app under test.
pub struct TestApp {
    pub app: Router,
    pub services: Arc<Services>,
    pub store: Arc<SqlStore>,
    pub clock: Arc<ManualClock>,
    pub http: Arc<FakeHttp>,
    pub tokens: Tokens,
    /// The database (a PostgreSQL URL or a SQLite path), for nodes with their own connections.
    pub database: String,
    _dir: Arc<tempfile::TempDir>,
}

/// A reply: status, the headers tests look at, and the body (JSON when it parses).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub www_authenticate: Option<String>,
    pub allow: Option<String>,
    pub body: Value,
}

impl Reply {
    /// The body, asserting the status first.
    #[track_caller]
    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {:#}",
            self.body
        );
        &self.body
    }

    /// What snapshots hold: status, notable headers, and the body with tokens and UUIDs redacted.
    pub fn snap(&self) -> Value {
        let mut out = json!({ "status": self.status.as_u16(), "body": redact(self.body.clone()) });
        if let Some(value) = &self.www_authenticate {
            out["www_authenticate"] = json!(value);
        }
        if let Some(value) = &self.allow {
            out["allow"] = json!(value);
        }
        out
    }
}

/// Replaces UUIDs and JWTs (which vary from run to run) with placeholders.
pub fn redact(value: Value) -> Value {
    match value {
        Value::String(s) if uuid::Uuid::parse_str(&s).is_ok() => json!("[uuid]"),
        Value::String(s) if s.starts_with("eyJ") && s.matches('.').count() == 2 => json!("[token]"),
        Value::Array(items) => Value::Array(items.into_iter().map(redact).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, redact(v))).collect()),
        other => other,
    }
}

impl TestApp {
    /// A fresh app with two companies: A (Acme) with one user per role, B (Globex) with an admin.
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2025, 3, 14, 9, 0, 0).unwrap(),
        ));
        let dyn_clock: Arc<dyn Clock> = clock.clone();
        let database = match std::env::var("PARLEY_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => fresh_postgres_database(&url).await,
            _ => dir.path().join("parley.db").display().to_string(),
        };
        let store = Arc::new(SqlStore::open(&database, dyn_clock.clone()).await.unwrap());
        let http = Arc::new(FakeHttp::default());
        let services = Services::new(
            store.clone(),
            dyn_clock,
            http.clone(),
            telephony(),
            Arc::new(Twin24Webhooks),
        )
        .await
        .unwrap();

        let acme = services.directory.create_company("Acme").await.unwrap();
        let globex = services.directory.create_company("Globex").await.unwrap();
        let mut tokens = Vec::new();
        for (company, email, role) in [
            (acme.id, "admin@acme.test", Role::Admin),
            (acme.id, "api@acme.test", Role::Api),
            (acme.id, "operator@acme.test", Role::Operator),
            (acme.id, "viewer@acme.test", Role::Viewer),
            (globex.id, "admin@globex.test", Role::Admin),
        ] {
            let user = CreateUser {
                email: email.into(),
                name: String::new(),
                role,
                password: PASSWORD.into(),
            };
            services.directory.create_user(company, user).await.unwrap();
            tokens.push(
                services
                    .auth
                    .login(email, PASSWORD)
                    .await
                    .unwrap()
                    .access_token,
            );
        }
        let [admin, api, operator, viewer, other] = <[String; 5]>::try_from(tokens).unwrap();
        let app = parley_api::router(Arc::clone(&services));
        Self {
            app,
            services,
            store,
            clock,
            http,
            tokens: Tokens {
                admin,
                api,
                operator,
                viewer,
                other,
            },
            database,
            _dir: Arc::new(dir),
        }
    }

    /// A second node: its own services and router over the same database (tokens work on both).
    pub async fn second_node(&self) -> TestApp {
        let clock: Arc<dyn Clock> = self.clock.clone();
        let services = Services::new(
            self.store.clone(),
            clock,
            self.http.clone(),
            telephony(),
            Arc::new(Twin24Webhooks),
        )
        .await
        .unwrap();
        TestApp {
            app: parley_api::router(Arc::clone(&services)),
            services,
            store: self.store.clone(),
            clock: self.clock.clone(),
            http: self.http.clone(),
            tokens: self.tokens.clone(),
            database: self.database.clone(),
            _dir: Arc::clone(&self._dir),
        }
    }

    /// A second node with its own connections to the same database (as another process has).
    pub async fn separate_node(&self) -> TestApp {
        let clock: Arc<dyn Clock> = self.clock.clone();
        let store = Arc::new(SqlStore::open(&self.database, clock.clone()).await.unwrap());
        let services = Services::new(
            store.clone(),
            clock,
            self.http.clone(),
            telephony(),
            Arc::new(Twin24Webhooks),
        )
        .await
        .unwrap();
        TestApp {
            app: parley_api::router(Arc::clone(&services)),
            services,
            store,
            clock: self.clock.clone(),
            http: self.http.clone(),
            tokens: self.tokens.clone(),
            database: self.database.clone(),
            _dir: Arc::clone(&self._dir),
        }
    }

    /// Sends a request.
    pub async fn call(&self, request: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_owned())
        };
        let content_type = header_text(header::CONTENT_TYPE);
        let www_authenticate = header_text(header::WWW_AUTHENTICATE);
        let allow = header_text(header::ALLOW);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            content_type,
            www_authenticate,
            allow,
            body,
        }
    }

    /// `GET path` with a bearer token.
    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(
            request("GET", path, Some(token))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// `POST path` with a JSON body and an optional bearer token.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send_json("POST", path, token, body).await
    }

    /// `method path` with a JSON body.
    pub async fn send_json(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> Reply {
        let request = request(method, path, token).header(header::CONTENT_TYPE, "application/json");
        self.call(request.body(Body::from(body.to_string())).unwrap())
            .await
    }

    /// `method path` with a raw body of `content_type`.
    pub async fn send_raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> Reply {
        let mut request = request(method, path, token);
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        self.call(request.body(body.into()).unwrap()).await
    }

    /// Creates a chat agent from `scenario` as company A's admin; returns its id.
    pub async fn agent(&self, scenario: &str) -> i64 {
        self.agent_as(&self.tokens.admin.clone(), scenario).await
    }

    /// Creates a chat agent as the user of `token`; returns its id.
    pub async fn agent_as(&self, token: &str, scenario: &str) -> i64 {
        let reply = self
            .post(
                "/parley/v1/agents",
                Some(token),
                json!({ "channel": "chat", "scenario": scenario }),
            )
            .await;
        reply.ok(201)["id"].as_i64().unwrap()
    }

    /// Starts a dialog with `agent` as company A's admin; returns the reply body.
    pub async fn dialog(&self, agent: i64, variables: Value) -> Value {
        let reply = self
            .post(
                "/parley/v1/dialogs",
                Some(&self.tokens.admin),
                json!({ "agent_id": agent, "variables": variables }),
            )
            .await;
        reply.ok(201).clone()
    }
}

/// The `messages` of a reply body as `sender: text` lines.
pub fn texts(body: &Value) -> Vec<String> {
    let messages = body["messages"].as_array().unwrap();
    messages
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

/// A request builder with an optional bearer token.
pub fn request(method: &str, path: &str, token: Option<&str>) -> axum::http::request::Builder {
    let builder = Request::builder().method(method).uri(path);
    match token {
        Some(token) => builder.header(header::AUTHORIZATION, format!("Bearer {token}")),
        None => builder,
    }
}

/// Creates an empty database on the server of `admin_url` and returns its URL, so every test
/// starts from nothing (integer ids in snapshots stay stable).
async fn fresh_postgres_database(admin_url: &str) -> String {
    use sqlx::Connection;
    let name = format!("parley_api_{}", uuid::Uuid::new_v4().simple());
    let mut connection = sqlx::PgConnection::connect(admin_url).await.unwrap();
    // The name is ours (a UUID), not input.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    format!("{base}/{name}")
}

/// The simulated line at time scale 0 with [`TEST_PERSONAS`] (seed fixed: runs repeat), and
/// espeak-ng recordings.
pub fn telephony() -> Telephony {
    Telephony {
        line: Arc::new(SimLine::new(
            Personas::from_yaml(TEST_PERSONAS).unwrap(),
            TimeScale::INSTANT,
            7,
        )),
        recorder: Arc::new(SpeechRecorder::new()),
    }
}

/// The callees of the simulated line in tests, one per behaviour, picked by the dialog variable
/// `persona` (`cooperative` when none is named).
pub const TEST_PERSONAS: &str = r#"format: parley.personas/v1
personas:
  - name: cooperative
    weight: 1
    outcomes: { answered: 1 }
    think: [0.5, 0.5]
    replies:
      - { keywords: [good time], say: "yes" }
      - { keywords: ["1 to 5"], say: "5" }
    default: { say: "yes" }
  - name: voicemail
    weight: 0
    outcomes: { answering_machine: 1 }
    voicemail: Leave a message after the tone.
  - name: always_busy
    weight: 0
    outcomes: { busy: 1 }
  - name: never_answers
    weight: 0
    outcomes: { no_answer: 1 }
  - name: silent
    weight: 0
    outcomes: { answered: 1 }
  - name: patient
    weight: 0
    outcomes: { answered: 1 }
    operator: { wait: [2, 2], talk: [30, 30], hang_up_chance: 0 }
"#;

/// A voice scenario: asks whether it is a good time, then a rating, then says goodbye.
pub const CALL_SURVEY: &str = r#"format: parley.scenario/v1
name: Call survey
inputs:
  - name: client_name
    default: there
outputs:
  - { name: rating, type: number, cell: 1 }
entry_points:
  main: hello
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

/// A contact for the test line: `phone`, played by `persona`.
pub fn contact(phone: &str, persona: &str) -> UploadRow {
    UploadRow {
        phone: phone.to_owned(),
        entry: None,
        variables: [("persona".to_owned(), json!(persona))]
            .into_iter()
            .collect(),
        external_id: None,
    }
}

impl TestApp {
    /// Company A's admin, as services see it.
    pub fn admin(&self) -> Principal {
        self.services.auth.authenticate(&self.tokens.admin).unwrap()
    }

    /// Company B's admin.
    pub fn other_admin(&self) -> Principal {
        self.services.auth.authenticate(&self.tokens.other).unwrap()
    }

    /// The test clock's time.
    pub fn clock_now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A voice agent of company A running [`CALL_SURVEY`] and a running campaign of it.
    pub async fn voice_campaign(&self) -> (Agent, Campaign) {
        self.voice_campaign_with(|_| {}).await
    }

    /// [`TestApp::voice_campaign`] with the agent's settings changed by `change`.
    pub async fn voice_campaign_with(
        &self,
        change: impl FnOnce(&mut AgentSettings),
    ) -> (Agent, Campaign) {
        self.voice_campaign_of(CALL_SURVEY, change).await
    }

    /// A voice agent of company A running `scenario`, its settings changed by `change`, and a
    /// running campaign of it.
    pub async fn voice_campaign_of(
        &self,
        scenario: &str,
        change: impl FnOnce(&mut AgentSettings),
    ) -> (Agent, Campaign) {
        let admin = self.admin();
        let agent = self
            .services
            .agents
            .create_with(&admin, Channel::Voice, scenario, |settings| {
                change(settings);
                Ok(())
            })
            .await
            .unwrap();
        let campaign = self
            .services
            .campaigns
            .create(&admin, Ref::Id(agent.id), CampaignSpec::named("Test calls"))
            .await
            .unwrap();
        (agent, campaign)
    }

    /// Queues `row` in `campaign` as company A's admin.
    pub async fn enqueue(&self, campaign: &Campaign, row: UploadRow) -> QueueEntry {
        self.services
            .campaigns
            .enqueue(&self.admin(), Ref::Id(campaign.id), row)
            .await
            .unwrap()
    }

    /// The queue entry of company A's dialog `dialog`.
    pub async fn entry(&self, dialog: DialogId) -> QueueEntry {
        self.services
            .campaigns
            .queue_entry(&self.admin(), Ref::Id(dialog))
            .await
            .unwrap()
    }

    /// A dialer for node `node` over this app's services.
    pub fn dialer(&self, node: &str) -> Arc<Dialer> {
        Arc::new(self.services.dialer(DialerConfig::new(node)))
    }

    /// Queues pending uploads, then claims and places every call due now, one after another,
    /// until nothing is due; returns the calls made (the clock does not move).
    pub async fn run_dialer(&self) -> Vec<Call> {
        self.services.campaigns.process_uploads().await.unwrap();
        let dialer = self.dialer("harness");
        let mut calls = Vec::new();
        loop {
            let claimed = dialer.claim().await.unwrap();
            if claimed.is_empty() {
                return calls;
            }
            for claim in claimed {
                calls.push(dialer.place(claim).await.unwrap());
            }
        }
    }
}
