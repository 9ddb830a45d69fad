//! Bulk upload throughput: staging 100,000 rows (`create_upload`) and queuing them in chunks of
//! 1,000 (`upload_rows` + `queue_upload_chunk`, each chunk one transaction creating its dialogs
//! and queue entries), as the campaign service's upload worker does.
//!
//! `cargo bench -p parley-store --bench upload` (SQLite in a temporary directory); with
//! `PARLEY_BENCH_POSTGRES_URL=postgres://…` it measures that database instead.
//! `PARLEY_BENCH_ROWS` changes the number of rows. Then the dialer's side: claiming the queued
//! entries 100 at a time (`claim_due`) and handing each back (`release_claim`).

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, Utc};

use parley_domain::agent::{AgentSettings, NewAgent};
use parley_domain::campaign::{
    CampaignState, CampaignWindow, NewCampaign, NewQueued, Release, UploadRow, UploadRowResult,
};
use parley_domain::dialer::PhoneNumber;
use parley_domain::ports::{AgentStore, CampaignStore, DirectoryStore, SystemClock};
use parley_domain::values::Channel;
use parley_store::SqlStore;
use serde_json::json;

/// Rows uploaded, unless `PARLEY_BENCH_ROWS` says otherwise.
const ROWS: usize = 100_000;
/// Rows per chunk (the upload worker's).
const CHUNK: u64 = 1000;
/// Entries per claim.
const CLAIM: usize = 100;
/// Claims measured.
const CLAIMS: usize = 50;

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[tokio::main]
async fn main() -> BenchResult<()> {
    let dir = tempfile::tempdir()?;
    let store = match std::env::var("PARLEY_BENCH_POSTGRES_URL") {
        Ok(url) => SqlStore::open_postgres(&url, Arc::new(SystemClock)).await?,
        Err(_) => {
            SqlStore::open_sqlite(&dir.path().join("bench.db"), Arc::new(SystemClock)).await?
        }
    };
    let rows_wanted = std::env::var("PARLEY_BENCH_ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(ROWS);
    let company = store
        .create_company(&format!("bench {}", uuid::Uuid::now_v7()))
        .await?;
    let agent = store
        .create_agent(
            company.id,
            NewAgent {
                channel: Channel::Voice,
                settings: AgentSettings {
                    total_channel_limit: 10_000,
                    ..AgentSettings::named("Bench")
                },
                scenario_source: "bench".into(),
            },
        )
        .await?;
    let campaign = store
        .create_campaign(
            company.id,
            &NewCampaign {
                agent_id: agent.id,
                name: "bench".into(),
                selection: false,
                state: CampaignState::Created,
                window: CampaignWindow::default(),
                retry: None,
                calls_per_second: None,
                hooks: Default::default(),
            },
        )
        .await?;
    let rows: Vec<UploadRow> = (0..rows_wanted)
        .map(|n| UploadRow {
            phone: format!(
                "+7 (916) {:03}-{:02}-{:02}",
                n / 10_000,
                n / 100 % 100,
                n % 100
            ),
            entry: None,
            variables: json!({"name": format!("Клиент {n}"), "debt": n * 10, "vip": n % 7 == 0})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            external_id: Some(format!("crm-{n}")),
        })
        .collect();

    let started = Instant::now();
    let mut task = store.create_upload(company.id, campaign.id, &rows).await?;
    let staged = started.elapsed().as_secs_f64();
    let queuing = Instant::now();
    let mut chunks = 0;
    while task.processed < task.total {
        let chunk = store.upload_rows(&task, task.processed, CHUNK).await?;
        let mut items = Vec::with_capacity(chunk.len());
        let mut rejected = Vec::new();
        for (row_number, row) in (task.processed..).zip(chunk) {
            match PhoneNumber::parse(&row.phone) {
                Ok(phone) => items.push((
                    row_number,
                    NewQueued {
                        phone,
                        entry: "main".into(),
                        variables: row.variables,
                        external_id: row.external_id,
                        not_before: None,
                        callback_data: None,
                        zone: None,
                    },
                )),
                Err(error) => rejected.push(UploadRowResult {
                    row: row_number,
                    phone: row.phone,
                    dialog_uuid: None,
                    message: error.message().to_owned(),
                }),
            }
        }
        let processed = task.processed + (items.len() + rejected.len()) as u64;
        task = store
            .queue_upload_chunk(&task, &items, &rejected, processed, Utc::now())
            .await?;
        chunks += 1;
    }
    let queued = queuing.elapsed().as_secs_f64();
    let total = started.elapsed().as_secs_f64();
    let counts = store.queue_counts(company.id, campaign.id).await?;
    report(
        store.backend(),
        rows_wanted,
        chunks,
        staged,
        queued,
        total,
        counts.waiting,
    );

    store
        .set_campaign_state(company.id, campaign.id, CampaignState::Running)
        .await?;
    let (mut claim_s, mut release_s, mut claimed) = (0.0, 0.0, 0);
    for _ in 0..CLAIMS {
        let now = Utc::now();
        let started = Instant::now();
        let claims = store
            .claim_due("bench", now, now + Duration::seconds(60), CLAIM)
            .await?;
        claim_s += started.elapsed().as_secs_f64();
        claimed += claims.len();
        let started = Instant::now();
        for claim in &claims {
            let release = Release::Wait {
                next_at: now + Duration::hours(1),
                attempt: None,
            };
            store.release_claim(claim, &release).await?;
        }
        release_s += started.elapsed().as_secs_f64();
    }
    report_claims(store.backend(), claimed, claim_s, release_s);
    store.close().await;
    Ok(())
}

#[expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
fn report(
    backend: &str,
    rows: usize,
    chunks: u64,
    staged: f64,
    queued: f64,
    total: f64,
    waiting: u64,
) {
    println!(
        "{backend}: upload of {rows} rows: create_upload {staged:.2} s, {chunks} chunks queued in \
         {queued:.2} s ({:.0} rows/s), end to end {total:.2} s; {waiting} entries waiting",
        rows as f64 / queued
    );
}

#[expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
fn report_claims(backend: &str, claimed: usize, claim_s: f64, release_s: f64) {
    println!(
        "{backend}: {CLAIMS} claims of {CLAIM} among the queued entries: {:.2} ms per claim_due, \
         {:.3} ms per release_claim ({claimed} claimed)",
        claim_s * 1000.0 / CLAIMS as f64,
        release_s * 1000.0 / claimed.max(1) as f64
    );
}
