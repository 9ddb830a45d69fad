//! Webhooks: events written with the calls go to each URL of the task (per-URL event selection),
//! a receiver answering 500 is retried after the backoff (the test clock advanced) and the events
//! after the refused one wait for it, a receiver that hangs delays only its own events and loses
//! none, a transfer to an operator is reported as it starts, and the native API lists deliveries
//! with their attempts.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::TimeDelta;
use parley_api::faces::twin::Twin24Webhooks;
use parley_domain::Services;
use parley_domain::call::Call;
use parley_domain::dialer::DialerConfig;
use parley_domain::line::{CallLeg, DialRequest, Dialed, Heard, LegReport, Line, Transferred};
use parley_domain::ports::Clock;
use parley_domain::services::Telephony;
use parley_domain::values::Page;
use parley_domain::webhook::{DeliveryFilter, DeliveryState};
use serde_json::{Value, json};

use crate::common::{HANDOFF, TestApp, redact, telephony};
use crate::receivers::Receivers;
use crate::tasks::{bot, create_task, redact_times};

/// Another node over the app's database whose webhooks go to `receivers`.
#[expect(
    clippy::unwrap_used,
    reason = "a test helper: a failed unwrap is a failed test"
)]
async fn node(app: &TestApp, receivers: &Arc<Receivers>) -> Arc<Services> {
    let clock: Arc<dyn Clock> = app.clock.clone();
    Services::new(
        app.store.clone(),
        clock,
        receivers.clone(),
        telephony(),
        Arc::new(Twin24Webhooks),
    )
    .await
    .unwrap()
}

/// Adds contact `n` of `task` (phone 7916000000n, external id c-n, order A-n in its callback
/// data; it answers, so it is done after one call) and calls it.
async fn call_contact(app: &TestApp, task: &str, n: u32) -> Call {
    app.post(
        "/api/v1/telephony/autoCallCandidate",
        Some(&app.tokens.admin),
        json!({"phone": [format!("7916000000{n}")], "autoCallId": task, "forceStart": true,
               "variables": {"persona": "cooperative"}, "callbackData": {"orderId": format!("A-{n}")},
               "clientExternalId": format!("c-{n}")}),
    )
    .await
    .ok(200);
    let mut calls = app.run_dialer().await;
    assert_eq!(calls.len(), 1);
    calls.remove(0)
}

/// The `event` of each body.
#[expect(
    clippy::unwrap_used,
    reason = "a test helper: a failed unwrap is a failed test"
)]
fn events(bodies: &[Value]) -> Vec<&str> {
    bodies
        .iter()
        .map(|b| b["event"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn events_reach_every_url_and_failures_are_retried() {
    let app = TestApp::new().await;
    let receivers = Arc::new(Receivers::default());
    let mut all = receivers.add("https://hooks.test/all");
    let mut calls_only = receivers.add("https://hooks.test/calls");
    let node = node(&app, &receivers).await;
    let bot = bot(&app).await;
    let task = create_task(
        &app,
        json!({"name": "Hooks", "defaultExecData": bot, "webhookUrls": [
            all.url, {"url": calls_only.url, "events": {"CALL_ENDED": true}}
        ]}),
    )
    .await;
    let call = call_contact(&app, &task, 1).await;

    // Status change (all), CALL_ENDED (all, calls), CANDIDATE_CHANGED (all). `all` refuses the
    // first: its CALL_ENDED and CANDIDATE_CHANGED are held back behind it, not sent before it.
    all.answer(500);
    assert_eq!(node.webhooks.deliver_due().await.unwrap(), 2);
    assert_eq!(events(&all.drain()), ["AUTOCALL_STATUS_CHANGED"]);
    let ended = calls_only.drain();
    assert_eq!(events(&ended), ["CALL_ENDED"]);
    let ended = &ended[0];
    assert_eq!(ended["taskId"], json!(task));
    assert_eq!(ended["autoCallId"], json!(task));
    assert_eq!(ended["lastCallId"], json!(call.uuid.to_string()));
    assert_eq!(ended["callbackData"], json!({"orderId": "A-1"}));
    assert_eq!(ended["botId"].to_string(), bot);
    assert_eq!(ended["status"], "ANSWERED");
    assert_eq!(ended["phone"], "79160000001");

    // The 500 is retried after 10 s, not before, and the rest follow it in order.
    assert_eq!(node.webhooks.deliver_due().await.unwrap(), 0);
    app.clock.advance(TimeDelta::seconds(10));
    assert_eq!(node.webhooks.deliver_due().await.unwrap(), 3);
    let sent = all.drain();
    assert_eq!(
        events(&sent),
        ["AUTOCALL_STATUS_CHANGED", "CALL_ENDED", "CANDIDATE_CHANGED"]
    );
    insta::assert_json_snapshot!("candidate_changed", redact(redact_times(sent[2].clone())));
    assert_eq!(node.webhooks.next_due().await.unwrap(), None);

    let listed = app
        .get(
            &format!(
                "/parley/v1/webhooks/deliveries?campaign={task}&event=AUTOCALL_STATUS_CHANGED"
            ),
            &app.tokens.admin,
        )
        .await;
    insta::assert_json_snapshot!("deliveries", redact_times(listed.snap()));
    let bad = app
        .get(
            "/parley/v1/webhooks/deliveries?state=lost",
            &app.tokens.admin,
        )
        .await;
    insta::assert_json_snapshot!("deliveries_bad_state", bad.snap());
}

#[tokio::test]
async fn a_url_with_a_delay_gets_each_event_that_much_later() {
    let app = TestApp::new().await;
    let receivers = Arc::new(Receivers::default());
    let mut now = receivers.add("https://hooks.test/now");
    let mut later = receivers.add("https://hooks.test/later");
    let node = node(&app, &receivers).await;
    let bot = bot(&app).await;
    let ended_only = json!({"CALL_ENDED": {"name": "CALL_ENDED", "value": true}});
    let task = create_task(
        &app,
        json!({"name": "Hooks", "defaultExecData": bot, "webhookUrls": [
            {"url": now.url, "events": ended_only},
            {"url": later.url, "events": ended_only, "delay": "30"}
        ]}),
    )
    .await;
    let listed = app
        .get("/api/v1/telephony/autoCall", &app.tokens.admin)
        .await;
    let urls = listed.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == json!(task))
        .unwrap()["webhookUrls"]
        .clone();
    assert_eq!(urls[1]["delay"], 30);
    call_contact(&app, &task, 1).await;

    assert_eq!(node.webhooks.deliver_due().await.unwrap(), 1);
    assert_eq!(events(&now.drain()), ["CALL_ENDED"]);
    assert!(later.drain().is_empty());
    app.clock.advance(TimeDelta::seconds(29));
    assert_eq!(node.webhooks.deliver_due().await.unwrap(), 0);
    app.clock.advance(TimeDelta::seconds(1));
    assert_eq!(node.webhooks.deliver_due().await.unwrap(), 1);
    assert_eq!(events(&later.drain()), ["CALL_ENDED"]);

    let refused = app
        .post(
            "/api/v1/telephony/autoCall",
            Some(&app.tokens.admin),
            json!({"name": "Bad", "defaultExecData": bot,
                   "webhookUrls": [{"url": "https://h.test", "delay": -5}]}),
        )
        .await;
    assert_eq!(refused.status, 400);
}

#[tokio::test]
async fn a_hanging_receiver_delays_only_its_own_events_and_loses_none() {
    let app = TestApp::new().await;
    let receivers = Arc::new(Receivers::default());
    let mut stuck = receivers.add("https://stuck.test/hooks");
    let mut prompt = receivers.add("https://prompt.test/hooks");
    let node = node(&app, &receivers).await;
    let bot = bot(&app).await;
    // The stuck receiver comes first: its rows are the older of each pair.
    let task = create_task(
        &app,
        json!({"name": "Hooks", "defaultExecData": bot,
               "webhookUrls": [stuck.url, prompt.url]}),
    )
    .await;
    call_contact(&app, &task, 1).await;

    // A round posts to both at once; the stuck receiver never answers.
    stuck.hang(true);
    let round = tokio::spawn({
        let node = Arc::clone(&node);
        async move { node.webhooks.deliver_due().await }
    });
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(prompt.next().await);
    }
    assert_eq!(
        events(&got),
        ["AUTOCALL_STATUS_CHANGED", "CALL_ENDED", "CANDIDATE_CHANGED"]
    );
    // All of that while the stuck receiver's first request is still open, and its later
    // events wait behind it.
    assert_eq!(events(&[stuck.next().await]), ["AUTOCALL_STATUS_CHANGED"]);
    assert_eq!(stuck.abandoned(), 0);

    // Events written meanwhile reach the prompt receiver in a second round; the stuck URL is
    // left alone (its earlier events are still on their way).
    call_contact(&app, &task, 2).await;
    assert_eq!(node.webhooks.deliver_due().await.unwrap(), 2);
    assert_eq!(events(&prompt.drain()), ["CALL_ENDED", "CANDIDATE_CHANGED"]);
    assert!(stuck.drain().is_empty());
    let pending = DeliveryFilter {
        state: Some(DeliveryState::Pending),
        ..DeliveryFilter::default()
    };
    let waiting = node
        .webhooks
        .deliveries(&app.admin(), &pending, Page::new(0, 50).unwrap())
        .await
        .unwrap();
    assert_eq!(waiting.total, 5);
    assert!(
        waiting
            .items
            .iter()
            .all(|d| d.url == stuck.url && d.attempts.is_empty())
    );

    // The node stops (the round is dropped mid-request). Once the lease has run out the rows
    // are taken again and the receiver, answering now, gets every event, in order.
    round.abort();
    assert!(round.await.unwrap_err().is_cancelled());
    assert_eq!(stuck.abandoned(), 1);
    stuck.hang(false);
    assert_eq!(node.webhooks.deliver_due().await.unwrap(), 0);
    app.clock.advance(TimeDelta::minutes(2));
    assert_eq!(node.webhooks.deliver_due().await.unwrap(), 5);
    let got = stuck.drain();
    assert_eq!(
        events(&got),
        [
            "AUTOCALL_STATUS_CHANGED",
            "CALL_ENDED",
            "CANDIDATE_CHANGED",
            "CALL_ENDED",
            "CANDIDATE_CHANGED"
        ]
    );
    let order: Vec<&str> = got[1..]
        .iter()
        .map(|b| b["callbackData"]["orderId"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["A-1", "A-1", "A-2", "A-2"]);
    assert_eq!(node.webhooks.next_due().await.unwrap(), None);
}

#[tokio::test]
async fn a_hanging_receiver_backs_off_and_gives_up_after_a_day() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    let task = create_task(
        &app,
        json!({"name": "Hooks", "defaultExecData": bot, "startType": "manual",
               "webhookUrls": ["https://hooks.test/slow"]}),
    )
    .await;
    app.post(
        &format!("/api/v1/telephony/autoCall/{task}/play"),
        Some(&app.tokens.admin),
        json!({}),
    )
    .await
    .ok(200);
    // Tokens expire in an hour; the day below is read as the principal from now.
    let admin = app.admin();
    let mut waits = Vec::new();
    loop {
        app.http.answer(Err("timed out after 10s".into()));
        assert_eq!(app.services.webhooks.deliver_due().await.unwrap(), 1);
        let Some(next) = app.services.webhooks.next_due().await.unwrap() else {
            break;
        };
        waits.push((next - app.clock_now()).num_seconds());
        app.clock.advance(next - app.clock_now());
    }
    assert_eq!(&waits[..4], [10, 20, 40, 80]);
    assert!(waits.iter().all(|w| *w <= 3600));
    let filter = DeliveryFilter {
        state: Some(DeliveryState::Failed),
        ..DeliveryFilter::default()
    };
    let failed = app
        .services
        .webhooks
        .deliveries(&admin, &filter, Page::new(0, 10).unwrap())
        .await
        .unwrap();
    assert_eq!(failed.total, 1);
    assert_eq!(failed.items[0].attempts.len(), waits.len() + 1);
}

#[tokio::test]
async fn redirects_and_recalls_reach_the_urls_that_want_them() {
    let app = TestApp::new().await;
    let receivers = Arc::new(Receivers::default());
    let mut handoffs = receivers.add("https://hooks.test/handoffs");
    let mut ended = receivers.add("https://hooks.test/ended");
    let node = node(&app, &receivers).await;
    // A bot that hands every callee to an operator (one operator line).
    let (agent, _) = app
        .voice_campaign_of(HANDOFF, |s| s.routing_channel_limit = 1)
        .await;
    let task = create_task(
        &app,
        json!({"name": "Hooks", "defaultExecData": agent.id.0,
        "redialStrategyOptions": {"busy": {"redial": true, "time": 60, "count": 2}},
        "webhookUrls": [
            {"url": handoffs.url,
             "events": {"CALL_REDIRECTED": true, "RECALL_SCHEDULED": true}},
            {"url": ended.url, "events": {"CALL_ENDED": true}}
        ]}),
    )
    .await;
    for (phone, persona, n) in [
        ("79160000001", "patient", 1),
        ("79160000002", "always_busy", 2),
    ] {
        app.post(
            "/api/v1/telephony/autoCallCandidate",
            Some(&app.tokens.admin),
            json!({"phone": [phone], "autoCallId": task, "forceStart": true,
                   "variables": {"persona": persona}, "callbackData": {"orderId": n},
                   "clientExternalId": format!("c-{n}")}),
        )
        .await
        .ok(200);
    }
    let calls = app.run_dialer().await;
    assert_eq!(
        calls.len(),
        2,
        "the busy one is called again only in a minute"
    );
    let transferred = calls.iter().find(|c| c.transferred).unwrap();
    let busy = calls.iter().find(|c| !c.transferred).unwrap();

    node.webhooks.deliver_due().await.unwrap();
    let got = handoffs.drain();
    let mut by_event: Vec<(&str, &Value)> = events(&got).into_iter().zip(&got).collect();
    by_event.sort_by_key(|(event, _)| *event);
    let [
        ("CALL_REDIRECTED", redirected),
        ("RECALL_SCHEDULED", recall),
    ] = by_event[..]
    else {
        panic!("expected one CALL_REDIRECTED and one RECALL_SCHEDULED: {got:#?}");
    };
    assert_eq!(redirected["taskId"], json!(task));
    assert_eq!(redirected["autoCallId"], json!(task));
    assert_eq!(redirected["botId"], json!(agent.id.0));
    assert_eq!(redirected["callId"], json!(transferred.uuid.to_string()));
    assert_eq!(redirected["phone"], "79160000001");
    assert_eq!(redirected["callbackData"], json!({"orderId": 1}));

    assert_eq!(recall["callId"], json!(busy.uuid.to_string()));
    assert_eq!(recall["phone"], "79160000002");
    assert_eq!(recall["status"], "BUSY");
    assert_eq!(recall["callbackData"], json!({"orderId": 2}));
    assert_eq!(recall["nextAttempt"], 2);
    let entry = app.entry(busy.dialog_id).await;
    let recall_at = chrono::DateTime::parse_from_rfc3339(recall["recallAt"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    assert_eq!(recall_at, entry.next_at);
    assert_eq!(recall_at, busy.ended_at + TimeDelta::seconds(60));
    insta::assert_json_snapshot!("recall_scheduled", redact(redact_times(recall.clone())));
    insta::assert_json_snapshot!("call_redirected", redact(redact_times(redirected.clone())));

    // The other URL asked for CALL_ENDED alone.
    assert_eq!(events(&ended.drain()), ["CALL_ENDED", "CALL_ENDED"]);
}

/// A line whose calls are the test line's, except that a transfer waits for the test: it says
/// when one starts and goes on when told.
struct HeldTransfers {
    line: Arc<dyn Line>,
    started: tokio::sync::mpsc::UnboundedSender<()>,
    go_on: Arc<tokio::sync::Semaphore>,
}

#[derive(Debug)]
struct HeldLeg {
    leg: Box<dyn CallLeg>,
    started: tokio::sync::mpsc::UnboundedSender<()>,
    go_on: Arc<tokio::sync::Semaphore>,
}

#[async_trait]
impl Line for HeldTransfers {
    async fn dial(&self, request: DialRequest) -> parley_domain::Result<Dialed> {
        Ok(match self.line.dial(request).await? {
            Dialed::Answered {
                leg,
                responder,
                ring,
            } => Dialed::Answered {
                leg: Box::new(HeldLeg {
                    leg,
                    started: self.started.clone(),
                    go_on: Arc::clone(&self.go_on),
                }),
                responder,
                ring,
            },
            other => other,
        })
    }
}

#[async_trait]
impl CallLeg for HeldLeg {
    async fn say(&mut self, text: &str) -> parley_domain::Result<bool> {
        self.leg.say(text).await
    }

    async fn listen(&mut self, no_input: std::time::Duration) -> parley_domain::Result<Heard> {
        self.leg.listen(no_input).await
    }

    async fn transfer(&mut self) -> parley_domain::Result<Transferred> {
        let _ = self.started.send(());
        let permit = self.go_on.acquire().await;
        drop(permit);
        self.leg.transfer().await
    }

    async fn hang_up(self: Box<Self>) -> parley_domain::Result<LegReport> {
        self.leg.hang_up().await
    }
}

#[tokio::test]
async fn a_redirect_is_reported_as_the_operator_takes_the_call() {
    let app = TestApp::new().await;
    let receivers = Arc::new(Receivers::default());
    let hook = receivers.add("https://hooks.test/redirects");
    let (started, mut transfers) = tokio::sync::mpsc::unbounded_channel();
    let go_on = Arc::new(tokio::sync::Semaphore::new(0));
    let line = HeldTransfers {
        line: telephony().line,
        started,
        go_on: Arc::clone(&go_on),
    };
    let clock: Arc<dyn Clock> = app.clock.clone();
    let telephony = Telephony {
        line: Arc::new(line),
        ..telephony()
    };
    let node = Services::new(
        app.store.clone(),
        clock,
        receivers.clone(),
        telephony,
        Arc::new(Twin24Webhooks),
    )
    .await
    .unwrap();
    let (agent, _) = app
        .voice_campaign_of(HANDOFF, |s| s.routing_channel_limit = 1)
        .await;
    let task = create_task(
        &app,
        json!({"name": "Handoffs", "defaultExecData": agent.id.0, "webhookUrls": [hook.url]}),
    )
    .await;
    app.post(
        "/api/v1/telephony/autoCallCandidate",
        Some(&app.tokens.admin),
        json!({"phone": ["79160000001"], "autoCallId": task, "forceStart": true,
               "variables": {"persona": "patient"}}),
    )
    .await
    .ok(200);
    app.services.campaigns.process_uploads().await.unwrap();
    let dialer = Arc::new(node.dialer(DialerConfig::new("held")));
    let claimed = dialer.claim().await.unwrap();
    assert_eq!(claimed.len(), 1);
    let placing = {
        let dialer = Arc::clone(&dialer);
        let dial = claimed.into_iter().next().unwrap();
        tokio::spawn(async move { dialer.place(dial).await })
    };

    // The operator has the call: its redirect is out already, its end is not.
    transfers.recv().await.unwrap();
    let written = |event: &str| DeliveryFilter {
        event: Some(event.to_owned()),
        ..DeliveryFilter::default()
    };
    let page = Page::new(0, 10).unwrap();
    let who = app.admin();
    let redirects = node
        .webhooks
        .deliveries(&who, &written("CALL_REDIRECTED"), page)
        .await
        .unwrap();
    assert_eq!(redirects.total, 1);
    let ended = written("CALL_ENDED");
    let ends = node.webhooks.deliveries(&who, &ended, page);
    assert_eq!(ends.await.unwrap().total, 0);
    let body: Value = serde_json::from_str(&redirects.items[0].payload).unwrap();
    assert_eq!(body["event"], "CALL_REDIRECTED");
    assert_eq!(body["phone"], "79160000001");

    go_on.add_permits(1);
    let call = placing.await.unwrap().unwrap();
    assert!(call.transferred);
    assert_eq!(body["callId"], json!(call.uuid.to_string()));
    // Twin24's documentation names the call `id`; clients written from it read that.
    assert_eq!(body["id"], json!(call.uuid.to_string()));
    let answered = call.answered_at.unwrap().to_rfc3339();
    assert_eq!(body["answeredAt"], json!(answered));
    let ends = node.webhooks.deliveries(&who, &ended, page);
    assert_eq!(ends.await.unwrap().total, 1);
}

/// Has the database refuse `CALL_REDIRECTED` rows while no call is recorded: the report written
/// as a transfer starts fails, and one written with its call goes in.
#[expect(
    clippy::unwrap_used,
    reason = "a test helper: a failed unwrap is a failed test"
)]
async fn refuse_redirects_before_calls(database: &str) {
    use sqlx::{Connection, Executor};
    if database.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(database).await.unwrap();
        conn.execute(
            "CREATE FUNCTION refuse_early_redirect() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN IF NEW.event = 'CALL_REDIRECTED' AND NOT EXISTS (SELECT 1 FROM calls) \
             THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$",
        )
        .await
        .unwrap();
        conn.execute(
            "CREATE TRIGGER refuse_early_redirect BEFORE INSERT ON webhook_outbox \
             FOR EACH ROW EXECUTE FUNCTION refuse_early_redirect()",
        )
        .await
        .unwrap();
    } else {
        let url = format!("sqlite://{database}");
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        conn.execute(
            "CREATE TRIGGER refuse_early_redirect BEFORE INSERT ON webhook_outbox \
             WHEN NEW.event = 'CALL_REDIRECTED' AND NOT EXISTS (SELECT 1 FROM calls) \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn a_redirect_that_cannot_be_written_as_it_starts_is_written_with_the_call() {
    let app = TestApp::new().await;
    let (agent, _) = app
        .voice_campaign_of(HANDOFF, |s| s.routing_channel_limit = 1)
        .await;
    let task = create_task(
        &app,
        json!({"name": "Handoffs", "defaultExecData": agent.id.0,
               "webhookUrls": ["https://hooks.test/crm"]}),
    )
    .await;
    app.post(
        "/api/v1/telephony/autoCallCandidate",
        Some(&app.tokens.admin),
        json!({"phone": ["79160000001"], "autoCallId": task, "forceStart": true,
               "variables": {"persona": "patient"}}),
    )
    .await
    .ok(200);
    refuse_redirects_before_calls(&app.database).await;

    let calls = app.run_dialer().await;
    let [call] = &calls[..] else {
        panic!("expected one call: {calls:#?}");
    };
    assert!(call.transferred);
    // Late but not lost: the redirect went in with the call, before its end.
    let listed = app
        .services
        .webhooks
        .deliveries(
            &app.admin(),
            &DeliveryFilter::default(),
            Page::new(0, 10).unwrap(),
        )
        .await
        .unwrap();
    let mut rows = listed.items;
    rows.sort_by_key(|d| d.id);
    let events: Vec<&str> = rows.iter().map(|d| d.event.as_str()).collect();
    assert_eq!(
        events,
        [
            "AUTOCALL_STATUS_CHANGED",
            "CALL_REDIRECTED",
            "CALL_ENDED",
            "CANDIDATE_CHANGED"
        ]
    );
    let body: Value = serde_json::from_str(&rows[1].payload).unwrap();
    assert_eq!(body["callId"], json!(call.uuid.to_string()));
    assert_eq!(body["phone"], "79160000001");
    assert_eq!(
        body["answeredAt"],
        json!(call.answered_at.unwrap().to_rfc3339())
    );
}
