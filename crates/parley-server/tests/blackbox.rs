//! Black-box tests: the real `parley` binary on port 0 with a fresh data directory.

mod campaign_crash;
mod is74_story;
mod neuro_story;
mod support;
mod twin_story;
mod two_nodes;
mod vertex_story;

use std::process::Command as StdCommand;

use axum::Json;
use axum::routing::post;
use serde_json::{Value, json};
use support::{Server, binary, bot_texts};
use tokio::sync::mpsc;

/// A two-question bot used to check that a dialog survives a crash between turns.
const PROFILE_BOT: &str = r#"
format: parley.scenario/v1
name: Profile
entry_points:
  main: ask_name
blocks:
  ask_name:
    id: 1
    ask: "What is your name?"
    type: text
    var: name
    next: ask_age
  ask_age:
    id: 2
    ask: "How old are you, {{ name }}?"
    type: number
    var: age
    retry_prompt: "Please send a number."
    next: done
  done:
    id: 3
    say: "{{ name }} is {{ age }}."
    next: finish
  finish:
    id: 4
    end: profiled
"#;

fn create_user(data_dir: &std::path::Path, email: &str, password: &str) {
    create_user_with(data_dir, email, password, &[]);
}

/// `parley user create` of an admin of company Acme, with `extra` settings (e.g. a database URL).
fn create_user_with(data_dir: &std::path::Path, email: &str, password: &str, extra: &[String]) {
    let output = StdCommand::new(binary())
        .args([
            "user",
            "create",
            "--company",
            "Acme",
            "--email",
            email,
            "--role",
            "admin",
            "--data-dir",
        ])
        .arg(data_dir)
        .args(extra)
        .env("PARLEY_USER_PASSWORD", password)
        .env_remove("PARLEY_DATABASE_URL")
        .output()
        .expect("parley user create runs");
    assert!(
        output.status.success(),
        "user create failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains(email));
}

/// A fresh data directory with an admin of Acme and `personas` (the simulated line's callees)
/// in `personas.yaml`; returns the directory and the personas file's path for `--personas`.
fn with_personas(email: &str, password: &str, personas: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    create_user(dir.path(), email, password);
    let path = dir.path().join("personas.yaml");
    std::fs::write(&path, personas).expect("personas written");
    (dir, path.display().to_string())
}

/// Creates a voice agent running `scenario` as the user of `token`; returns the agent.
async fn voice_agent(server: &Server, token: &str, scenario: &str) -> Value {
    let (status, agent) = server
        .post(
            "/parley/v1/agents",
            Some(token),
            json!({"channel": "voice", "scenario": scenario}),
        )
        .await;
    assert_eq!(status, 201, "creating the voice agent failed: {agent}");
    agent
}

async fn create_agent(server: &Server, token: &str, scenario: &str) -> i64 {
    let (status, agent) = server
        .post(
            "/parley/v1/agents",
            Some(token),
            json!({"channel": "chat", "scenario": scenario}),
        )
        .await;
    assert_eq!(status, 201, "creating the agent failed: {agent}");
    agent["id"].as_i64().expect("agent id")
}

#[tokio::test]
async fn demo_seeds_once_and_its_chat_bot_answers() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--demo"]).await;
    let demo: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("demo.json")).unwrap())
            .unwrap();
    for key in ["email", "password", "company_id", "company_uuid", "agents"] {
        assert!(!demo[key].is_null(), "demo.json lacks {key}: {demo}");
    }
    let agents = demo["agents"].as_array().unwrap();
    assert_eq!(agents.len(), 2);
    let channels: Vec<&str> = agents
        .iter()
        .map(|a| a["channel"].as_str().unwrap())
        .collect();
    assert_eq!(channels, ["chat", "voice"]);

    let token = server
        .login(
            demo["email"].as_str().unwrap(),
            demo["password"].as_str().unwrap(),
        )
        .await;
    let chat = agents[0]["id"].as_i64().unwrap();
    let (status, turn) = server
        .post(
            "/parley/v1/dialogs",
            Some(&token),
            json!({"agent_id": chat, "variables": {"client_name": "Ann"}}),
        )
        .await;
    assert_eq!(status, 201, "{turn}");
    assert!(
        !bot_texts(&turn).is_empty(),
        "the demo bot said nothing: {turn}"
    );
    server.kill().await;

    // A second start on the same data directory seeds nothing new.
    let again = Server::start(dir.path(), &["--demo"]).await;
    let second: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("demo.json")).unwrap())
            .unwrap();
    assert_eq!(second, demo);
    let token = again
        .login(
            demo["email"].as_str().unwrap(),
            demo["password"].as_str().unwrap(),
        )
        .await;
    let (status, list) = again.get("/parley/v1/agents", &token).await;
    assert_eq!(status, 200);
    assert_eq!(
        list.as_array()
            .map(Vec::len)
            .or_else(|| list["items"].as_array().map(Vec::len)),
        Some(2),
        "{list}"
    );
}

#[tokio::test]
async fn a_dialog_continues_after_the_server_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    create_user(dir.path(), "owner@acme.test", "correct horse");
    let server = Server::start(dir.path(), &[]).await;
    let token = server.login("owner@acme.test", "correct horse").await;
    let agent = create_agent(&server, &token, PROFILE_BOT).await;

    let (status, turn) = server
        .post(
            "/parley/v1/dialogs",
            Some(&token),
            json!({"agent_id": agent}),
        )
        .await;
    assert_eq!(status, 201, "{turn}");
    assert_eq!(bot_texts(&turn), ["What is your name?"]);
    let dialog = turn["dialog"]["id"].as_i64().unwrap();
    let (status, turn) = server
        .post(
            &format!("/parley/v1/dialogs/{dialog}/messages"),
            Some(&token),
            json!({"text": "Ann"}),
        )
        .await;
    assert_eq!(status, 200, "{turn}");
    assert_eq!(bot_texts(&turn), ["How old are you, Ann?"]);
    server.kill().await;

    let server = Server::start(dir.path(), &[]).await;
    let token = server.login("owner@acme.test", "correct horse").await;
    let (status, turn) = server
        .post(
            &format!("/parley/v1/dialogs/{dialog}/messages"),
            Some(&token),
            json!({"text": "41"}),
        )
        .await;
    assert_eq!(status, 200, "{turn}");
    assert_eq!(bot_texts(&turn), ["Ann is 41."]);
    assert_eq!(turn["dialog"]["status"], "ended");
    assert_eq!(turn["dialog"]["result"], "profiled");

    let (status, details) = server
        .get(&format!("/parley/v1/dialogs/{dialog}"), &token)
        .await;
    assert_eq!(status, 200);
    let texts: Vec<&str> = details["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "What is your name?",
            "Ann",
            "How old are you, Ann?",
            "41",
            "Ann is 41."
        ]
    );
}

/// A local service for webhook blocks: `/lookup` answers at once and reports what it received,
/// `/hang` never answers.
async fn webhook_target() -> (String, mpsc::UnboundedReceiver<Value>) {
    let (seen, received) = mpsc::unbounded_channel();
    let app = axum::Router::new()
        .route(
            "/lookup",
            post(move |Json(body): Json<Value>| {
                let seen = seen.clone();
                async move {
                    let _ = seen.send(body);
                    Json(json!({"data": {"tier": "gold"}}))
                }
            }),
        )
        .route("/hang", post(std::future::pending::<&'static str>));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a local port");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), received)
}

#[tokio::test]
async fn webhook_blocks_call_out_and_a_hanging_target_takes_the_error_branch() {
    let (target, mut received) = webhook_target().await;
    let scenario = format!(
        r#"
format: parley.scenario/v1
name: Lookup
inputs:
  - name: client
entry_points:
  main: lookup
blocks:
  lookup:
    id: 1
    webhook: "{target}/lookup"
    body: {{ "name": "{{{{ client }}}}" }}
    save: {{ tier: data.tier }}
    on_error: broken
    next: tell
  tell:
    id: 2
    say: "Your tier is {{{{ tier }}}}."
    next: slow
  slow:
    id: 3
    webhook: "{target}/hang"
    body: {{}}
    timeout_ms: 300
    on_error: gave_up
    next: finish
  gave_up:
    id: 4
    say: "The second lookup is unavailable."
    next: finish
  broken:
    id: 5
    say: "The first lookup failed."
    next: finish
  finish:
    id: 6
    end: done
"#
    );
    let dir = tempfile::tempdir().unwrap();
    create_user(dir.path(), "hooks@acme.test", "correct horse");
    let server = Server::start(dir.path(), &[]).await;
    let token = server.login("hooks@acme.test", "correct horse").await;
    let agent = create_agent(&server, &token, &scenario).await;

    let (status, turn) = server
        .post(
            "/parley/v1/dialogs",
            Some(&token),
            json!({"agent_id": agent, "variables": {"client": "Ann"}}),
        )
        .await;
    assert_eq!(status, 201, "{turn}");
    assert_eq!(received.recv().await, Some(json!({"name": "Ann"})));
    assert_eq!(
        bot_texts(&turn),
        ["Your tier is gold.", "The second lookup is unavailable."]
    );
    assert_eq!(turn["dialog"]["status"], "ended");
    assert_eq!(turn["dialog"]["variables"]["tier"], "gold");
}

#[test]
fn bot_check_lists_every_error_with_its_position_and_bot_test_runs_the_demo_tests() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "format: parley.scenario/v1\nname: Bad\nentry_points:\n  main: start\nblocks:\n  start:\n    id: 1\n    say: hi\n    next: nowhere\n  other:\n    id: 1\n    sya: typo\n",
    )
    .unwrap();
    let output = StdCommand::new(binary())
        .args(["bot", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !output.status.success(),
        "an invalid scenario passed: {stdout}"
    );
    let positioned = stdout
        .lines()
        .filter(|l| l.starts_with(&format!("{}:", bad.display())))
        .count();
    assert!(
        positioned >= 3,
        "expected an error per problem with line:column, got:\n{stdout}"
    );
    assert!(stdout.contains("nowhere"), "{stdout}");

    for demo in ["chat-survey.yaml", "voice-survey.yaml"] {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("demo")
            .join(demo);
        let output = StdCommand::new(binary())
            .args(["bot", "test"])
            .arg(&file)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{demo} tests failed:\n{stdout}");
        assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
    }
}
