//! Twin24 call statistics at scale: 1,000,000 calls (and their dialogs) written straight into a
//! SQLite database with SQL, then through the router: a filtered JSON page of 1,000 calls with
//! every field, a CSV export of 50,000 calls and an XLSX export of 50,000 calls.
//!
//! `cargo bench -p parley-api --bench twin_statistics` (release). `PARLEY_BENCH_CALLS` changes
//! the number of calls; `PARLEY_BENCH_DB=/path/bench.db` keeps the database.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use chrono::{DateTime, TimeZone, Utc};
use http_body_util::BodyExt;
use parley_domain::Services;
use parley_domain::campaign::UploadRow;
use parley_domain::campaign_service::CampaignSpec;
use parley_domain::directory_service::CreateUser;
use parley_domain::ids::Ref;
use parley_domain::ports::{HttpOut, OutboundRequest, OutboundResponse, SystemClock};
use parley_domain::services::Telephony;
use parley_domain::values::{Channel, Role};
use parley_store::SqlStore;
use parley_voice::{Personas, SimLine, SpeechRecorder, TimeScale};
use serde_json::json;
use sqlx::{Connection, Row};
use tower::ServiceExt;

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const PASSWORD: &str = "correct horse battery";
const SCENARIO: &str = r#"format: parley.scenario/v1
name: Опрос
inputs:
  - name: client_name
    default: there
outputs:
  - { name: rating, type: number }
  - { name: client_name, type: string }
entry_points:
  main: hello
blocks:
  hello:
    id: 1
    say: "Здравствуйте, {{ client_name }}!"
    next: done
  done:
    id: 2
    end: finished
"#;

/// The first call starts here; the n-th two seconds later.
fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

struct NoHttp;

#[async_trait::async_trait]
impl HttpOut for NoHttp {
    async fn send(&self, _: OutboundRequest) -> Result<OutboundResponse, String> {
        Err("no HTTP in benches".into())
    }
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    let calls: u64 = std::env::var("PARLEY_BENCH_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    // `PARLEY_BENCH_DB` keeps the database at that path (removed first) for a look afterwards.
    let path = match std::env::var("PARLEY_BENCH_DB") {
        Ok(kept) => {
            let _ = std::fs::remove_file(&kept);
            std::path::PathBuf::from(kept)
        }
        Err(_) => dir.path().join("bench.db"),
    };
    let store = Arc::new(SqlStore::open_sqlite(&path, Arc::new(SystemClock)).await?);
    let telephony = Telephony {
        line: Arc::new(SimLine::new(Personas::builtin(), TimeScale::INSTANT, 7)),
        recorder: Arc::new(SpeechRecorder::new()),
    };
    let services = Services::new(
        store.clone(),
        Arc::new(SystemClock),
        Arc::new(NoHttp),
        telephony,
        Arc::new(parley_api::faces::twin::Twin24Webhooks),
    )
    .await?;
    let company = services.directory.create_company("Рога и копыта").await?;
    let user = CreateUser {
        email: "bench@parley.test".into(),
        name: String::new(),
        role: Role::Admin,
        password: PASSWORD.into(),
    };
    services.directory.create_user(company.id, user).await?;
    let token = services
        .auth
        .login_with_ttl(
            "bench@parley.test",
            PASSWORD,
            Some(chrono::Duration::days(1)),
        )
        .await?
        .access_token;
    let who = services.auth.authenticate(&token)?;
    let agent = services
        .agents
        .create_with(&who, Channel::Voice, SCENARIO, |_| Ok(()))
        .await?;
    let campaign = services
        .campaigns
        .create(&who, Ref::Id(agent.id), CampaignSpec::named("Обзвон"))
        .await?;
    let template = services
        .campaigns
        .enqueue(
            &who,
            Ref::Id(campaign.id),
            UploadRow {
                phone: "79160000000".into(),
                entry: None,
                variables: [("client_name".to_owned(), json!("Иван"))]
                    .into_iter()
                    .collect(),
                external_id: None,
            },
        )
        .await?;

    let started = Instant::now();
    seed(&path, template.dialog_id.0, campaign.id.0, calls).await?;
    writeln!(
        std::io::stdout(),
        "seeded {calls} calls and dialogs in {:.1} s",
        started.elapsed().as_secs_f64()
    )?;

    let app = parley_api::router(Arc::clone(&services));
    // A page: answered calls of one week, every field, sorted by start.
    let week_from = base() + chrono::Duration::days(7);
    let week_to = week_from + chrono::Duration::days(7);
    let page = format!(
        "/api/v1/search/cis/calls?status=ANSWERED&from={}&to={}&limit=1000&offset=1000",
        week_from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        week_to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    measure(
        &app,
        &token,
        "JSON page of 1,000 answered calls in a week (every field)",
        &page,
        30,
    )
    .await?;
    let by_task = format!(
        "/api/v1/search/cis/calls?taskId={}&limit=1000&offset=40000&sort=-startedAt",
        campaign.uuid
    );
    measure(
        &app,
        &token,
        "JSON page of 1,000 by taskId, offset 40,000, newest first",
        &by_task,
        30,
    )
    .await?;
    let by_phone = "/api/v1/search/cis/calls?phone=79160001234&limit=1000";
    measure(&app, &token, "JSON page by phone (20 calls)", by_phone, 30).await?;
    // 50,000 calls: 100,000 s from the start of day 3.
    let from = base() + chrono::Duration::days(3);
    let to = from + chrono::Duration::seconds(99_999);
    let period = format!(
        "from={}&to={}",
        from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    let csv = format!("/api/v1/search/cis/calls?{period}&output=CSV");
    measure(&app, &token, "CSV of 50,000 calls (every field)", &csv, 5).await?;
    let xlsx = format!("/api/v1/search/cis/calls?{period}&output=EXCEL");
    measure(&app, &token, "XLSX of 50,000 calls (every field)", &xlsx, 3).await?;
    let zip = format!("/api/v1/search/cis/calls?{period}&output=CSV&archive=true");
    measure(&app, &token, "zipped CSV of 50,000 calls", &zip, 3).await?;
    store.close().await;
    Ok(())
}

/// Copies the template dialog `calls` times and writes one call per copy, in one transaction.
async fn seed(path: &std::path::Path, template: i64, campaign: i64, calls: u64) -> BenchResult<()> {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await?;
    sqlx::query("PRAGMA journal_mode = WAL")
        .execute(&mut conn)
        .await?;
    sqlx::query("PRAGMA synchronous = OFF")
        .execute(&mut conn)
        .await?;
    let columns: Vec<String> = sqlx::query("PRAGMA table_info(dialogs)")
        .fetch_all(&mut conn)
        .await?
        .iter()
        .map(|row| row.get::<String, _>("name"))
        .filter(|name| name != "id" && name != "uuid")
        .collect();
    let list = columns.join(", ");
    let copied = columns
        .iter()
        .map(|c| format!("t.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let first: i64 = sqlx::query_scalar("SELECT MAX(id) + 1 FROM dialogs")
        .fetch_one(&mut conn)
        .await?;
    let mut tx = conn.begin().await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO dialogs (uuid, {list}) SELECT randomblob(16), {copied} FROM n, dialogs t WHERE t.id = $2"
    )))
    .bind(i64::try_from(calls)?)
    .bind(template)
    .execute(&mut *tx)
    .await?;
    let transcript = json!([
        {"speaker": "bot", "text": "Здравствуйте, Иван! Удобно говорить?", "at_ms": 0, "duration_ms": 2500},
        {"speaker": "human", "text": "Да, слушаю", "at_ms": 3000, "duration_ms": 1200},
        {"speaker": "bot", "text": "Оцените нас от 1 до 5.", "at_ms": 4500, "duration_ms": 2000},
        {"speaker": "human", "text": "пять", "at_ms": 7000, "duration_ms": 600}
    ])
    .to_string();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO calls (uuid, company_id, agent_id, campaign_id, dialog_id, dialog_uuid, attempt, \
         phone, outcome, started_at, answered_at, ended_at, bot_ms, operator_ms, transferred, \
         price_minor, result, transcript) \
         SELECT randomblob(16), t.company_id, t.agent_id, $2, $3 + n.i - 1, randomblob(16), 1, \
         '7916' || substr('0000000' || (n.i % 50000), -7, 7), \
         CASE n.i % 4 WHEN 0 THEN 'answered' WHEN 1 THEN 'busy' WHEN 2 THEN 'no_answer' ELSE 'answering_machine' END, \
         $4 + n.i * 2000, CASE WHEN n.i % 4 IN (0, 3) THEN $4 + n.i * 2000 + 5000 END, \
         $4 + n.i * 2000 + 20000, CASE WHEN n.i % 4 IN (0, 3) THEN 15000 ELSE 0 END, 0, FALSE, \
         CASE WHEN n.i % 4 IN (0, 3) THEN 38 ELSE 0 END, \
         CASE WHEN n.i % 4 = 0 THEN 'finished' END, \
         CASE WHEN n.i % 4 IN (0, 3) THEN $5 ELSE '[]' END \
         FROM n, dialogs t WHERE t.id = $6",
    )
    .bind(i64::try_from(calls)?)
    .bind(campaign)
    .bind(first)
    .bind(base().timestamp_millis() - 2000)
    .bind(&transcript)
    .bind(template)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(&mut conn).await?;
    conn.close().await?;
    Ok(())
}

async fn measure(
    app: &Router,
    token: &str,
    what: &str,
    path: &str,
    runs: usize,
) -> BenchResult<()> {
    let mut times = Vec::with_capacity(runs);
    let mut size = 0;
    for _ in 0..runs {
        let request = Request::get(path)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())?;
        let started = Instant::now();
        let response = app.clone().oneshot(request).await?;
        let status = response.status();
        let bytes = response.into_body().collect().await?.to_bytes();
        times.push(started.elapsed());
        if !status.is_success() {
            return Err(format!("{what}: {status}: {}", String::from_utf8_lossy(&bytes)).into());
        }
        size = bytes.len();
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    writeln!(
        std::io::stdout(),
        "{what}: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms over {runs} runs; {:.1} MB",
        ms(times[runs / 2]),
        ms(times[(runs * 95 / 100).min(runs - 1)]),
        ms(times[runs - 1]),
        size as f64 / 1e6
    )?;
    Ok(())
}
