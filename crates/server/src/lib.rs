//! Vigil's network face, on axum and tokio.
//!
//! - [`app()`]: every route together, as `vigil serve` mounts them.
//! - [`api`]: the REST API under `/api/v1`, its OpenAPI description and `/metrics`.
//! - [`auth`]: who a request is, from the credentials each client kind sends.
//! - [`console`]: the web console, server-rendered pages in Vietnamese and English.
//! - [`ingest`]: the HTTP ingest endpoints (JSON Lines, Elasticsearch-compatible, Splunk
//!   HEC-compatible).
//! - [`state`]: what every handler shares.
//! - [`web_auth`]: user sessions (cookie, CSRF, login rate limit) and user administration.
//! - [`syslog`]: the syslog listeners (UDP, TCP, TLS).

pub mod api;
mod app;
pub mod auth;
pub mod console;
pub mod ingest;
pub mod state;
pub mod syslog;
pub mod web_auth;

pub use app::app;
