//! The dialer's claims: order and channel limits, paused campaigns, leases and their expiry,
//! releases, calls recorded atomically with their dialog turn, drained campaigns, the
//! do-not-call flag, and concurrent claimers.

use std::collections::HashSet;

use chrono::Duration;
use parley_domain::ErrorKind;
use parley_domain::call::{NewCall, Speaker, Utterance};
use parley_domain::campaign::{CampaignState, Claim, QueueState, Release};
use parley_domain::dialer::{Attempt, Outcome};
use parley_domain::ports::CampaignStore;

use super::campaigns::{contact, due_at, phone, running, voice_agent};
use super::fixtures::{assert_v7, error_kind, tick};
use super::harness::Ctx;

pub const NODE: &str = "node-a";

pub async fn claim(t: &Ctx, limit: usize) -> Vec<Claim> {
    t.store
        .claim_due(NODE, t.now(), t.now() + Duration::seconds(30), limit)
        .await
        .unwrap()
}

pub fn wait_again(t: &Ctx, attempt: Option<Outcome>) -> Release {
    Release::Wait {
        next_at: t.now() + Duration::minutes(10),
        attempt: attempt.map(|outcome| Attempt {
            ended_at: t.now(),
            outcome,
            talk_ms: 0,
        }),
    }
}

pub fn call_of(t: &Ctx, claim: &Claim, outcome: Outcome) -> NewCall {
    let answered = outcome == Outcome::Answered;
    NewCall {
        uuid: claim.call_uuid,
        agent_id: claim.entry.agent_id,
        campaign_id: Some(claim.entry.campaign_id),
        dialog_id: claim.entry.dialog_id,
        attempt: claim.entry.attempts,
        phone: claim.entry.phone.clone(),
        outcome,
        started_at: t.now() - Duration::seconds(40),
        answered_at: answered.then(|| t.now() - Duration::seconds(30)),
        ended_at: t.now(),
        bot_ms: if answered { 30_000 } else { 0 },
        operator_ms: 0,
        transferred: false,
        price_minor: if answered { 75 } else { 0 },
        result: answered.then(|| "согласен".to_owned()),
        transcript: if answered {
            vec![Utterance {
                speaker: Speaker::Bot,
                text: "Здравствуйте!".into(),
                at_ms: 0,
                duration_ms: 1200,
            }]
        } else {
            Vec::new()
        },
    }
}

pub async fn claims_take_the_oldest_due_entries_within_the_channel_limit(t: Ctx) {
    let (agent, campaign) = running(&t, "Альфа", 2).await;
    let company = agent.company_id;
    let now = t.now();
    let mut ids = Vec::new();
    for (n, minutes) in [(1, 3), (2, 1), (3, 2), (4, -1)] {
        let at = now - Duration::minutes(minutes);
        ids.push(
            t.store
                .enqueue(company, campaign.id, &due_at(n, at), now)
                .await
                .unwrap()
                .dialog_id,
        );
    }
    let first = claim(&t, 10).await;
    assert_eq!(
        first.iter().map(|c| c.entry.dialog_id).collect::<Vec<_>>(),
        [ids[0], ids[2]]
    );
    for c in &first {
        assert_eq!(
            (c.entry.state, c.entry.attempts, c.node.as_str()),
            (QueueState::Dialing, 1, NODE)
        );
        assert_eq!(
            (c.lease_until, c.do_not_call),
            (now + Duration::seconds(30), false)
        );
        assert_v7(c.call_uuid);
    }
    assert_ne!(first[0].call_uuid, first[1].call_uuid);
    assert!(claim(&t, 10).await.is_empty(), "both channels are busy");
    t.store
        .release_claim(&first[0], &wait_again(&t, Some(Outcome::Busy)))
        .await
        .unwrap();
    let next = claim(&t, 10).await;
    assert_eq!(
        next.iter().map(|c| c.entry.dialog_id).collect::<Vec<_>>(),
        [ids[1]]
    );
    // Another agent's channels are its own; the limit argument caps the claim too.
    let other = voice_agent(&t, company, "Второй", 5).await;
    let second = super::campaigns::campaign(&t, &other, CampaignState::Running).await;
    for n in 10..13 {
        t.store
            .enqueue(company, second.id, &contact(n, None), now)
            .await
            .unwrap();
    }
    assert_eq!(claim(&t, 2).await.len(), 2);
    assert_eq!(claim(&t, 10).await.len(), 1);
    let counts = t.store.queue_counts(company, campaign.id).await.unwrap();
    assert_eq!(
        (counts.dialing, counts.waiting),
        (2, 2),
        "the released entry waits 10 minutes, entry 4 is not due yet"
    );
}

pub async fn paused_and_unstarted_campaigns_are_not_claimed(t: Ctx) {
    let (agent, campaign) = running(&t, "Альфа", 5).await;
    let company = agent.company_id;
    let created = super::campaigns::campaign(&t, &agent, CampaignState::Created).await;
    t.store
        .enqueue(company, campaign.id, &contact(1, None), t.now())
        .await
        .unwrap();
    t.store
        .enqueue(company, created.id, &contact(2, None), t.now())
        .await
        .unwrap();
    let later = t.now() + Duration::minutes(5);
    t.store
        .enqueue(company, campaign.id, &due_at(3, later), t.now())
        .await
        .unwrap();
    t.store
        .set_campaign_state(company, campaign.id, CampaignState::Paused)
        .await
        .unwrap();
    assert!(claim(&t, 10).await.is_empty());
    t.store
        .set_agent_campaigns_state(
            company,
            agent.id,
            &[CampaignState::Paused],
            CampaignState::Running,
        )
        .await
        .unwrap();
    let claims = claim(&t, 10).await;
    assert_eq!(
        claims.len(),
        1,
        "the created campaign and the later contact wait"
    );
    assert_eq!(claims[0].entry.phone, phone(1));
}

pub async fn releases_need_the_claim_and_keep_the_history(t: Ctx) {
    let (agent, campaign) = running(&t, "Альфа", 5).await;
    let company = agent.company_id;
    t.store
        .enqueue(company, campaign.id, &contact(1, None), t.now())
        .await
        .unwrap();
    let held = claim(&t, 1).await.remove(0);
    let wrong_node = Claim {
        node: "node-b".into(),
        ..held.clone()
    };
    let wrong_call = Claim {
        call_uuid: uuid::Uuid::now_v7(),
        ..held.clone()
    };
    for claim in [&wrong_node, &wrong_call] {
        assert_eq!(
            error_kind(t.store.release_claim(claim, &wait_again(&t, None)).await),
            ErrorKind::Conflict
        );
        let call = call_of(&t, claim, Outcome::Busy);
        let release = wait_again(&t, Some(Outcome::Busy));
        assert_eq!(
            error_kind(t.store.finish_call(claim, &call, &release, None, &[]).await),
            ErrorKind::Conflict
        );
    }
    // Handed back undialed: the attempt is undone.
    tick(&t, 1000);
    let entry = t
        .store
        .release_claim(&held, &wait_again(&t, None))
        .await
        .unwrap();
    assert_eq!(
        (entry.state, entry.attempts, entry.history.len()),
        (QueueState::Waiting, 0, 0)
    );
    assert_eq!(
        (entry.next_at, entry.updated_at),
        (t.now() + Duration::minutes(10), t.now())
    );
    assert_eq!(
        error_kind(t.store.release_claim(&held, &wait_again(&t, None)).await),
        ErrorKind::Conflict,
        "released once"
    );

    tick(&t, 600_000);
    let held = claim(&t, 1).await.remove(0);
    assert_eq!(held.entry.attempts, 1);
    let entry = t
        .store
        .release_claim(&held, &wait_again(&t, Some(Outcome::NoAnswer)))
        .await
        .unwrap();
    assert_eq!(
        (entry.attempts, entry.last_outcome()),
        (1, Some(Outcome::NoAnswer))
    );
    assert_eq!(entry.history[0].ended_at, t.now());
    tick(&t, 600_000);
    let held = claim(&t, 1).await.remove(0);
    let done = Release::Done {
        reason: "attempts_exhausted".into(),
        attempt: Some(Attempt {
            ended_at: t.now(),
            outcome: Outcome::Busy,
            talk_ms: 0,
        }),
    };
    let entry = t.store.release_claim(&held, &done).await.unwrap();
    assert_eq!((entry.state, entry.attempts), (QueueState::Done, 2));
    assert_eq!(entry.finish_reason.as_deref(), Some("attempts_exhausted"));
    assert_eq!(
        entry.history.iter().map(|a| a.outcome).collect::<Vec<_>>(),
        [Outcome::NoAnswer, Outcome::Busy]
    );
    assert_eq!(
        t.store.queue_entry(company, entry.dialog_id).await.unwrap(),
        entry
    );
}

pub async fn expired_claims_are_re_leased_to_the_taker(t: Ctx) {
    let (agent, campaign) = running(&t, "Альфа", 5).await;
    let company = agent.company_id;
    for n in 0..3 {
        t.store
            .enqueue(company, campaign.id, &contact(n, None), t.now())
            .await
            .unwrap();
    }
    let held = claim(&t, 3).await;
    tick(&t, 20_000);
    let until = t.now() + Duration::seconds(30);
    assert_eq!(t.store.renew_leases(NODE, until).await.unwrap(), 3);
    assert_eq!(t.store.renew_leases("node-b", until).await.unwrap(), 0);
    tick(&t, 30_000);
    let fresh = t.now() + Duration::seconds(30);
    assert!(
        t.store
            .expired_claims("node-b", t.now(), fresh, 10)
            .await
            .unwrap()
            .is_empty(),
        "not before it ran out"
    );
    tick(&t, 1);
    let taken = t
        .store
        .expired_claims("node-b", t.now(), fresh, 2)
        .await
        .unwrap();
    assert_eq!(taken.len(), 2);
    for claim in &taken {
        let before = held
            .iter()
            .find(|c| c.entry.dialog_id == claim.entry.dialog_id)
            .unwrap();
        assert_eq!(
            (claim.call_uuid, claim.entry.attempts),
            (before.call_uuid, 1)
        );
        assert_eq!((claim.node.as_str(), claim.lease_until), ("node-b", fresh));
        assert_eq!(claim.entry.state, QueueState::Dialing);
        assert_eq!(
            error_kind(t.store.release_claim(before, &wait_again(&t, None)).await),
            ErrorKind::Conflict,
            "the dead node's claim is void"
        );
    }
    assert_eq!(
        t.store
            .expired_claims("node-c", t.now(), fresh, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        t.store
            .expired_claims("node-c", t.now(), fresh, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let call = call_of(&t, &taken[0], Outcome::Failed);
    let release = wait_again(&t, Some(Outcome::Failed));
    t.store
        .finish_call(&taken[0], &call, &release, None, &[])
        .await
        .unwrap();
}

pub async fn drained_campaigns_have_nothing_left_to_dial(t: Ctx) {
    let (agent, campaign) = running(&t, "Альфа", 5).await;
    let company = agent.company_id;
    let empty = super::campaigns::campaign(&t, &agent, CampaignState::Running).await;
    t.store
        .enqueue(company, campaign.id, &contact(1, None), t.now())
        .await
        .unwrap();
    assert!(
        t.store.drained_campaigns().await.unwrap().is_empty(),
        "waiting; the empty one never had entries"
    );
    let held = claim(&t, 1).await.remove(0);
    assert!(
        t.store.drained_campaigns().await.unwrap().is_empty(),
        "dialing"
    );
    let done = Release::Done {
        reason: "do_not_call".into(),
        attempt: None,
    };
    let entry = t.store.release_claim(&held, &done).await.unwrap();
    assert_eq!(entry.attempts, 0);
    let drained = t.store.drained_campaigns().await.unwrap();
    assert_eq!(
        drained.iter().map(|c| c.id).collect::<Vec<_>>(),
        [campaign.id],
        "not {}, which never had an entry",
        empty.id
    );
    // An unfinished upload keeps it open.
    let row = parley_domain::campaign::UploadRow {
        phone: "+79160000001".into(),
        entry: None,
        variables: Default::default(),
        external_id: None,
    };
    t.store
        .create_upload(company, campaign.id, &[row])
        .await
        .unwrap();
    assert!(t.store.drained_campaigns().await.unwrap().is_empty());
}

pub async fn claims_flag_numbers_on_the_do_not_call_list(t: Ctx) {
    let (agent, campaign) = running(&t, "Альфа", 5).await;
    let company = agent.company_id;
    let (other_agent, other_campaign) = running(&t, "Бета", 5).await;
    t.store.add_do_not_call(company, &[phone(1)]).await.unwrap();
    t.store
        .enqueue(company, campaign.id, &contact(1, None), t.now())
        .await
        .unwrap();
    t.store
        .enqueue(company, campaign.id, &contact(2, None), t.now())
        .await
        .unwrap();
    t.store
        .enqueue(
            other_agent.company_id,
            other_campaign.id,
            &contact(1, None),
            t.now(),
        )
        .await
        .unwrap();
    let claims = claim(&t, 10).await;
    let flags: HashSet<(i64, String, bool)> = claims
        .iter()
        .map(|c| {
            (
                c.entry.company_id.0,
                c.entry.phone.digits().to_owned(),
                c.do_not_call,
            )
        })
        .collect();
    let expected: HashSet<(i64, String, bool)> = [
        (company.0, phone(1).digits().to_owned(), true),
        (company.0, phone(2).digits().to_owned(), false),
        (
            other_agent.company_id.0,
            phone(1).digits().to_owned(),
            false,
        ),
    ]
    .into();
    assert_eq!(flags, expected);
}

/// Many claimers at once (concurrent transactions on PostgreSQL): no entry is claimed twice and
/// the agent's channel limit holds in every round.
pub async fn concurrent_claims_never_overlap_or_exceed_the_limit(t: Ctx) {
    const ENTRIES: u32 = 200;
    const CHANNELS: usize = 30;
    let (agent, campaign) = running(&t, "Альфа", CHANNELS as u32).await;
    let items: Vec<_> = (0..ENTRIES)
        .map(|n| (u64::from(n), contact(n, None)))
        .collect();
    let rows: Vec<_> = items
        .iter()
        .map(|(_, item)| parley_domain::campaign::UploadRow {
            phone: item.phone.digits().to_owned(),
            entry: None,
            variables: Default::default(),
            external_id: None,
        })
        .collect();
    let task = t
        .store
        .create_upload(agent.company_id, campaign.id, &rows)
        .await
        .unwrap();
    t.store
        .queue_upload_chunk(&task, &items, &[], u64::from(ENTRIES), t.now())
        .await
        .unwrap();
    let mut seen = HashSet::new();
    let mut rounds = 0;
    while seen.len() < ENTRIES as usize {
        rounds += 1;
        assert!(rounds < 50, "claiming stalled at {} entries", seen.len());
        let mut tasks = Vec::new();
        for n in 0..8 {
            let store = t.store.clone();
            let now = t.now();
            tasks.push(tokio::spawn(async move {
                store
                    .claim_due(&format!("node-{n}"), now, now + Duration::seconds(30), 50)
                    .await
                    .unwrap()
            }));
        }
        let mut round = Vec::new();
        for task in tasks {
            round.extend(task.await.unwrap());
        }
        assert!(
            round.len() <= CHANNELS,
            "{} calls at once on {CHANNELS} channels",
            round.len()
        );
        for claim in &round {
            assert!(
                seen.insert(claim.entry.dialog_id),
                "{} claimed twice",
                claim.entry.dialog_id
            );
        }
        let done = Release::Done {
            reason: "answered".into(),
            attempt: None,
        };
        for claim in &round {
            t.store.release_claim(claim, &done).await.unwrap();
        }
    }
    let counts = t
        .store
        .queue_counts(agent.company_id, campaign.id)
        .await
        .unwrap();
    assert_eq!(
        (counts.done, counts.waiting, counts.dialing),
        (u64::from(ENTRIES), 0, 0)
    );
}
