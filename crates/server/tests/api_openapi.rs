//! The OpenAPI document: public, OpenAPI 3.1, and in step with the router both ways:
//! every route the API serves is described, every described API route is served, and the
//! ingest endpoints are described too.

mod api_common;

use api_common::{concrete, Fixture, LOGIN_ROUTES, PUBLIC_ROUTES, ROUTES};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The ingest routes (served by the ingest module) the document must describe.
const INGEST_ROUTES: [(&str, &str); 4] = [
    ("POST", "/api/v1/ingest"),
    ("POST", "/_bulk"),
    ("POST", "/services/collector/event"),
    ("POST", "/services/collector/raw"),
];

fn described(doc: &Value) -> BTreeSet<(String, String)> {
    let methods = ["get", "put", "post", "delete", "patch", "head", "options"];
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| methods.contains(&k.as_str()))
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect()
}

#[tokio::test]
async fn the_document_describes_exactly_the_served_routes() {
    let f = Fixture::start().await;
    let response = f
        .client
        .get(format!("{}/api/v1/openapi.json", f.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let doc: Value = response.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );

    let described = described(&doc);
    let served: BTreeSet<(String, String)> = ROUTES
        .iter()
        .chain(PUBLIC_ROUTES)
        .chain(LOGIN_ROUTES)
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let ingest: BTreeSet<(String, String)> = INGEST_ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let undescribed: Vec<_> = served
        .union(&ingest)
        .filter(|r| !described.contains(*r))
        .collect();
    assert!(
        undescribed.is_empty(),
        "not in openapi.json: {undescribed:?}"
    );
    let unserved: Vec<_> = described
        .iter()
        .filter(|r| !served.contains(*r) && !ingest.contains(*r))
        .collect();
    assert!(
        unserved.is_empty(),
        "described but not in the route list: {unserved:?}"
    );

    // Every route in the list is really served: the router answers something other than
    // its own empty 404/405 (handlers always answer JSON, even when the object is absent).
    for (method, template) in ROUTES.iter().chain(PUBLIC_ROUTES).chain(LOGIN_ROUTES) {
        let path = concrete(template, "x");
        let body = (*method == "POST" || *method == "PATCH").then(|| json!({}));
        let (status, answer) = f.call(method, Some(&f.tokens.admin), &path, body).await;
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(
            status != StatusCode::NOT_FOUND || answer.get("error").is_some(),
            "{method} {path} is not routed"
        );
    }

    // Every operation has an id and at least one response; every schema reference resolves.
    for (method, path) in &described {
        let op = &doc["paths"][path][method.to_lowercase()];
        assert!(op["operationId"].is_string(), "{method} {path}");
        assert!(
            !op["responses"].as_object().unwrap().is_empty(),
            "{method} {path}"
        );
    }
}
