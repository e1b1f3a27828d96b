//! The incidents' pages: the list (status, severity, agencies, systems, the next report
//! deadline) and one incident's record (facts, reporting duties with links to the report
//! drafts, tasks, evidence, timeline). Times are Hà Nội time (UTC+7), as the deadlines are.
//!
//! Reads go through the same [`vigil_soc::Incidents`] and tenant as the API, so an agency
//! officer sees only incidents involving their agency and another is a 404 page. Changes
//! are made through the API (`/api/v1/incidents`); evidence links go to the API's
//! download, which only ever answers an attachment.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, FixedOffset, Utc};
use maud::{html, Markup};
use vigil_soc::incidents::{task_overdue, IncidentStatus};
use vigil_soc::reporting::{local, next_deadline};
use vigil_soc::Incidents;
use vigil_store::db::Severity;

use super::i18n::{Lang, Msg};
use super::layout::{self, href, Section};
use super::{failure, Viewer};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list))
        .route("/incidents/{id}", get(detail))
}

/// An instant in Hà Nội time.
fn local_time(at: DateTime<Utc>) -> String {
    local_offset_time(local(at))
}

fn local_offset_time(at: DateTime<FixedOffset>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

fn status_name(lang: Lang, status: IncidentStatus) -> &'static str {
    lang.t(match status {
        IncidentStatus::New => Msg::IncStatusNew,
        IncidentStatus::Triage => Msg::IncStatusTriage,
        IncidentStatus::Contained => Msg::IncStatusContained,
        IncidentStatus::Eradicated => Msg::IncStatusEradicated,
        IncidentStatus::Recovered => Msg::IncStatusRecovered,
        IncidentStatus::Closed => Msg::IncStatusClosed,
    })
}

pub(super) fn severity_name(lang: Lang, severity: Severity) -> &'static str {
    lang.t(match severity {
        Severity::Low => Msg::RegSeverityLow,
        Severity::Medium => Msg::RegSeverityMedium,
        Severity::High => Msg::RegSeverityHigh,
        Severity::Critical => Msg::RegSeverityCritical,
    })
}

/// `GET /incidents`: the incidents the viewer sees, newest first.
async fn list(State(state): State<AppState>, viewer: Viewer) -> Response {
    let lang = viewer.lang;
    let service = Incidents::new(state.db.clone());
    let incidents = match service.list(&viewer.caller.tenant()).await {
        Ok(incidents) => incidents,
        Err(e) => return failure(lang, e),
    };
    let now = Utc::now();
    let title = lang.t(Msg::IncTitle);
    let body = html! {
        h1 { (title) }
        @if incidents.is_empty() {
            p.empty { (lang.t(Msg::IncNone)) }
        } @else {
            table {
                thead { tr {
                    th { (lang.t(Msg::IncTitleColumn)) }
                    th { (lang.t(Msg::IncStatus)) }
                    th { (lang.t(Msg::IncSeverity)) }
                    th { (lang.t(Msg::IncAgencies)) }
                    th { (lang.t(Msg::IncSystems)) }
                    th { (lang.t(Msg::IncOpened)) }
                    th { (lang.t(Msg::IncDeadline)) }
                } }
                tbody {
                    @for i in &incidents {
                        tr {
                            td { a href=(href::<&str>(&format!("/incidents/{}", i.id), &[])) { (i.title) } }
                            td { (status_name(lang, i.status)) }
                            td { (severity_name(lang, i.severity)) }
                            td { (i.agencies.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")) }
                            td { (i.systems.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")) }
                            td { (local_time(i.opened_at)) }
                            td { (next_deadline(i, service.policy(), now).map(local_offset_time).unwrap_or_else(|| "–".into())) }
                        }
                    }
                }
            }
        }
    };
    layout::page(&viewer, Section::Incidents, title, body).into_response()
}

/// `GET /incidents/{id}`: one incident's record.
async fn detail(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    let lang = viewer.lang;
    let service = Incidents::new(state.db.clone());
    let incident = match service.get(&viewer.caller.tenant(), &id).await {
        Ok(incident) => incident,
        Err(e) => return failure(lang, e),
    };
    let now = Utc::now();
    let today = local(now).date_naive();
    let duties = service.duties(&incident, now);
    let api = format!("/api/v1/incidents/{}", incident.id);
    let dash = || "–".to_owned();
    let body: Markup = html! {
        h1 { (incident.title) }
        dl.facts.panel {
            dt { (lang.t(Msg::IncStatus)) } dd { (status_name(lang, incident.status)) }
            dt { (lang.t(Msg::IncSeverity)) } dd { (severity_name(lang, incident.severity)) }
            dt { (lang.t(Msg::IncClass)) } dd { (incident.class.label_vi()) }
            dt { (lang.t(Msg::IncAgencies)) } dd { (incident.agencies.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")) }
            dt { (lang.t(Msg::IncSystems)) }
            dd {
                @for (n, s) in incident.systems.iter().enumerate() {
                    @if n > 0 { ", " }
                    a href=(format!("/register/systems/{}", s.id)) { (s.name) }
                    " (" (s.level) ")"
                }
            }
            dt { (lang.t(Msg::IncDetected)) } dd { (local_time(incident.detected_at)) }
            dt { (lang.t(Msg::IncOpened)) } dd { (local_time(incident.opened_at)) }
            dt { (lang.t(Msg::IncResolution)) } dd { (incident.resolution.clone().unwrap_or_else(dash)) }
        }
        @if !incident.description.is_empty() {
            p { (incident.description) }
        }
        h2 { (lang.t(Msg::IncReporting)) }
        table {
            thead { tr {
                th { (lang.t(Msg::IncReport)) }
                th { (lang.t(Msg::IncDeadline)) }
                th { (lang.t(Msg::IncRecipients)) }
                th { (lang.t(Msg::IncSent)) }
            } }
            tbody {
                @for d in &duties {
                    tr {
                        td { a href=(href(&format!("{api}/reports"), &[("kind", d.kind.as_str()), ("format", "text")])) { (d.title) } }
                        td {
                            (local_offset_time(d.due_at))
                            @if d.overdue { " · " strong { (lang.t(Msg::IncOverdue)) } }
                        }
                        td { (d.recipients.iter().map(|r| if lang == Lang::Vi { r.vi } else { r.en }).collect::<Vec<_>>().join("; ")) }
                        td { (d.sent.as_ref().map(|s| local_time(s.sent_at)).unwrap_or_else(dash)) }
                    }
                }
            }
        }
        h2 { (lang.t(Msg::IncTasks)) }
        table {
            thead { tr {
                th { (lang.t(Msg::IncTask)) }
                th { (lang.t(Msg::IncOwner)) }
                th { (lang.t(Msg::IncDue)) }
                th { (lang.t(Msg::IncDone)) }
            } }
            tbody {
                @for t in &incident.tasks {
                    tr {
                        td { (t.title) }
                        td { (t.owner) }
                        td {
                            (t.due.map(|d| d.to_string()).unwrap_or_else(dash))
                            @if task_overdue(t, today) { " · " strong { (lang.t(Msg::IncOverdue)) } }
                        }
                        td { (if t.done { "✓" } else { "" }) }
                    }
                }
            }
        }
        h2 { (lang.t(Msg::IncEvidence)) }
        table {
            thead { tr {
                th { (lang.t(Msg::IncFile)) }
                th { "SHA-256" }
                th { (lang.t(Msg::IncSize)) }
                th { (lang.t(Msg::IncUploaded)) }
            } }
            tbody {
                @for e in &incident.evidence {
                    tr {
                        td { a href=(format!("{api}/evidence/{}", e.id)) download { (e.file_name) } }
                        td { code { (e.sha256) } }
                        td { (e.size) }
                        td { (e.uploaded_by) " · " (local_time(e.uploaded_at)) }
                    }
                }
            }
        }
        h2 { (lang.t(Msg::IncTimeline)) }
        ol.timeline {
            @for entry in &incident.timeline {
                li { (local_time(entry.at)) " · " (entry.actor) " · " (entry.text) }
            }
        }
    };
    layout::page(&viewer, Section::Incidents, &incident.title, body).into_response()
}
