//! Webhook receivers for the delivery tests: each is a small axum app that reports every body
//! it gets on a channel and answers from a script (200 once the script is used up), or hangs
//! (its handler awaits a future that never completes) while told to. [`Receivers`] is the
//! `HttpOut` port over them: a request goes to the app its URL names, in memory, and fails as a
//! real client does when the app does not answer within the request's timeout.

#![expect(
    clippy::unwrap_used,
    reason = "in the test harness a failed unwrap is a failed test"
)]

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::routing::post;
use parley_domain::ports::{HttpOut, OutboundRequest, OutboundResponse};
use serde_json::Value;
use tokio::sync::mpsc;
use tower::ServiceExt;

/// What a receiver's handler shares with the test.
#[derive(Debug)]
struct Script {
    /// Every body received, as it arrives.
    seen: mpsc::UnboundedSender<Value>,
    /// Statuses to answer, in order; 200 once empty.
    statuses: Mutex<VecDeque<u16>>,
    /// While set, requests are never answered.
    hang: AtomicBool,
    /// Requests whose handler was dropped before answering (the client gave up).
    abandoned: AtomicUsize,
}

/// Counts a request as abandoned unless it was answered.
struct Answering<'a> {
    script: &'a Script,
    answered: bool,
}

impl Drop for Answering<'_> {
    fn drop(&mut self) {
        if !self.answered {
            self.script.abandoned.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// One receiver, as the test sees it.
#[derive(Debug)]
pub struct Receiver {
    /// Its URL.
    pub url: String,
    script: Arc<Script>,
    received: mpsc::UnboundedReceiver<Value>,
}

impl Receiver {
    /// The next body it gets (waits for it).
    pub async fn next(&mut self) -> Value {
        self.received.recv().await.unwrap()
    }

    /// The bodies it got and nobody read yet (without waiting).
    pub fn drain(&mut self) -> Vec<Value> {
        let mut bodies = Vec::new();
        while let Ok(body) = self.received.try_recv() {
            bodies.push(body);
        }
        bodies
    }

    /// Answers `status` to the next request not yet scripted.
    pub fn answer(&self, status: u16) {
        self.script.statuses.lock().unwrap().push_back(status);
    }

    /// Makes it hang (or answer again).
    pub fn hang(&self, hang: bool) {
        self.script.hang.store(hang, Ordering::SeqCst);
    }

    /// How many requests were dropped unanswered (timed out, or the sender went away).
    pub fn abandoned(&self) -> usize {
        self.script.abandoned.load(Ordering::SeqCst)
    }
}

/// The `HttpOut` port over the receivers' apps.
#[derive(Debug, Default)]
pub struct Receivers {
    apps: Mutex<HashMap<String, Router>>,
}

impl Receivers {
    /// Adds a receiver at `url`.
    pub fn add(&self, url: &str) -> Receiver {
        let url = url.to_owned();
        let (seen, received) = mpsc::unbounded_channel();
        let script = Arc::new(Script {
            seen,
            statuses: Mutex::new(VecDeque::new()),
            hang: AtomicBool::new(false),
            abandoned: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/", post(receive))
            .with_state(Arc::clone(&script));
        self.apps.lock().unwrap().insert(url.clone(), app);
        Receiver {
            url,
            script,
            received,
        }
    }
}

async fn receive(State(script): State<Arc<Script>>, body: String) -> StatusCode {
    let mut answering = Answering {
        script: &script,
        answered: false,
    };
    script
        .seen
        .send(serde_json::from_str(&body).unwrap())
        .unwrap();
    if script.hang.load(Ordering::SeqCst) {
        // Nothing ever wakes this: the request is answered never, like a stuck receiver's.
        std::future::pending::<()>().await;
    }
    let status = script.statuses.lock().unwrap().pop_front().unwrap_or(200);
    answering.answered = true;
    StatusCode::from_u16(status).unwrap()
}

#[async_trait::async_trait]
impl HttpOut for Receivers {
    async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, String> {
        let app = self.apps.lock().unwrap().get(&request.url).cloned();
        let Some(app) = app else {
            return Err("could not connect".into());
        };
        let http = Request::builder()
            .method(request.method.as_str())
            .uri("/")
            .header("content-type", "application/json")
            .body(Body::from(request.body.unwrap_or_default()))
            .unwrap();
        match tokio::time::timeout(request.timeout, app.oneshot(http)).await {
            Ok(Ok(response)) => Ok(OutboundResponse {
                status: response.status().as_u16(),
                body: String::new(),
            }),
            Ok(Err(never)) => match never {},
            Err(_) => Err(format!(
                "no answer within {} ms",
                request.timeout.as_millis()
            )),
        }
    }
}
