//! Conformance: many turns at once, as SQLite saves them (one group commit for the turns queued
//! together): each turn lands exactly once with its own messages, and a turn that loses its version
//! check or fails spoils no other turn.

use parley_domain::ErrorKind;
use parley_domain::Result;
use parley_domain::dialog::{Dialog, DialogUpdate, Message, NewMessage, Sender};
use parley_domain::ids::{AgentId, Ref, UserId};
use parley_domain::ports::DialogStore;
use serde_json::json;

use super::fixtures::*;
use super::harness::Ctx;

/// One turn to save: the dialog, the version it expects, the update and the messages.
type Turn = (Dialog, i64, DialogUpdate, Vec<NewMessage>);

/// A customer question and a bot answer, tagged so a message tells which turn wrote it.
fn exchange(tag: &str) -> Vec<NewMessage> {
    vec![
        NewMessage::text(Sender::Customer, format!("вопрос {tag}")),
        NewMessage::text(Sender::Bot, format!("ответ {tag}")),
    ]
}

/// A plain turn on `dialog` from its current version.
fn turn(dialog: &Dialog, tag: &str) -> Turn {
    (
        dialog.clone(),
        dialog.version,
        DialogUpdate::from_dialog(dialog),
        exchange(tag),
    )
}

/// Saves every turn at once (each from its own task); the outcomes in the same order.
async fn save_all(t: &Ctx, turns: Vec<Turn>) -> Vec<Result<(Dialog, Vec<Message>)>> {
    let tasks: Vec<_> = turns
        .into_iter()
        .map(|(dialog, version, update, messages)| {
            let store = t.store.clone();
            let answers = vec![answer("n", "number", json!(dialog.id.0))];
            tokio::spawn(async move {
                store
                    .save_turn(
                        dialog.company_id,
                        dialog.id,
                        version,
                        &update,
                        &messages,
                        &answers,
                    )
                    .await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    outcomes
}

pub async fn concurrent_turns_on_many_dialogs_all_land(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let mut dialogs = Vec::new();
    for _ in 0..100 {
        dialogs.push(dialog(&t, &agent).await);
    }
    let mut written: Vec<Vec<Message>> = vec![Vec::new(); dialogs.len()];
    for round in 0..3 {
        let turns = dialogs
            .iter()
            .enumerate()
            .map(|(i, dialog)| turn(dialog, &format!("{i}.{round}")))
            .collect();
        let outcomes = save_all(&t, turns).await;
        for (i, outcome) in outcomes.into_iter().enumerate() {
            let (saved, messages) = outcome.unwrap();
            assert_eq!((saved.id, saved.version), (dialogs[i].id, round + 1));
            assert_eq!(messages.len(), 2, "dialog {i}");
            assert_eq!(messages[0].text, format!("вопрос {i}.{round}"));
            assert_eq!(messages[1].text, format!("ответ {i}.{round}"));
            assert!(messages[0].id < messages[1].id, "dialog {i}");
            assert!(messages.iter().all(|m| m.dialog_id == saved.id));
            dialogs[i] = saved;
            written[i].extend(messages);
        }
    }
    let mut ids = Vec::new();
    for (i, dialog) in dialogs.iter().enumerate() {
        assert_eq!(
            t.store.dialog(a.id, Ref::Id(dialog.id)).await.unwrap(),
            *dialog
        );
        let stored = t.store.messages(a.id, dialog.id, None).await.unwrap();
        assert_eq!(stored, written[i], "dialog {i}: its messages, each once");
        assert_eq!(t.store.answers(a.id, dialog.id).await.unwrap().len(), 3);
        ids.extend(stored.iter().map(|m| m.id));
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 600, "every message has its own id");
}

/// A turn expecting version 0 on a dialog already at 1 would write version 1, the version the
/// dialog has: it must still fail, and write nothing, while its neighbours land.
pub async fn a_stale_turn_among_others_fails_alone(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let mut dialogs = Vec::new();
    for i in 0..20 {
        let dialog = dialog(&t, &agent).await;
        let (saved, _) = save_all(&t, vec![turn(&dialog, &format!("{i}.0"))])
            .await
            .pop()
            .unwrap()
            .unwrap();
        dialogs.push(saved);
    }
    let turns = dialogs
        .iter()
        .enumerate()
        .map(|(i, dialog)| {
            let mut turn = turn(dialog, &format!("{i}.1"));
            if i % 3 == 1 {
                turn.1 = 0;
            }
            turn
        })
        .collect();
    let outcomes = save_all(&t, turns).await;
    for (i, (dialog, outcome)) in dialogs.iter().zip(outcomes).enumerate() {
        let stored = t.store.messages(a.id, dialog.id, None).await.unwrap();
        let answers = t.store.answers(a.id, dialog.id).await.unwrap();
        if i % 3 == 1 {
            assert_eq!(error_kind(outcome), ErrorKind::Conflict, "dialog {i}");
            assert_eq!(
                t.store.dialog(a.id, Ref::Id(dialog.id)).await.unwrap(),
                *dialog,
                "dialog {i} changed"
            );
            assert_eq!(stored.len(), 2, "dialog {i}: the stale turn wrote messages");
            assert_eq!(answers.len(), 1, "dialog {i}: the stale turn wrote answers");
        } else {
            let (saved, written) = outcome.unwrap();
            assert_eq!(saved.version, 2, "dialog {i}");
            assert_eq!(stored[2..], written[..], "dialog {i}");
            assert_eq!(answers.len(), 2, "dialog {i}");
        }
    }
}

/// Turns that fail (a missing agent, a message naming a missing operator, too many messages)
/// among good ones: each fails alone, and every good turn is saved exactly once.
pub async fn a_failing_turn_spoils_no_neighbour(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let mut dialogs = Vec::new();
    for _ in 0..30 {
        dialogs.push(dialog(&t, &agent).await);
    }
    let (missing_agent, ghost_operator, too_large) = (3, 11, 17);
    let turns = dialogs
        .iter()
        .enumerate()
        .map(|(i, dialog)| {
            let mut turn = turn(dialog, &i.to_string());
            if i == missing_agent {
                turn.2.agent_id = AgentId(agent.id.0 + 100);
            } else if i == ghost_operator {
                turn.3[1].operator_id = Some(UserId(9_999));
            } else if i == too_large {
                turn.3 = (0..6_000)
                    .map(|n| NewMessage::text(Sender::Bot, n.to_string()))
                    .collect();
            }
            turn
        })
        .collect();
    let outcomes = save_all(&t, turns).await;
    for (i, (dialog, outcome)) in dialogs.iter().zip(outcomes).enumerate() {
        let stored = t.store.messages(a.id, dialog.id, None).await;
        if [missing_agent, ghost_operator, too_large].contains(&i) {
            let expected = if i == too_large {
                ErrorKind::InvalidInput
            } else {
                ErrorKind::NotFound
            };
            assert_eq!(error_kind(outcome), expected, "dialog {i}");
            assert_eq!(
                t.store.dialog(a.id, Ref::Id(dialog.id)).await.unwrap(),
                *dialog,
                "dialog {i} changed"
            );
            assert_eq!(stored.unwrap(), [], "dialog {i}");
            assert_eq!(t.store.answers(a.id, dialog.id).await.unwrap(), []);
        } else {
            let (saved, written) = outcome.unwrap();
            assert_eq!(saved.version, 1, "dialog {i}");
            assert_eq!(stored.unwrap(), written, "dialog {i}: saved exactly once");
            assert_eq!(t.store.answers(a.id, dialog.id).await.unwrap().len(), 1);
        }
    }
}
