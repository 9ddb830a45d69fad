//! Group commit of chat turns on SQLite: one writer task saves every turn queued at the moment in
//! one transaction, with one fixed SQL text whatever the number of turns.
//!
//! Why: SQLite has a single writer, and a turn's SQL costs far less than getting to it (a hand-off
//! from the caller's task to the connection's worker thread and back, then to the next waiter).
//! Saved one at a time, turns queue behind those hand-offs; saved together, a batch pays them once.
//! The batch travels as three JSON parameters (dialog updates, messages, answers) expanded by
//! `json_each`, so the statement text never changes and stays in sqlx's prepared-statement cache.
//!
//! Guards: the update matches a dialog only at the version its turn expects and writes the turn's
//! random token into `dialogs.last_turn`; messages and answers are inserted only where their
//! turn's token is the dialog's `last_turn`, so a turn that lost its version check writes nothing
//! and gets no row back (its caller reports the conflict). A batch never holds two turns of one
//! dialog. When the batch fails as a whole (say a turn names a missing operator) it is rolled back
//! and its turns are saved one by one with the same statement, so only the faulty turn fails.
//!
//! The writer task owns nothing a caller can cancel: a caller that stops waiting just misses its
//! answer (a turn still queued when its caller left is not saved). `close` lets the task finish
//! what is queued and stops it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use parley_domain::ids::Uuid;
use serde::Serialize;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{FromRow, Row, Sqlite, SqliteConnection};
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::{Slot, lock_writer};
use crate::dialog_rows::{DialogRow, dialog_cols};
use crate::turns::{Saved, TurnParams};

/// The most turns one batch carries.
const MAX_TURNS: usize = 64;
/// Roughly the most JSON one batch carries (a larger turn still goes, alone).
const MAX_BYTES: usize = 1 << 20;

/// One transaction for a whole batch. `$1` holds the dialog updates, `$2` the messages, `$3` the
/// answers, each a JSON array of objects (see `UpdateJson`, `MessageJson`, `AnswerJson`). Returns
/// one row per updated dialog and one row with the new messages as `[[id, "HEX UUID"], …]` (the
/// rows just inserted: consecutive ids on the single writer).
const BATCH_SQL: &str = concat!("BEGIN IMMEDIATE; ", turn_sql!(), "COMMIT;");

/// The statements of [`BATCH_SQL`] without its transaction, for a turn saved inside a larger
/// transaction (a call's dialog turn, saved with the call record).
const TURN_SQL: &str = turn_sql!();

/// The batch's statements (see [`BATCH_SQL`]), each ending in `; `.
macro_rules! turn_sql {
    () => { concat!(
    "UPDATE dialogs SET agent_id = t.value ->> 'agent', scenario_version = t.value ->> 'scenario_version', ",
    "status = t.value ->> 'status', state = t.value ->> 'state', result = t.value ->> 'result', ",
    "operator_id = t.value ->> 'operator', error = t.value ->> 'error', version = version + 1, ",
    "updated_at = t.value ->> 'at', ended_at = COALESCE(ended_at, t.value ->> 'ended_at'), ",
    "last_turn = t.value ->> 'token' ",
    "FROM json_each($1) AS t WHERE dialogs.company_id = t.value ->> 'company' ",
    "AND dialogs.id = t.value ->> 'dialog' AND dialogs.version = t.value ->> 'version' RETURNING ",
    dialog_cols!(),
    "; ",
    "INSERT INTO messages (dialog_id, uuid, sender, text, buttons, button_id, operator_id, created_at) ",
    "SELECT m.value ->> 'dialog', unhex(m.value ->> 'uuid'), m.value ->> 'sender', m.value ->> 'text', ",
    "m.value ->> 'buttons', m.value ->> 'button_id', m.value ->> 'operator', m.value ->> 'at' ",
    "FROM json_each($2) AS m WHERE EXISTS (SELECT 1 FROM dialogs d ",
    "WHERE d.id = m.value ->> 'dialog' AND d.last_turn = m.value ->> 'token') ORDER BY m.key; ",
    "SELECT json_group_array(json_array(id, hex(uuid))) AS message_ids FROM messages ",
    "WHERE id BETWEEN last_insert_rowid() - changes() + 1 AND last_insert_rowid(); ",
    "INSERT INTO answers (dialog_id, variable, question, kind, answer, created_at) ",
    "SELECT a.value ->> 'dialog', a.value ->> 'variable', a.value ->> 'question', a.value ->> 'kind', ",
    "a.value ->> 'answer', a.value ->> 'at' ",
    "FROM json_each($3) AS a WHERE EXISTS (SELECT 1 FROM dialogs d ",
    "WHERE d.id = a.value ->> 'dialog' AND d.last_turn = a.value ->> 'token') ORDER BY a.key; "
    ) };
}
use turn_sql;

/// A dialog update, an element of `$1`.
#[derive(Serialize)]
struct UpdateJson<'a> {
    token: i64,
    company: i64,
    dialog: i64,
    version: i64,
    agent: i64,
    scenario_version: i64,
    status: &'a str,
    state: &'a str,
    result: Option<&'a str>,
    operator: Option<i64>,
    error: Option<&'a str>,
    at: i64,
    ended_at: Option<i64>,
}

/// A message, an element of `$2`.
#[derive(Serialize)]
struct MessageJson<'a> {
    token: i64,
    dialog: i64,
    uuid: String,
    sender: &'a str,
    text: &'a str,
    buttons: Option<&'a str>,
    button_id: Option<&'a str>,
    operator: Option<i64>,
    at: i64,
}

/// An answer, an element of `$3`.
#[derive(Serialize)]
struct AnswerJson<'a> {
    token: i64,
    dialog: i64,
    variable: &'a str,
    question: &'a str,
    kind: &'a str,
    answer: &'a str,
    at: i64,
}

/// A turn encoded for the batch (by its caller, off the writer task).
#[derive(Debug)]
pub(crate) struct QueuedTurn {
    dialog: i64,
    /// One `UpdateJson` object.
    update: String,
    /// `MessageJson` objects separated by commas (empty without messages).
    messages: String,
    /// `AnswerJson` objects separated by commas (empty without answers).
    answers: String,
    /// The new messages' UUIDs, to pick this turn's ids from the batch's.
    uuids: Vec<Uuid>,
}

impl QueuedTurn {
    /// Encodes a turn, with a fresh random token.
    pub(crate) fn encode(p: &TurnParams<'_>) -> serde_json::Result<QueuedTurn> {
        let token = Uuid::new_v4().as_u64_pair().0.cast_signed();
        let (dialog, at) = (p.dialog.0, p.at.0.timestamp_millis());
        let update = serde_json::to_string(&UpdateJson {
            token,
            company: p.company.0,
            dialog,
            version: p.expected_version,
            agent: p.update.agent_id.0,
            scenario_version: p.update.scenario_version,
            status: p.update.status.as_str(),
            state: &p.state,
            result: p.update.result.as_deref(),
            operator: p.update.operator_id.map(|id| id.0),
            error: p.update.error.as_deref(),
            at,
            ended_at: p.ended_at.map(|ts| ts.0.timestamp_millis()),
        })?;
        let messages = p.messages.iter().map(|m| {
            serde_json::to_string(&MessageJson {
                token,
                dialog,
                uuid: m.uuid.simple().to_string(),
                sender: m.message.sender.as_str(),
                text: &m.message.text,
                buttons: m.buttons.as_deref(),
                button_id: m.message.button_id.as_deref(),
                operator: m.message.operator_id.map(|id| id.0),
                at,
            })
        });
        let answers = p.answers.iter().zip(&p.values).map(|(a, value)| {
            serde_json::to_string(&AnswerJson {
                token,
                dialog,
                variable: &a.variable,
                question: &a.question,
                kind: &a.kind,
                answer: value,
                at,
            })
        });
        Ok(QueuedTurn {
            dialog,
            update,
            messages: messages.collect::<serde_json::Result<Vec<_>>>()?.join(","),
            answers: answers.collect::<serde_json::Result<Vec<_>>>()?.join(","),
            uuids: p.messages.iter().map(|m| m.uuid).collect(),
        })
    }

    fn bytes(&self) -> usize {
        self.update.len() + self.messages.len() + self.answers.len()
    }
}

/// What the writer answers a turn.
type Answer = Result<Saved, sqlx::Error>;

/// A queued turn and where its answer goes.
struct Job {
    turn: QueuedTurn,
    reply: oneshot::Sender<Answer>,
}

enum Msg {
    Turn(Job),
    /// Save what is queued, accept nothing more, stop.
    Close,
}

/// The handle on the writer task.
#[derive(Debug)]
pub(crate) struct TurnWriter {
    queue: mpsc::UnboundedSender<Msg>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl TurnWriter {
    /// Starts the writer task on the current tokio runtime; it saves on `writer`.
    pub(crate) fn start(writer: Arc<Mutex<Slot>>) -> TurnWriter {
        let (queue, received) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(writer, received));
        TurnWriter {
            queue,
            task: Mutex::new(Some(task)),
        }
    }

    /// Saves a turn in the next batch: the updated dialog (none when its version check failed)
    /// and the new message ids. `PoolClosed` once the writer is closed.
    pub(crate) async fn save(&self, turn: QueuedTurn) -> Answer {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Msg::Turn(Job { turn, reply }))
            .map_err(|_| sqlx::Error::PoolClosed)?;
        // No answer only when the task is gone (its runtime shut down).
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }

    /// Saves the turns already queued, then stops the task; later saves fail with `PoolClosed`.
    pub(crate) async fn close(&self) {
        // Fails only when the task is already gone.
        let _ = self.queue.send(Msg::Close);
        if let Some(task) = self.task.lock().await.take()
            && let Err(err) = task.await
        {
            tracing::warn!(error = %err, "the SQLite turn writer stopped abnormally");
        }
    }
}

/// The writer task: batch after batch until closed.
async fn run(writer: Arc<Mutex<Slot>>, mut queue: mpsc::UnboundedReceiver<Msg>) {
    // Turns held back because their dialog was already in a batch, oldest first.
    let mut waiting = VecDeque::new();
    loop {
        if waiting.is_empty() {
            match queue.recv().await {
                Some(Msg::Turn(job)) => waiting.push_back(job),
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

/// The next batch: the waiting turns, then those queued, up to the caps, one turn per dialog; the
/// turns left over stay in `waiting`, in order.
fn gather(waiting: &mut VecDeque<Job>, queue: &mut mpsc::UnboundedReceiver<Msg>) -> Vec<Job> {
    let mut batch = Vec::new();
    let mut dialogs = HashSet::new();
    let mut held = VecDeque::new();
    let mut bytes = 0;
    while batch.len() < MAX_TURNS && bytes < MAX_BYTES {
        let job = match waiting.pop_front() {
            Some(job) => job,
            None => match queue.try_recv() {
                Ok(Msg::Turn(job)) => job,
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
        if dialogs.insert(job.turn.dialog) {
            bytes += job.turn.bytes();
            batch.push(job);
        } else {
            held.push_back(job);
        }
    }
    held.append(waiting);
    *waiting = held;
    batch
}

/// Saves a batch and answers its turns; when the batch fails, saves its turns one by one.
async fn save(slot: &mut Slot, batch: Vec<Job>) {
    let turns: Vec<&QueuedTurn> = batch.iter().map(|job| &job.turn).collect();
    match execute(slot, &turns).await {
        Ok(rows) => {
            let answers = split(&turns, &rows);
            reply(batch, answers);
        }
        Err(err) if batch.len() == 1 => reply(batch, vec![Err(err)]),
        Err(err) => {
            tracing::debug!(error = %err, turns = batch.len(), "a turn batch failed; saving its turns one by one");
            for job in batch {
                let answer = match execute(slot, &[&job.turn]).await {
                    Ok(rows) => split(&[&job.turn], &rows).pop(),
                    Err(err) => Some(Err(err)),
                };
                if let Some(answer) = answer {
                    let _ = job.reply.send(answer);
                }
            }
        }
    }
}

fn reply(batch: Vec<Job>, answers: Vec<Answer>) {
    for (job, answer) in batch.into_iter().zip(answers) {
        // A caller that stopped waiting has dropped its receiver: nothing to do.
        let _ = job.reply.send(answer);
    }
}

/// Runs `BATCH_SQL` for `turns`: the rows it returned, or its error (after rolling back).
async fn execute(slot: &mut Slot, turns: &[&QueuedTurn]) -> Result<Vec<SqliteRow>, sqlx::Error> {
    let query = bind_turns(sqlx::query(BATCH_SQL), turns);
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

/// Saves one turn on `conn`, inside the transaction its caller opened (and commits or rolls
/// back): the updated dialog (none when the version check failed) and the new message ids.
pub(crate) async fn save_in_transaction(
    conn: &mut SqliteConnection,
    turn: &QueuedTurn,
) -> Result<Saved, sqlx::Error> {
    let rows = bind_turns(sqlx::query(TURN_SQL), &[turn])
        .fetch_all(conn)
        .await?;
    split(&[turn], &rows)
        .pop()
        .unwrap_or_else(|| Ok((None, Vec::new())))
}

/// Binds the batch's three JSON arrays.
fn bind_turns<'q>(
    query: sqlx::query::Query<'q, Sqlite, SqliteArguments>,
    turns: &[&QueuedTurn],
) -> sqlx::query::Query<'q, Sqlite, SqliteArguments> {
    let array = |part: fn(&QueuedTurn) -> &str| {
        let mut json = String::from("[");
        for text in turns
            .iter()
            .map(|turn| part(turn))
            .filter(|s| !s.is_empty())
        {
            if json.len() > 1 {
                json.push(',');
            }
            json.push_str(text);
        }
        json.push(']');
        json
    };
    query
        .bind(array(|turn| &turn.update))
        .bind(array(|turn| &turn.messages))
        .bind(array(|turn| &turn.answers))
}

/// Each turn's answer from the batch's rows: its dialog (if its update matched) and its messages'
/// ids.
fn split(turns: &[&QueuedTurn], rows: &[SqliteRow]) -> Vec<Answer> {
    match read_rows(rows) {
        Ok((mut dialogs, ids)) => turns
            .iter()
            .map(|turn| {
                let mine = turn
                    .uuids
                    .iter()
                    .filter_map(|uuid| ids.get(uuid).map(|id| (*id, *uuid)))
                    .collect();
                Ok((dialogs.remove(&turn.dialog), mine))
            })
            .collect(),
        Err(err) => turns
            .iter()
            .map(|_| Err(sqlx::Error::Decode(err.clone().into())))
            .collect(),
    }
}

/// What a batch returned: the updated dialogs by id and the new message ids by UUID.
type BatchRows = (HashMap<i64, DialogRow>, HashMap<Uuid, i64>);

/// Sorts the rows a batch returned.
fn read_rows(rows: &[SqliteRow]) -> Result<BatchRows, String> {
    let mut dialogs = HashMap::new();
    let mut ids = HashMap::new();
    for row in rows {
        if let Ok(json) = row.try_get::<Option<String>, _>("message_ids") {
            for (id, uuid) in message_ids(json.as_deref().unwrap_or("[]"))? {
                ids.insert(uuid, id);
            }
        } else {
            let dialog = DialogRow::from_row(row).map_err(|e| format!("a saved dialog: {e}"))?;
            dialogs.insert(dialog.id, dialog);
        }
    }
    Ok((dialogs, ids))
}

/// Parses `[[id, "HEX UUID"], …]`.
fn message_ids(json: &str) -> Result<Vec<(i64, Uuid)>, String> {
    let pairs: Vec<(i64, String)> =
        serde_json::from_str(json).map_err(|e| format!("message ids {json}: {e}"))?;
    pairs
        .into_iter()
        .map(|(id, hex)| {
            Uuid::try_parse(&hex)
                .map(|uuid| (id, uuid))
                .map_err(|e| format!("message uuid {hex}: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_parse() {
        let uuid = Uuid::now_v7();
        let json = format!("[[7,\"{}\"]]", uuid.simple().to_string().to_uppercase());
        assert_eq!(message_ids(&json), Ok(vec![(7, uuid)]));
        assert!(message_ids("[[7,\"zz\"]]").is_err());
    }
}
