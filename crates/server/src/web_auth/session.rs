//! `/api/v1/session`: log in, see who you are, log out, change your password, enrol a
//! TOTP second factor.
//!
//! Answers that hold a CSRF token or a secret are marked `Cache-Control: no-store`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use vigil_store::db::{LoginOutcome, Session};

use super::{cookie, replace_session, request_session, ClientIp, WebAuth};
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::JsonBody;
use crate::state::AppState;

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/session", get(whoami).post(login).delete(logout))
        .route("/api/v1/session/password", post(change_password))
        .route("/api/v1/session/totp", post(totp))
}

/// The session of the request's cookie (CSRF checked for changes), even one whose user
/// must still change a one-time password; 401 without one.
struct CurrentSession {
    session: Session,
    token: String,
}

impl FromRequestParts<AppState> for CurrentSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let session = request_session(parts, &state.db)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let token = cookie::session_token(&parts.headers)
            .unwrap_or_default()
            .to_owned();
        Ok(CurrentSession { session, token })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Credentials {
    login: String,
    password: String,
    /// The current code of the account's authenticator, when it has one.
    totp: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TotpStep {
    /// Absent: start (or restart) enrolment. Present: confirm it with this code.
    code: Option<String>,
}

/// What a page needs to know about its session.
fn session_body(session: &Session) -> Value {
    json!({
        "user": session.user,
        "csrf_token": session.csrf_token,
        "must_change_password": session.user.must_change_password,
        "expires_at": session.expires_at,
    })
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A refused request of this module: an error answer, with `Retry-After` (and
/// `detail.retry_after_seconds`) when waiting will help.
#[derive(Debug)]
struct Refusal {
    error: ApiError,
    retry_after: Option<Duration>,
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Refusal {
        Refusal {
            error,
            retry_after: None,
        }
    }
}

impl From<vigil_store::db::Error> for Refusal {
    fn from(e: vigil_store::db::Error) -> Refusal {
        ApiError::from(e).into()
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut error = self.error;
        let Some(wait) = self.retry_after else {
            return error.into_response();
        };
        let seconds = wait.as_secs().max(1);
        let mut detail = error.detail.take().unwrap_or_else(|| json!({}));
        detail["retry_after_seconds"] = json!(seconds);
        let mut response = error.with_detail(detail).into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        response
    }
}

impl WebAuth {
    /// Counts an attempt of the client against the rate limit; 429 over it.
    fn limit(&self, ip: ClientIp) -> Result<(), Refusal> {
        self.limiter.attempt(ip.0).map_err(|wait| Refusal {
            error: ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too many login attempts; try again later",
            ),
            retry_after: Some(wait),
        })
    }
}

/// Starts a session for `user_id` (ending the one the cookie named) and answers it with
/// its cookie.
async fn start_session(
    state: &AppState,
    auth: &WebAuth,
    user_id: &str,
    source: Option<&str>,
    headers: &HeaderMap,
    uri: &Uri,
) -> ApiResult<Response> {
    let secure = auth.secure(headers, uri);
    let (session, cookie) = replace_session(&state.db, headers, user_id, source, secure).await?;
    let mut response = Json(session_body(&session)).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(no_store(response))
}

/// `POST /api/v1/session`.
async fn login(
    State(state): State<AppState>,
    Extension(auth): Extension<Arc<WebAuth>>,
    ip: ClientIp,
    headers: HeaderMap,
    uri: Uri,
    JsonBody(credentials): JsonBody<Credentials>,
) -> Result<Response, Refusal> {
    auth.limit(ip)?;
    let source = ip.0.map(|ip| ip.to_string());
    let outcome = state
        .db
        .verify_login(
            &credentials.login,
            &credentials.password,
            credentials.totp.as_deref(),
            source.as_deref(),
        )
        .await?;
    let user = match outcome {
        LoginOutcome::Ok(user) => user,
        LoginOutcome::Wrong => {
            let error = ApiError::new(StatusCode::UNAUTHORIZED, "wrong login, password or code");
            return Err(error.into());
        }
        LoginOutcome::NeedsTotp => {
            let error = ApiError::new(StatusCode::UNAUTHORIZED, "a TOTP code is needed")
                .with_detail(json!({ "totp_required": true }));
            return Err(error.into());
        }
        LoginOutcome::Locked { until } => {
            return Err(Refusal {
                error: ApiError::forbidden("account locked")
                    .with_detail(json!({ "locked_until": until })),
                retry_after: Some((until - Utc::now()).to_std().unwrap_or_default()),
            })
        }
        LoginOutcome::Disabled => return Err(ApiError::forbidden("account disabled").into()),
    };
    Ok(start_session(&state, &auth, &user.id, source.as_deref(), &headers, &uri).await?)
}

/// `GET /api/v1/session`: who the cookie's user is, and the CSRF token for changes.
async fn whoami(current: CurrentSession) -> Response {
    no_store(Json(session_body(&current.session)).into_response())
}

/// `DELETE /api/v1/session`: logs out.
async fn logout(
    State(state): State<AppState>,
    Extension(auth): Extension<Arc<WebAuth>>,
    headers: HeaderMap,
    uri: Uri,
    current: CurrentSession,
) -> ApiResult<Response> {
    state.db.revoke_session(&current.token).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie::clear_session(auth.secure(&headers, &uri)),
    );
    Ok(response)
}

/// `POST /api/v1/session/password`: every session of the user ends, and this one is
/// replaced by a fresh one (new cookie, new CSRF token).
async fn change_password(
    State(state): State<AppState>,
    Extension(auth): Extension<Arc<WebAuth>>,
    ip: ClientIp,
    headers: HeaderMap,
    uri: Uri,
    current: CurrentSession,
    JsonBody(change): JsonBody<PasswordChange>,
) -> Result<Response, Refusal> {
    auth.limit(ip)?;
    let user = &current.session.user;
    let changed = state
        .db
        .change_password(&user.id, &change.current_password, &change.new_password)
        .await?;
    if !changed {
        return Err(ApiError::forbidden("wrong current password, or the account is locked").into());
    }
    let source = ip.0.map(|ip| ip.to_string());
    Ok(start_session(&state, &auth, &user.id, source.as_deref(), &headers, &uri).await?)
}

/// `POST /api/v1/session/totp`: `{}` starts enrolment and answers the `otpauth://` URL
/// (and the secret for typing in); `{"code": "123456"}` confirms it.
async fn totp(
    State(state): State<AppState>,
    current: CurrentSession,
    JsonBody(step): JsonBody<TotpStep>,
) -> ApiResult<Response> {
    let user = &current.session.user;
    if user.must_change_password {
        return Err(ApiError::forbidden("change the one-time password first"));
    }
    let body = match step.code {
        None => {
            let enrolment = state.db.begin_totp(&user.id).await?;
            json!({ "otpauth_url": enrolment.url, "secret": enrolment.secret })
        }
        Some(code) => {
            if !state.db.confirm_totp(&user.id, &code).await? {
                return Err(ApiError::bad_request("wrong code"));
            }
            json!({ "totp_enabled": true })
        }
    };
    Ok(no_store(Json(body).into_response()))
}
