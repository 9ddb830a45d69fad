//! Call search (Twin24 statistics): conditions on the call's own columns and on its agent,
//! campaign, queue entry and dialog, sorting both ways, paging with the total, periods,
//! sessions (each dialog's last call with totals), and another company's calls never found;
//! the conditions whole reports narrow by (ids, an exclusive end, results, dialog variables).

use chrono::Duration;
use parley_domain::call::search::{CallQuery, Condition, SearchColumn, SearchValue};
use parley_domain::campaign::{Campaign, Claim, Release};
use parley_domain::dialer::{Attempt, Outcome};
use parley_domain::dialog::DialogUpdate;
use parley_domain::ids::{CompanyId, Ref};
use parley_domain::ports::{CallSearchStore, CallTurn, CampaignStore, DialogStore};
use serde_json::json;

use super::campaigns::{contact, running};
use super::claims::{call_of, claim, wait_again};
use super::fixtures::tick;
use super::harness::Ctx;

fn query(conditions: Vec<Condition>) -> CallQuery {
    CallQuery {
        conditions,
        sort: SearchColumn::StartedAt,
        descending: false,
        offset: 0,
        limit: 100,
        sessions: false,
        transcripts: false,
        variables: false,
    }
}

async fn finish(t: &Ctx, claim: &Claim, outcome: Outcome, again: bool) {
    let call = call_of(t, claim, outcome);
    let release = if again {
        wait_again(t, Some(outcome))
    } else {
        Release::Done {
            reason: "done".into(),
            attempt: Some(Attempt {
                ended_at: t.now(),
                outcome,
                talk_ms: 0,
            }),
        }
    };
    t.store
        .finish_call(claim, &call, &release, None, &[])
        .await
        .unwrap();
    tick(t, 1000);
}

/// Three contacts of company `name` called once: 1 answered (done), 2 busy (to be called
/// again), 3 not answered (done).
async fn called(t: &Ctx, name: &str) -> (CompanyId, Campaign) {
    let (agent, campaign) = running(t, name, 5).await;
    let company = agent.company_id;
    for (n, external) in [(1, Some("внешний-1")), (2, None), (3, None)] {
        t.store
            .enqueue(company, campaign.id, &contact(n, external), t.now())
            .await
            .unwrap();
        tick(t, 10);
    }
    let claims = claim(t, 3).await;
    finish(t, &claims[0], Outcome::Answered, false).await;
    finish(t, &claims[1], Outcome::Busy, true).await;
    finish(t, &claims[2], Outcome::NoAnswer, false).await;
    (company, campaign)
}

fn phones(
    found: &parley_domain::values::Paged<parley_domain::call::search::CallRecord>,
) -> Vec<&str> {
    found.items.iter().map(|r| r.call.phone.digits()).collect()
}

pub async fn search_filters_sorts_and_pages_in_the_database(t: Ctx) {
    let (company, campaign) = called(&t, "Альфа").await;
    let (other, _) = called(&t, "Бета").await;
    let store = &t.store;

    let mut all = query(Vec::new());
    all.transcripts = true;
    all.variables = true;
    let found = store.search_calls(company, &all).await.unwrap();
    assert_eq!(found.total, 3);
    assert_eq!(
        phones(&found),
        ["79160000001", "79160000002", "79160000003"]
    );
    let first = &found.items[0];
    assert_eq!(first.agent_name, "Альфа bot");
    assert_eq!(first.campaign_uuid, Some(campaign.uuid));
    assert_eq!(first.campaign_name.as_deref(), Some(campaign.name.as_str()));
    assert_eq!(first.external_id.as_deref(), Some("внешний-1"));
    assert_eq!(first.call.transcript[0].text, "Здравствуйте!");
    assert!(first.variables.is_some(), "the dialog's variables are read");
    assert_eq!(
        found.items.iter().map(|r| r.finished).collect::<Vec<_>>(),
        [true, false, true]
    );
    assert!(found.items.iter().all(|r| r.session.is_none()));
    // Without transcripts the column is not read.
    let light = store
        .search_calls(company, &query(Vec::new()))
        .await
        .unwrap();
    assert!(light.items[0].call.transcript.is_empty());
    assert!(light.items[0].variables.is_none());

    let count = |conditions: Vec<Condition>| {
        let q = query(conditions);
        async move { store.search_calls(company, &q).await.unwrap() }
    };
    let text = |s: &str| SearchValue::Text(s.to_owned());
    let answered = count(vec![Condition::In(
        SearchColumn::Outcome,
        vec![
            SearchValue::Outcome(Outcome::Answered),
            SearchValue::Outcome(Outcome::Busy),
        ],
    )])
    .await;
    assert_eq!(phones(&answered), ["79160000001", "79160000002"]);
    let by_campaign = count(vec![Condition::In(
        SearchColumn::CampaignUuid,
        vec![SearchValue::Uuid(campaign.uuid)],
    )])
    .await;
    assert_eq!(by_campaign.total, 3);
    let by_name = count(vec![Condition::In(
        SearchColumn::AgentName,
        vec![text("Альфа bot")],
    )])
    .await;
    assert_eq!(by_name.total, 3);
    let other_name = count(vec![Condition::In(
        SearchColumn::AgentName,
        vec![text("Бета bot")],
    )])
    .await;
    assert_eq!(other_name.total, 0, "another company's agent is not found");
    let open = count(vec![Condition::In(
        SearchColumn::Finished,
        vec![SearchValue::Bool(false)],
    )])
    .await;
    assert_eq!(phones(&open), ["79160000002"]);
    let external = count(vec![Condition::In(
        SearchColumn::ExternalId,
        vec![text("внешний-1")],
    )])
    .await;
    assert_eq!(phones(&external), ["79160000001"]);
    let said = count(vec![Condition::Contains(
        SearchColumn::Transcript,
        "Здравств".into(),
    )])
    .await;
    assert_eq!(phones(&said), ["79160000001"]);
    let talked = count(vec![Condition::In(
        SearchColumn::TalkSeconds,
        vec![SearchValue::Int(30)],
    )])
    .await;
    assert_eq!(phones(&talked), ["79160000001"]);
    let nothing = count(vec![Condition::In(SearchColumn::Phone, Vec::new())]).await;
    assert_eq!(nothing.total, 0);
    let later = count(vec![Condition::Between(
        SearchColumn::StartedAt,
        Some(t.now() + Duration::hours(1)),
        None,
    )])
    .await;
    assert_eq!(later.total, 0);
    let created = count(vec![Condition::Between(
        SearchColumn::DialogCreatedAt,
        None,
        Some(t.now()),
    )])
    .await;
    assert_eq!(created.total, 3);

    let mut page = query(Vec::new());
    page.sort = SearchColumn::Phone;
    page.descending = true;
    page.limit = 2;
    let first_page = store.search_calls(company, &page).await.unwrap();
    assert_eq!(
        (phones(&first_page), first_page.total),
        (vec!["79160000003", "79160000002"], 3)
    );
    page.offset = 2;
    let second_page = store.search_calls(company, &page).await.unwrap();
    assert_eq!(
        (phones(&second_page), second_page.total),
        (vec!["79160000001"], 3)
    );

    let theirs = store.search_calls(other, &query(Vec::new())).await.unwrap();
    assert_eq!(theirs.total, 3);
    assert!(theirs.items.iter().all(|r| r.call.company_id == other));
}

pub async fn sessions_are_each_dialogs_last_call_with_totals(t: Ctx) {
    let (company, _) = called(&t, "Альфа").await;
    tick(&t, 11 * 60 * 1000);
    let again = claim(&t, 3).await;
    assert_eq!(again.len(), 1);
    finish(&t, &again[0], Outcome::Answered, false).await;

    let calls = t
        .store
        .search_calls(company, &query(Vec::new()))
        .await
        .unwrap();
    assert_eq!(calls.total, 4);
    let mut sessions = query(Vec::new());
    sessions.sessions = true;
    sessions.sort = SearchColumn::Phone;
    let found = t.store.search_calls(company, &sessions).await.unwrap();
    assert_eq!(found.total, 3);
    let second = &found.items[1];
    assert_eq!(
        (second.call.attempt, second.call.outcome),
        (2, Outcome::Answered)
    );
    let totals = second.session.unwrap();
    assert_eq!((totals.calls, totals.bot_ms), (2, 30_000));
    assert!(totals.first_started_at < second.call.started_at);
    assert!(second.finished);
    assert_eq!(found.items[0].session.unwrap().calls, 1);
}

/// Three contacts of `Альфа` called once each, their dialogs left with `ok` = `true`, `false`
/// and `"да"`; the first call answered with the result `согласен`.
async fn called_with_variables(t: &Ctx) -> (CompanyId, Campaign, Vec<Claim>) {
    let (agent, campaign) = running(t, "Альфа", 5).await;
    let company = agent.company_id;
    for n in 1..=3 {
        t.store
            .enqueue(company, campaign.id, &contact(n, None), t.now())
            .await
            .unwrap();
        tick(t, 10);
    }
    let claims = claim(t, 3).await;
    for (claim, ok) in claims.iter().zip([json!(true), json!(false), json!("да")]) {
        let dialog = t
            .store
            .dialog(company, Ref::Id(claim.entry.dialog_id))
            .await
            .unwrap();
        let mut update = DialogUpdate::from_dialog(&dialog);
        update.state =
            serde_json::from_value(json!({"s": "not_started", "v": {"ok": ok}})).unwrap();
        let turn = CallTurn {
            expected_version: dialog.version,
            update,
            messages: Vec::new(),
            answers: Vec::new(),
        };
        let outcome = if claim.entry.dialog_id == claims[0].entry.dialog_id {
            Outcome::Answered
        } else {
            Outcome::Busy
        };
        let done = Release::Done {
            reason: "done".into(),
            attempt: Some(Attempt {
                ended_at: t.now(),
                outcome,
                talk_ms: 0,
            }),
        };
        t.store
            .finish_call(claim, &call_of(t, claim, outcome), &done, Some(&turn), &[])
            .await
            .unwrap();
        tick(t, 1000);
    }
    (company, campaign, claims)
}

pub async fn reports_narrow_by_ids_periods_results_and_variables(t: Ctx) {
    let (company, campaign, claims) = called_with_variables(&t).await;
    let store = &t.store;
    let found = |conditions: Vec<Condition>| {
        let q = query(conditions);
        async move { store.search_calls(company, &q).await.unwrap() }
    };
    let int = |column, n: i64| Condition::In(column, vec![SearchValue::Int(n)]);
    let maybe_true = |name: &str| Condition::VariableMaybeTrue(name.to_owned());

    let all = found(vec![]).await;
    assert_eq!(phones(&all), ["79160000001", "79160000002", "79160000003"]);
    let by_campaign = found(vec![int(SearchColumn::CampaignId, campaign.id.0)]).await;
    assert_eq!(by_campaign.total, 3);
    let by_agent = found(vec![int(SearchColumn::AgentId, campaign.agent_id.0)]).await;
    assert_eq!(by_agent.total, 3);
    let by_dialog = found(vec![int(
        SearchColumn::DialogId,
        claims[1].entry.dialog_id.0,
    )])
    .await;
    assert_eq!(phones(&by_dialog), ["79160000002"]);
    let before = found(vec![Condition::Before(
        SearchColumn::StartedAt,
        all.items[1].call.started_at,
    )])
    .await;
    assert_eq!(phones(&before), ["79160000001"], "the end is exclusive");

    // `true` and text may count as true; `false` and a missing variable never do.
    let ok = found(vec![maybe_true("ok")]).await;
    assert_eq!(phones(&ok), ["79160000001", "79160000003"]);
    assert_eq!(found(vec![maybe_true("missing")]).await.total, 0);
    let result = found(vec![Condition::Any(vec![
        maybe_true("missing"),
        Condition::In(
            SearchColumn::Result,
            vec![SearchValue::Text("согласен".into())],
        ),
    ])])
    .await;
    assert_eq!(phones(&result), ["79160000001"]);
    assert_eq!(found(vec![Condition::Any(Vec::new())]).await.total, 0);

    // Another company sees none of them.
    let (other, _) = called(&t, "Бета").await;
    let theirs = store
        .search_calls(other, &query(vec![maybe_true("ok")]))
        .await
        .unwrap();
    assert_eq!(theirs.total, 0);
}
