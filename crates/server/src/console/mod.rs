//! The web console: server-rendered pages for analysts, agency officers and leaders.
//!
//! Pages are [`maud`] templates, so every value that comes from logs or the database is
//! HTML-escaped by construction. The one stylesheet is embedded in the binary and served
//! under `/assets/` ([`assets`]); no script, font or image comes from anywhere else, and
//! every page carries a strict [`CONTENT_SECURITY_POLICY`], `X-Content-Type-Options:
//! nosniff` and `Referrer-Policy: no-referrer`. Pages speak Vietnamese unless `?lang=en`
//! (remembered in a cookie) asks for English ([`i18n`]).
//!
//! Logins go through the same state database calls and the same session cookie as
//! [`crate::web_auth`]; what a user sees and may change is decided by
//! [`crate::api::access`], as for the API, so an agency officer sees only their agency
//! and another agency's alert is a 404 page. Every form carries a CSRF token: the login
//! form a random one doubled in a cookie, every later form the session's.
//!
//! - [`login`]: `GET/POST /login`, `POST /logout`, `GET/POST /account/password`;
//! - [`overview`]: the dashboard at `GET /` (alert charts, ingest health), drawn with
//!   [`charts`]; [`choice`]: the fixed options pages offer (time windows, periods);
//! - [`alerts`]: `GET /alerts` (with bulk changes), `GET/POST /alerts/{id}`;
//!   [`alert_stream`]: `GET /alerts/stream`, new alerts as server-sent events;
//! - [`search`]: `GET /search`, `GET /search/event/{id}`, `GET /search/export.csv`;
//! - [`rules`]: `GET /rules`, `GET /rules/{id}` with enable/disable, exceptions and a
//!   backtest over stored events;
//! - [`admin`]: `GET /admin` (admins only): users, agencies, tokens, notifications;
//! - [`audit`]: `GET /audit` (admins and auditors): the audit log and its verification;
//! - [`account`]: `GET /account`: the viewer's account and TOTP enrolment;
//! - [`register`]: `GET /register`, `GET /register/systems/{id}`, `GET /register/dashboard`:
//!   the information systems, one system's record and the register dashboard;
//! - [`incidents`]: `GET /incidents`, `GET /incidents/{id}`: incidents with their
//!   reporting deadlines, one incident's record;
//! - [`advisories`]: `GET /advisories`: advisories with each agency's answer;
//! - [`layout`]: the page frame (header, navigation, language switch) and error pages;
//! - [`change`], [`notice`], [`paging`]: forms that change something (CSRF checked),
//!   what a page says after one, and links between pages;
//!
//! `GET /` is also the Elasticsearch cluster-info endpoint of [`crate::ingest`]:
//! [`browser_root`], layered over the whole app, hands a `GET /` whose `Accept` names
//! `text/html` to the console and every other request on unchanged.

mod account;
mod admin;
mod advisories;
mod alert_stream;
mod alerts;
mod assets;
mod audit;
mod change;
mod charts;
mod choice;
mod i18n;
mod incidents;
mod layout;
mod login;
mod notice;
mod overview;

pub use overview::OverviewCache;
mod paging;
mod register;
mod rules;
mod search;

use std::sync::Arc;

use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Router};
use serde::de::DeserializeOwned;
use vigil_store::db::Session;

use crate::api::access::Caller;
use crate::api::error::ApiError;
use crate::state::AppState;
use crate::web_auth::rate_limit::LoginRateLimiter;
use crate::web_auth::WebAuthOptions;
use i18n::Lang;

/// The Content-Security-Policy of every console answer.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; \
    form-action 'self'";

/// The console's routes; merge it into the server's router and layer [`browser_root`]
/// over the whole app so `GET /` reaches the overview.
pub fn router() -> Router<AppState> {
    let limiter = LoginRateLimiter::new(WebAuthOptions::default().login_attempts_per_minute);
    Router::new()
        .merge(login::routes())
        .merge(alerts::routes())
        .merge(alert_stream::routes())
        .merge(search::routes())
        .merge(rules::routes())
        .merge(admin::routes())
        .merge(audit::routes())
        .merge(account::routes())
        .merge(register::routes())
        .merge(incidents::routes())
        .merge(advisories::routes())
        .merge(assets::routes())
        .layer(Extension(Arc::new(limiter)))
        .layer(middleware::from_fn(page_headers))
}

/// Middleware for the whole app: a browser's `GET /` (its `Accept` names `text/html`)
/// gets the console's overview, or a redirect to the login page; everything else goes on
/// to the routes (the Elasticsearch cluster info, for `GET /` of a client).
pub async fn browser_root(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET
        || request.uri().path() != "/"
        || !wants_html(request.headers())
    {
        return next.run(request).await;
    }
    let chosen = Lang::from_query(request.uri());
    let (mut parts, _) = request.into_parts();
    let mut response = match Viewer::from_request_parts(&mut parts, &state).await {
        Ok(viewer) => overview::overview(State(state), viewer, parts.uri).await,
        Err(refused) => refused,
    };
    secure_page(&mut response, chosen);
    response
}

/// Whether the client asks for HTML.
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/html"))
}

/// Middleware of the console's routes: the security headers, and the language cookie.
async fn page_headers(request: Request, next: Next) -> Response {
    let chosen = Lang::from_query(request.uri());
    let mut response = next.run(request).await;
    secure_page(&mut response, chosen);
    response
}

/// Adds the security headers to a console answer (pages are never cached unless the
/// handler said otherwise), and remembers a language chosen with `?lang=`.
fn secure_page(response: &mut Response, chosen: Option<Lang>) {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    if let Some(lang) = chosen {
        headers.append(header::SET_COOKIE, lang.cookie());
    }
}

/// The logged-in user a console page is for: their session, the [`Caller`] it acts as
/// (role and tenant) and the page language. Without a session the request is redirected
/// to `/login`; while the user must change a one-time password, to `/account/password`.
pub(crate) struct Viewer {
    session: Session,
    caller: Caller,
    lang: Lang,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, Response> {
        let lang = Lang::of_request(&parts.uri, &parts.headers);
        let Some(session) = any_session(&parts.headers, state, lang).await? else {
            return Err(Redirect::to("/login").into_response());
        };
        if session.user.must_change_password {
            return Err(Redirect::to("/account/password").into_response());
        }
        let caller = Caller::from_session(session.clone()).map_err(|e| failure(lang, e))?;
        Ok(Viewer {
            session,
            caller,
            lang,
        })
    }
}

/// A page's query string, as `T`; one that does not parse is the 400 page (in the page
/// language).
struct PageQuery<T>(T);

impl<T: DeserializeOwned> FromRequestParts<AppState> for PageQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<PageQuery<T>, Response> {
        match Query::<T>::try_from_uri(&parts.uri) {
            Ok(Query(params)) => Ok(PageQuery(params)),
            Err(_) => {
                let lang = Lang::of_request(&parts.uri, &parts.headers);
                Err(layout::error_page(lang, StatusCode::BAD_REQUEST))
            }
        }
    }
}

/// The live session of the request's cookie, if any, even one that must still change
/// its password.
async fn any_session(
    headers: &HeaderMap,
    state: &AppState,
    lang: Lang,
) -> Result<Option<Session>, Response> {
    crate::web_auth::session_from_cookie(headers, &state.db)
        .await
        .map_err(|e| failure(lang, e))
}

/// The error page for a failed API-layer call (its status: 404, 403, 409, 400 or 500).
fn failure(lang: Lang, error: impl Into<ApiError>) -> Response {
    layout::error_page(lang, error.into().status)
}
