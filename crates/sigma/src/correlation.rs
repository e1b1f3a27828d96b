//! Sigma correlation rules: read them from YAML, and run them over the stream of
//! detection-rule matches that Vigil's hunt and live pipeline produce.
//!
//! A correlation counts, sums or sequences the matches of other rules (detection rules
//! or other correlations) per group of field values within a time span. The
//! [`CorrelationEngine`] is fed one match at a time and returns a [`CorrelationHit`]
//! when a correlation's condition holds; its documentation describes the window
//! semantics.
//!
//! ```
//! use vigil_sigma::correlation::{Aggregate, CorrelationEngine, CorrelationRule};
//! use vigil_sigma::{Document, Scalar};
//! use yaml_rust2::YamlLoader;
//!
//! let yaml = YamlLoader::load_from_str(
//!     "title: Brute force\n\
//!      correlation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [User]\n  \
//!      timespan: 10m\n  condition:\n    gte: 3\n",
//! )
//! .unwrap();
//! let rule = CorrelationRule::from_yaml(&yaml[0]).unwrap();
//! let known = [("53ba33fd", Some("failed_login"))];
//! let mut engine = CorrelationEngine::new(vec![rule], known).unwrap().with_lateness(0);
//!
//! struct Login(&'static str);
//! impl Document for Login {
//!     fn visit_field(&self, name: &str, visit: &mut dyn FnMut(Scalar<'_>) -> bool) -> Option<bool> {
//!         (name == "User").then(|| visit(Scalar::Str(self.0)))
//!     }
//!     fn visit_all(&self, visit: &mut dyn FnMut(&str, Scalar<'_>) -> bool) -> bool {
//!         visit("User", Scalar::Str(self.0))
//!     }
//! }
//!
//! assert!(engine.observe("53ba33fd", None, 1_000, 1, &Login("alice")).is_empty());
//! assert!(engine.observe("53ba33fd", None, 2_000, 2, &Login("alice")).is_empty());
//! let hits = engine.observe("53ba33fd", None, 3_000, 3, &Login("alice"));
//! assert_eq!(hits[0].aggregate, Aggregate::Events(3));
//! assert_eq!(hits[0].group, [("User".to_string(), "alice".to_string())]);
//! assert_eq!(hits[0].samples, [1, 2, 3]);
//! ```

mod engine;
mod rule;
mod window;

pub use engine::{CorrelationEngine, CorrelationHit, CorrelationStats};
pub use rule::{CompareOp, CorrelationCondition, CorrelationRule, CorrelationType, Timespan};
pub use window::Aggregate;
