//! `/api/v1/quarantine`: input the pipeline could not parse, newest first, limited to the
//! caller's tenant (entries of no agency, such as unattributed syslog, are the SOC's).
//!
//! The bytes are shown twice: as text (invalid UTF-8 replaced) for reading, and as base64
//! for an exact copy.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use vigil_store::db::QuarantineEntry;

use super::access::{Action, Caller};
use super::error::ApiResult;
use super::extract::QueryParams;
use crate::state::AppState;

/// The most entries one page may hold.
const MAX_PAGE: i64 = 1_000;

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/quarantine", get(list))
}

#[derive(Debug, Deserialize)]
struct PageParams {
    limit: Option<i64>,
    offset: Option<i64>,
}

/// A quarantined input as the API shows it.
#[derive(Debug, Serialize)]
struct EntryView {
    id: String,
    received_at: DateTime<Utc>,
    source: String,
    agency_id: Option<String>,
    reason: String,
    /// The bytes as text, invalid UTF-8 replaced by U+FFFD.
    raw: String,
    raw_base64: String,
    /// The original size in bytes (larger than `raw` when truncated).
    size: i64,
    truncated: bool,
}

impl From<QuarantineEntry> for EntryView {
    fn from(e: QuarantineEntry) -> EntryView {
        EntryView {
            raw: String::from_utf8_lossy(&e.raw).into_owned(),
            raw_base64: base64::engine::general_purpose::STANDARD.encode(&e.raw),
            id: e.id,
            received_at: e.received_at,
            source: e.source,
            agency_id: e.agency_id,
            reason: e.reason,
            size: e.size,
            truncated: e.truncated,
        }
    }
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(page): QueryParams<PageParams>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let tenant = caller.tenant();
    let limit = page.limit.unwrap_or(100).clamp(0, MAX_PAGE);
    let offset = page.offset.unwrap_or(0).max(0);
    let entries = state.db.list_quarantine(&tenant, limit, offset).await?;
    let total = state.db.count_quarantine(&tenant).await?;
    let entries: Vec<EntryView> = entries.into_iter().map(EntryView::from).collect();
    Ok(Json(json!({ "entries": entries, "total": total })))
}
