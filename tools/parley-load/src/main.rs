//! `parley-load`: drives chat turns (or a trivial route) over HTTP against a running Parley and
//! reports throughput and latency percentiles. Latency is measured from the moment a request was
//! *scheduled*, so a server that falls behind an open-loop rate shows it in the percentiles.
//!
//! ```text
//! parley-load --data-dir parley-data --rate 1000 --seconds 20     # fixed offered rate
//! parley-load --data-dir parley-data --concurrency 32 --seconds 20 # as fast as it answers
//! parley-load --data-dir parley-data --route health --concurrency 32
//! ```

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// A chat bot that never ends: every message gets an answer and the dialog waits again.
const LOOP_SCENARIO: &str = include_str!("loop-bot.yaml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Route {
    /// `POST /parley/v1/dialogs/{id}/messages`: a persisted chat turn.
    Turn,
    /// `GET /parley/v1/health`: the ceiling the server can answer at all.
    Health,
}

/// Load generator for Parley.
#[derive(Debug, Parser)]
struct Args {
    /// The server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base: String,
    /// The server's data directory, for `demo.json` (run `parley serve --demo` once).
    #[arg(long, default_value = "parley-data")]
    data_dir: PathBuf,
    /// What to load.
    #[arg(long, value_enum, default_value = "turn")]
    route: Route,
    /// Offered requests per second (open loop); without it, closed loop at --concurrency.
    #[arg(long)]
    rate: Option<u64>,
    /// Requests in flight at most.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// How long to measure.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// How many dialogs to spread turns over.
    #[arg(long, default_value_t = 512)]
    dialogs: usize,
}

struct Target {
    client: reqwest::Client,
    urls: Vec<String>,
    token: String,
    route: Route,
}

impl Target {
    async fn hit(&self, index: usize) -> bool {
        let url = &self.urls[index % self.urls.len()];
        let request = match self.route {
            Route::Turn => self
                .client
                .post(url)
                .bearer_auth(&self.token)
                .json(&json!({"text": "hello"})),
            Route::Health => self.client.get(url),
        };
        match request.send().await {
            Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
            Err(_) => false,
        }
    }
}

#[derive(Default)]
struct Tally {
    latencies_us: Mutex<Vec<u64>>,
    ok: AtomicU64,
    failed: AtomicU64,
}

impl Tally {
    async fn record(&self, ok: bool, since: Instant) {
        let micros = u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX);
        if ok {
            self.ok.fetch_add(1, Ordering::Relaxed);
            self.latencies_us.lock().await.push(micros);
        } else {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn say(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    // reqwest is built without a default crypto provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let demo_path = args.data_dir.join("demo.json");
    let demo: Value =
        serde_json::from_str(&std::fs::read_to_string(&demo_path).with_context(|| {
            format!(
                "cannot read {}; start the server with `parley serve --demo` first",
                demo_path.display()
            )
        })?)?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency.max(1))
        .build()?;
    let base = args.base.trim_end_matches('/').to_owned();
    let login: Value = client
        .post(format!("{base}/parley/v1/auth/login"))
        .json(&json!({"email": demo["email"], "password": demo["password"]}))
        .send()
        .await
        .context("cannot reach the server; is `parley serve` running at --base?")?
        .json()
        .await?;
    let token = login["access_token"]
        .as_str()
        .context("login failed: no access_token in the answer")?
        .to_owned();

    let urls = match args.route {
        Route::Health => vec![format!("{base}/parley/v1/health")],
        Route::Turn => prepare_dialogs(&client, &base, &token, args.dialogs).await?,
    };
    let target = Arc::new(Target {
        client,
        urls,
        token,
        route: args.route,
    });
    let tally = Arc::new(Tally::default());
    let limit = Arc::new(tokio::sync::Semaphore::new(args.concurrency.max(1)));
    let duration = Duration::from_secs(args.seconds.max(1));
    say(&format!(
        "loading {:?} for {} s, {}",
        args.route,
        duration.as_secs(),
        args.rate.map_or(
            format!("closed loop, {} in flight", args.concurrency),
            |r| format!("{r} requests/s offered")
        )
    ));

    let started = Instant::now();
    let progress = tokio::spawn(report_progress(Arc::clone(&tally), started));
    let mut sent: usize = 0;
    let mut tasks = tokio::task::JoinSet::new();
    while started.elapsed() < duration {
        let scheduled = match args.rate {
            Some(rate) => {
                let at = started + Duration::from_secs_f64(sent as f64 / rate.max(1) as f64);
                tokio::time::sleep_until(at.into()).await;
                at
            }
            None => Instant::now(),
        };
        let permit = Arc::clone(&limit).acquire_owned().await?;
        let (target, tally) = (Arc::clone(&target), Arc::clone(&tally));
        let index = sent;
        tasks.spawn(async move {
            let ok = target.hit(index).await;
            tally.record(ok, scheduled).await;
            drop(permit);
        });
        sent += 1;
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = started.elapsed();
    progress.abort();

    let mut latencies = std::mem::take(&mut *tally.latencies_us.lock().await);
    latencies.sort_unstable();
    let ok = tally.ok.load(Ordering::Relaxed);
    let failed = tally.failed.load(Ordering::Relaxed);
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * (latencies.len() - 1) as f64).round() as usize;
        latencies[rank.min(latencies.len() - 1)] as f64 / 1000.0
    };
    say(&format!(
        "result: {ok} ok, {failed} failed in {:.1} s = {:.0} ok/s; latency ms p50 {:.2} p90 {:.2} p99 {:.2} p99.9 {:.2} max {:.2}",
        elapsed.as_secs_f64(),
        ok as f64 / elapsed.as_secs_f64(),
        pct(50.0),
        pct(90.0),
        pct(99.0),
        pct(99.9),
        pct(100.0)
    ));
    if ok == 0 {
        bail!("no request succeeded");
    }
    Ok(())
}

/// Creates the looping agent and `count` dialogs; returns their message URLs.
async fn prepare_dialogs(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    count: usize,
) -> Result<Vec<String>> {
    let agent: Value = client
        .post(format!("{base}/parley/v1/agents"))
        .bearer_auth(token)
        .json(&json!({"channel": "chat", "scenario": LOOP_SCENARIO}))
        .send()
        .await?
        .json()
        .await?;
    let agent_id = agent["id"]
        .as_i64()
        .with_context(|| format!("creating the load agent failed: {agent}"))?;
    let mut urls = Vec::with_capacity(count);
    for _ in 0..count.max(1) {
        let started: Value = client
            .post(format!("{base}/parley/v1/dialogs"))
            .bearer_auth(token)
            .json(&json!({"agent_id": agent_id, "source": "load"}))
            .send()
            .await?
            .json()
            .await?;
        let id = started["dialog"]["id"]
            .as_i64()
            .with_context(|| format!("starting a dialog failed: {started}"))?;
        urls.push(format!("{base}/parley/v1/dialogs/{id}/messages"));
    }
    say(&format!(
        "agent {agent_id} with {} dialogs ready",
        urls.len()
    ));
    Ok(urls)
}

async fn report_progress(tally: Arc<Tally>, started: Instant) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    let mut last = 0;
    loop {
        tick.tick().await;
        let ok = tally.ok.load(Ordering::Relaxed);
        say(&format!(
            "  {:>3.0} s: {:>7} ok ({:>6}/s), {} failed",
            started.elapsed().as_secs_f64(),
            ok,
            ok - last,
            tally.failed.load(Ordering::Relaxed)
        ));
        last = ok;
    }
}
