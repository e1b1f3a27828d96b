//! Logging in and out of the console, and changing one's password.
//!
//! The login form is checked like `POST /api/v1/session`: the same per-address rate
//! limit, [`vigil_store::db::Db::verify_login`] (which locks an account after repeated
//! failures) and [`vigil_store::db::Db::create_session`], and the same session cookie.
//! Before there is a session, the form's CSRF token is a random value the browser also
//! holds in the [`LOGIN_CSRF_COOKIE`] (double submit): another site can make a browser
//! post the form but cannot read or set that cookie.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use maud::{html, Markup};
use serde::Deserialize;
use vigil_store::db::{random_token, same_secret, LoginOutcome, Session};

use super::i18n::{Lang, Msg};
use super::{any_session, failure, layout};
use crate::state::AppState;
use crate::web_auth::cookie;
use crate::web_auth::rate_limit::LoginRateLimiter;
use crate::web_auth::{replace_session, ClientIp};

/// The session of the request's cookie, even one whose user must still change a
/// one-time password, with the page's language; without a session the request is
/// redirected to `/login`.
struct SignedIn {
    session: Session,
    lang: Lang,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<SignedIn, Response> {
        let lang = Lang::of_request(&parts.uri, &parts.headers);
        match any_session(&parts.headers, state, lang).await? {
            Some(session) => Ok(SignedIn { session, lang }),
            None => Err(Redirect::to("/login").into_response()),
        }
    }
}

/// The cookie that holds the login form's CSRF token.
pub const LOGIN_CSRF_COOKIE: &str = "vigil_login_csrf";

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route(
            "/account/password",
            get(password_form).post(change_password),
        )
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat_password: String,
    #[serde(default)]
    csrf: String,
}

/// `Set-Cookie` for the login form's token (`value` empty: forget it).
fn login_csrf_cookie(value: &str, secure: bool) -> HeaderValue {
    let expiry = if value.is_empty() { "; Max-Age=0" } else { "" };
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{LOGIN_CSRF_COOKIE}={value}{expiry}; HttpOnly; SameSite=Strict; Path=/login{secure}"
    ))
    .expect("tokens are URL-safe base64")
}

/// The login page, with `error` above the form, and a new CSRF token.
fn login_page(lang: Lang, status: StatusCode, error: Option<Msg>, secure: bool) -> Response {
    let token = random_token();
    let title = lang.t(Msg::LoginTitle);
    let body = html! {
        div.panel {
            h1 { (title) }
            @if let Some(error) = error {
                p.error role="alert" { (lang.t(error)) }
            }
            form method="post" action="/login" {
                input type="hidden" name="csrf" value=(token);
                div.field {
                    label for="login" { (lang.t(Msg::LoginField)) }
                    input #login name="login" autocomplete="username" required autofocus;
                }
                div.field {
                    label for="password" { (lang.t(Msg::Password)) }
                    input #password type="password" name="password" autocomplete="current-password" required;
                }
                div.field {
                    label for="totp" { (lang.t(Msg::TotpCode)) }
                    input #totp name="totp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*";
                    p.hint { (lang.t(Msg::TotpHint)) }
                }
                button type="submit" { (lang.t(Msg::SignIn)) }
            }
        }
    };
    let mut response = (status, layout::bare(lang, title, body)).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, login_csrf_cookie(&token, secure));
    response
}

/// `GET /login`: the form, or the overview for a user already logged in.
async fn login_form(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let lang = Lang::of_request(&uri, &headers);
    match any_session(&headers, &state, lang).await {
        Ok(Some(_)) => Redirect::to("/").into_response(),
        Ok(None) => login_page(
            lang,
            StatusCode::OK,
            None,
            cookie::came_over_tls(&headers, &uri),
        ),
        Err(page) => page,
    }
}

/// `POST /login`.
async fn login(
    State(state): State<AppState>,
    Extension(limiter): Extension<Arc<LoginRateLimiter>>,
    ip: ClientIp,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = Lang::of_request(&uri, &headers);
    let secure = cookie::came_over_tls(&headers, &uri);
    let doubled = cookie::value(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if form.csrf.is_empty() || !same_secret(&form.csrf, doubled) {
        return layout::error_page(lang, StatusCode::FORBIDDEN);
    }
    if limiter.attempt(ip.0).is_err() {
        let status = StatusCode::TOO_MANY_REQUESTS;
        return login_page(lang, status, Some(Msg::TooManyAttempts), secure);
    }
    let source = ip.0.map(|ip| ip.to_string());
    let totp = Some(form.totp.trim()).filter(|code| !code.is_empty());
    let outcome = state
        .db
        .verify_login(&form.login, &form.password, totp, source.as_deref())
        .await;
    let refused = |status, msg| login_page(lang, status, Some(msg), secure);
    let user = match outcome {
        Ok(LoginOutcome::Ok(user)) => user,
        Ok(LoginOutcome::Wrong) => return refused(StatusCode::UNAUTHORIZED, Msg::WrongLogin),
        Ok(LoginOutcome::NeedsTotp) => return refused(StatusCode::UNAUTHORIZED, Msg::NeedsTotp),
        Ok(LoginOutcome::Locked { .. }) => {
            return refused(StatusCode::FORBIDDEN, Msg::AccountLocked)
        }
        Ok(LoginOutcome::Disabled) => return refused(StatusCode::FORBIDDEN, Msg::AccountDisabled),
        Err(e) => return failure(lang, e),
    };
    let next = if user.must_change_password {
        "/account/password"
    } else {
        "/"
    };
    match start_session(&state, &headers, &user.id, source.as_deref(), secure, next).await {
        Ok(mut response) => {
            response
                .headers_mut()
                .append(header::SET_COOKIE, login_csrf_cookie("", secure));
            response
        }
        Err(e) => failure(lang, e),
    }
}

/// Starts a session for `user_id` (ending the one the cookie named) and redirects to
/// `next` with its cookie.
async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    user_id: &str,
    source: Option<&str>,
    secure: bool,
    next: &str,
) -> Result<Response, vigil_store::db::Error> {
    let (_, cookie) = replace_session(&state.db, headers, user_id, source, secure).await?;
    let mut response = Redirect::to(next).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// `POST /logout`.
async fn logout(
    State(state): State<AppState>,
    SignedIn { session, lang }: SignedIn,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !session.csrf_matches(&form.csrf) {
        return layout::error_page(lang, StatusCode::FORBIDDEN);
    }
    let token = cookie::session_token(&headers).unwrap_or_default();
    if let Err(e) = state.db.revoke_session(token).await {
        return failure(lang, e);
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie::clear_session(cookie::came_over_tls(&headers, &uri)),
    );
    response
}

/// The password change page, with `error` above the form.
fn password_page(
    lang: Lang,
    session: &Session,
    status: StatusCode,
    error: Option<Msg>,
) -> Response {
    let title = lang.t(Msg::ChangePasswordTitle);
    let body: Markup = html! {
        div.panel {
            h1 { (title) }
            @if session.user.must_change_password {
                p.hint { (lang.t(Msg::ChangePasswordHint)) }
            }
            @if let Some(error) = error {
                p.error role="alert" { (lang.t(error)) }
            }
            form method="post" action="/account/password" {
                input type="hidden" name="csrf" value=(session.csrf_token);
                div.field {
                    label for="current" { (lang.t(Msg::CurrentPassword)) }
                    input #current type="password" name="current_password" autocomplete="current-password" required;
                }
                div.field {
                    label for="new" { (lang.t(Msg::NewPassword)) }
                    input #new type="password" name="new_password" autocomplete="new-password" required;
                }
                div.field {
                    label for="repeat" { (lang.t(Msg::RepeatPassword)) }
                    input #repeat type="password" name="repeat_password" autocomplete="new-password" required;
                }
                button type="submit" { (lang.t(Msg::ChangePassword)) }
            }
        }
    };
    (status, layout::bare(lang, title, body)).into_response()
}

/// `GET /account/password`.
async fn password_form(SignedIn { session, lang }: SignedIn) -> Response {
    password_page(lang, &session, StatusCode::OK, None)
}

/// `POST /account/password`: every session of the user ends, and this one is replaced
/// by a fresh one.
async fn change_password(
    State(state): State<AppState>,
    Extension(limiter): Extension<Arc<LoginRateLimiter>>,
    ip: ClientIp,
    SignedIn { session, lang }: SignedIn,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<PasswordForm>,
) -> Response {
    if !session.csrf_matches(&form.csrf) {
        return layout::error_page(lang, StatusCode::FORBIDDEN);
    }
    let refused = |status, msg| password_page(lang, &session, status, Some(msg));
    if limiter.attempt(ip.0).is_err() {
        return refused(StatusCode::TOO_MANY_REQUESTS, Msg::TooManyAttempts);
    }
    if form.new_password != form.repeat_password {
        return refused(StatusCode::BAD_REQUEST, Msg::PasswordsDiffer);
    }
    let user_id = &session.user.id;
    match state
        .db
        .change_password(user_id, &form.current_password, &form.new_password)
        .await
    {
        Ok(true) => {}
        Ok(false) | Err(vigil_store::db::Error::Invalid(_)) => {
            return refused(StatusCode::FORBIDDEN, Msg::PasswordRefused)
        }
        Err(e) => return failure(lang, e),
    }
    let source = ip.0.map(|ip| ip.to_string());
    let secure = cookie::came_over_tls(&headers, &uri);
    start_session(&state, &headers, user_id, source.as_deref(), secure, "/")
        .await
        .unwrap_or_else(|e| failure(lang, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_cookie_is_found_and_flagged() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("vigil_lang=en; vigil_login_csrf=abc"),
        );
        assert_eq!(cookie::value(&headers, LOGIN_CSRF_COOKIE), Some("abc"));
        assert_eq!(cookie::value(&headers, "missing"), None);
        let set = login_csrf_cookie("abc", true);
        let set = set.to_str().unwrap();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"));
        assert!(set.ends_with("; Secure"));
        assert!(login_csrf_cookie("", false)
            .to_str()
            .unwrap()
            .contains("Max-Age=0"));
    }
}
