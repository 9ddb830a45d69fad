//! Store throughput for chat turns: concurrent dialogs each loading their dialog twice (as the
//! dialog service does) and saving a turn with a customer and a bot message; then the reads and
//! the saves alone.
//!
//! `cargo bench -p parley-store --bench save_turn` (SQLite in a temporary directory);
//! with `PARLEY_BENCH_POSTGRES_URL=postgres://…` it measures that database instead.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parley_domain::agent::{AgentSettings, NewAgent};
use parley_domain::dialog::{DialogUpdate, NewDialog, NewMessage, Sender};
use parley_domain::ids::{AgentId, CompanyId, Ref};
use parley_domain::ports::{AgentStore, DialogStore, DirectoryStore, SystemClock};
use parley_domain::values::Channel;
use parley_store::SqlStore;
use serde_json::json;

/// Dialogs talking at once, unless `PARLEY_BENCH_DIALOGS` says otherwise.
const DIALOGS: usize = 64;
/// How long to measure each workload.
const RUN_FOR: Duration = Duration::from_secs(4);

/// What each dialog does per iteration.
#[derive(Debug, Clone, Copy)]
enum Work {
    /// Two reads and a save, as a chat turn.
    Turn,
    /// The two reads only.
    Reads,
    /// The save only.
    Save,
}

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
    let company = store
        .create_company(&format!("bench {}", uuid::Uuid::now_v7()))
        .await?;
    let settings = AgentSettings::named("Bench");
    let agent = store
        .create_agent(
            company.id,
            NewAgent {
                channel: Channel::Chat,
                settings,
                scenario_source: "bench".into(),
            },
        )
        .await?;

    let dialogs = std::env::var("PARLEY_BENCH_DIALOGS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DIALOGS);
    for work in [Work::Turn, Work::Reads, Work::Save] {
        let (turns, seconds) = run(&store, company.id, agent.id, work, dialogs).await?;
        report(store.backend(), work, turns, seconds, dialogs);
    }
    store.close().await;
    Ok(())
}

async fn run(
    store: &SqlStore,
    company: CompanyId,
    agent: AgentId,
    work: Work,
    dialogs: usize,
) -> BenchResult<(u64, f64)> {
    let deadline = Instant::now() + RUN_FOR;
    let mut tasks = Vec::new();
    for n in 0..dialogs {
        let store = store.clone();
        let new = NewDialog {
            agent_id: agent,
            scenario_version: 1,
            channel: Channel::Chat,
            entry: "main".into(),
            inputs: json!({"name": format!("client {n}"), "phone": "+79990000000"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            source: "bench".into(),
            ip: None,
            location: None,
        };
        tasks.push(tokio::spawn(async move {
            let dialog = store.create_dialog(company, new).await?;
            let state: parley_scenario::DialogState = serde_json::from_value(json!({"s": "awaiting_input", "b": "ask", "v": {"last_input": "Да, мне удобно"}, "q": "Вам удобно говорить?"}))?;
            let mut current = dialog.clone();
            let mut turns = 0_u64;
            while Instant::now() < deadline {
                if !matches!(work, Work::Save) {
                    let found = store.dialog(company, Ref::Uuid(dialog.uuid)).await?;
                    store.dialog(company, Ref::Id(found.id)).await?;
                }
                if !matches!(work, Work::Reads) {
                    let mut update = DialogUpdate::from_dialog(&current);
                    update.state = state.clone();
                    let messages = [
                        NewMessage::text(Sender::Customer, "Да, мне удобно"),
                        NewMessage::text(Sender::Bot, "Отлично! Назовите, пожалуйста, ваше имя."),
                    ];
                    let (saved, _) =
                        store.save_turn(company, current.id, current.version, &update, &messages, &[]).await?;
                    current = saved;
                }
                turns += 1;
            }
            BenchResult::Ok(turns)
        }));
    }
    let started = Instant::now();
    let mut turns = 0;
    for task in tasks {
        turns += task.await??;
    }
    Ok((turns, started.elapsed().as_secs_f64()))
}

#[expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
fn report(backend: &str, work: Work, count: u64, seconds: f64, dialogs: usize) {
    let what = match work {
        Work::Turn => "turns (2 reads + save_turn with 2 messages)",
        Work::Reads => "read pairs",
        Work::Save => "save_turns",
    };
    println!(
        "{backend}: {:>6.0} {what}/s ({count} in {seconds:.1} s, {dialogs} dialogs)",
        count as f64 / seconds
    );
}
