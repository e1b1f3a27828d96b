//! Incidents (issue 6): open them from alerts or by hand, move them through their
//! workflow, assign tasks, keep evidence, link event searches, and follow the reporting
//! clocks with drafts of the reports owed.
//!
//! Handlers parse, ask [`access`](super::access) and call [`vigil_soc::Incidents`], which
//! checks the workflow rules before the state database stores and audits the change.
//! Admins and SOC analysts manage incidents; everyone else reads, and an agency officer
//! reads only incidents that involve their agency (any other answers 404).
//!
//! Evidence is uploaded as the raw request body (its name in `?name=` or the
//! `X-File-Name` header, percent-encoded UTF-8), at most [`MAX_EVIDENCE_BYTES`], kept by
//! SHA-256 under the data directory, and only ever served back as an attachment of type
//! `application/octet-stream` with `X-Content-Type-Options: nosniff` — never rendered.

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use vigil_soc::file_store::FileStore;
use vigil_soc::incidents::{
    Incident, IncidentStatus, IncidentUpdate, NewIncident, SavedSearch, TaskUpdate,
};
use vigil_soc::reporting::{draft, next_deadline, DutyKind};
use vigil_soc::Incidents;
use vigil_store::db::Tenant;

use super::access::{Action, Caller};
use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, PathParams, QueryParams};
use crate::state::AppState;

/// Largest evidence file accepted.
pub const MAX_EVIDENCE_BYTES: usize = 32 * 1024 * 1024;

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/incidents", get(list).post(create))
        .route("/api/v1/incidents/{id}", get(one).patch(update))
        .route("/api/v1/incidents/{id}/transition", post(transition))
        .route("/api/v1/incidents/{id}/reopen", post(reopen))
        .route("/api/v1/incidents/{id}/timeline", get(timeline))
        .route("/api/v1/incidents/{id}/notes", post(add_note))
        .route("/api/v1/incidents/{id}/tasks", post(add_task))
        .route("/api/v1/incidents/{id}/tasks/{task_id}", patch(update_task))
        .route("/api/v1/incidents/{id}/searches", post(link_search))
        .route(
            "/api/v1/incidents/{id}/evidence",
            get(list_evidence)
                .post(upload_evidence)
                .layer(DefaultBodyLimit::max(MAX_EVIDENCE_BYTES)),
        )
        .route(
            "/api/v1/incidents/{id}/evidence/{evidence_id}",
            get(download_evidence),
        )
        .route("/api/v1/incidents/{id}/reports", get(reports))
        .route(
            "/api/v1/incidents/{id}/reports/{kind}/sent",
            post(report_sent),
        )
}

fn incidents(state: &AppState) -> Incidents {
    Incidents::new(state.db.clone())
}

/// Runs `change` (given the service, the caller's tenant and the audit actor) for a
/// caller who manages incidents, and answers the changed incident.
async fn change<E>(
    state: &AppState,
    caller: &Caller,
    change: impl AsyncFnOnce(&Incidents, &Tenant, &str) -> Result<Incident, E>,
) -> ApiResult<Json<Value>>
where
    ApiError: From<E>,
{
    caller.require(Action::ManageIncidents)?;
    let service = incidents(state);
    let incident = change(&service, &caller.tenant(), caller.actor()).await?;
    Ok(Json(detail(&incident, &service)))
}

/// One incident for a caller who may read it.
async fn readable(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Incident> {
    caller.require(Action::Read)?;
    Ok(incidents(state).get(&caller.tenant(), id).await?)
}

/// The list entry of the contract, plus the class and agency ids.
fn summary(incident: &Incident, service: &Incidents, now: DateTime<Utc>) -> Value {
    json!({
        "id": incident.id,
        "title": incident.title,
        "status": incident.status,
        "severity": incident.severity,
        "class": incident.class,
        "agencies": incident.agencies.iter().map(|a| &a.name).collect::<Vec<_>>(),
        "agency_ids": incident.agencies.iter().map(|a| &a.id).collect::<Vec<_>>(),
        "systems": incident.systems.iter().map(|s| &s.name).collect::<Vec<_>>(),
        "opened_at": incident.opened_at,
        "report_deadline": next_deadline(incident, service.policy(), now),
    })
}

/// The whole incident with its reporting clocks.
fn detail(incident: &Incident, service: &Incidents) -> Value {
    let now = Utc::now();
    let today = vigil_soc::advisories::local_today(now);
    let mut value = json!(incident);
    value["report_deadline"] = json!(next_deadline(incident, service.policy(), now));
    value["reporting"] = json!(service.duties(incident, now));
    for (task, out) in incident
        .tasks
        .iter()
        .zip(value["tasks"].as_array_mut().into_iter().flatten())
    {
        out["overdue"] = json!(vigil_soc::incidents::task_overdue(task, today));
    }
    value
}

#[derive(Debug, Deserialize)]
struct ListParams {
    status: Option<IncidentStatus>,
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<ListParams>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let service = incidents(&state);
    let now = Utc::now();
    let list: Vec<Value> = service
        .list(&caller.tenant())
        .await?
        .iter()
        .filter(|i| params.status.is_none_or(|s| s == i.status))
        .map(|i| summary(i, &service, now))
        .collect();
    Ok(Json(json!({ "total": list.len(), "incidents": list })))
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(new): JsonBody<NewIncident>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Action::ManageIncidents)?;
    let service = incidents(&state);
    let incident = service.create(&new, caller.actor()).await?;
    Ok((StatusCode::CREATED, Json(detail(&incident, &service))))
}

async fn one(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let service = incidents(&state);
    let incident = service.get(&caller.tenant(), &id).await?;
    Ok(Json(detail(&incident, &service)))
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(update): JsonBody<IncidentUpdate>,
) -> ApiResult<Json<Value>> {
    change(&state, &caller, async |service, tenant, actor| {
        service.update(tenant, &id, &update, actor).await
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransitionInput {
    status: IncidentStatus,
    resolution: Option<String>,
}

async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(input): JsonBody<TransitionInput>,
) -> ApiResult<Json<Value>> {
    change(&state, &caller, async |service, tenant, actor| {
        let resolution = input.resolution.as_deref();
        service
            .transition(tenant, &id, input.status, resolution, actor)
            .await
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonInput {
    reason: String,
}

async fn reopen(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(input): JsonBody<ReasonInput>,
) -> ApiResult<Json<Value>> {
    change(&state, &caller, async |service, tenant, actor| {
        service.reopen(tenant, &id, &input.reason, actor).await
    })
    .await
}

async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<Value>> {
    let incident = readable(&state, &caller, &id).await?;
    Ok(Json(json!({ "timeline": incident.timeline })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteInput {
    text: String,
}

async fn add_note(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(input): JsonBody<NoteInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let answer = change(&state, &caller, async |service, tenant, actor| {
        service.add_note(tenant, &id, &input.text, actor).await
    })
    .await?;
    Ok((StatusCode::CREATED, answer))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskInput {
    title: String,
    owner: String,
    due: Option<NaiveDate>,
}

async fn add_task(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(input): JsonBody<TaskInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let answer = change(&state, &caller, async |service, tenant, actor| {
        let (title, owner) = (&input.title, &input.owner);
        service
            .add_task(tenant, &id, title, owner, input.due, actor)
            .await
    })
    .await?;
    Ok((StatusCode::CREATED, answer))
}

async fn update_task(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((id, task_id)): PathParams<(String, String)>,
    JsonBody(update): JsonBody<TaskUpdate>,
) -> ApiResult<Json<Value>> {
    change(&state, &caller, async |service, tenant, actor| {
        service
            .update_task(tenant, &id, &task_id, &update, actor)
            .await
    })
    .await
}

async fn link_search(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(search): JsonBody<SavedSearch>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Action::ManageIncidents)?;
    search
        .query
        .parse::<vigil_store::events::Query>()
        .map_err(vigil_store::events::StoreError::from)?;
    let answer = change(&state, &caller, async |service, tenant, actor| {
        service.link_search(tenant, &id, &search, actor).await
    })
    .await?;
    Ok((StatusCode::CREATED, answer))
}

/// The evidence store of the server's data directory.
fn evidence_store(state: &AppState) -> ApiResult<FileStore> {
    state.db.data_dir().map(FileStore::evidence).ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "evidence needs a data directory (an SQLite state database)",
        )
    })
}

async fn list_evidence(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<Value>> {
    let incident = readable(&state, &caller, &id).await?;
    Ok(Json(json!({ "evidence": incident.evidence })))
}

#[derive(Debug, Deserialize)]
struct EvidenceParams {
    name: Option<String>,
}

/// A file name safe to record and to send back: its last path component, without
/// control characters, at most 200 characters.
fn clean_file_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let clean = clean.trim().to_owned();
    (!clean.is_empty() && clean != "." && clean != "..").then_some(clean)
}

/// Percent-decodes a header value (UTF-8 file names travel encoded).
fn percent_decoded(text: &str) -> String {
    form_urlencoded::parse(format!("n={}", text.replace('+', "%2B")).as_bytes())
        .map(|(_, v)| v.into_owned())
        .next()
        .unwrap_or_default()
}

async fn upload_evidence(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    QueryParams(params): QueryParams<EvidenceParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Action::ManageIncidents)?;
    let named = params.name.or_else(|| {
        headers
            .get("x-file-name")
            .and_then(|v| v.to_str().ok())
            .map(percent_decoded)
    });
    let name = named
        .as_deref()
        .and_then(clean_file_name)
        .ok_or_else(|| ApiError::bad_request("name the file: ?name= or X-File-Name"))?;
    if body.is_empty() {
        return Err(ApiError::bad_request("the file is empty"));
    }
    let service = incidents(&state);
    let tenant = caller.tenant();
    service.get(&tenant, &id).await?;
    let store = evidence_store(&state)?;
    let kept = tokio::task::spawn_blocking(move || store.put(&body))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let (_, evidence) = service
        .add_evidence(&tenant, &id, &name, &kept.sha256, kept.size, caller.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(json!(evidence))))
}

/// `attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266, RFC 5987).
fn attachment(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

async fn download_evidence(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((id, evidence_id)): PathParams<(String, String)>,
) -> ApiResult<Response> {
    let incident = readable(&state, &caller, &id).await?;
    let evidence = incident
        .evidence
        .into_iter()
        .find(|e| e.id == evidence_id)
        .ok_or_else(|| ApiError::not_found(&format!("evidence {evidence_id}")))?;
    let store = evidence_store(&state)?;
    let sha256 = evidence.sha256.clone();
    let bytes = tokio::task::spawn_blocking(move || store.get(&sha256))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?
        .ok_or_else(|| {
            ApiError::internal(format!("evidence file {} is missing", evidence.sha256))
        })?;
    let mut response = Body::from(bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(header::CONTENT_DISPOSITION, attachment(&evidence.file_name));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(digest) = HeaderValue::from_str(&evidence.sha256) {
        headers.insert("x-sha256", digest);
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
struct ReportParams {
    /// Only this report.
    kind: Option<DutyKind>,
    /// `text` answers the plain-text rendering of the one report `kind` names.
    format: Option<String>,
}

async fn reports(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    QueryParams(params): QueryParams<ReportParams>,
) -> ApiResult<Response> {
    caller.require(Action::Read)?;
    let service = incidents(&state);
    let incident = service.get(&caller.tenant(), &id).await?;
    let systems = service.systems_of(&incident).await?;
    let now = Utc::now();
    let duties: Vec<_> = service
        .duties(&incident, now)
        .into_iter()
        .filter(|d| params.kind.is_none_or(|k| k == d.kind))
        .collect();
    if params.kind.is_some() && duties.is_empty() {
        return Err(ApiError::not_found("report of this kind for this incident"));
    }
    let drafts: Vec<_> = duties
        .iter()
        .map(|d| draft(&incident, d.kind, &systems, now))
        .collect();
    match params.format.as_deref() {
        None | Some("json") => {
            Ok(Json(json!({ "reporting": duties, "drafts": drafts })).into_response())
        }
        Some("text") if drafts.len() == 1 => Ok((
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            drafts[0].text.clone(),
        )
            .into_response()),
        Some(_) => Err(ApiError::bad_request(
            "format is json, or text with one report kind",
        )),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SentInput {
    /// When it was sent (default: now).
    sent_at: Option<DateTime<Utc>>,
    reference: Option<String>,
}

async fn report_sent(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((id, kind)): PathParams<(String, String)>,
    JsonBody(input): JsonBody<SentInput>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::ManageIncidents)?;
    let kind: DutyKind = serde_json::from_value(json!(kind))
        .map_err(|_| ApiError::bad_request(format!("unknown report kind {kind:?}")))?;
    change(&state, &caller, async |service, tenant, actor| {
        let sent_at = input.sent_at.unwrap_or_else(Utc::now);
        let reference = input.reference.as_deref();
        service
            .record_report_sent(tenant, &id, kind, sent_at, reference, actor)
            .await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(
            clean_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            clean_file_name("C:\\tmp\\nhật ký\u{0}.evtx").as_deref(),
            Some("nhật ký.evtx")
        );
        assert_eq!(clean_file_name(".."), None);
        assert_eq!(percent_decoded("nh%E1%BA%ADt%20k%C3%BD.txt"), "nhật ký.txt");
        let value = attachment("nhật ký \".txt");
        let text = value.to_str().unwrap();
        assert!(text.starts_with("attachment; filename=\"nh"), "{text}");
        assert!(
            text.contains("filename*=UTF-8''nh%E1%BA%ADt%20k%C3%BD%20%22.txt"),
            "{text}"
        );
    }
}
