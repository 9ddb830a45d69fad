//! Two `parley serve` processes on one database (a fresh PostgreSQL database when
//! `PARLEY_TEST_POSTGRES_URL` is set, as in CI's second run; otherwise one SQLite file) share a
//! campaign: every contact is dialed exactly once.

use std::collections::HashMap;

use serde_json::json;

use crate::neuro_story::{CALL_BOT, Neuro, RATERS, login, upload_raters};
use crate::support::Server;
use crate::{create_user_with, voice_agent};

const EMAIL: &str = "nodes@acme.test";
const PASSWORD: &str = "correct horse";
const CONTACTS: u64 = 60;

/// A fresh database on the PostgreSQL server `admin_url` names.
async fn fresh_postgres(admin_url: &str) -> String {
    use sqlx::Connection;
    let name = format!("parley_nodes_{}", uuid::Uuid::new_v4().simple());
    let mut connection = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("PostgreSQL reachable");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut connection)
        .await
        .expect("database created");
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    format!("{base}/{name}")
}

#[tokio::test]
async fn two_processes_on_one_database_dial_every_contact_exactly_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let personas = dir.path().join("personas.yaml");
    std::fs::write(&personas, RATERS).expect("personas written");
    let database = match std::env::var("PARLEY_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(fresh_postgres(&url).await),
        _ => None,
    };
    let mut flags = vec![
        "--time-scale".to_owned(),
        "0.02".to_owned(),
        "--personas".to_owned(),
        personas.display().to_string(),
    ];
    if let Some(url) = &database {
        flags.extend(["--database-url".to_owned(), url.clone()]);
    }
    create_user_with(dir.path(), EMAIL, PASSWORD, &flags[4..]);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let a = Server::start(dir.path(), &[&flags[..], &["--node", "node-a"]].concat()).await;
    let b = Server::start(dir.path(), &[&flags[..], &["--node", "node-b"]].concat()).await;

    let native = a.login(EMAIL, PASSWORD).await;
    voice_agent(&a, &native, CALL_BOT).await;
    let neuro = login(&a, EMAIL, PASSWORD).await;
    let query = upload_raters(
        &neuro,
        json!({"total_channel_limit": 8}),
        74951113000,
        CONTACTS,
    )
    .await;

    // Read through the other node: the campaign finishes.
    let via_b = Neuro {
        server: &b,
        token: neuro.token.clone(),
    };
    let done = via_b
        .until(&format!("/queue/dialog?{query}&limit=1000"), |q| {
            q["total_count"] == CONTACTS
                && q["data"]
                    .as_array()
                    .is_some_and(|rows| rows.iter().all(|r| r["result"] == "answered"))
        })
        .await;
    assert_eq!(
        done["data"].as_array().map(Vec::len),
        Some(CONTACTS as usize)
    );
    let (_, calls) = via_b.get(&format!("/queue/call?{query}&limit=1000")).await;
    let mut per_contact: HashMap<&str, u32> = HashMap::new();
    for call in calls["data"].as_array().expect("calls") {
        *per_contact
            .entry(call["dialog"]["uuid"].as_str().unwrap_or_default())
            .or_default() += 1;
    }
    assert_eq!(per_contact.len() as u64, CONTACTS);
    assert!(per_contact.values().all(|&n| n == 1), "{per_contact:?}");
    a.kill().await;
    b.kill().await;
}
