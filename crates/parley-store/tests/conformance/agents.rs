//! Conformance: agents, their settings and scenario versions.

use parley_domain::agent::{AgentSettings, NewAgent};
use parley_domain::ids::{AgentId, CompanyId, Ref};
use parley_domain::ports::AgentStore;
use parley_domain::values::Channel;

use super::fixtures::*;
use super::harness::Ctx;

fn every_setting() -> AgentSettings {
    AgentSettings {
        name: "Опрос\tклиентов".into(),
        description: "Звонит и спрашивает 😀 \"всё ли хорошо\"".into(),
        language: "ru-RU".into(),
        timezone: "Asia/Yekaterinburg".parse().unwrap(),
        delay_seconds: 600,
        recall_count: 3,
        trunk_name: "trunk-1".into(),
        flag: "female".into(),
        record_path: "/var/rec".into(),
        routing_channel_limit: 2,
        total_channel_limit: 50,
        pool_name: "pool-a".into(),
        asr: "google".into(),
        tts: "oksana@yandex".into(),
        speed: Some(1.25),
        pitch: Some(-0.5),
        emotion: Some("good".into()),
        record_storage_days: 90,
    }
}

pub async fn agents_round_trip_every_setting(t: Ctx) {
    let a = company(&t, "A").await;
    let new = NewAgent {
        channel: Channel::Voice,
        settings: every_setting(),
        scenario_source: SCENARIO.into(),
    };
    let agent = t.store.create_agent(a.id, new).await.unwrap();
    assert_v7(agent.uuid);
    assert_eq!(agent.company_id, a.id);
    assert_eq!(agent.channel, Channel::Voice);
    assert_eq!(agent.settings, every_setting());
    assert_eq!(agent.scenario_version, 1);
    assert_eq!((agent.created_at, agent.updated_at), (t.now(), t.now()));

    assert_eq!(t.store.agent(a.id, Ref::Id(agent.id)).await.unwrap(), agent);
    assert_eq!(
        t.store.agent(a.id, Ref::Uuid(agent.uuid)).await.unwrap(),
        agent
    );
    assert_eq!(
        t.store.scenario_source(a.id, agent.id, 1).await.unwrap(),
        SCENARIO
    );

    // Defaults (no speed, pitch or emotion) round-trip too.
    let plain = super::fixtures::agent(&t, a.id, "Plain").await;
    assert_eq!(plain.settings, AgentSettings::named("Plain"));
    assert_eq!(t.store.agent(a.id, Ref::Id(plain.id)).await.unwrap(), plain);
}

pub async fn agents_list_oldest_first_per_company(t: Ctx) {
    let a = company(&t, "A").await;
    let b = company(&t, "B").await;
    assert!(t.store.agents(a.id).await.unwrap().is_empty());
    let first = agent(&t, a.id, "First").await;
    tick(&t, 5);
    let other = agent(&t, b.id, "Other").await;
    tick(&t, 5);
    let second = agent(&t, a.id, "Second").await;
    assert_eq!(t.store.agents(a.id).await.unwrap(), vec![first, second]);
    assert_eq!(t.store.agents(b.id).await.unwrap(), vec![other]);
}

pub async fn agent_settings_update_bumps_updated_at(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let created = t.now();
    tick(&t, 1500);
    let updated = t
        .store
        .update_agent_settings(a.id, agent.id, &every_setting())
        .await
        .unwrap();
    assert_eq!(updated.settings, every_setting());
    assert_eq!((updated.created_at, updated.updated_at), (created, t.now()));
    assert_eq!(
        (updated.id, updated.uuid, updated.scenario_version),
        (agent.id, agent.uuid, 1)
    );
    assert_eq!(
        t.store.agent(a.id, Ref::Id(agent.id)).await.unwrap(),
        updated
    );
    assert_not_found(
        t.store
            .update_agent_settings(a.id, AgentId(agent.id.0 + 100), &every_setting())
            .await,
    );
}

pub async fn scenario_versions_accumulate(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    tick(&t, 1000);
    let v2 = t
        .store
        .add_scenario_version(a.id, agent.id, "version: 2")
        .await
        .unwrap();
    assert_eq!(v2.scenario_version, 2);
    assert_eq!(v2.updated_at, t.now());
    let v3 = t
        .store
        .add_scenario_version(a.id, agent.id, "version: 3 — ещё")
        .await
        .unwrap();
    assert_eq!(v3.scenario_version, 3);
    assert_eq!(t.store.agent(a.id, Ref::Id(agent.id)).await.unwrap(), v3);
    assert_eq!(
        t.store.scenario_source(a.id, agent.id, 1).await.unwrap(),
        SCENARIO
    );
    assert_eq!(
        t.store.scenario_source(a.id, agent.id, 2).await.unwrap(),
        "version: 2"
    );
    assert_eq!(
        t.store.scenario_source(a.id, agent.id, 3).await.unwrap(),
        "version: 3 — ещё"
    );
    assert_not_found(t.store.scenario_source(a.id, agent.id, 4).await);
    assert_not_found(
        t.store
            .add_scenario_version(a.id, AgentId(agent.id.0 + 100), "x")
            .await,
    );
}

pub async fn agents_are_invisible_to_other_companies(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let (b, _) = company_with_agent(&t, "B").await;

    assert_not_found(t.store.agent(b.id, Ref::Id(agent.id)).await);
    assert_not_found(t.store.agent(b.id, Ref::Uuid(agent.uuid)).await);
    assert!(
        t.store
            .agents(b.id)
            .await
            .unwrap()
            .iter()
            .all(|x| x.id != agent.id)
    );
    assert_not_found(
        t.store
            .update_agent_settings(b.id, agent.id, &every_setting())
            .await,
    );
    assert_not_found(t.store.add_scenario_version(b.id, agent.id, "stolen").await);
    assert_not_found(t.store.scenario_source(b.id, agent.id, 1).await);
    assert_eq!(
        t.store.agent(a.id, Ref::Id(agent.id)).await.unwrap(),
        agent,
        "B changed A's agent"
    );
    assert_not_found(
        t.store
            .create_agent(CompanyId(b.id.0 + 100), new_agent("Ghost", Channel::Chat))
            .await,
    );
}
