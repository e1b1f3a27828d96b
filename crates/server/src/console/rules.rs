//! The rule pages: `GET /rules` (the loaded rules with their alert counts, filtered by
//! level, status and text, a page at a time) and `GET /rules/{id}` (one rule: its
//! description, references, ATT&CK tags and YAML source, its exceptions, and a backtest
//! over stored events at `GET /rules/{id}/backtest`).
//!
//! Changes go through the same calls as `/api/v1/rules` ([`crate::api::rules`]): the
//! database audits them, the pipeline reloads, and only roles that may tune rules see
//! the forms. A backtest runs the rule the pipeline runs ([`vigil_pipeline::backtest`])
//! over the viewer's tenant only.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{Duration, Utc};
use maud::{html, Markup};
use serde::Deserialize;
use vigil_pipeline::backtest::{backtest_stored, Backtest, BacktestError};
use vigil_pipeline::rules::RuleView;
use vigil_store::db::{Agency, AlertLevel, MatchKind, RuleException};
use vigil_store::events::TimeRange;

use super::alerts::{level_badge, reference_item};
use super::change::{Change, TokenOnly};
use super::i18n::{Lang, Msg};
use super::layout::{self, utc_time, Section};
use super::notice::Notice;
use super::paging::pager;
use super::{failure, PageQuery, Viewer};
use crate::api::access::Action;
use crate::api::rules::{
    drop_exception, except, overrides, rule_view, switch_rule, visible_exceptions, ExceptionBody,
};
use crate::state::AppState;

/// Rules per page of the list.
const PAGE: usize = 50;
/// The most stored events one backtest reads.
const BACKTEST_CAP: usize = 100_000;
/// The most matching events a backtest shows.
const BACKTEST_SHOWN: usize = 50;
/// The longest part of an event's original text shown in a backtest.
const RAW_SHOWN: usize = 400;

/// Levels, most severe first, as rule files spell them.
const LEVELS: [AlertLevel; 5] = [
    AlertLevel::Critical,
    AlertLevel::High,
    AlertLevel::Medium,
    AlertLevel::Low,
    AlertLevel::Informational,
];

const MATCH_KINDS: [MatchKind; 4] = [
    MatchKind::Equals,
    MatchKind::Wildcard,
    MatchKind::Regex,
    MatchKind::Cidr,
];

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/rules", get(list))
        .route("/rules/{id}", get(detail))
        .route("/rules/{id}/enabled", post(set_enabled))
        .route("/rules/{id}/exceptions", post(add_exception))
        .route(
            "/rules/{id}/exceptions/{exception_id}/delete",
            post(delete_exception),
        )
        .route("/rules/{id}/backtest", get(backtest))
}

/// A rule id as one path segment: everything but unreserved characters percent-encoded
/// (ids of rules known by their file path contain `/`).
fn rule_href(id: &str) -> String {
    let mut href = String::from("/rules/");
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            href.push(byte as char);
        } else {
            href.push_str(&format!("%{byte:02X}"));
        }
    }
    href
}

/// A rule's level as a badge; a level no alert can have is shown as written.
fn rule_level_badge(lang: Lang, level: &str) -> Markup {
    match level.parse::<AlertLevel>() {
        Ok(known) => level_badge(lang, known),
        Err(_) => html! { span.level.level-informational { (level) } },
    }
}

/// The title in the page's language, when the rule has one in Vietnamese.
fn title_of(lang: Lang, view: &RuleView) -> String {
    match (lang, &view.rule.title_vi) {
        (Lang::Vi, Some(vi)) => vi.clone(),
        _ => view.rule.title.clone(),
    }
}

/// The list's filters, as the query string gives them (empty: any).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListParams {
    q: String,
    level: String,
    status: String,
    page: usize,
}

impl ListParams {
    fn keeps(&self, view: &RuleView) -> bool {
        let needle = self.q.trim().to_lowercase();
        let text_matches = needle.is_empty()
            || [
                Some(&view.rule.title),
                view.rule.title_vi.as_ref(),
                Some(&view.rule.id),
            ]
            .into_iter()
            .flatten()
            .any(|t| t.to_lowercase().contains(&needle));
        let level = self.level.trim();
        let status = self.status.trim();
        text_matches
            && (level.is_empty() || view.rule.level == level)
            && (status.is_empty() || view.rule.status.as_deref() == Some(status))
    }

    fn filters(&self) -> [(&str, &str); 3] {
        [
            ("q", &self.q),
            ("level", &self.level),
            ("status", &self.status),
        ]
    }
}

/// `GET /rules`.
async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(params): PageQuery<ListParams>,
) -> Response {
    let lang = viewer.lang;
    let (flags, alerts, exceptions) = match tallies(&state, &viewer).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let all: Vec<RuleView> = state
        .rules
        .list()
        .into_iter()
        .map(|mut view| {
            if let Some(enabled) = flags.get(&view.rule.id) {
                view.rule.enabled = *enabled;
            }
            view
        })
        .collect();
    let mut statuses: Vec<String> = all.iter().filter_map(|v| v.rule.status.clone()).collect();
    statuses.sort();
    statuses.dedup();
    let alerts_of = |id: &str| alerts.get(id).copied().unwrap_or(0);
    let mut matching: Vec<RuleView> = all.into_iter().filter(|v| params.keeps(v)).collect();
    matching.sort_by(|a, b| {
        alerts_of(&b.rule.id)
            .cmp(&alerts_of(&a.rule.id))
            .then_with(|| a.rule.title.cmp(&b.rule.title))
    });
    let total = matching.len();
    let pages = total.div_ceil(PAGE).max(1);
    let page = params.page.min(pages - 1);
    let shown = &matching[(page * PAGE).min(total)..((page + 1) * PAGE).min(total)];
    let title = lang.t(Msg::RulesTitle);
    let body = html! {
        h1 { (title) }
        form.filters method="get" action="/rules" {
            div {
                label for="q" { (lang.t(Msg::RuleSearch)) }
                input #q name="q" value=(params.q);
            }
            div {
                label for="level" { (lang.t(Msg::Level)) }
                select #level name="level" {
                    option value="" { (lang.t(Msg::Any)) }
                    @for l in LEVELS {
                        option value=(l.as_str()) selected[params.level == l.as_str()] { (lang.level(l)) }
                    }
                }
            }
            div {
                label for="status" { (lang.t(Msg::RuleStatus)) }
                select #status name="status" {
                    option value="" { (lang.t(Msg::Any)) }
                    @for s in &statuses {
                        option value=(s) selected[params.status == *s] { (s) }
                    }
                }
            }
            button type="submit" { (lang.t(Msg::Filter)) }
        }
        @if shown.is_empty() {
            p.panel { (lang.t(Msg::NoRules)) }
        } @else {
            p.hint { (lang.t(Msg::Shown)) " " (page * PAGE + 1) "–" (page * PAGE + shown.len()) " / " (total) }
            table {
                thead {
                    tr {
                        th { (lang.t(Msg::Level)) }
                        th { (lang.t(Msg::Rule)) }
                        th { (lang.t(Msg::RuleStatus)) }
                        th { (lang.t(Msg::RuleState)) }
                        th.num { (lang.t(Msg::RuleAlerts)) }
                        th.num { (lang.t(Msg::RuleExceptions)) }
                    }
                }
                tbody {
                    @for view in shown {
                        tr {
                            td { (rule_level_badge(lang, &view.rule.level)) }
                            td.wrap { a href=(rule_href(&view.rule.id)) { (title_of(lang, view)) } }
                            td { (view.rule.status.as_deref().unwrap_or("")) }
                            td { (enabled_label(lang, view.rule.enabled)) }
                            td.num { (alerts_of(&view.rule.id)) }
                            td.num { (exceptions.get(&view.rule.id).copied().unwrap_or(0)) }
                        }
                    }
                }
            }
            (pager(lang, "/rules", &params.filters(), page, pages))
        }
    };
    layout::page(&viewer, Section::Rules, title, body).into_response()
}

fn enabled_label(lang: Lang, enabled: bool) -> &'static str {
    lang.t(if enabled {
        Msg::RuleEnabled
    } else {
        Msg::RuleDisabled
    })
}

/// The enabled flags set in the database, the viewer's alerts per rule, and the
/// exceptions the viewer can see per rule.
async fn tallies(
    state: &AppState,
    viewer: &Viewer,
) -> Result<
    (
        HashMap<String, bool>,
        HashMap<String, i64>,
        HashMap<String, usize>,
    ),
    Response,
> {
    let lang = viewer.lang;
    let flags = overrides(state).await.map_err(|e| failure(lang, e))?;
    let alerts = state
        .db
        .alert_counts_by_rule(&viewer.caller.tenant())
        .await
        .map_err(|e| failure(lang, e))?;
    let mut exceptions: HashMap<String, usize> = HashMap::new();
    for e in visible_exceptions(state, &viewer.caller, None)
        .await
        .map_err(|e| failure(lang, e))?
    {
        *exceptions.entry(e.rule_id).or_default() += 1;
    }
    Ok((flags, alerts, exceptions))
}

/// `GET /rules/{id}`.
async fn detail(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    rule_page(&state, &viewer, &id, None, None).await
}

/// The page of rule `id`, with a notice after a change and a backtest's results.
async fn rule_page(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    notice: Option<Notice>,
    backtest: Option<(&str, Backtest)>,
) -> Response {
    let lang = viewer.lang;
    let view = match rule_view(state, id).await {
        Ok(view) => view,
        Err(e) => return failure(lang, e),
    };
    let (exceptions, alerts, agencies) = match rule_context(state, viewer, id).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let agency_name = |agency_id: &str| {
        agencies
            .iter()
            .find(|a| a.id == agency_id)
            .map_or(agency_id.to_owned(), |a| a.name.clone())
    };
    let tunes = viewer.caller.can(Action::TuneRules);
    let href = rule_href(&view.rule.id);
    let rule = &view.rule;
    let source = state.rules.source_of(&rule.id);
    let attack: Vec<&String> = rule
        .tags
        .iter()
        .filter(|t| t.starts_with("attack."))
        .collect();
    let other_tags: Vec<&String> = rule
        .tags
        .iter()
        .filter(|t| !t.starts_with("attack."))
        .collect();
    let title = title_of(lang, &view);
    let body = html! {
        p { a href="/rules" { "← " (lang.t(Msg::Back)) } }
        h1.wrap { (rule_level_badge(lang, &rule.level)) " " (title) }
        @if let Some(notice) = &notice { (notice.show(lang)) }
        div.panel {
            dl.facts {
                dt { "ID" } dd { code { (rule.id) } }
                @if lang == Lang::Vi && rule.title_vi.is_some() {
                    dt { (lang.t(Msg::RuleOriginalTitle)) } dd { (rule.title) }
                }
                dt { (lang.t(Msg::RuleStatus)) } dd { (rule.status.as_deref().unwrap_or("—")) }
                dt { (lang.t(Msg::RuleKind)) } dd { (rule.kind) }
                dt { (lang.t(Msg::RuleAuthor)) } dd { (rule.author.as_deref().unwrap_or("—")) }
                dt { (lang.t(Msg::RuleOrigin)) } dd { code { (rule.origin) } }
                dt { (lang.t(Msg::RuleState)) } dd { (enabled_label(lang, rule.enabled)) }
                dt { (lang.t(Msg::RuleAlerts)) } dd { (alerts) }
                dt { (lang.t(Msg::RuleHitsSinceStart)) } dd { (view.hits) }
            }
        }
        @if tunes {
            form.inline method="post" action={ (href) "/enabled" } {
                input type="hidden" name="csrf" value=(viewer.session.csrf_token);
                @if rule.enabled {
                    input type="hidden" name="enabled" value="false";
                    button.danger type="submit" { (lang.t(Msg::DisableRule)) }
                } @else {
                    input type="hidden" name="enabled" value="true";
                    button type="submit" { (lang.t(Msg::EnableRule)) }
                }
            }
        }
        @if let Some(description) = &rule.description {
            h2 { (lang.t(Msg::RuleDescription)) }
            p.panel.prose { (description) }
        }
        @if let Some(guidance) = &rule.guidance_vi {
            h2 { (lang.t(Msg::RuleGuidance)) }
            p.panel.prose lang="vi" { (guidance) }
        }
        @if !attack.is_empty() {
            h2 { "MITRE ATT&CK" }
            ul.tags { @for tag in &attack { li { code { (tag) } } } }
        }
        @if !other_tags.is_empty() {
            h2 { (lang.t(Msg::RuleTags)) }
            ul.tags { @for tag in &other_tags { li { code { (tag) } } } }
        }
        @if !rule.falsepositives.is_empty() {
            h2 { (lang.t(Msg::RuleFalsePositives)) }
            ul { @for fp in &rule.falsepositives { li.wrap { (fp) } } }
        }
        @if !rule.references.is_empty() {
            h2 { (lang.t(Msg::RuleReferences)) }
            ul { @for reference in &rule.references { (reference_item(reference)) } }
        }
        h2 { (lang.t(Msg::RuleExceptions)) }
        @if exceptions.is_empty() {
            p.hint { (lang.t(Msg::NoExceptions)) }
        } @else {
            table {
                thead {
                    tr {
                        th { (lang.t(Msg::ExceptionField)) }
                        th { (lang.t(Msg::ExceptionMatch)) }
                        th { (lang.t(Msg::ExceptionValue)) }
                        th { (lang.t(Msg::Agency)) }
                        th { (lang.t(Msg::ExceptionComment)) }
                        th { (lang.t(Msg::ExceptionAuthor)) }
                        @if tunes { th {} }
                    }
                }
                tbody {
                    @for e in &exceptions {
                        tr {
                            td.wrap { code { (e.field) } }
                            td { (e.match_kind.as_str()) }
                            td.wrap { code { (e.pattern) } }
                            td.wrap {
                                @match &e.agency_id {
                                    Some(agency) => (agency_name(agency)),
                                    None => (lang.t(Msg::EveryAgency)),
                                }
                            }
                            td.wrap { (e.comment.as_deref().unwrap_or("")) }
                            td.wrap { (e.created_by) }
                            @if tunes {
                                td {
                                    form.inline method="post" action={ (href) "/exceptions/" (e.id) "/delete" } {
                                        input type="hidden" name="csrf" value=(viewer.session.csrf_token);
                                        button.danger type="submit" { (lang.t(Msg::DeleteException)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if tunes {
            (exception_form(viewer, &href, &agencies))
        }
        h2 { (lang.t(Msg::Backtest)) }
        @if rule.kind == "detection" {
            form.filters method="get" action={ (href) "/backtest" } {
                div {
                    label for="range" { (lang.t(Msg::BacktestRange)) }
                    select #range name="range" {
                        @for (value, msg, _) in BACKTEST_RANGES {
                            option value=(value) selected[backtest.as_ref().is_some_and(|(r, _)| *r == value)] { (lang.t(msg)) }
                        }
                    }
                }
                button type="submit" { (lang.t(Msg::RunBacktest)) }
            }
            p.hint { (lang.t(Msg::BacktestHint)) " " (BACKTEST_CAP) "." }
            @if let Some((_, found)) = &backtest {
                (backtest_results(lang, found, &agency_name))
            }
        } @else {
            p.hint { (lang.t(Msg::BacktestCorrelation)) }
        }
        @if let Some(source) = &source {
            h2 { (lang.t(Msg::RuleSource)) }
            pre.source { (source) }
        }
    };
    let status = notice.as_ref().map_or(StatusCode::OK, Notice::status);
    (status, layout::page(viewer, Section::Rules, &title, body)).into_response()
}

/// The rule's exceptions the viewer can see, its alerts in the viewer's tenant, and the
/// agencies the viewer can see (for names and the exception form).
async fn rule_context(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
) -> Result<(Vec<RuleException>, i64, Vec<Agency>), Response> {
    let lang = viewer.lang;
    let exceptions = visible_exceptions(state, &viewer.caller, Some(id))
        .await
        .map_err(|e| failure(lang, e))?;
    let alerts = state
        .db
        .alert_counts_by_rule(&viewer.caller.tenant())
        .await
        .map_err(|e| failure(lang, e))?
        .get(id)
        .copied()
        .unwrap_or(0);
    let mut agencies = state
        .db
        .list_agencies()
        .await
        .map_err(|e| failure(lang, e))?;
    agencies.retain(|a| viewer.caller.sees_agency(&a.id));
    agencies.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((exceptions, alerts, agencies))
}

fn exception_form(viewer: &Viewer, href: &str, agencies: &[Agency]) -> Markup {
    let lang = viewer.lang;
    html! {
        form.panel method="post" action={ (href) "/exceptions" } {
            h3 { (lang.t(Msg::AddException)) }
            input type="hidden" name="csrf" value=(viewer.session.csrf_token);
            div.row {
                div.field {
                    label for="field" { (lang.t(Msg::ExceptionField)) }
                    input #field name="field" required placeholder="CommandLine";
                }
                div.field {
                    label for="match" { (lang.t(Msg::ExceptionMatch)) }
                    select #match name="match" {
                        @for kind in MATCH_KINDS {
                            option value=(kind.as_str()) { (kind.as_str()) }
                        }
                    }
                }
                div.field {
                    label for="pattern" { (lang.t(Msg::ExceptionValue)) }
                    input #pattern name="pattern" required;
                }
                div.field {
                    label for="agency" { (lang.t(Msg::Agency)) }
                    select #agency name="agency" {
                        option value="" { (lang.t(Msg::EveryAgency)) }
                        @for a in agencies {
                            option value=(a.id) { (a.name) }
                        }
                    }
                }
            }
            div.field {
                label for="comment" { (lang.t(Msg::ExceptionComment)) }
                input #comment name="comment" maxlength="1000";
            }
            button type="submit" { (lang.t(Msg::AddException)) }
        }
    }
}

/// The ranges a backtest can cover: query value, label, hours back from now (`None`:
/// every stored event, for evidence imported with old dates).
const BACKTEST_RANGES: [(&str, Msg, Option<i64>); 4] = [
    ("24h", Msg::Last24Hours, Some(24)),
    ("7d", Msg::Last7Days, Some(7 * 24)),
    ("30d", Msg::Last30Days, Some(30 * 24)),
    ("all", Msg::AllStoredEvents, None),
];

fn backtest_results(lang: Lang, found: &Backtest, agency_name: &dyn Fn(&str) -> String) -> Markup {
    html! {
        div.panel {
            p.backtest-count {
                (lang.t(Msg::BacktestScanned)) " " (found.scanned) " · "
                (lang.t(Msg::BacktestMatched)) " " strong { (found.matched) }
                @if found.suppressed > 0 {
                    " · " (lang.t(Msg::BacktestSuppressed)) " " (found.suppressed)
                }
            }
            @if found.capped {
                p.hint { (lang.t(Msg::BacktestCapped)) }
            }
        }
        @if !found.samples.is_empty() {
            table {
                thead {
                    tr {
                        th { (lang.t(Msg::BacktestEventTime)) }
                        th { (lang.t(Msg::Agency)) }
                        th { (lang.t(Msg::Host)) }
                        th { (lang.t(Msg::BacktestEventText)) }
                    }
                }
                tbody {
                    @for m in &found.samples {
                        tr {
                            td { (utc_time(m.event.time())) }
                            td.wrap { (agency_name(&m.event.agency)) }
                            td.wrap { (m.event.host.as_deref().unwrap_or("")) }
                            td.wrap {
                                code { (m.event.raw.chars().take(RAW_SHOWN).collect::<String>()) }
                                @if m.suppressed {
                                    " " span.hint { "(" (lang.t(Msg::SilencedByException)) ")" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct BacktestParams {
    range: String,
}

/// `GET /rules/{id}/backtest?range=24h|7d|30d`.
async fn backtest(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    params: Result<Query<BacktestParams>, QueryRejection>,
) -> Response {
    let lang = viewer.lang;
    let chosen = params.map(|Query(p)| p.range).unwrap_or_default();
    let Some(&(range, _, hours)) = BACKTEST_RANGES.iter().find(|(r, _, _)| *r == chosen) else {
        return layout::error_page(lang, StatusCode::BAD_REQUEST);
    };
    if let Err(e) = rule_view(&state, &id).await {
        return failure(lang, e);
    }
    let Some(rules) = state.rules.in_use() else {
        return layout::error_page(lang, StatusCode::SERVICE_UNAVAILABLE);
    };
    let store = state.events.clone();
    let tenant = viewer.caller.tenant_agency();
    let rule_id = id.clone();
    let run = tokio::task::spawn_blocking(move || {
        let since = hours.map_or(TimeRange::ALL, |h| {
            TimeRange::since(Utc::now() - Duration::hours(h))
        });
        backtest_stored(
            &rules,
            &rule_id,
            store.as_ref(),
            since,
            tenant.as_deref(),
            BACKTEST_CAP,
            BACKTEST_SHOWN,
        )
    })
    .await;
    match run {
        Ok(Ok(found)) => rule_page(&state, &viewer, &id, None, Some((range, found))).await,
        Ok(Err(BacktestError::UnknownRule(_))) => layout::error_page(lang, StatusCode::NOT_FOUND),
        Ok(Err(BacktestError::Store(e))) => failure(lang, e),
        Err(e) => failure(lang, crate::api::error::ApiError::internal(e)),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EnabledForm {
    enabled: String,
}

/// `POST /rules/{id}/enabled`: enables or disables the rule; back to its page.
async fn set_enabled(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Change { viewer, form }: Change<EnabledForm>,
) -> Response {
    let lang = viewer.lang;
    let Ok(enabled) = form.enabled.parse::<bool>() else {
        return layout::error_page(lang, StatusCode::BAD_REQUEST);
    };
    match switch_rule(&state, &viewer.caller, &id, enabled).await {
        Ok(()) => Redirect::to(&rule_href(&id)).into_response(),
        Err(e) => failure(lang, e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ExceptionForm {
    field: String,
    #[serde(rename = "match")]
    match_kind: String,
    pattern: String,
    agency: String,
    comment: String,
}

/// `POST /rules/{id}/exceptions`: adds an exception, or shows why it was refused.
async fn add_exception(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Change { viewer, form }: Change<ExceptionForm>,
) -> Response {
    let lang = viewer.lang;
    let body = ExceptionBody {
        field: form.field,
        match_kind: form.match_kind,
        pattern: form.pattern,
        agency: Some(form.agency).filter(|a| !a.is_empty()),
        comment: Some(form.comment),
    };
    let notice = match except(&state, &viewer.caller, &id, body).await {
        Ok(_) => Notice::Done(Msg::ExceptionAdded),
        Err(e) => match Notice::refusal(e) {
            Ok(refused) => refused,
            Err(e) => return failure(lang, e),
        },
    };
    rule_page(&state, &viewer, &id, Some(notice), None).await
}

/// `POST /rules/{id}/exceptions/{exception_id}/delete`.
async fn delete_exception(
    State(state): State<AppState>,
    Path((id, exception_id)): Path<(String, String)>,
    Change { viewer, .. }: Change<TokenOnly>,
) -> Response {
    let lang = viewer.lang;
    match drop_exception(&state, &viewer.caller, &id, &exception_id).await {
        Ok(()) => {
            rule_page(
                &state,
                &viewer,
                &id,
                Some(Notice::Done(Msg::ExceptionDeleted)),
                None,
            )
            .await
        }
        Err(e) => failure(lang, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_become_one_path_segment() {
        assert_eq!(rule_href("abc-123"), "/rules/abc-123");
        assert_eq!(rule_href("rules/a b.yml"), "/rules/rules%2Fa%20b.yml");
        assert_eq!(rule_href("\"><x"), "/rules/%22%3E%3Cx");
    }
}
