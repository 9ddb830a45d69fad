//! Files: uploaded files listed as links in a conversation's data, and downloaded by id.

#![expect(
    clippy::unwrap_used,
    reason = "the request helpers are test code: a failed unwrap is a failed test"
)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Duration;
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

use crate::common::{SURVEY, TestApp, request};
use crate::support::{ADMIN, OTHER, basic, call, get, started};

/// Uploads `bytes` named `name` (UTF-8, via `filename*`) into `dialog` through the native API.
async fn upload(app: &TestApp, dialog: i64, name: &str, bytes: &[u8]) -> i64 {
    let encoded: String = name.bytes().map(|b| format!("%{b:02X}")).collect();
    let reply = app
        .call(
            request(
                "POST",
                &format!("/parley/v1/dialogs/{dialog}/files"),
                Some(&app.tokens.admin),
            )
            .header(header::CONTENT_TYPE, "application/pdf")
            .header(
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{encoded}"),
            )
            .body(Body::from(bytes.to_vec()))
            .unwrap(),
        )
        .await;
    reply.ok(201)["id"].as_i64().unwrap()
}

/// `GET path` as `login` over Basic: status, content type, disposition, bytes.
async fn download(
    app: &TestApp,
    path: &str,
    login: &str,
) -> (StatusCode, Option<String>, Option<String>, Vec<u8>) {
    let request = Request::get(path)
        .header(header::AUTHORIZATION, basic(login))
        .body(Body::empty())
        .unwrap();
    let response = app.app.clone().oneshot(request).await.unwrap();
    let text = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &header::HeaderValue| v.to_str().unwrap().to_owned())
    };
    let (content_type, disposition) = (
        text(header::CONTENT_TYPE),
        text(header::CONTENT_DISPOSITION),
    );
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, content_type, disposition, bytes.to_vec())
}

#[tokio::test]
async fn files_are_links_in_data_and_download_by_id() {
    let app = TestApp::new().await;
    let agent = app.agent(SURVEY).await;
    let (id, uuid) = started(&app, agent).await;
    let messages = format!("/parley/v1/dialogs/{id}/messages");
    app.clock.advance(Duration::seconds(5));
    app.post(&messages, Some(&app.tokens.admin), json!({ "text": "5" }))
        .await
        .ok(200);
    app.clock.advance(Duration::seconds(5));
    let bytes = [0u8, 159, 146, 150, 255, 37, 80, 68, 70];
    let file = upload(&app, id, "Паспорт.pdf", &bytes).await;
    app.clock.advance(Duration::seconds(5));
    app.post(&messages, Some(&app.tokens.admin), json!({ "text": "Ann" }))
        .await
        .ok(200);

    insta::assert_json_snapshot!(
        "data_v1",
        get(&app, &format!("/api/v1/conversation/{id}"))
            .await
            .snap()["body"]["data"]
    );
    let v2 = get(&app, &format!("/api/v2/conversation/{uuid}")).await;
    assert_eq!(v2.ok(200)["data"][1]["answer"], format!("/web/file/{file}"));

    for version in ["v1", "v2"] {
        let (status, content_type, disposition, got) =
            download(&app, &format!("/api/{version}/file/{file}"), ADMIN).await;
        assert_eq!(status, StatusCode::OK, "{version}");
        assert_eq!(got, bytes, "{version}");
        assert_eq!(content_type.as_deref(), Some("application/pdf"));
        assert_eq!(
            disposition.as_deref(),
            Some(
                "attachment; filename=\"_______.pdf\"; filename*=UTF-8''%D0%9F%D0%B0%D1%81%D0%BF%D0%BE%D1%80%D1%82.pdf"
            )
        );
    }
}

#[tokio::test]
async fn unknown_and_other_companies_files_are_404() {
    let app = TestApp::new().await;
    let agent = app.agent(SURVEY).await;
    let (id, _) = started(&app, agent).await;
    let file = upload(&app, id, "a.pdf", b"%PDF").await;
    let path = format!("/api/v2/file/{file}");
    insta::assert_json_snapshot!(
        "file_of_another_company",
        call(&app, "GET", &path, Some(OTHER), None).await.snap()
    );
    insta::assert_json_snapshot!("file_unknown", get(&app, "/api/v1/file/999").await.snap());
    insta::assert_json_snapshot!("file_bad_id", get(&app, "/api/v1/file/abc").await.snap());
    let anonymous = call(&app, "GET", &path, None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}
