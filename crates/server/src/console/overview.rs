//! The overview at `GET /`: open alerts by level, alerts over time by level (last 24 hours
//! or 7 days), open alerts by agency, the most frequent rules, the most attacked
//! information systems and hosts, and the health of ingest: events per second per source
//! over the last hour, and when each agency's collectors were last heard from. An agency
//! that has registered sources or ingest tokens but has sent nothing for the silence
//! period (one hour unless `?silence=` says otherwise) is a warning at the top of the
//! page: silence is how a broken collector or a wiped log looks.
//!
//! Alert figures are grouped counts in the state database, event figures come from the
//! event store; every call carries the viewer's tenant. Charts are SVG drawn by
//! [`super::charts`].
//!
//! The figures scan every alert of the span, which takes a while once the database holds
//! hundreds of thousands; an [`OverviewCache`] keeps each rendered dashboard for
//! [`FRESH_FOR`], so reloads and wall screens cost nothing, and the page says when its
//! figures were taken.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Query as QueryString, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use maud::{html, Markup};
use serde::Deserialize;
use vigil_store::db::{AlertCount, AlertCriteria, AlertGroup, AlertLevel, Scope};
use vigil_store::events::{Query, TimeRange};

use super::alerts::{level_badge, visible_agencies, LEVELS};
use super::charts::{self, Bar, Column, Segment};
use super::choice::{choose, Choice};
use super::i18n::{Lang, Msg};
use super::layout::{self, href, utc_time, Section};
use super::search::field_is;
use super::{failure, Viewer};
use crate::api::events::on_store;
use crate::state::AppState;

/// How many rules, hosts or agencies a ranking shows.
const TOP: i64 = 10;
/// The most sources the ingest table lists.
const MAX_SOURCES: usize = 30;
/// The window of the ingest rates.
const INGEST_WINDOW: TimeDelta = TimeDelta::hours(1);
/// The bucket of the ingest sparklines.
const INGEST_BUCKET: TimeDelta = TimeDelta::minutes(5);
/// How far back the last event of a silent agency is looked for.
const LAST_SEEN_LOOKBACK: TimeDelta = TimeDelta::days(30);
/// The spans of the alerts-over-time chart (`span=`): their length and bucket; the last
/// is the default.
const SPANS: [Choice<(TimeDelta, TimeDelta)>; 2] = [
    Choice {
        value: "24h",
        name: Msg::Last24Hours,
        sets: (TimeDelta::hours(24), TimeDelta::hours(1)),
    },
    Choice {
        value: "7d",
        name: Msg::Last7Days,
        sets: (TimeDelta::days(7), TimeDelta::days(1)),
    },
];
/// The silence periods offered (`silence=`); the first is the default.
const SILENCES: [Choice<TimeDelta>; 4] = [
    Choice {
        value: "1h",
        name: Msg::ForOneHour,
        sets: TimeDelta::hours(1),
    },
    Choice {
        value: "15m",
        name: Msg::For15Minutes,
        sets: TimeDelta::minutes(15),
    },
    Choice {
        value: "6h",
        name: Msg::For6Hours,
        sets: TimeDelta::hours(6),
    },
    Choice {
        value: "24h",
        name: Msg::For24Hours,
        sets: TimeDelta::hours(24),
    },
];

/// The overview's choices, from its query string (anything else: the default).
#[derive(Debug, Default, Deserialize)]
struct OverviewParams {
    #[serde(default)]
    span: String,
    #[serde(default)]
    silence: String,
}

/// The overview, for `GET /` of a browser.
pub(super) async fn overview(State(state): State<AppState>, viewer: Viewer, uri: Uri) -> Response {
    let params = QueryString::<OverviewParams>::try_from_uri(&uri)
        .map(|q| q.0)
        .unwrap_or_default();
    match overview_page(&state, &viewer, &params).await {
        Ok(page) => page.into_response(),
        Err(page) => page,
    }
}

/// Events per source over the ingest window, each with its sparkline.
struct SourceRate {
    source: String,
    events: u64,
    sparkline: Vec<(DateTime<Utc>, u64)>,
}

/// One agency's collectors: whether it has registered sources or ingest tokens, how many
/// events it sent within the silence period, and its last event.
struct Collector {
    agency: String,
    registered: bool,
    recent: u64,
    last_seen: Option<DateTime<Utc>>,
}

impl Collector {
    fn silent(&self) -> bool {
        self.registered && self.recent == 0
    }
}

/// How long a rendered dashboard is served again before its figures are recomputed.
pub const FRESH_FOR: Duration = Duration::from_secs(30);

/// Rendered dashboard bodies by who sees them (role, tenant, language) and the chosen
/// span and silence period, each with the time its figures were taken.
#[derive(Default)]
pub struct OverviewCache {
    entries: Mutex<HashMap<String, CachedOverview>>,
}

#[derive(Clone)]
struct CachedOverview {
    made: Instant,
    taken_at: DateTime<Utc>,
    body: Markup,
}

impl OverviewCache {
    fn fresh(&self, key: &str) -> Option<CachedOverview> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|c| c.made.elapsed() < FRESH_FOR)
            .cloned()
    }

    fn keep(&self, key: String, entry: CachedOverview) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|_, c| c.made.elapsed() < FRESH_FOR);
        entries.insert(key, entry);
    }
}

async fn overview_page(
    state: &AppState,
    viewer: &Viewer,
    params: &OverviewParams,
) -> Result<Markup, Response> {
    let lang = viewer.lang;
    let span = choose(&SPANS, &params.span, &SPANS[1]).unwrap_or(&SPANS[1]);
    let silence = choose(&SILENCES, &params.silence, &SILENCES[0]).unwrap_or(&SILENCES[0]);
    // Keyed by the choices made, not the query text: an unknown `?span=` is the default
    // dashboard, not a new one to compute.
    let key = format!(
        "{:?}|{:?}|{}|{}|{}",
        viewer.caller.role(),
        viewer.caller.tenant(),
        lang.code(),
        span.value,
        silence.value
    );
    let cached = match state.overview_cache.fresh(&key) {
        Some(cached) => cached,
        None => {
            let taken_at = Utc::now();
            let body = overview_body(state, viewer, span, silence).await?;
            let entry = CachedOverview {
                made: Instant::now(),
                taken_at,
                body,
            };
            state.overview_cache.keep(key, entry.clone());
            entry
        }
    };
    let body = html! {
        (cached.body)
        p.muted { (lang.t(Msg::FiguresTakenAt)) " " (utc_time(cached.taken_at)) " UTC" }
    };
    Ok(layout::page(
        viewer,
        Section::Overview,
        lang.t(Msg::OverviewTitle),
        body,
    ))
}

/// The dashboard's figures and charts, computed now.
async fn overview_body(
    state: &AppState,
    viewer: &Viewer,
    span: &Choice<(TimeDelta, TimeDelta)>,
    silence: &Choice<TimeDelta>,
) -> Result<Markup, Response> {
    let lang = viewer.lang;
    let tenant = viewer.caller.tenant();
    let now = Utc::now();
    let (span_length, bucket) = span.sets;
    let first_bucket = now.duration_trunc(bucket).unwrap_or(now) - span_length + bucket;

    let open = AlertCriteria {
        open_only: true,
        ..AlertCriteria::default()
    };
    let in_span = AlertCriteria {
        since: Some(first_bucket),
        ..AlertCriteria::default()
    };
    let count = |group, criteria: AlertCriteria, top| {
        let tenant = tenant.clone();
        async move {
            state
                .db
                .count_alerts_by(group, &criteria, top, &tenant)
                .await
                .map_err(|e| failure(lang, e))
        }
    };
    let by_level = count(AlertGroup::Level, open.clone(), LEVELS.len() as i64).await?;
    let by_agency = count(AlertGroup::Agency, open, TOP).await?;
    let by_rule = count(AlertGroup::Rule, in_span.clone(), TOP).await?;
    let by_system = count(AlertGroup::System, in_span.clone(), TOP).await?;
    let by_host = count(AlertGroup::Host, in_span.clone(), TOP).await?;
    let over_time = state
        .db
        .count_alerts_over_time(&in_span, bucket, &tenant)
        .await
        .map_err(|e| failure(lang, e))?;

    let mut columns: Vec<Column> = (0..span_length.num_seconds() / bucket.num_seconds())
        .map(|i| {
            let start = first_bucket + bucket * i as i32;
            Column {
                label: bucket_label(start, bucket),
                segments: LEVELS
                    .iter()
                    .rev()
                    .map(|level| Segment {
                        class: level_fill(*level),
                        value: 0,
                        name: lang.level(*level).to_owned(),
                    })
                    .collect(),
            }
        })
        .collect();
    for b in over_time.iter().filter(|b| b.start >= first_bucket) {
        let column = ((b.start - first_bucket).num_seconds() / bucket.num_seconds()) as usize;
        let part = LEVELS.len() - 1 - LEVELS.iter().position(|l| *l == b.level).unwrap_or(0);
        if let Some(column) = columns.get_mut(column) {
            column.segments[part].value += b.count.max(0) as u64;
        }
    }

    let (rates, collectors) = ingest_health(state, viewer, now, silence.sets).await?;
    let silent: Vec<&Collector> = collectors.iter().filter(|c| c.silent()).collect();

    let open_by_level: HashMap<&str, i64> =
        by_level.iter().map(|c| (c.key.as_str(), c.count)).collect();
    let title = lang.t(Msg::OverviewTitle);
    let body = html! {
        h1 { (title) }
        @if !silent.is_empty() {
            div.warning role="alert" {
                strong { (lang.t(Msg::SilentAgencies)) " " (lang.t(silence.name)) ": " }
                @for (i, c) in silent.iter().enumerate() {
                    @if i > 0 { ", " }
                    (c.agency)
                }
            }
        }
        h2 { (lang.t(Msg::OpenByLevel)) }
        div.cards {
            @for level in LEVELS {
                a.card href={ "/alerts?level=" (level.as_str()) } {
                    div { (level_badge(lang, level)) }
                    div.n { (open_by_level.get(level.as_str()).copied().unwrap_or(0)) }
                }
            }
        }
        div.heading {
            h2 { (lang.t(Msg::AlertsOverTime)) }
            nav.choices {
                @for choice in &SPANS {
                    @let link = href("/", &[("span", choice.value), ("silence", silence.value)]);
                    @if choice.value == span.value {
                        a href=(link) aria-current="true" { (lang.t(choice.name)) }
                    } @else {
                        a href=(link) { (lang.t(choice.name)) }
                    }
                }
            }
        }
        div.panel {
            (charts::columns(lang.t(Msg::AlertsOverTime), &columns))
            p.legend {
                @for level in LEVELS { (level_badge(lang, level)) " " }
            }
        }
        div.grid {
            section {
                h2 { (lang.t(Msg::OpenByAgency)) }
                (ranking(lang, &by_agency, Msg::NoOpenAlerts, |c| c.label.clone(), |c| href("/alerts", &[("agency", &c.key)])))
            }
            section {
                h2 { (lang.t(Msg::TopRules)) " · " (lang.t(span.name)) }
                (ranking(lang, &by_rule, Msg::NoAlerts, |c| c.label.clone(), |c| href("/alerts", &[("rule", &c.key)])))
            }
            section {
                h2 { (lang.t(Msg::TopSystems)) " · " (lang.t(span.name)) }
                (ranking(lang, &by_system, Msg::NoAlerts, |c| format!("{} · {}", c.key, c.label), |c| href("/alerts", &[("system", &c.key)])))
            }
            section {
                h2 { (lang.t(Msg::TopHosts)) " · " (lang.t(span.name)) }
                (ranking(lang, &by_host, Msg::NoAlerts, |c| format!("{} · {}", c.key, c.label), |c| href("/alerts", &[("host", &c.key)])))
            }
        }
        h2 { (lang.t(Msg::IngestHealth)) }
        div.grid {
            section {
                h3 { (lang.t(Msg::EventsPerSource)) }
                @if rates.is_empty() {
                    p.panel { (lang.t(Msg::NoEventsLastHour)) }
                } @else {
                    table {
                        thead { tr {
                            th { (lang.t(Msg::Source)) }
                            th.num { (lang.t(Msg::EventsPerSecond)) }
                            th.num { (lang.t(Msg::Events)) }
                            th { (lang.t(Msg::LastHour)) }
                        } }
                        tbody {
                            @for rate in &rates {
                                @let columns: Vec<Column> = rate.sparkline.iter()
                                    .map(|(t, n)| Column::single(utc_time(*t), "fill-events", *n))
                                    .collect();
                                tr {
                                    td.wrap { (rate.source) }
                                    td.num { (format!("{:.2}", rate.events as f64 / INGEST_WINDOW.num_seconds() as f64)) }
                                    td.num { (rate.events) }
                                    td.spark { (charts::columns(&rate.source, &columns)) }
                                }
                            }
                        }
                    }
                }
            }
            section {
                h3 { (lang.t(Msg::Collectors)) }
                form.filters method="get" action="/" {
                    input type="hidden" name="span" value=(span.value);
                    div {
                        label for="silence" { (lang.t(Msg::SilencePeriod)) }
                        select #silence name="silence" {
                            @for choice in &SILENCES {
                                option value=(choice.value) selected[choice.value == silence.value] { (lang.t(choice.name)) }
                            }
                        }
                    }
                    button type="submit" { (lang.t(Msg::Filter)) }
                }
                @if collectors.is_empty() {
                    p.panel { (lang.t(Msg::NoCollectors)) }
                } @else {
                    table {
                        thead { tr {
                            th { (lang.t(Msg::Agency)) }
                            th.num { (lang.t(Msg::Events)) }
                            th { (lang.t(Msg::LastEvent)) }
                            th { (lang.t(Msg::Status)) }
                        } }
                        tbody {
                            @for c in &collectors {
                                tr.silent[c.silent()] {
                                    td.wrap { (c.agency) }
                                    td.num { (c.recent) }
                                    td { (c.last_seen.map(utc_time).unwrap_or_else(|| "—".to_owned())) }
                                    td {
                                        @if c.silent() {
                                            strong { (lang.t(Msg::Silent)) }
                                        } @else if c.registered {
                                            (lang.t(Msg::Sending))
                                        } @else {
                                            (lang.t(Msg::Unregistered))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(body)
}

/// A bar chart of grouped alert counts, or a line saying there are none.
fn ranking(
    lang: Lang,
    counts: &[AlertCount],
    empty: Msg,
    label: impl Fn(&AlertCount) -> String,
    link: impl Fn(&AlertCount) -> String,
) -> Markup {
    if counts.is_empty() {
        return html! { p.panel { (lang.t(empty)) } };
    }
    let bars: Vec<Bar> = counts
        .iter()
        .map(|c| Bar {
            label: label(c),
            value: c.count.max(0) as u64,
            href: Some(link(c)),
        })
        .collect();
    html! { div.panel { (charts::bars(lang.t(Msg::Count), &bars)) } }
}

/// Events per source over the last hour, and the collectors of every agency the viewer
/// sees that has registered sources or ingest tokens, or sent events within the silence
/// period.
async fn ingest_health(
    state: &AppState,
    viewer: &Viewer,
    now: DateTime<Utc>,
    silence: TimeDelta,
) -> Result<(Vec<SourceRate>, Vec<Collector>), Response> {
    let lang = viewer.lang;
    let agencies = visible_agencies(state, viewer).await?;
    let mut registered: HashSet<String> = state
        .db
        .list_source_addresses()
        .await
        .map_err(|e| failure(lang, e))?
        .into_iter()
        .map(|s| s.agency_id)
        .collect();
    let tokens = state
        .db
        .list_tokens(&viewer.caller.tenant(), None)
        .await
        .map_err(|e| failure(lang, e))?;
    registered.extend(
        tokens
            .into_iter()
            .filter(|t| t.scope == Scope::Ingest.as_str() && !t.revoked)
            .filter_map(|t| t.agency_id),
    );

    let tenant = viewer.caller.tenant_agency();
    let ids: Vec<String> = agencies.iter().map(|a| a.id.clone()).collect();
    let watched = registered.clone();
    let (rates, recent, last_seen) = on_store(state, move |store| {
        let all = Query::All;
        let hour = TimeRange::between(now - INGEST_WINDOW, now);
        let mut rates = Vec::new();
        for (source, events) in
            store.count_by("source", &all, hour, tenant.as_deref(), MAX_SOURCES)?
        {
            let only = field_is("source", &source);
            let sparkline = store.histogram(&only, hour, INGEST_BUCKET, tenant.as_deref())?;
            rates.push(SourceRate {
                source,
                events,
                sparkline,
            });
        }
        let quiet = TimeRange::between(now - silence, now);
        let recent: HashMap<String, u64> = store
            .count_by("agency", &all, quiet, tenant.as_deref(), ids.len().max(1))?
            .into_iter()
            .collect();
        let lookback = TimeRange::between(now - LAST_SEEN_LOOKBACK, now);
        let mut last_seen = HashMap::new();
        let listed = ids
            .into_iter()
            .filter(|id| watched.contains(id) || recent.contains_key(id));
        for id in listed {
            let only = field_is("agency", &id);
            let newest = store.search(&only, lookback, 1, 0, tenant.as_deref())?;
            if let Some(event) = newest.events.first() {
                last_seen.insert(id, event.time());
            }
        }
        Ok((rates, recent, last_seen))
    })
    .await
    .map_err(|e| failure(lang, e))?;

    let mut collectors: Vec<Collector> = agencies
        .into_iter()
        .map(|a| Collector {
            registered: registered.contains(&a.id),
            recent: recent.get(&a.id).copied().unwrap_or(0),
            last_seen: last_seen.get(&a.id).copied(),
            agency: a.name,
        })
        .filter(|c| c.registered || c.recent > 0)
        .collect();
    collectors.sort_by_key(|c| !c.silent());
    Ok((rates, collectors))
}

/// The label of a column of the alerts-over-time chart.
fn bucket_label(start: DateTime<Utc>, bucket: TimeDelta) -> String {
    if bucket >= TimeDelta::days(1) {
        start.format("%Y-%m-%d").to_string()
    } else {
        start.format("%m-%d %H:00").to_string()
    }
}

/// The stylesheet class that fills a level's part of a column.
fn level_fill(level: AlertLevel) -> &'static str {
    match level {
        AlertLevel::Critical => "fill-critical",
        AlertLevel::High => "fill-high",
        AlertLevel::Medium => "fill-medium",
        AlertLevel::Low => "fill-low",
        AlertLevel::Informational => "fill-informational",
    }
}
