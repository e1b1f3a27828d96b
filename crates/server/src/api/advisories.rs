//! Advisories (issue 6): the SOC drafts an early warning, previews exactly which agencies
//! and systems its targeting reaches in the register, issues it, and follows each
//! agency's acknowledgement and completion; targets that have not acknowledged by the
//! due date show as escalated.
//!
//! Admins and SOC analysts manage advisories. An agency officer sees only advisories
//! issued to their agency — and within them only their agency's target — and
//! acknowledges or completes only for their agency; anything else answers 404. Leaders
//! and auditors read.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use vigil_soc::advisories::{local_today, Advisory, AdvisoryUpdate, NewAdvisory, Targeting};
use vigil_soc::Advisories;
use vigil_store::db::Tenant;

use super::access::{Action, Caller};
use super::admin::named_agency_id;
use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, PathParams};
use crate::state::AppState;

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/advisories", get(list).post(create))
        .route("/api/v1/advisories/preview", post(preview))
        .route(
            "/api/v1/advisories/{id}",
            get(one).patch(update).delete(delete_draft),
        )
        .route("/api/v1/advisories/{id}/issue", post(issue))
        .route("/api/v1/advisories/{id}/acknowledge", post(acknowledge))
        .route("/api/v1/advisories/{id}/complete", post(complete))
}

fn advisories(state: &AppState) -> Advisories {
    Advisories::new(state.db.clone())
}

/// Runs `act` on the service for a caller allowed `action`, and answers the advisory it
/// returns as the caller may see it.
async fn act<E>(
    state: &AppState,
    caller: &Caller,
    action: Action,
    act: impl AsyncFnOnce(&Advisories) -> Result<Advisory, E>,
) -> ApiResult<Json<Value>>
where
    ApiError: From<E>,
{
    caller.require(action)?;
    let advisory = act(&advisories(state)).await?;
    Ok(Json(view(&advisory, caller)))
}

/// An advisory as `caller` may see it, each target with its state today and the
/// advisory's counts.
fn view(advisory: &Advisory, caller: &Caller) -> Value {
    let today = local_today(Utc::now());
    let mut value = json!(advisory);
    let targets: Vec<Value> = advisory
        .targets
        .iter()
        .filter(|t| caller.sees_agency(&t.agency_id))
        .map(|t| {
            let mut target = json!(t);
            target["state"] = json!(advisory.target_state(t, today));
            target
        })
        .collect();
    let count = |state: &str| targets.iter().filter(|t| t["state"] == state).count();
    value["counts"] = json!({
        "agencies": targets.len(),
        "systems": targets.iter().map(|t| t["systems"].as_array().map_or(0, Vec::len)).sum::<usize>(),
        "pending": count("pending"),
        "acknowledged": count("acknowledged"),
        "completed": count("completed"),
        "escalated": count("escalated"),
    });
    value["escalated"] = json!(count("escalated") > 0);
    value["targets"] = json!(targets);
    if caller.tenant_agency().is_some() {
        value["targeting"] = Value::Null;
    }
    value
}

async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let list: Vec<Value> = advisories(&state)
        .list(&caller.tenant())
        .await?
        .iter()
        .map(|a| view(a, &caller))
        .collect();
    Ok(Json(json!({ "total": list.len(), "advisories": list })))
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(new): JsonBody<NewAdvisory>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let answer = act(&state, &caller, Action::ManageAdvisories, async |service| {
        service.create(&new, caller.actor()).await
    })
    .await?;
    Ok((StatusCode::CREATED, answer))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PreviewInput {
    targeting: Targeting,
}

async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<PreviewInput>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::ManageAdvisories)?;
    let targets = advisories(&state).preview(&input.targeting).await?;
    let systems: usize = targets.iter().map(|t| t.systems.len()).sum();
    Ok(Json(json!({
        "agencies": targets.len(),
        "systems": systems,
        "targets": targets,
    })))
}

async fn one(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<Value>> {
    act(&state, &caller, Action::Read, async |service| {
        service.get(&caller.tenant(), &id).await
    })
    .await
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(update): JsonBody<AdvisoryUpdate>,
) -> ApiResult<Json<Value>> {
    act(&state, &caller, Action::ManageAdvisories, async |service| {
        service.update(&id, &update, caller.actor()).await
    })
    .await
}

async fn delete_draft(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<StatusCode> {
    caller.require(Action::ManageAdvisories)?;
    advisories(&state).delete_draft(&id, caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn issue(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<Value>> {
    act(&state, &caller, Action::ManageAdvisories, async |service| {
        service.issue(&id, caller.actor()).await
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerInput {
    /// The answering agency (id or name); an officer's own agency by default.
    agency: Option<String>,
    /// What was done (on completion).
    note: Option<String>,
}

/// The agency an answer is for: the one named (within the caller's tenant; another
/// agency is not found), else the officer's own.
async fn answering_agency(
    state: &AppState,
    caller: &Caller,
    input: &AnswerInput,
) -> ApiResult<String> {
    match (input.agency.as_deref(), caller.tenant_agency()) {
        (Some(key), _) => named_agency_id(state, caller, Some(key))
            .await
            .ok()
            .flatten()
            .ok_or_else(|| ApiError::not_found(&format!("agency {key}"))),
        (None, Some(own)) => Ok(own),
        (None, None) => Err(ApiError::bad_request("'agency' is required")),
    }
}

/// Records an answer for a caller allowed to answer advisories: `record` gets the
/// service, the caller's tenant, the answering agency's id and the audit actor.
async fn answer<E>(
    state: &AppState,
    caller: &Caller,
    input: &AnswerInput,
    record: impl AsyncFnOnce(&Advisories, &Tenant, &str, &str) -> Result<Advisory, E>,
) -> ApiResult<Json<Value>>
where
    ApiError: From<E>,
{
    caller.require(Action::AnswerAdvisory)?;
    let agency_id = answering_agency(state, caller, input).await?;
    let service = advisories(state);
    let advisory = record(&service, &caller.tenant(), &agency_id, caller.actor()).await?;
    Ok(Json(view(&advisory, caller)))
}

async fn acknowledge(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(input): JsonBody<AnswerInput>,
) -> ApiResult<Json<Value>> {
    answer(
        &state,
        &caller,
        &input,
        async |service, tenant, agency_id, actor| {
            service.acknowledge(tenant, &id, agency_id, actor).await
        },
    )
    .await
}

async fn complete(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(input): JsonBody<AnswerInput>,
) -> ApiResult<Json<Value>> {
    answer(
        &state,
        &caller,
        &input,
        async |service, tenant, agency_id, actor| {
            let note = input.note.as_deref();
            service.complete(tenant, &id, agency_id, note, actor).await
        },
    )
    .await
}
