//! The alert pages: `GET /alerts` (the queue, filtered by level, status, agency, rule,
//! host and time; new alerts arrive live through [`super::alert_stream`]), `POST
//! /alerts/bulk` (one change for many selected alerts), `GET /alerts/{id}` (one alert
//! with its rule, its triggering events and its comments) and `POST /alerts/{id}` (status
//! change and comment).
//!
//! Every query runs with the viewer's tenant and every change is allowed by
//! [`crate::api::access::permits`], exactly as in the API: an agency officer sees only
//! their agency, another agency's alert is the 404 page, and a bulk change skips the
//! alerts the viewer cannot see. Each alert a change touches gets its own audit record,
//! written by the state database.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;
use vigil_pipeline::rules::RuleView;
use vigil_store::db::{
    Agency, Alert, AlertCriteria, AlertLevel, AlertStatus, AlertUpdate, Error as DbError,
};
use vigil_store::events::{EventId, StoredEvent};

use super::assets::ALERTS_SCRIPT;
use super::i18n::{Lang, Msg};
use super::layout::{self, href, utc_time, Section};
use super::paging::pager;
use super::search::{around_href, instant, local_input, summary};
use super::{failure, PageQuery, Viewer};
use crate::api::access::Action;
use crate::api::events::on_store;
use crate::state::AppState;

/// Levels, most severe first.
pub(super) const LEVELS: [AlertLevel; 5] = [
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

/// The `status=` value that selects every open alert.
const OPEN: &str = "open";
/// The most alerts the queue shows at once.
const PAGE: i64 = 200;
/// The longest comment accepted, in characters (as the API).
const MAX_COMMENT: usize = 10_000;
/// The most alerts one bulk change may touch.
const MAX_BULK: usize = 500;

/// The routes of this module (`GET /` is the overview, in [`super::overview`]).
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/alerts", get(queue))
        .route("/alerts/bulk", post(bulk))
        .route("/alerts/{id}", get(detail).post(update))
}

/// The agencies the viewer may see, by name.
pub(super) async fn visible_agencies(
    state: &AppState,
    viewer: &Viewer,
) -> Result<Vec<Agency>, Response> {
    let mut agencies = state
        .db
        .list_agencies()
        .await
        .map_err(|e| failure(viewer.lang, e))?;
    agencies.retain(|a| viewer.caller.sees_agency(&a.id));
    agencies.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(agencies)
}

/// A rule's reference as a list item: a link when it is a web address, else its text.
pub(super) fn reference_item(reference: &str) -> Markup {
    html! {
        li.wrap {
            @if reference.starts_with("https://") || reference.starts_with("http://") {
                a href=(reference) rel="noreferrer noopener" { (reference) }
            } @else {
                (reference)
            }
        }
    }
}

pub(super) fn level_badge(lang: Lang, level: AlertLevel) -> Markup {
    html! { span class={ "level level-" (level.as_str()) } { (lang.level(level)) } }
}

/// The queue's filters, as the query string gives them (empty: any). The live stream
/// takes the same ones.
#[derive(Debug, Default, Deserialize)]
pub(super) struct QueueParams {
    #[serde(default)]
    level: String,
    /// A status, or `open` for every open one.
    #[serde(default)]
    status: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    system: String,
    #[serde(default)]
    host: String,
    /// Alerts seen at or after (RFC 3339 or `datetime-local`, UTC).
    #[serde(default)]
    from: String,
    /// Alerts first seen before.
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: usize,
    /// After a bulk change: how many alerts it changed, and how many it left.
    changed: Option<usize>,
    unchanged: Option<usize>,
}

impl QueueParams {
    /// The alerts these filters select; `Err` when one of them is malformed.
    pub(super) fn criteria(&self) -> Result<AlertCriteria, ()> {
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let (status, open_only) = match self.status.trim() {
            OPEN => (None, true),
            other => (optional::<AlertStatus>(other).map_err(|_| ())?, false),
        };
        Ok(AlertCriteria {
            level: optional::<AlertLevel>(&self.level).map_err(|_| ())?,
            agency: text(&self.agency),
            status,
            open_only,
            rule_id: text(&self.rule),
            system: text(&self.system),
            host: text(&self.host),
            since: instant(&self.from)?,
            until: instant(&self.to)?,
            opened_after: None,
        })
    }

    /// The filters as query-string pairs (the empty ones left out).
    pub(super) fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("level", self.level.as_str()),
            ("status", &self.status),
            ("agency", &self.agency),
            ("rule", &self.rule),
            ("system", &self.system),
            ("host", &self.host),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .collect()
    }
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
    PageQuery(params): PageQuery<QueueParams>,
) -> Response {
    let lang = viewer.lang;
    let Ok(criteria) = params.criteria() else {
        return layout::error_page(lang, StatusCode::BAD_REQUEST);
    };
    let tenant = viewer.caller.tenant();
    let offset = params.page as i64 * PAGE;
    let (alerts, total) = match state.db.find_alerts(&criteria, PAGE, offset, &tenant).await {
        Ok(found) => found,
        Err(e) => return failure(lang, e),
    };
    let latest = match state.db.latest_alert_id(&tenant).await {
        Ok(latest) => latest,
        Err(e) => return failure(lang, e),
    };
    let agencies = match visible_agencies(&state, &viewer).await {
        Ok(agencies) => agencies,
        Err(page) => return page,
    };
    let mut stream = params.pairs();
    if let Some(latest) = &latest {
        stream.push(("after", latest));
    }
    let stream = href("/alerts/stream", &stream);
    let selectable = viewer.caller.can(Action::WorkAlert);
    let pages = (total as usize).div_ceil(PAGE as usize);
    let title = lang.t(Msg::AlertsTitle);
    let body = html! {
        h1 { (title) }
        @if let (Some(changed), Some(unchanged)) = (params.changed, params.unchanged) {
            p.notice role="status" {
                (lang.t(Msg::BulkChanged)) " " (changed) ". "
                @if unchanged > 0 { (lang.t(Msg::BulkUnchanged)) " " (unchanged) "." }
            }
        }
        (filters(lang, &params, &criteria, &agencies))
        p #live-notice.notice hidden role="status" {
            span.n { "0" } " " (lang.t(Msg::NewAlerts)) " "
            a href="" { (lang.t(Msg::Reload)) }
        }
        @if alerts.is_empty() {
            p.hint { (lang.t(Msg::NoAlerts)) }
        } @else {
            p.hint { (lang.t(Msg::Shown)) " " (alerts.len()) " / " (total) }
        }
        @if selectable {
            form #bulk method="post" action="/alerts/bulk" {
                input type="hidden" name="csrf" value=(viewer.session.csrf_token);
                (bulk_controls(lang, viewer.caller.can(Action::AssignAlert)))
                (alert_table(lang, &alerts, selectable, &stream))
            }
        } @else {
            (alert_table(lang, &alerts, selectable, &stream))
        }
        (pager(lang, "/alerts", &params.pairs(), params.page, pages))
        script src=(ALERTS_SCRIPT) defer {}
    };
    layout::page(&viewer, Section::Alerts, title, body).into_response()
}

/// The queue's filter form.
fn filters(
    lang: Lang,
    params: &QueueParams,
    criteria: &AlertCriteria,
    agencies: &[Agency],
) -> Markup {
    let agency = criteria.agency.as_deref();
    html! {
        form.filters method="get" action="/alerts" {
            div {
                label for="level" { (lang.t(Msg::Level)) }
                select #level name="level" {
                    option value="" { (lang.t(Msg::Any)) }
                    @for l in LEVELS {
                        option value=(l.as_str()) selected[criteria.level == Some(l)] { (lang.level(l)) }
                    }
                }
            }
            div {
                label for="status" { (lang.t(Msg::Status)) }
                select #status name="status" {
                    option value="" { (lang.t(Msg::Any)) }
                    option value=(OPEN) selected[criteria.open_only] { (lang.t(Msg::OpenStatuses)) }
                    @for s in STATUSES {
                        option value=(s.as_str()) selected[criteria.status == Some(s)] { (lang.status(s)) }
                    }
                }
            }
            div {
                label for="agency" { (lang.t(Msg::Agency)) }
                select #agency name="agency" {
                    option value="" { (lang.t(Msg::Any)) }
                    @for a in agencies {
                        option value=(a.id) selected[agency == Some(a.id.as_str())] { (a.name) }
                    }
                }
            }
            div {
                label for="rule" { (lang.t(Msg::RuleId)) }
                input #rule name="rule" value=(params.rule);
            }
            div {
                label for="system" { (lang.t(Msg::System)) }
                input #system name="system" value=(params.system);
            }
            div {
                label for="host" { (lang.t(Msg::Host)) }
                input #host name="host" value=(params.host);
            }
            div {
                label for="from" { (lang.t(Msg::FromUtc)) }
                input #from type="datetime-local" name="from" value=(local_input(criteria.since));
            }
            div {
                label for="to" { (lang.t(Msg::ToUtc)) }
                input #to type="datetime-local" name="to" value=(local_input(criteria.until));
            }
            button type="submit" { (lang.t(Msg::Filter)) }
        }
    }
}

/// The bulk form's action, assignee and comment (the selected alerts are the table's
/// checkboxes).
fn bulk_controls(lang: Lang, may_assign: bool) -> Markup {
    html! {
        div.bulk {
            div {
                label for="bulk-action" { (lang.t(Msg::BulkAction)) }
                select #bulk-action name="action" required {
                    option value="acknowledge" { (lang.t(Msg::Acknowledge)) }
                    option value="close" { (lang.t(Msg::Close)) }
                    option value="false_positive" { (lang.t(Msg::MarkFalsePositive)) }
                    @if may_assign {
                        option value="assign" { (lang.t(Msg::AssignTo)) }
                    }
                }
            }
            @if may_assign {
                div {
                    label for="bulk-assignee" { (lang.t(Msg::Assignee)) }
                    input #bulk-assignee name="assignee";
                }
            }
            div.wide {
                label for="bulk-comment" { (lang.t(Msg::AddComment)) }
                input #bulk-comment name="comment" maxlength=(MAX_COMMENT);
            }
            button type="submit" { (lang.t(Msg::ApplyToSelected)) }
        }
    }
}

/// The queue's table; its body is where the live stream (`stream`) adds new rows.
fn alert_table(lang: Lang, alerts: &[Alert], selectable: bool, stream: &str) -> Markup {
    html! {
        table.alerts data-stream=(stream) {
            thead {
                tr {
                    @if selectable {
                        th { input #select-all type="checkbox" aria-label=(lang.t(Msg::SelectAll)); }
                    }
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
                @for alert in alerts { (alert_row(lang, alert, selectable)) }
            }
        }
    }
}

/// One row of the queue, with a checkbox for bulk changes when `selectable`.
pub(super) fn alert_row(lang: Lang, alert: &Alert, selectable: bool) -> Markup {
    html! {
        tr {
            @if selectable {
                td { input type="checkbox" name="id" value=(alert.id) aria-label=(lang.t(Msg::Select)); }
            }
            td { (level_badge(lang, alert.level)) }
            td.wrap { a href={ "/alerts/" (alert.id) } { (alert.rule_title) } }
            td.wrap { (alert.agency) }
            td.wrap { (alert.system.as_deref().unwrap_or("")) }
            td.wrap { (alert.host) }
            td.num { (alert.count) }
            td { (utc_time(alert.first_seen)) }
            td { (utc_time(alert.last_seen)) }
            td { (lang.status(alert.status)) }
        }
    }
}

/// `POST /alerts/bulk`: the fields `csrf`, `action` (`acknowledge`, `close`,
/// `false_positive`, `assign`), `assignee`, `comment`, and one `id` per selected alert.
/// Each alert is changed (and audited) on its own; alerts the viewer cannot see, or that
/// cannot move to the status, are left as they are and counted. Back to the queue.
async fn bulk(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let lang = viewer.lang;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.trim())
    };
    if !viewer.session.csrf_matches(field("csrf")) || !viewer.caller.can(Action::WorkAlert) {
        return layout::error_page(lang, StatusCode::FORBIDDEN);
    }
    let ids: Vec<&str> = fields
        .iter()
        .filter(|(name, _)| name == "id")
        .map(|(_, id)| id.as_str())
        .collect();
    let comment = Some(field("comment").to_owned()).filter(|c| !c.is_empty());
    if ids.len() > MAX_BULK
        || comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > MAX_COMMENT)
    {
        return layout::error_page(lang, StatusCode::BAD_REQUEST);
    }
    let (status, assignee) = match field("action") {
        "acknowledge" => (Some(AlertStatus::Acknowledged), None),
        "close" => (Some(AlertStatus::Closed), None),
        "false_positive" => (Some(AlertStatus::FalsePositive), None),
        "assign" if viewer.caller.can(Action::AssignAlert) => {
            let name = Some(field("assignee").to_owned()).filter(|a| !a.is_empty());
            (None, Some(name))
        }
        "assign" => return layout::error_page(lang, StatusCode::FORBIDDEN),
        _ => return layout::error_page(lang, StatusCode::BAD_REQUEST),
    };
    let change = AlertUpdate {
        status,
        assignee,
        comment,
    };
    let tenant = viewer.caller.tenant();
    let (mut changed, mut unchanged) = (0usize, 0usize);
    for id in ids {
        match state
            .db
            .update_alert(id, &tenant, &change, viewer.caller.actor())
            .await
        {
            Ok(Some(_)) => changed += 1,
            Ok(None) | Err(DbError::InvalidTransition { .. }) => unchanged += 1,
            Err(e) => return failure(lang, e),
        }
    }
    let back = href(
        "/alerts",
        &[
            ("changed", changed.to_string()),
            ("unchanged", unchanged.to_string()),
        ],
    );
    Redirect::to(&back).into_response()
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
    let events = match triggering_events(&state, &viewer, &alert).await {
        Ok(events) => events,
        Err(page) => return page,
    };
    let rule = state.rules.get(&alert.rule_id);
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
                dt { (lang.t(Msg::FirstSeen)) } dd { (utc_time(alert.first_seen)) " UTC" }
                dt { (lang.t(Msg::LastSeen)) } dd { (utc_time(alert.last_seen)) " UTC" }
                dt { (lang.t(Msg::Status)) } dd { (lang.status(alert.status)) }
                dt { (lang.t(Msg::Assignee)) } dd { (alert.assignee.as_deref().unwrap_or("—")) }
            }
            p { a href=(around_href(&alert.host, alert.first_seen, alert.last_seen)) { (lang.t(Msg::SearchAround)) } }
        }
        @if let Some(rule) = &rule { (rule_facts(lang, rule)) }
        h2 { (lang.t(Msg::TriggeringEvents)) }
        @if events.is_empty() {
            p.hint { (lang.t(Msg::NoTriggeringEvents)) }
        } @else {
            table {
                thead { tr { th { (lang.t(Msg::Time)) } th { (lang.t(Msg::Host)) } th { (lang.t(Msg::Summary)) } } }
                tbody {
                    @for event in &events {
                        tr {
                            td { a href={ "/search/event/" (event.id) } { (utc_time(event.time())) } }
                            td.wrap { (event.host.as_deref().unwrap_or("")) }
                            td.wrap { (summary(event)) }
                        }
                    }
                }
            }
        }
        h2 { (lang.t(Msg::Comments)) }
        @if comments.is_empty() {
            p.hint { (lang.t(Msg::NoComments)) }
        } @else {
            ul.comments {
                @for c in &comments {
                    li {
                        span.hint { (c.author) " · " (utc_time(c.created_at)) " UTC" }
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

/// What the rule catalogue says about an alert's rule: description, guidance,
/// references (linked only when they are web addresses) and ATT&CK tags.
fn rule_facts(lang: Lang, rule: &RuleView) -> Markup {
    let rule = &rule.rule;
    let attack: Vec<&str> = rule
        .tags
        .iter()
        .filter_map(|t| t.strip_prefix("attack."))
        .collect();
    html! {
        h2 { (lang.t(Msg::AboutRule)) }
        div.panel {
            dl.facts {
                @if let Some(title) = &rule.title_vi {
                    dt { (lang.t(Msg::VietnameseTitle)) } dd { (title) }
                }
                @if let Some(description) = &rule.description {
                    dt { (lang.t(Msg::RuleDescription)) } dd { (description) }
                }
                @if let Some(guidance) = &rule.guidance_vi {
                    dt { (lang.t(Msg::RuleGuidance)) } dd.prose { (guidance) }
                }
                @if !attack.is_empty() {
                    dt { "ATT&CK" } dd { @for tag in &attack { code { (tag) } " " } }
                }
                @if !rule.references.is_empty() {
                    dt { (lang.t(Msg::RuleReferences)) }
                    dd {
                        ul.plain {
                            @for reference in &rule.references { (reference_item(reference)) }
                        }
                    }
                }
            }
        }
    }
}

/// The alert's sample events that the event store still holds (within the tenant).
async fn triggering_events(
    state: &AppState,
    viewer: &Viewer,
    alert: &Alert,
) -> Result<Vec<StoredEvent>, Response> {
    let ids: Vec<EventId> = alert
        .sample_event_ids
        .iter()
        .filter_map(|id| id.parse().ok())
        .collect();
    let tenant = viewer.caller.tenant_agency();
    on_store(state, move |store| {
        let mut events = Vec::with_capacity(ids.len());
        for id in ids {
            events.extend(store.get(id, tenant.as_deref())?);
        }
        Ok(events)
    })
    .await
    .map_err(|e| failure(viewer.lang, e))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn params(status: &str, from: &str) -> QueueParams {
        QueueParams {
            status: status.into(),
            from: from.into(),
            rule: " r1 ".into(),
            ..QueueParams::default()
        }
    }

    #[test]
    fn queue_filters_become_criteria() {
        let open = params("open", "").criteria().unwrap();
        assert!(open.open_only && open.status.is_none());
        assert_eq!(open.rule_id.as_deref(), Some("r1"));
        let closed = params("closed", "2026-11-20T08:00").criteria().unwrap();
        assert_eq!(closed.status, Some(AlertStatus::Closed));
        assert_eq!(
            closed.since.unwrap().to_rfc3339(),
            "2026-11-20T08:00:00+00:00"
        );
        assert!(params("shut", "").criteria().is_err());
        assert!(params("", "soon").criteria().is_err());
        let open = params("open", "");
        assert_eq!(open.pairs(), [("status", "open"), ("rule", " r1 ")]);
    }
}
