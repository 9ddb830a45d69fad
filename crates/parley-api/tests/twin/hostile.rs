//! Hostile and odd input found by sweeping every route: a batch that names a task the caller
//! cannot see or lacks a variable the bot requires adds nothing, phones sent as floats keep their digits, ids that are not UTF-8,
//! trailing slashes and unknown paths answer in the Twin24 shape, huge pages do not overflow,
//! `ttl` may come as a string, NUL characters (which PostgreSQL cannot store) are refused, and a
//! halted task takes no candidates.

use serde_json::json;

use crate::common::{PASSWORD, TestApp};
use crate::support::claims;
use crate::tasks::{bot, create_task, task_campaign, task_counts};

#[tokio::test]
async fn a_batch_naming_an_unknown_task_adds_nothing() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    let task = create_task(&app, json!({"name": "Calls", "defaultExecData": bot})).await;
    let item = |phone: &str, task: &str| json!({"phone": [phone], "variables": {"persona": "cooperative"}, "autoCallId": task});
    // The first item is good; the second names a task of nobody (or of another company).
    let unknown = "01a20009-8324-7562-b6fe-e7e6642a6308";
    let reply = app
        .post(
            "/api/v1/telephony/autoCallCandidate/batch",
            Some(&app.tokens.admin),
            json!({"batch": [item("79160000001", &task), item("79160000002", unknown)]}),
        )
        .await;
    insta::assert_json_snapshot!("batch_unknown_task", reply.snap());
    let counts = task_counts(&app, &task).await;
    assert_eq!(counts.total(), 0, "nothing of the batch was queued");
}

#[tokio::test]
async fn phones_sent_as_floats_keep_their_digits() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    let task = create_task(&app, json!({"name": "Calls", "defaultExecData": bot})).await;
    // `79160000001.0` read as text would be the 12 digits 791600000010.
    let whole = app
        .post(
            "/api/v1/telephony/autoCallCandidate",
            Some(&app.tokens.admin),
            json!({"phone": 79_160_000_001.0_f64, "autoCallId": task, "forceStart": true}),
        )
        .await;
    assert_eq!(whole.ok(200)["batch"][0]["phone"], "79160000001");
    let calls = app.run_dialer().await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].phone.digits(), "79160000001");
    let fraction = app
        .post(
            "/api/v1/telephony/autoCallCandidate",
            Some(&app.tokens.admin),
            json!({"phone": [7_916_000_000.5_f64], "autoCallId": task}),
        )
        .await;
    insta::assert_json_snapshot!("single_fractional_phone", fraction.snap());
}

#[tokio::test]
async fn ids_that_are_not_utf8_are_a_twin_error() {
    let app = TestApp::new().await;
    let steer = app
        .post(
            "/api/v1/telephony/autoCall/%FF/play",
            Some(&app.tokens.admin),
            json!({}),
        )
        .await;
    insta::assert_json_snapshot!("steer_not_utf8", steer.snap());
    let record = app
        .get(
            "/cis/api/v1/search/cis/calls/%FF%FE/record",
            &app.tokens.admin,
        )
        .await;
    assert_eq!(record.status.as_u16(), 400);
    assert!(record.body["error"].is_string(), "{}", record.body);
}

#[tokio::test]
async fn trailing_slashes_are_served_and_unknown_paths_are_twin_404s() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    let created = app
        .post(
            "/api/v1/telephony/autoCall/",
            Some(&app.tokens.admin),
            json!({"name": "Calls", "defaultExecData": bot}),
        )
        .await;
    let task = created.ok(200)["id"]["identity"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = app
        .get("/cis/api/v1/telephony/autoCall/", &app.tokens.admin)
        .await;
    let plain = app
        .get("/cis/api/v1/telephony/autoCall", &app.tokens.admin)
        .await;
    assert_eq!(list.ok(200), plain.ok(200));
    let paused = app
        .post(
            &format!("/analyse/api/v1/telephony/autoCall/{task}/pause/"),
            Some(&app.tokens.admin),
            json!({}),
        )
        .await;
    assert_eq!(paused.ok(200)["status"], "PAUSED");
    let calls = app
        .get("/api/v1/search/cis/calls/?limit=1", &app.tokens.admin)
        .await;
    assert_eq!(calls.ok(200)["count"], 0);

    let unknown = app
        .get("/api/v1/telephony/autoCalls", &app.tokens.admin)
        .await;
    insta::assert_json_snapshot!("unknown_path", unknown.snap());
    for path in [
        "/cis/api/v1/nothing",
        "/analyse/api/v2/search",
        "/api/v1/search/cis/calls/x/y",
    ] {
        let reply = app.get(path, &app.tokens.admin).await;
        assert_eq!(reply.status.as_u16(), 404, "{path}");
        assert!(reply.body["error"].is_string(), "{path}: {}", reply.body);
    }
}

#[tokio::test]
async fn a_huge_page_of_tasks_is_empty() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    create_task(&app, json!({"name": "Calls", "defaultExecData": bot})).await;
    let reply = app
        .get(
            "/api/v1/telephony/autoCall?page=18446744073709551615&limit=1000",
            &app.tokens.admin,
        )
        .await;
    let body = reply.ok(200);
    assert!(body["count"].as_u64() > Some(0), "{body}");
    assert_eq!(body["items"], json!([]));
}

#[tokio::test]
async fn ttl_may_be_a_string() {
    let app = TestApp::new().await;
    let login = |ttl: serde_json::Value| {
        app.post(
            "/api/v1/auth/login",
            None,
            json!({"email": "admin@acme.test", "password": PASSWORD, "ttl": ttl}),
        )
    };
    let reply = login(json!("7200")).await;
    let claims = claims(reply.ok(200)["token"].as_str().unwrap());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        7200
    );
    let bad = login(json!("soon")).await;
    insta::assert_json_snapshot!("login_ttl_not_a_number", bad.snap());
}

#[tokio::test]
async fn a_batch_with_an_item_lacking_a_required_variable_adds_nothing() {
    let app = TestApp::new().await;
    let (agent, _) = app
        .voice_campaign_of(
            &crate::common::CALL_SURVEY.replace("default: there", "required: true"),
            |_| {},
        )
        .await;
    let task = create_task(
        &app,
        json!({"name": "Calls", "defaultExecData": agent.id.0}),
    )
    .await;
    let reply = app
        .post(
            "/api/v1/telephony/autoCallCandidate/batch",
            Some(&app.tokens.admin),
            json!({"batch": [
                {"phone": ["79160000001"], "variables": {"client_name": "Анна"}, "autoCallId": task},
                {"phone": ["79160000002"], "variables": {"имя": "Пётр"}, "autoCallId": task},
            ]}),
        )
        .await;
    insta::assert_json_snapshot!("batch_missing_required_variable", reply.snap());
    let counts = task_counts(&app, &task).await;
    assert_eq!(counts.total(), 0, "nothing of the batch was queued");
}

#[tokio::test]
async fn task_list_periods_read_like_the_statistics_ones() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    create_task(&app, json!({"name": "Survey", "defaultExecData": bot})).await;
    let now = app.clock_now();
    let day = now.format("%Y-%m-%d").to_string();
    let local = |hours: i64| {
        (now + chrono::TimeDelta::hours(hours))
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string()
    };
    let count = |query: String| {
        let app = &app;
        async move {
            let reply = app
                .get(
                    &format!("/api/v1/telephony/autoCall?keyword=survey&{query}"),
                    &app.tokens.admin,
                )
                .await;
            reply.ok(200)["count"].as_u64().unwrap()
        }
    };
    // A date alone is that whole day; a `+03:00` sent unencoded arrives as ` 03:00`.
    assert_eq!(count(format!("from={day}&to={day}")).await, 1);
    assert_eq!(count(format!("from={}+03:00", local(2))).await, 1);
    assert_eq!(count(format!("from={}+03:00", local(4))).await, 0);
    assert_eq!(count(format!("to={}", local(-1))).await, 0);
}

#[tokio::test]
async fn blank_parameters_are_absent_and_fields_named_twice_appear_once() {
    let (app, _) = crate::support::called().await;
    let token = &app.tokens.admin;
    for path in [
        "/api/v1/search/cis/calls?limit=&offset=&page=&from=&to=&sort=&filterPeriodBy=",
        "/api/v1/search/cis/sessions?limit=&from=",
        "/api/v1/telephony/autoCall?limit=&page=&sort=&from=&to=",
    ] {
        let reply = app.get(path, token).await;
        assert!(reply.ok(200)["count"].as_u64() > Some(0), "{path}");
    }
    let twice = app
        .get(
            "/api/v1/search/cis/calls?fields=id,phone,id&phone&limit=1",
            token,
        )
        .await;
    let item = twice.ok(200)["items"][0].as_object().unwrap().clone();
    assert_eq!(item.keys().collect::<Vec<_>>(), ["id", "phone"]);
    let (_, _, _, csv) = crate::support::raw(
        &app,
        "/api/v1/search/cis/calls?fields=id,id&output=CSV",
        token,
    )
    .await;
    let csv = String::from_utf8(csv.to_vec()).unwrap();
    assert!(csv.starts_with("\u{feff}id\r\n"), "{csv}");
    let reversed = app
        .get(
            "/api/v1/telephony/autoCall?from=2025-03-15&to=2025-03-14",
            token,
        )
        .await;
    insta::assert_json_snapshot!("tasks_from_after_to", reversed.snap());
}

#[tokio::test]
async fn nul_characters_in_variables_or_callback_data_add_nothing() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    let task = create_task(&app, json!({"name": "Calls", "defaultExecData": bot})).await;
    // PostgreSQL cannot store U+0000: such a contact would be called and its call lost.
    for bad in [
        json!({"variables": {"имя": "a\u{0}b"}}),
        json!({"variables": {"a\u{0}": "b"}}),
        json!({"callbackData": {"orderId": "7\u{0}"}}),
    ] {
        let mut bad_item = json!({"phone": ["79160000002"], "autoCallId": task});
        for (key, value) in bad.as_object().unwrap() {
            bad_item[key] = value.clone();
        }
        let reply = app
            .post(
                "/api/v1/telephony/autoCallCandidate/batch",
                Some(&app.tokens.admin),
                json!({"batch": [{"phone": ["79160000001"], "autoCallId": task}, bad_item]}),
            )
            .await;
        assert_eq!(reply.status, 400, "{bad}");
        assert!(
            reply.body.to_string().contains("NUL characters"),
            "{bad}: {}",
            reply.body
        );
    }
    let counts = task_counts(&app, &task).await;
    assert_eq!(counts.total(), 0);
}

#[tokio::test]
async fn force_start_may_come_as_a_string_or_a_number() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    for (n, force) in [json!("true"), json!(1), json!(" TRUE ")]
        .into_iter()
        .enumerate()
    {
        let task = create_task(
            &app,
            json!({"name": format!("Calls {n}"), "defaultExecData": bot}),
        )
        .await;
        app.post(
            "/api/v1/telephony/autoCallCandidate",
            Some(&app.tokens.admin),
            json!({"phone": ["79160000001"], "autoCallId": task, "forceStart": force}),
        )
        .await
        .ok(200);
        let campaign = task_campaign(&app, &task).await;
        assert_eq!(
            campaign.state,
            parley_domain::campaign::CampaignState::Running,
            "forceStart {force}"
        );
    }
}

#[tokio::test]
async fn a_halted_task_takes_no_candidates_it_would_never_call() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    let task = create_task(&app, json!({"name": "Calls", "defaultExecData": bot})).await;
    app.post(
        &format!("/api/v1/telephony/autoCall/{task}/halted"),
        Some(&app.tokens.admin),
        json!({}),
    )
    .await
    .ok(200);
    let reply = app
        .post(
            "/api/v1/telephony/autoCallCandidate",
            Some(&app.tokens.admin),
            json!({"phone": ["79160000001"], "autoCallId": task}),
        )
        .await;
    assert_eq!(reply.status, 409);
    assert!(
        reply.body["error"]
            .as_str()
            .is_some_and(|e| e.contains("would never be called")),
        "{}",
        reply.body
    );
    let counts = task_counts(&app, &task).await;
    assert_eq!(counts.total(), 0);
}
