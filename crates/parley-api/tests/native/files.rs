//! Files: a customer's upload into a dialog, its download, and the upload's limits and errors.

#![expect(
    clippy::unwrap_used,
    reason = "the request helpers are test code: a failed unwrap is a failed test"
)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use parley_domain::dialog_service::MAX_FILE_BYTES;
use serde_json::json;
use tower::ServiceExt;

use crate::common::{SURVEY, TestApp, request, texts};

/// `POST /parley/v1/dialogs/{dialog}/files{query}` with `headers` and a raw body.
async fn upload(
    app: &TestApp,
    token: &str,
    dialog: i64,
    query: &str,
    headers: &[(header::HeaderName, &str)],
    body: Vec<u8>,
) -> crate::common::Reply {
    let mut builder = request(
        "POST",
        &format!("/parley/v1/dialogs/{dialog}/files{query}"),
        Some(token),
    );
    for (name, value) in headers {
        builder = builder.header(name, *value);
    }
    app.call(builder.body(Body::from(body)).unwrap()).await
}

/// `GET path` with a bearer token: status, content type, disposition and the raw bytes.
async fn download(
    app: &TestApp,
    path: &str,
    token: &str,
) -> (StatusCode, Option<String>, Option<String>, Vec<u8>) {
    let request = Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
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

async fn started(app: &TestApp) -> i64 {
    let agent = app.agent(SURVEY).await;
    app.dialog(agent, json!({ "client_name": "Ann" })).await["dialog"]["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_cyrillic_named_binary_file_round_trips() {
    let app = TestApp::new().await;
    let dialog = started(&app).await;
    let bytes: Vec<u8> = (0..=255u8)
        .rev()
        .chain([0, 0x89, b'P', b'N', b'G'])
        .collect();
    let uploaded = upload(
        &app,
        &app.tokens.api,
        dialog,
        "",
        &[
            (header::CONTENT_TYPE, "image/png"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"scan.png\"; filename*=UTF-8''%D0%A1%D0%BA%D0%B0%D0%BD%20%E2%84%961.png",
            ),
        ],
        bytes.clone(),
    )
    .await;
    insta::assert_json_snapshot!("upload", uploaded.snap());
    let url = uploaded.ok(201)["url"].as_str().unwrap().to_owned();

    let (status, content_type, disposition, got) = download(&app, &url, &app.tokens.viewer).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, bytes);
    assert_eq!(content_type.as_deref(), Some("image/png"));
    assert_eq!(
        disposition.as_deref(),
        Some(
            "attachment; filename=\"____ _1.png\"; filename*=UTF-8''%D0%A1%D0%BA%D0%B0%D0%BD%20%E2%84%961.png"
        )
    );
    let uuid = uploaded.body["uuid"].as_str().unwrap();
    let by_uuid = download(&app, &format!("/parley/v1/files/{uuid}"), &app.tokens.admin).await;
    assert_eq!(by_uuid.3, bytes);

    let details = app
        .get(&format!("/parley/v1/dialogs/{dialog}"), &app.tokens.viewer)
        .await;
    insta::assert_json_snapshot!("details_files", details.snap()["body"]["files"]);
    assert_eq!(
        texts(details.ok(200)).last().map(String::as_str),
        Some("customer: 📎 Скан №1.png")
    );
}

#[tokio::test]
async fn names_come_from_the_query_without_directories() {
    let app = TestApp::new().await;
    let dialog = started(&app).await;
    let uploaded = upload(
        &app,
        &app.tokens.admin,
        dialog,
        "?name=..%2F..%2Fetc%2F%D0%BE%D1%82%D1%87%D1%91%D1%82.txt",
        &[],
        b"hello".to_vec(),
    )
    .await;
    let body = uploaded.ok(201);
    assert_eq!(body["name"], "отчёт.txt");
    assert_eq!(body["content_type"], "application/octet-stream");
    assert_eq!(body["size"], 5);
}

#[tokio::test]
async fn uploads_refuse_empty_oversized_and_unnamed_files() {
    let app = TestApp::new().await;
    let dialog = started(&app).await;
    let admin = app.tokens.admin.clone();
    let empty = upload(&app, &admin, dialog, "?name=a.txt", &[], Vec::new()).await;
    insta::assert_json_snapshot!("upload_empty", empty.snap());
    let oversized = upload(
        &app,
        &admin,
        dialog,
        "?name=big.bin",
        &[],
        vec![7; MAX_FILE_BYTES + 1],
    )
    .await;
    insta::assert_json_snapshot!("upload_oversized", oversized.snap());
    let unnamed = upload(&app, &admin, dialog, "", &[], b"x".to_vec()).await;
    insta::assert_json_snapshot!("upload_unnamed", unnamed.snap());
    let bad_type = upload(
        &app,
        &admin,
        dialog,
        "?name=a.txt",
        &[(header::CONTENT_TYPE, "text")],
        b"x".to_vec(),
    )
    .await;
    insta::assert_json_snapshot!("upload_bad_type", bad_type.snap());
    let viewer = upload(
        &app,
        &app.tokens.viewer,
        dialog,
        "?name=a.txt",
        &[],
        b"x".to_vec(),
    )
    .await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN);
    // A file at exactly the limit is taken.
    let largest = upload(
        &app,
        &admin,
        dialog,
        "?name=max.bin",
        &[],
        vec![1; MAX_FILE_BYTES],
    )
    .await;
    assert_eq!(largest.ok(201)["size"], MAX_FILE_BYTES);
    // Other routes keep their own, smaller limit.
    let json_body = app
        .post(
            &format!("/parley/v1/dialogs/{dialog}/messages"),
            Some(&admin),
            json!({ "text": "x".repeat(parley_api::BODY_LIMIT) }),
        )
        .await;
    assert_eq!(json_body.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn another_companys_files_are_not_found() {
    let app = TestApp::new().await;
    let dialog = started(&app).await;
    let uploaded = upload(
        &app,
        &app.tokens.admin,
        dialog,
        "?name=a.txt",
        &[],
        b"secret".to_vec(),
    )
    .await;
    let id = uploaded.ok(201)["id"].as_i64().unwrap();
    let other = app
        .get(&format!("/parley/v1/files/{id}"), &app.tokens.other)
        .await;
    insta::assert_json_snapshot!("file_of_another_company", other.snap());
    let missing = app.get("/parley/v1/files/999", &app.tokens.admin).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let into_other = upload(
        &app,
        &app.tokens.other,
        dialog,
        "?name=b.txt",
        &[],
        b"x".to_vec(),
    )
    .await;
    assert_eq!(into_other.status, StatusCode::NOT_FOUND);
}
