//! Sigma detection rules and filters read from YAML: metadata, logsource, and the
//! detection compiled into selections of [`Item`]s joined by a [`Condition`].

use crate::condition::{self, Condition};
use crate::document::Document;
use crate::error::{Result, SigmaError};
use crate::item::{CompileNotes, CompileOptions, Item, RuleValue};
use crate::modifier::parse_key;
use std::fmt;
use yaml_rust2::Yaml;

/// Severity of a rule's matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    Informational,
    Low,
    #[default]
    Medium,
    High,
    Critical,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Informational,
        Level::Low,
        Level::Medium,
        Level::High,
        Level::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

impl std::str::FromStr for Level {
    type Err = SigmaError;
    fn from_str(s: &str) -> Result<Level> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                SigmaError::invalid(
                    "level",
                    format!("`{s}` is not one of informational, low, medium, high, critical"),
                )
            })
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which logs a rule is about (all attributes lower-cased; absent means "any").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Logsource {
    pub product: Option<String>,
    pub category: Option<String>,
    pub service: Option<String>,
}

impl Logsource {
    pub fn new(product: Option<&str>, category: Option<&str>, service: Option<&str>) -> Logsource {
        let norm = |s: Option<&str>| {
            s.map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
        };
        Logsource {
            product: norm(product),
            category: norm(category),
            service: norm(service),
        }
    }

    /// Whether an event of logsource `event` is in scope of a rule with this logsource:
    /// every attribute the rule names must be the event's.
    pub fn covers(&self, event: &Logsource) -> bool {
        let ok = |rule: &Option<String>, ev: &Option<String>| rule.is_none() || rule == ev;
        ok(&self.product, &event.product)
            && ok(&self.category, &event.category)
            && ok(&self.service, &event.service)
    }
}

impl fmt::Display for Logsource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [&self.product, &self.category, &self.service];
        let shown: Vec<&str> = parts.iter().map(|p| p.as_deref().unwrap_or("*")).collect();
        f.write_str(&shown.join("/"))
    }
}

/// Descriptive attributes of a rule, kept for alerts and output.
#[derive(Debug, Clone, Default)]
pub struct RuleMeta {
    pub title: String,
    pub id: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    pub references: Vec<String>,
    pub date: Option<String>,
    pub modified: Option<String>,
    pub tags: Vec<String>,
    pub level: Level,
    pub falsepositives: Vec<String>,
    pub license: Option<String>,
    /// Vigil's own attributes: the title in Vietnamese and first-response guidance in
    /// Vietnamese for the agency's IT officer.
    pub title_vi: Option<String>,
    pub guidance_vi: Option<String>,
}

/// One alternative of a selection: items that must all match.
pub type ItemGroup = Vec<Item>;

/// A named selection: alternatives (any of which matches).
#[derive(Debug, Clone)]
pub struct Selection {
    pub name: String,
    pub groups: Vec<ItemGroup>,
}

impl Selection {
    pub fn matches<D: Document + ?Sized>(&self, doc: &D) -> bool {
        self.groups
            .iter()
            .any(|group| group.iter().all(|item| item.matches(doc)))
    }
}

/// Compiled detection logic: selections and the condition over them.
#[derive(Debug, Clone)]
pub struct Detection {
    pub selections: Vec<Selection>,
    pub condition: Condition,
}

impl Detection {
    pub fn matches<D: Document + ?Sized>(&self, doc: &D) -> bool {
        self.condition
            .eval(&mut |i| self.selections[i].matches(doc))
    }

    /// Compiles a detection map (selections plus `condition`).
    pub fn compile(
        map: &Yaml,
        options: &CompileOptions,
        notes: &mut CompileNotes,
    ) -> Result<Detection> {
        let Yaml::Hash(hash) = map else {
            return Err(SigmaError::invalid(
                "detection",
                "must be a map of selections and a condition",
            ));
        };
        let mut selections = Vec::new();
        let mut condition_texts = Vec::new();
        for (key, value) in hash {
            let key = key.as_str().ok_or_else(|| {
                SigmaError::invalid("detection", "selection names must be strings")
            })?;
            match key {
                "condition" => condition_texts = strings(value, "condition")?,
                "timeframe" => {} // Sigma 1 aggregation window: only meaningful with `|`, rejected there.
                name => selections.push(compile_selection(name, value, options, notes)?),
            }
        }
        if condition_texts.is_empty() {
            return Err(SigmaError::Missing("detection.condition"));
        }
        let names: Vec<String> = selections.iter().map(|s| s.name.clone()).collect();
        let mut parts = condition_texts
            .iter()
            .map(|text| condition::parse(text, &names))
            .collect::<Result<Vec<_>>>()?;
        let condition = if parts.len() == 1 {
            parts.remove(0)
        } else {
            Condition::Or(parts)
        };
        Ok(Detection {
            selections,
            condition,
        })
    }
}

fn compile_selection(
    name: &str,
    value: &Yaml,
    options: &CompileOptions,
    notes: &mut CompileNotes,
) -> Result<Selection> {
    let mut groups = Vec::new();
    let mut keywords = Vec::new();
    let elements: Vec<&Yaml> = match value {
        Yaml::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for element in elements {
        match element {
            Yaml::Hash(map) => {
                let mut group = Vec::with_capacity(map.len());
                for (key, values) in map {
                    let key = scalar_text(key)
                        .ok_or_else(|| SigmaError::invalid(name, "field names must be scalars"))?;
                    let (field, mods) = parse_key(&key)?;
                    let values =
                        rule_values(values).map_err(|reason| SigmaError::field(&key, reason))?;
                    group.push(Item::compile(field, &mods, &values, options, notes)?);
                }
                if group.is_empty() {
                    return Err(SigmaError::invalid(name, "empty selection"));
                }
                groups.push(group);
            }
            scalar => keywords
                .push(rule_value(scalar).map_err(|reason| SigmaError::invalid(name, reason))?),
        }
    }
    if !keywords.is_empty() {
        let mods = Default::default();
        groups.push(vec![Item::compile(None, &mods, &keywords, options, notes)?]);
    }
    if groups.is_empty() {
        return Err(SigmaError::invalid(name, "empty selection"));
    }
    Ok(Selection {
        name: name.to_owned(),
        groups,
    })
}

fn rule_value(yaml: &Yaml) -> std::result::Result<RuleValue, String> {
    Ok(match yaml {
        Yaml::Null => RuleValue::Null,
        Yaml::Boolean(b) => RuleValue::Bool(*b),
        Yaml::Integer(i) => RuleValue::Int(*i),
        Yaml::Real(text) => text
            .parse()
            .map(RuleValue::Float)
            .unwrap_or_else(|_| RuleValue::Str(text.clone())),
        Yaml::String(s) => RuleValue::Str(s.clone()),
        Yaml::Array(_) | Yaml::Hash(_) => {
            return Err("values must be scalars or a list of scalars".into())
        }
        Yaml::Alias(_) | Yaml::BadValue => return Err("unreadable value".into()),
    })
}

fn rule_values(yaml: &Yaml) -> std::result::Result<Vec<RuleValue>, String> {
    match yaml {
        Yaml::Array(items) => items.iter().map(rule_value).collect(),
        other => Ok(vec![rule_value(other)?]),
    }
}

/// A scalar as text (numbers and booleans in their YAML spelling).
pub(crate) fn scalar_text(yaml: &Yaml) -> Option<String> {
    match yaml {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A string or list of strings.
pub(crate) fn strings(yaml: &Yaml, attribute: &str) -> Result<Vec<String>> {
    match yaml {
        Yaml::Array(items) => items
            .iter()
            .map(|i| {
                scalar_text(i)
                    .ok_or_else(|| SigmaError::invalid(attribute, "list items must be text"))
            })
            .collect(),
        Yaml::Null | Yaml::BadValue => Ok(Vec::new()),
        other => scalar_text(other)
            .map(|s| vec![s])
            .ok_or_else(|| SigmaError::invalid(attribute, "must be text or a list of text")),
    }
}

/// The optional text of `key` in a YAML map.
pub(crate) fn text_of(doc: &Yaml, key: &str) -> Option<String> {
    scalar_text(&doc[key])
}

/// Reads the descriptive attributes every Sigma document kind shares.
pub fn parse_meta(doc: &Yaml) -> Result<RuleMeta> {
    let title = text_of(doc, "title").ok_or(SigmaError::Missing("title"))?;
    let level = match text_of(doc, "level") {
        Some(l) => l.parse()?,
        None => Level::default(),
    };
    Ok(RuleMeta {
        title,
        id: text_of(doc, "id"),
        name: text_of(doc, "name"),
        status: text_of(doc, "status"),
        description: text_of(doc, "description"),
        author: text_of(doc, "author"),
        references: strings(&doc["references"], "references")?,
        date: text_of(doc, "date"),
        modified: text_of(doc, "modified"),
        tags: strings(&doc["tags"], "tags")?,
        level,
        falsepositives: strings(&doc["falsepositives"], "falsepositives")?,
        license: text_of(doc, "license"),
        title_vi: text_of(doc, "title_vi"),
        guidance_vi: text_of(doc, "guidance_vi"),
    })
}

/// Reads `logsource`.
pub fn parse_logsource(doc: &Yaml) -> Result<Logsource> {
    let ls = &doc["logsource"];
    if !matches!(ls, Yaml::Hash(_)) {
        return Err(SigmaError::Missing("logsource"));
    }
    Ok(Logsource::new(
        text_of(ls, "product").as_deref(),
        text_of(ls, "category").as_deref(),
        text_of(ls, "service").as_deref(),
    ))
}

/// A compiled detection rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub meta: RuleMeta,
    pub logsource: Logsource,
    pub detection: Detection,
    /// Detections of filters that apply to this rule: a match of any suppresses it.
    pub filters: Vec<Detection>,
    /// Where the rule came from (file path or other origin).
    pub origin: String,
    /// Placeholders the rule uses that have no configured values.
    pub unresolved_placeholders: Vec<String>,
}

impl Rule {
    /// Compiles a rule document.
    pub fn compile(doc: &Yaml, origin: &str, options: &CompileOptions) -> Result<Rule> {
        let meta = parse_meta(doc)?;
        let logsource = parse_logsource(doc)?;
        let mut notes = CompileNotes::default();
        let detection = match &doc["detection"] {
            Yaml::BadValue => return Err(SigmaError::Missing("detection")),
            d => Detection::compile(d, options, &mut notes)?,
        };
        Ok(Rule {
            meta,
            logsource,
            detection,
            filters: Vec::new(),
            origin: origin.to_owned(),
            unresolved_placeholders: notes.unresolved_placeholders,
        })
    }

    /// Whether the document matches the rule and no filter suppresses it.
    pub fn matches<D: Document + ?Sized>(&self, doc: &D) -> bool {
        self.detection.matches(doc) && !self.filters.iter().any(|f| f.matches(doc))
    }
}

/// A meta filter: a detection that suppresses matches of the rules it names.
#[derive(Debug, Clone)]
pub struct Filter {
    pub meta: RuleMeta,
    pub logsource: Logsource,
    /// Ids or names of the rules the filter applies to.
    pub rules: Vec<String>,
    pub detection: Detection,
}

impl Filter {
    /// Compiles a filter document: `filter:` holds `rules`, selections and a condition
    /// that describes the events to suppress.
    pub fn compile(doc: &Yaml, options: &CompileOptions) -> Result<Filter> {
        let meta = parse_meta(doc)?;
        let logsource = parse_logsource(doc)?;
        let section = &doc["filter"];
        let Yaml::Hash(hash) = section else {
            return Err(SigmaError::invalid(
                "filter",
                "must be a map with rules, selections and a condition",
            ));
        };
        let rules = strings(&section["rules"], "filter.rules")?;
        if rules.is_empty() {
            return Err(SigmaError::Missing("filter.rules"));
        }
        let mut detection_map = hash.clone();
        detection_map.remove(&Yaml::String("rules".into()));
        let mut notes = CompileNotes::default();
        let detection = Detection::compile(&Yaml::Hash(detection_map), options, &mut notes)?;
        Ok(Filter {
            meta,
            logsource,
            rules,
            detection,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_event::Event;
    use yaml_rust2::YamlLoader;

    fn compile(text: &str) -> Result<Rule> {
        let docs = YamlLoader::load_from_str(text).unwrap();
        Rule::compile(&docs[0], "test", &CompileOptions::default())
    }

    #[test]
    fn rule_with_lists_maps_and_keywords() {
        let rule = compile(
            r#"
title: t
id: 1
level: high
logsource: {product: windows, category: process_creation}
detection:
    selection_img:
        - Image|endswith: '\whoami.exe'
        - OriginalFileName: 'whoami.exe'
    selection_cli:
        CommandLine|contains: ['/all', '/priv']
    keywords:
        - 'evil'
    condition: all of selection_* or keywords
"#,
        )
        .unwrap();
        assert_eq!(rule.meta.level, Level::High);
        assert_eq!(
            rule.logsource,
            Logsource::new(Some("windows"), Some("process_creation"), None)
        );
        let mut e = Event::default();
        e.push("Image", r"C:\Windows\System32\WHOAMI.EXE");
        e.push("CommandLine", "whoami /all");
        assert!(rule.matches(&e));
        let mut e2 = Event::default();
        e2.push("OriginalFileName", "whoami.exe");
        e2.push("CommandLine", "whoami");
        assert!(!rule.matches(&e2));
        e2.push("Note", "some EVIL thing");
        assert!(rule.matches(&e2));
    }

    #[test]
    fn missing_parts_are_reported() {
        let err = |t: &str| compile(t).unwrap_err().to_string();
        assert!(
            err("logsource: {product: x}\ndetection: {s: {a: 1}, condition: s}").contains("title")
        );
        assert!(err("title: t\ndetection: {s: {a: 1}, condition: s}").contains("logsource"));
        assert!(err("title: t\nlogsource: {product: x}").contains("detection"));
        assert!(
            err("title: t\nlogsource: {product: x}\ndetection: {s: {a: 1}}").contains("condition")
        );
        assert!(err("title: t\nlevel: severe\nlogsource: {product: x}\ndetection: {s: {a: 1}, condition: s}").contains("severe"));
        assert!(err(
            "title: t\nlogsource: {product: x}\ndetection: {s: {a|nope: 1}, condition: s}"
        )
        .contains("nope"));
    }

    #[test]
    fn logsource_coverage() {
        let rule = Logsource::new(Some("windows"), None, None);
        let event = Logsource::new(Some("Windows"), Some("process_creation"), None);
        assert!(rule.covers(&event));
        assert!(!Logsource::new(Some("linux"), None, None).covers(&event));
        assert!(!Logsource::new(Some("windows"), None, Some("security")).covers(&event));
        assert_eq!(event.to_string(), "windows/process_creation/*");
    }
}
