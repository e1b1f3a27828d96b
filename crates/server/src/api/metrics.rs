//! `GET /metrics`: the Prometheus text exposition of [`Metrics`].
//!
//! Who may scrape it is [`MetricsAccess`]: by default a scraper on the same machine
//! (a loopback peer) needs no token, and anyone else needs an API token. That needs the
//! peer address, so serve the app with
//! `into_make_service_with_connect_info::<SocketAddr>()`; without it every scrape needs a
//! token. Behind a reverse proxy on the same machine every request looks local: choose
//! [`MetricsAccess::Token`] there.
//!
//! [`Metrics`]: vigil_pipeline::metrics::Metrics

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::access::{Action, Caller};
use super::error::ApiResult;
use crate::state::AppState;

/// Who may read `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetricsAccess {
    /// Anyone who can reach the port.
    Public,
    /// Loopback peers without a token, others with an API token.
    #[default]
    Loopback,
    /// Only with an API token.
    Token,
}

/// The content type of the Prometheus text format.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The route of this module.
pub(super) fn routes(access: MetricsAccess) -> Router<AppState> {
    Router::new().route(
        "/metrics",
        get(move |state: State<AppState>, request: Request| scrape(access, state, request)),
    )
}

async fn scrape(
    access: MetricsAccess,
    State(state): State<AppState>,
    request: Request,
) -> ApiResult<Response> {
    let (mut parts, _body) = request.into_parts();
    let local = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(peer)| peer.ip().is_loopback());
    let open = match access {
        MetricsAccess::Public => true,
        MetricsAccess::Loopback => local,
        MetricsAccess::Token => false,
    };
    if !open {
        Caller::from_request_parts(&mut parts, &state)
            .await?
            .require(Action::Read)?;
    }
    let mut response = state.metrics.encode().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    Ok(response)
}
