//! Event search: `GET /search` (query, time window, chosen columns, a histogram of the
//! matches drawn as SVG, pages of results), `GET /search/event/{id}` (one event: its
//! fields as JSON and its original text) and `GET /search/export.csv` (the matches as a
//! spreadsheet-safe CSV file).
//!
//! The query language is the API's (`crates/store/QUERY.md`), and every event-store call
//! carries the viewer's tenant, so an agency officer finds only their agency's events
//! whatever they type; another agency's event is the 404 page.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use maud::{html, Markup};
use serde::Deserialize;
use vigil_event::defuse_formula;
use vigil_store::events::query::Value as QueryValue;
use vigil_store::events::{EventId, Query, StoredEvent, TimeRange};

use super::charts::{self, Column};
use super::choice::{choose, Choice};
use super::i18n::{Lang, Msg};
use super::layout::{self, href, utc_time, Section};
use super::paging::pager;
use super::{failure, PageQuery, Viewer};
use crate::api::events::on_store;
use crate::state::AppState;

/// Events per page of results.
const PAGE: usize = 50;
/// The most events one CSV export holds (the store's cap on one page).
const MAX_EXPORT: usize = 10_000;
/// The most columns a table may have.
const MAX_COLUMNS: usize = 20;
/// The most columns a histogram may have.
const MAX_BUCKETS: i64 = 200;
/// How much of an event a summary shows, in characters.
const SUMMARY_CHARS: usize = 300;
/// How far around an event "search around" looks, each way.
pub(super) const AROUND: TimeDelta = TimeDelta::minutes(15);
/// The columns shown when none are chosen.
const DEFAULT_COLUMNS: &str = "time,agency,host,source,summary";
/// The time-window presets (`range=`) and their lengths; the third is the default.
const PRESETS: [Choice<TimeDelta>; 5] = [
    Choice {
        value: "15m",
        name: Msg::Last15Minutes,
        sets: TimeDelta::minutes(15),
    },
    Choice {
        value: "1h",
        name: Msg::LastHour,
        sets: TimeDelta::hours(1),
    },
    Choice {
        value: "24h",
        name: Msg::Last24Hours,
        sets: TimeDelta::hours(24),
    },
    Choice {
        value: "7d",
        name: Msg::Last7Days,
        sets: TimeDelta::days(7),
    },
    Choice {
        value: "30d",
        name: Msg::Last30Days,
        sets: TimeDelta::days(30),
    },
];
const DEFAULT_PRESET: &Choice<TimeDelta> = &PRESETS[2];

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/search", get(search))
        .route("/search/export.csv", get(export))
        .route("/search/event/{id}", get(event))
}

/// The search form, as the query string gives it (empty: the default).
#[derive(Debug, Clone, Default, Deserialize)]
struct SearchParams {
    #[serde(default)]
    q: String,
    /// A preset window (`15m` … `30d`); ignored when `from` or `to` is given.
    #[serde(default)]
    range: String,
    /// RFC 3339, or `YYYY-MM-DDTHH:MM[:SS]` in UTC (a `datetime-local` input).
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// Comma-separated column names.
    #[serde(default)]
    columns: String,
    /// The page of results, counted from 0.
    #[serde(default)]
    page: usize,
}

impl SearchParams {
    /// The query-string pairs that reproduce this search (its first page).
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("q", self.q.as_str()),
            ("range", &self.range),
            ("from", &self.from),
            ("to", &self.to),
            ("columns", &self.columns),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect()
    }

    /// The time window: `from`/`to` when either is given (an open end is now or the
    /// window's preset length before `to`), else the chosen or default preset up to now.
    fn window(&self, now: DateTime<Utc>) -> Result<TimeRange, ()> {
        let from = instant(&self.from)?;
        let to = instant(&self.to)?;
        let preset = choose(&PRESETS, &self.range, DEFAULT_PRESET)
            .ok_or(())?
            .sets;
        let range = match (from, to) {
            (None, None) => TimeRange::between(now - preset, now),
            (from, to) => {
                let to = to.unwrap_or(now);
                TimeRange::between(from.unwrap_or(to - preset), to)
            }
        };
        if range.from > range.to {
            return Err(());
        }
        Ok(range)
    }
}

/// A time as typed: RFC 3339, or a `datetime-local` value read as UTC; empty is `None`.
pub(super) fn instant(text: &str) -> Result<Option<DateTime<Utc>>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(t.to_utc()));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|t| Some(t.and_utc()))
        .ok_or(())
}

/// The value of a `datetime-local` input for `t` (UTC, to the minute).
pub(super) fn local_input(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

/// A column of the result table.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ColumnKind {
    Time,
    Agency,
    System,
    Host,
    Source,
    Received,
    Id,
    Raw,
    Summary,
    /// An event field by its exact name.
    Field(String),
}

impl ColumnKind {
    fn parse(name: &str) -> ColumnKind {
        match name {
            "time" | "@timestamp" => ColumnKind::Time,
            "agency" => ColumnKind::Agency,
            "system" => ColumnKind::System,
            "host" => ColumnKind::Host,
            "source" => ColumnKind::Source,
            "received_at" => ColumnKind::Received,
            "id" => ColumnKind::Id,
            "raw" => ColumnKind::Raw,
            "summary" => ColumnKind::Summary,
            field => ColumnKind::Field(field.to_owned()),
        }
    }

    /// The heading of the column (event fields by their own name).
    fn heading(&self, lang: Lang) -> String {
        let msg = match self {
            ColumnKind::Time => Msg::Time,
            ColumnKind::Agency => Msg::Agency,
            ColumnKind::System => Msg::System,
            ColumnKind::Host => Msg::Host,
            ColumnKind::Source => Msg::Source,
            ColumnKind::Received => Msg::ReceivedAt,
            ColumnKind::Id => Msg::EventId,
            ColumnKind::Raw => Msg::RawText,
            ColumnKind::Summary => Msg::Summary,
            ColumnKind::Field(name) => return name.clone(),
        };
        lang.t(msg).to_owned()
    }

    /// The column's text for `event`; agencies by name when known.
    fn cell(&self, event: &StoredEvent, agency_names: &HashMap<String, String>) -> String {
        match self {
            ColumnKind::Time => utc_time(event.time()),
            ColumnKind::Agency => agency_names
                .get(&event.agency)
                .unwrap_or(&event.agency)
                .clone(),
            ColumnKind::System => event.system.clone(),
            ColumnKind::Host => event.host.clone().unwrap_or_default(),
            ColumnKind::Source => event.source.clone(),
            ColumnKind::Received => utc_time(event.received_at),
            ColumnKind::Id => event.id.to_string(),
            ColumnKind::Raw => event.raw.clone(),
            ColumnKind::Summary => summary(event),
            ColumnKind::Field(name) => event
                .event
                .get(name)
                .map(ToString::to_string)
                .unwrap_or_default(),
        }
    }
}

/// The chosen columns (the defaults when none), without repeats, at most
/// [`MAX_COLUMNS`].
fn chosen_columns(text: &str) -> Vec<ColumnKind> {
    let text = if text.trim().is_empty() {
        DEFAULT_COLUMNS
    } else {
        text
    };
    let mut columns: Vec<ColumnKind> = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let column = ColumnKind::parse(name);
        if !columns.contains(&column) && columns.len() < MAX_COLUMNS {
            columns.push(column);
        }
    }
    columns
}

/// Fields a summary leaves out: the table's own columns say them already.
const NOT_SUMMARISED: [&str; 4] = ["@timestamp", "agency", "host", "host.name"];

/// A one-line summary of an event: its `message` first when it has one, then the other
/// fields as `name=value` (without [`NOT_SUMMARISED`] and `logsource.*`), cut to
/// [`SUMMARY_CHARS`].
pub(super) fn summary(event: &StoredEvent) -> String {
    let message = event.event.get_str("message").unwrap_or_default();
    let fields = event.event.fields().filter(|(name, _)| {
        *name != "message" && !NOT_SUMMARISED.contains(name) && !name.starts_with("logsource.")
    });
    let mut text = message.to_owned();
    for (name, value) in fields {
        let value = value.to_string();
        if value.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(name);
        text.push('=');
        text.push_str(&value);
        if text.chars().count() > SUMMARY_CHARS {
            break;
        }
    }
    if text.chars().count() > SUMMARY_CHARS {
        return text.chars().take(SUMMARY_CHARS - 1).chain(['…']).collect();
    }
    text
}

/// `value` as a phrase of the query language (quoted, `"` and `\` escaped), so log text
/// put into a query is only ever a value.
fn phrase(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The query for events whose `field` is `value`, whole (no text is parsed).
pub(super) fn field_is(field: &str, value: &str) -> Query {
    Query::Match {
        field: Some(field.to_owned()),
        value: QueryValue::Phrase(value.to_owned()),
    }
}

/// The search for events of `host` from [`AROUND`] before `from` to [`AROUND`] after
/// `to`.
pub(super) fn around_href(host: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    href(
        "/search",
        &[
            ("q", format!("host:{}", phrase(host))),
            ("from", (from - AROUND).to_rfc3339()),
            ("to", (to + AROUND).to_rfc3339()),
        ],
    )
}

/// The histogram bucket for a window: the smallest usual one that keeps the chart
/// within [`MAX_BUCKETS`] columns, or whole days beyond them.
fn bucket_for(span: TimeDelta) -> TimeDelta {
    [
        TimeDelta::minutes(1),
        TimeDelta::minutes(5),
        TimeDelta::minutes(15),
        TimeDelta::hours(1),
        TimeDelta::hours(6),
        TimeDelta::days(1),
    ]
    .into_iter()
    .find(|bucket| span.num_seconds() / bucket.num_seconds() <= MAX_BUCKETS)
    .unwrap_or_else(|| TimeDelta::days(span.num_days() / MAX_BUCKETS + 1))
}

/// Agency names by id, for display.
async fn agency_names(state: &AppState, lang: Lang) -> Result<HashMap<String, String>, Response> {
    let agencies = state
        .db
        .list_agencies()
        .await
        .map_err(|e| failure(lang, e))?;
    Ok(agencies.into_iter().map(|a| (a.id, a.name)).collect())
}

/// What a search found: one page of events, how many in all, and the histogram.
struct Found {
    events: Vec<StoredEvent>,
    total: u64,
    histogram: Vec<(DateTime<Utc>, u64)>,
}

/// `GET /search`.
async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(params): PageQuery<SearchParams>,
) -> Response {
    let lang = viewer.lang;
    let Ok(range) = params.window(Utc::now()) else {
        return search_page(
            &viewer,
            &params,
            Err(lang.t(Msg::BadTimeWindow).to_owned()),
            range_or_default(),
        );
    };
    let query = match params.q.parse::<Query>() {
        Ok(query) => query,
        Err(e) => return search_page(&viewer, &params, Err(e.to_string()), range),
    };
    let tenant = viewer.caller.tenant_agency();
    let offset = params.page * PAGE;
    let span = range
        .to
        .zip(range.from)
        .map_or(TimeDelta::days(1), |(to, from)| to - from);
    let bucket = bucket_for(span);
    let found = on_store(&state, move |store| {
        let page = store.search(&query, range, PAGE, offset, tenant.as_deref())?;
        let histogram = store.histogram(&query, range, bucket, tenant.as_deref())?;
        Ok(Found {
            events: page.events,
            total: page.total,
            histogram,
        })
    })
    .await;
    let found = match found {
        Ok(found) => found,
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let reason = e
                .detail
                .as_ref()
                .and_then(|d| d["message"].as_str())
                .map_or(e.error.clone(), str::to_owned);
            return search_page(&viewer, &params, Err(reason), range);
        }
        Err(e) => return failure(lang, e),
    };
    let names = match agency_names(&state, lang).await {
        Ok(names) => names,
        Err(page) => return page,
    };
    search_page(&viewer, &params, Ok((found, names)), range)
}

/// The window shown when the one asked for is invalid.
fn range_or_default() -> TimeRange {
    SearchParams::default()
        .window(Utc::now())
        .expect("the default window is valid")
}

/// The search page: the form, then the results or why there are none (`Err`, with the
/// status 400).
fn search_page(
    viewer: &Viewer,
    params: &SearchParams,
    outcome: Result<(Found, HashMap<String, String>), String>,
    range: TimeRange,
) -> Response {
    let lang = viewer.lang;
    let title = lang.t(Msg::SearchTitle);
    let columns = chosen_columns(&params.columns);
    let custom = !params.from.is_empty() || !params.to.is_empty();
    let chosen_preset = choose(&PRESETS, &params.range, DEFAULT_PRESET).map(|c| c.value);
    let status = if outcome.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let body = html! {
        h1 { (title) }
        form.search method="get" action="/search" {
            div.query {
                label for="q" { (lang.t(Msg::QueryLabel)) }
                input #q type="search" name="q" value=(params.q) autofocus
                    placeholder="EventID:4625 AND host:web01";
                p.hint { (lang.t(Msg::QueryHint)) }
            }
            div.filters {
                div {
                    label for="range" { (lang.t(Msg::TimeWindow)) }
                    select #range name="range" {
                        @for preset in &PRESETS {
                            option value=(preset.value) selected[!custom && Some(preset.value) == chosen_preset] { (lang.t(preset.name)) }
                        }
                    }
                }
                div {
                    label for="from" { (lang.t(Msg::FromUtc)) }
                    input #from type="datetime-local" name="from" value=[custom.then(|| local_input(range.from))];
                }
                div {
                    label for="to" { (lang.t(Msg::ToUtc)) }
                    input #to type="datetime-local" name="to" value=[custom.then(|| local_input(range.to))];
                }
                div.wide {
                    label for="columns" { (lang.t(Msg::Columns)) }
                    input #columns name="columns" value=(params.columns) placeholder=(DEFAULT_COLUMNS);
                }
                button type="submit" { (lang.t(Msg::SearchButton)) }
            }
        }
        @match &outcome {
            Err(reason) => p.error role="alert" { (lang.t(Msg::QueryRejected)) " " (reason) },
            Ok((found, names)) => (results(lang, params, &columns, found, names)),
        }
    };
    (status, layout::page(viewer, Section::Search, title, body)).into_response()
}

/// The histogram, the paging and the table of a search that ran.
fn results(
    lang: Lang,
    params: &SearchParams,
    columns: &[ColumnKind],
    found: &Found,
    names: &HashMap<String, String>,
) -> Markup {
    let bars: Vec<Column> = found
        .histogram
        .iter()
        .map(|(start, count)| Column::single(utc_time(*start), "fill-events", *count))
        .collect();
    let offset = params.page * PAGE;
    let pages = (found.total as usize).div_ceil(PAGE);
    html! {
        div.panel.histogram {
            (charts::columns(lang.t(Msg::EventsOverTime), &bars))
        }
        div.resultbar {
            span { (lang.t(Msg::Matches)) ": " strong { (found.total) } }
            @if !found.events.is_empty() {
                span.hint { (offset + 1) "–" (offset + found.events.len()) }
            }
            a.export href=(href("/search/export.csv", &params.pairs())) { (lang.t(Msg::ExportCsv)) }
        }
        (pager(lang, "/search", &params.pairs(), params.page, pages))
        @if found.events.is_empty() {
            p.panel { (lang.t(Msg::NoEvents)) }
        } @else {
            div.scroll {
                table.events {
                    thead { tr { @for column in columns { th { (column.heading(lang)) } } } }
                    tbody {
                        @for event in &found.events {
                            tr {
                                @for (i, column) in columns.iter().enumerate() {
                                    @let text = column.cell(event, names);
                                    @if i == 0 {
                                        td.wrap { a href={ "/search/event/" (event.id) } { (text) } }
                                    } @else {
                                        td.wrap { (text) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /search/event/{id}`.
async fn event(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    let lang = viewer.lang;
    let Ok(id) = id.parse::<EventId>() else {
        return layout::error_page(lang, StatusCode::NOT_FOUND);
    };
    let tenant = viewer.caller.tenant_agency();
    let event = match on_store(&state, move |store| store.get(id, tenant.as_deref())).await {
        Ok(Some(event)) => event,
        Ok(None) => return layout::error_page(lang, StatusCode::NOT_FOUND),
        Err(e) => return failure(lang, e),
    };
    let names = match agency_names(&state, lang).await {
        Ok(names) => names,
        Err(page) => return page,
    };
    let fields = serde_json::to_string_pretty(&event.event.to_json()).unwrap_or_default();
    let title = lang.t(Msg::EventTitle);
    let fact = |column: ColumnKind| (column.heading(lang), column.cell(&event, &names));
    let facts = [
        ColumnKind::Time,
        ColumnKind::Agency,
        ColumnKind::System,
        ColumnKind::Host,
        ColumnKind::Source,
        ColumnKind::Received,
        ColumnKind::Id,
    ]
    .map(fact);
    let body = html! {
        p { a href="/search" { "← " (lang.t(Msg::Back)) } }
        h1 { (title) }
        div.panel {
            dl.facts {
                @for (name, value) in &facts {
                    dt { (name) } dd { (value) }
                }
            }
            @if let Some(host) = &event.host {
                p { a href=(around_href(host, event.time(), event.time())) { (lang.t(Msg::SearchAround)) } }
            }
        }
        h2 { (lang.t(Msg::Fields)) }
        pre.json { (fields) }
        h2 { (lang.t(Msg::RawText)) }
        pre.raw { (event.raw) }
    };
    layout::page(&viewer, Section::Search, title, body).into_response()
}

/// `GET /search/export.csv`: the search's matches (the newest [`MAX_EXPORT`]) with the
/// chosen columns, as CSV with a header row.
async fn export(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(params): PageQuery<SearchParams>,
) -> Response {
    let lang = viewer.lang;
    let (Ok(range), Ok(query)) = (params.window(Utc::now()), params.q.parse::<Query>()) else {
        return layout::error_page(lang, StatusCode::BAD_REQUEST);
    };
    let tenant = viewer.caller.tenant_agency();
    let found = on_store(&state, move |store| {
        store.search(&query, range, MAX_EXPORT, 0, tenant.as_deref())
    })
    .await;
    let found = match found {
        Ok(found) => found,
        Err(e) => return failure(lang, e),
    };
    let names = match agency_names(&state, lang).await {
        Ok(names) => names,
        Err(page) => return page,
    };
    let columns = chosen_columns(&params.columns);
    let header: Vec<String> = columns.iter().map(|c| c.heading(lang)).collect();
    let rows = found
        .events
        .iter()
        .map(|event| columns.iter().map(|c| c.cell(event, &names)).collect());
    match csv_text(header, rows) {
        Ok(text) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_static("attachment; filename=\"vigil-events.csv\""),
                ),
            ],
            text,
        )
            .into_response(),
        Err(e) => failure(lang, crate::api::error::ApiError::internal(e)),
    }
}

/// A CSV file of `header` and `rows`, starting with a byte-order mark (so spreadsheets
/// read Vietnamese as UTF-8); cells are quoted where CSV needs it and defused where a
/// spreadsheet would run them as a formula.
fn csv_text(
    header: Vec<String>,
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    for row in std::iter::once(header).chain(rows) {
        writer.write_record(row.iter().map(|cell| defuse_formula(cell).into_owned()))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8(bytes).expect("CSV of UTF-8 cells is UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(range: &str, from: &str, to: &str) -> SearchParams {
        SearchParams {
            range: range.into(),
            from: from.into(),
            to: to.into(),
            ..SearchParams::default()
        }
    }

    #[test]
    fn windows_come_from_presets_or_explicit_times() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
            .unwrap()
            .to_utc();
        let hour = params("1h", "", "").window(now).unwrap();
        assert_eq!(hour.from, Some(now - TimeDelta::hours(1)));
        assert_eq!(
            params("", "", "").window(now).unwrap().from,
            Some(now - TimeDelta::hours(24))
        );
        let explicit = params("1h", "2026-11-20T08:00", "2026-11-20T09:30:00Z")
            .window(now)
            .unwrap();
        assert_eq!(
            explicit.from.unwrap().to_rfc3339(),
            "2026-11-20T08:00:00+00:00"
        );
        assert_eq!(
            explicit.to.unwrap().to_rfc3339(),
            "2026-11-20T09:30:00+00:00"
        );
        assert!(params("2y", "", "").window(now).is_err());
        assert!(params("", "yesterday", "").window(now).is_err());
        assert!(params("", "2026-11-21T00:00", "2026-11-20T00:00")
            .window(now)
            .is_err());
    }

    #[test]
    fn buckets_keep_histograms_small() {
        assert_eq!(bucket_for(TimeDelta::minutes(15)), TimeDelta::minutes(1));
        assert_eq!(bucket_for(TimeDelta::hours(24)), TimeDelta::minutes(15));
        assert_eq!(bucket_for(TimeDelta::days(7)), TimeDelta::hours(1));
        assert_eq!(bucket_for(TimeDelta::days(30)), TimeDelta::hours(6));
        assert_eq!(bucket_for(TimeDelta::days(1000)), TimeDelta::days(6));
    }

    #[test]
    fn columns_default_and_do_not_repeat() {
        assert_eq!(chosen_columns(" ").len(), 5);
        assert_eq!(
            chosen_columns("EventID, host,EventID,,time"),
            [
                ColumnKind::Field("EventID".into()),
                ColumnKind::Host,
                ColumnKind::Time
            ]
        );
    }

    #[test]
    fn summaries_lead_with_the_message_and_skip_the_columns() {
        let mut event = vigil_event::Event::default();
        event.push("@timestamp", "2026-11-23T08:00:00Z");
        event.push("host", "web01");
        event.push("logsource.product", "linux");
        event.push("user", "root");
        event.push("message", "session opened");
        event.push("pid", 42i64);
        let stored = StoredEvent::new(event, "a", "portal", "syslog", "raw");
        assert_eq!(summary(&stored), "session opened user=root pid=42");
        let mut long = vigil_event::Event::default();
        long.push("message", "x".repeat(2 * SUMMARY_CHARS));
        let cut = summary(&StoredEvent::new(long, "a", "", "syslog", ""));
        assert_eq!(cut.chars().count(), SUMMARY_CHARS);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn log_text_in_a_query_is_only_a_value() {
        assert_eq!(phrase(r#"a" OR agency:* \"#), r#""a\" OR agency:* \\""#);
        let query = format!("host:{}", phrase(r#"x" OR "y"#));
        assert!(query.parse::<Query>().is_ok(), "{query}");
    }

    #[test]
    fn csv_defuses_formulas_and_quotes_separators() {
        let text = csv_text(
            vec!["a".into(), "b".into()],
            [
                vec!["=cmd|' /C calc'!A0".into(), "x, y".into()],
                vec!["line\nbreak \"q\"".into(), "-2+3".into()],
                vec!["@SUM(1)".into(), "\tx".into()],
            ]
            .into_iter(),
        )
        .unwrap();
        assert_eq!(
            text,
            "\u{feff}a,b\n'=cmd|' /C calc'!A0,\"x, y\"\n\"line\nbreak \"\"q\"\"\",'-2+3\n'@SUM(1),'\tx\n"
        );
    }
}
