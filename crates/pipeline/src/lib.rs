//! Vigil's event plane at run time.
//!
//! Ingest endpoints (in `vigil-server`) parse what they receive into [`intake::Record`]s
//! and hand them over through an [`intake::Intake`]; the pipeline makes each batch durable,
//! attributes it to an agency and information system, runs detection and correlation,
//! folds detections into alerts and appends the events to the event store.
//! [`metrics::Metrics`] counts every step for Prometheus.

pub mod intake;
pub mod metrics;
pub mod rules;
