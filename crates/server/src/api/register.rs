//! The register (issue 5): information systems, the controls catalogue, self-assessments,
//! inspection plans, inspections, findings, and the dashboard over them.
//!
//! Handlers parse, ask [`access`](super::access) and call [`vigil_soc::Register`], which
//! checks the domain rules (dossier transitions, decisions on approval, catalogue
//! coherence, finding workflow) before the state database stores and audits the change.
//! Reads take the caller's tenant: an agency officer's request for another agency's
//! system or finding answers 404. Agency officers edit their own agency's systems and
//! self-assessments and report remediation of its findings; admins and SOC analysts (the
//! inspectors) plan inspections and record and verify findings; admins replace the
//! catalogue; leaders and auditors read. A system created or changed asks the pipeline to
//! reload, so events from its addresses are attributed to it at once (the CLI's imports are
//! picked up by the pipeline's periodic refresh).

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use vigil_soc::address::{component_text, parse_address, parse_component};
use vigil_soc::dossier::approver_for_level;
use vigil_soc::gaps::Observations;
use vigil_soc::{Catalogue, Reason, Register};
use vigil_store::db::{
    ControlAssessment, DossierStatus, FindingStatus, FindingUpdate, InformationSystem, NewContact,
    NewFinding, NewInspection, Regime, SystemAddress, SystemDetails, SystemFilter,
};
use vigil_store::events::{Query, TimeRange};

use super::access::{Action, Caller};
use super::admin::{named_agency_id, visible_agency};
use super::error::{ApiError, ApiResult};
use super::events::on_store;
use super::extract::{JsonBody, PathParams, QueryParams};
use crate::state::AppState;

/// Days without an event before a system counts as a monitoring gap, unless the
/// dashboard is asked for another window (at most [`MAX_WINDOW_DAYS`]).
pub(crate) const MONITORING_WINDOW_DAYS: u32 = 7;
const MAX_WINDOW_DAYS: u32 = 366;
/// At most this many distinct agencies, systems or hosts are read from the event store.
const MAX_OBSERVED: usize = 10_000;

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/systems", get(list_systems).post(create_system))
        .route("/api/v1/systems/{id}", get(one_system).patch(update_system))
        .route(
            "/api/v1/systems/{id}/assessments",
            get(list_assessments).post(record_assessment),
        )
        .route(
            "/api/v1/systems/{id}/assessments/{assessment_id}/evidence",
            get(assessment_evidence).post(add_assessment_evidence),
        )
        .route(
            "/api/v1/agencies/{id}/contacts",
            get(agency_contacts).post(add_agency_contact),
        )
        .route("/api/v1/catalogue", get(catalogue).put(replace_catalogue))
        .route(
            "/api/v1/inspection-plans",
            get(inspection_plans).post(create_inspection_plan),
        )
        .route(
            "/api/v1/inspections",
            get(inspections).post(create_inspection),
        )
        .route(
            "/api/v1/inspections/{id}",
            axum::routing::patch(complete_inspection),
        )
        .route("/api/v1/findings", get(findings).post(create_finding))
        .route(
            "/api/v1/findings/{id}",
            get(one_finding).patch(update_finding),
        )
        .route(
            "/api/v1/findings/{id}/evidence",
            get(finding_evidence).post(add_finding_evidence),
        )
        .route("/api/v1/register/compliance", get(compliance))
        .route("/api/v1/register/dashboard", get(dashboard))
}

impl From<vigil_soc::Error> for ApiError {
    fn from(e: vigil_soc::Error) -> ApiError {
        match e {
            vigil_soc::Error::Db(e) => ApiError::from(e),
            vigil_soc::Error::NotFound(what) => ApiError::not_found(&what),
            vigil_soc::Error::Invalid(reasons) => invalid(reasons),
        }
    }
}

/// 400 listing every reason, in both languages.
fn invalid(reasons: Vec<Reason>) -> ApiError {
    ApiError::bad_request(vigil_soc::reason::joined(&reasons)).with_detail(json!(reasons))
}

fn register(state: &AppState) -> Register {
    Register::new(state.db.clone())
}

/// A system as the API shows it: the contract's fields (`addresses` and `components` as
/// the text import reads) plus everything else recorded.
#[derive(Debug, Serialize)]
struct SystemView {
    id: String,
    name: String,
    agency: String,
    agency_id: String,
    level: u8,
    dossier_status: DossierStatus,
    addresses: Vec<String>,
    components: Vec<String>,
    address_details: Vec<SystemAddress>,
    purpose: Option<String>,
    operator: Option<String>,
    hosting: Option<String>,
    users_served: Option<String>,
    personal_data: bool,
    state_secrets: bool,
    regime: Regime,
    decision_number: Option<String>,
    decision_date: Option<NaiveDate>,
    approving_authority: Option<String>,
    /// Who approves a dossier of this level under the decree.
    approver_for_level: Reason,
    review_date: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<InformationSystem> for SystemView {
    fn from(s: InformationSystem) -> SystemView {
        let d = s.details;
        SystemView {
            id: s.id,
            name: d.name,
            agency: s.agency,
            agency_id: s.agency_id,
            level: d.level,
            dossier_status: d.dossier_status,
            addresses: d.addresses.iter().map(|a| a.address.clone()).collect(),
            components: d.components.iter().map(component_text).collect(),
            address_details: d.addresses,
            purpose: d.purpose,
            operator: d.operator,
            hosting: d.hosting,
            users_served: d.users_served,
            personal_data: d.personal_data,
            state_secrets: d.state_secrets,
            regime: d.regime,
            decision_number: d.decision_number,
            decision_date: d.decision_date,
            approving_authority: d.approving_authority,
            approver_for_level: approver_for_level(d.level),
            review_date: d.review_date,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Debug, Deserialize)]
struct SystemParams {
    /// Agency id or name.
    agency: Option<String>,
    level: Option<u8>,
    dossier_status: Option<String>,
}

/// An address as a request gives it: the text alone (kind and exposure inferred), or
/// with the internet-facing flag set explicitly.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum AddressInput {
    Text(String),
    Detailed {
        address: String,
        internet_facing: Option<bool>,
    },
}

/// The fields of a system a request sets; on PATCH, absent fields keep their value and
/// an empty text clears an optional one.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SystemInput {
    /// Agency id or name (POST only; an officer's own agency by default).
    agency: Option<String>,
    name: Option<String>,
    level: Option<u8>,
    dossier_status: Option<DossierStatus>,
    regime: Option<Regime>,
    purpose: Option<String>,
    operator: Option<String>,
    hosting: Option<String>,
    users_served: Option<String>,
    personal_data: Option<bool>,
    state_secrets: Option<bool>,
    decision_number: Option<String>,
    decision_date: Option<NaiveDate>,
    approving_authority: Option<String>,
    review_date: Option<NaiveDate>,
    addresses: Option<Vec<AddressInput>>,
    components: Option<Vec<String>>,
}

impl SystemInput {
    /// `details` with this input applied; every unreadable address or component is a
    /// reason.
    fn apply(self, mut details: SystemDetails) -> Result<SystemDetails, Vec<Reason>> {
        let text = |value: Option<String>, old: &mut Option<String>| {
            if let Some(v) = value {
                *old = Some(v.trim().to_owned()).filter(|v| !v.is_empty());
            }
        };
        if let Some(name) = self.name {
            details.name = name.trim().to_owned();
        }
        details.level = self.level.unwrap_or(details.level);
        details.dossier_status = self.dossier_status.unwrap_or(details.dossier_status);
        details.regime = self.regime.unwrap_or(details.regime);
        text(self.purpose, &mut details.purpose);
        text(self.operator, &mut details.operator);
        text(self.hosting, &mut details.hosting);
        text(self.users_served, &mut details.users_served);
        text(self.decision_number, &mut details.decision_number);
        text(self.approving_authority, &mut details.approving_authority);
        details.personal_data = self.personal_data.unwrap_or(details.personal_data);
        details.state_secrets = self.state_secrets.unwrap_or(details.state_secrets);
        details.decision_date = self.decision_date.or(details.decision_date);
        details.review_date = self.review_date.or(details.review_date);
        let mut reasons = Vec::new();
        if let Some(addresses) = self.addresses {
            details.addresses = addresses
                .into_iter()
                .filter_map(|input| {
                    let (text, facing) = match input {
                        AddressInput::Text(text) => (text, None),
                        AddressInput::Detailed {
                            address,
                            internet_facing,
                        } => (address, internet_facing),
                    };
                    parse_address(&text)
                        .map(|mut a| {
                            a.internet_facing = facing.unwrap_or(a.internet_facing);
                            a
                        })
                        .map_err(|r| reasons.push(r))
                        .ok()
                })
                .collect();
        }
        if let Some(components) = self.components {
            details.components = components
                .iter()
                .filter_map(|c| parse_component(c).map_err(|r| reasons.push(r)).ok())
                .collect();
        }
        if reasons.is_empty() {
            Ok(details)
        } else {
            Err(reasons)
        }
    }
}

async fn list_systems(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<SystemParams>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let filter = SystemFilter {
        agency_id: named_agency_id(&state, &caller, params.agency.as_deref()).await?,
        level: params.level,
        dossier_status: params
            .dossier_status
            .as_deref()
            .map(str::parse)
            .transpose()?,
    };
    let systems = state.db.list_systems(&caller.tenant(), &filter).await?;
    let total = systems.len();
    let systems: Vec<SystemView> = systems.into_iter().map(SystemView::from).collect();
    Ok(Json(json!({ "systems": systems, "total": total })))
}

async fn one_system(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<SystemView>> {
    caller.require(Action::Read)?;
    let system = register(&state)
        .visible_system(&caller.tenant(), &id)
        .await?;
    Ok(Json(system.into()))
}

async fn create_system(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<SystemInput>,
) -> ApiResult<(StatusCode, Json<SystemView>)> {
    caller.require(Action::EditRegister)?;
    let agency_id = match named_agency_id(&state, &caller, input.agency.as_deref()).await? {
        Some(id) => id,
        None => caller
            .tenant_agency()
            .ok_or_else(|| ApiError::bad_request("'agency' is required"))?,
    };
    let (name, level) = match (&input.name, input.level) {
        (Some(name), Some(level)) => (name.clone(), level),
        _ => return Err(ApiError::bad_request("'name' and 'level' are required")),
    };
    let details = input
        .apply(SystemDetails::new(&name, level))
        .map_err(invalid)?;
    let system = register(&state)
        .create_system(&agency_id, &details, caller.actor())
        .await?;
    // The pipeline re-reads the registered addresses on a reload.
    state.rules.request_reload();
    Ok((StatusCode::CREATED, Json(system.into())))
}

async fn update_system(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(input): JsonBody<SystemInput>,
) -> ApiResult<Json<SystemView>> {
    caller.require(Action::EditRegister)?;
    if input.agency.is_some() {
        return Err(ApiError::bad_request("a system's agency cannot be changed"));
    }
    let register = register(&state);
    let tenant = caller.tenant();
    let before = register.visible_system(&tenant, &id).await?;
    let details = input.apply(before.details).map_err(invalid)?;
    let system = register
        .update_system(&tenant, &id, &details, caller.actor())
        .await?;
    state.rules.request_reload();
    Ok(Json(system.into()))
}

async fn list_assessments(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let tenant = caller.tenant();
    register(&state).visible_system(&tenant, &id).await?;
    let assessments = state.db.list_assessments(&tenant, Some(&id), false).await?;
    Ok(Json(json!({ "assessments": assessments })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssessmentInput {
    results: Vec<ControlAssessment>,
}

async fn record_assessment(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(input): JsonBody<AssessmentInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Action::EditRegister)?;
    let assessment = register(&state)
        .record_assessment(&caller.tenant(), &id, &input.results, caller.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(json!(assessment))))
}

#[derive(Debug, Deserialize)]
struct EvidenceParams {
    /// The file's name as uploaded.
    name: String,
    /// The control the file backs, for an assessment.
    control: Option<String>,
}

/// The owner key of assessment `assessment_id` of system `id`, if the caller sees the
/// system and the assessment is its own.
async fn assessment_owner(
    state: &AppState,
    caller: &Caller,
    id: &str,
    assessment_id: &str,
) -> ApiResult<String> {
    let tenant = caller.tenant();
    register(state).visible_system(&tenant, id).await?;
    let assessments = state.db.list_assessments(&tenant, Some(id), false).await?;
    if !assessments.iter().any(|a| a.id == assessment_id) {
        return Err(ApiError::not_found(&format!("assessment {assessment_id}")));
    }
    Ok(format!("assessment:{assessment_id}"))
}

async fn assessment_evidence(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((id, assessment_id)): PathParams<(String, String)>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let owner = assessment_owner(&state, &caller, &id, &assessment_id).await?;
    Ok(Json(
        json!({ "evidence": state.db.list_evidence(&owner).await? }),
    ))
}

/// Keeps the request body as evidence; answers its SHA-256 and size.
async fn add_assessment_evidence(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((id, assessment_id)): PathParams<(String, String)>,
    QueryParams(params): QueryParams<EvidenceParams>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Action::EditRegister)?;
    let owner = assessment_owner(&state, &caller, &id, &assessment_id).await?;
    let evidence = state
        .db
        .add_evidence(
            &owner,
            params.control.as_deref(),
            &params.name,
            &body,
            caller.actor(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!(evidence))))
}

/// The owner key of finding `id`, if the caller sees it.
async fn finding_owner(state: &AppState, caller: &Caller, id: &str) -> ApiResult<String> {
    state
        .db
        .finding(&caller.tenant(), id)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("finding {id}")))?;
    Ok(format!("finding:{id}"))
}

async fn finding_evidence(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let owner = finding_owner(&state, &caller, &id).await?;
    Ok(Json(
        json!({ "evidence": state.db.list_evidence(&owner).await? }),
    ))
}

/// Keeps the request body as remediation evidence of a finding.
async fn add_finding_evidence(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    QueryParams(params): QueryParams<EvidenceParams>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Action::EditRegister)?;
    let owner = finding_owner(&state, &caller, &id).await?;
    let evidence = state
        .db
        .add_evidence(&owner, None, &params.name, &body, caller.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(json!(evidence))))
}

/// The agency `key` (id or name) if the caller sees it; 404 otherwise.
async fn seen_agency_id(state: &AppState, caller: &Caller, key: &str) -> ApiResult<String> {
    visible_agency(state, caller, key)
        .await?
        .map(|a| a.id)
        .ok_or_else(|| ApiError::not_found(&format!("agency {key}")))
}

async fn agency_contacts(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let agency_id = seen_agency_id(&state, &caller, &key).await?;
    Ok(Json(
        json!({ "contacts": state.db.agency_contacts(&agency_id).await? }),
    ))
}

/// Adds a responsible person: admins for any agency, officers for their own.
async fn add_agency_contact(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
    JsonBody(contact): JsonBody<NewContact>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Action::EditRegister)?;
    let agency_id = seen_agency_id(&state, &caller, &key).await?;
    if !caller.can(Action::ManageAgencies) && caller.tenant_agency().is_none() {
        return Err(ApiError::forbidden(
            "only admins and the agency's officers add contacts",
        ));
    }
    let created = state
        .db
        .add_agency_contact(&agency_id, &contact, caller.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(json!(created))))
}

#[derive(Debug, Deserialize)]
struct CatalogueParams {
    version: Option<i64>,
}

async fn catalogue(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<CatalogueParams>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let (version, catalogue) = register(&state).catalogue(params.version).await?;
    Ok(Json(json!({ "version": version, "catalogue": catalogue })))
}

async fn replace_catalogue(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(catalogue): JsonBody<Catalogue>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Action::ManageCatalogue)?;
    let (version, catalogue) = register(&state)
        .replace_catalogue(catalogue, caller.actor())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "version": version, "catalogue": catalogue })),
    ))
}

async fn inspection_plans(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    Ok(Json(json!({ "plans": state.db.inspection_plans().await? })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanInput {
    year: i64,
    title: String,
}

async fn create_inspection_plan(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<PlanInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Action::Inspect)?;
    if state
        .db
        .inspection_plans()
        .await?
        .iter()
        .any(|p| p.year == input.year)
    {
        return Err(ApiError::conflict(format!(
            "the inspection plan of {} exists",
            input.year
        )));
    }
    let plan = state
        .db
        .create_inspection_plan(input.year, &input.title, caller.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(json!(plan))))
}

#[derive(Debug, Deserialize)]
struct InspectionParams {
    plan_id: Option<String>,
}

async fn inspections(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<InspectionParams>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let list = state
        .db
        .list_inspections(&caller.tenant(), params.plan_id.as_deref())
        .await?;
    Ok(Json(json!({ "inspections": list })))
}

/// The ids in `system_ids` that are not systems of `agency_id`.
async fn foreign_systems(
    state: &AppState,
    agency_id: &str,
    system_ids: &[String],
) -> ApiResult<Vec<String>> {
    let own: HashSet<String> = state
        .db
        .list_systems(
            &vigil_store::db::Tenant::Agency(agency_id.to_owned()),
            &SystemFilter::default(),
        )
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    Ok(system_ids
        .iter()
        .filter(|id| !own.contains(*id))
        .cloned()
        .collect())
}

async fn create_inspection(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(mut input): JsonBody<NewInspection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Action::Inspect)?;
    input.agency_id = named_agency_id(&state, &caller, Some(&input.agency_id))
        .await?
        .unwrap_or_default();
    let foreign = foreign_systems(&state, &input.agency_id, &input.system_ids).await?;
    if !foreign.is_empty() {
        return Err(ApiError::bad_request("systems not of the inspected agency")
            .with_detail(json!(foreign)));
    }
    let inspection = state.db.create_inspection(&input, caller.actor()).await?;
    Ok((StatusCode::CREATED, Json(json!(inspection))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompletionInput {
    done_date: NaiveDate,
}

async fn complete_inspection(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(input): JsonBody<CompletionInput>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Inspect)?;
    let inspection = state
        .db
        .complete_inspection(&id, input.done_date, caller.actor())
        .await?;
    Ok(Json(json!(inspection)))
}

/// A finding as the API shows it, with whether it is overdue today.
fn finding_json(finding: &vigil_store::db::Finding, today: NaiveDate) -> Value {
    let mut value = json!(finding);
    value["overdue"] = json!(vigil_soc::findings::is_overdue(finding, today));
    value
}

async fn findings(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let today = Utc::now().date_naive();
    let list: Vec<Value> = state
        .db
        .list_findings(&caller.tenant())
        .await?
        .iter()
        .map(|f| finding_json(f, today))
        .collect();
    Ok(Json(json!({ "findings": list })))
}

async fn one_finding(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let finding = state
        .db
        .finding(&caller.tenant(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("finding {id}")))?;
    Ok(Json(finding_json(&finding, Utc::now().date_naive())))
}

async fn create_finding(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(mut input): JsonBody<NewFinding>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Action::Inspect)?;
    input.agency_id = named_agency_id(&state, &caller, Some(&input.agency_id))
        .await?
        .unwrap_or_default();
    let finding = register(&state)
        .record_finding(&caller.tenant(), &input, caller.actor())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(finding_json(&finding, Utc::now().date_naive())),
    ))
}

/// Whether `update` only reports remediation (what an agency officer may do): no
/// verification, risk acceptance or deadline change.
fn reports_remediation_only(update: &FindingUpdate) -> bool {
    update.verified_by.is_none()
        && update.deadline.is_none()
        && !matches!(
            update.status,
            Some(FindingStatus::Verified | FindingStatus::RiskAccepted)
        )
}

async fn update_finding(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(update): JsonBody<FindingUpdate>,
) -> ApiResult<Json<Value>> {
    if !caller.can(Action::Inspect) {
        caller.require(Action::EditRegister)?;
        if !reports_remediation_only(&update) {
            return Err(ApiError::forbidden(
                "only inspectors verify findings, accept risks or move deadlines",
            ));
        }
    }
    let finding = register(&state)
        .update_finding(&caller.tenant(), &id, &update, caller.actor())
        .await?;
    Ok(Json(finding_json(&finding, Utc::now().date_naive())))
}

async fn compliance(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let compliance = register(&state).compliance(&caller.tenant()).await?;
    Ok(Json(json!(compliance)))
}

/// What the event store saw in the monitoring window: the systems events were
/// attributed to, and the hosts events named.
pub(crate) async fn observations(
    state: &AppState,
    caller: &Caller,
    window_days: u32,
) -> ApiResult<Observations> {
    let since = Utc::now() - TimeDelta::days(i64::from(window_days));
    let tenant = caller.tenant_agency();
    let (systems, hosts) = on_store(state, move |store| {
        let all: Query = "".parse()?;
        let range = TimeRange::since(since);
        let tenant = tenant.as_deref();
        let mut systems = Vec::new();
        for (agency, _) in store.count_by("agency", &all, range, tenant, MAX_OBSERVED)? {
            // Agency ids are UUIDs: nothing in them needs quoting.
            let in_agency: Query = format!("agency:\"{agency}\"").parse()?;
            for (system, _) in store.count_by("system", &in_agency, range, tenant, MAX_OBSERVED)? {
                systems.push((agency.clone(), system));
            }
        }
        let hosts = store.count_by("host", &all, range, tenant, MAX_OBSERVED)?;
        Ok((systems, hosts))
    })
    .await?;
    Ok(Observations {
        systems_with_logs: systems.into_iter().collect(),
        hosts: hosts.into_iter().map(|(host, _)| host).collect(),
        window_days,
    })
}

#[derive(Debug, Deserialize)]
struct DashboardParams {
    /// Days without logs before a system is a monitoring gap.
    days: Option<u32>,
}

async fn dashboard(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<DashboardParams>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let days = params.days.unwrap_or(MONITORING_WINDOW_DAYS);
    if !(1..=MAX_WINDOW_DAYS).contains(&days) {
        return Err(ApiError::bad_request(format!(
            "'days' must be within 1–{MAX_WINDOW_DAYS}"
        )));
    }
    let seen = observations(&state, &caller, days).await?;
    let dashboard = register(&state)
        .dashboard(&caller.tenant(), Utc::now().date_naive(), &seen)
        .await?;
    Ok(Json(json!(dashboard)))
}
