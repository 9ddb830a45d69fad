//! Conformance: runs of external custom blocks — round trip, one open run per dialog, delivery
//! claimed once, finished once and never after expiry, typing, scoping.

use chrono::Duration;
use parley_domain::custom_block::NewCustomRun;
use parley_domain::dialog::Dialog;
use parley_domain::ports::CustomBlockStore;
use serde_json::json;

use super::fixtures::*;
use super::harness::Ctx;

fn new_run(t: &Ctx, dialog: &Dialog, token_id: &str) -> NewCustomRun {
    NewCustomRun {
        token_id: token_id.to_owned(),
        dialog_id: dialog.id,
        block: "проверка".to_owned(),
        url: "https://blocks.example/run?x=1".to_owned(),
        params: json!({"сумма": 1500.5, "list": [1, null, "два"], "deep": {"ok": true}}),
        expires_at: t.now() + Duration::hours(24),
    }
}

pub async fn custom_runs_round_trip_and_a_new_run_supersedes_the_open_one(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let dialog = dialog(&t, &agent).await;
    assert_eq!(
        t.store.open_custom_run(a.id, dialog.id).await.unwrap(),
        None
    );

    let first = t
        .store
        .start_custom_run(a.id, &new_run(&t, &dialog, "tok-1"))
        .await
        .unwrap();
    let wanted = new_run(&t, &dialog, "tok-1");
    assert_eq!(
        (
            first.token_id.as_str(),
            first.company_id,
            first.dialog_id,
            first.block.as_str(),
            first.url.as_str(),
            &first.params,
        ),
        (
            "tok-1",
            a.id,
            dialog.id,
            "проверка",
            wanted.url.as_str(),
            &wanted.params
        )
    );
    assert_eq!(
        (first.created_at, first.expires_at),
        (t.now(), wanted.expires_at)
    );
    assert_eq!(
        (first.typing, first.delivered_at, first.finished_at),
        (false, None, None)
    );
    assert_eq!(t.store.custom_run(a.id, "tok-1").await.unwrap(), first);
    assert_eq!(
        t.store.open_custom_run(a.id, dialog.id).await.unwrap(),
        Some(first.clone())
    );

    tick(&t, 1000);
    let second = t
        .store
        .start_custom_run(a.id, &new_run(&t, &dialog, "tok-2"))
        .await
        .unwrap();
    let superseded = t.store.custom_run(a.id, "tok-1").await.unwrap();
    assert_eq!(superseded.finished_at, Some(t.now()));
    assert_eq!(
        t.store.open_custom_run(a.id, dialog.id).await.unwrap(),
        Some(second)
    );

    // Another dialog's runs are its own.
    let other = super::fixtures::dialog(&t, &agent).await;
    t.store
        .start_custom_run(a.id, &new_run(&t, &other, "tok-3"))
        .await
        .unwrap();
    assert!(
        t.store
            .custom_run(a.id, "tok-2")
            .await
            .unwrap()
            .finished_at
            .is_none()
    );
    assert_eq!(
        error_kind(
            t.store
                .start_custom_run(a.id, &new_run(&t, &other, "tok-3"))
                .await
        ),
        parley_domain::ErrorKind::Conflict
    );
}

pub async fn custom_run_delivery_is_claimed_once(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let dialog = dialog(&t, &agent).await;
    t.store
        .start_custom_run(a.id, &new_run(&t, &dialog, "tok"))
        .await
        .unwrap();
    tick(&t, 5);
    let claimed = t
        .store
        .claim_custom_delivery(a.id, "tok", t.now())
        .await
        .unwrap()
        .expect("the first claim wins");
    assert_eq!(claimed.delivered_at, Some(t.now()));
    assert_eq!(
        t.store
            .claim_custom_delivery(a.id, "tok", t.now())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        t.store
            .claim_custom_delivery(a.id, "nope", t.now())
            .await
            .unwrap(),
        None
    );
    // A finished run is not delivered any more.
    t.store
        .start_custom_run(a.id, &new_run(&t, &dialog, "later"))
        .await
        .unwrap();
    t.store
        .finish_custom_run(a.id, "later", t.now())
        .await
        .unwrap();
    assert_eq!(
        t.store
            .claim_custom_delivery(a.id, "later", t.now())
            .await
            .unwrap(),
        None
    );
}

pub async fn custom_runs_finish_once_and_not_after_expiry(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let dialog = dialog(&t, &agent).await;
    t.store
        .start_custom_run(a.id, &new_run(&t, &dialog, "tok"))
        .await
        .unwrap();
    t.store.set_custom_typing(a.id, "tok", true).await.unwrap();
    tick(&t, 10);
    let finished = t
        .store
        .finish_custom_run(a.id, "tok", t.now())
        .await
        .unwrap()
        .expect("finished");
    assert_eq!(
        (finished.finished_at, finished.typing),
        (Some(t.now()), false)
    );
    assert_eq!(
        t.store
            .finish_custom_run(a.id, "tok", t.now())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        t.store.open_custom_run(a.id, dialog.id).await.unwrap(),
        None
    );

    let mut short = new_run(&t, &dialog, "short");
    short.expires_at = t.now() + Duration::seconds(1);
    t.store.start_custom_run(a.id, &short).await.unwrap();
    let late = t.now() + Duration::seconds(1);
    assert_eq!(
        t.store
            .finish_custom_run(a.id, "short", late)
            .await
            .unwrap(),
        None
    );
    assert!(
        t.store
            .custom_run(a.id, "short")
            .await
            .unwrap()
            .finished_at
            .is_none()
    );
}

pub async fn custom_run_typing_round_trips(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let dialog = dialog(&t, &agent).await;
    t.store
        .start_custom_run(a.id, &new_run(&t, &dialog, "tok"))
        .await
        .unwrap();
    t.store.set_custom_typing(a.id, "tok", true).await.unwrap();
    assert!(t.store.custom_run(a.id, "tok").await.unwrap().typing);
    t.store.set_custom_typing(a.id, "tok", false).await.unwrap();
    assert!(!t.store.custom_run(a.id, "tok").await.unwrap().typing);
    assert_not_found(t.store.set_custom_typing(a.id, "nope", true).await);
}

pub async fn custom_runs_are_invisible_to_other_companies(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let (b, _) = company_with_agent(&t, "B").await;
    let dialog = dialog(&t, &agent).await;
    assert_not_found(
        t.store
            .start_custom_run(b.id, &new_run(&t, &dialog, "tok-b"))
            .await,
    );
    t.store
        .start_custom_run(a.id, &new_run(&t, &dialog, "tok"))
        .await
        .unwrap();
    assert_not_found(t.store.custom_run(b.id, "tok").await);
    assert_eq!(
        t.store.open_custom_run(b.id, dialog.id).await.unwrap(),
        None
    );
    assert_eq!(
        t.store
            .claim_custom_delivery(b.id, "tok", t.now())
            .await
            .unwrap(),
        None
    );
    assert_not_found(t.store.set_custom_typing(b.id, "tok", true).await);
    assert_eq!(
        t.store
            .finish_custom_run(b.id, "tok", t.now())
            .await
            .unwrap(),
        None
    );
    let untouched = t.store.custom_run(a.id, "tok").await.unwrap();
    assert_eq!(
        (
            untouched.typing,
            untouched.delivered_at,
            untouched.finished_at
        ),
        (false, None, None)
    );
}
