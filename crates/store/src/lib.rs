//! Vigil's storage layer.
//!
//! - [`db`]: the state database (agencies, tokens, users and sessions, alerts, rule state,
//!   quarantine, audit log) through sqlx, on embedded SQLite or on PostgreSQL, with one
//!   set of migrations.
//! - [`events`]: the event store.

pub mod db;
pub mod events;
