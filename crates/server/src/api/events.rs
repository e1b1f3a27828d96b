//! `/api/v1/events`: search, one event, counts by field and a time histogram, over the
//! event store in the analysts' query language (`crates/store/QUERY.md`).
//!
//! The caller's tenant goes into every store call, so an agency officer's search is
//! limited to their agency whatever the query says. The store is synchronous (tantivy),
//! so its calls run on the blocking pool.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use vigil_store::events::{EventId, EventStore, Query, StoreError, StoredEvent, TimeRange};

use super::access::{Action, Caller};
use super::error::{ApiError, ApiResult};
use super::extract::{PathParams, QueryParams};
use crate::state::AppState;

/// The most events one page may hold (the store's own cap).
const MAX_PAGE: usize = 10_000;
/// The most values a count may list.
const MAX_TOP: usize = 1_000;

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/events", get(search))
        .route("/api/v1/events/count", get(count))
        .route("/api/v1/events/histogram", get(histogram))
        .route("/api/v1/events/{id}", get(one))
}

/// An event as the API shows it.
#[derive(Debug, Serialize)]
pub(super) struct EventView {
    id: String,
    time: DateTime<Utc>,
    agency: String,
    system: String,
    host: Option<String>,
    source: String,
    received_at: DateTime<Utc>,
    fields: Map<String, Value>,
    raw: String,
}

impl From<StoredEvent> for EventView {
    fn from(e: StoredEvent) -> EventView {
        EventView {
            id: e.id.to_string(),
            time: e.time(),
            fields: e.event.to_json(),
            agency: e.agency,
            system: e.system,
            host: e.host,
            source: e.source,
            received_at: e.received_at,
            raw: e.raw,
        }
    }
}

/// Runs `f` on the event store on the blocking pool.
pub(crate) async fn on_store<T, F>(state: &AppState, f: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&dyn EventStore) -> Result<T, StoreError> + Send + 'static,
{
    let store = state.events.clone();
    tokio::task::spawn_blocking(move || f(store.as_ref()))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
}

/// One stored event by its id text, if the tenant may see it.
pub(super) async fn fetch(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ApiResult<Option<EventView>> {
    let Ok(id) = id.parse::<EventId>() else {
        return Ok(None);
    };
    let tenant = caller.tenant_agency();
    let found = on_store(state, move |store| store.get(id, tenant.as_deref())).await?;
    Ok(found.map(EventView::from))
}

/// Query-string parameters of the event routes (each route reads the ones it needs).
#[derive(Debug, Deserialize)]
struct EventParams {
    /// Query text; empty matches everything.
    #[serde(default)]
    q: String,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    limit: Option<usize>,
    offset: Option<usize>,
    field: Option<String>,
    top: Option<usize>,
    interval: Option<String>,
}

impl EventParams {
    fn query(&self) -> ApiResult<Query> {
        self.q
            .parse::<Query>()
            .map_err(|e| ApiError::from(StoreError::from(e)))
    }

    fn range(&self) -> ApiResult<TimeRange> {
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if from > to {
                return Err(ApiError::bad_request("'from' is after 'to'"));
            }
        }
        Ok(TimeRange {
            from: self.from,
            to: self.to,
        })
    }
}

/// The histogram buckets the API offers.
fn bucket_of(interval: &str) -> Option<TimeDelta> {
    match interval {
        "1m" => Some(TimeDelta::minutes(1)),
        "5m" => Some(TimeDelta::minutes(5)),
        "1h" => Some(TimeDelta::hours(1)),
        "1d" => Some(TimeDelta::days(1)),
        _ => None,
    }
}

async fn search(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<EventParams>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let query = params.query()?;
    let range = params.range()?;
    let limit = params.limit.unwrap_or(100).min(MAX_PAGE);
    let offset = params.offset.unwrap_or(0);
    let tenant = caller.tenant_agency();
    let found = on_store(&state, move |store| {
        store.search(&query, range, limit, offset, tenant.as_deref())
    })
    .await?;
    let events: Vec<EventView> = found.events.into_iter().map(EventView::from).collect();
    Ok(Json(json!({ "events": events, "total": found.total })))
}

async fn one(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<EventView>> {
    caller.require(Action::Read)?;
    fetch(&state, &caller, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("event"))
}

async fn count(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<EventParams>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let field = params
        .field
        .clone()
        .filter(|f| !f.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("'field' is required"))?;
    let query = params.query()?;
    let range = params.range()?;
    let top = params.top.unwrap_or(10).clamp(1, MAX_TOP);
    let tenant = caller.tenant_agency();
    let name = field.clone();
    let counts = on_store(&state, move |store| {
        store.count_by(&name, &query, range, tenant.as_deref(), top)
    })
    .await?;
    let counts: Vec<Value> = counts
        .into_iter()
        .map(|(value, count)| json!({ "value": value, "count": count }))
        .collect();
    Ok(Json(json!({ "field": field, "counts": counts })))
}

async fn histogram(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<EventParams>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let interval = params.interval.clone().unwrap_or_else(|| "1h".to_owned());
    let bucket = bucket_of(&interval).ok_or_else(|| {
        ApiError::bad_request("'interval' must be one of 1m, 5m, 1h, 1d")
            .with_detail(json!({ "interval": interval }))
    })?;
    let query = params.query()?;
    let range = params.range()?;
    let tenant = caller.tenant_agency();
    let buckets = on_store(&state, move |store| {
        store.histogram(&query, range, bucket, tenant.as_deref())
    })
    .await?;
    let buckets: Vec<Value> = buckets
        .into_iter()
        .map(|(time, count)| json!({ "time": time, "count": count }))
        .collect();
    Ok(Json(json!({ "interval": interval, "buckets": buckets })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_documented_intervals_are_accepted() {
        assert_eq!(bucket_of("5m"), Some(TimeDelta::minutes(5)));
        assert_eq!(bucket_of("1d"), Some(TimeDelta::days(1)));
        assert_eq!(bucket_of("2h"), None);
    }
}
