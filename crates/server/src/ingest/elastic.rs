//! The Elasticsearch-compatible API, so the Elasticsearch outputs of Beats, Logstash,
//! Fluent Bit and Vector, and the official `elasticsearch` clients, send to Vigil
//! unchanged. Documents arrive by `_bulk` and `_doc` ([`super::bulk`]); everything else a
//! shipper calls at start-up is answered as a one-node cluster that already has what is
//! asked for:
//!
//! - `GET|HEAD /`: cluster info, version [`VERSION`]. Beats newer than that refuse an
//!   older cluster unless `output.elasticsearch.allow_older_versions: true`.
//! - `GET /_license`, `GET /_xpack` (a basic licence; ILM available),
//!   `GET /_nodes[/...]`, `GET /_cluster/health[/{index}]`, `GET|POST [/{index}]/_refresh`;
//! - index templates (`_index_template`, `_component_template`, `_template`), ILM
//!   policies, ingest pipelines, data streams, aliases and indices (`/{index}`): `GET` and
//!   `HEAD` say they exist, `PUT` acknowledges. Nothing is kept: Vigil parses events its
//!   own way and keeps every index's documents in its own store (the index name travels in
//!   the event as `vigil.index`).
//!
//! Every answer carries `X-Elastic-Product: Elasticsearch`, without which the 8.x clients
//! refuse the server. Every call needs a valid token (as Elasticsearch with security
//! does); sending documents needs an agency's token.

use super::bulk;
use super::extract::Caller;
use super::respond::Elastic;
use crate::state::AppState;
use axum::extract::Path;
use axum::http::header::HOST;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post, put, MethodRouter};
use axum::{Json, Router};
use serde_json::{json, Value};

/// The Elasticsearch version Vigil answers as.
pub const VERSION: &str = "8.11.0";

const CLUSTER_NAME: &str = "vigil";
const NODE_ID: &str = "vigil-ingest-node-0000";

/// The Elasticsearch-compatible routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(info))
        .route("/_bulk", post(bulk::bulk).put(bulk::bulk))
        .route("/{index}/_bulk", post(bulk::bulk_into).put(bulk::bulk_into))
        .route("/{index}/_doc", post(bulk::doc))
        .route(
            "/{index}/_doc/{id}",
            put(bulk::doc_with_id).post(bulk::doc_with_id),
        )
        .route(
            "/{index}/_create/{id}",
            put(bulk::create_with_id).post(bulk::create_with_id),
        )
        .route("/_license", get(license))
        .route("/_xpack", get(xpack))
        .route("/_nodes", get(nodes))
        .route("/_nodes/{*filter}", get(nodes))
        .route("/_cluster/health", get(health))
        .route("/_cluster/health/{index}", get(health))
        .route("/_refresh", get(refresh).post(refresh))
        .route("/{index}/_refresh", get(refresh).post(refresh))
        .route("/_index_template/{name}", Setup::IndexTemplate.routes())
        .route(
            "/_component_template/{name}",
            Setup::ComponentTemplate.routes(),
        )
        .route("/_template/{name}", Setup::LegacyTemplate.routes())
        .route("/_ilm/policy/{name}", Setup::IlmPolicy.routes())
        .route("/_ingest/pipeline/{name}", Setup::IngestPipeline.routes())
        .route("/_data_stream/{name}", Setup::DataStream.routes())
        .route("/_alias/{name}", Setup::Alias.routes())
        .route("/{index}", Setup::Index.routes())
        .layer(middleware::map_response(product_header))
}

async fn product_header(mut response: Response) -> Response {
    response.headers_mut().insert(
        "x-elastic-product",
        HeaderValue::from_static("Elasticsearch"),
    );
    response
}

async fn info(_: Caller<Elastic>) -> Json<Value> {
    Json(json!({
        "name": NODE_ID,
        "cluster_name": CLUSTER_NAME,
        "cluster_uuid": "dmlnaWwtaW5nZXN0LWNsdXN0ZXI",
        "version": {
            "number": VERSION,
            "build_flavor": "default",
            "build_type": "tar",
            "build_hash": "vigil",
            "build_date": "2023-11-04T10:04:57.184859352Z",
            "build_snapshot": false,
            "lucene_version": "9.8.0",
            "minimum_wire_compatibility_version": "7.17.0",
            "minimum_index_compatibility_version": "7.0.0"
        },
        "tagline": "You Know, for Search"
    }))
}

const LICENSE_UID: &str = "00000000-0000-4000-8000-000000000000";

async fn license(_: Caller<Elastic>) -> Json<Value> {
    Json(json!({
        "license": {
            "status": "active",
            "uid": LICENSE_UID,
            "type": "basic",
            "issue_date": "2024-01-01T00:00:00.000Z",
            "issue_date_in_millis": 1_704_067_200_000_i64,
            "max_nodes": 1000,
            "max_resource_units": null,
            "issued_to": CLUSTER_NAME,
            "issuer": "elasticsearch",
            "start_date_in_millis": -1
        }
    }))
}

async fn xpack(_: Caller<Elastic>) -> Json<Value> {
    let feature = |enabled: bool| json!({ "available": true, "enabled": enabled });
    Json(json!({
        "build": { "hash": "vigil", "date": "2023-11-04T10:04:57.184859352Z" },
        "license": { "uid": LICENSE_UID, "type": "basic", "mode": "basic", "status": "active" },
        "features": {
            "ilm": feature(true),
            "security": feature(true),
            "monitoring": feature(false),
            "data_streams": feature(true)
        },
        "tagline": "You know, for X"
    }))
}

/// The one node, published at the address the client used (so a sniffing client comes
/// back to Vigil).
async fn nodes(_: Caller<Elastic>, headers: HeaderMap) -> Json<Value> {
    let address = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    Json(json!({
        "_nodes": { "total": 1, "successful": 1, "failed": 0 },
        "cluster_name": CLUSTER_NAME,
        "nodes": {
            NODE_ID: {
                "name": NODE_ID,
                "version": VERSION,
                "build_flavor": "default",
                "roles": ["data", "ingest", "master"],
                "http": {
                    "bound_address": [address],
                    "publish_address": address,
                    "max_content_length_in_bytes": 104_857_600
                }
            }
        }
    }))
}

async fn health(_: Caller<Elastic>) -> Json<Value> {
    Json(json!({
        "cluster_name": CLUSTER_NAME,
        "status": "green",
        "timed_out": false,
        "number_of_nodes": 1,
        "number_of_data_nodes": 1,
        "active_primary_shards": 1,
        "active_shards": 1,
        "relocating_shards": 0,
        "initializing_shards": 0,
        "unassigned_shards": 0,
        "delayed_unassigned_shards": 0,
        "number_of_pending_tasks": 0,
        "number_of_in_flight_fetch": 0,
        "task_max_waiting_in_queue_millis": 0,
        "active_shards_percent_as_number": 100.0
    }))
}

async fn refresh(_: Caller<Elastic>) -> Json<Value> {
    Json(json!({ "_shards": { "total": 1, "successful": 1, "failed": 0 } }))
}

/// What shippers set up before they send: each exists for any name, and creating one is
/// acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setup {
    IndexTemplate,
    ComponentTemplate,
    LegacyTemplate,
    IlmPolicy,
    IngestPipeline,
    DataStream,
    Alias,
    Index,
}

impl Setup {
    /// `GET` (and so `HEAD`) describes it, `PUT` creates it.
    fn routes(self) -> MethodRouter<AppState> {
        get(
            move |_: Caller<Elastic>, Path(name): Path<String>| async move {
                Json(self.existing(&name))
            },
        )
        .put(
            move |_: Caller<Elastic>, Path(name): Path<String>| async move {
                Json(self.created(&name))
            },
        )
    }

    fn existing(self, name: &str) -> Value {
        let pattern = format!("{}*", name.trim_end_matches('*'));
        match self {
            Setup::IndexTemplate => json!({ "index_templates": [{
                "name": name,
                "index_template": {
                    "index_patterns": [pattern],
                    "composed_of": [],
                    "template": { "settings": {}, "mappings": {} },
                    "data_stream": { "hidden": false, "allow_custom_routing": false }
                }
            }]}),
            Setup::ComponentTemplate => json!({ "component_templates": [{
                "name": name,
                "component_template": { "template": { "settings": {}, "mappings": {} } }
            }]}),
            Setup::LegacyTemplate => json!({ name: {
                "order": 0,
                "index_patterns": [pattern],
                "settings": {},
                "mappings": {},
                "aliases": {}
            }}),
            Setup::IlmPolicy => json!({ name: {
                "version": 1,
                "modified_date": "2024-01-01T00:00:00.000Z",
                "policy": { "phases": { "hot": { "min_age": "0ms", "actions": {} } } }
            }}),
            Setup::IngestPipeline => json!({ name: {
                "description": "accepted by Vigil, which parses events itself",
                "processors": []
            }}),
            Setup::DataStream => json!({ "data_streams": [{
                "name": name,
                "timestamp_field": { "name": "@timestamp" },
                "indices": [],
                "generation": 1,
                "status": "GREEN",
                "template": name,
                "hidden": false,
                "system": false,
                "allow_custom_routing": false,
                "replicated": false
            }]}),
            Setup::Alias => json!({ name: { "aliases": { name: { "is_write_index": true } } } }),
            Setup::Index => json!({ name: {
                "aliases": {},
                "mappings": {},
                "settings": { "index": {
                    "number_of_shards": "1",
                    "number_of_replicas": "0",
                    "provided_name": name
                }}
            }}),
        }
    }

    fn created(self, name: &str) -> Value {
        match self {
            Setup::Index => json!({
                "acknowledged": true,
                "shards_acknowledged": true,
                "index": name
            }),
            _ => json!({ "acknowledged": true }),
        }
    }
}
