//! Group commit on SQLite: a writer task saves every item queued at the moment in one
//! transaction, with one fixed SQL text whatever the number of items. Two kinds of item use it:
//! chat turns (`turn_batch`) and finished calls (`call_batch`), each with its own writer task;
//! both write on the one write connection, one batch at a time.
//!
//! Why: SQLite has a single writer, and an item's SQL costs far less than getting to it (a
//! hand-off from the caller's task to the connection's worker thread and back, then to the next
//! waiter, for every statement). Saved one at a time, items queue behind those hand-offs; saved
//! together, a batch pays them once. The batch travels as a few JSON parameters expanded by
//! `json_each`, so the statement text never changes and stays in sqlx's prepared-statement cache.
//!
//! A batch never holds two items of one dialog, so an item's guards (a dialog's version, a
//! claim's lease) are checked against what the items before it left, never against a sibling.
//! When a batch fails as a whole (say an item breaks a constraint) it is rolled back and its
//! items are saved one by one with the same statement, so only the faulty item fails.
//!
//! The writer task owns nothing a caller can cancel: a caller that stops waiting just misses its
//! answer (an item still queued when its caller left is not saved). `close` lets the task finish
//! what is queued and stops it.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use sqlx::Sqlite;
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::{Slot, lock_writer};

/// The most items one batch carries.
const MAX_ITEMS: usize = 64;
/// Roughly the most JSON one batch carries (a larger item still goes, alone).
const MAX_BYTES: usize = 1 << 20;

/// One kind of item a [`GroupWriter`] saves, and how a batch of them is saved.
pub(crate) trait Batched: Send + Sync + 'static {
    /// What the writer answers each item.
    type Saved: Send + 'static;
    /// What the writer task is called in logs.
    const NAME: &'static str;
    /// The whole batch in its own transaction (`BEGIN IMMEDIATE; …; COMMIT;`).
    const SQL: &'static str;

    /// The dialog the item writes (a batch holds one item per dialog).
    fn dialog(&self) -> i64;
    /// Roughly how much JSON the item carries.
    fn bytes(&self) -> usize;
    /// Binds a batch's parameters to [`Self::SQL`].
    fn bind<'q>(
        query: Query<'q, Sqlite, SqliteArguments>,
        items: &[&Self],
    ) -> Query<'q, Sqlite, SqliteArguments>;
    /// Each item's answer, in order, from the rows its batch returned.
    fn split(items: &[&Self], rows: &[SqliteRow]) -> Vec<Result<Self::Saved, sqlx::Error>>;
}

/// What the writer answers an item.
type Answer<B> = Result<<B as Batched>::Saved, sqlx::Error>;

/// A queued item and where its answer goes.
struct Job<B: Batched> {
    item: B,
    reply: oneshot::Sender<Answer<B>>,
}

enum Msg<B: Batched> {
    Item(Job<B>),
    /// Save what is queued, accept nothing more, stop.
    Close,
}

/// The handle on a writer task.
pub(crate) struct GroupWriter<B: Batched> {
    queue: mpsc::UnboundedSender<Msg<B>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl<B: Batched> std::fmt::Debug for GroupWriter<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupWriter").field("of", &B::NAME).finish()
    }
}

impl<B: Batched> GroupWriter<B> {
    /// Starts the writer task on the current tokio runtime; it saves on `writer`.
    pub(crate) fn start(writer: Arc<Mutex<Slot>>) -> GroupWriter<B> {
        let (queue, received) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(writer, received));
        GroupWriter {
            queue,
            task: Mutex::new(Some(task)),
        }
    }

    /// Saves an item in the next batch. `PoolClosed` once the writer is closed.
    pub(crate) async fn save(&self, item: B) -> Answer<B> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Msg::Item(Job { item, reply }))
            .map_err(|_| sqlx::Error::PoolClosed)?;
        // No answer only when the task is gone (its runtime shut down).
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }

    /// Saves the items already queued, then stops the task; later saves fail with `PoolClosed`.
    pub(crate) async fn close(&self) {
        // Fails only when the task is already gone.
        let _ = self.queue.send(Msg::Close);
        if let Some(task) = self.task.lock().await.take()
            && let Err(err) = task.await
        {
            tracing::warn!(error = %err, writer = B::NAME, "a SQLite group writer stopped abnormally");
        }
    }
}

/// The writer task: batch after batch until closed.
async fn run<B: Batched>(writer: Arc<Mutex<Slot>>, mut queue: mpsc::UnboundedReceiver<Msg<B>>) {
    // Items held back because their dialog was already in a batch, oldest first.
    let mut waiting = VecDeque::new();
    loop {
        if waiting.is_empty() {
            match queue.recv().await {
                Some(Msg::Item(job)) => waiting.push_back(job),
                Some(Msg::Close) => queue.close(),
                None => return,
            }
        }
        let batch = gather(&mut waiting, &mut queue);
        if !batch.is_empty() {
            let mut slot = lock_writer(&writer).await;
            save(&mut slot, batch).await;
        }
    }
}

/// The next batch: the waiting items, then those queued, up to the caps, one item per dialog;
/// the items left over stay in `waiting`, in order.
fn gather<B: Batched>(
    waiting: &mut VecDeque<Job<B>>,
    queue: &mut mpsc::UnboundedReceiver<Msg<B>>,
) -> Vec<Job<B>> {
    let mut batch = Vec::new();
    let mut dialogs = HashSet::new();
    let mut held = VecDeque::new();
    let mut bytes = 0;
    while batch.len() < MAX_ITEMS && bytes < MAX_BYTES {
        let job = match waiting.pop_front() {
            Some(job) => job,
            None => match queue.try_recv() {
                Ok(Msg::Item(job)) => job,
                Ok(Msg::Close) => {
                    queue.close();
                    continue;
                }
                Err(_) => break,
            },
        };
        if job.reply.is_closed() {
            continue; // its caller left: nobody to save it for
        }
        if dialogs.insert(job.item.dialog()) {
            bytes += job.item.bytes();
            batch.push(job);
        } else {
            held.push_back(job);
        }
    }
    held.append(waiting);
    *waiting = held;
    batch
}

/// Saves a batch and answers its items; when the batch fails, saves its items one by one.
async fn save<B: Batched>(slot: &mut Slot, batch: Vec<Job<B>>) {
    let items: Vec<&B> = batch.iter().map(|job| &job.item).collect();
    match execute(slot, &items).await {
        Ok(rows) => {
            let answers = B::split(&items, &rows);
            for (job, answer) in batch.into_iter().zip(answers) {
                // A caller that stopped waiting has dropped its receiver: nothing to do.
                let _ = job.reply.send(answer);
            }
        }
        Err(err) if batch.len() == 1 => {
            if let Some(job) = batch.into_iter().next() {
                let _ = job.reply.send(Err(err));
            }
        }
        Err(err) => {
            tracing::debug!(error = %err, items = batch.len(), writer = B::NAME, "a batch failed; saving its items one by one");
            for job in batch {
                let answer = match execute(slot, &[&job.item]).await {
                    Ok(rows) => B::split(&[&job.item], &rows).pop(),
                    Err(err) => Some(Err(err)),
                };
                if let Some(answer) = answer {
                    let _ = job.reply.send(answer);
                }
            }
        }
    }
}

/// Runs the batch's SQL for `items`: the rows it returned, or its error (after rolling back).
async fn execute<B: Batched>(slot: &mut Slot, items: &[&B]) -> Result<Vec<SqliteRow>, sqlx::Error> {
    let query = B::bind(sqlx::query(B::SQL), items);
    slot.in_batch = true;
    match query.fetch_all(slot.conn()?).await {
        Ok(rows) => {
            slot.in_batch = false;
            Ok(rows)
        }
        Err(err) => {
            slot.recover().await;
            Err(err)
        }
    }
}

/// `[a,b,…]` of the non-empty JSON fragments `parts` (each one or more comma-separated values).
pub(crate) fn json_array<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut json = String::from("[");
    for text in parts.into_iter().filter(|s| !s.is_empty()) {
        if json.len() > 1 {
            json.push(',');
        }
        json.push_str(text);
    }
    json.push(']');
    json
}
