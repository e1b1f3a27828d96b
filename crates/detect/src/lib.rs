//! The detection engine shared by `vigil hunt` (offline) and `vigil serve` (live).
//!
//! [`RuleLoad`] gathers rules (Vigil's built-in pack plus any directories), the
//! logsource mapping and placeholder values; [`Detector`] holds the compiled result and
//! hands each thread a [`Worker`] that classifies an event, adds the Sigma field aliases
//! its logsource needs, and returns the rules that match. Rule hits become
//! [`Detection`] records, the one shape every output and alert sink consumes.

mod batch;
mod builtin;
mod detection;
mod detector;
mod load;

pub use batch::{correlate_batch, Observation};
pub use builtin::builtin_rule_files;
pub use detection::{Detection, DetectionKind};
pub use detector::{rule_key, Detector, Worker};
pub use load::{Loaded, RuleLoad};
