//! `parley-campaign-load`: the outbound campaign benchmark, over the Neuro.net face of a running
//! `parley serve --demo` (run it with `--time-scale 0` to measure the dialer, not the callees).
//!
//! It uploads `--rows` contacts for the demo voice agent in one `dialogs-group-initial` call,
//! reports how long until the upload was accepted and until every row was queued, then counts
//! the calls the dialer completes until every contact was called once.
//!
//! ```text
//! parley serve --demo --time-scale 0 --data-dir /tmp/bench &
//! parley-campaign-load --data-dir /tmp/bench --rows 100000 --channels 500
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde_json::{Value, json};

/// Prints a progress line (this tool's whole output is its report).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Outbound campaign benchmark for Parley.
#[derive(Debug, Parser)]
struct Args {
    /// The server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base: String,
    /// The server's data directory, for `demo.json`.
    #[arg(long, default_value = "parley-data")]
    data_dir: PathBuf,
    /// Contacts to upload in one call.
    #[arg(long, default_value_t = 100_000)]
    rows: u64,
    /// The voice agent's concurrent call limit during the run.
    #[arg(long, default_value_t = 500)]
    channels: u64,
    /// Only measure the upload; do not wait for the calls.
    #[arg(long)]
    upload_only: bool,
    /// Stop the agent's queue (Neuro.net `queue/stop`) as soon as the upload is accepted and
    /// return it once every contact is queued, so the calls are measured on a full queue rather
    /// than while the upload competes for the database.
    #[arg(long)]
    queue_first: bool,
    /// Give up waiting for calls after this many seconds.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let demo_path = args.data_dir.join("demo.json");
    let demo: Value =
        serde_json::from_str(&std::fs::read_to_string(&demo_path).with_context(|| {
            format!(
                "cannot read {}; start `parley serve --demo` with this data directory first",
                demo_path.display()
            )
        })?)?;
    let agent = demo["agents"]
        .as_array()
        .and_then(|agents| agents.iter().find(|a| a["channel"] == "voice"))
        .and_then(|a| a["uuid"].as_str())
        .context("demo.json has no voice agent")?
        .to_owned();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()?;
    let api = format!("{}/api/v2/ext", args.base.trim_end_matches('/'));

    let auth: Value = client
        .post(format!("{api}/auth"))
        .basic_auth(
            demo["email"].as_str().unwrap_or_default(),
            demo["password"].as_str(),
        )
        .send()
        .await?
        .error_for_status()
        .context("logging in with the demo credentials")?
        .json()
        .await?;
    let token = auth["token"]
        .as_str()
        .context("no token in the auth answer")?
        .to_owned();
    client
        .put(format!("{api}/agent-settings/general?agent_uuid={agent}"))
        .bearer_auth(&token)
        .json(&json!({ "total_channel_limit": args.channels }))
        .send()
        .await?
        .error_for_status()
        .context("raising the agent's channel limit")?;

    let rows: Vec<Value> = (0..args.rows)
        .map(|i| json!({ "msisdn": 79_000_000_000_u64 + i, "client_name": format!("Load {i}") }))
        .collect();
    let body = serde_json::to_vec(&rows)?;
    say!(
        "uploading {} contacts ({:.1} MB)",
        args.rows,
        body.len() as f64 / 1e6
    );
    let started = Instant::now();
    let reply = client
        .post(format!(
            "{api}/dialog/dialogs-group-initial?agent_uuid={agent}"
        ))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    let status = reply.status();
    let reply: Value = reply.json().await?;
    if status.as_u16() != 202 {
        bail!("the upload was refused: {status} {reply}");
    }
    let accepted = started.elapsed();
    say!("accepted after {:.2} s", accepted.as_secs_f64());
    let task = reply["task_uuid"]
        .as_str()
        .context("no task_uuid")?
        .to_owned();
    let bulk = reply["bulk_uuid"]
        .as_str()
        .context("no bulk_uuid")?
        .to_owned();
    let queue = |action: &'static str| {
        let request = client
            .post(format!("{api}/queue/{action}?agent_uuid={agent}"))
            .bearer_auth(&token);
        async move {
            request
                .send()
                .await?
                .error_for_status()
                .with_context(|| format!("queue/{action}"))
        }
    };
    if args.queue_first {
        queue("stop").await?;
    }
    loop {
        let state: Value = client
            .get(format!(
                "{api}/dialog/dialogs-group-initial-status?task_uuid={task}"
            ))
            .bearer_auth(&token)
            .send()
            .await?
            .json()
            .await?;
        if state["state"] == "SUCCESS" {
            say!(
                "all queued after {:.2} s ({})",
                started.elapsed().as_secs_f64(),
                state["info"]
            );
            break;
        }
        if started.elapsed() > Duration::from_secs(args.timeout) {
            bail!(
                "the upload was not queued within {} s: {state}",
                args.timeout
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if args.upload_only {
        return Ok(());
    }
    if args.queue_first {
        say!("returning the queue: calls start now");
        queue("return").await?;
    }

    // Calls: sample the bulk's call count until every contact was called once.
    let mut first: Option<(Instant, u64)> = None;
    let mut last_print = Instant::now();
    let mut previous = (Instant::now(), 0_u64);
    let mut peak = 0.0_f64;
    loop {
        let calls: Value = client
            .get(format!(
                "{api}/queue/call?agent_uuid={agent}&bulk_uuid={bulk}&limit=1&offset=0"
            ))
            .bearer_auth(&token)
            .send()
            .await?
            .json()
            .await?;
        let count = calls["total_count"]
            .as_u64()
            .context("no total_count in queue/call")?;
        let now = Instant::now();
        if first.is_none() && count > 0 {
            first = Some((now, count));
            previous = (now, count);
        }
        let window = now - previous.0;
        if first.is_some() && window >= Duration::from_secs(1) {
            peak = peak.max((count - previous.1) as f64 / window.as_secs_f64());
            previous = (now, count);
        }
        if last_print.elapsed() >= Duration::from_secs(2) {
            say!("  {count} calls");
            last_print = now;
        }
        if count >= args.rows {
            let (t0, c0) = first.unwrap_or((started, 0));
            let seconds = (now - t0).as_secs_f64().max(1e-3);
            say!(
                "{count} calls completed; {:.0} calls/s on average since the first, peak {:.0}/s over 1 s",
                (count - c0) as f64 / seconds,
                peak
            );
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(args.timeout) {
            bail!(
                "only {count} of {} calls after {} s",
                args.rows,
                args.timeout
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
