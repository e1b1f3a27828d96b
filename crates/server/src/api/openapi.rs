//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of the API and the ingest
//! endpoints, kept by hand in `openapi.json` beside this file and served as written.
//!
//! `tests/api_openapi.rs` checks that every route the server answers is described, and
//! that every described route is answered.

use axum::http::header;
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

/// The document, as served.
pub const DOCUMENT: &str = include_str!("openapi.json");

/// The route of this module (public: no token needed).
pub(super) fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/openapi.json",
        get(|| async { ([(header::CONTENT_TYPE, "application/json")], DOCUMENT) }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_json_with_resolvable_references() {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));
        let mut refs = Vec::new();
        collect_refs(&doc, &mut refs);
        assert!(!refs.is_empty());
        for target in refs {
            let pointer = target.strip_prefix('#').unwrap();
            assert!(doc.pointer(pointer).is_some(), "dangling $ref {target}");
        }
    }

    fn collect_refs(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(target)) = map.get("$ref") {
                    out.push(target.clone());
                }
                map.values().for_each(|v| collect_refs(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
            _ => {}
        }
    }
}
