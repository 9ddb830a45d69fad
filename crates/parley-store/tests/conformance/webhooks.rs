//! Campaign webhooks: hooks and callback data stored with their campaign and contact (and a
//! contact whose data is refused not queued at all), round trips within the company, and the outbox
//! (rows taken once while leased, attempts recorded, retries due later, listings filtered; one
//! URL's rows taken in order, also by two nodes taking at once, rows handed back without an
//! attempt).

use chrono::Duration;
use parley_domain::campaign::{Campaign, CampaignState, NewCampaign, NewQueued};
use parley_domain::ports::{CampaignStore, WebhookStore};
use parley_domain::webhook::{
    AfterAttempt, CampaignHooks, DeliveryAttempt, DeliveryFilter, DeliveryState, NewWebhook,
    WebhookTarget,
};
use parley_store::WEBHOOK_TAKE_LOCK;
use sqlx::{Connection, PgConnection};

use super::campaigns::{ALL, campaign, contact, new_campaign, voice_agent};
use super::fixtures::{company, tick};
use super::harness::Ctx;

pub async fn hooks_and_callback_data_round_trip_within_the_company(t: Ctx) {
    let acme = company(&t, "Acme").await;
    let other = company(&t, "Other").await;
    let agent = voice_agent(&t, acme.id, "Caller", 4).await;
    let plain = campaign(&t, &agent, CampaignState::Created).await;
    assert_eq!(
        t.store.campaign_hooks(acme.id, plain.id).await.unwrap(),
        CampaignHooks::default()
    );
    // Created with its hooks, in one write.
    let hooks = CampaignHooks {
        webhooks: vec![
            WebhookTarget::new("https://a.test/h", None).unwrap(),
            WebhookTarget::new("https://b.test/h", Some(vec!["CALL_ENDED".into()]))
                .unwrap()
                .delayed(45),
        ],
        seconds_per_call: Some(30),
    };
    let task = t
        .store
        .create_campaign(
            acme.id,
            &NewCampaign {
                hooks: hooks.clone(),
                ..new_campaign(&agent, CampaignState::Created)
            },
        )
        .await
        .unwrap();
    assert_eq!(
        t.store.campaign_hooks(acme.id, task.id).await.unwrap(),
        hooks
    );
    assert_eq!(
        t.store.campaign_hooks(other.id, task.id).await.unwrap(),
        CampaignHooks::default()
    );

    // Queued with its callback data, in one write; a contact without has none.
    let data = r#"{"заказ": 42}"#;
    let entry = t
        .store
        .enqueue(
            acme.id,
            task.id,
            &NewQueued {
                callback_data: Some(data.to_owned()),
                ..contact(1, None)
            },
            t.now(),
        )
        .await
        .unwrap();
    assert_eq!(
        t.store
            .callback_data(acme.id, entry.dialog_id)
            .await
            .unwrap()
            .as_deref(),
        Some(data)
    );
    assert_eq!(
        t.store
            .callback_data(other.id, entry.dialog_id)
            .await
            .unwrap(),
        None
    );
    let bare = t
        .store
        .enqueue(acme.id, task.id, &contact(2, None), t.now())
        .await
        .unwrap();
    assert_eq!(
        t.store
            .callback_data(acme.id, bare.dialog_id)
            .await
            .unwrap(),
        None
    );
}

pub async fn a_contact_whose_callback_data_is_refused_is_not_queued(t: Ctx) {
    let acme = company(&t, "Acme").await;
    let agent = voice_agent(&t, acme.id, "Caller", 4).await;
    let task = campaign(&t, &agent, CampaignState::Running).await;
    // PostgreSQL refuses a NUL character in text (SQLite keeps it): the callback data's write
    // fails after the dialog's and the queue entry's, and must take them with it.
    let refused = NewQueued {
        callback_data: Some("{\"x\": \"\u{0}\"}".to_owned()),
        ..contact(1, Some("c-1"))
    };
    let queued = t.store.enqueue(acme.id, task.id, &refused, t.now()).await;
    let counts = t.store.queue_counts(acme.id, task.id).await.unwrap();
    if t.store.backend() == "postgres" {
        assert!(queued.is_err());
        assert_eq!(counts.total(), 0, "nothing of the contact is left");
        // The external id is free again: nothing half-written holds it.
        t.store
            .enqueue(acme.id, task.id, &contact(1, Some("c-1")), t.now())
            .await
            .unwrap();
    } else {
        let entry = queued.unwrap();
        assert_eq!(counts.total(), 1);
        assert_eq!(
            t.store
                .callback_data(acme.id, entry.dialog_id)
                .await
                .unwrap(),
            refused.callback_data
        );
    }
}

/// An outbox row of `task`'s `event` for `url`, due now.
fn event_row(t: &Ctx, task: &Campaign, url: &str, event: &str) -> NewWebhook {
    NewWebhook {
        company_id: task.company_id,
        campaign_id: Some(task.id),
        event: event.to_owned(),
        url: url.to_owned(),
        payload: format!(r#"{{"event":"{event}"}}"#),
        next_at: t.now(),
    }
}

pub async fn outbox_rows_are_taken_once_and_retried_until_delivered(t: Ctx) {
    let acme = company(&t, "Acme").await;
    let other = company(&t, "Other").await;
    let agent = voice_agent(&t, acme.id, "Caller", 4).await;
    let task = campaign(&t, &agent, CampaignState::Running).await;
    let row = |url: &str, event: &str| event_row(&t, &task, url, event);
    t.store
        .add_webhooks(&[
            row("https://a.test/h", "CALL_ENDED"),
            row("https://b.test/h", "CANDIDATE_CHANGED"),
        ])
        .await
        .unwrap();
    let lease = t.now() + Duration::minutes(2);
    let due = t.store.due_webhooks(t.now(), lease, 10).await.unwrap();
    assert_eq!(due.len(), 2);
    assert!(due.iter().all(|d| d.attempts.is_empty()));
    assert_eq!(due[0].url, "https://a.test/h");
    // Leased: nobody else takes them meanwhile.
    assert!(
        t.store
            .due_webhooks(t.now(), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );

    let failed = DeliveryAttempt {
        at: t.now(),
        status: Some(500),
        error: Some("the receiver answered 500".into()),
    };
    let retry_at = t.now() + Duration::seconds(10);
    t.store
        .record_webhook_attempt(due[0].id, &failed, AfterAttempt::RetryAt(retry_at))
        .await
        .unwrap();
    let ok = DeliveryAttempt {
        at: t.now(),
        status: Some(200),
        error: None,
    };
    t.store
        .record_webhook_attempt(due[1].id, &ok, AfterAttempt::Delivered)
        .await
        .unwrap();
    assert_eq!(t.store.next_webhook_at().await.unwrap(), Some(retry_at));

    tick(&t, 10_000);
    let again = t
        .store
        .due_webhooks(t.now(), t.now() + Duration::minutes(2), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, vec![failed.clone()]);
    let ok = DeliveryAttempt { at: t.now(), ..ok };
    t.store
        .record_webhook_attempt(again[0].id, &ok, AfterAttempt::Delivered)
        .await
        .unwrap();
    assert_eq!(t.store.next_webhook_at().await.unwrap(), None);

    let listed = t
        .store
        .webhook_deliveries(acme.id, &DeliveryFilter::default(), ALL)
        .await
        .unwrap();
    assert_eq!(listed.total, 2);
    assert!(
        listed
            .items
            .iter()
            .all(|d| d.state == DeliveryState::Delivered)
    );
    assert_eq!(listed.items[1].attempts, vec![failed, ok]);
    let only = DeliveryFilter {
        event: Some("CANDIDATE_CHANGED".into()),
        ..DeliveryFilter::default()
    };
    let listed = t
        .store
        .webhook_deliveries(acme.id, &only, ALL)
        .await
        .unwrap();
    assert_eq!(listed.total, 1);
    let theirs = t
        .store
        .webhook_deliveries(other.id, &DeliveryFilter::default(), ALL)
        .await
        .unwrap();
    assert_eq!(theirs.total, 0);
}

pub async fn one_urls_rows_go_out_in_order_and_can_be_handed_back(t: Ctx) {
    let acme = company(&t, "Acme").await;
    let agent = voice_agent(&t, acme.id, "Caller", 4).await;
    let task = campaign(&t, &agent, CampaignState::Running).await;
    let row = |url: &str, event: &str| event_row(&t, &task, url, event);
    let slow = "https://slow.test/h";
    t.store
        .add_webhooks(&[row(slow, "CALL_ENDED"), row(slow, "CANDIDATE_CHANGED")])
        .await
        .unwrap();
    let lease = t.now() + Duration::minutes(2);
    let taken = t.store.due_webhooks(t.now(), lease, 10).await.unwrap();
    let events: Vec<&str> = taken.iter().map(|d| d.event.as_str()).collect();
    assert_eq!(events, ["CALL_ENDED", "CANDIDATE_CHANGED"]);

    // While those are out, later rows of the same URL wait; other URLs' do not.
    t.store
        .add_webhooks(&[
            row(slow, "CALL_ENDED"),
            row("https://fast.test/h", "CALL_ENDED"),
        ])
        .await
        .unwrap();
    let due = t.store.due_webhooks(t.now(), lease, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].url, "https://fast.test/h");

    // The first fails and backs off; the second is handed back (no attempt) due with it.
    let failed = DeliveryAttempt {
        at: t.now(),
        status: Some(500),
        error: Some("the receiver answered 500".into()),
    };
    let retry_at = t.now() + Duration::seconds(10);
    t.store
        .record_webhook_attempt(taken[0].id, &failed, AfterAttempt::RetryAt(retry_at))
        .await
        .unwrap();
    t.store
        .release_webhooks(&[taken[1].id], retry_at)
        .await
        .unwrap();
    t.store.release_webhooks(&[], retry_at).await.unwrap();
    // The URL's newest row, due now, still waits behind them, and does not count as due.
    assert!(
        t.store
            .due_webhooks(t.now(), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(t.store.next_webhook_at().await.unwrap(), Some(retry_at));
    tick(&t, 10_000);
    let again = t
        .store
        .due_webhooks(t.now(), t.now() + Duration::minutes(2), 10)
        .await
        .unwrap();
    let ids: Vec<i64> = again.iter().map(|d| d.id).collect();
    assert_eq!(ids, [taken[0].id, taken[1].id, taken[1].id + 1]);
    assert_eq!(again[0].attempts, vec![failed]);
    assert!(again[1].attempts.is_empty());
}

pub async fn a_second_node_taking_at_once_does_not_take_a_urls_next_row(t: Ctx) {
    // SQLite has one writer, so two takes never overlap there.
    let Some(url) = t.postgres_url.clone() else {
        return;
    };
    let acme = company(&t, "Acme").await;
    let agent = voice_agent(&t, acme.id, "Caller", 4).await;
    let task = campaign(&t, &agent, CampaignState::Running).await;
    let hook = "https://crm.test/h";
    t.store
        .add_webhooks(&[
            event_row(&t, &task, hook, "CALL_ENDED"),
            event_row(&t, &task, hook, "CANDIDATE_CHANGED"),
        ])
        .await
        .unwrap();
    let first: i64 = {
        let mut conn = PgConnection::connect(&url).await.unwrap();
        sqlx::query_scalar("SELECT MIN(id) FROM webhook_outbox")
            .fetch_one(&mut conn)
            .await
            .unwrap()
    };

    // Node A is in the middle of its take: it holds the take lock and has leased the URL's
    // first row, but has not committed.
    let mut node_a = PgConnection::connect(&url).await.unwrap();
    let mut take = node_a.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(WEBHOOK_TAKE_LOCK)
        .execute(&mut *take)
        .await
        .unwrap();
    sqlx::query("UPDATE webhook_outbox SET next_at = next_at + interval '2 minutes' WHERE id = $1")
        .bind(first)
        .execute(&mut *take)
        .await
        .unwrap();

    // Node B takes now. It must wait for A rather than take the URL's second row past A's
    // uncommitted lease.
    let store = t.store.clone();
    let (now, lease) = (t.now(), t.now() + Duration::minutes(2));
    let node_b = tokio::spawn(async move { store.due_webhooks(now, lease, 10).await });
    let mut watch = PgConnection::connect(&url).await.unwrap();
    loop {
        if node_b.is_finished() {
            break;
        }
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .fetch_one(&mut watch)
        .await
        .unwrap();
        if waiting > 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    take.commit().await.unwrap();
    let taken = node_b.await.unwrap().unwrap();
    assert!(
        taken.is_empty(),
        "node B took {:?} while the URL's first row was out with node A",
        taken.iter().map(|d| &d.event).collect::<Vec<_>>()
    );
}
