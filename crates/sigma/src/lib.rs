//! Sigma rules for Vigil: parse, compile and match.
//!
//! (Work in progress: modules are being filled in.)

pub mod document;
pub mod error;

pub use document::{scalar_text, Document, Scalar};
pub use error::{Result, SigmaError};
