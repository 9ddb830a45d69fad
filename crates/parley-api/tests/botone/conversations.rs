//! Listing conversations (filters, pages, object-keyed shape) and reading one with its data.

use chrono::Duration;
use serde_json::json;

use crate::common::{SURVEY, TestApp};
use crate::support::{get, started};

#[tokio::test]
async fn list_and_read_v1_and_v2() {
    let app = TestApp::new().await;
    let agent = app.agent(SURVEY).await;
    let (id, uuid) = started(&app, agent).await;
    app.clock.advance(Duration::seconds(5));
    let answered = app
        .post(
            &format!("/parley/v1/dialogs/{id}/messages"),
            Some(&app.tokens.admin),
            json!({ "text": "5" }),
        )
        .await;
    answered.ok(200);
    app.clock.advance(Duration::days(2));
    let created = get(&app, &format!("/api/v1/dialog/{agent}/create")).await;
    created.ok(200);

    insta::assert_json_snapshot!("list_v1", get(&app, "/api/v1/conversations").await.snap());
    insta::assert_json_snapshot!("list_v2", get(&app, "/api/v2/conversations").await.snap());
    insta::assert_json_snapshot!(
        "get_v1",
        get(&app, &format!("/api/v1/conversation/{id}"))
            .await
            .snap()
    );
    insta::assert_json_snapshot!(
        "get_v2",
        get(&app, &format!("/api/v2/conversation/{uuid}"))
            .await
            .snap()
    );

    let total = |path: String| {
        let app = &app;
        async move { get(app, &path).await.ok(200)["meta"]["pagination"]["total"].clone() }
    };
    assert_eq!(
        total(format!("/api/v2/conversations?BotID={agent}")).await,
        2
    );
    assert_eq!(total("/api/v2/conversations?BotID=999".into()).await, 0);
    assert_eq!(
        total("/api/v2/conversations?CreatedFrom=2025-03-15".into()).await,
        1
    );
    assert_eq!(
        total("/api/v2/conversations?CreatedTo=2025-03-14".into()).await,
        1
    );
    assert_eq!(
        total("/api/v2/conversations?CreatedFrom=2025-03-14T12:00:00%2B03:00&CreatedTo=2025-03-14T09:00:00".into()).await,
        1
    );
    assert_eq!(
        total("/api/v2/conversations?UpdatedFrom=2025-03-14T09:00:01Z".into()).await,
        2
    );
    assert_eq!(
        total("/api/v2/conversations?UpdatedTo=2025-03-14T08:59:59".into()).await,
        0
    );

    let paged = get(&app, "/api/v2/conversations?PageCount=1&BotID=1").await;
    insta::assert_json_snapshot!("page_1_of_2", paged.snap());
    let second = get(&app, "/api/v1/conversations?PageCount=1&PageNumber=2").await;
    insta::assert_json_snapshot!("page_2_of_2", second.snap());
}

#[tokio::test]
async fn bad_parameters_are_400() {
    let app = TestApp::new().await;
    for (name, query) in [
        ("huge_page_count", "PageCount=100000"),
        ("zero_page_count", "PageCount=0"),
        ("zero_page_number", "PageNumber=0"),
        ("text_bot_id", "BotID=abc"),
        ("bad_date", "CreatedFrom=2023-13-45"),
        ("unknown_parameter", "Bot=1"),
    ] {
        let reply = get(&app, &format!("/api/v2/conversations?{query}")).await;
        insta::assert_json_snapshot!(name, reply.snap());
    }
    insta::assert_json_snapshot!(
        "get_v1_bad_id",
        get(&app, "/api/v1/conversation/abc").await.snap()
    );
    insta::assert_json_snapshot!(
        "get_v2_bad_uuid",
        get(&app, "/api/v2/conversation/42").await.snap()
    );
    insta::assert_json_snapshot!(
        "get_v1_missing",
        get(&app, "/api/v1/conversation/42").await.snap()
    );
    let missing = get(
        &app,
        "/api/v2/conversation/0190f5c8-7d2a-7cc0-8a55-8f6f4a3b2c1d",
    )
    .await;
    assert_eq!(missing.status, 404);
}
