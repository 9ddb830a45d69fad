//! Call statistics over calls made on the simulated line: every field, field selection,
//! filters, periods, sorting, paging and their limits, sessions, recordings, and tenancy.

use crate::support::{called, raw, snap};

const CALLS: &str = "/api/v1/search/cis/calls";

#[tokio::test]
async fn every_call_field() {
    let (app, _) = called().await;
    let token = &app.tokens.admin;
    insta::assert_json_snapshot!("calls_all_fields", snap(&app, CALLS, token).await);
    // Every prefix serves the same.
    let cis = snap(&app, "/cis/api/v1/search/cis/calls?fields=id,phone", token).await;
    let analyse = snap(
        &app,
        "/analyse/api/v1/search/cis/calls?fields=id,phone",
        token,
    )
    .await;
    assert_eq!(cis, analyse);
    assert_eq!(cis["body"]["count"], 4);
}

#[tokio::test]
async fn fields_are_selected_by_list_or_bare_names() {
    let (app, _) = called().await;
    let token = &app.tokens.admin;
    let listed = snap(
        &app,
        &format!("{CALLS}?fields=phone,status,responder,isFinished"),
        token,
    )
    .await;
    insta::assert_json_snapshot!("fields_listed", listed);
    let bare = snap(
        &app,
        &format!("{CALLS}?phone&status&responder&isFinished"),
        token,
    )
    .await;
    assert_eq!(listed, bare);
    let unknown = snap(&app, &format!("{CALLS}?fields=phone,colour"), token).await;
    insta::assert_json_snapshot!("fields_unknown", unknown);
}

#[tokio::test]
async fn filters_on_fields() {
    let (app, campaign) = called().await;
    let token = &app.tokens.admin;
    let cases = [
        ("status_answered", "status=ANSWERED".to_owned()),
        ("status_list", "status=BUSY,NOANSWER".to_owned()),
        ("status_in_flight", "status=INPROGRESS".to_owned()),
        ("phone", "phone=74950000001".to_owned()),
        ("responder", "responder=AnsweringMachine".to_owned()),
        ("task", format!("taskId={}", campaign.uuid)),
        ("task_name", "taskName=%D0%9E%D0%B1%D0%B7%D0%B2%D0%BE%D0%BD%20%D0%BA%D0%BB%D0%B8%D0%B5%D0%BD%D1%82%D0%BE%D0%B2".to_owned()),
        ("not_finished", "isFinished=false".to_owned()),
        ("transcript_contains", "messagesAsString=%D0%98%D0%B2%D0%B0%D0%BD".to_owned()),
        ("external_id", "externalId=%D0%BA%D0%BB%D0%B8%D0%B5%D0%BD%D1%82-1".to_owned()),
        ("duration_zero", "duration=0".to_owned()),
    ];
    for (name, filter) in cases {
        let reply = snap(
            &app,
            &format!("{CALLS}?fields=phone,status,taskName&{filter}"),
            token,
        )
        .await;
        insta::assert_json_snapshot!(format!("filter_{name}"), reply);
    }
    let errors = [
        ("bad_uuid", "taskId=nope"),
        ("bad_status", "status=SHOUTED"),
        ("bad_bool", "isFinished=maybe"),
        ("not_kept", "regionId=5026"),
        ("unknown", "colour=red"),
    ];
    for (name, filter) in errors {
        let reply = snap(&app, &format!("{CALLS}?{filter}"), token).await;
        insta::assert_json_snapshot!(format!("filter_error_{name}"), reply);
    }
}

#[tokio::test]
async fn periods_sorting_and_paging() {
    let (app, _) = called().await;
    let token = &app.tokens.admin;
    let fields = "fields=phone";
    let cases = [
        (
            "period_inside",
            "from=2025-03-14T08%3A00%3A00%2B00%3A00&to=2025-03-14T10%3A00%3A00Z",
        ),
        ("period_before", "to=2025-03-14T08:00:00+00:00"),
        (
            "period_updated_at",
            "filterPeriodBy=updatedAt&from=2025-03-15",
        ),
        ("sort_desc", "sort=-phone"),
        ("sort_asc", "sort=phone"),
        ("limit_offset", "limit=2&offset=1"),
        ("page", "limit=3&page=2"),
    ];
    for (name, query) in cases {
        let reply = snap(&app, &format!("{CALLS}?{fields}&{query}"), token).await;
        insta::assert_json_snapshot!(name, reply);
    }
    let errors = [
        ("error_limit", "limit=1001"),
        ("error_cap", "offset=50000"),
        ("error_cap_page", "limit=1000&page=51"),
        ("error_from", "from=yesterday"),
        ("error_from_after_to", "from=2025-03-15&to=2025-03-14"),
        ("error_period_field", "filterPeriodBy=phone&from=2025-03-14"),
        ("error_sort", "sort=-messages"),
        ("error_output", "output=PDF"),
    ];
    for (name, query) in errors {
        let reply = snap(&app, &format!("{CALLS}?{query}"), token).await;
        insta::assert_json_snapshot!(name, reply);
    }
}

#[tokio::test]
async fn sessions_are_dialogs_through_their_last_call() {
    let (app, _) = called().await;
    // The busy contact is called again, so its dialog has two calls and one session.
    app.clock.advance(chrono::TimeDelta::hours(2));
    app.run_dialer().await;
    let pair = app
        .services
        .auth
        .login("admin@acme.test", crate::common::PASSWORD)
        .await
        .unwrap();
    let token = &pair.access_token;
    let calls = snap(&app, &format!("{CALLS}?fields=phone"), token).await;
    let sessions = snap(&app, "/api/v1/search/cis/sessions?sort=number", token).await;
    assert_eq!(sessions["body"]["count"], 4, "{sessions}");
    assert!(calls["body"]["count"].as_u64().unwrap() > 4);
    insta::assert_json_snapshot!("sessions", sessions);
    let unknown = snap(&app, "/api/v1/search/cis/sessions?fields=taskName", token).await;
    insta::assert_json_snapshot!("sessions_unknown_field", unknown);
}

#[tokio::test]
async fn record_path_serves_the_recording() {
    let (app, _) = called().await;
    let token = &app.tokens.admin;
    let (_, _, _, bytes) = raw(
        &app,
        &format!("{CALLS}?fields=recordPath&status=ANSWERED&sort=phone"),
        token,
    )
    .await;
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let link = body["items"][0]["recordPath"].as_str().unwrap().to_owned();
    assert!(
        link.starts_with("http://parley.test/api/v1/search/cis/calls/"),
        "{link}"
    );
    let path = link.trim_start_matches("http://parley.test");
    let (status, content_type, _, bytes) = raw(&app, path, token).await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "audio/wav"),
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(&bytes[..4], b"RIFF");
    // Another company's caller finds neither the calls nor the recording.
    let other = &app.tokens.other;
    let theirs = snap(&app, CALLS, other).await;
    insta::assert_json_snapshot!("other_company", theirs);
    let (status, _, _, bytes) = raw(&app, path, other).await;
    assert_eq!(status, 404, "{}", String::from_utf8_lossy(&bytes));
    // Prefixed hosts link under their prefix.
    let cis = snap(
        &app,
        &format!("/cis{CALLS}?fields=recordPath&status=ANSWERED"),
        token,
    )
    .await;
    let link = cis["body"]["items"][0]["recordPath"].as_str().unwrap();
    assert!(link.starts_with("http://parley.test/cis/api/v1/"), "{link}");
}
