//! The console's static files, embedded in the binary (deployments are air-gapped) and
//! served under `/assets/` with a year-long cache: their URLs carry the version, so a new
//! release is fetched anew.

use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

/// The stylesheet's URL, versioned so caches never serve an old one.
pub(super) const STYLESHEET: &str = concat!("/assets/console.css?v=", env!("CARGO_PKG_VERSION"));

const CSS: &str = include_str!("assets/console.css");

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/assets/console.css", get(stylesheet))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        CSS,
    )
}
