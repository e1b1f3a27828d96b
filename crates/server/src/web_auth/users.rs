//! `/api/v1/users`: user administration. Admins create accounts (answered with a
//! one-time password, shown once), change role, agency, display name or disabled state,
//! turn off a lost second factor, and reset passwords; admins and auditors list them.
//! The state database audits each change with the caller as actor.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::{Deserialize, Deserializer};
use serde_json::json;
use vigil_store::db::{CreatedUser, NewUser, Role, User, UserUpdate};

use crate::api::access::{Action, Caller};
use crate::api::admin::named_agency_id;
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::{JsonBody, PathParams};
use crate::state::AppState;

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(list).post(create))
        .route("/api/v1/users/{id}", patch(update))
        .route("/api/v1/users/{id}/reset-password", post(reset_password))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUserRequest {
    pub(crate) login: String,
    pub(crate) display_name: Option<String>,
    pub(crate) role: String,
    /// Agency id or name; required for agency officers.
    pub(crate) agency: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserChange {
    pub(crate) display_name: Option<String>,
    pub(crate) role: Option<String>,
    /// Agency id or name; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    pub(crate) agency: Option<Option<String>>,
    pub(crate) disabled: Option<bool>,
    /// Only `false`: turns off a lost second factor.
    pub(crate) totp_enabled: Option<bool>,
}

/// Tells a field given as `null` (`Some(None)`) from an absent one (`None`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A JSON answer that must not be cached (it holds a one-time password).
fn secret_answer(status: StatusCode, body: serde_json::Value) -> Response {
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<serde_json::Value>> {
    caller.require(Action::ViewUsers)?;
    let users = state.db.list_users().await?;
    Ok(Json(json!({ "users": users })))
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(new): JsonBody<NewUserRequest>,
) -> ApiResult<Response> {
    let created = create_account(&state, &caller, new).await?;
    let body = json!({
        "user": created.user,
        "one_time_password": created.one_time_password,
    });
    Ok(secret_answer(StatusCode::CREATED, body))
}

/// Creates an account for an admin; its one-time password is in the answer only.
pub(crate) async fn create_account(
    state: &AppState,
    caller: &Caller,
    new: NewUserRequest,
) -> ApiResult<CreatedUser> {
    caller.require(Action::ManageUsers)?;
    let role: Role = new.role.parse()?;
    let agency_id = named_agency_id(state, caller, new.agency.as_deref()).await?;
    let new = NewUser {
        login: new.login,
        display_name: new.display_name.unwrap_or_default(),
        role,
        agency_id,
    };
    Ok(state.db.create_user(&new, caller.actor()).await?)
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(change): JsonBody<UserChange>,
) -> ApiResult<Json<User>> {
    Ok(Json(change_account(&state, &caller, &id, change).await?))
}

/// Applies an admin's change to an account (404 for an unknown one).
pub(crate) async fn change_account(
    state: &AppState,
    caller: &Caller,
    id: &str,
    change: UserChange,
) -> ApiResult<User> {
    caller.require(Action::ManageUsers)?;
    if state.db.user(id).await?.is_none() {
        return Err(ApiError::not_found("user"));
    }
    let agency_id = match change.agency {
        Some(key) => Some(named_agency_id(state, caller, key.as_deref()).await?),
        None => None,
    };
    let update = UserUpdate {
        display_name: change.display_name,
        role: change.role.as_deref().map(str::parse).transpose()?,
        agency_id,
        disabled: change.disabled,
        totp_enabled: change.totp_enabled,
    };
    Ok(state.db.update_user(id, &update, caller.actor()).await?)
}

async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Response> {
    let password = reset_account(&state, &caller, &id).await?;
    Ok(secret_answer(
        StatusCode::OK,
        json!({ "one_time_password": password }),
    ))
}

/// Gives an account a new one-time password, answered for an admin to hand over.
pub(crate) async fn reset_account(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ApiResult<String> {
    caller.require(Action::ManageUsers)?;
    if state.db.user(id).await?.is_none() {
        return Err(ApiError::not_found("user"));
    }
    Ok(state.db.reset_password(id, caller.actor()).await?)
}
