//! Vigil's network face, on axum and tokio.
//!
//! - [`api`]: the REST API under `/api/v1`, its OpenAPI description and `/metrics`.
//! - [`auth`]: who a request is, from the credentials each client kind sends.
//! - [`state`]: what every handler shares.

pub mod api;
pub mod auth;
pub mod state;
