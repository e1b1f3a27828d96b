//! [`app`]: the whole HTTP face of `vigil serve` in one router: ingest endpoints, the REST
//! API, `/metrics`, accounts and sessions, the web console, and `GET /health`.

use crate::state::AppState;
use axum::extract::State;
use axum::middleware;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

/// Every HTTP route, with the shared state applied.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .merge(crate::ingest::router())
        .merge(crate::api::router())
        .merge(crate::web_auth::router())
        .merge(crate::console::router())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::console::browser_root,
        ))
        .with_state(state)
}

/// `GET /health`: 200 once the server is up, which `vigil serve` only lets happen after
/// the rules are loaded and the intake is open.
async fn health(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "rules_loaded": state.rules.enabled_count(),
        "intake_queue": state.intake.queued(),
    }))
}
