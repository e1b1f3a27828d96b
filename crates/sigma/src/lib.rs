//! Sigma rules for Vigil: parse, compile and match.
//!
//! The engine reads Sigma detection rules, meta filters and correlation rules (the
//! SigmaHQ specification, version 2), compiles each rule once, and matches events
//! through the small [`Document`] trait, so it works on any record type.
//!
//! Matching an event costs little more than reading it: rules are grouped by
//! logsource ([`RuleSet::rules_for`]), and a per-field multi-pattern pass
//! ([`prefilter`]) tells which rules' literals occur before any rule is evaluated.
//!
//! The crate matches and never formats: callers turn rule hits into output or alerts.

pub mod collection;
pub mod condition;
pub mod correlation;
pub mod document;
pub mod error;
pub mod item;
pub mod modifier;
pub mod pattern;
pub mod prefilter;
pub mod rule;
pub mod ruleset;

pub use document::{scalar_text, Document, Scalar};
pub use error::{Result, SigmaError};
pub use item::CompileOptions;
pub use rule::{Detection, Filter, Level, Logsource, Rule, RuleMeta};
pub use ruleset::{CorrelationSource, RuleSet, RuleSetBuilder, ScanScratch, Unsupported};
