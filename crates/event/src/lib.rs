//! The vocabulary every Vigil stage shares.
//!
//! An [`Event`] is one log record after parsing: a timestamp and a flat, ordered list of
//! named [`Value`]s. Nested sources (EVTX XML, ECS JSON) are flattened by the parsers in
//! `vigil-formats`, so detection, storage and display all see the same shape.
//!
//! ```
//! use vigil_event::{Event, Value};
//! let mut event = Event::default();
//! event.push("EventID", Value::Int(4688));
//! event.push("NewProcessName", "C:\\Windows\\System32\\cmd.exe");
//! assert_eq!(event.get("EventID"), Some(&Value::Int(4688)));
//! assert_eq!(event.get_str("NewProcessName"), Some("C:\\Windows\\System32\\cmd.exe"));
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One field value. Lists keep repeated or multi-valued fields (e.g. unnamed EVTX `Data`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Value>),
}

impl Value {
    /// The text of a string value, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Converts a JSON value, flattening nothing: objects become their JSON text.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::Str(s.clone()),
            serde_json::Value::Array(items) => {
                Value::List(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(_) => Value::Str(json.to_string()),
        }
    }

    /// The JSON form of this value.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => f.write_str(s),
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                Ok(())
            }
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

/// One parsed log record: when it happened and its fields, in source order.
///
/// Field names are case-sensitive, as Sigma field names are. Lookup is a linear scan,
/// which beats hashing for the 10–40 fields a log record has.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When the event happened, as the source recorded it (UTC).
    pub timestamp: Option<DateTime<Utc>>,
    fields: Vec<(String, Value)>,
}

impl Event {
    /// An empty event with room for `n` fields.
    pub fn with_capacity(n: usize) -> Self {
        Event {
            timestamp: None,
            fields: Vec::with_capacity(n),
        }
    }

    /// Appends a field (a repeated name keeps both; `get` finds the first).
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        self.fields.push((name.into(), value.into()));
    }

    /// Sets a field, replacing the first one of that name or appending it.
    pub fn set(&mut self, name: &str, value: impl Into<Value>) {
        let value = value.into();
        match self.fields.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((name.to_owned(), value)),
        }
    }

    /// The first field of that name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The first field of that name, if it is a string.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    /// Whether a field of that name exists (even if null).
    pub fn contains(&self, name: &str) -> bool {
        self.fields.iter().any(|(n, _)| n == name)
    }

    /// Removes and returns the first field of that name.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let at = self.fields.iter().position(|(n, _)| n == name)?;
        Some(self.fields.remove(at).1)
    }

    /// All fields in order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.fields.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the event has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The event as a flat JSON object (field order kept; repeated names: first wins).
    pub fn to_json(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut map = serde_json::Map::with_capacity(self.fields.len());
        for (name, value) in &self.fields {
            map.entry(name.clone()).or_insert_with(|| value.to_json());
        }
        map
    }
}

/// Log text made safe for a spreadsheet cell: a leading `'` when a spreadsheet program
/// would run it as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage
/// return). Every field is attacker-controlled, so every CSV Vigil writes passes its
/// cells through this (quoting is the CSV writer's job).
pub fn defuse_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_other_text_kept() {
        assert_eq!(defuse_formula("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        for start in ["+", "-", "@", "\t", "\r"] {
            assert_eq!(defuse_formula(&format!("{start}1")), format!("'{start}1"));
        }
        assert_eq!(defuse_formula("a=b"), "a=b");
        assert_eq!(defuse_formula(""), "");
    }

    #[test]
    fn set_replaces_and_push_appends() {
        let mut e = Event::default();
        e.push("a", "1");
        e.push("a", "2");
        e.set("a", "3");
        e.set("b", 7i64);
        assert_eq!(e.get_str("a"), Some("3"));
        assert_eq!(e.len(), 3);
        assert_eq!(e.get("b"), Some(&Value::Int(7)));
        assert_eq!(e.remove("a"), Some(Value::Str("3".into())));
        assert_eq!(e.get_str("a"), Some("2"));
    }

    #[test]
    fn json_round_trip_keeps_types() {
        let json: serde_json::Value =
            serde_json::json!({"n": 1, "f": 1.5, "s": "x", "l": [1, "y"], "z": null, "b": true});
        let serde_json::Value::Object(obj) = &json else {
            unreachable!()
        };
        let mut e = Event::default();
        for (k, v) in obj {
            e.push(k.clone(), Value::from_json(v));
        }
        assert_eq!(serde_json::Value::Object(e.to_json()), json);
    }

    #[test]
    fn display_joins_lists() {
        let v = Value::List(vec![Value::Int(1), Value::Str("a".into()), Value::Null]);
        assert_eq!(v.to_string(), "1, a, ");
    }
}
