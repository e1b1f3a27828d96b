//! Vigil's event plane at run time.
//!
//! Ingest endpoints (in `vigil-server`) parse what they receive into [`intake::Record`]s
//! and hand them over through an [`intake::Intake`]; [`Pipeline`] makes each batch durable
//! on the bus, attributes it to an agency and information system ([`attribute`]), runs
//! detection and correlation ([`process`], [`correlate`]) with the analysts' enabled flags
//! and [`exceptions`], folds detections into alerts and appends the events to the event
//! store. [`metrics::Metrics`] counts every step for Prometheus; [`rules::RuleCatalog`]
//! shows the loaded rules to the API, and [`backtest`] runs one of them over stored events.

pub mod attribute;
pub mod backtest;
pub mod correlate;
pub mod exceptions;
pub mod intake;
pub mod live_rules;
pub mod metrics;
pub mod process;
pub mod rules;
mod run;

pub use run::{Pipeline, PipelineConfig, QUARANTINE_MAX_BYTES};
