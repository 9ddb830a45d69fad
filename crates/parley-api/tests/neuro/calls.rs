//! After calls ran on the simulated line: statistics rows with output entities, the
//! dialog-report with transcripts and pages, recordings, transcriptions, the queue lists, stop,
//! return and remove as the dialer sees them, completed selections, and other companies.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::common::{Reply, TestApp};
use crate::support::{call, get, send, snap};

/// A body's string at `key`.
fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

/// [`snap`] with the times in transcripts and of transcription events as `[time]`: an answered
/// call's ring time is drawn per call, so its lines move as a whole from run to run (row `date`s,
/// when dialing started, stay).
fn snap_times(reply: &Reply) -> Value {
    fn walk(value: Value, key: &str) -> Value {
        match value {
            Value::String(text) if matches!(key, "body" | "call_transcript") => {
                Value::String(without_times(&text))
            }
            Value::String(text) if key == "date" && text.contains('.') => json!("[time]"),
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
    walk(snap(reply), "")
}

/// `text` with every `2025-03-14 hh:mm:ss` in it replaced by `[time]`.
fn without_times(text: &str) -> String {
    let parts: Vec<&str> = text.split("2025-03-14 ").collect();
    let mut out = parts[0].to_owned();
    for part in &parts[1..] {
        out.push_str("[time]");
        out.push_str(part.get(8..).unwrap_or_default());
    }
    out
}

/// The times (`hh:mm:ss`) a transcript names, in order.
fn times_in(text: &str) -> Vec<String> {
    text.split("2025-03-14 ")
        .skip(1)
        .map(|part| part.chars().take(8).collect())
        .collect()
}

/// Declares output entities beside the scenario's own (`rating`).
async fn declare_outputs(app: &TestApp, agent: &str) {
    for (name, kind) in [("good_time", "string"), ("never_set", "number")] {
        let reply = send(
            app,
            "POST",
            &format!("/output-entity?agent_uuid={agent}"),
            json!({ "name": name, "entity_type": kind }),
        )
        .await;
        reply.ok(201);
    }
}

/// The data rows' `key` values.
fn column(reply: &Reply, key: &str) -> Vec<String> {
    let rows = match &reply.body {
        Value::Array(rows) => rows.clone(),
        body => body["data"].as_array().cloned().unwrap_or_default(),
    };
    rows.iter().map(|row| text(row, key)).collect()
}

#[tokio::test]
async fn statistics_recordings_and_transcriptions_after_calls() {
    let app = TestApp::new().await;
    let (agent, campaign) = app.voice_campaign().await;
    let (agent, bulk) = (agent.uuid.to_string(), campaign.uuid.to_string());
    declare_outputs(&app, &agent).await;
    let rows = json!([
        { "msisdn": "79991230001", "persona": "cooperative", "client_name": "Ann" },
        { "msisdn": 79991230002_u64, "persona": "always_busy" },
        { "msisdn": "79991230003", "persona": "voicemail" }
    ]);
    let path = format!("/dialog/dialogs-group-initial?agent_uuid={agent}&bulk_uuid={bulk}");
    let accepted = send(&app, "POST", &path, rows).await;
    assert_eq!(text(accepted.ok(202), "bulk_uuid"), bulk);
    let calls = app.run_dialer().await;
    assert_eq!(calls.len(), 3);
    let queued = get(&app, &format!("/queue/dialog?agent_uuid={agent}")).await;
    insta::assert_json_snapshot!("queue_dialogs", snap(&queued));
    let dialogs = column(&queued, "uuid");

    let ann = get(
        &app,
        &format!("/statistic/dialog?dialog_uuid={}", dialogs[0]),
    )
    .await;
    insta::assert_json_snapshot!("stat_dialog", snap(&ann));
    let group = get(&app, &format!("/statistic/dialog-group?bulk_uuid={bulk}")).await;
    insta::assert_json_snapshot!("stat_group", snap(&group));
    assert_eq!(
        column(&group, "result"),
        ["finished", "busy", "answering_machine"]
    );

    let report = |start: &str, end: &str, page: Value| {
        let mut body = json!({ "agent_uuid": agent, "start": start, "end": end });
        if let (Value::Object(body), Value::Object(page)) = (&mut body, page) {
            body.extend(page);
        }
        send(&app, "POST", "/statistic/dialog-report", body)
    };
    let first = report(
        "2025-03-14 09:00:00",
        "2025-03-14T23:59:59.999999",
        json!({ "limit": 2 }),
    )
    .await;
    insta::assert_json_snapshot!("report_page_1", snap_times(&first));
    let spoken = times_in(&text(&first.body["result"][0], "call_transcript"));
    assert_eq!(spoken.len(), 5);
    assert!(
        spoken.is_sorted() && spoken[0].as_str() > "09:00:00",
        "{spoken:?}"
    );
    let second = report(
        "2025-03-14 00:00:00.0",
        "2025-03-15T00:00:00",
        json!({ "limit": "2", "offset": "2" }),
    )
    .await;
    insta::assert_json_snapshot!("report_page_2", snap_times(&second));
    let before = report("2025-03-13 00:00:00", "2025-03-14 08:59:59.999", json!({})).await;
    assert_eq!(before.ok(200), &json!({ "result": [], "total": 0 }));

    let calls_listed = get(
        &app,
        &format!("/queue/call?agent_uuid={agent}&bulk_uuid={bulk}"),
    )
    .await;
    insta::assert_json_snapshot!("queue_calls", snap(&calls_listed));
    let call_uuids = column(&calls_listed, "uuid");

    let download = get(
        &app,
        &format!("/statistic/download/call?call_uuid={}", call_uuids[0]),
    )
    .await;
    let wav = STANDARD
        .decode(text(download.ok(200), "data"))
        .unwrap_or_default();
    assert!(wav.starts_with(b"RIFF"), "a WAV recording");
    assert_eq!(
        text(&download.body, "file_name"),
        format!("{}.wav", call_uuids[0])
    );
    let unanswered = get(
        &app,
        &format!("/statistic/download/call?call_uuid={}", call_uuids[1]),
    )
    .await;
    insta::assert_json_snapshot!("download_unanswered", snap(&unanswered));

    let events = get(
        &app,
        &format!("/statistic/{}/transcription?type=json", call_uuids[0]),
    )
    .await;
    insta::assert_json_snapshot!("transcription_json", snap_times(&events));
    let dates = column(&events, "date");
    assert_eq!(
        dates.first().map(String::as_str),
        Some("2025-03-14 09:00:00.000")
    );
    assert!(dates.is_sorted(), "{dates:?}");
    let plain = get(
        &app,
        &format!("/statistic/{}/transcription?type=text", call_uuids[0]),
    )
    .await;
    assert_eq!(
        plain.content_type.as_deref(),
        Some("text/plain; charset=utf-8")
    );
    insta::assert_json_snapshot!("transcription_text", snap_times(&plain));
    assert_eq!(times_in(plain.body.as_str().unwrap_or_default()), spoken);
    let default_type = get(&app, &format!("/statistic/{}/transcription", call_uuids[0])).await;
    assert_eq!(default_type.body, events.body);

    // Company B sees none of it, and learns nothing about it either.
    let other = app.tokens.other.clone();
    let as_b = |path: String| {
        let other = other.clone();
        let app = &app;
        async move { call(app, "GET", &path, Some(&other), None).await }
    };
    let no_data = json!({ "message": "No data for dialog report" });
    let theirs = as_b(format!("/statistic/dialog?dialog_uuid={}", dialogs[0])).await;
    assert_eq!((theirs.status.as_u16(), &theirs.body), (404, &no_data));
    let theirs = as_b(format!("/statistic/dialog-group?bulk_uuid={bulk}")).await;
    assert_eq!((theirs.status.as_u16(), &theirs.body), (404, &no_data));
    let theirs = as_b(format!(
        "/statistic/download/call?call_uuid={}",
        call_uuids[0]
    ))
    .await;
    assert_eq!(theirs.status, 404);
    assert!(!theirs.body.to_string().contains("RIFF"));
    let theirs = as_b(format!("/statistic/{}/transcription", call_uuids[0])).await;
    assert_eq!(
        (theirs.status.as_u16(), &theirs.body),
        (404, &json!({ "data": [] }))
    );
    let theirs = as_b(format!("/queue/call?agent_uuid={agent}")).await;
    assert_eq!(theirs.status, 409);
}

/// `POST /queue/{action}?agent_uuid={agent}{extra}` with no body; asserts `200 null`.
async fn control(app: &TestApp, action: &str, agent: &str, extra: &str) {
    let reply = call(
        app,
        "POST",
        &format!("/queue/{action}?agent_uuid={agent}{extra}"),
        Some(&app.tokens.admin),
        None,
    )
    .await;
    assert_eq!(reply.ok(200), &Value::Null, "{action}");
}

#[tokio::test]
async fn stop_return_and_remove_steer_the_dialer() {
    let app = TestApp::new().await;
    let (agent, campaign) = app.voice_campaign().await;
    let agent = agent.uuid.to_string();
    let mut dialogs = Vec::new();
    for (n, bulk) in [Some(campaign.uuid), None, None].into_iter().enumerate() {
        let bulk = bulk.map_or(String::new(), |b| format!("&bulk_uuid={b}"));
        let reply = send(
            &app,
            "POST",
            &format!("/dialog/dialog-initial?agent_uuid={agent}{bulk}"),
            json!({ "msisdn": format!("7999123000{n}"), "persona": "cooperative" }),
        )
        .await;
        dialogs.push(text(reply.ok(200), "dialog_uuid"));
    }

    control(&app, "stop", &agent, "").await;
    assert!(
        app.run_dialer().await.is_empty(),
        "a stopped agent's contacts are not claimed"
    );
    let waiting = get(&app, &format!("/queue/dialog?agent_uuid={agent}")).await;
    assert_eq!(column(&waiting, "result"), ["waiting"; 3]);

    control(
        &app,
        "remove",
        &agent,
        &format!("&dialog_uuid={}", dialogs[2]),
    )
    .await;
    control(&app, "return", &agent, "").await;
    let calls = app.run_dialer().await;
    let called: Vec<String> = calls.iter().map(|c| c.dialog_uuid.to_string()).collect();
    assert_eq!(called, dialogs[..2]);
    let after = get(&app, &format!("/queue/dialog?agent_uuid={agent}")).await;
    insta::assert_json_snapshot!("steered_dialogs", snap(&after));
    assert_eq!(
        column(&after, "result"),
        ["answered", "answered", "removed"]
    );
}

#[tokio::test]
async fn selections_complete_when_their_calls_are_done() {
    let app = TestApp::new().await;
    let (agent, _) = app.voice_campaign().await;
    let agent = agent.uuid.to_string();
    let path = format!(
        "/dialog/dialogs-group-initial?agent_uuid={agent}&with_selection=true&selection_name=Spring"
    );
    let accepted = send(&app, "POST", &path, json!([{ "msisdn": "79991230001" }])).await;
    let bulk = text(accepted.ok(202), "bulk_uuid");
    let open = get(
        &app,
        &format!("/selection?agent_uuid={agent}&is_completed=false"),
    )
    .await;
    assert_eq!(column(&open, "uuid"), std::slice::from_ref(&bulk));
    assert_eq!(app.run_dialer().await.len(), 1);
    app.dialer("selection-test")
        .complete_drained()
        .await
        .unwrap_or_default();
    let done = get(
        &app,
        &format!("/selection?agent_uuid={agent}&is_completed=true"),
    )
    .await;
    insta::assert_json_snapshot!("selection_completed", snap(&done));
    assert_eq!(column(&done, "uuid"), [bulk]);
    let open = get(
        &app,
        &format!("/selection?agent_uuid={agent}&is_completed=0"),
    )
    .await;
    assert_eq!(open.ok(200), &json!([]));
    let bad = get(&app, "/selection?is_completed=maybe").await;
    insta::assert_json_snapshot!("selection_bad_flag", snap(&bad));
}
