//! The REST API of `vigil serve`, under `/api/v1`, plus `/metrics`.
//!
//! Every route except `GET /api/v1/openapi.json` and (by default, from loopback)
//! `GET /metrics` needs a token, sent as `Authorization: Bearer <token>` or any other form
//! [`crate::auth`] accepts. Who sees which data and who may change what is decided in
//! [`access`]; handlers pass the caller's tenant to every query, so agency officers only
//! ever see their own agency. Errors are JSON `{"error": ..., "detail": ...}`
//! ([`error::ApiError`]). The routes are described in `openapi.json`, served at
//! `/api/v1/openapi.json`.
//!
//! ```no_run
//! # async fn demo(state: vigil_server::state::AppState) -> std::io::Result<()> {
//! use std::net::SocketAddr;
//! let app = vigil_server::api::router().with_state(state);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! // Connect info lets `/metrics` tell loopback scrapers from remote ones.
//! axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await
//! # }
//! ```
//!
//! - [`events`]: search, counts and histograms over the event store;
//! - [`alerts`]: the alert queue and its workflow;
//! - [`rules`]: the loaded rules, enable/disable and exceptions;
//! - [`admin`]: agencies, source addresses and tokens;
//! - [`quarantine`]: input that could not be parsed;
//! - [`register`]: information systems, controls, self-assessments, inspections, findings;
//! - [`incidents`]: incidents, their workflow, tasks, evidence and reporting clocks;
//! - [`advisories`]: advisories, their targeting, acknowledgement and escalation;
//! - [`metrics`]: Prometheus metrics;
//! - [`openapi`]: the OpenAPI 3.1 description.

pub mod access;
pub(crate) mod admin;
mod advisories;
mod alerts;
pub mod error;
pub(crate) mod events;
pub(crate) mod extract;
pub mod incidents;
pub mod metrics;
pub mod openapi;
mod quarantine;
pub(crate) mod register;
pub(crate) mod rules;

use axum::Router;

use crate::state::AppState;
pub use metrics::MetricsAccess;

/// Choices about how the API is exposed.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiOptions {
    /// Who may read `/metrics` (default: loopback without a token, others with one).
    pub metrics: MetricsAccess,
}

/// The API with default [`ApiOptions`]; merge it into the server's router and give it
/// the [`AppState`].
pub fn router() -> Router<AppState> {
    router_with(ApiOptions::default())
}

/// The API with explicit options.
pub fn router_with(options: ApiOptions) -> Router<AppState> {
    Router::new()
        .merge(events::routes())
        .merge(alerts::routes())
        .merge(rules::routes())
        .merge(admin::routes())
        .merge(quarantine::routes())
        .merge(register::routes())
        .merge(incidents::routes())
        .merge(advisories::routes())
        .merge(openapi::routes())
        .merge(metrics::routes(options.metrics))
}
