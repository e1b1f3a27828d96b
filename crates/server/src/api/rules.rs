//! `/api/v1/rules`: the loaded rule set (from the pipeline's [`RuleCatalog`]) and the
//! analysts' overrides on it (enabled flag and exceptions, in the state database).
//!
//! Every change is written through the database, which audits it with the caller's token
//! id, then [`RuleCatalog::request_reload`] tells the pipeline to apply it. The `enabled`
//! flag shown is the database's when an override exists, so an answer reflects a change
//! at once, before the pipeline has reloaded.
//!
//! Rule ids that contain `/` (rules known by their file path) are sent percent-encoded.
//!
//! [`RuleCatalog`]: vigil_pipeline::rules::RuleCatalog
//! [`RuleCatalog::request_reload`]: vigil_pipeline::rules::RuleCatalog::request_reload

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use vigil_pipeline::rules::RuleView;
use vigil_store::db::{MatchKind, NewRuleException, RuleException};

use super::access::{Action, Caller};
use super::admin::named_agency_id;
use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, PathParams, QueryParams};
use crate::state::AppState;

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/rules", get(list))
        .route("/api/v1/rules/unsupported", get(unsupported))
        .route("/api/v1/rules/{id}", get(one))
        .route("/api/v1/rules/{id}/enable", post(enable))
        .route("/api/v1/rules/{id}/disable", post(disable))
        .route(
            "/api/v1/rules/{id}/exceptions",
            get(exceptions).post(add_exception),
        )
        .route(
            "/api/v1/rules/{id}/exceptions/{exception_id}",
            delete(delete_exception),
        )
}

/// A rule in the list.
#[derive(Debug, Serialize)]
struct RuleSummary {
    id: String,
    title: String,
    title_vi: Option<String>,
    level: String,
    status: Option<String>,
    kind: &'static str,
    enabled: bool,
    hits: u64,
    /// How many exceptions the caller can see on this rule.
    exceptions: usize,
}

/// One rule in full, with its exceptions.
#[derive(Debug, Serialize)]
struct RuleDetail {
    #[serde(flatten)]
    rule: RuleView,
    exceptions: Vec<RuleException>,
}

#[derive(Debug, Deserialize)]
struct ListParams {
    /// Part of the title (English or Vietnamese), any case.
    q: Option<String>,
    level: Option<String>,
    enabled: Option<bool>,
    limit: Option<usize>,
    offset: Option<usize>,
}

/// The body of `POST /api/v1/rules/{id}/exceptions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExceptionBody {
    pub(crate) field: String,
    #[serde(rename = "match")]
    pub(crate) match_kind: String,
    pub(crate) pattern: String,
    /// Agency id or name; absent: every agency.
    pub(crate) agency: Option<String>,
    pub(crate) comment: Option<String>,
}

/// Checks that an exception's pattern means something for its kind of match: not empty,
/// and compiled as the pipeline will compile it ([`vigil_pipeline::exceptions::validate`]).
fn validate_pattern(kind: MatchKind, pattern: &str) -> Result<(), String> {
    if pattern.is_empty() {
        return Err("pattern is empty".into());
    }
    vigil_pipeline::exceptions::validate(kind, pattern).map_err(|reason| match kind {
        MatchKind::Regex => format!("invalid regex: {reason}"),
        MatchKind::Cidr => format!("invalid CIDR block: {reason}"),
        MatchKind::Equals | MatchKind::Wildcard => reason,
    })
}

/// A loaded rule, with the enabled flag the database holds for it.
pub(crate) async fn rule_view(state: &AppState, id: &str) -> ApiResult<RuleView> {
    let mut view = state
        .rules
        .get(id)
        .ok_or_else(|| ApiError::not_found("rule"))?;
    if let Some(enabled) = overrides(state).await?.get(id) {
        view.rule.enabled = *enabled;
    }
    Ok(view)
}

/// The enabled flags set in the database, by rule id.
pub(crate) async fn overrides(state: &AppState) -> ApiResult<HashMap<String, bool>> {
    Ok(state
        .db
        .rule_states()
        .await?
        .into_iter()
        .map(|s| (s.rule_id, s.enabled))
        .collect())
}

/// Exceptions of one rule (or all) that apply to every agency or to the caller's.
pub(crate) async fn visible_exceptions(
    state: &AppState,
    caller: &Caller,
    rule_id: Option<&str>,
) -> ApiResult<Vec<RuleException>> {
    let mut all = state.db.rule_exceptions(rule_id).await?;
    all.retain(|e| e.agency_id.as_deref().is_none_or(|a| caller.sees_agency(a)));
    Ok(all)
}

fn summary(view: RuleView, exceptions: usize) -> RuleSummary {
    let RuleView { rule, hits } = view;
    RuleSummary {
        id: rule.id,
        title: rule.title,
        title_vi: rule.title_vi,
        level: rule.level,
        status: rule.status,
        kind: rule.kind,
        enabled: rule.enabled,
        hits,
        exceptions,
    }
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<ListParams>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let overrides = overrides(&state).await?;
    let mut per_rule: HashMap<String, usize> = HashMap::new();
    for e in visible_exceptions(&state, &caller, None).await? {
        *per_rule.entry(e.rule_id).or_default() += 1;
    }
    let needle = params.q.as_deref().map(str::to_lowercase);
    let title_matches = |view: &RuleView| {
        needle.as_deref().is_none_or(|n| {
            view.rule.title.to_lowercase().contains(n)
                || view
                    .rule
                    .title_vi
                    .as_deref()
                    .is_some_and(|t| t.to_lowercase().contains(n))
        })
    };
    let matching: Vec<RuleSummary> = state
        .rules
        .list()
        .into_iter()
        .map(|mut view| {
            if let Some(enabled) = overrides.get(&view.rule.id) {
                view.rule.enabled = *enabled;
            }
            view
        })
        .filter(|view| {
            title_matches(view)
                && params.level.as_deref().is_none_or(|l| view.rule.level == l)
                && params.enabled.is_none_or(|e| view.rule.enabled == e)
        })
        .map(|view| {
            let exceptions = per_rule.get(&view.rule.id).copied().unwrap_or(0);
            summary(view, exceptions)
        })
        .collect();
    let total = matching.len();
    let page: Vec<RuleSummary> = matching
        .into_iter()
        .skip(params.offset.unwrap_or(0))
        .take(params.limit.unwrap_or(1_000))
        .collect();
    Ok(Json(json!({ "rules": page, "total": total })))
}

async fn one(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<RuleDetail>> {
    caller.require(Action::Read)?;
    let rule = rule_view(&state, &id).await?;
    let exceptions = visible_exceptions(&state, &caller, Some(&id)).await?;
    Ok(Json(RuleDetail { rule, exceptions }))
}

async fn unsupported(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let rules: Vec<Value> = state
        .rules
        .unsupported()
        .into_iter()
        .map(|(origin, reason)| json!({ "origin": origin, "reason": reason }))
        .collect();
    Ok(Json(json!({ "total": rules.len(), "unsupported": rules })))
}

async fn enable(
    state: State<AppState>,
    caller: Caller,
    id: PathParams<String>,
) -> ApiResult<Json<RuleSummary>> {
    set_enabled(state, caller, id, true).await
}

async fn disable(
    state: State<AppState>,
    caller: Caller,
    id: PathParams<String>,
) -> ApiResult<Json<RuleSummary>> {
    set_enabled(state, caller, id, false).await
}

async fn set_enabled(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    enabled: bool,
) -> ApiResult<Json<RuleSummary>> {
    switch_rule(&state, &caller, &id, enabled).await?;
    let exceptions = visible_exceptions(&state, &caller, Some(&id)).await?.len();
    Ok(Json(summary(rule_view(&state, &id).await?, exceptions)))
}

/// Enables or disables a loaded rule (audited by the database) and asks the pipeline to
/// apply it.
pub(crate) async fn switch_rule(
    state: &AppState,
    caller: &Caller,
    id: &str,
    enabled: bool,
) -> ApiResult<()> {
    caller.require(Action::TuneRules)?;
    rule_view(state, id).await?;
    state
        .db
        .set_rule_enabled(id, enabled, caller.actor())
        .await?;
    state.rules.request_reload();
    Ok(())
}

async fn exceptions(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    rule_view(&state, &id).await?;
    let exceptions = visible_exceptions(&state, &caller, Some(&id)).await?;
    Ok(Json(json!({ "exceptions": exceptions })))
}

async fn add_exception(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<ExceptionBody>,
) -> ApiResult<(StatusCode, Json<RuleException>)> {
    let exception = except(&state, &caller, &id, body).await?;
    Ok((StatusCode::CREATED, Json(exception)))
}

/// Adds an exception to a loaded rule once its pattern compiles as the pipeline will
/// compile it, and asks the pipeline to apply it.
pub(crate) async fn except(
    state: &AppState,
    caller: &Caller,
    id: &str,
    body: ExceptionBody,
) -> ApiResult<RuleException> {
    caller.require(Action::TuneRules)?;
    rule_view(state, id).await?;
    let match_kind: MatchKind = body.match_kind.parse()?;
    validate_pattern(match_kind, &body.pattern)
        .map_err(|reason| ApiError::bad_request("invalid exception pattern").with_detail(reason))?;
    let agency_id = named_agency_id(state, caller, body.agency.as_deref()).await?;
    let new = NewRuleException {
        rule_id: id.to_owned(),
        agency_id,
        field: body.field,
        match_kind,
        pattern: body.pattern,
        comment: body.comment.filter(|c| !c.trim().is_empty()),
    };
    let exception = state.db.add_rule_exception(&new, caller.actor()).await?;
    state.rules.request_reload();
    Ok(exception)
}

async fn delete_exception(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((id, exception_id)): PathParams<(String, String)>,
) -> ApiResult<StatusCode> {
    drop_exception(&state, &caller, &id, &exception_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an exception of rule `id` that the caller can see (404 otherwise) and asks the
/// pipeline to apply it.
pub(crate) async fn drop_exception(
    state: &AppState,
    caller: &Caller,
    id: &str,
    exception_id: &str,
) -> ApiResult<()> {
    caller.require(Action::TuneRules)?;
    let known = visible_exceptions(state, caller, Some(id))
        .await?
        .iter()
        .any(|e| e.id == exception_id);
    if !known
        || !state
            .db
            .delete_rule_exception(exception_id, caller.actor())
            .await?
    {
        return Err(ApiError::not_found("rule exception"));
    }
    state.rules.request_reload();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_checked_for_their_kind() {
        assert!(validate_pattern(MatchKind::Regex, r"^cmd\.exe$").is_ok());
        assert!(validate_pattern(MatchKind::Regex, "(unclosed").is_err());
        assert!(validate_pattern(MatchKind::Cidr, "10.0.0.0/8").is_ok());
        assert!(validate_pattern(MatchKind::Cidr, "2001:db8::/32").is_ok());
        assert!(validate_pattern(MatchKind::Cidr, "10.0.0.1").is_ok());
        assert!(validate_pattern(MatchKind::Cidr, "10.0.0.0/33").is_err());
        assert!(validate_pattern(MatchKind::Wildcard, "*\\cmd.exe").is_ok());
        assert!(validate_pattern(MatchKind::Equals, "").is_err());
    }
}
