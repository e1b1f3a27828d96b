//! Documents through the Elasticsearch-compatible API: `_bulk` (NDJSON pairs of an action
//! line and a source line) and the one-document `_doc` / `_create` calls.
//!
//! - `index` and `create` store the source as an event; `update` stores its `doc` (or
//!   `upsert`) object; `delete` is answered 200 and does nothing (events are immutable).
//! - The index (from the action, else the path) is kept in the event as `vigil.index`.
//! - A source that is not a JSON object fails its item with status 400 and an ES `error`
//!   object, goes to the quarantine, and the other items are still stored.
//! - An action line that cannot be read makes the whole request 400, as in Elasticsearch
//!   (the pairs after it cannot be told apart); the body goes to the quarantine.
//! - When the pipeline is full the whole request is answered 429, which every shipper
//!   retries.
//!
//! Item answers have the shape Elasticsearch gives (`_index`, `_id`, `_version`, `result`,
//! `_shards`, `_seq_no`, `_primary_term`, `status`); ids not given are generated.

use super::batch::{BatchBuilder, Position, Wait};
use super::extract::{Body, Sender};
use super::json;
use super::respond::{es_error, es_error_response, Elastic, Refused};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use vigil_event::Event;
use vigil_pipeline::intake::Source;

/// The index name answered for documents that named none.
const DEFAULT_INDEX: &str = "vigil";

/// `POST|PUT /_bulk`.
pub(super) async fn bulk(
    State(state): State<AppState>,
    sender: Sender<Elastic>,
    Body(body, ..): Body<Elastic>,
) -> Result<Response, Refused<Elastic>> {
    run_bulk(state, sender, None, body).await
}

/// `POST|PUT /{index}/_bulk`: actions without `_index` go to `index`.
pub(super) async fn bulk_into(
    State(state): State<AppState>,
    sender: Sender<Elastic>,
    Path(index): Path<String>,
    Body(body, ..): Body<Elastic>,
) -> Result<Response, Refused<Elastic>> {
    run_bulk(state, sender, Some(index), body).await
}

/// `POST /{index}/_doc`: one document, id generated.
pub(super) async fn doc(
    State(state): State<AppState>,
    sender: Sender<Elastic>,
    Path(index): Path<String>,
    Body(body, ..): Body<Elastic>,
) -> Result<Response, Refused<Elastic>> {
    store_one(state, sender, Action::Index, index, None, body).await
}

/// `PUT|POST /{index}/_doc/{id}`.
pub(super) async fn doc_with_id(
    State(state): State<AppState>,
    sender: Sender<Elastic>,
    Path((index, id)): Path<(String, String)>,
    Body(body, ..): Body<Elastic>,
) -> Result<Response, Refused<Elastic>> {
    store_one(state, sender, Action::Index, index, Some(id), body).await
}

/// `PUT|POST /{index}/_create/{id}`.
pub(super) async fn create_with_id(
    State(state): State<AppState>,
    sender: Sender<Elastic>,
    Path((index, id)): Path<(String, String)>,
    Body(body, ..): Body<Elastic>,
) -> Result<Response, Refused<Elastic>> {
    store_one(state, sender, Action::Create, index, Some(id), body).await
}

/// A `_bulk` action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Index,
    Create,
    Update,
    Delete,
}

impl Action {
    fn parse(name: &str) -> Option<Action> {
        match name {
            "index" => Some(Action::Index),
            "create" => Some(Action::Create),
            "update" => Some(Action::Update),
            "delete" => Some(Action::Delete),
            _ => None,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Action::Index => "index",
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }

    /// Status and `result` of a successful item.
    fn success(self) -> (u16, &'static str) {
        match self {
            Action::Index | Action::Create => (201, "created"),
            Action::Update => (200, "updated"),
            Action::Delete => (200, "noop"),
        }
    }
}

/// One line of the body: its 1-based number and bytes (CR dropped).
type Line<'a> = (usize, &'a [u8]);

/// An action line and the source line that goes with it.
struct Operation<'a> {
    action: Action,
    index: Option<String>,
    id: Option<String>,
    action_line: Line<'a>,
    /// `None` for `delete`; `Some(None)` when the body ended before the source line.
    source: Option<Option<Line<'a>>>,
}

/// What became of an operation.
#[derive(Debug)]
struct Item {
    action: Action,
    index: Option<String>,
    id: String,
    /// The ES error type and reason when the item failed.
    failure: Option<(&'static str, String)>,
}

async fn run_bulk(
    state: AppState,
    sender: Sender<Elastic>,
    path_index: Option<String>,
    body: Bytes,
) -> Result<Response, Refused<Elastic>> {
    let started = Instant::now();
    let mut batch = sender.batch(Source::Bulk, &state.limits);
    let (batch, items) = super::off_runtime(move || {
        let items = read_bulk(&body, path_index, &mut batch);
        (batch, items)
    })
    .await?;
    batch.submit(&state.intake, Wait::No).await?;
    let items = match items {
        Ok(items) if items.is_empty() => {
            return Ok(es_error_response(
                StatusCode::BAD_REQUEST,
                "action_request_validation_exception",
                "Validation Failed: 1: no requests added;",
            ))
        }
        Ok(items) => items,
        Err(reason) => {
            return Ok(es_error_response(
                StatusCode::BAD_REQUEST,
                "illegal_argument_exception",
                &reason,
            ))
        }
    };
    let errors = items.iter().any(|item| item.failure.is_some());
    let items: Vec<Value> = items
        .into_iter()
        .map(|item| json!({ item.action.key(): item.answer() }))
        .collect();
    Ok(Json(json!({
        "took": started.elapsed().as_millis() as u64,
        "errors": errors,
        "items": items,
    }))
    .into_response())
}

/// Pairs action and source lines, then stores each operation. `Err` (and the whole body
/// in the quarantine) when an action line cannot be read.
fn read_bulk(
    body: &[u8],
    path_index: Option<String>,
    batch: &mut BatchBuilder,
) -> Result<Vec<Item>, String> {
    let mut lines = body
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, line)| (i + 1, line.strip_suffix(b"\r").unwrap_or(line)));
    let mut operations = Vec::new();
    while let Some(action_line) = lines.next() {
        if action_line.1.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let (action, meta) = read_action(action_line.1).map_err(|detail| {
            let reason = format!(
                "Malformed action/metadata line [{}], {detail}",
                action_line.0
            );
            batch.reject_raw(None, &reason, body);
            reason
        })?;
        let source = (action != Action::Delete).then(|| lines.next());
        operations.push(Operation {
            action,
            index: text_field(&meta, "_index").or_else(|| path_index.clone()),
            id: text_field(&meta, "_id"),
            action_line,
            source,
        });
    }
    Ok(operations
        .into_iter()
        .map(|operation| store(operation, batch))
        .collect())
}

/// The action of an action line and its metadata object.
fn read_action(line: &[u8]) -> Result<(Action, Map<String, Value>), String> {
    let value: Value = serde_json::from_slice(line)
        .map_err(|err| format!("expected a JSON object: {}", json::describe(&err)))?;
    let Value::Object(object) = value else {
        return Err(format!(
            "expected START_OBJECT but found {}",
            json::kind_of(&value)
        ));
    };
    let mut entries = object.into_iter();
    let (Some((name, meta)), None) = (entries.next(), entries.next()) else {
        return Err("expected one field: create, delete, index or update".into());
    };
    let action = Action::parse(&name).ok_or_else(|| {
        format!("expected field [create, delete, index or update] but found [{name}]")
    })?;
    match meta {
        Value::Object(meta) => Ok((action, meta)),
        other => Err(format!(
            "expected an object after [{name}], found {}",
            json::kind_of(&other)
        )),
    }
}

fn text_field(meta: &Map<String, Value>, name: &str) -> Option<String> {
    match meta.get(name)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Stores one operation's document in the batch.
fn store(operation: Operation<'_>, batch: &mut BatchBuilder) -> Item {
    let Operation {
        action,
        index,
        id,
        action_line,
        source,
    } = operation;
    let failure = match source {
        None => None,
        Some(None) => {
            let reason = "no document line after the action line";
            let at = Position {
                what: "line",
                number: action_line.0,
            };
            batch.reject_raw(Some(at), reason, action_line.1);
            Some(("action_request_validation_exception", reason.to_owned()))
        }
        Some(Some((number, line))) => {
            let at = Some(Position {
                what: "line",
                number,
            });
            let stored = match std::str::from_utf8(line) {
                Ok(text) => batch
                    .push_json(text, at, |object| match action {
                        Action::Update => update_doc(object),
                        _ => Ok(json::event_from_object(object)),
                    })
                    .map(|event| {
                        if let Some(index) = &index {
                            event.set("vigil.index", index.as_str());
                        }
                    }),
                Err(err) => {
                    let reason = format!("invalid UTF-8 at byte {}", err.valid_up_to());
                    batch.reject_raw(at, &reason, line);
                    Err(reason)
                }
            };
            stored.err().map(|reason| {
                (
                    "document_parsing_exception",
                    format!("failed to parse: {reason}"),
                )
            })
        }
    };
    Item {
        action,
        index,
        id: id.unwrap_or_else(new_id),
        failure,
    }
}

/// The event of an `update`: its partial document (or upsert document).
fn update_doc(mut object: Map<String, Value>) -> Result<Event, String> {
    match object.remove("doc").or_else(|| object.remove("upsert")) {
        Some(Value::Object(doc)) => Ok(json::event_from_object(doc)),
        _ => Err("an update without a `doc` object holds no event".into()),
    }
}

impl Item {
    /// What the answer says of this item (under the action's name in a `_bulk` answer).
    fn answer(self) -> Value {
        let index = self.index.as_deref().unwrap_or(DEFAULT_INDEX);
        match self.failure {
            Some((kind, reason)) => json!({
                "_index": index,
                "_id": self.id,
                "status": 400,
                "error": es_error(kind, &reason),
            }),
            None => {
                let (status, result) = self.action.success();
                json!({
                    "_index": index,
                    "_id": self.id,
                    "_version": 1,
                    "result": result,
                    "_shards": { "total": 1, "successful": 1, "failed": 0 },
                    "_seq_no": next_seq_no(),
                    "_primary_term": 1,
                    "status": status,
                })
            }
        }
    }
}

/// One document by `_doc` or `_create`: 201 with the ES answer, or 400 with an ES error.
async fn store_one(
    state: AppState,
    sender: Sender<Elastic>,
    action: Action,
    index: String,
    id: Option<String>,
    body: Bytes,
) -> Result<Response, Refused<Elastic>> {
    let mut batch = sender.batch(Source::Bulk, &state.limits);
    let (batch, item) = super::off_runtime(move || {
        let operation = Operation {
            action,
            index: Some(index),
            id,
            action_line: (0, b""),
            source: Some(Some((1, &body))),
        };
        let item = store(operation, &mut batch);
        (batch, item)
    })
    .await?;
    batch.submit(&state.intake, Wait::No).await?;
    if let Some((kind, reason)) = &item.failure {
        return Ok(es_error_response(StatusCode::BAD_REQUEST, kind, reason));
    }
    let mut answer = item.answer();
    if let Some(fields) = answer.as_object_mut() {
        fields.remove("status");
    }
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

fn next_seq_no() -> u64 {
    static SEQ_NO: AtomicU64 = AtomicU64::new(0);
    SEQ_NO.fetch_add(1, Ordering::Relaxed)
}

/// A 20-character document id as Elasticsearch makes them: time, process and a counter.
fn new_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let count = NEXT.fetch_add(1, Ordering::Relaxed);
    let millis = chrono::Utc::now().timestamp_millis().max(0) as u64;
    let mut bytes = [0u8; 15];
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    bytes[6..10].copy_from_slice(&std::process::id().to_be_bytes());
    bytes[10..].copy_from_slice(&count.to_be_bytes()[3..]);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Limits;

    fn read(body: &str) -> (BatchBuilder, Result<Vec<Item>, String>) {
        let mut batch = BatchBuilder::new(Source::Bulk, Some("a".into()), None, &Limits::default());
        let items = read_bulk(body.as_bytes(), Some("path-index".into()), &mut batch);
        (batch, items)
    }

    #[test]
    fn pairs_actions_and_sources() {
        let body = "{\"index\":{\"_index\":\"logs\",\"_id\":\"7\"}}\n{\"a\":1}\n\
                    {\"create\":{}}\n{\"b\":2}\r\n\
                    {\"delete\":{\"_id\":\"x\"}}\n\
                    {\"update\":{\"_id\":\"u\"}}\n{\"doc\":{\"c\":3}}\n\
                    {\"index\":{}}\n[1,2]\n";
        let (batch, items) = read(body);
        let items = items.unwrap();
        let summary: Vec<_> = items
            .iter()
            .map(|i| (i.action, i.index.as_deref(), i.failure.is_some()))
            .collect();
        assert_eq!(
            summary,
            [
                (Action::Index, Some("logs"), false),
                (Action::Create, Some("path-index"), false),
                (Action::Delete, Some("path-index"), false),
                (Action::Update, Some("path-index"), false),
                (Action::Index, Some("path-index"), true),
            ]
        );
        assert_eq!(items[0].id, "7");
        assert_eq!(items[1].id.len(), 20);
        assert_eq!(batch.len(), 4);
        let answer = items.into_iter().last().unwrap().answer();
        assert_eq!(answer["status"], 400);
        assert_eq!(answer["error"]["type"], "document_parsing_exception");
    }

    #[test]
    fn a_malformed_action_line_fails_the_request() {
        let (batch, items) = read("{\"index\":{}}\n{\"a\":1}\n{\"frobnicate\":{}}\n{}\n");
        assert_eq!(
            items.err().as_deref(),
            Some("Malformed action/metadata line [3], expected field [create, delete, index or update] but found [frobnicate]")
        );
        assert_eq!(batch.len(), 1, "only the body, in the quarantine");
        let (_, items) = read("not json\n");
        assert!(items
            .unwrap_err()
            .starts_with("Malformed action/metadata line [1], expected a JSON object"));
    }

    #[test]
    fn a_missing_source_line_fails_its_item() {
        let (_, items) = read("{\"index\":{}}");
        let items = items.unwrap();
        assert_eq!(
            items[0].failure.as_ref().map(|f| f.0),
            Some("action_request_validation_exception")
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(body in "(\\{\"(index|create|update|delete)\":\\{\\}\\}\n)?\\PC{0,60}(\n\\PC{0,30}){0,4}") {
            let _ = read(&body);
        }
    }
}
