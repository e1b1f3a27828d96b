//! A correlation rule as written in YAML: which rules it correlates, how events are
//! grouped, the time span and the condition on the aggregate.

use crate::error::{Result, SigmaError};
use crate::rule::{parse_meta, strings, text_of, RuleMeta};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use yaml_rust2::Yaml;

/// What a correlation aggregates over the events of one group in one time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CorrelationType {
    /// Number of events.
    EventCount,
    /// Number of distinct values of the condition's `field`.
    ValueCount,
    /// Sum of the numeric values of `field`.
    ValueSum,
    /// Average of the numeric values of `field`.
    ValueAvg,
    /// Share, in percent, of the window's events that carry a given value of `field`.
    ValuePercentile,
    /// Number of distinct referenced rules seen, in any order.
    Temporal,
    /// Number of referenced rules seen in the order they are listed.
    TemporalOrdered,
}

impl CorrelationType {
    pub const ALL: [CorrelationType; 7] = [
        CorrelationType::EventCount,
        CorrelationType::ValueCount,
        CorrelationType::ValueSum,
        CorrelationType::ValueAvg,
        CorrelationType::ValuePercentile,
        CorrelationType::Temporal,
        CorrelationType::TemporalOrdered,
    ];

    /// The name used in `correlation.type`.
    pub fn as_str(self) -> &'static str {
        match self {
            CorrelationType::EventCount => "event_count",
            CorrelationType::ValueCount => "value_count",
            CorrelationType::ValueSum => "value_sum",
            CorrelationType::ValueAvg => "value_avg",
            CorrelationType::ValuePercentile => "value_percentile",
            CorrelationType::Temporal => "temporal",
            CorrelationType::TemporalOrdered => "temporal_ordered",
        }
    }

    /// Whether the condition must name the `field` whose values are aggregated.
    pub fn needs_field(self) -> bool {
        matches!(
            self,
            CorrelationType::ValueCount
                | CorrelationType::ValueSum
                | CorrelationType::ValueAvg
                | CorrelationType::ValuePercentile
        )
    }

    /// Whether the aggregate never decreases as events join a window, so that a lower
    /// bound, once met, stays met.
    fn grows_with_events(self) -> bool {
        !matches!(
            self,
            CorrelationType::ValueAvg | CorrelationType::ValuePercentile
        )
    }
}

impl fmt::Display for CorrelationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A comparison in a correlation condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

impl CompareOp {
    pub const ALL: [CompareOp; 6] = [
        CompareOp::Gt,
        CompareOp::Gte,
        CompareOp::Lt,
        CompareOp::Lte,
        CompareOp::Eq,
        CompareOp::Neq,
    ];

    /// The key used in `correlation.condition`.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Gt => "gt",
            CompareOp::Gte => "gte",
            CompareOp::Lt => "lt",
            CompareOp::Lte => "lte",
            CompareOp::Eq => "eq",
            CompareOp::Neq => "neq",
        }
    }

    /// Whether `value <op> bound`.
    pub fn holds(self, value: f64, bound: f64) -> bool {
        match self {
            CompareOp::Gt => value > bound,
            CompareOp::Gte => value >= bound,
            CompareOp::Lt => value < bound,
            CompareOp::Lte => value <= bound,
            CompareOp::Eq => value == bound,
            CompareOp::Neq => value != bound,
        }
    }
}

/// `correlation.condition`: the field a `value_*` correlation aggregates, and bounds on
/// the aggregate that must all hold.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationCondition {
    pub field: Option<String>,
    pub bounds: Vec<(CompareOp, f64)>,
}

impl CorrelationCondition {
    /// Whether every bound holds for `aggregate`.
    pub fn holds(&self, aggregate: f64) -> bool {
        self.bounds
            .iter()
            .all(|&(op, bound)| op.holds(aggregate, bound))
    }
}

/// `correlation.timespan`: a positive number followed by a unit letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timespan {
    amount: u64,
    unit: char,
}

impl Timespan {
    /// Units in the order of their length, with milliseconds per unit. Months and years
    /// are left out on purpose: their length varies.
    const UNITS: [(char, i64); 5] = [
        ('s', 1_000),
        ('m', 60_000),
        ('h', 3_600_000),
        ('d', 86_400_000),
        ('w', 604_800_000),
    ];

    /// Reads `90m`, `1h`, `2d`, ...
    pub fn parse(text: &str) -> Result<Timespan> {
        let invalid = |reason: String| SigmaError::invalid("correlation.timespan", reason);
        let Some(unit) = text.chars().last() else {
            return Err(invalid("is empty".into()));
        };
        let digits = &text[..text.len() - unit.len_utf8()];
        if matches!(unit, 'M' | 'y') {
            return Err(invalid(format!(
                "`{text}`: months and years have no fixed length; use days (d) or weeks (w)"
            )));
        }
        let per_unit = Self::unit_millis(unit);
        let amount = digits
            .parse::<u64>()
            .ok()
            .filter(|_| digits.bytes().all(|b| b.is_ascii_digit()));
        let (Some(per_unit), Some(amount)) = (per_unit, amount) else {
            return Err(invalid(format!(
                "`{text}` is not a number followed by one of s, m, h, d, w (e.g. `90m`)"
            )));
        };
        if amount == 0 {
            return Err(invalid(format!(
                "`{text}`: the span must be longer than zero"
            )));
        }
        let fits = i64::try_from(amount)
            .ok()
            .and_then(|a| a.checked_mul(per_unit))
            .is_some();
        if !fits {
            return Err(invalid(format!("`{text}` is too long")));
        }
        Ok(Timespan { amount, unit })
    }

    /// The span in milliseconds.
    pub fn millis(self) -> i64 {
        // `parse` checked the unit and that the product fits.
        self.amount as i64 * Self::unit_millis(self.unit).unwrap_or(0)
    }

    fn unit_millis(unit: char) -> Option<i64> {
        Self::UNITS
            .iter()
            .find(|(u, _)| *u == unit)
            .map(|(_, ms)| *ms)
    }
}

impl fmt::Display for Timespan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit)
    }
}

/// A Sigma correlation rule.
#[derive(Debug, Clone)]
pub struct CorrelationRule {
    /// Title, id, name, level and the other descriptive attributes.
    pub meta: RuleMeta,
    pub taxonomy: Option<String>,
    /// Whether the referenced rules also alert on their own (`generate`, default false).
    pub generate: bool,
    pub kind: CorrelationType,
    /// References to the correlated rules, by id or name, as written.
    pub rules: Vec<String>,
    /// Fields (or aliases) whose values separate the groups.
    pub group_by: Vec<String>,
    pub timespan: Timespan,
    /// For `temporal` types without a condition: at least as many rules as referenced.
    pub condition: CorrelationCondition,
    /// Alias → referenced rule (name or id) → the field that alias reads in that rule's
    /// events.
    pub aliases: BTreeMap<String, BTreeMap<String, String>>,
}

impl CorrelationRule {
    /// Reads a correlation document (one YAML document with a `correlation` section).
    pub fn from_yaml(doc: &Yaml) -> Result<CorrelationRule> {
        if !matches!(doc, Yaml::Hash(_)) {
            return Err(SigmaError::invalid(
                "document",
                "a correlation rule must be a map",
            ));
        }
        let meta = parse_meta(doc)?;
        let section = &doc["correlation"];
        match section {
            Yaml::Hash(_) => {}
            Yaml::BadValue => return Err(SigmaError::Missing("correlation")),
            _ => return Err(SigmaError::invalid("correlation", "must be a map")),
        }
        let generate = match &doc["generate"] {
            Yaml::BadValue | Yaml::Null => false,
            Yaml::Boolean(b) => *b,
            _ => return Err(SigmaError::invalid("generate", "must be true or false")),
        };
        let kind = parse_type(section)?;
        let rules = unique_strings(section, "rules")?;
        if rules.is_empty() {
            return Err(SigmaError::Missing("correlation.rules"));
        }
        let group_by = unique_strings(section, "group-by")?;
        let timespan = match &section["timespan"] {
            Yaml::BadValue | Yaml::Null => return Err(SigmaError::Missing("correlation.timespan")),
            Yaml::String(text) => Timespan::parse(text)?,
            _ => {
                return Err(SigmaError::invalid(
                    "correlation.timespan",
                    "must be text such as `5m`",
                ))
            }
        };
        let condition = parse_condition(&section["condition"], kind, rules.len())?;
        let aliases = parse_aliases(&section["aliases"])?;
        Ok(CorrelationRule {
            meta,
            taxonomy: text_of(doc, "taxonomy"),
            generate,
            kind,
            rules,
            group_by,
            timespan,
            condition,
            aliases,
        })
    }

    /// Whether a window can be decided as soon as its condition holds: the aggregate
    /// only grows as events join and the condition has lower bounds only. Other
    /// correlations are decided when their window closes.
    pub fn decides_early(&self) -> bool {
        self.kind.grows_with_events()
            && self
                .condition
                .bounds
                .iter()
                .all(|(op, _)| matches!(op, CompareOp::Gt | CompareOp::Gte))
    }
}

fn parse_type(section: &Yaml) -> Result<CorrelationType> {
    let name = match &section["type"] {
        Yaml::BadValue | Yaml::Null => return Err(SigmaError::Missing("correlation.type")),
        Yaml::String(name) => name,
        _ => return Err(SigmaError::invalid("correlation.type", "must be text")),
    };
    CorrelationType::ALL
        .into_iter()
        .find(|t| t.as_str() == name)
        .ok_or_else(|| {
            let known: Vec<&str> = CorrelationType::ALL.iter().map(|t| t.as_str()).collect();
            SigmaError::invalid(
                "correlation.type",
                format!(
                    "unknown type `{name}` (expected one of {})",
                    known.join(", ")
                ),
            )
        })
}

/// A string or list of strings without repeats.
fn unique_strings(section: &Yaml, key: &str) -> Result<Vec<String>> {
    let attribute = format!("correlation.{key}");
    let items = strings(&section[key], &attribute)?;
    let mut seen = HashSet::new();
    if let Some(repeated) = items.iter().find(|item| !seen.insert(item.as_str())) {
        return Err(SigmaError::invalid(
            attribute,
            format!("`{repeated}` is listed twice"),
        ));
    }
    Ok(items)
}

fn parse_condition(
    yaml: &Yaml,
    kind: CorrelationType,
    rules: usize,
) -> Result<CorrelationCondition> {
    const ATTRIBUTE: &str = "correlation.condition";
    let hash = match yaml {
        Yaml::Hash(hash) => hash,
        Yaml::BadValue | Yaml::Null
            if matches!(
                kind,
                CorrelationType::Temporal | CorrelationType::TemporalOrdered
            ) =>
        {
            return Ok(CorrelationCondition {
                field: None,
                bounds: vec![(CompareOp::Gte, rules as f64)],
            });
        }
        Yaml::BadValue | Yaml::Null => return Err(SigmaError::Missing("correlation.condition")),
        _ => {
            return Err(SigmaError::invalid(
                ATTRIBUTE,
                "must be a map such as `gte: 10`",
            ))
        }
    };
    let mut condition = CorrelationCondition {
        field: None,
        bounds: Vec::new(),
    };
    for (key, value) in hash {
        let key = key.as_str().unwrap_or_default();
        if key == "field" {
            condition.field = Some(parse_field(value)?);
            continue;
        }
        let Some(op) = CompareOp::ALL.into_iter().find(|op| op.as_str() == key) else {
            return Err(SigmaError::invalid(
                ATTRIBUTE,
                format!("unknown operator `{key}` (expected gt, gte, lt, lte, eq, neq or field)"),
            ));
        };
        let bound = match value {
            Yaml::Integer(i) => *i as f64,
            Yaml::Real(_) => value.as_f64().unwrap_or(f64::NAN),
            _ => f64::NAN,
        };
        if !bound.is_finite() {
            return Err(SigmaError::invalid(
                format!("{ATTRIBUTE}.{key}"),
                "must be a number",
            ));
        }
        condition.bounds.push((op, bound));
    }
    if condition.bounds.is_empty() {
        return Err(SigmaError::invalid(
            ATTRIBUTE,
            "has no comparison (expected one of gt, gte, lt, lte, eq, neq)",
        ));
    }
    match (&condition.field, kind.needs_field()) {
        (None, true) => Err(SigmaError::Missing("correlation.condition.field")),
        (Some(_), false) => Err(SigmaError::invalid(
            format!("{ATTRIBUTE}.field"),
            format!("only value_* correlations aggregate a field, not {kind}"),
        )),
        _ => Ok(condition),
    }
}

/// `field`: a name, or a list holding exactly one name.
fn parse_field(yaml: &Yaml) -> Result<String> {
    const ATTRIBUTE: &str = "correlation.condition.field";
    let mut names = strings(yaml, ATTRIBUTE)?;
    match (names.pop(), names.is_empty()) {
        (Some(name), true) if !name.is_empty() => Ok(name),
        (Some(_), false) => Err(SigmaError::invalid(
            ATTRIBUTE,
            "aggregates one field, not several",
        )),
        _ => Err(SigmaError::invalid(ATTRIBUTE, "must name a field")),
    }
}

fn parse_aliases(yaml: &Yaml) -> Result<BTreeMap<String, BTreeMap<String, String>>> {
    const ATTRIBUTE: &str = "correlation.aliases";
    let hash = match yaml {
        Yaml::BadValue | Yaml::Null => return Ok(BTreeMap::new()),
        Yaml::Hash(hash) => hash,
        _ => {
            return Err(SigmaError::invalid(
                ATTRIBUTE,
                "must map each alias to rule names and fields",
            ))
        }
    };
    let mut aliases = BTreeMap::new();
    for (alias, per_rule) in hash {
        let (Some(alias), Yaml::Hash(per_rule)) = (alias.as_str(), per_rule) else {
            return Err(SigmaError::invalid(
                ATTRIBUTE,
                "each alias must map rule names to field names",
            ));
        };
        let mut fields = BTreeMap::new();
        for (rule, field) in per_rule {
            let (Some(rule), Some(field)) = (rule.as_str(), field.as_str()) else {
                return Err(SigmaError::invalid(
                    format!("{ATTRIBUTE}.{alias}"),
                    "must map rule names to field names",
                ));
            };
            fields.insert(rule.to_owned(), field.to_owned());
        }
        aliases.insert(alias.to_owned(), fields);
    }
    Ok(aliases)
}
