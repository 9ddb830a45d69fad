//! Conformance: creating, finding, listing and filtering dialogs.

use chrono::Duration;
use parley_domain::dialog::{Dialog, DialogFilter, DialogStatus};
use parley_domain::ids::{AgentId, DialogId, Ref};
use parley_domain::ports::DialogStore;
use parley_domain::values::{Page, Paged};
use parley_scenario::DialogState;

use super::fixtures::*;
use super::harness::Ctx;

fn page(offset: u64, limit: u64) -> Page {
    Page::new(offset, limit).unwrap()
}

fn ids(paged: &Paged<Dialog>) -> Vec<DialogId> {
    paged.items.iter().map(|d| d.id).collect()
}

pub async fn dialogs_start_active_with_their_inputs(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let new = new_dialog(&agent);
    let dialog = t.store.create_dialog(a.id, new.clone()).await.unwrap();
    assert_v7(dialog.uuid);
    assert_eq!(
        (dialog.company_id, dialog.agent_id, dialog.scenario_version),
        (a.id, agent.id, 1)
    );
    assert_eq!(
        (dialog.channel, dialog.status, dialog.version),
        (agent.channel, DialogStatus::Active, 0)
    );
    assert_eq!(dialog.entry, "main");
    assert_eq!(dialog.inputs, new.inputs);
    assert_eq!(dialog.state, DialogState::new());
    assert_eq!(
        (
            dialog.source.as_str(),
            dialog.ip.as_deref(),
            dialog.location.as_deref()
        ),
        ("api", Some("203.0.113.7"), Some("Екатеринбург"))
    );
    assert_eq!(
        (
            dialog.result.clone(),
            dialog.operator_id,
            dialog.error.clone()
        ),
        (None, None, None)
    );
    assert_eq!(
        (dialog.created_at, dialog.updated_at, dialog.ended_at),
        (t.now(), t.now(), None)
    );

    assert_eq!(
        t.store.dialog(a.id, Ref::Id(dialog.id)).await.unwrap(),
        dialog
    );
    assert_eq!(
        t.store.dialog(a.id, Ref::Uuid(dialog.uuid)).await.unwrap(),
        dialog
    );
    assert!(
        t.store
            .messages(a.id, dialog.id, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(t.store.answers(a.id, dialog.id).await.unwrap().is_empty());

    let bare = parley_domain::dialog::NewDialog {
        ip: None,
        location: None,
        inputs: Default::default(),
        ..new
    };
    let bare = t.store.create_dialog(a.id, bare).await.unwrap();
    assert_eq!((bare.ip, bare.location, bare.inputs.len()), (None, None, 0));
    assert!(bare.id > dialog.id);
    let ghost = parley_domain::dialog::NewDialog {
        agent_id: AgentId(agent.id.0 + 100),
        ..new_dialog(&agent)
    };
    assert_not_found(t.store.create_dialog(a.id, ghost).await);
    assert_not_found(
        t.store
            .dialog(a.id, Ref::Id(DialogId(bare.id.0 + 100)))
            .await,
    );
}

pub async fn dialogs_list_newest_first_with_totals(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let (_, other) = company_with_agent(&t, "B").await;
    let mut made = Vec::new();
    for _ in 0..5 {
        made.push(dialog(&t, &agent).await.id);
        dialog(&t, &other).await;
        tick(&t, 1000);
    }
    // Two at the same instant: the later id first.
    made.push(dialog(&t, &agent).await.id);
    made.push(dialog(&t, &agent).await.id);
    made.reverse();
    let all = DialogFilter::default();

    let listed = t.store.dialogs(a.id, &all, page(0, 100)).await.unwrap();
    assert_eq!((ids(&listed), listed.total), (made.clone(), 7));
    let first = t.store.dialogs(a.id, &all, page(0, 3)).await.unwrap();
    assert_eq!((ids(&first), first.total), (made[0..3].to_vec(), 7));
    let middle = t.store.dialogs(a.id, &all, page(3, 3)).await.unwrap();
    assert_eq!((ids(&middle), middle.total), (made[3..6].to_vec(), 7));
    let last = t.store.dialogs(a.id, &all, page(6, 3)).await.unwrap();
    assert_eq!((ids(&last), last.total), (made[6..].to_vec(), 7));
    let exact = t.store.dialogs(a.id, &all, page(4, 3)).await.unwrap();
    assert_eq!((ids(&exact), exact.total), (made[4..].to_vec(), 7));
    let past = t.store.dialogs(a.id, &all, page(7, 3)).await.unwrap();
    assert_eq!((ids(&past), past.total), (vec![], 7));
    let far = t
        .store
        .dialogs(a.id, &all, page(u64::MAX, 1))
        .await
        .unwrap();
    assert_eq!((ids(&far), far.total), (vec![], 7));
    assert_eq!(
        t.store.dialogs(a.id, &all, page(0, 1)).await.unwrap().items[0],
        t.store.dialog(a.id, Ref::Id(made[0])).await.unwrap()
    );
}

pub async fn dialog_filters_by_agent_and_status(t: Ctx) {
    let (a, first) = company_with_agent(&t, "A").await;
    let second = agent(&t, a.id, "Second").await;
    let d1 = dialog(&t, &first).await;
    let d2 = dialog(&t, &first).await;
    let d3 = dialog(&t, &second).await;
    let d4 = dialog(&t, &second).await;
    let d2 = set_status(&t, &d2, DialogStatus::Ended).await;
    set_status(&t, &d3, DialogStatus::Operator).await;
    set_status(&t, &d4, DialogStatus::Ended).await;

    let list = |filter: DialogFilter| {
        let store = t.store.clone();
        async move { store.dialogs(a.id, &filter, page(0, 100)).await.unwrap() }
    };
    let by_agent = list(DialogFilter {
        agent_id: Some(first.id),
        ..Default::default()
    })
    .await;
    assert_eq!((ids(&by_agent), by_agent.total), (vec![d2.id, d1.id], 2));
    let ended = list(DialogFilter {
        status: Some(DialogStatus::Ended),
        ..Default::default()
    })
    .await;
    assert_eq!((ids(&ended), ended.total), (vec![d4.id, d2.id], 2));
    let both = list(DialogFilter {
        agent_id: Some(second.id),
        status: Some(DialogStatus::Operator),
        ..Default::default()
    })
    .await;
    assert_eq!(ids(&both), vec![d3.id]);
    assert_eq!(both.items[0].status, DialogStatus::Operator);
    let none = list(DialogFilter {
        status: Some(DialogStatus::Failed),
        ..Default::default()
    })
    .await;
    assert_eq!((none.items.len(), none.total), (0, 0));
    let ghost = list(DialogFilter {
        agent_id: Some(AgentId(second.id.0 + 100)),
        ..Default::default()
    })
    .await;
    assert_eq!((ghost.items.len(), ghost.total), (0, 0));
    let paged = t
        .store
        .dialogs(
            a.id,
            &DialogFilter {
                status: Some(DialogStatus::Ended),
                ..Default::default()
            },
            page(0, 1),
        )
        .await
        .unwrap();
    assert_eq!((ids(&paged), paged.total), (vec![d4.id], 2));
}

pub async fn dialog_filters_by_time_ranges(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let t0 = t.now();
    let d0 = dialog(&t, &agent).await;
    tick(&t, 1000);
    let d1 = dialog(&t, &agent).await;
    tick(&t, 1000);
    let d2 = dialog(&t, &agent).await;
    tick(&t, 3000);
    set_status(&t, &d0, DialogStatus::Operator).await; // d0 updated at t0 + 5 s
    let second = Duration::seconds(1);

    let list = |filter: DialogFilter| {
        let store = t.store.clone();
        async move {
            let paged = store.dialogs(a.id, &filter, page(0, 100)).await.unwrap();
            assert_eq!(paged.total, paged.items.len() as u64);
            ids(&paged)
        }
    };
    let f = DialogFilter::default;
    assert_eq!(
        list(DialogFilter {
            created_from: Some(t0 + second),
            ..f()
        })
        .await,
        vec![d2.id, d1.id],
        "from is inclusive"
    );
    assert_eq!(
        list(DialogFilter {
            created_to: Some(t0 + second),
            ..f()
        })
        .await,
        vec![d1.id, d0.id],
        "to is inclusive"
    );
    assert_eq!(
        list(DialogFilter {
            created_from: Some(t0 + second),
            created_to: Some(t0 + second),
            ..f()
        })
        .await,
        vec![d1.id]
    );
    assert_eq!(
        list(DialogFilter {
            created_from: Some(t0 + Duration::milliseconds(1001)),
            ..f()
        })
        .await,
        vec![d2.id]
    );
    assert_eq!(
        list(DialogFilter {
            updated_from: Some(t0 + second * 5),
            ..f()
        })
        .await,
        vec![d0.id]
    );
    assert_eq!(
        list(DialogFilter {
            updated_to: Some(t0 + second * 2),
            ..f()
        })
        .await,
        vec![d2.id, d1.id]
    );
    assert_eq!(
        list(DialogFilter {
            updated_from: Some(t0 + second * 6),
            ..f()
        })
        .await,
        vec![]
    );
    let all = DialogFilter {
        agent_id: Some(agent.id),
        status: Some(DialogStatus::Active),
        created_from: Some(t0),
        created_to: Some(t0 + second * 2),
        updated_from: Some(t0 + second),
        updated_to: Some(t0 + second * 2),
    };
    assert_eq!(list(all).await, vec![d2.id, d1.id]);
}

pub async fn dialogs_are_invisible_to_other_companies(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let (b, _) = company_with_agent(&t, "B").await;
    let dialog = dialog(&t, &agent).await;

    assert_not_found(t.store.dialog(b.id, Ref::Id(dialog.id)).await);
    assert_not_found(t.store.dialog(b.id, Ref::Uuid(dialog.uuid)).await);
    let theirs = t
        .store
        .dialogs(b.id, &DialogFilter::default(), page(0, 100))
        .await
        .unwrap();
    assert_eq!((theirs.items.len(), theirs.total), (0, 0));
    let by_agent = DialogFilter {
        agent_id: Some(agent.id),
        ..Default::default()
    };
    let theirs = t
        .store
        .dialogs(b.id, &by_agent, page(0, 100))
        .await
        .unwrap();
    assert_eq!((theirs.items.len(), theirs.total), (0, 0));
    assert!(
        t.store
            .dialogs_by_id(b.id, &[dialog.id])
            .await
            .unwrap()
            .is_empty()
    );
    assert_not_found(t.store.messages(b.id, dialog.id, None).await);
    assert_not_found(t.store.answers(b.id, dialog.id).await);
    assert_not_found(t.store.create_dialog(b.id, new_dialog(&agent)).await);
    let update = parley_domain::dialog::DialogUpdate::from_dialog(&dialog);
    let message =
        parley_domain::dialog::NewMessage::text(parley_domain::dialog::Sender::Customer, "hi");
    assert_not_found(
        t.store
            .save_turn(b.id, dialog.id, 0, &update, &[message], &[])
            .await,
    );
    assert_eq!(
        t.store.dialog(a.id, Ref::Id(dialog.id)).await.unwrap(),
        dialog,
        "B changed A's dialog"
    );
    assert!(
        t.store
            .messages(a.id, dialog.id, None)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn dialogs_are_read_many_at_a_time(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let first = dialog(&t, &agent).await;
    let second = dialog(&t, &agent).await;
    let _third = dialog(&t, &agent).await;
    let mut got = t
        .store
        .dialogs_by_id(a.id, &[second.id, first.id, DialogId(987_654)])
        .await
        .unwrap();
    got.sort_by_key(|d| d.id);
    assert_eq!(got, vec![first, second]);
    assert!(t.store.dialogs_by_id(a.id, &[]).await.unwrap().is_empty());
}
