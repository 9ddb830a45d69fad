//! The whole Twin24 story against the real binary: an integration logs in, creates a call task
//! with a webhook URL, starts it, adds candidates, and the task runs on the simulated line at
//! time scale 0; a local receiver gets every CALL_ENDED and CANDIDATE_CHANGED (the first
//! delivery is refused with a 500 and arrives again later), a second receiver that never
//! answers holds up nobody but itself and loses nothing, and the call statistics and their CSV
//! export show the calls.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::neuro_story::CALL_BOT;
use crate::support::Server;
use crate::{voice_agent, with_personas};

const EMAIL: &str = "twin@acme.test";
const PASSWORD: &str = "correct horse";

const PERSONAS: &str = r#"format: parley.personas/v1
personas:
  - name: rater
    outcomes: { answered: 1 }
    replies:
      - { keywords: [good time], say: "да" }
      - { keywords: ["1 to 5"], say: "5" }
  - name: busy
    weight: 0
    outcomes: { busy: 1 }
"#;

/// What the receiver shares between requests: where to report, and whether it refused yet.
type Receiving = (mpsc::UnboundedSender<(u16, Value)>, Arc<AtomicBool>);

/// A webhook receiver: answers the first delivery 500, every later one 200, and reports each
/// body with the status it answered.
async fn receiver() -> (String, mpsc::UnboundedReceiver<(u16, Value)>) {
    let (seen, received) = mpsc::unbounded_channel();
    let state: Receiving = (seen, Arc::new(AtomicBool::new(false)));
    let app = axum::Router::new()
        .route(
            "/hooks",
            post(
                |State((seen, refused_once)): State<Receiving>, Json(body): Json<Value>| async move {
                    let first = !refused_once.swap(true, Ordering::SeqCst);
                    let status = if first {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::OK
                    };
                    let _ = seen.send((status.as_u16(), body));
                    status
                },
            ),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("receiver binds");
    let address = listener.local_addr().expect("receiver address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/hooks"), received)
}

/// A webhook receiver that never answers (its handler awaits a future that never completes);
/// counts the requests it got.
async fn stuck_receiver() -> (String, Arc<AtomicUsize>) {
    let arrived = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new()
        .route(
            "/stuck",
            post(|State(arrived): State<Arc<AtomicUsize>>| async move {
                arrived.fetch_add(1, Ordering::SeqCst);
                std::future::pending::<StatusCode>().await
            }),
        )
        .with_state(Arc::clone(&arrived));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("receiver binds");
    let address = listener.local_addr().expect("receiver address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/stuck"), arrived)
}

/// A webhook receiver that answers 200 to everything and reports each body.
async fn steady_receiver() -> (String, mpsc::UnboundedReceiver<Value>) {
    let (seen, received) = mpsc::unbounded_channel();
    let app = axum::Router::new()
        .route(
            "/steady",
            post(
                |State(seen): State<mpsc::UnboundedSender<Value>>, Json(body): Json<Value>| async move {
                    let _ = seen.send(body);
                    StatusCode::OK
                },
            ),
        )
        .with_state(seen);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("receiver binds");
    let address = listener.local_addr().expect("receiver address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/steady"), received)
}

#[tokio::test]
async fn a_twin24_integration_runs_a_task_and_gets_its_webhooks_and_statistics() {
    let (dir, personas) = with_personas(EMAIL, PASSWORD, PERSONAS);
    let server = Server::start(dir.path(), &["--time-scale", "0", "--personas", &personas]).await;
    let native = server.login(EMAIL, PASSWORD).await;
    let agent = voice_agent(&server, &native, CALL_BOT).await;
    let bot = agent["id"].as_i64().expect("agent id");
    let (hooks, mut received) = receiver().await;
    let (stuck, stuck_arrived) = stuck_receiver().await;
    let (steady, mut steady_received) = steady_receiver().await;

    // Log in the Twin24 way; the token carries exp, as the SDK checks.
    let (status, login) = server
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": EMAIL, "password": PASSWORD, "ttl": 3600, "companyId": null}),
        )
        .await;
    assert_eq!(status, 200, "{login}");
    let token = login["token"].as_str().expect("token").to_owned();
    assert!(login["refreshToken"].is_string());

    // A task with a webhook, started by hand, then its candidates.
    let (status, task) = server
        .post(
            "/api/v1/telephony/autoCall",
            Some(&token),
            json!({"name": "Опрос", "defaultExec": "robot", "defaultExecData": bot,
                   "startType": "manual", "cps": 10,
                   "webhookUrls": [hooks, stuck, steady]}),
        )
        .await;
    assert_eq!(status, 200, "{task}");
    let task = task["id"]["identity"]
        .as_str()
        .expect("identity")
        .to_owned();
    let (status, _) = server
        .post(
            &format!("/api/v1/telephony/autoCall/{task}/play"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let item = |phone: &str, persona: &str, id: &str| {
        json!({"phone": [phone], "autoCallId": task, "clientExternalId": id,
               "variables": {"client_name": "Анна", "persona": persona},
               "callbackData": {"crmId": id}})
    };
    let (status, added) = server
        .post(
            "/api/v1/telephony/autoCallCandidate/batch",
            Some(&token),
            json!({"batch": [item("79160000001", "rater", "c1"), item("79160000002", "rater", "c2"),
                             item("79160000003", "busy", "c3")], "forceStart": true}),
        )
        .await;
    assert_eq!(status, 200, "{added}");

    // The steady receiver gets every contact's CALL_ENDED while the stuck one is still on its
    // first request (the task's status change), which holds back its later events and nobody
    // else's.
    let mut steady_ended = 0;
    while steady_ended < 3 {
        let body = steady_received.recv().await.expect("the receiver runs");
        if body["event"] == "CALL_ENDED" {
            steady_ended += 1;
        }
    }
    assert_eq!(stuck_arrived.load(Ordering::SeqCst), 1);
    // (Its attempt is recorded when it times out, after 10 s: not yet.)
    let (status, listed) = server
        .get(
            "/parley/v1/webhooks/deliveries?event=AUTOCALL_STATUS_CHANGED",
            &native,
        )
        .await;
    assert_eq!(status, 200, "{listed}");
    // (Listed newest first; the task may have completed since.)
    let first = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .rfind(|d| d["url"] == stuck.as_str())
        .expect("the stuck receiver's first event");
    assert_eq!(first["state"], "pending");
    assert_eq!(first["attempts"], json!([]), "{first:#}");

    // Webhooks: a CALL_ENDED and a CANDIDATE_CHANGED per contact answered 200, and the first
    // delivery, refused with a 500, delivered again after its backoff (about 10 s).
    let (mut ended, mut changed, mut refused, mut redelivered) =
        (Vec::new(), Vec::new(), None, false);
    while ended.len() < 3 || changed.len() < 3 || !redelivered {
        let (status, body) = received.recv().await.expect("the receiver runs");
        assert_eq!(body["taskId"], task.as_str(), "{body}");
        if status != 200 {
            assert!(refused.is_none(), "only the first delivery is refused");
            refused = Some(body);
            continue;
        }
        redelivered |= refused.as_ref() == Some(&body);
        match body["event"].as_str() {
            Some("CALL_ENDED") => ended.push(body),
            Some("CANDIDATE_CHANGED") => changed.push(body),
            _ => {}
        }
    }
    assert!(
        changed.iter().all(|c| c["lastCallId"].is_string()),
        "{changed:#?}"
    );
    let mut crm: Vec<&str> = changed
        .iter()
        .filter_map(|c| c["callbackData"]["crmId"].as_str())
        .collect();
    crm.sort_unstable();
    assert_eq!(crm, ["c1", "c2", "c3"]);

    // Nothing for the stuck receiver is lost: each event the steady one got waits for it.
    let (status, listed) = server
        .get("/parley/v1/webhooks/deliveries?limit=100", &native)
        .await;
    assert_eq!(status, 200, "{listed}");
    let items = listed["items"].as_array().expect("items");
    let to = |url: &str| -> Vec<&Value> { items.iter().filter(|d| d["url"] == url).collect() };
    let (stuck_rows, steady_rows) = (to(&stuck), to(&steady));
    assert_eq!(stuck_rows.len(), steady_rows.len(), "{listed:#}");
    assert!(
        stuck_rows.iter().all(|d| d["state"] == "pending"),
        "{listed:#}"
    );

    // Statistics: three calls of the task, two answered, one busy; and a CSV export.
    let search = format!(
        "/api/v1/search/cis/calls?fields=id,phone,status,botDuration&taskId={task}&sort=phone"
    );
    let (status, calls) = server.get(&search, &token).await;
    assert_eq!(status, 200, "{calls}");
    assert_eq!(calls["count"], 3);
    let statuses: Vec<&str> = calls["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["status"].as_str())
        .collect();
    assert_eq!(statuses, ["ANSWERED", "ANSWERED", "BUSY"]);
    let csv = server
        .client
        .get(server.url(&format!("{search}&output=CSV")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("export sent")
        .bytes()
        .await
        .expect("export read");
    assert!(
        csv.starts_with(b"\xEF\xBB\xBF"),
        "UTF-8 with a BOM, for spreadsheets"
    );
    let text = String::from_utf8_lossy(&csv);
    assert!(
        text.contains("79160000001") && text.contains("BUSY"),
        "{text}"
    );
    server.kill().await;
}
