//! The OpenAPI document lists every native route, and the Swagger UI is served.

use axum::body::Body;
use serde_json::Value;

use crate::common::{TestApp, request};

#[tokio::test]
async fn the_document_lists_every_route() {
    let app = TestApp::new().await;
    let doc = app
        .call(
            request("GET", "/parley/v1/openapi.json", None)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let doc = doc.ok(200);
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let security = if operation.get("security").is_some() {
                " (bearer)"
            } else {
                ""
            };
            let params: Vec<&str> = operation["parameters"]
                .as_array()
                .map(|p| p.iter().map(|p| p["name"].as_str().unwrap()).collect())
                .unwrap_or_default();
            let statuses: Vec<&String> =
                operation["responses"].as_object().unwrap().keys().collect();
            operations.push(format!(
                "{} {path}{security} params={params:?} responses={statuses:?}",
                method.to_uppercase()
            ));
        }
    }
    operations.sort();
    insta::assert_yaml_snapshot!("operations", operations);
    let schemas: Vec<&String> = doc["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    insta::assert_yaml_snapshot!("schemas", schemas);
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        Value::from("bearer")
    );
    let mut refs = Vec::new();
    collect_refs(doc, &mut refs);
    assert!(!refs.is_empty());
    for target in refs {
        let name = target.strip_prefix("#/components/schemas/").unwrap();
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "dangling $ref {target}"
        );
    }
    let error = &doc["components"]["schemas"]["ErrorObject"]["required"];
    assert_eq!(error, &serde_json::json!(["code", "message", "details"]));
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                out.push(target.clone());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn swagger_ui_is_served() {
    let app = TestApp::new().await;
    let redirect = app
        .call(request("GET", "/docs", None).body(Body::empty()).unwrap())
        .await;
    assert!(redirect.status.is_redirection(), "{:?}", redirect.status);
    let page = app
        .call(request("GET", "/docs/", None).body(Body::empty()).unwrap())
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.content_type
            .as_deref()
            .unwrap_or_default()
            .starts_with("text/html")
    );
    let config = app
        .call(
            request("GET", "/docs/swagger-initializer.js", None)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(
        config
            .body
            .as_str()
            .unwrap()
            .contains("/parley/v1/openapi.json"),
        "{}",
        config.body
    );
}
