//! [`AppState`]: the handles every request handler and listener shares.

use std::sync::Arc;
use vigil_pipeline::intake::Intake;
use vigil_pipeline::metrics::Metrics;
use vigil_pipeline::rules::RuleCatalog;
use vigil_store::db::Db;
use vigil_store::events::EventStore;

/// Size limits on what senders may send.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// One log message (a syslog frame, a JSON line, one `_bulk` document); longer ones are
    /// cut to this size and flagged as truncated.
    pub max_message_bytes: usize,
    /// One HTTP request body; larger requests get 413.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 64 * 1024,
            max_body_bytes: 64 * 1024 * 1024,
        }
    }
}

/// What handlers share; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub events: Arc<dyn EventStore>,
    pub intake: Intake,
    pub metrics: Arc<Metrics>,
    pub limits: Limits,
    pub auth: Arc<crate::auth::TokenCache>,
    pub rules: Arc<RuleCatalog>,
    /// The console's rendered dashboards, recomputed at most every half minute.
    pub overview_cache: Arc<crate::console::OverviewCache>,
}
