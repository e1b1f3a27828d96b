//! The one thing the engine needs from an event: read a field by name.
//!
//! Keeping this a small trait lets the engine run over any record type (Vigil's `Event`,
//! a JSON value, a test fixture) without copying it into another shape first.

/// One scalar read from a document. Lists are visited element by element.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

/// A record that Sigma rules can be matched against.
pub trait Document {
    /// Calls `visit` with each scalar of field `name` (each element when the field is a
    /// list) until `visit` returns true. Returns `None` when the field is absent, else
    /// `Some(true)` if some call returned true.
    fn visit_field(&self, name: &str, visit: &mut dyn FnMut(Scalar<'_>) -> bool) -> Option<bool>;

    /// Calls `visit` with every field name and scalar until it returns true; returns
    /// whether it did. Used for keyword (field-less) searches and the literal prefilter.
    fn visit_all(&self, visit: &mut dyn FnMut(&str, Scalar<'_>) -> bool) -> bool;

    /// The first scalar of a field as text, for correlation group-by values and output.
    fn field_text(&self, name: &str) -> Option<String> {
        let mut out = None;
        self.visit_field(name, &mut |s| {
            out = Some(scalar_text(s));
            true
        });
        out
    }
}

/// The text form of a scalar, as Sigma compares numbers and booleans with strings.
pub fn scalar_text(s: Scalar<'_>) -> String {
    match s {
        Scalar::Null => String::new(),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Int(i) => i.to_string(),
        Scalar::Float(f) => f.to_string(),
        Scalar::Str(s) => s.to_owned(),
    }
}

#[cfg(feature = "vigil-event")]
mod event_impl {
    use super::{Document, Scalar};
    use vigil_event::{Event, Value};

    fn visit_value(value: &Value, visit: &mut dyn FnMut(Scalar<'_>) -> bool) -> bool {
        match value {
            Value::Null => visit(Scalar::Null),
            Value::Bool(b) => visit(Scalar::Bool(*b)),
            Value::Int(i) => visit(Scalar::Int(*i)),
            Value::Float(f) => visit(Scalar::Float(*f)),
            Value::Str(s) => visit(Scalar::Str(s)),
            Value::List(items) => items.iter().any(|item| visit_value(item, visit)),
        }
    }

    impl Document for Event {
        fn visit_field(
            &self,
            name: &str,
            visit: &mut dyn FnMut(Scalar<'_>) -> bool,
        ) -> Option<bool> {
            self.get(name).map(|value| visit_value(value, visit))
        }

        fn visit_all(&self, visit: &mut dyn FnMut(&str, Scalar<'_>) -> bool) -> bool {
            self.fields()
                .any(|(name, value)| visit_value(value, &mut |s| visit(name, s)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_event::{Event, Value};

    #[test]
    fn event_lists_are_visited_per_element() {
        let mut e = Event::default();
        e.push("Data", Value::List(vec!["a".into(), Value::Int(3)]));
        let mut seen = Vec::new();
        assert_eq!(
            e.visit_field("Data", &mut |s| {
                seen.push(scalar_text(s));
                false
            }),
            Some(false)
        );
        assert_eq!(seen, ["a", "3"]);
        assert_eq!(e.visit_field("Missing", &mut |_| true), None);
        assert_eq!(e.field_text("Data").as_deref(), Some("a"));
    }
}
