//! The advisories' page: each advisory the viewer sees with its severity, due date and
//! guidance, and every agency it reached with the systems concerned and where that agency
//! is today (not acknowledged, acknowledged, completed, or escalated once the due day is
//! over in Hà Nội time).
//!
//! Reads go through the same [`vigil_soc::Advisories`] and tenant as the API: an agency
//! officer sees only advisories issued to their agency, and only their agency's row.
//! Drafting, issuing and answering are done through the API (`/api/v1/advisories`).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use maud::html;
use vigil_soc::advisories::{local_today, AdvisoryStatus, TargetState};
use vigil_soc::Advisories;

use super::i18n::{Lang, Msg};
use super::incidents::severity_name;
use super::layout::{self, Section};
use super::{failure, Viewer};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/advisories", get(list))
}

fn state_name(lang: Lang, state: TargetState) -> &'static str {
    lang.t(match state {
        TargetState::Pending => Msg::AdvPending,
        TargetState::Acknowledged => Msg::AdvAcknowledged,
        TargetState::Completed => Msg::AdvCompleted,
        TargetState::Escalated => Msg::AdvEscalated,
    })
}

/// `GET /advisories`: the advisories the viewer sees, newest first.
async fn list(State(state): State<AppState>, viewer: Viewer) -> Response {
    let lang = viewer.lang;
    let advisories = match Advisories::new(state.db.clone())
        .list(&viewer.caller.tenant())
        .await
    {
        Ok(advisories) => advisories,
        Err(e) => return failure(lang, e),
    };
    let today = local_today(Utc::now());
    let title = lang.t(Msg::AdvTitle);
    let body = html! {
        h1 { (title) }
        @if advisories.is_empty() {
            p.empty { (lang.t(Msg::AdvNone)) }
        }
        @for a in &advisories {
            section.panel {
                h2 {
                    (a.title)
                    @if !a.cves.is_empty() { " · " (a.cves.join(", ")) }
                }
                dl.facts {
                    dt { (lang.t(Msg::IncSeverity)) } dd { (severity_name(lang, a.severity)) }
                    dt { (lang.t(Msg::AdvDueDate)) } dd { (a.due_date) }
                    dt { (lang.t(Msg::IncStatus)) }
                    dd {
                        (lang.t(match a.status {
                            AdvisoryStatus::Draft => Msg::AdvStatusDraft,
                            AdvisoryStatus::Issued => Msg::AdvStatusIssued,
                        }))
                    }
                    dt { (lang.t(Msg::AdvGuidance)) } dd { (a.guidance) }
                }
                table {
                    thead { tr {
                        th { (lang.t(Msg::IncAgencies)) }
                        th { (lang.t(Msg::AdvTargets)) }
                        th { (lang.t(Msg::IncStatus)) }
                    } }
                    tbody {
                        @for t in a.targets.iter().filter(|t| viewer.caller.sees_agency(&t.agency_id)) {
                            @let target_state = a.target_state(t, today);
                            tr {
                                td { (t.agency) }
                                td {
                                    @for (n, s) in t.systems.iter().enumerate() {
                                        @if n > 0 { ", " }
                                        (s.name) " (" (s.level) ")"
                                    }
                                }
                                td {
                                    @if target_state == TargetState::Escalated {
                                        strong { (state_name(lang, target_state)) }
                                    } @else {
                                        (state_name(lang, target_state))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    layout::page(&viewer, Section::Advisories, title, body).into_response()
}
