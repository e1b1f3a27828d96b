//! The audit log, for admins and auditors (the 404 page for everyone else):
//! `GET /audit` lists records newest first, a page at a time, filtered by actor, action
//! and time, each with its state before and after; `GET /audit/verify` walks the whole
//! hash chain ([`vigil_store::db::Db::audit_verify`]) and says whether it is intact or
//! where it breaks.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use maud::{html, Markup};
use serde::Deserialize;
use vigil_store::db::{AuditCheck, AuditFilter, AuditRecord};

use super::i18n::{Lang, Msg};
use super::layout::{self, utc_time, Section};
use super::paging::pager;
use super::{failure, Viewer};
use crate::api::access::Action;
use crate::state::AppState;

/// Records per page.
const PAGE: i64 = 50;

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit", get(list))
        .route("/audit/verify", get(verify))
}

/// The filters and page, as the query string gives them (empty: any).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AuditParams {
    actor: String,
    action: String,
    /// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM` (UTC), from.
    from: String,
    /// The same, until (a bare date includes that whole day).
    to: String,
    page: usize,
}

/// A time from a date or date-and-time field; `end` makes a bare date mean the end of
/// that day.
fn instant(text: &str, end: bool) -> Result<Option<DateTime<Utc>>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let day = if end { day.succ_opt().ok_or(())? } else { day };
        return Ok(Some(day.and_hms_opt(0, 0, 0).ok_or(())?.and_utc()));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .map(|t| Some(t.and_utc()))
        .map_err(|_| ())
}

impl AuditParams {
    fn filter(&self) -> Result<AuditFilter, ()> {
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(AuditFilter {
            actor: text(&self.actor),
            action: text(&self.action),
            from: instant(&self.from, false)?,
            to: instant(&self.to, true)?,
        })
    }

    fn filters(&self) -> [(&str, &str); 4] {
        [
            ("actor", &self.actor),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ]
    }
}

/// The 404 page for roles that may not read the audit log.
fn refusal(viewer: &Viewer) -> Option<Response> {
    (!viewer.caller.can(Action::ViewAudit))
        .then(|| layout::error_page(viewer.lang, StatusCode::NOT_FOUND))
}

/// `GET /audit`.
async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Response {
    if let Some(refused) = refusal(&viewer) {
        return refused;
    }
    let lang = viewer.lang;
    let Some((params, filter)) = params
        .ok()
        .and_then(|Query(p)| p.filter().ok().map(|f| (p, f)))
    else {
        return layout::error_page(lang, StatusCode::BAD_REQUEST);
    };
    let offset = (params.page as i64).saturating_mul(PAGE);
    let (records, total) = match state.db.audit_search(&filter, PAGE, offset).await {
        Ok(found) => found,
        Err(e) => return failure(lang, e),
    };
    audit_page(&viewer, &params, &records, total, None)
}

/// `GET /audit/verify`: the list's first page, with the verdict on the chain.
async fn verify(State(state): State<AppState>, viewer: Viewer) -> Response {
    if let Some(refused) = refusal(&viewer) {
        return refused;
    }
    let lang = viewer.lang;
    let check = match state.db.audit_verify().await {
        Ok(check) => check,
        Err(e) => return failure(lang, e),
    };
    let params = AuditParams::default();
    let (records, total) = match state
        .db
        .audit_search(&AuditFilter::default(), PAGE, 0)
        .await
    {
        Ok(found) => found,
        Err(e) => return failure(lang, e),
    };
    audit_page(&viewer, &params, &records, total, Some(check))
}

fn verdict(lang: Lang, check: &AuditCheck) -> Markup {
    match check {
        AuditCheck::Intact { records } => html! {
            p.done role="status" { (lang.t(Msg::AuditIntact)) " (" (records) " " (lang.t(Msg::AuditRecords)) ")" }
        },
        AuditCheck::Broken { id, reason } => html! {
            p.error role="alert" { (lang.t(Msg::AuditBroken)) " #" (id) ": " (reason) }
        },
    }
}

/// One text filter of the list: its label and input, `name` being both the input's id
/// and its query parameter.
fn filter_field(lang: Lang, name: &str, label: Msg, value: &str, placeholder: &str) -> Markup {
    html! {
        div {
            label for=(name) { (lang.t(label)) }
            input id=(name) name=(name) value=(value) placeholder=(placeholder);
        }
    }
}

fn audit_page(
    viewer: &Viewer,
    params: &AuditParams,
    records: &[AuditRecord],
    total: i64,
    check: Option<AuditCheck>,
) -> Response {
    let lang = viewer.lang;
    let page = params.page;
    let pages = (total.max(0) as usize).div_ceil(PAGE as usize).max(1);
    let title = lang.t(Msg::AuditTitle);
    let body = html! {
        h1 { (title) }
        @if let Some(check) = &check { (verdict(lang, check)) }
        form.filters method="get" action="/audit" {
            (filter_field(lang, "actor", Msg::AuditActor, &params.actor, "user:admin"))
            (filter_field(lang, "action", Msg::AuditAction, &params.action, "user."))
            (filter_field(lang, "from", Msg::AuditFrom, &params.from, "2026-01-31"))
            (filter_field(lang, "to", Msg::AuditTo, &params.to, "2026-01-31T17:00"))
            button type="submit" { (lang.t(Msg::Filter)) }
        }
        form.inline method="get" action="/audit/verify" {
            button type="submit" { (lang.t(Msg::AuditVerify)) }
        }
        @if records.is_empty() {
            p.panel { (lang.t(Msg::AuditEmpty)) }
        } @else {
            p.hint { (lang.t(Msg::Shown)) " " (records.len()) " / " (total) " · UTC" }
            table.audit {
                thead {
                    tr {
                        th.num { "#" }
                        th { (lang.t(Msg::AuditWhen)) }
                        th { (lang.t(Msg::AuditActor)) }
                        th { (lang.t(Msg::AuditAction)) }
                        th { (lang.t(Msg::AuditObject)) }
                        th { (lang.t(Msg::AuditBefore)) }
                        th { (lang.t(Msg::AuditAfter)) }
                    }
                }
                tbody {
                    @for r in records {
                        tr {
                            td.num { (r.id) }
                            td { (utc_time(r.at)) }
                            td.wrap { (r.actor) }
                            td { code { (r.action) } }
                            td.wrap { code { (r.object) } }
                            td.wrap { code.json { (r.before.as_deref().unwrap_or("")) } }
                            td.wrap { code.json { (r.after.as_deref().unwrap_or("")) } }
                        }
                    }
                }
            }
            (pager(lang, "/audit", &params.filters(), page, pages))
        }
    };
    layout::page(viewer, Section::Audit, title, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_bound_the_range() {
        assert_eq!(instant("", false), Ok(None));
        assert_eq!(
            instant("2026-03-01", false).unwrap().unwrap().to_rfc3339(),
            "2026-03-01T00:00:00+00:00"
        );
        // A bare end date includes its whole day.
        assert_eq!(
            instant("2026-03-01", true).unwrap().unwrap().to_rfc3339(),
            "2026-03-02T00:00:00+00:00"
        );
        assert_eq!(
            instant("2026-03-01T08:30", true)
                .unwrap()
                .unwrap()
                .to_rfc3339(),
            "2026-03-01T08:30:00+00:00"
        );
        assert!(instant("yesterday", false).is_err());
    }
}
