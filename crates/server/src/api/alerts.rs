//! `/api/v1/alerts`: the alert queue and the analysts' workflow on it.
//!
//! Reads and writes go through the state database with the caller's tenant, so an agency
//! officer neither sees nor changes another agency's alerts (404). Status changes follow
//! [`AlertStatus::can_become`]; an impossible move answers 409 with the reason. Every
//! change is audited by the database with the caller's token id as actor.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Value};
use vigil_store::db::{Alert, AlertComment, AlertFilter, AlertStatus, AlertUpdate};

use super::access::{Action, Caller};
use super::error::{ApiError, ApiResult};
use super::events::{fetch, EventView};
use super::extract::{JsonBody, PathParams, QueryParams};
use crate::state::AppState;

/// The most alerts one page may hold.
const MAX_PAGE: i64 = 10_000;
/// The longest comment accepted, in characters.
const MAX_COMMENT: usize = 10_000;

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/alerts", get(list))
        .route("/api/v1/alerts/{id}", get(one).patch(update))
}

#[derive(Debug, Deserialize)]
struct ListParams {
    level: Option<String>,
    /// Agency id or name.
    agency: Option<String>,
    status: Option<String>,
    since: Option<DateTime<Utc>>,
    limit: Option<i64>,
    offset: Option<i64>,
}

impl ListParams {
    fn filter(self) -> ApiResult<AlertFilter> {
        Ok(AlertFilter {
            level: self.level.as_deref().map(str::parse).transpose()?,
            agency: self.agency,
            status: self.status.as_deref().map(str::parse).transpose()?,
            since: self.since,
            limit: self.limit.unwrap_or(100).clamp(0, MAX_PAGE),
            offset: self.offset.unwrap_or(0).max(0),
        })
    }
}

/// An alert with its comments and the sample events still in the event store.
#[derive(Debug, Serialize)]
struct AlertDetail {
    #[serde(flatten)]
    alert: Alert,
    comments: Vec<AlertComment>,
    events: Vec<EventView>,
}

/// The body of `PATCH /api/v1/alerts/{id}`; every part is optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertChange {
    status: Option<String>,
    /// Absent: unchanged; `null` or `""`: unassigned.
    #[serde(default, deserialize_with = "present")]
    assignee: Option<Option<String>>,
    comment: Option<String>,
}

/// Tells a field given as `null` (`Some(None)`) from an absent one (`None`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl AlertChange {
    fn into_update(self) -> ApiResult<AlertUpdate> {
        let comment = self.comment.filter(|c| !c.trim().is_empty());
        if self.status.is_none() && self.assignee.is_none() && comment.is_none() {
            return Err(ApiError::bad_request(
                "nothing to change: give status, assignee or comment",
            ));
        }
        if comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > MAX_COMMENT)
        {
            return Err(ApiError::bad_request(format!(
                "comment is longer than {MAX_COMMENT} characters"
            )));
        }
        Ok(AlertUpdate {
            status: self
                .status
                .as_deref()
                .map(str::parse::<AlertStatus>)
                .transpose()?,
            assignee: self.assignee.map(|a| {
                a.map(|name| name.trim().to_owned())
                    .filter(|name| !name.is_empty())
            }),
            comment,
        })
    }
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<ListParams>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let (alerts, total) = state
        .db
        .list_alerts(&params.filter()?, &caller.tenant())
        .await?;
    Ok(Json(json!({ "alerts": alerts, "total": total })))
}

async fn one(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<AlertDetail>> {
    caller.require(Action::Read)?;
    let alert = state
        .db
        .get_alert(&id, &caller.tenant())
        .await?
        .ok_or_else(|| ApiError::not_found("alert"))?;
    detail(&state, &caller, alert).await.map(Json)
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(change): JsonBody<AlertChange>,
) -> ApiResult<Json<AlertDetail>> {
    caller.require(Action::WorkAlert)?;
    if change.assignee.is_some() {
        caller.require(Action::AssignAlert)?;
    }
    let update = change.into_update()?;
    let alert = state
        .db
        .update_alert(&id, &caller.tenant(), &update, caller.actor())
        .await?
        .ok_or_else(|| ApiError::not_found("alert"))?;
    detail(&state, &caller, alert).await.map(Json)
}

/// Adds comments and sample events (those the store still holds) to an alert.
async fn detail(state: &AppState, caller: &Caller, alert: Alert) -> ApiResult<AlertDetail> {
    let comments = state.db.alert_comments(&alert.id, &caller.tenant()).await?;
    let mut events = Vec::with_capacity(alert.sample_event_ids.len());
    for id in &alert.sample_event_ids {
        events.extend(fetch(state, caller, id).await?);
    }
    Ok(AlertDetail {
        alert,
        comments,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(json: &str) -> ApiResult<AlertUpdate> {
        serde_json::from_str::<AlertChange>(json)
            .unwrap()
            .into_update()
    }

    #[test]
    fn assignee_null_unassigns_and_absent_keeps() {
        assert_eq!(change(r#"{"assignee":null}"#).unwrap().assignee, Some(None));
        assert_eq!(change(r#"{"assignee":" "}"#).unwrap().assignee, Some(None));
        assert_eq!(
            change(r#"{"assignee":"lan"}"#).unwrap().assignee,
            Some(Some("lan".into()))
        );
        assert_eq!(change(r#"{"comment":"x"}"#).unwrap().assignee, None);
    }

    #[test]
    fn empty_and_unknown_changes_are_refused() {
        assert_eq!(change("{}").unwrap_err().status.as_u16(), 400);
        assert_eq!(
            change(r#"{"comment":"  "}"#).unwrap_err().status.as_u16(),
            400
        );
        assert_eq!(
            change(r#"{"status":"done"}"#).unwrap_err().status.as_u16(),
            400
        );
        assert!(serde_json::from_str::<AlertChange>(r#"{"level":"low"}"#).is_err());
    }
}
