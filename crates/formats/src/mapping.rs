//! The logsource mapping as data: which events a Sigma logsource means, and which field
//! aliases make those events look as Sigma rules expect.
//!
//! ```yaml
//! logsources:
//!   - logsource: {product: windows, category: process_creation, service: security}
//!     when:                        # alternatives, any may match
//!       - {Channel: Security, EventID: 4688}
//!     rename:                      # source field: Sigma field (or a list of them)
//!       NewProcessName: Image
//!       ParentProcessName: ParentImage
//! ```
//!
//! Each `when` alternative is a map whose conditions must all hold:
//! - `Field: value` or `Field: [v1, v2]`: the field equals one of the values (text compares
//!   ASCII case-insensitively; `4688` matches `Int(4688)` and `"4688"`; a list field
//!   matches when one element does);
//! - `exists: Field` or `exists: [F1, F2]`: all those fields are present;
//! - `missing: Field` or `missing: [F1, F2]`: none of them is present;
//! - `not: {…}`: the nested conditions do not all hold.
//!
//! `when` may also be a single map. Renames add the Sigma-named field next to the source
//! field and never replace a field the event already has.

use std::fmt;
use vigil_event::Value;
use yaml_rust2::{Yaml, YamlLoader};

/// A Sigma logsource: any of product, category and service. Values are lower case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LogsourceKey {
    pub product: Option<String>,
    pub category: Option<String>,
    pub service: Option<String>,
}

impl LogsourceKey {
    /// A key from optional parts (lower-cased; empty parts count as absent).
    pub fn new(product: Option<&str>, category: Option<&str>, service: Option<&str>) -> Self {
        let part = |s: Option<&str>| {
            s.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_ascii_lowercase)
        };
        LogsourceKey {
            product: part(product),
            category: part(category),
            service: part(service),
        }
    }

    /// Whether an event of this logsource is in scope of a rule whose logsource is `rule`:
    /// every part the rule names must be the same here; parts it leaves out match anything.
    pub fn covers(&self, rule: &LogsourceKey) -> bool {
        fn part(mine: &Option<String>, wanted: &Option<String>) -> bool {
            match (mine, wanted) {
                (_, None) => true,
                (Some(mine), Some(wanted)) => mine.eq_ignore_ascii_case(wanted),
                (None, Some(_)) => false,
            }
        }
        part(&self.product, &rule.product)
            && part(&self.category, &rule.category)
            && part(&self.service, &rule.service)
    }
}

impl fmt::Display for LogsourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let part = |p: &Option<String>| p.clone().unwrap_or_else(|| "-".to_owned());
        write!(
            f,
            "{}/{}/{}",
            part(&self.product),
            part(&self.category),
            part(&self.service)
        )
    }
}

/// Why a mapping file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("logsource mapping is not valid YAML: {0}")]
    Yaml(#[from] yaml_rust2::ScanError),
    #[error("logsource mapping: {0}")]
    Shape(String),
    #[error("logsource mapping entry {index} ({key}): {reason}")]
    Entry {
        index: usize,
        key: String,
        reason: String,
    },
}

/// A parsed mapping file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mapping {
    pub entries: Vec<Entry>,
}

/// One logsource and the events that belong to it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub key: LogsourceKey,
    pub when: Vec<Selector>,
    pub renames: Vec<(String, String)>,
}

/// Conditions that must all hold.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Selector {
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Condition {
    Equals { field: String, values: Vec<Literal> },
    Exists(String),
    Missing(String),
    Not(Selector),
}

/// A value to compare a field with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Literal {
    text: String,
    int: Option<i64>,
}

impl Literal {
    fn new(text: String) -> Self {
        let int = text.parse().ok();
        Literal { text, int }
    }

    pub fn matches(&self, value: &Value) -> bool {
        match value {
            Value::Str(s) => s.eq_ignore_ascii_case(&self.text),
            Value::Int(i) => self.int == Some(*i),
            Value::Bool(b) => self
                .text
                .eq_ignore_ascii_case(if *b { "true" } else { "false" }),
            Value::Float(x) => self.text.parse::<f64>().is_ok_and(|t| t == *x),
            Value::List(items) => items.iter().any(|item| self.matches(item)),
            Value::Null => false,
        }
    }
}

impl Selector {
    pub fn matches(&self, event: &vigil_event::Event) -> bool {
        self.conditions.iter().all(|c| match c {
            Condition::Equals { field, values } => event
                .get(field)
                .is_some_and(|v| values.iter().any(|l| l.matches(v))),
            Condition::Exists(field) => event.contains(field),
            Condition::Missing(field) => !event.contains(field),
            Condition::Not(inner) => !inner.matches(event),
        })
    }

    /// Calls `visit(field, compares_value)` for every field a condition reads.
    pub fn visit_fields(&self, visit: &mut dyn FnMut(&str, bool)) {
        for condition in &self.conditions {
            match condition {
                Condition::Equals { field, .. } => visit(field, true),
                Condition::Exists(field) | Condition::Missing(field) => visit(field, false),
                Condition::Not(inner) => inner.visit_fields(visit),
            }
        }
    }
}

impl Mapping {
    pub fn from_yaml(text: &str) -> Result<Mapping, MappingError> {
        let docs = YamlLoader::load_from_str(text)?;
        let Some(doc) = docs.first() else {
            return Err(MappingError::Shape("the file is empty".into()));
        };
        let Some(list) = doc["logsources"].as_vec() else {
            return Err(MappingError::Shape(
                "expected a top-level `logsources:` list".into(),
            ));
        };
        let entries = list
            .iter()
            .enumerate()
            .map(|(index, item)| parse_entry(index, item))
            .collect::<Result<_, _>>()?;
        Ok(Mapping { entries })
    }
}

fn parse_entry(index: usize, item: &Yaml) -> Result<Entry, MappingError> {
    let fail = |key: &str, reason: String| MappingError::Entry {
        index,
        key: key.to_owned(),
        reason,
    };
    let Some(hash) = item.as_hash() else {
        return Err(fail(
            "?",
            "expected a map with `logsource` and `when`".into(),
        ));
    };
    for field in hash.keys() {
        if !matches!(field.as_str(), Some("logsource" | "when" | "rename")) {
            return Err(fail("?", format!("unknown key {field:?}")));
        }
    }
    let key = parse_key(&item["logsource"]).map_err(|reason| fail("?", reason))?;
    let shown = key.to_string();
    let when = match &item["when"] {
        Yaml::Array(list) => list
            .iter()
            .map(parse_selector)
            .collect::<Result<Vec<_>, _>>(),
        other @ Yaml::Hash(_) => parse_selector(other).map(|s| vec![s]),
        _ => Err("`when` must be a map or a list of maps".to_owned()),
    }
    .map_err(|reason| fail(&shown, reason))?;
    if when.is_empty() {
        return Err(fail(&shown, "`when` has no alternatives".into()));
    }
    let renames = parse_renames(&item["rename"]).map_err(|reason| fail(&shown, reason))?;
    Ok(Entry { key, when, renames })
}

fn parse_key(yaml: &Yaml) -> Result<LogsourceKey, String> {
    let Some(hash) = yaml.as_hash() else {
        return Err("`logsource` must be a map of product / category / service".into());
    };
    let (mut product, mut category, mut service) = (None, None, None);
    for (name, value) in hash {
        let value = value
            .as_str()
            .ok_or_else(|| format!("logsource {name:?} must be text"))?;
        match name.as_str() {
            Some("product") => product = Some(value),
            Some("category") => category = Some(value),
            Some("service") => service = Some(value),
            _ => return Err(format!("unknown logsource part {name:?}")),
        }
    }
    let key = LogsourceKey::new(product, category, service);
    if key == LogsourceKey::default() {
        return Err("`logsource` names nothing".into());
    }
    Ok(key)
}

fn parse_selector(yaml: &Yaml) -> Result<Selector, String> {
    let Some(hash) = yaml.as_hash() else {
        return Err("each `when` alternative must be a map".into());
    };
    let mut conditions = Vec::with_capacity(hash.len());
    for (name, value) in hash {
        let Some(name) = name.as_str() else {
            return Err(format!("condition names must be text, found {name:?}"));
        };
        match name {
            "exists" => conditions.extend(field_list(value)?.into_iter().map(Condition::Exists)),
            "missing" => conditions.extend(field_list(value)?.into_iter().map(Condition::Missing)),
            "not" => conditions.push(Condition::Not(parse_selector(value)?)),
            field => {
                let values = match value {
                    Yaml::Array(items) => {
                        items.iter().map(literal).collect::<Result<Vec<_>, _>>()?
                    }
                    single => vec![literal(single)?],
                };
                if values.is_empty() {
                    return Err(format!("`{field}` lists no values"));
                }
                conditions.push(Condition::Equals {
                    field: field.to_owned(),
                    values,
                });
            }
        }
    }
    Ok(Selector { conditions })
}

fn literal(yaml: &Yaml) -> Result<Literal, String> {
    let text = match yaml {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        other => {
            return Err(format!(
                "a value to compare with must be a scalar, found {other:?}"
            ))
        }
    };
    Ok(Literal::new(text))
}

fn field_list(yaml: &Yaml) -> Result<Vec<String>, String> {
    match yaml {
        Yaml::String(s) => Ok(vec![s.clone()]),
        Yaml::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("field names must be text, found {i:?}"))
            })
            .collect(),
        other => Err(format!(
            "expected a field name or a list of them, found {other:?}"
        )),
    }
}

fn parse_renames(yaml: &Yaml) -> Result<Vec<(String, String)>, String> {
    let hash = match yaml {
        Yaml::BadValue | Yaml::Null => return Ok(Vec::new()),
        Yaml::Hash(hash) => hash,
        _ => return Err("`rename` must be a map of source field to Sigma field".into()),
    };
    let mut renames = Vec::new();
    for (from, to) in hash {
        let from = from
            .as_str()
            .ok_or_else(|| format!("rename source must be text, found {from:?}"))?;
        for to in field_list(to)? {
            renames.push((from.to_owned(), to));
        }
    }
    Ok(renames)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_event::Event;

    fn one_selector(yaml: &str) -> Selector {
        let text = format!("logsources:\n  - logsource: {{product: x}}\n    when: {yaml}\n");
        match Mapping::from_yaml(&text) {
            Ok(mut m) => m.entries.remove(0).when.remove(0),
            Err(e) => panic!("{e}"),
        }
    }

    fn event(fields: &[(&str, Value)]) -> Event {
        let mut e = Event::default();
        for (n, v) in fields {
            e.push(*n, v.clone());
        }
        e
    }

    #[test]
    fn equality_is_case_insensitive_and_type_tolerant() {
        let s = one_selector("{Channel: security, EventID: [4688, 4689]}");
        assert!(s.matches(&event(&[
            ("Channel", "Security".into()),
            ("EventID", Value::Int(4688))
        ])));
        assert!(s.matches(&event(&[
            ("Channel", "SECURITY".into()),
            ("EventID", "4689".into())
        ])));
        assert!(!s.matches(&event(&[
            ("Channel", "Security".into()),
            ("EventID", Value::Int(4624))
        ])));
        assert!(!s.matches(&event(&[("EventID", Value::Int(4688))])));
        let list = event(&[
            ("Channel", Value::List(vec!["x".into(), "security".into()])),
            ("EventID", Value::Int(4688)),
        ]);
        assert!(s.matches(&list));
    }

    #[test]
    fn exists_missing_and_not() {
        let s = one_selector("{exists: [a, b], missing: c, not: {kind: skip}}");
        assert!(s.matches(&event(&[("a", Value::Null), ("b", 1i64.into())])));
        assert!(!s.matches(&event(&[("a", Value::Null)])));
        assert!(!s.matches(&event(&[
            ("a", Value::Null),
            ("b", 1i64.into()),
            ("c", 1i64.into())
        ])));
        assert!(!s.matches(&event(&[
            ("a", Value::Null),
            ("b", 1i64.into()),
            ("kind", "SKIP".into())
        ])));
        let mut seen = Vec::new();
        s.visit_fields(&mut |f, by_value| seen.push((f.to_owned(), by_value)));
        assert_eq!(
            seen,
            [
                ("a".into(), false),
                ("b".into(), false),
                ("c".into(), false),
                ("kind".into(), true)
            ]
        );
    }

    #[test]
    fn renames_take_one_or_several_targets() {
        let text = "logsources:\n  - logsource: {product: Windows, category: file_access}\n    when: [{EventID: 4663}]\n    rename: {ObjectName: [TargetFilename, FileName], ProcessName: Image}\n";
        let m = Mapping::from_yaml(text).map_err(|e| e.to_string());
        let entry = &m
            .as_ref()
            .map(|m| m.entries[0].clone())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            entry.key,
            LogsourceKey::new(Some("windows"), Some("file_access"), None)
        );
        let pairs: Vec<(&str, &str)> = entry
            .renames
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("ObjectName", "TargetFilename"),
                ("ObjectName", "FileName"),
                ("ProcessName", "Image")
            ]
        );
    }

    #[test]
    fn bad_files_say_which_entry_and_why() {
        let cases = [
            ("", "empty"),
            ("foo: 1", "`logsources:`"),
            ("logsources: [{logsource: {product: x}}]", "`when` must be"),
            (
                "logsources: [{logsource: {}, when: {a: 1}}]",
                "names nothing",
            ),
            (
                "logsources: [{logsource: {os: x}, when: {a: 1}}]",
                "unknown logsource part",
            ),
            (
                "logsources: [{logsource: {product: x}, when: [], extra: 1}]",
                "unknown key",
            ),
            (
                "logsources: [{logsource: {product: x}, when: []}]",
                "no alternatives",
            ),
            (
                "logsources: [{logsource: {product: x}, when: {a: {b: 1}}}]",
                "scalar",
            ),
            (
                "logsources: [{logsource: {product: x}, when: {a: 1}, rename: [a]}]",
                "`rename`",
            ),
            (
                "logsources: [{logsource: {product: x}, when: {a: []}}]",
                "no values",
            ),
            ("logsources: [", "YAML"),
        ];
        for (text, expected) in cases {
            match Mapping::from_yaml(text) {
                Ok(_) => panic!("accepted {text:?}"),
                Err(e) => assert!(e.to_string().contains(expected), "{text:?}: {e}"),
            }
        }
    }

    #[test]
    fn key_coverage() {
        let event = LogsourceKey::new(Some("windows"), Some("process_creation"), Some("sysmon"));
        assert!(event.covers(&LogsourceKey::new(
            Some("windows"),
            Some("process_creation"),
            None
        )));
        assert!(event.covers(&LogsourceKey::new(Some("Windows"), None, Some("sysmon"))));
        assert!(event.covers(&LogsourceKey::new(None, Some("process_creation"), None)));
        assert!(!event.covers(&LogsourceKey::new(
            Some("linux"),
            Some("process_creation"),
            None
        )));
        let product_only = LogsourceKey::new(Some("windows"), None, None);
        assert!(!product_only.covers(&LogsourceKey::new(Some("windows"), None, Some("security"))));
        assert_eq!(event.to_string(), "windows/process_creation/sysmon");
        assert_eq!(product_only.to_string(), "windows/-/-");
    }
}
