//! Starting the real `parley` binary on port 0 with a fresh data directory, and talking to it.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running `parley serve`.
pub struct Server {
    pub child: Child,
    pub base: String,
    #[expect(
        dead_code,
        reason = "kept for tests that inspect files the server writes"
    )]
    pub data_dir: PathBuf,
    pub client: reqwest::Client,
}

/// An HTTP client for tests (reqwest is built without a default crypto provider).
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The path of the built binary.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_parley")
}

impl Server {
    /// Starts `parley serve --port 0 [extra…]` on `data_dir` and waits for its "listening" line.
    pub async fn start(data_dir: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(binary())
            .args(["serve", "--port", "0", "--log", "warn", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .env_remove("PARLEY_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("the parley binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines
                .next_line()
                .await
                .expect("reading stdout")
                .expect("parley exited before listening");
            if let Some(address) = line.strip_prefix("Parley listening on ") {
                break address.trim().to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Server {
            child,
            base,
            data_dir: data_dir.to_owned(),
            client: client(),
        }
    }

    /// Kills the process at once (no graceful shutdown), as a crash would.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("kill parley");
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Logs in and returns the access token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let (status, body) = self
            .post(
                "/parley/v1/auth/login",
                None,
                json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(status, 200, "login failed: {body}");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// POSTs JSON; returns the status and the JSON body (Null when empty).
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        let mut request = self.client.post(self.url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read(request.send().await.expect("request sent")).await
    }

    /// GETs; returns the status and the JSON body.
    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        read(
            self.client
                .get(self.url(path))
                .bearer_auth(token)
                .send()
                .await
                .expect("request sent"),
        )
        .await
    }
}

async fn read(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body read");
    (
        status,
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        },
    )
}

/// The texts of the bot's messages in a turn's answer.
pub fn bot_texts(turn: &Value) -> Vec<String> {
    turn["messages"]
        .as_array()
        .map(|messages| {
            messages
                .iter()
                .filter(|m| m["sender"] == "bot")
                .filter_map(|m| m["text"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
