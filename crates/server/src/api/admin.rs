//! The register behind the data: agencies, the source addresses that attribute syslog
//! senders to them, and API/ingest tokens.
//!
//! Agency officers see only their own agency (and its sources); creating agencies and
//! managing tokens is for admins; source addresses for admins and SOC analysts. The state
//! database audits each change with the caller's token id. A new source address also asks
//! the pipeline to reload, so its senders are attributed at once. Token secrets are never
//! shown again after creation; revoking a token also empties the verification cache, so
//! it stops working at once.

use std::net::IpAddr;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use vigil_store::db::{Agency, CreatedToken, Role, Scope, SourceAddress};

use super::access::{Action, Caller};
use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, PathParams};
use crate::state::AppState;

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/agencies", get(agencies).post(create_agency))
        .route(
            "/api/v1/agencies/{id}/sources",
            get(sources).post(add_source),
        )
        .route("/api/v1/tokens", get(tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
}

/// The agency with this id or name, if the caller's tenant includes it.
pub(super) async fn visible_agency(
    state: &AppState,
    caller: &Caller,
    key: &str,
) -> ApiResult<Option<Agency>> {
    let agency = match state.db.agency(key).await? {
        Some(agency) => Some(agency),
        None => state.db.agency_by_name(key).await?,
    };
    Ok(agency.filter(|a| caller.sees_agency(&a.id)))
}

/// The id of the agency a request body names (by id or name), if it names one; an agency
/// the caller cannot see answers 400, as an unknown one does.
pub(crate) async fn named_agency_id(
    state: &AppState,
    caller: &Caller,
    key: Option<&str>,
) -> ApiResult<Option<String>> {
    let Some(key) = key else {
        return Ok(None);
    };
    let agency = visible_agency(state, caller, key)
        .await?
        .ok_or_else(|| ApiError::bad_request("unknown agency"))?;
    Ok(Some(agency.id))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewAgency {
    pub(crate) name: String,
    pub(crate) parent_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSource {
    /// An IP address, a CIDR block or a host name.
    address: String,
    system: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewToken {
    /// Agency id or name; required for ingest tokens and agency officers.
    pub(crate) agency: Option<String>,
    pub(crate) scope: String,
    pub(crate) role: Option<String>,
}

/// Whether `address` is an IP address, a CIDR block or a plausible host name.
fn valid_source_address(address: &str) -> bool {
    if address.parse::<IpAddr>().is_ok() || address.parse::<ipnet::IpNet>().is_ok() {
        return true;
    }
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let name = address.strip_suffix('.').unwrap_or(address);
    (1..=253).contains(&name.len())
        && name.split('.').all(label_ok)
        && !name.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

async fn agencies(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let mut agencies = state.db.list_agencies().await?;
    agencies.retain(|a| caller.sees_agency(&a.id));
    Ok(Json(json!({ "agencies": agencies })))
}

async fn create_agency(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(new): JsonBody<NewAgency>,
) -> ApiResult<(StatusCode, Json<Agency>)> {
    let agency = add_agency(&state, &caller, &new).await?;
    Ok((StatusCode::CREATED, Json(agency)))
}

/// Creates an agency for an admin (the API's and the console's way).
pub(crate) async fn add_agency(
    state: &AppState,
    caller: &Caller,
    new: &NewAgency,
) -> ApiResult<Agency> {
    caller.require(Action::ManageAgencies)?;
    if state.db.agency_by_name(new.name.trim()).await?.is_some() {
        return Err(ApiError::conflict("an agency with this name exists"));
    }
    if let Some(parent) = new.parent_id.as_deref() {
        if state.db.agency(parent).await?.is_none() {
            return Err(ApiError::bad_request("unknown parent agency"));
        }
    }
    Ok(state
        .db
        .create_agency(&new.name, new.parent_id.as_deref(), caller.actor())
        .await?)
}

async fn sources(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<Value>> {
    caller.require(Action::Read)?;
    let agency = visible_agency(&state, &caller, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("agency"))?;
    let mut sources = state.db.list_source_addresses().await?;
    sources.retain(|s| s.agency_id == agency.id);
    Ok(Json(json!({ "sources": sources })))
}

async fn add_source(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(new): JsonBody<NewSource>,
) -> ApiResult<(StatusCode, Json<SourceAddress>)> {
    caller.require(Action::ManageSources)?;
    let agency = visible_agency(&state, &caller, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("agency"))?;
    let address = new.address.trim().to_ascii_lowercase();
    if !valid_source_address(&address) {
        return Err(ApiError::bad_request(
            "address must be an IP address, a CIDR block or a host name",
        ));
    }
    let taken = state
        .db
        .list_source_addresses()
        .await?
        .into_iter()
        .find(|s| s.address == address);
    if let Some(existing) = taken {
        let detail = json!({ "agency_id": existing.agency_id });
        return Err(
            ApiError::conflict("this address is already attributed").with_detail(
                // Only say where when the caller may see that agency.
                if caller.sees_agency(&existing.agency_id) {
                    detail
                } else {
                    Value::Null
                },
            ),
        );
    }
    let system = new
        .system
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let source = state
        .db
        .add_source_address(&address, &agency.id, system, caller.actor())
        .await?;
    // The pipeline re-reads the source register on a reload.
    state.rules.request_reload();
    Ok((StatusCode::CREATED, Json(source)))
}

async fn tokens(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Action::ManageTokens)?;
    let tokens = state.db.list_tokens(&caller.tenant(), None).await?;
    Ok(Json(json!({ "tokens": tokens })))
}

async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(new): JsonBody<NewToken>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let created = issue_token(&state, &caller, &new).await?;
    let body = json!({
        "id": created.id,
        "token": created.plaintext,
        "agency_id": created.identity.agency_id,
        "scope": created.identity.scope,
        "role": created.identity.role,
    });
    Ok((StatusCode::CREATED, Json(body)))
}

/// Makes a token for an admin; its plaintext is in the answer and nowhere else.
pub(crate) async fn issue_token(
    state: &AppState,
    caller: &Caller,
    new: &NewToken,
) -> ApiResult<CreatedToken> {
    caller.require(Action::ManageTokens)?;
    let scope: Scope = new.scope.parse()?;
    let role: Option<Role> = new.role.as_deref().map(str::parse).transpose()?;
    let agency_id = named_agency_id(state, caller, new.agency.as_deref()).await?;
    Ok(state
        .db
        .create_token(agency_id.as_deref(), scope, role, caller.actor())
        .await?)
}

async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<StatusCode> {
    withdraw_token(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes a token the caller's tenant can see (404 otherwise) and forgets every cached
/// verification, so it stops working at once.
pub(crate) async fn withdraw_token(state: &AppState, caller: &Caller, id: &str) -> ApiResult<()> {
    caller.require(Action::ManageTokens)?;
    let visible = !state
        .db
        .list_tokens(&caller.tenant(), Some(id))
        .await?
        .is_empty();
    if !visible || !state.db.revoke_token(id, caller.actor()).await? {
        return Err(ApiError::not_found("token"));
    }
    state.auth.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_addresses_are_ips_blocks_or_host_names() {
        for good in [
            "10.0.0.5",
            "10.0.0.0/24",
            "fe80::1",
            "web01",
            "mail.soyte.gov.vn",
            "WS_01",
        ] {
            assert!(valid_source_address(good), "{good}");
        }
        for bad in [
            "",
            "10.0.0.0/40",
            "-web",
            "a b",
            "999.1.1.1",
            "x..y",
            "<script>",
        ] {
            assert!(!valid_source_address(bad), "{bad}");
        }
    }
}
