//! User logins for the web console and the API: session cookies, CSRF protection, login
//! rate limiting, and the user administration routes.
//!
//! - `POST /api/v1/session` checks a login (password, and TOTP code when the account has
//!   one) through [`vigil_store::db::Db::verify_login`], which locks an account after
//!   repeated failures; on top of that each source address gets
//!   [`WebAuthOptions::login_attempts_per_minute`] attempts a minute (429 beyond). A
//!   success sets the [`SESSION_COOKIE`] ([`cookie`] says how) and answers the user and
//!   the session's CSRF token.
//! - A request with the cookie is a [`crate::api::access::Caller`] like one with a token,
//!   in the user's role and tenant (an agency officer sees only their agency). Every such
//!   request with a method other than GET, HEAD or OPTIONS must carry the session's CSRF
//!   token in [`CSRF_HEADER`], or it is refused with 403: another site can make a browser
//!   send the cookie, but cannot read the token. Requests with a token in
//!   `Authorization` are not cookie-authenticated and need no CSRF token.
//! - An account with a one-time password may only look at its session, log out and
//!   change the password until it has.
//! - `GET/POST /api/v1/users`, `PATCH /api/v1/users/{id}` and
//!   `POST /api/v1/users/{id}/reset-password` are for admins (auditors may list).
//!
//! ```no_run
//! # fn demo(state: vigil_server::state::AppState) -> axum::Router {
//! axum::Router::new()
//!     .merge(vigil_server::api::router())
//!     .merge(vigil_server::web_auth::router())
//!     .with_state(state)
//! # }
//! ```
//!
//! Served with `into_make_service_with_connect_info::<SocketAddr>()` so the rate limit
//! sees each client's address (without it, all clients share one budget).

pub mod cookie;
pub mod rate_limit;
mod session;
pub(crate) mod users;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, Uri};
use axum::{Extension, Router};
use vigil_store::db::{Db, Session};

use crate::api::error::{ApiError, ApiResult};
use crate::state::AppState;
pub use cookie::SESSION_COOKIE;
use rate_limit::LoginRateLimiter;

/// The request header that carries the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How sessions and logins behave.
#[derive(Debug, Clone, Copy)]
pub struct WebAuthOptions {
    /// Always mark the cookie `Secure`, e.g. when a TLS proxy in front of Vigil does not
    /// send `X-Forwarded-Proto`. Without it the cookie is `Secure` when the request
    /// came over TLS.
    pub secure_cookies: bool,
    /// Login (and password change) attempts each source address may make in a minute.
    pub login_attempts_per_minute: u32,
}

impl Default for WebAuthOptions {
    fn default() -> Self {
        WebAuthOptions {
            secure_cookies: false,
            login_attempts_per_minute: 10,
        }
    }
}

/// What the login routes share: the options and the rate limiter.
#[derive(Debug)]
struct WebAuth {
    options: WebAuthOptions,
    limiter: LoginRateLimiter,
}

impl WebAuth {
    /// Whether a cookie set in answer to this request must be `Secure`.
    fn secure(&self, headers: &HeaderMap, uri: &Uri) -> bool {
        self.options.secure_cookies || cookie::came_over_tls(headers, uri)
    }
}

/// The session and user routes with default [`WebAuthOptions`]; merge it into the
/// server's router beside [`crate::api::router`].
pub fn router() -> Router<AppState> {
    router_with(WebAuthOptions::default())
}

/// The session and user routes with explicit options.
pub fn router_with(options: WebAuthOptions) -> Router<AppState> {
    let shared = Arc::new(WebAuth {
        options,
        limiter: LoginRateLimiter::new(options.login_attempts_per_minute),
    });
    Router::new()
        .merge(session::routes())
        .merge(users::routes())
        .layer(Extension(shared))
}

/// The live session the request's cookie names, without any CSRF check: for handlers of
/// server-rendered forms, which must then compare the form's token with
/// [`Session::csrf_matches`] before changing anything. API handlers use
/// [`request_session`] (through `Caller`) instead.
pub async fn session_from_cookie(headers: &HeaderMap, db: &Db) -> ApiResult<Option<Session>> {
    match cookie::session_token(headers) {
        Some(token) => Ok(db.lookup_session(token).await?),
        None => Ok(None),
    }
}

/// The live session the request's cookie names; for a method that may change something
/// (anything but GET, HEAD and OPTIONS) the [`CSRF_HEADER`] must hold its CSRF token,
/// or the answer is 403.
pub async fn request_session(parts: &Parts, db: &Db) -> ApiResult<Option<Session>> {
    let Some(session) = session_from_cookie(&parts.headers, db).await? else {
        return Ok(None);
    };
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        let presented = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !session.csrf_matches(presented) {
            return Err(ApiError::forbidden("missing or invalid CSRF token"));
        }
    }
    Ok(Some(session))
}

/// Starts a session for `user_id` after a login or a password change, and answers it
/// with the `Set-Cookie` that hands it to the browser. A session the request's cookie
/// still names ends first: a login never continues a session the browser already had
/// (someone may have planted it).
pub(crate) async fn replace_session(
    db: &Db,
    headers: &HeaderMap,
    user_id: &str,
    source: Option<&str>,
    secure: bool,
) -> Result<(Session, HeaderValue), vigil_store::db::Error> {
    if let Some(old) = cookie::session_token(headers) {
        db.revoke_session(old).await?;
    }
    let created = db.create_session(user_id, source).await?;
    Ok((created.session, cookie::set_session(&created.token, secure)))
}

/// The address of the client, when the server was started with connect info.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientIp(pub(crate) Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ClientIp, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(peer)| peer.ip()),
        ))
    }
}
