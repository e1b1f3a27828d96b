//! The console's static files (the stylesheet, and the live alert queue's script),
//! embedded in the binary (deployments are air-gapped) and served under `/assets/` with
//! a year-long cache: their URLs carry the version, so a new release is fetched anew.

use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

/// The stylesheet's URL, versioned so caches never serve an old one.
pub(super) const STYLESHEET: &str = concat!("/assets/console.css?v=", env!("CARGO_PKG_VERSION"));

/// The live alert queue's script's URL, versioned likewise.
pub(super) const ALERTS_SCRIPT: &str = concat!("/assets/alerts.js?v=", env!("CARGO_PKG_VERSION"));

const CSS: &str = include_str!("assets/console.css");
const ALERTS_JS: &str = include_str!("assets/alerts.js");

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/assets/console.css",
            get(|| async { asset("text/css; charset=utf-8", CSS) }),
        )
        .route(
            "/assets/alerts.js",
            get(|| async { asset("text/javascript; charset=utf-8", ALERTS_JS) }),
        )
}

/// An embedded file with its type, cached for a year.
fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        body,
    )
}
