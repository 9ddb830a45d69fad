//! Conformance: saving turns (versioning, messages, answers, ended_at, message order).

use parley_domain::ErrorKind;
use parley_domain::dialog::{Answer, Button, DialogStatus, DialogUpdate, NewMessage, Sender};
use parley_domain::ids::{AgentId, DialogId, Ref, UserId};
use parley_domain::ports::DialogStore;
use serde_json::json;

use super::fixtures::*;
use super::harness::Ctx;

pub async fn save_turn_persists_state_messages_and_answers(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let operator = user(&t, a.id, "op@example.com").await;
    let dialog = dialog(&t, &agent).await;
    let created = t.now();
    tick(&t, 250);

    let waiting = state(
        json!({"s": "awaiting_input", "b": "ask_name", "v": {"имя": "Иван", "n": 3}, "f": 1, "q": "Как вас зовут?", "t": 5000}),
    );
    let mut update = DialogUpdate::from_dialog(&dialog);
    update.state = waiting.clone();
    update.status = DialogStatus::Operator;
    update.operator_id = Some(operator.id);
    update.result = Some("в процессе".into());
    let buttons = vec![
        Button {
            id: "yes".into(),
            text: "Да 👍".into(),
        },
        Button {
            id: "no".into(),
            text: "Нет".into(),
        },
    ];
    let messages = vec![
        NewMessage::text(Sender::Customer, "Здравствуйте"),
        NewMessage {
            buttons: buttons.clone(),
            ..NewMessage::text(Sender::Bot, "Вам удобно говорить?")
        },
        NewMessage {
            button_id: Some("yes".into()),
            ..NewMessage::text(Sender::Customer, "Да 👍")
        },
        NewMessage {
            operator_id: Some(operator.id),
            ..NewMessage::text(Sender::Operator, "Я оператор")
        },
        NewMessage::text(Sender::System, "dialog handed to an operator"),
    ];
    let answers = vec![
        answer("name", "text", json!("Иван")),
        answer("age", "number", json!(42)),
    ];
    let (saved, written) = t
        .store
        .save_turn(a.id, dialog.id, 0, &update, &messages, &answers)
        .await
        .unwrap();

    assert_eq!(saved.version, 1);
    assert_eq!(
        (saved.status, saved.operator_id, saved.result.as_deref()),
        (
            DialogStatus::Operator,
            Some(operator.id),
            Some("в процессе")
        )
    );
    assert_eq!(saved.state, waiting);
    assert_eq!(
        (saved.created_at, saved.updated_at, saved.ended_at),
        (created, t.now(), None)
    );
    assert_eq!(
        t.store.dialog(a.id, Ref::Id(dialog.id)).await.unwrap(),
        saved
    );

    assert_eq!(written.len(), messages.len());
    for (pair, (message, new)) in written.windows(2).zip(written.iter().zip(&messages)) {
        assert!(pair[0].id < pair[1].id, "ids increase in order");
        assert_eq!(
            (message.sender, &message.text, &message.buttons),
            (new.sender, &new.text, &new.buttons)
        );
        assert_eq!(
            (&message.button_id, message.operator_id),
            (&new.button_id, new.operator_id)
        );
    }
    for message in &written {
        assert_v7(message.uuid);
        assert_eq!(
            (message.dialog_id, message.created_at),
            (dialog.id, t.now())
        );
    }
    assert_eq!(written[1].buttons, buttons);
    assert_eq!(
        t.store.messages(a.id, dialog.id, None).await.unwrap(),
        written
    );
    let stored = t.store.answers(a.id, dialog.id).await.unwrap();
    let expected: Vec<Answer> = answers
        .iter()
        .map(|n| Answer {
            variable: n.variable.clone(),
            question: n.question.clone(),
            kind: n.kind.clone(),
            answer: n.answer.clone(),
            deleted: false,
            created_at: t.now(),
        })
        .collect();
    assert_eq!(stored, expected);

    // A second turn appends.
    tick(&t, 250);
    let mut update = DialogUpdate::from_dialog(&saved);
    update.status = DialogStatus::Active;
    update.operator_id = None;
    let (again, more) = t
        .store
        .save_turn(
            a.id,
            dialog.id,
            1,
            &update,
            &[NewMessage::text(Sender::Bot, "Спасибо")],
            &[answer("x", "yes_no", json!(true))],
        )
        .await
        .unwrap();
    assert_eq!(
        (again.version, again.operator_id, again.updated_at),
        (2, None, t.now())
    );
    assert!(more[0].id > written[4].id);
    let all = t.store.messages(a.id, dialog.id, None).await.unwrap();
    assert_eq!(all.len(), 6);
    assert_eq!(all.last(), more.last());
    assert_eq!(t.store.answers(a.id, dialog.id).await.unwrap().len(), 3);
}

pub async fn save_turn_rejects_a_stale_version(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let dialog = dialog(&t, &agent).await;
    let update = DialogUpdate::from_dialog(&dialog);
    let hello = [NewMessage::text(Sender::Customer, "hello")];
    let (saved, _) = t
        .store
        .save_turn(a.id, dialog.id, 0, &update, &hello, &[])
        .await
        .unwrap();
    assert_eq!(saved.version, 1);

    let mut late = update.clone();
    late.status = DialogStatus::Failed;
    for stale in [0, 2, 7] {
        let err = t
            .store
            .save_turn(
                a.id,
                dialog.id,
                stale,
                &late,
                &hello,
                &[answer("a", "text", json!("x"))],
            )
            .await;
        assert_eq!(error_kind(err), ErrorKind::Conflict, "version {stale}");
    }
    assert_eq!(
        t.store.dialog(a.id, Ref::Id(dialog.id)).await.unwrap(),
        saved,
        "a rejected turn changed the dialog"
    );
    assert_eq!(
        t.store.messages(a.id, dialog.id, None).await.unwrap().len(),
        1,
        "a rejected turn wrote messages"
    );
    assert!(
        t.store.answers(a.id, dialog.id).await.unwrap().is_empty(),
        "a rejected turn wrote answers"
    );
    assert_not_found(
        t.store
            .save_turn(a.id, DialogId(dialog.id.0 + 100), 0, &update, &hello, &[])
            .await,
    );
}

pub async fn save_turn_sets_ended_at_once(t: Ctx) {
    let (_, agent) = company_with_agent(&t, "A").await;
    let dialog = dialog(&t, &agent).await;
    tick(&t, 100);
    let operator = set_status(&t, &dialog, DialogStatus::Operator).await;
    assert_eq!(operator.ended_at, None);
    tick(&t, 100);
    let ended_at = t.now();
    let ended = set_status(&t, &operator, DialogStatus::Ended).await;
    assert_eq!(ended.ended_at, Some(ended_at));
    tick(&t, 100);
    let mut update = DialogUpdate::from_dialog(&ended);
    update.status = DialogStatus::Failed;
    update.error = Some("webhook timed out — таймаут".into());
    let (failed, _) = t
        .store
        .save_turn(ended.company_id, ended.id, ended.version, &update, &[], &[])
        .await
        .unwrap();
    assert_eq!(
        (failed.status, failed.error.as_deref()),
        (DialogStatus::Failed, Some("webhook timed out — таймаут"))
    );
    assert_eq!(
        (failed.ended_at, failed.updated_at, failed.version),
        (Some(ended_at), t.now(), 3)
    );

    let other = super::fixtures::dialog(&t, &agent).await;
    let failed_first = set_status(&t, &other, DialogStatus::Failed).await;
    assert_eq!(failed_first.ended_at, Some(t.now()));
}

pub async fn save_turn_checks_agent_and_operator(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let (_, foreign) = company_with_agent(&t, "B").await;
    let next = super::fixtures::agent(&t, a.id, "Next").await;
    let dialog = dialog(&t, &agent).await;
    let hello = [NewMessage::text(Sender::Customer, "hello")];

    let mut to_foreign = DialogUpdate::from_dialog(&dialog);
    to_foreign.agent_id = foreign.id;
    assert_not_found(
        t.store
            .save_turn(a.id, dialog.id, 0, &to_foreign, &hello, &[])
            .await,
    );
    let mut to_missing = DialogUpdate::from_dialog(&dialog);
    to_missing.agent_id = AgentId(next.id.0 + 100);
    assert_not_found(
        t.store
            .save_turn(a.id, dialog.id, 0, &to_missing, &hello, &[])
            .await,
    );
    let mut ghost_operator = DialogUpdate::from_dialog(&dialog);
    ghost_operator.operator_id = Some(UserId(9_999));
    assert_not_found(
        t.store
            .save_turn(a.id, dialog.id, 0, &ghost_operator, &hello, &[])
            .await,
    );
    let ghost_writer = NewMessage {
        operator_id: Some(UserId(9_999)),
        ..NewMessage::text(Sender::Operator, "boo")
    };
    assert_not_found(
        t.store
            .save_turn(
                a.id,
                dialog.id,
                0,
                &DialogUpdate::from_dialog(&dialog),
                &[ghost_writer],
                &[],
            )
            .await,
    );
    assert_eq!(
        t.store.dialog(a.id, Ref::Id(dialog.id)).await.unwrap(),
        dialog,
        "a rejected turn changed the dialog"
    );
    assert!(
        t.store
            .messages(a.id, dialog.id, None)
            .await
            .unwrap()
            .is_empty()
    );

    // A goto to another agent of the same company moves the dialog.
    let mut goto = DialogUpdate::from_dialog(&dialog);
    goto.agent_id = next.id;
    let (moved, _) = t
        .store
        .save_turn(a.id, dialog.id, 0, &goto, &hello, &[])
        .await
        .unwrap();
    assert_eq!((moved.agent_id, moved.version), (next.id, 1));
}

pub async fn messages_after_an_id(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let dialog = dialog(&t, &agent).await;
    let update = DialogUpdate::from_dialog(&dialog);
    let first = [
        NewMessage::text(Sender::Customer, "1"),
        NewMessage::text(Sender::Bot, "2"),
    ];
    let (_, early) = t
        .store
        .save_turn(a.id, dialog.id, 0, &update, &first, &[])
        .await
        .unwrap();
    let (_, late) = t
        .store
        .save_turn(
            a.id,
            dialog.id,
            1,
            &update,
            &[NewMessage::text(Sender::Customer, "3")],
            &[],
        )
        .await
        .unwrap();
    // Another dialog's messages never show up.
    let noise = super::fixtures::dialog(&t, &agent).await;
    t.store
        .save_turn(
            a.id,
            noise.id,
            0,
            &DialogUpdate::from_dialog(&noise),
            &first,
            &[],
        )
        .await
        .unwrap();

    assert_eq!(
        t.store
            .messages(a.id, dialog.id, Some(early[1].id))
            .await
            .unwrap(),
        late
    );
    assert_eq!(
        t.store
            .messages(a.id, dialog.id, Some(early[0].id))
            .await
            .unwrap(),
        vec![early[1].clone(), late[0].clone()]
    );
    assert!(
        t.store
            .messages(a.id, dialog.id, Some(late[0].id))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        t.store.messages(a.id, dialog.id, None).await.unwrap().len(),
        3
    );
}
