//! `GET /alerts/stream`: new alerts as server-sent events, for the live queue.
//!
//! The stream takes the queue's filters and a cursor (`after=`, an alert id, or the
//! `Last-Event-ID` a reconnecting browser sends; without either, the newest alert when
//! the stream opens) and every [`POLL`] asks the state database for alerts opened after
//! it, within the viewer's tenant. Each becomes an `alert` event whose id is the alert's
//! id and whose data is the queue's row for it, rendered and escaped here; the console's
//! script (`assets/alerts.js`) puts the row at the top of the table and counts it.
//!
//! Watching is not activity: a stream ends when the viewer's session would end if they
//! did nothing more (its idle deadline as the stream opened, or its absolute expiry).
//! The browser then reconnects, with the last event's id, through the same session
//! check as any page, which fails once the session has ended, been revoked or its user
//! disabled.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use vigil_store::db::{Alert, AlertCriteria, Tenant, SESSION_IDLE_TIMEOUT};

use super::alerts::{alert_row, QueueParams};
use super::i18n::Lang;
use super::{failure, layout, Viewer};
use crate::api::access::Action;
use crate::state::AppState;

/// How often the stream looks for new alerts.
const POLL: Duration = Duration::from_secs(2);
/// The most alerts one look fetches.
const BATCH: i64 = 100;

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/alerts/stream", get(stream))
}

/// The stream's cursor, beside the queue's filters.
#[derive(Debug, Default, Deserialize)]
struct Cursor {
    #[serde(default)]
    after: String,
}

/// Where a stream is: what it looks for, and the alerts found but not yet sent.
struct Live {
    state: AppState,
    criteria: AlertCriteria,
    tenant: Tenant,
    lang: Lang,
    selectable: bool,
    cursor: Option<String>,
    found: VecDeque<Alert>,
    /// When the stream ends.
    until: DateTime<Utc>,
}

impl Live {
    /// The next alert to send, waiting for one until the stream ends (`None`).
    async fn next(mut self) -> Option<(Event, Live)> {
        loop {
            if let Some(alert) = self.found.pop_front() {
                let row = alert_row(self.lang, &alert, self.selectable).into_string();
                let event = Event::default().event("alert").id(alert.id).data(row);
                return Some((event, self));
            }
            let left = (self.until - Utc::now()).to_std().ok()?;
            tokio::time::sleep(left.min(POLL)).await;
            let new = self
                .state
                .db
                .alerts_opened_after(self.cursor.as_deref(), &self.criteria, BATCH, &self.tenant)
                .await;
            match new {
                Ok(new) => {
                    if let Some(last) = new.last() {
                        self.cursor = Some(last.id.clone());
                    }
                    self.found.extend(new);
                }
                Err(e) => tracing::warn!("live alert queue: {e}"),
            }
        }
    }
}

/// `GET /alerts/stream`.
async fn stream(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    params: Result<Query<QueueParams>, QueryRejection>,
    cursor: Result<Query<Cursor>, QueryRejection>,
) -> Response {
    let lang = viewer.lang;
    let (Ok(Query(params)), Ok(Query(cursor))) = (params, cursor) else {
        return layout::error_page(lang, StatusCode::BAD_REQUEST);
    };
    let Ok(criteria) = params.criteria() else {
        return layout::error_page(lang, StatusCode::BAD_REQUEST);
    };
    let tenant = viewer.caller.tenant();
    let resumed = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let given = resumed
        .or(Some(cursor.after))
        .filter(|c| !c.trim().is_empty());
    let cursor = match given {
        Some(cursor) => Some(cursor),
        None => match state.db.latest_alert_id(&tenant).await {
            Ok(latest) => latest,
            Err(e) => return failure(lang, e),
        },
    };
    let session = &viewer.session;
    let until = session
        .expires_at
        .min(session.last_seen_at + SESSION_IDLE_TIMEOUT);
    let live = Live {
        state,
        criteria,
        tenant,
        lang,
        selectable: viewer.caller.can(Action::WorkAlert),
        cursor,
        found: VecDeque::new(),
        until,
    };
    let events = futures_util::stream::unfold(live, |live| async move {
        let (event, live) = live.next().await?;
        Some((Ok::<_, Infallible>(event), live))
    });
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}
