//! The overview and the alert pages: `GET /` (open alerts by level and by agency),
//! `GET /alerts` (the queue, filtered by level, status and agency), `GET /alerts/{id}`
//! (one alert with its comments) and `POST /alerts/{id}` (status change and comment).
//!
//! Every query runs with the viewer's tenant and every change is allowed by
//! [`crate::api::access::permits`], exactly as in the API: an agency officer sees only
//! their agency, and another agency's alert is the 404 page.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use serde::Deserialize;
use vigil_store::db::{Agency, Alert, AlertFilter, AlertLevel, AlertStatus, AlertUpdate};

use super::i18n::{Lang, Msg};
use super::layout::{self, Section};
use super::{failure, Viewer};
use crate::api::access::Action;
use crate::state::AppState;

/// Levels, most severe first.
const LEVELS: [AlertLevel; 5] = [
    AlertLevel::Critical,
    AlertLevel::High,
    AlertLevel::Medium,
    AlertLevel::Low,
    AlertLevel::Informational,
];

/// Statuses in workflow order.
const STATUSES: [AlertStatus; 5] = [
    AlertStatus::New,
    AlertStatus::Acknowledged,
    AlertStatus::InProgress,
    AlertStatus::Closed,
    AlertStatus::FalsePositive,
];

/// The most alerts the queue shows at once.
const PAGE: i64 = 200;
/// The longest comment accepted, in characters (as the API).
const MAX_COMMENT: usize = 10_000;

/// The routes of this module (`GET /` is reached through [`super::browser_root`]).
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/alerts", get(queue))
        .route("/alerts/{id}", get(detail).post(update))
}

/// How many open alerts the tenant has with this level and agency (`None`: any).
async fn open_count(
    state: &AppState,
    viewer: &Viewer,
    level: Option<AlertLevel>,
    agency: Option<&str>,
) -> Result<i64, Response> {
    let mut total = 0;
    for status in STATUSES.into_iter().filter(|s| s.is_open()) {
        let filter = AlertFilter {
            level,
            agency: agency.map(str::to_owned),
            status: Some(status),
            limit: 0,
            ..AlertFilter::default()
        };
        let (_, n) = state
            .db
            .list_alerts(&filter, &viewer.caller.tenant())
            .await
            .map_err(|e| failure(viewer.lang, e))?;
        total += n;
    }
    Ok(total)
}

/// The agencies the viewer may see, by name.
async fn visible_agencies(state: &AppState, viewer: &Viewer) -> Result<Vec<Agency>, Response> {
    let mut agencies = state
        .db
        .list_agencies()
        .await
        .map_err(|e| failure(viewer.lang, e))?;
    agencies.retain(|a| viewer.caller.sees_agency(&a.id));
    agencies.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(agencies)
}

fn level_badge(lang: Lang, level: AlertLevel) -> Markup {
    html! { span class={ "level level-" (level.as_str()) } { (lang.level(level)) } }
}

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The overview, for `GET /` of a browser.
pub(super) async fn overview(State(state): State<AppState>, viewer: Viewer) -> Response {
    match overview_page(&state, &viewer).await {
        Ok(page) => page.into_response(),
        Err(page) => page,
    }
}

async fn overview_page(state: &AppState, viewer: &Viewer) -> Result<Markup, Response> {
    let lang = viewer.lang;
    let mut by_level = Vec::with_capacity(LEVELS.len());
    for level in LEVELS {
        by_level.push((level, open_count(state, viewer, Some(level), None).await?));
    }
    let mut by_agency = Vec::new();
    for agency in visible_agencies(state, viewer).await? {
        let n = open_count(state, viewer, None, Some(&agency.id)).await?;
        if n > 0 {
            by_agency.push((agency, n));
        }
    }
    by_agency.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.name.cmp(&b.0.name)));
    let title = lang.t(Msg::OverviewTitle);
    let body = html! {
        h1 { (title) }
        h2 { (lang.t(Msg::OpenByLevel)) }
        div.cards {
            @for (level, n) in &by_level {
                a.card href={ "/alerts?level=" (level.as_str()) } {
                    div { (level_badge(lang, *level)) }
                    div.n { (n) }
                }
            }
        }
        h2 { (lang.t(Msg::OpenByAgency)) }
        @if by_agency.is_empty() {
            p.panel { (lang.t(Msg::NoOpenAlerts)) }
        } @else {
            table {
                thead { tr { th { (lang.t(Msg::Agency)) } th.num { (lang.t(Msg::Count)) } } }
                tbody {
                    @for (agency, n) in &by_agency {
                        tr {
                            td.wrap { a href={ "/alerts?agency=" (agency.id) } { (agency.name) } }
                            td.num { (n) }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(viewer, Section::Overview, title, body))
}

/// The queue's filters, as the query string gives them (empty: any).
#[derive(Debug, Deserialize)]
struct QueueParams {
    #[serde(default)]
    level: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    agency: String,
}

/// `s` parsed, `None` when empty.
fn optional<T: std::str::FromStr>(s: &str) -> Result<Option<T>, T::Err> {
    match s.trim() {
        "" => Ok(None),
        text => text.parse().map(Some),
    }
}

/// `GET /alerts`.
async fn queue(
    State(state): State<AppState>,
    viewer: Viewer,
    params: Result<Query<QueueParams>, QueryRejection>,
) -> Response {
    let lang = viewer.lang;
    let Ok(Query(params)) = params else {
        return layout::error_page(lang, StatusCode::BAD_REQUEST);
    };
    let (Ok(level), Ok(status)) = (
        optional::<AlertLevel>(&params.level),
        optional::<AlertStatus>(&params.status),
    ) else {
        return layout::error_page(lang, StatusCode::BAD_REQUEST);
    };
    let agency = Some(params.agency.trim().to_owned()).filter(|a| !a.is_empty());
    let filter = AlertFilter {
        level,
        status,
        agency: agency.clone(),
        limit: PAGE,
        ..AlertFilter::default()
    };
    let (alerts, total) = match state.db.list_alerts(&filter, &viewer.caller.tenant()).await {
        Ok(found) => found,
        Err(e) => return failure(lang, e),
    };
    let agencies = match visible_agencies(&state, &viewer).await {
        Ok(agencies) => agencies,
        Err(page) => return page,
    };
    let title = lang.t(Msg::AlertsTitle);
    let body = html! {
        h1 { (title) }
        form.filters method="get" action="/alerts" {
            div {
                label for="level" { (lang.t(Msg::Level)) }
                select #level name="level" {
                    option value="" { (lang.t(Msg::Any)) }
                    @for l in LEVELS {
                        option value=(l.as_str()) selected[level == Some(l)] { (lang.level(l)) }
                    }
                }
            }
            div {
                label for="status" { (lang.t(Msg::Status)) }
                select #status name="status" {
                    option value="" { (lang.t(Msg::Any)) }
                    @for s in STATUSES {
                        option value=(s.as_str()) selected[status == Some(s)] { (lang.status(s)) }
                    }
                }
            }
            div {
                label for="agency" { (lang.t(Msg::Agency)) }
                select #agency name="agency" {
                    option value="" { (lang.t(Msg::Any)) }
                    @for a in &agencies {
                        option value=(a.id) selected[agency.as_deref() == Some(a.id.as_str())] { (a.name) }
                    }
                }
            }
            button type="submit" { (lang.t(Msg::Filter)) }
        }
        @if alerts.is_empty() {
            p.panel { (lang.t(Msg::NoAlerts)) }
        } @else {
            p.hint { (lang.t(Msg::Shown)) " " (alerts.len()) " / " (total) }
            (alert_table(lang, &alerts))
        }
    };
    layout::page(&viewer, Section::Alerts, title, body).into_response()
}

fn alert_table(lang: Lang, alerts: &[Alert]) -> Markup {
    html! {
        table {
            thead {
                tr {
                    th { (lang.t(Msg::Level)) }
                    th { (lang.t(Msg::Rule)) }
                    th { (lang.t(Msg::Agency)) }
                    th { (lang.t(Msg::System)) }
                    th { (lang.t(Msg::Host)) }
                    th.num { (lang.t(Msg::Count)) }
                    th { (lang.t(Msg::FirstSeen)) }
                    th { (lang.t(Msg::LastSeen)) }
                    th { (lang.t(Msg::Status)) }
                }
            }
            tbody {
                @for alert in alerts {
                    tr {
                        td { (level_badge(lang, alert.level)) }
                        td.wrap { a href={ "/alerts/" (alert.id) } { (alert.rule_title) } }
                        td.wrap { (alert.agency) }
                        td.wrap { (alert.system.as_deref().unwrap_or("")) }
                        td.wrap { (alert.host) }
                        td.num { (alert.count) }
                        td { (time(alert.first_seen)) }
                        td { (time(alert.last_seen)) }
                        td { (lang.status(alert.status)) }
                    }
                }
            }
        }
    }
}

/// `GET /alerts/{id}`.
async fn detail(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    let lang = viewer.lang;
    let tenant = viewer.caller.tenant();
    let alert = match state.db.get_alert(&id, &tenant).await {
        Ok(Some(alert)) => alert,
        Ok(None) => return layout::error_page(lang, StatusCode::NOT_FOUND),
        Err(e) => return failure(lang, e),
    };
    let comments = match state.db.alert_comments(&alert.id, &tenant).await {
        Ok(comments) => comments,
        Err(e) => return failure(lang, e),
    };
    let title = lang.t(Msg::AlertTitle);
    let next: Vec<AlertStatus> = STATUSES
        .into_iter()
        .filter(|s| alert.status.can_become(*s))
        .collect();
    let body = html! {
        p { a href="/alerts" { "← " (lang.t(Msg::Back)) } }
        h1.wrap { (level_badge(lang, alert.level)) " " (alert.rule_title) }
        div.panel {
            dl.facts {
                dt { (lang.t(Msg::Rule)) } dd { code { (alert.rule_id) } }
                dt { (lang.t(Msg::Agency)) } dd { (alert.agency) }
                dt { (lang.t(Msg::System)) } dd { (alert.system.as_deref().unwrap_or("")) }
                dt { (lang.t(Msg::Host)) } dd { (alert.host) }
                dt { (lang.t(Msg::Count)) } dd { (alert.count) }
                dt { (lang.t(Msg::FirstSeen)) } dd { (time(alert.first_seen)) " UTC" }
                dt { (lang.t(Msg::LastSeen)) } dd { (time(alert.last_seen)) " UTC" }
                dt { (lang.t(Msg::Status)) } dd { (lang.status(alert.status)) }
                dt { (lang.t(Msg::Assignee)) } dd { (alert.assignee.as_deref().unwrap_or("—")) }
            }
        }
        h2 { (lang.t(Msg::Comments)) }
        @if comments.is_empty() {
            p.hint { (lang.t(Msg::NoComments)) }
        } @else {
            ul.comments {
                @for c in &comments {
                    li {
                        span.hint { (c.author) " · " (time(c.created_at)) " UTC" }
                        br;
                        (c.body)
                    }
                }
            }
        }
        @if viewer.caller.can(Action::WorkAlert) {
            form.panel method="post" action={ "/alerts/" (alert.id) } {
                input type="hidden" name="csrf" value=(viewer.session.csrf_token);
                div.field {
                    label for="status" { (lang.t(Msg::NewStatus)) }
                    select #status name="status" {
                        option value="" { (lang.t(Msg::Unchanged)) }
                        @for s in &next {
                            option value=(s.as_str()) { (lang.status(*s)) }
                        }
                    }
                }
                div.field {
                    label for="comment" { (lang.t(Msg::AddComment)) }
                    textarea #comment name="comment" maxlength=(MAX_COMMENT) {}
                }
                button type="submit" { (lang.t(Msg::Save)) }
            }
        }
    };
    layout::page(&viewer, Section::Alerts, title, body).into_response()
}

#[derive(Debug, Deserialize)]
struct AlertForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    comment: String,
}

/// `POST /alerts/{id}`: a status change, a comment, or both; back to the alert.
async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<AlertForm>,
) -> Response {
    let lang = viewer.lang;
    if !viewer.session.csrf_matches(&form.csrf) || !viewer.caller.can(Action::WorkAlert) {
        return layout::error_page(lang, StatusCode::FORBIDDEN);
    }
    let Ok(status) = optional::<AlertStatus>(&form.status) else {
        return layout::error_page(lang, StatusCode::BAD_REQUEST);
    };
    let comment = Some(form.comment.trim().to_owned()).filter(|c| !c.is_empty());
    if comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_COMMENT)
    {
        return layout::error_page(lang, StatusCode::BAD_REQUEST);
    }
    let back = Redirect::to(&format!("/alerts/{id}")).into_response();
    if status.is_none() && comment.is_none() {
        return back;
    }
    let change = AlertUpdate {
        status,
        assignee: None,
        comment,
    };
    let updated = state
        .db
        .update_alert(&id, &viewer.caller.tenant(), &change, viewer.caller.actor())
        .await;
    match updated {
        Ok(Some(_)) => back,
        Ok(None) => layout::error_page(lang, StatusCode::NOT_FOUND),
        Err(e) => failure(lang, e),
    }
}
