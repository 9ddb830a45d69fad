//! Killing the server in the middle of a campaign: after a restart the campaign goes on, every
//! contact is reached exactly once, and the attempts cut by the crash are recorded as failed.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::neuro_story::{CALL_BOT, Neuro, RATERS, login, upload_raters};
use crate::support::Server;
use crate::{voice_agent, with_personas};

const EMAIL: &str = "crash@acme.test";
const PASSWORD: &str = "correct horse";
const CONTACTS: u64 = 30;

/// Calls of a bulk, all pages.
async fn calls(neuro: &Neuro<'_>, query: &str) -> Vec<Value> {
    let (status, body) = neuro.get(&format!("/queue/call?{query}&limit=1000")).await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_campaign_survives_a_crash_without_losing_or_doubling_a_call() {
    let (dir, personas) = with_personas(EMAIL, PASSWORD, RATERS);
    // Calls last about a second; a dead node's claims are taken over a second after it died.
    let flags = [
        "--time-scale",
        "0.05",
        "--lease-seconds",
        "1",
        "--personas",
        &personas,
    ];
    let first = Server::start(dir.path(), &flags).await;
    let native = first.login(EMAIL, PASSWORD).await;
    voice_agent(&first, &native, CALL_BOT).await;
    let neuro = login(&first, EMAIL, PASSWORD).await;
    let query = upload_raters(
        &neuro,
        json!({"recall_count": 1, "delay": "00:00:00", "total_channel_limit": 5}),
        74951112000,
        CONTACTS,
    )
    .await;

    // Some calls are done, others under way: kill the server as a crash would.
    neuro
        .until(&format!("/queue/call?{query}&limit=1"), |c| {
            c["total_count"].as_u64().unwrap_or(0) >= 5
        })
        .await;
    let token = neuro.token.clone();
    first.kill().await;

    // Restart on the same data: the campaign goes on until every contact is done.
    let second = Server::start(dir.path(), &flags).await;
    let neuro = Neuro {
        server: &second,
        token,
    };
    neuro
        .until(&format!("/queue/dialog?{query}&limit=1000"), |q| {
            q["total_count"] == CONTACTS
                && q["data"].as_array().is_some_and(|rows| {
                    rows.iter()
                        .all(|r| r["result"] != "waiting" && r["result"] != "dialing")
                })
        })
        .await;

    // Nothing lost: every contact was reached. Nothing doubled: reached exactly once, and every
    // other call is an attempt the crash cut (recorded as failed), at most one per contact.
    let calls = calls(&neuro, &query).await;
    let mut per_contact: HashMap<String, Vec<String>> = HashMap::new();
    for call in &calls {
        per_contact
            .entry(
                call["dialog"]["uuid"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
            .or_default()
            .push(call["result"].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(per_contact.len() as u64, CONTACTS, "{calls:#?}");
    for (dialog, results) in &per_contact {
        let reached = results.iter().filter(|r| *r == "rated").count();
        assert_eq!(reached, 1, "dialog {dialog}: {results:?}");
        assert!(
            results.iter().all(|r| r == "rated" || r == "failed") && results.len() <= 2,
            "dialog {dialog}: {results:?}"
        );
    }
    second.kill().await;
}
