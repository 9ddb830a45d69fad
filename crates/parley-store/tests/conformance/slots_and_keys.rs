//! Conformance: an agent's call-time slots and speech-service credentials.

use parley_domain::agent::{Credential, TimeSlot};
use parley_domain::ids::{AgentId, Uuid};
use parley_domain::ports::AgentStore;
use parley_domain::values::{LocalTime, Weekday};

use super::fixtures::*;
use super::harness::Ctx;

fn time(text: &str) -> LocalTime {
    LocalTime::parse(text).unwrap()
}

fn day(n: i64) -> Weekday {
    Weekday::new(n).unwrap()
}

fn key(name: &str, key_type: &str) -> Credential {
    Credential {
        uuid: Uuid::nil(),
        name: name.into(),
        platform: "yandex".into(),
        key_type: key_type.into(),
        value: format!("secret-{name}"),
    }
}

pub async fn time_slots_sort_by_day_then_start(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    assert!(t.store.time_slots(a.id, agent.id).await.unwrap().is_empty());
    let fri = t
        .store
        .create_time_slot(a.id, agent.id, day(4), time("09:00"), time("18:00"))
        .await
        .unwrap();
    let mon_late = t
        .store
        .create_time_slot(a.id, agent.id, day(0), time("14:00"), time("20:30:15"))
        .await
        .unwrap();
    let mon_early = t
        .store
        .create_time_slot(a.id, agent.id, day(0), time("08:05:01"), time("12:00"))
        .await
        .unwrap();
    let sun = t
        .store
        .create_time_slot(a.id, agent.id, day(6), time("00:00"), time("23:59:59"))
        .await
        .unwrap();
    assert_v7(fri.uuid);
    assert_eq!(
        (mon_late.day, mon_late.not_before, mon_late.not_after),
        (day(0), time("14:00"), time("20:30:15"))
    );
    let listed = t.store.time_slots(a.id, agent.id).await.unwrap();
    assert_eq!(listed, vec![mon_early, mon_late, fri, sun]);

    let moved = TimeSlot {
        day: day(1),
        not_before: time("07:00"),
        not_after: time("07:30"),
        ..fri
    };
    assert_eq!(t.store.update_time_slot(a.id, &moved).await.unwrap(), moved);
    assert_eq!(
        t.store.time_slots(a.id, agent.id).await.unwrap(),
        vec![mon_early, mon_late, moved, sun]
    );
    t.store.delete_time_slot(a.id, mon_late.uuid).await.unwrap();
    assert_eq!(
        t.store.time_slots(a.id, agent.id).await.unwrap(),
        vec![mon_early, moved, sun]
    );
    assert_not_found(t.store.delete_time_slot(a.id, mon_late.uuid).await);
    assert_not_found(t.store.update_time_slot(a.id, &mon_late).await);
    assert_not_found(t.store.time_slots(a.id, AgentId(agent.id.0 + 100)).await);
    assert_not_found(
        t.store
            .create_time_slot(
                a.id,
                AgentId(agent.id.0 + 100),
                day(0),
                time("09:00"),
                time("10:00"),
            )
            .await,
    );
}

pub async fn time_slots_are_invisible_to_other_companies(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let (b, _) = company_with_agent(&t, "B").await;
    let slot = t
        .store
        .create_time_slot(a.id, agent.id, day(2), time("10:00"), time("11:00"))
        .await
        .unwrap();
    assert_not_found(t.store.time_slots(b.id, agent.id).await);
    assert_not_found(
        t.store
            .create_time_slot(b.id, agent.id, day(2), time("10:00"), time("11:00"))
            .await,
    );
    let stolen = TimeSlot {
        day: day(3),
        ..slot
    };
    assert_not_found(t.store.update_time_slot(b.id, &stolen).await);
    assert_not_found(t.store.delete_time_slot(b.id, slot.uuid).await);
    assert_eq!(
        t.store.time_slots(a.id, agent.id).await.unwrap(),
        vec![slot]
    );
}

pub async fn credentials_round_trip_and_filter_by_key_type(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    assert!(
        t.store
            .credentials_of(a.id, agent.id, None)
            .await
            .unwrap()
            .is_empty()
    );
    let asr = t
        .store
        .create_credential(a.id, agent.id, &key("recognition", "asr"))
        .await
        .unwrap();
    let tts = t
        .store
        .create_credential(a.id, agent.id, &key("синтез", "tts"))
        .await
        .unwrap();
    let asr2 = t
        .store
        .create_credential(a.id, agent.id, &key("backup", "asr"))
        .await
        .unwrap();
    assert_v7(asr.uuid);
    assert_eq!(
        Credential {
            uuid: Uuid::nil(),
            ..tts.clone()
        },
        key("синтез", "tts")
    );

    assert_eq!(
        t.store.credentials_of(a.id, agent.id, None).await.unwrap(),
        vec![asr.clone(), tts.clone(), asr2.clone()]
    );
    assert_eq!(
        t.store
            .credentials_of(a.id, agent.id, Some("asr"))
            .await
            .unwrap(),
        vec![asr.clone(), asr2.clone()]
    );
    assert_eq!(
        t.store
            .credentials_of(a.id, agent.id, Some("tts"))
            .await
            .unwrap(),
        vec![tts.clone()]
    );
    assert!(
        t.store
            .credentials_of(a.id, agent.id, Some("other"))
            .await
            .unwrap()
            .is_empty()
    );

    let changed = Credential {
        name: "renamed".into(),
        platform: "google".into(),
        key_type: "tts".into(),
        value: "v2".into(),
        ..asr
    };
    assert_eq!(
        t.store.update_credential(a.id, &changed).await.unwrap(),
        changed
    );
    assert_eq!(
        t.store
            .credentials_of(a.id, agent.id, Some("tts"))
            .await
            .unwrap(),
        vec![changed, tts]
    );
    assert_not_found(t.store.update_credential(a.id, &key("ghost", "asr")).await);
    assert_not_found(
        t.store
            .credentials_of(a.id, AgentId(agent.id.0 + 100), None)
            .await,
    );
    assert_not_found(
        t.store
            .create_credential(a.id, AgentId(agent.id.0 + 100), &key("x", "asr"))
            .await,
    );
}

pub async fn credentials_are_invisible_to_other_companies(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let (b, _) = company_with_agent(&t, "B").await;
    let asr = t
        .store
        .create_credential(a.id, agent.id, &key("recognition", "asr"))
        .await
        .unwrap();
    assert_not_found(t.store.credentials_of(b.id, agent.id, None).await);
    assert_not_found(t.store.credentials_of(b.id, agent.id, Some("asr")).await);
    assert_not_found(
        t.store
            .create_credential(b.id, agent.id, &key("x", "asr"))
            .await,
    );
    let stolen = Credential {
        value: "stolen".into(),
        ..asr.clone()
    };
    assert_not_found(t.store.update_credential(b.id, &stolen).await);
    assert_eq!(
        t.store.credentials_of(a.id, agent.id, None).await.unwrap(),
        vec![asr]
    );
}
