//! The register's pages: the list of information systems with filters, one system's
//! record (level dossier, addresses, components, compliance, findings), inspections and
//! findings with overdue ones marked, and the register dashboard drawn as server-side SVG
//! bars (systems by level and dossier status, compliance by agency and control group,
//! inspections done against planned, findings open and overdue, monitoring gaps).
//!
//! Reads go through the same [`vigil_soc::Register`] and tenant as the API, so an agency
//! officer sees only their agency's systems and another agency's system is a 404 page.
//! Changes are made through the API (`/api/v1/systems`, `vigil register import`).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use maud::{html, Markup};
use serde::Deserialize;
use vigil_soc::compliance::Tally;
use vigil_soc::findings::is_overdue;
use vigil_soc::Register;
use vigil_store::db::{DossierStatus, Finding, FindingStatus, Severity, SystemFilter};

use super::charts::{bars, Bar};
use super::i18n::{Lang, Msg};
use super::layout::{self, href, Section};
use super::{failure, Viewer};
use crate::api::register::{observations, MONITORING_WINDOW_DAYS};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/register", get(list))
        .route("/register/dashboard", get(dashboard))
        .route("/register/systems/{id}", get(detail))
        .route("/register/inspections", get(inspections))
}

/// The name of a dossier status in the page's language.
fn status_name(lang: Lang, status: DossierStatus) -> &'static str {
    lang.t(match status {
        DossierStatus::Draft => Msg::RegDraft,
        DossierStatus::Submitted => Msg::RegSubmitted,
        DossierStatus::Appraised => Msg::RegAppraised,
        DossierStatus::Approved => Msg::RegApproved,
        DossierStatus::Returned => Msg::RegReturned,
    })
}

/// The name of a finding's severity in the page's language.
fn severity_name(lang: Lang, severity: Severity) -> &'static str {
    lang.t(match severity {
        Severity::Low => Msg::RegSeverityLow,
        Severity::Medium => Msg::RegSeverityMedium,
        Severity::High => Msg::RegSeverityHigh,
        Severity::Critical => Msg::RegSeverityCritical,
    })
}

/// The name of a finding's status in the page's language.
fn finding_status_name(lang: Lang, status: FindingStatus) -> &'static str {
    lang.t(match status {
        FindingStatus::Open => Msg::RegFindingOpen,
        FindingStatus::InProgress => Msg::RegFindingInProgress,
        FindingStatus::Remediated => Msg::RegFindingRemediated,
        FindingStatus::Verified => Msg::RegFindingVerified,
        FindingStatus::RiskAccepted => Msg::RegFindingRiskAccepted,
    })
}

/// Findings as a table: severity, description, deadline, status (overdue marked), and
/// the system when `with_system` names them by system id → name.
fn findings_table(
    lang: Lang,
    findings: &[Finding],
    today: NaiveDate,
    with_system: Option<&HashMap<String, String>>,
) -> Markup {
    html! {
        @if findings.is_empty() {
            p.hint { (lang.t(Msg::RegNoFindings)) }
        } @else {
            table {
                thead {
                    tr {
                        @if with_system.is_some() { th { (lang.t(Msg::RegSystem)) } }
                        th { (lang.t(Msg::RegSeverity)) }
                        th { (lang.t(Msg::RegDescription)) }
                        th { (lang.t(Msg::RegDeadline)) }
                        th { (lang.t(Msg::RegStatus)) }
                    }
                }
                tbody {
                    @for f in findings {
                        tr {
                            @if let Some(names) = with_system {
                                td {
                                    @if let Some(id) = &f.finding.system_id {
                                        a href={ "/register/systems/" (id) } {
                                            (names.get(id).map_or(id.as_str(), String::as_str))
                                        }
                                    }
                                }
                            }
                            td { (severity_name(lang, f.finding.severity)) }
                            td.wrap { (f.finding.description) }
                            td { (f.finding.deadline) }
                            td {
                                (finding_status_name(lang, f.status))
                                @if is_overdue(f, today) { " " span.tag { (lang.t(Msg::RegOverdue)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A reason in the page's language.
fn said(lang: Lang, reason: &vigil_soc::Reason) -> &str {
    match lang {
        Lang::Vi => &reason.vi,
        Lang::En => &reason.en,
    }
}

/// A score as `75.0 %`, or a dash when nothing was counted.
fn percent(tally: &Tally) -> String {
    tally
        .percent()
        .map_or_else(|| "–".to_owned(), |p| format!("{p:.1} %"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListParams {
    agency: String,
    level: String,
    dossier_status: String,
}

/// `GET /register`: the systems the viewer sees, filtered by agency, level and status.
async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    let lang = viewer.lang;
    let Ok(Query(params)) = params else {
        return layout::error_page(lang, StatusCode::BAD_REQUEST);
    };
    let level = match params.level.as_str() {
        "" => None,
        text => match text.parse::<u8>() {
            Ok(level) => Some(level),
            Err(_) => return layout::error_page(lang, StatusCode::BAD_REQUEST),
        },
    };
    let dossier_status = match params.dossier_status.as_str() {
        "" => None,
        text => match text.parse::<DossierStatus>() {
            Ok(status) => Some(status),
            Err(_) => return layout::error_page(lang, StatusCode::BAD_REQUEST),
        },
    };
    let filter = SystemFilter {
        agency_id: Some(params.agency.clone()).filter(|a| !a.is_empty()),
        level,
        dossier_status,
    };
    let tenant = viewer.caller.tenant();
    let (systems, agencies) = match (
        state.db.list_systems(&tenant, &filter).await,
        state.db.list_agencies().await,
    ) {
        (Ok(systems), Ok(agencies)) => (systems, agencies),
        (Err(e), _) | (_, Err(e)) => return failure(lang, e),
    };
    let agencies: Vec<_> = agencies
        .into_iter()
        .filter(|a| viewer.caller.sees_agency(&a.id))
        .collect();
    let title = lang.t(Msg::RegTitle);
    let body = html! {
        div.heading {
            h1 { (title) }
            a href="/register/dashboard" { (lang.t(Msg::RegDashboardTitle)) }
        }
        form.filters method="get" action="/register" {
            div {
                label for="agency" { (lang.t(Msg::RegAgency)) }
                select #agency name="agency" {
                    option value="" { (lang.t(Msg::RegAll)) }
                    @for a in &agencies {
                        option value=(a.id) selected[a.id == params.agency] { (a.name) }
                    }
                }
            }
            div {
                label for="level" { (lang.t(Msg::RegLevel)) }
                select #level name="level" {
                    option value="" { (lang.t(Msg::RegAll)) }
                    @for l in 1..=5u8 {
                        option value=(l) selected[level == Some(l)] { (l) }
                    }
                }
            }
            div {
                label for="dossier_status" { (lang.t(Msg::RegDossier)) }
                select #dossier_status name="dossier_status" {
                    option value="" { (lang.t(Msg::RegAll)) }
                    @for s in DossierStatus::ALL {
                        option value=(s.as_str()) selected[dossier_status == Some(s)] { (status_name(lang, s)) }
                    }
                }
            }
            button type="submit" { (lang.t(Msg::Filter)) }
        }
        @if systems.is_empty() {
            p.panel { (lang.t(Msg::RegNoSystems)) }
        } @else {
            p.hint { (lang.t(Msg::RegTotal)) ": " (systems.len()) }
            div.scroll {
                table {
                    thead {
                        tr {
                            th { (lang.t(Msg::RegSystem)) }
                            th { (lang.t(Msg::RegAgency)) }
                            th.num { (lang.t(Msg::RegLevel)) }
                            th { (lang.t(Msg::RegDossier)) }
                            th { (lang.t(Msg::RegAddresses)) }
                        }
                    }
                    tbody {
                        @for s in &systems {
                            tr {
                                td { a href={ "/register/systems/" (s.id) } { (s.details.name) } }
                                td { (s.agency) }
                                td.num { (s.details.level) }
                                td { (status_name(lang, s.details.dossier_status)) }
                                td.wrap {
                                    @for (i, a) in s.details.addresses.iter().enumerate() {
                                        @if i > 0 { ", " }
                                        (a.address)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    layout::page(&viewer, Section::Register, title, body).into_response()
}

/// `GET /register/systems/{id}`: one system's record; 404 outside the viewer's tenant.
async fn detail(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    let lang = viewer.lang;
    let tenant = viewer.caller.tenant();
    let register = Register::new(state.db.clone());
    let system = match register.visible_system(&tenant, &id).await {
        Ok(system) => system,
        Err(e) => return failure(lang, e),
    };
    let (compliance, findings) = match (
        register.compliance(&tenant).await,
        state.db.list_findings(&tenant).await,
    ) {
        (Ok(c), Ok(f)) => (c, f),
        (Err(e), _) => return failure(lang, e),
        (_, Err(e)) => return failure(lang, e),
    };
    let score = compliance
        .systems
        .into_iter()
        .find(|c| c.system_id == system.id)
        .and_then(|c| c.score);
    let today = Utc::now().date_naive();
    let findings: Vec<_> = findings
        .into_iter()
        .filter(|f| f.finding.system_id.as_deref() == Some(system.id.as_str()))
        .collect();
    let d = &system.details;
    let yes_no = |flag: bool| lang.t(if flag { Msg::RegYes } else { Msg::RegNo });
    let approver = vigil_soc::dossier::approver_for_level(d.level);
    let body = html! {
        h1 { (d.name) }
        dl.facts.panel {
            dt { (lang.t(Msg::RegAgency)) } dd { (system.agency) }
            dt { (lang.t(Msg::RegLevel)) } dd { (d.level) }
            dt { (lang.t(Msg::RegDossier)) } dd { (status_name(lang, d.dossier_status)) }
            dt { (lang.t(Msg::RegDecision)) }
            dd {
                (d.decision_number.as_deref().unwrap_or("–"))
                @if let Some(date) = d.decision_date { " · " (date) }
                @if let Some(by) = &d.approving_authority { " · " (by) }
            }
            dt { (lang.t(Msg::RegApprover)) }
            dd { (said(lang, &approver)) }
            dt { (lang.t(Msg::RegPurpose)) } dd { (d.purpose.as_deref().unwrap_or("–")) }
            dt { (lang.t(Msg::RegOperator)) } dd { (d.operator.as_deref().unwrap_or("–")) }
            dt { (lang.t(Msg::RegHosting)) } dd { (d.hosting.as_deref().unwrap_or("–")) }
            dt { (lang.t(Msg::RegPersonalData)) } dd { (yes_no(d.personal_data)) }
            dt { (lang.t(Msg::RegStateSecrets)) } dd { (yes_no(d.state_secrets)) }
            dt { (lang.t(Msg::RegReviewDate)) }
            dd { (d.review_date.map_or_else(|| "–".to_owned(), |x| x.to_string())) }
        }
        h2 { (lang.t(Msg::RegAddresses)) }
        ul.plain {
            @for a in &d.addresses {
                li {
                    code { (a.address) } " "
                    span.tag { (a.kind.as_str()) }
                    @if a.internet_facing { " " span.tag { (lang.t(Msg::RegInternetFacing)) } }
                }
            }
        }
        h2 { (lang.t(Msg::RegComponents)) }
        ul.plain {
            @for c in &d.components {
                li { (vigil_soc::address::component_text(c)) }
            }
        }
        h2 { (lang.t(Msg::RegCompliance)) }
        @match &score {
            Some(score) => {
                p { strong { (percent(&score.total)) } " · " (score.total.controls()) }
                (bars(lang.t(Msg::RegComplianceByGroup), &score.by_group.iter().map(|(group, tally)| Bar {
                    label: group.clone(),
                    value: tally.percent().unwrap_or(0.0).round() as u64,
                    href: None,
                }).collect::<Vec<_>>()))
            }
            None => { p.hint { (lang.t(Msg::RegNotAssessed)) } }
        }
        h2 { (lang.t(Msg::RegFindings)) }
        (findings_table(lang, &findings, today, None))
    };
    layout::page(&viewer, Section::Register, &d.name, body).into_response()
}

/// `GET /register/dashboard`.
async fn dashboard(State(state): State<AppState>, viewer: Viewer) -> Response {
    let lang = viewer.lang;
    let seen = match observations(&state, &viewer.caller, MONITORING_WINDOW_DAYS).await {
        Ok(seen) => seen,
        Err(e) => return failure(lang, e),
    };
    let register = Register::new(state.db.clone());
    let board = match register
        .dashboard(&viewer.caller.tenant(), Utc::now().date_naive(), &seen)
        .await
    {
        Ok(board) => board,
        Err(e) => return failure(lang, e),
    };
    let bar = |label: String, value: u64| Bar {
        label,
        value,
        href: None,
    };
    let by_level: Vec<Bar> = (1..=5u8)
        .map(|l| Bar {
            label: format!("{} {l}", lang.t(Msg::RegLevel)),
            value: board.systems_by_level.get(&l).copied().unwrap_or(0) as u64,
            href: Some(href("/register", &[("level", l.to_string())])),
        })
        .collect();
    let by_status: Vec<Bar> = DossierStatus::ALL
        .iter()
        .map(|s| Bar {
            label: status_name(lang, *s).to_owned(),
            value: board.systems_by_dossier_status.get(s).copied().unwrap_or(0) as u64,
            href: Some(href("/register", &[("dossier_status", s.as_str())])),
        })
        .collect();
    let scores = |tallies: Vec<(String, &Tally)>| -> Vec<Bar> {
        tallies
            .into_iter()
            .map(|(label, t)| {
                bar(
                    format!("{label} ({})", percent(t)),
                    t.percent().unwrap_or(0.0).round() as u64,
                )
            })
            .collect()
    };
    let by_agency = scores(
        board
            .compliance
            .by_agency
            .iter()
            .map(|(a, t)| (a.clone(), t))
            .collect(),
    );
    let by_group = scores(
        board
            .compliance
            .by_group
            .iter()
            .map(|(g, t)| (g.clone(), t))
            .collect(),
    );
    let inspections: Vec<Bar> = board
        .inspections
        .iter()
        .flat_map(|(year, i)| {
            [
                bar(
                    format!("{year} · {}", lang.t(Msg::RegPlanned)),
                    i.planned as u64,
                ),
                bar(format!("{year} · {}", lang.t(Msg::RegDone)), i.done as u64),
            ]
        })
        .collect();
    let title = lang.t(Msg::RegDashboardTitle);
    let body = html! {
        div.heading {
            h1 { (title) }
            a href="/register" { (lang.t(Msg::RegTitle)) }
            a href="/register/inspections" { (lang.t(Msg::RegInspectionsTitle)) }
        }
        div.cards {
            div.card { div.n { (board.systems_total) } (lang.t(Msg::RegTotal)) }
            div.card { div.n { (board.unassessed) } (lang.t(Msg::RegNotAssessed)) }
            div.card { div.n { (board.findings.open) } (lang.t(Msg::RegOpenFindings)) }
            div.card { div.n { (board.findings.overdue) } (lang.t(Msg::RegOverdue)) }
        }
        div.grid {
            section.panel { h2 { (lang.t(Msg::RegByLevel)) } (bars(lang.t(Msg::RegByLevel), &by_level)) }
            section.panel { h2 { (lang.t(Msg::RegByStatus)) } (bars(lang.t(Msg::RegByStatus), &by_status)) }
            section.panel { h2 { (lang.t(Msg::RegComplianceByAgency)) } (bars(lang.t(Msg::RegComplianceByAgency), &by_agency)) }
            section.panel { h2 { (lang.t(Msg::RegComplianceByGroup)) } (bars(lang.t(Msg::RegComplianceByGroup), &by_group)) }
            section.panel { h2 { (lang.t(Msg::RegInspections)) } (bars(lang.t(Msg::RegInspections), &inspections)) }
        }
        h2 { (lang.t(Msg::RegGaps)) }
        @if board.monitoring_gaps.is_empty() {
            p.hint { "–" }
        } @else {
            table {
                tbody {
                    @for g in &board.monitoring_gaps {
                        tr {
                            td { (said(lang, &g.reason)) }
                            td { (g.agency.as_deref().unwrap_or("")) }
                            td {
                                @if let Some(id) = &g.system_id {
                                    a href={ "/register/systems/" (id) } { (g.system.as_deref().unwrap_or("")) }
                                }
                                (g.address.as_deref().unwrap_or(""))
                            }
                            td.num { (g.level.map(|l| l.to_string()).unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    };
    layout::page(&viewer, Section::Register, title, body).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct InspectionParams {
    /// `1`: only findings still owed.
    open: String,
}

/// `GET /register/inspections`: inspections by plan year, and the findings (all, or the
/// open ones) with overdue ones marked.
async fn inspections(
    State(state): State<AppState>,
    viewer: Viewer,
    params: Result<Query<InspectionParams>, QueryRejection>,
) -> Response {
    let lang = viewer.lang;
    let Ok(Query(params)) = params else {
        return layout::error_page(lang, StatusCode::BAD_REQUEST);
    };
    let tenant = viewer.caller.tenant();
    let loaded = async {
        Ok::<_, vigil_store::db::Error>((
            state.db.list_inspections(&tenant, None).await?,
            state.db.list_findings(&tenant).await?,
            state.db.list_agencies().await?,
            state
                .db
                .list_systems(&tenant, &SystemFilter::default())
                .await?,
        ))
    };
    let (inspections, mut findings, agencies, systems) = match loaded.await {
        Ok(loaded) => loaded,
        Err(e) => return failure(lang, e),
    };
    if params.open == "1" {
        findings.retain(|f| f.status.is_open());
    }
    let agency_names: HashMap<String, String> =
        agencies.into_iter().map(|a| (a.id, a.name)).collect();
    let system_names: HashMap<String, String> = systems
        .into_iter()
        .map(|s| (s.id, s.details.name))
        .collect();
    let agency_of = |id: &str| agency_names.get(id).cloned().unwrap_or_default();
    let today = Utc::now().date_naive();
    let title = lang.t(Msg::RegInspectionsTitle);
    let body = html! {
        div.heading {
            h1 { (title) }
            a href="/register/dashboard" { (lang.t(Msg::RegDashboardTitle)) }
        }
        @if inspections.is_empty() {
            p.panel { (lang.t(Msg::RegNoInspections)) }
        } @else {
            div.scroll {
                table {
                    thead {
                        tr {
                            th { (lang.t(Msg::RegAgency)) }
                            th { (lang.t(Msg::RegTeam)) }
                            th { (lang.t(Msg::RegPlannedDate)) }
                            th { (lang.t(Msg::RegDoneDate)) }
                            th { (lang.t(Msg::RegScope)) }
                        }
                    }
                    tbody {
                        @for i in &inspections {
                            @let i = &i.inspection;
                            tr {
                                td { (agency_of(&i.agency_id)) }
                                td { (i.team) }
                                td { (i.planned_date) }
                                td { (i.done_date.map_or_else(|| "–".to_owned(), |d| d.to_string())) }
                                td.wrap { (i.scope) }
                            }
                        }
                    }
                }
            }
        }
        div.heading {
            h2 { (lang.t(Msg::RegFindings)) }
            nav.choices {
                a href="/register/inspections" { (lang.t(Msg::RegAll)) }
                a href="/register/inspections?open=1" { (lang.t(Msg::RegOpenOnly)) }
            }
        }
        (findings_table(lang, &findings, today, Some(&system_names)))
    };
    layout::page(&viewer, Section::Register, title, body).into_response()
}
