//! Errors raised while loading and compiling Sigma rules, each naming what was wrong.

use thiserror::Error;

/// Why a rule, filter or correlation could not be loaded or compiled.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SigmaError {
    #[error("YAML: {0}")]
    Yaml(String),
    #[error("missing required attribute `{0}`")]
    Missing(&'static str),
    #[error("attribute `{attribute}`: {reason}")]
    Invalid { attribute: String, reason: String },
    #[error("condition `{condition}`: {reason}")]
    Condition { condition: String, reason: String },
    #[error("field `{field}`: {reason}")]
    Field { field: String, reason: String },
    #[error("unknown modifier `{modifier}` on field `{field}`")]
    UnknownModifier { field: String, modifier: String },
    #[error("regular expression `{pattern}`: {reason}")]
    Regex { pattern: String, reason: String },
    #[error("correlation: {0}")]
    Correlation(String),
}

impl SigmaError {
    pub(crate) fn invalid(attribute: impl Into<String>, reason: impl Into<String>) -> Self {
        SigmaError::Invalid {
            attribute: attribute.into(),
            reason: reason.into(),
        }
    }
    pub(crate) fn field(field: impl Into<String>, reason: impl Into<String>) -> Self {
        SigmaError::Field {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Result with [`SigmaError`].
pub type Result<T, E = SigmaError> = std::result::Result<T, E>;
