//! Conformance: what turns carry (large turns, JSON values of every kind) and many turns at once.

use parley_domain::ErrorKind;
use parley_domain::dialog::{Button, DialogStatus, DialogUpdate, NewAnswer, NewMessage, Sender};
use parley_domain::ids::{Ref, UserId};
use parley_domain::ports::DialogStore;
use serde_json::{Value, json};

use super::fixtures::*;
use super::harness::Ctx;

pub async fn large_turns_keep_message_order(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let dialog = dialog(&t, &agent).await;
    let messages: Vec<NewMessage> = (0..1_234)
        .map(|i| NewMessage::text(Sender::Bot, format!("сообщение {i}")))
        .collect();
    let answers: Vec<NewAnswer> = (0..601)
        .map(|i| answer(&format!("v{i}"), "number", json!(i)))
        .collect();
    let (_, written) = t
        .store
        .save_turn(
            a.id,
            dialog.id,
            0,
            &DialogUpdate::from_dialog(&dialog),
            &messages,
            &answers,
        )
        .await
        .unwrap();
    assert_eq!(written.len(), messages.len());
    assert!(written.windows(2).all(|pair| pair[0].id < pair[1].id));
    let stored = t.store.messages(a.id, dialog.id, None).await.unwrap();
    assert_eq!(stored, written);
    assert!(stored.iter().zip(&messages).all(|(m, n)| m.text == n.text));
    let stored = t.store.answers(a.id, dialog.id).await.unwrap();
    assert!(
        stored
            .iter()
            .zip(&answers)
            .all(|(m, n)| m.variable == n.variable && m.answer == n.answer)
    );
    assert_eq!(stored.len(), answers.len());
}

pub async fn json_values_round_trip(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let mut new = new_dialog(&agent);
    let inputs = json!({"клиент": {"имя": "Ёжик", "теги": ["a", "б"], "null": null}, "n": -1.5e-7, "big": 9_007_199_254_740_993_u64, "empty": ""});
    new.inputs = inputs.as_object().cloned().unwrap();
    let dialog = t.store.create_dialog(a.id, new).await.unwrap();
    let reread = t.store.dialog(a.id, Ref::Uuid(dialog.uuid)).await.unwrap();
    assert_eq!(Value::Object(reread.inputs.clone()), inputs);

    let ended = state(
        json!({"s": "ended", "b": "конец", "v": {"ответы": {"да": [1, 2, {"x": "\"кавычки\" и \\слэш\n"}]}}, "r": "успех"}),
    );
    let mut update = DialogUpdate::from_dialog(&dialog);
    update.state = ended.clone();
    update.status = DialogStatus::Ended;
    update.result = Some("успех".into());
    let values = [
        json!(null),
        json!(false),
        json!(3.25),
        json!("Привет, мир"),
        json!(["раз", 2, null]),
        json!({"дата": "2025-03-14", "вложено": {"ok": true}}),
    ];
    let answers: Vec<NewAnswer> = values
        .iter()
        .enumerate()
        .map(|(i, v)| answer(&format!("a{i}"), "text", v.clone()))
        .collect();
    let tricky = NewMessage {
        buttons: vec![Button {
            id: "\"id\"".into(),
            text: "{\"не\": \"json\"}".into(),
        }],
        ..NewMessage::text(Sender::Bot, "Ünïcödé — ёлка 🎄\ttab\nnewline")
    };
    t.store
        .save_turn(
            a.id,
            dialog.id,
            0,
            &update,
            std::slice::from_ref(&tricky),
            &answers,
        )
        .await
        .unwrap();

    let reread = t.store.dialog(a.id, Ref::Id(dialog.id)).await.unwrap();
    assert_eq!(reread.state, ended);
    assert_eq!(reread.state.variables(), ended.variables());
    let stored: Vec<Value> = t
        .store
        .answers(a.id, dialog.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.answer)
        .collect();
    assert_eq!(stored, values);
    let message = &t.store.messages(a.id, dialog.id, None).await.unwrap()[0];
    assert_eq!(
        (&message.text, &message.buttons),
        (&tricky.text, &tricky.buttons)
    );
}

/// Saves, all at once, a turn from `version` on each of `dialogs` (two competing turns on the
/// first `competing`; a missing operator on those in `failing`); the outcomes per dialog.
async fn save_at_once(
    t: &Ctx,
    dialogs: &[parley_domain::dialog::Dialog],
    version: i64,
    competing: usize,
    failing: &[usize],
) -> Vec<
    Vec<
        parley_domain::Result<(
            parley_domain::dialog::Dialog,
            Vec<parley_domain::dialog::Message>,
        )>,
    >,
> {
    let mut tasks = Vec::new();
    for (i, dialog) in dialogs.iter().enumerate() {
        for attempt in 0..if i < competing { 2 } else { 1 } {
            let store = t.store.clone();
            let mut update = DialogUpdate::from_dialog(dialog);
            if failing.contains(&i) {
                update.operator_id = Some(UserId(9_999));
            }
            let messages = vec![
                NewMessage::text(Sender::Customer, format!("вопрос {i}.{version}.{attempt}")),
                NewMessage::text(Sender::Bot, format!("ответ {i}.{version}.{attempt}")),
            ];
            let answers = if i % 2 == 0 {
                vec![answer("n", "number", json!(i))]
            } else {
                vec![]
            };
            let (company, id) = (dialog.company_id, dialog.id);
            tasks.push(tokio::spawn(async move {
                (
                    i,
                    store
                        .save_turn(company, id, version, &update, &messages, &answers)
                        .await,
                )
            }));
        }
    }
    let mut outcomes: Vec<Vec<_>> = (0..dialogs.len()).map(|_| Vec::new()).collect();
    for task in tasks {
        let (i, outcome) = task.await.unwrap();
        outcomes[i].push(outcome);
    }
    outcomes
}

/// Many turns at once (queueing for the one SQLite writer): each caller gets its own answer, a stale
/// turn loses to the one saved first, and a failing turn spoils no other.
pub async fn concurrent_turns_each_get_their_own_answer(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let mut dialogs = Vec::new();
    for _ in 0..40 {
        dialogs.push(dialog(&t, &agent).await);
    }
    // First wave: every dialog moves to version 1; on dialogs 0..5 one of two turns wins.
    let first = save_at_once(&t, &dialogs, 0, 5, &[]).await;
    let mut saved = Vec::new();
    for (i, (dialog, outcomes)) in dialogs.iter().zip(first).enumerate() {
        let (won, lost): (Vec<_>, Vec<_>) = outcomes.into_iter().partition(Result::is_ok);
        assert_eq!(won.len(), 1, "dialog {i}: exactly one turn wins");
        for loser in lost {
            assert_eq!(error_kind(loser), ErrorKind::Conflict, "dialog {i}");
        }
        let (after, written) = won.into_iter().next().unwrap().unwrap();
        assert_eq!((after.id, after.version), (dialog.id, 1));
        assert_eq!(
            t.store.messages(a.id, dialog.id, None).await.unwrap(),
            written,
            "dialog {i}: the winner's messages only"
        );
        assert!(written[0].text.starts_with(&format!("вопрос {i}.0.")));
        assert_eq!(
            t.store.answers(a.id, dialog.id).await.unwrap().len(),
            usize::from(i % 2 == 0),
            "dialog {i}"
        );
        saved.push(after);
    }
    // Second wave: a turn with a missing operator among good ones.
    let second = save_at_once(&t, &saved, 1, 0, &[7, 30]).await;
    for (i, (dialog, mut outcomes)) in saved.iter().zip(second).enumerate() {
        let outcome = outcomes.pop().unwrap();
        let stored = t.store.messages(a.id, dialog.id, None).await.unwrap();
        if i == 7 || i == 30 {
            assert_eq!(error_kind(outcome), ErrorKind::NotFound, "dialog {i}");
            assert_eq!(
                t.store.dialog(a.id, Ref::Id(dialog.id)).await.unwrap(),
                *dialog,
                "dialog {i} changed"
            );
            assert_eq!(stored.len(), 2, "dialog {i}");
        } else {
            let (after, written) = outcome.unwrap();
            assert_eq!(after.version, 2, "dialog {i}");
            assert_eq!(stored[2..], written[..], "dialog {i}");
        }
    }
}
