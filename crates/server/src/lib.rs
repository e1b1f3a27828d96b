//! Vigil's network face, on axum and tokio.
//!
//! - [`auth`]: who a request is, from the credentials each client kind sends.
//! - [`state`]: what every handler shares.

pub mod auth;
pub mod state;
