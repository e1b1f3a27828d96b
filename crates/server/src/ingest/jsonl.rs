//! `POST /api/v1/ingest`: Vigil's own ingest endpoint. The body is JSON Lines (one event
//! object per line) or one JSON array of event objects; a bad line goes to the quarantine
//! and the others are still taken. The answer (200) counts both:
//!
//! ```json
//! {"accepted": 998, "rejected": 2, "errors": [{"line": 7, "reason": "expected value at column 3"}]}
//! ```
//!
//! `errors` names at most [`MAX_ERRORS`] of them; array items are named by `item`
//! (1-based) instead of `line`.

use super::batch::{BatchBuilder, Position, Wait};
use super::extract::{Body, Sender};
use super::json;
use super::respond::{Refused, Vigil};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use vigil_pipeline::intake::Source;

/// Most errors listed in one answer.
pub const MAX_ERRORS: usize = 100;

/// The answer to an ingest request.
#[derive(Debug, Serialize)]
pub(crate) struct Summary {
    accepted: usize,
    rejected: usize,
    errors: Vec<LineError>,
}

/// One refused line or item.
#[derive(Debug, Serialize)]
struct LineError {
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    item: Option<usize>,
    reason: String,
}

impl LineError {
    fn at(position: Position, reason: String) -> LineError {
        let number = Some(position.number);
        let (line, item) = if position.what == "item" {
            (None, number)
        } else {
            (number, None)
        };
        LineError { line, item, reason }
    }
}

/// Query parameters of `POST /api/v1/ingest`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct IngestParams {
    /// `import` marks evidence sent by `vigil import`; anything else is live HTTP ingest.
    source: Option<String>,
}

/// The handler of `POST /api/v1/ingest`.
pub(crate) async fn ingest(
    State(state): State<AppState>,
    Query(params): Query<IngestParams>,
    sender: Sender<Vigil>,
    Body(body, ..): Body<Vigil>,
) -> Result<Json<Summary>, Refused<Vigil>> {
    let source = match params.source.as_deref() {
        Some("import") => Source::Import,
        _ => Source::Http,
    };
    let batch = sender.batch(source, &state.limits);
    let (batch, errors) = super::off_runtime(move || read_body(&body, batch)).await?;
    let submitted = batch.submit(&state.intake, Wait::No).await?;
    Ok(Json(Summary {
        accepted: submitted.accepted,
        rejected: submitted.rejected,
        errors,
    }))
}

fn read_body(body: &[u8], mut batch: BatchBuilder) -> (BatchBuilder, Vec<LineError>) {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut errors = Vec::new();
    let mut refuse = |position: Position, reason: String| {
        if errors.len() < MAX_ERRORS {
            errors.push(LineError::at(position, reason));
        }
    };
    let is_array = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    if is_array {
        match serde_json::from_slice::<Vec<&RawValue>>(body) {
            Ok(items) => {
                for (i, item) in items.iter().enumerate() {
                    let at = Position {
                        what: "item",
                        number: i + 1,
                    };
                    if let Err(reason) = batch.push_json(item.get(), Some(at), to_event) {
                        refuse(at, reason);
                    }
                }
            }
            Err(err) => {
                let at = Position {
                    what: "line",
                    number: err.line(),
                };
                let reason = format!("the JSON array cannot be read: {}", json::describe(&err));
                batch.reject_raw(Some(at), &reason, body);
                refuse(at, reason);
            }
        }
        return (batch, errors);
    }
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        let at = Position {
            what: "line",
            number: i + 1,
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let result = match std::str::from_utf8(line) {
            Ok(text) => batch.push_json(text, Some(at), to_event).map(drop),
            Err(err) => {
                let reason = format!("invalid UTF-8 at byte {}", err.valid_up_to());
                batch.reject_raw(Some(at), &reason, line);
                Err(reason)
            }
        };
        if let Err(reason) = result {
            refuse(at, reason);
        }
    }
    (batch, errors)
}

fn to_event(
    object: serde_json::Map<String, serde_json::Value>,
) -> Result<vigil_event::Event, String> {
    Ok(json::event_from_object(object))
}
