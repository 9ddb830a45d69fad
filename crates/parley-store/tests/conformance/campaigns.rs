//! Campaigns and their queues: round trips, tenancy, enqueue with de-duplication, reopening,
//! removal, drained campaigns and the do-not-call list. Builders for the campaign cases live here.

use chrono::{DateTime, Duration, Utc};
use parley_domain::ErrorKind;
use parley_domain::agent::{Agent, AgentSettings, NewAgent};
use parley_domain::campaign::{
    Campaign, CampaignFilter, CampaignState, CampaignWindow, NewCampaign, NewQueued, QueueEntry,
    QueueState,
};
use parley_domain::dialer::{DailyWindow, PhoneNumber, RedialRule, RedialRules, RetryPolicy};
use parley_domain::dialog::DialogStatus;
use parley_domain::ids::{CompanyId, Ref};
use parley_domain::ports::{AgentStore, CampaignStore, DialogStore, QueueFilter, WebhookStore};
use parley_domain::values::{Channel, LocalTime, Page};
use serde_json::json;

use super::fixtures::{assert_not_found, assert_v7, company, error_kind, tick};
use super::harness::Ctx;

/// Every row (the largest page).
pub const ALL: Page = Page {
    offset: 0,
    limit: 1000,
};

/// A voice agent with `channels` total channels.
pub async fn voice_agent(t: &Ctx, company: CompanyId, name: &str, channels: u32) -> Agent {
    let mut settings = AgentSettings::named(name);
    settings.total_channel_limit = channels;
    t.store
        .create_agent(
            company,
            NewAgent {
                channel: Channel::Voice,
                settings,
                scenario_source: super::fixtures::SCENARIO.to_owned(),
            },
        )
        .await
        .unwrap()
}

pub fn new_campaign(agent: &Agent, state: CampaignState) -> NewCampaign {
    NewCampaign {
        agent_id: agent.id,
        name: format!("{} calls", agent.settings.name),
        selection: false,
        state,
        window: CampaignWindow::default(),
        retry: None,
        calls_per_second: None,
        hooks: Default::default(),
    }
}

pub async fn campaign(t: &Ctx, agent: &Agent, state: CampaignState) -> Campaign {
    t.store
        .create_campaign(agent.company_id, &new_campaign(agent, state))
        .await
        .unwrap()
}

/// `+7 916 000-00-nn`.
pub fn phone(n: u32) -> PhoneNumber {
    PhoneNumber::parse(&format!("7916{n:07}")).unwrap()
}

pub fn contact(n: u32, external_id: Option<&str>) -> NewQueued {
    NewQueued {
        phone: phone(n),
        entry: "main".to_owned(),
        variables: json!({"имя": format!("Клиент {n}"), "долг": n})
            .as_object()
            .cloned()
            .unwrap(),
        external_id: external_id.map(str::to_owned),
        not_before: None,
        callback_data: None,
        zone: None,
    }
}

/// A contact due at `at`.
pub fn due_at(n: u32, at: DateTime<Utc>) -> NewQueued {
    NewQueued {
        not_before: Some(at),
        ..contact(n, None)
    }
}

/// A company, a voice agent with `channels` channels and a running campaign.
pub async fn running(t: &Ctx, name: &str, channels: u32) -> (Agent, Campaign) {
    let company = company(t, name).await;
    let agent = voice_agent(t, company.id, &format!("{name} bot"), channels).await;
    let campaign = campaign(t, &agent, CampaignState::Running).await;
    (agent, campaign)
}

pub async fn campaigns_round_trip_every_setting(t: Ctx) {
    let company = company(&t, "Рога и копыта").await;
    let agent = voice_agent(&t, company.id, "Обзвон", 5).await;
    let mut new = new_campaign(&agent, CampaignState::Created);
    new.selection = true;
    new.window = CampaignWindow {
        starts_at: Some(t.now() + Duration::hours(1)),
        ends_at: Some(t.now() + Duration::days(7)),
        daily: Some(DailyWindow {
            from: LocalTime::parse("09:00").unwrap(),
            to: LocalTime::parse("21:30").unwrap(),
        }),
    };
    new.retry = Some(RetryPolicy {
        max_attempts: 4,
        delay_seconds: 900,
        per_outcome: RedialRules {
            busy: Some(RedialRule {
                redial: true,
                delay_seconds: 120,
                max_redials: 2,
            }),
            ..RedialRules::default()
        },
    });
    new.calls_per_second = Some(3);
    let made = t.store.create_campaign(company.id, &new).await.unwrap();
    assert_v7(made.uuid);
    assert_eq!(
        (made.name.as_str(), made.selection, made.state),
        (new.name.as_str(), true, CampaignState::Created)
    );
    assert_eq!(
        (made.window, made.retry, made.calls_per_second),
        (new.window, new.retry, Some(3))
    );
    assert_eq!((made.created_at, made.completed_at), (t.now(), None));
    let by_id = t
        .store
        .campaign(company.id, Ref::Id(made.id))
        .await
        .unwrap();
    let by_uuid = t
        .store
        .campaign(company.id, Ref::Uuid(made.uuid))
        .await
        .unwrap();
    assert_eq!((&by_id, &by_uuid), (&made, &made));

    let plain = campaign(&t, &agent, CampaignState::Running).await;
    let all = t
        .store
        .campaigns(company.id, &CampaignFilter::default())
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|c| c.id).collect::<Vec<_>>(),
        [made.id, plain.id]
    );
    let selections = CampaignFilter {
        selections_only: true,
        ..CampaignFilter::default()
    };
    assert_eq!(
        t.store.campaigns(company.id, &selections).await.unwrap(),
        std::slice::from_ref(&made)
    );

    tick(&t, 1000);
    let done = t
        .store
        .set_campaign_state(company.id, plain.id, CampaignState::Completed)
        .await
        .unwrap();
    assert_eq!(
        (done.state, done.completed_at, done.updated_at),
        (CampaignState::Completed, Some(t.now()), t.now())
    );
    let completed = CampaignFilter {
        completed: Some(true),
        ..CampaignFilter::default()
    };
    assert_eq!(
        t.store.campaigns(company.id, &completed).await.unwrap(),
        [done]
    );
    let paused = t
        .store
        .set_agent_campaigns_state(
            company.id,
            agent.id,
            &[CampaignState::Created, CampaignState::Running],
            CampaignState::Paused,
        )
        .await
        .unwrap();
    assert_eq!(paused, 1);
    let made = t
        .store
        .campaign(company.id, Ref::Id(made.id))
        .await
        .unwrap();
    assert_eq!(made.state, CampaignState::Paused);
}

pub async fn campaigns_are_invisible_to_other_companies(t: Ctx) {
    let (agent, campaign) = running(&t, "Альфа", 5).await;
    let other = company(&t, "Бета").await;
    let entry = t
        .store
        .enqueue(agent.company_id, campaign.id, &contact(1, None), t.now())
        .await
        .unwrap();
    assert_not_found(t.store.campaign(other.id, Ref::Id(campaign.id)).await);
    assert_not_found(t.store.campaign(other.id, Ref::Uuid(campaign.uuid)).await);
    assert!(
        t.store
            .campaigns(other.id, &CampaignFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert_not_found(
        t.store
            .set_campaign_state(other.id, campaign.id, CampaignState::Paused)
            .await,
    );
    assert_not_found(t.store.queue_counts(other.id, campaign.id).await);
    assert!(t.store.all_queue_counts(other.id).await.unwrap().is_empty());
    let mine = t.store.all_queue_counts(agent.company_id).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[&campaign.id].waiting, mine[&campaign.id].total()),
        (1, 1)
    );
    assert_not_found(
        t.store
            .enqueue(other.id, campaign.id, &contact(2, None), t.now())
            .await,
    );
    assert_not_found(t.store.create_upload(other.id, campaign.id, &[]).await);
    assert_not_found(t.store.queue_entry(other.id, entry.dialog_id).await);
    let listed = t
        .store
        .queue_entries(other.id, &QueueFilter::default(), ALL)
        .await
        .unwrap();
    assert_eq!((listed.items.len(), listed.total), (0, 0));
    assert_not_found(
        t.store
            .remove_waiting(other.id, agent.id, Some(entry.dialog_id))
            .await,
    );
    assert_eq!(
        t.store
            .remove_waiting(other.id, agent.id, None)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        t.store
            .queue_entry(agent.company_id, entry.dialog_id)
            .await
            .unwrap()
            .state,
        QueueState::Waiting
    );
}

pub async fn enqueue_creates_a_voice_dialog_and_refuses_duplicate_external_ids(t: Ctx) {
    let (agent, campaign) = running(&t, "Альфа", 5).await;
    let company = agent.company_id;
    let item = contact(7, Some("crm-7"));
    let entry = t
        .store
        .enqueue(company, campaign.id, &item, t.now())
        .await
        .unwrap();
    assert_eq!(
        (
            entry.campaign_id,
            entry.agent_id,
            entry.company_id,
            &entry.phone
        ),
        (campaign.id, agent.id, company, &item.phone)
    );
    assert_eq!(
        (entry.state, entry.attempts, entry.next_at),
        (QueueState::Waiting, 0, t.now())
    );
    assert_eq!(
        (entry.history.len(), entry.external_id.as_deref()),
        (0, Some("crm-7"))
    );
    let dialog = t
        .store
        .dialog(company, Ref::Id(entry.dialog_id))
        .await
        .unwrap();
    assert_eq!(dialog.uuid, entry.dialog_uuid);
    assert_v7(dialog.uuid);
    assert_eq!(
        (
            dialog.channel,
            dialog.status,
            dialog.version,
            dialog.source.as_str()
        ),
        (Channel::Voice, DialogStatus::Active, 0, "api")
    );
    assert_eq!(
        (dialog.agent_id, dialog.scenario_version),
        (agent.id, agent.scenario_version)
    );
    assert_eq!(
        (dialog.entry.as_str(), &dialog.inputs),
        ("main", &item.variables)
    );

    let again = t
        .store
        .enqueue(company, campaign.id, &contact(8, Some("crm-7")), t.now())
        .await;
    assert_eq!(error_kind(again), ErrorKind::Conflict);
    let later = t.now() + Duration::hours(2);
    let other = t
        .store
        .enqueue(company, campaign.id, &due_at(9, later), t.now())
        .await
        .unwrap();
    assert_eq!(other.next_at, later);
    // The same key in another campaign is fine.
    let second = super::campaigns::campaign(&t, &agent, CampaignState::Running).await;
    t.store
        .enqueue(company, second.id, &contact(8, Some("crm-7")), t.now())
        .await
        .unwrap();
    let counts = t.store.queue_counts(company, campaign.id).await.unwrap();
    assert_eq!((counts.waiting, counts.total()), (2, 2));
    // All of the company's queues at once: each campaign its own counts.
    let all = t.store.all_queue_counts(company).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[&campaign.id], counts);
    assert_eq!((all[&second.id].waiting, all[&second.id].total()), (1, 1));
}

pub async fn many_contacts_queue_at_once_skipping_repeated_external_ids(t: Ctx) {
    let (agent, campaign) = running(&t, "Альфа", 5).await;
    let company = agent.company_id;
    t.store
        .enqueue(company, campaign.id, &contact(1, Some("a")), t.now())
        .await
        .unwrap();
    let items = [
        NewQueued {
            callback_data: Some(r#"{"orderId": 2}"#.to_owned()),
            ..contact(2, Some("b"))
        },
        // Already queued, and earlier in this lot.
        contact(3, Some("a")),
        contact(4, Some("b")),
        NewQueued {
            zone: Some("Asia/Vladivostok".parse().unwrap()),
            ..contact(5, None)
        },
    ];
    let queued = t
        .store
        .enqueue_many(company, campaign.id, &items, t.now())
        .await
        .unwrap();
    let skipped: Vec<bool> = queued.iter().map(Option::is_none).collect();
    assert_eq!(skipped, [false, true, true, false]);
    let counts = t.store.queue_counts(company, campaign.id).await.unwrap();
    assert_eq!(counts.waiting, 3);
    let first = t
        .store
        .dialog(company, Ref::Uuid(queued[0].unwrap()))
        .await
        .unwrap();
    assert_eq!(
        t.store.callback_data(company, first.id).await.unwrap(),
        items[0].callback_data
    );
    let last = t
        .store
        .dialog(company, Ref::Uuid(queued[3].unwrap()))
        .await
        .unwrap();
    let entry = t.store.queue_entry(company, last.id).await.unwrap();
    assert_eq!(
        (entry.phone, entry.zone.map(|z| z.name())),
        (items[3].phone.clone(), Some("Asia/Vladivostok"))
    );
    // Another company's campaign is not found, and nothing is queued.
    let other = super::fixtures::company(&t, "Бета").await.id;
    assert_not_found(
        t.store
            .enqueue_many(other, campaign.id, &[contact(6, None)], t.now())
            .await,
    );
    let counts = t.store.queue_counts(company, campaign.id).await.unwrap();
    assert_eq!(counts.total(), 3);
}

pub async fn a_contacts_own_zone_is_kept_through_queue_and_claim(t: Ctx) {
    let (agent, campaign) = running(&t, "Альфа", 5).await;
    let company = agent.company_id;
    let zoned = NewQueued {
        zone: Some("Asia/Vladivostok".parse().unwrap()),
        ..contact(1, None)
    };
    let entry = t
        .store
        .enqueue(company, campaign.id, &zoned, t.now())
        .await
        .unwrap();
    let plain = t
        .store
        .enqueue(company, campaign.id, &contact(2, None), t.now())
        .await
        .unwrap();
    let zone_of = |entry: &QueueEntry| entry.zone.map(|z| z.name());
    assert_eq!(
        (zone_of(&entry), zone_of(&plain)),
        (Some("Asia/Vladivostok"), None)
    );
    let read = t.store.queue_entry(company, entry.dialog_id).await.unwrap();
    assert_eq!(zone_of(&read), Some("Asia/Vladivostok"));
    let claimed = super::claims::claim(&t, 10).await;
    let mine = claimed
        .iter()
        .find(|c| c.entry.dialog_id == entry.dialog_id)
        .unwrap();
    assert_eq!(zone_of(&mine.entry), Some("Asia/Vladivostok"));
}

pub async fn a_completed_campaign_reopens_when_a_contact_is_queued(t: Ctx) {
    let (agent, campaign) = running(&t, "Альфа", 5).await;
    let done = t
        .store
        .set_campaign_state(agent.company_id, campaign.id, CampaignState::Completed)
        .await
        .unwrap();
    assert!(done.completed_at.is_some());
    tick(&t, 500);
    t.store
        .enqueue(agent.company_id, campaign.id, &contact(1, None), t.now())
        .await
        .unwrap();
    let reopened = t
        .store
        .campaign(agent.company_id, Ref::Id(campaign.id))
        .await
        .unwrap();
    assert_eq!(
        (reopened.state, reopened.completed_at),
        (CampaignState::Running, None)
    );
}

pub async fn queue_lists_filter_and_page(t: Ctx) {
    let (agent, first) = running(&t, "Альфа", 5).await;
    let company = agent.company_id;
    let second = campaign(&t, &agent, CampaignState::Running).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let target = if n % 2 == 0 { first.id } else { second.id };
        ids.push(
            t.store
                .enqueue(company, target, &contact(n, None), t.now())
                .await
                .unwrap()
                .dialog_id,
        );
    }
    let page = Page {
        offset: 1,
        limit: 2,
    };
    let listed = t
        .store
        .queue_entries(company, &QueueFilter::default(), page)
        .await
        .unwrap();
    assert_eq!(listed.total, 5);
    assert_eq!(
        listed.items.iter().map(|e| e.dialog_id).collect::<Vec<_>>(),
        ids[1..3]
    );
    let of_first = QueueFilter {
        campaign_id: Some(first.id),
        states: vec![QueueState::Waiting, QueueState::Dialing],
        ..QueueFilter::default()
    };
    let listed = t
        .store
        .queue_entries(company, &of_first, ALL)
        .await
        .unwrap();
    assert_eq!(
        listed.items.iter().map(|e| e.dialog_id).collect::<Vec<_>>(),
        [ids[0], ids[2], ids[4]]
    );
    let done = QueueFilter {
        states: vec![QueueState::Done],
        ..QueueFilter::default()
    };
    assert_eq!(
        t.store
            .queue_entries(company, &done, ALL)
            .await
            .unwrap()
            .total,
        0
    );
}

pub async fn remove_waiting_takes_only_waiting_entries_of_the_agent(t: Ctx) {
    let (agent, campaign) = running(&t, "Альфа", 1).await;
    let company = agent.company_id;
    let other_agent = voice_agent(&t, company, "Другой", 5).await;
    let other_campaign = super::campaigns::campaign(&t, &other_agent, CampaignState::Paused).await;
    let mut dialogs = Vec::new();
    for n in 0..3 {
        dialogs.push(
            t.store
                .enqueue(company, campaign.id, &contact(n, None), t.now())
                .await
                .unwrap()
                .dialog_id,
        );
    }
    let foreign = t
        .store
        .enqueue(company, other_campaign.id, &contact(9, None), t.now())
        .await
        .unwrap();
    let claims = t
        .store
        .claim_due("node-a", t.now(), t.now() + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(claims.len(), 1, "one channel");
    assert_eq!(claims[0].entry.dialog_id, dialogs[0]);

    tick(&t, 100);
    assert_eq!(
        t.store
            .remove_waiting(company, agent.id, Some(dialogs[0]))
            .await
            .unwrap(),
        0,
        "dialing"
    );
    assert_eq!(
        t.store
            .remove_waiting(company, agent.id, Some(dialogs[1]))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        t.store
            .remove_waiting(company, agent.id, Some(foreign.dialog_id))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        t.store
            .remove_waiting(company, agent.id, None)
            .await
            .unwrap(),
        1
    );
    let states: Vec<QueueState> = {
        let mut v = Vec::new();
        for d in &dialogs {
            v.push(t.store.queue_entry(company, *d).await.unwrap().state);
        }
        v
    };
    assert_eq!(
        states,
        [
            QueueState::Dialing,
            QueueState::Removed,
            QueueState::Removed
        ]
    );
    let removed = t.store.queue_entry(company, dialogs[1]).await.unwrap();
    assert_eq!(removed.updated_at, t.now());
    let counts = t.store.queue_counts(company, campaign.id).await.unwrap();
    assert_eq!((counts.dialing, counts.removed, counts.waiting), (1, 2, 0));
    assert_eq!(
        t.store.all_queue_counts(company).await.unwrap()[&campaign.id],
        counts
    );
    assert_eq!(
        t.store
            .queue_entry(company, foreign.dialog_id)
            .await
            .unwrap()
            .state,
        QueueState::Waiting
    );
}

pub async fn do_not_call_lists_round_trip(t: Ctx) {
    let one = company(&t, "Альфа").await;
    let two = company(&t, "Бета").await;
    let added = t
        .store
        .add_do_not_call(one.id, &[phone(3), phone(1), phone(3)])
        .await
        .unwrap();
    assert_eq!(added, 2);
    assert_eq!(
        t.store
            .add_do_not_call(one.id, &[phone(1), phone(2)])
            .await
            .unwrap(),
        1
    );
    let listed = t
        .store
        .do_not_call(
            one.id,
            Page {
                offset: 0,
                limit: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!((listed.items, listed.total), (vec![phone(1), phone(2)], 3));
    assert_eq!(t.store.do_not_call(two.id, ALL).await.unwrap().total, 0);
    assert_not_found(t.store.remove_do_not_call(two.id, &phone(1)).await);
    t.store.remove_do_not_call(one.id, &phone(1)).await.unwrap();
    assert_not_found(t.store.remove_do_not_call(one.id, &phone(1)).await);
    assert_eq!(
        t.store.do_not_call(one.id, ALL).await.unwrap().items,
        [phone(2), phone(3)]
    );
}
