//! One detection item compiled: a field, its modifiers and its values, turned into tests
//! that run against a [`Document`] without allocating on the common paths.

use crate::document::{Document, Scalar};
use crate::error::{Result, SigmaError};
use crate::modifier::{self, Anchor, Compare, Modifiers, TimePart, Transform};
use crate::pattern::{Pattern, StrTest};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use chrono::{DateTime, Datelike, NaiveDateTime, Timelike};
use ipnet::IpNet;
use std::collections::HashMap;
use std::io::Write;
use std::net::IpAddr;

/// A value as written in the rule, before modifiers are applied.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl RuleValue {
    fn text(&self) -> String {
        match self {
            RuleValue::Null => String::new(),
            RuleValue::Bool(b) => b.to_string(),
            RuleValue::Int(i) => i.to_string(),
            RuleValue::Float(f) => f.to_string(),
            RuleValue::Str(s) => s.clone(),
        }
    }
}

/// Compiled regular expression: the `regex` crate, or `fancy-regex` for look-around
/// and back-references that `regex` does not support.
#[derive(Debug, Clone)]
pub enum Regex {
    Fast(regex::Regex),
    Fancy(Box<fancy_regex::Regex>),
}

impl Regex {
    fn is_match(&self, text: &str) -> bool {
        match self {
            Regex::Fast(re) => re.is_match(text),
            // A backtracking limit hit counts as no match rather than an error.
            Regex::Fancy(re) => re.is_match(text).unwrap_or(false),
        }
    }
}

/// A test of one scalar against one rule value.
#[derive(Debug, Clone)]
enum ValueTest {
    /// Absent, null or empty.
    Null,
    Str(StrTest),
    /// A number written in the rule: equal numerically, or as text.
    Number {
        value: f64,
        text: String,
    },
    Bool(bool),
    Regex(Regex),
    Cidr(IpNet),
    Compare(Compare, f64),
    Time {
        part: TimePart,
        compare: Option<Compare>,
        value: f64,
    },
    /// The scalar equals (or contains, starts or ends with) another field's value.
    FieldRef {
        field: String,
        anchor: Anchor,
        cased: bool,
    },
    /// Several plain `contains` values folded into one automaton.
    AnyContains(AhoCorasick),
    /// A placeholder with no configured values: never matches.
    Nothing,
}

/// How the values of an item combine.
#[derive(Debug, Clone)]
enum Combine {
    /// Any value matches (a list, the default).
    Any(Vec<ValueTest>),
    /// Every value matches (`all`).
    All(Vec<ValueTest>),
    /// `exists`: the field is present (true) or absent (false).
    Exists(bool),
}

/// One compiled detection item: `field|modifiers: values`.
#[derive(Debug, Clone)]
pub struct Item {
    /// `None` for keyword (field-less) searches, which look at every field.
    pub field: Option<String>,
    combine: Combine,
    negate: bool,
    /// What one of which must be in the field for the item to match (prefilter input).
    pub required: Option<Vec<Needle>>,
}

/// Something that must be present in a field for an item to match.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Needle {
    /// This text occurs in the value (lower-case ASCII; compared ignoring ASCII case).
    Substring(String),
    /// The whole value equals this, in [`canonical_value`] form.
    Value(String),
}

/// The form values are compared in by the prefilter's exact lookups: numbers (decimal,
/// hexadecimal, with spaces around) as plain integers, other text lower-cased.
pub fn canonical_value(text: &str) -> String {
    match parse_number(text) {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => (f as i64).to_string(),
        _ => text.to_lowercase(),
    }
}

/// Calls `f` with the canonical form of a scalar (`None` for nulls), avoiding
/// allocation for integers and already-canonical text.
pub fn with_canonical<R>(s: Scalar<'_>, f: impl FnOnce(&str) -> R) -> Option<R> {
    match s {
        Scalar::Null => None,
        Scalar::Int(_) | Scalar::Bool(_) => Some(with_text(s, f)),
        Scalar::Float(x) => Some(f(&canonical_value(&x.to_string()))),
        Scalar::Str(t) => {
            let plain = !t.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii())
                && parse_number(t).is_none();
            Some(if plain { f(t) } else { f(&canonical_value(t)) })
        }
    }
}

/// Settings that compilation reads: placeholder values for `expand`.
#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    pub placeholders: HashMap<String, Vec<String>>,
}

/// Warnings collected while compiling (e.g. unresolved placeholders).
#[derive(Debug, Default)]
pub struct CompileNotes {
    pub unresolved_placeholders: Vec<String>,
}

/// Below this many plain `contains` values, testing each beats building an automaton.
const FOLD_THRESHOLD: usize = 4;

impl Item {
    /// Compiles one item from its key's field and modifiers and its values.
    pub fn compile(
        field: Option<String>,
        mods: &Modifiers,
        values: &[RuleValue],
        options: &CompileOptions,
        notes: &mut CompileNotes,
    ) -> Result<Item> {
        let shown = field.clone().unwrap_or_else(|| "<keywords>".into());
        if values.is_empty() {
            return Err(SigmaError::field(&shown, "empty list of values"));
        }
        if mods.exists {
            let [RuleValue::Bool(b)] = values else {
                return Err(SigmaError::field(
                    &shown,
                    "`exists` takes a single true or false",
                ));
            };
            return Ok(Item {
                field,
                combine: Combine::Exists(*b),
                negate: false,
                required: None,
            });
        }
        let mut tests = Vec::new();
        for value in values {
            compile_value(
                &shown,
                field.is_none(),
                mods,
                value,
                options,
                notes,
                &mut tests,
            )?;
        }
        let required = required_needles(&tests, mods);
        let combine = if mods.all {
            Combine::All(tests)
        } else {
            Combine::Any(fold_contains(tests))
        };
        Ok(Item {
            field,
            combine,
            negate: mods.neq,
            required: if mods.neq { None } else { required },
        })
    }

    /// Whether the document satisfies this item.
    pub fn matches<D: Document + ?Sized>(&self, doc: &D) -> bool {
        self.matches_inner(doc) != self.negate
    }

    fn matches_inner<D: Document + ?Sized>(&self, doc: &D) -> bool {
        let Some(field) = &self.field else {
            return self.matches_keywords(doc);
        };
        match &self.combine {
            Combine::Exists(want) => doc.visit_field(field, &mut |_| true).is_some() == *want,
            Combine::Any(tests) => {
                match doc.visit_field(field, &mut |s| tests.iter().any(|t| t.matches(s, doc))) {
                    Some(hit) => hit,
                    None => tests.iter().any(|t| matches!(t, ValueTest::Null)),
                }
            }
            Combine::All(tests) => {
                tests.iter().all(
                    |t| match doc.visit_field(field, &mut |s| t.matches(s, doc)) {
                        Some(hit) => hit,
                        None => matches!(t, ValueTest::Null),
                    },
                )
            }
        }
    }

    fn matches_keywords<D: Document + ?Sized>(&self, doc: &D) -> bool {
        let string_hit = |t: &ValueTest| {
            doc.visit_all(&mut |_, s| matches!(s, Scalar::Str(_)) && t.matches(s, doc))
        };
        match &self.combine {
            Combine::Any(tests) => tests.iter().any(string_hit),
            Combine::All(tests) => tests.iter().all(string_hit),
            Combine::Exists(_) => false,
        }
    }
}

/// Compiles one rule value into tests (several when modifiers expand it).
fn compile_value(
    field: &str,
    keyword: bool,
    mods: &Modifiers,
    value: &RuleValue,
    options: &CompileOptions,
    notes: &mut CompileNotes,
    out: &mut Vec<ValueTest>,
) -> Result<()> {
    if *value == RuleValue::Null {
        out.push(ValueTest::Null);
        return Ok(());
    }
    let text = value.text();
    if let Some(flags) = mods.regex {
        out.push(ValueTest::Regex(compile_regex(&text, flags, mods.cased)?));
        return Ok(());
    }
    if mods.cidr {
        let net = parse_cidr(&text)
            .ok_or_else(|| SigmaError::field(field, format!("`{text}` is not a CIDR network")))?;
        out.push(ValueTest::Cidr(net));
        return Ok(());
    }
    if let Some(part) = mods.time_part {
        let value = number_of(value)
            .ok_or_else(|| SigmaError::field(field, "time modifiers take a number"))?;
        out.push(ValueTest::Time {
            part,
            compare: mods.compare,
            value,
        });
        return Ok(());
    }
    if let Some(compare) = mods.compare {
        let number = number_of(value).ok_or_else(|| {
            SigmaError::field(field, format!("`{text}` is not a number for gt/gte/lt/lte"))
        })?;
        out.push(ValueTest::Compare(compare, number));
        return Ok(());
    }
    if mods.fieldref {
        out.push(ValueTest::FieldRef {
            field: text,
            anchor: mods.anchor,
            cased: mods.cased,
        });
        return Ok(());
    }
    let plain =
        mods.transforms.is_empty() && !mods.expand && mods.anchor == Anchor::Whole && !keyword;
    match value {
        RuleValue::Int(_) | RuleValue::Float(_) if plain => {
            out.push(ValueTest::Number {
                value: number_of(value).unwrap_or(f64::NAN),
                text,
            });
            return Ok(());
        }
        RuleValue::Bool(b) if plain => {
            out.push(ValueTest::Bool(*b));
            return Ok(());
        }
        _ => {}
    }
    let texts = if mods.expand {
        let expanded = modifier::expand_placeholders(
            &text,
            &options.placeholders,
            &mut notes.unresolved_placeholders,
        );
        if expanded.is_empty() {
            out.push(ValueTest::Nothing);
            return Ok(());
        }
        expanded
    } else {
        vec![text]
    };
    for text in texts {
        for mut pattern in transformed_patterns(field, &text, &mods.transforms)? {
            let anchor = if keyword && mods.anchor == Anchor::Whole {
                Anchor::Contains
            } else {
                mods.anchor
            };
            if matches!(anchor, Anchor::Contains | Anchor::EndsWith) {
                pattern.prepend_any();
            }
            if matches!(anchor, Anchor::Contains | Anchor::StartsWith) {
                pattern.append_any();
            }
            out.push(ValueTest::Str(StrTest::new(&pattern, mods.cased)));
        }
    }
    Ok(())
}

/// Applies windash and encodings in order. Encoded values are literal text: wildcards
/// inside them would be encoded too, which no backend can express.
fn transformed_patterns(field: &str, text: &str, transforms: &[Transform]) -> Result<Vec<Pattern>> {
    if transforms.is_empty() {
        return Ok(vec![Pattern::parse(text)]);
    }
    let encodes = transforms.iter().any(|t| *t != Transform::Windash);
    if encodes && text.contains(['*', '?']) && !text.contains('\\') {
        return Err(SigmaError::field(
            field,
            "wildcards cannot be used with encoding modifiers",
        ));
    }
    let mut values: Vec<Vec<u8>> = vec![text.as_bytes().to_vec()];
    for &transform in transforms {
        values = match transform {
            Transform::Windash => values
                .iter()
                .flat_map(|v| modifier::windash_variants(&modifier::latin1_or_utf8(v)))
                .map(String::into_bytes)
                .collect(),
            other => values
                .iter()
                .flat_map(|v| modifier::encode(other, v))
                .collect(),
        };
    }
    Ok(values
        .iter()
        .map(|v| {
            let text = modifier::latin1_or_utf8(v);
            if encodes {
                Pattern::literal(&text)
            } else {
                Pattern::parse(&text)
            }
        })
        .collect())
}

fn compile_regex(pattern: &str, flags: modifier::RegexFlags, cased: bool) -> Result<Regex> {
    let mut prefix = String::new();
    if flags.insensitive && !cased {
        prefix.push('i');
    }
    if flags.multiline {
        prefix.push('m');
    }
    if flags.dot_all {
        prefix.push('s');
    }
    let full = if prefix.is_empty() {
        pattern.to_owned()
    } else {
        format!("(?{prefix}){pattern}")
    };
    match regex::RegexBuilder::new(&full).size_limit(1 << 22).build() {
        Ok(re) => Ok(Regex::Fast(re)),
        Err(fast_err) => fancy_regex::Regex::new(&full)
            .map(|re| Regex::Fancy(Box::new(re)))
            .map_err(|_| SigmaError::Regex {
                pattern: pattern.to_owned(),
                reason: fast_err.to_string(),
            }),
    }
}

fn parse_cidr(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
}

fn number_of(value: &RuleValue) -> Option<f64> {
    match value {
        RuleValue::Int(i) => Some(*i as f64),
        RuleValue::Float(f) => Some(*f),
        RuleValue::Str(s) => parse_number(s),
        _ => None,
    }
}

/// Parses decimal or `0x` hexadecimal numbers, as Windows logs write both.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return i64::from_str_radix(hex, 16).ok().map(|i| i as f64);
    }
    t.parse::<f64>().ok()
}

fn scalar_number(s: Scalar<'_>) -> Option<f64> {
    match s {
        Scalar::Int(i) => Some(i as f64),
        Scalar::Float(f) => Some(f),
        Scalar::Str(t) => parse_number(t),
        Scalar::Bool(_) | Scalar::Null => None,
    }
}

/// Calls `f` with the scalar as text, formatting numbers into a stack buffer.
fn with_text<R>(s: Scalar<'_>, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 32];
    let text = match s {
        Scalar::Str(t) => return f(t),
        Scalar::Null => "",
        Scalar::Bool(true) => "true",
        Scalar::Bool(false) => "false",
        Scalar::Int(i) => {
            let mut cursor = std::io::Cursor::new(&mut buf[..]);
            let _ = write!(cursor, "{i}");
            let len = cursor.position() as usize;
            return f(std::str::from_utf8(&buf[..len]).unwrap_or_default());
        }
        Scalar::Float(x) => return f(&x.to_string()),
    };
    f(text)
}

fn time_part(s: Scalar<'_>, part: TimePart) -> Option<f64> {
    let Scalar::Str(text) = s else { return None };
    let text = text.trim();
    let naive = DateTime::parse_from_rfc3339(text)
        .map(|d| d.naive_utc())
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f"))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()?;
    Some(match part {
        TimePart::Minute => naive.minute() as f64,
        TimePart::Hour => naive.hour() as f64,
        TimePart::Day => naive.day() as f64,
        TimePart::Week => naive.iso_week().week() as f64,
        TimePart::Month => naive.month() as f64,
        TimePart::Year => naive.year() as f64,
    })
}

impl ValueTest {
    fn matches<D: Document + ?Sized>(&self, s: Scalar<'_>, doc: &D) -> bool {
        match self {
            ValueTest::Null => matches!(s, Scalar::Null | Scalar::Str("")),
            ValueTest::Nothing => false,
            ValueTest::Str(test) => {
                !matches!(s, Scalar::Null) && with_text(s, |t| test.is_match(t))
            }
            ValueTest::AnyContains(ac) => with_text(s, |t| ac.is_match(t)),
            ValueTest::Number { value, text } => match s {
                Scalar::Int(i) => (i as f64) == *value,
                Scalar::Float(f) => f == *value,
                Scalar::Str(t) => {
                    t.trim().eq_ignore_ascii_case(text) || parse_number(t) == Some(*value)
                }
                _ => false,
            },
            ValueTest::Bool(b) => match s {
                Scalar::Bool(v) => v == *b,
                Scalar::Str(t) => t
                    .trim()
                    .eq_ignore_ascii_case(if *b { "true" } else { "false" }),
                Scalar::Int(i) => (i != 0) == *b,
                _ => false,
            },
            ValueTest::Regex(re) => !matches!(s, Scalar::Null) && with_text(s, |t| re.is_match(t)),
            ValueTest::Cidr(net) => match s {
                Scalar::Str(t) => parse_ip(t).is_some_and(|ip| net.contains(&ip)),
                _ => false,
            },
            ValueTest::Compare(cmp, right) => {
                scalar_number(s).is_some_and(|left| cmp.holds(left, *right))
            }
            ValueTest::Time {
                part,
                compare,
                value,
            } => time_part(s, *part).is_some_and(|got| match compare {
                Some(cmp) => cmp.holds(got, *value),
                None => got == *value,
            }),
            ValueTest::FieldRef {
                field,
                anchor,
                cased,
            } => {
                let Some(other) = doc.field_text(field) else {
                    return false;
                };
                with_text(s, |t| {
                    let (t, other) = if *cased {
                        (t.to_owned(), other)
                    } else {
                        (t.to_lowercase(), other.to_lowercase())
                    };
                    match anchor {
                        Anchor::Whole => t == other,
                        Anchor::Contains => t.contains(&other),
                        Anchor::StartsWith => t.starts_with(&other),
                        Anchor::EndsWith => t.ends_with(&other),
                    }
                })
            }
        }
    }

    /// What must be in the field for this test to match, if it can be said.
    fn needle(&self) -> Option<Needle> {
        match self {
            ValueTest::Str(test) => match test.exact_text() {
                Some(exact) => Some(Needle::Value(canonical_value(exact))),
                None => test
                    .prefilter_literal()
                    .map(|l| Needle::Substring(l.to_owned())),
            },
            ValueTest::Number { value, .. } if value.fract() == 0.0 && value.abs() < 9.0e15 => {
                Some(Needle::Value((*value as i64).to_string()))
            }
            _ => None,
        }
    }
}

fn parse_ip(text: &str) -> Option<IpAddr> {
    let t = text.trim().trim_start_matches('[').trim_end_matches(']');
    let ip: IpAddr = t.parse().ok()?;
    Some(match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    })
}

/// Replaces many plain case-insensitive `contains` tests with one automaton.
fn fold_contains(tests: Vec<ValueTest>) -> Vec<ValueTest> {
    let literals: Vec<String> = tests
        .iter()
        .filter_map(|t| match t {
            ValueTest::Str(s) => s.contains_literal().map(str::to_owned),
            _ => None,
        })
        .collect();
    if literals.len() < FOLD_THRESHOLD {
        return tests;
    }
    let Ok(ac) = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostFirst)
        .kind(Some(AhoCorasickKind::ContiguousNFA))
        .build(&literals)
    else {
        return tests;
    };
    let mut folded: Vec<ValueTest> = tests
        .into_iter()
        .filter(|t| !matches!(t, ValueTest::Str(s) if s.contains_literal().is_some()))
        .collect();
    folded.push(ValueTest::AnyContains(ac));
    folded
}

/// Needles usable by the prefilter: for `any`, one per value (every value needs one);
/// for `all`, the longest single one.
fn required_needles(tests: &[ValueTest], mods: &Modifiers) -> Option<Vec<Needle>> {
    if mods.all {
        tests
            .iter()
            .filter_map(ValueTest::needle)
            .max_by_key(|n| match n {
                Needle::Substring(s) | Needle::Value(s) => s.len(),
            })
            .map(|n| vec![n])
    } else {
        tests.iter().map(ValueTest::needle).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modifier::parse_key;

    struct Doc(Vec<(&'static str, Scalar<'static>)>);
    impl Document for Doc {
        fn visit_field(
            &self,
            name: &str,
            visit: &mut dyn FnMut(Scalar<'_>) -> bool,
        ) -> Option<bool> {
            let mut found = None;
            for (n, v) in &self.0 {
                if *n == name {
                    let hit = visit(*v);
                    found = Some(found.unwrap_or(false) || hit);
                    if hit {
                        break;
                    }
                }
            }
            found
        }
        fn visit_all(&self, visit: &mut dyn FnMut(&str, Scalar<'_>) -> bool) -> bool {
            self.0.iter().any(|(n, v)| visit(n, *v))
        }
    }

    fn item(key: &str, values: &[RuleValue]) -> Item {
        let (field, mods) = parse_key(key).unwrap();
        Item::compile(
            field,
            &mods,
            values,
            &CompileOptions::default(),
            &mut CompileNotes::default(),
        )
        .unwrap()
    }
    fn s(v: &str) -> RuleValue {
        RuleValue::Str(v.into())
    }

    #[test]
    fn numbers_match_numbers_and_text() {
        let it = item("EventID", &[RuleValue::Int(4688)]);
        assert!(it.matches(&Doc(vec![("EventID", Scalar::Int(4688))])));
        assert!(it.matches(&Doc(vec![("EventID", Scalar::Str("4688"))])));
        assert!(!it.matches(&Doc(vec![("EventID", Scalar::Int(4689))])));
        let port = item("DestinationPort", &[s("445")]);
        assert!(port.matches(&Doc(vec![("DestinationPort", Scalar::Int(445))])));
    }

    #[test]
    fn lists_or_and_all_and() {
        let any = item("CommandLine|contains", &[s("-enc"), s("-e ")]);
        let all = item("CommandLine|contains|all", &[s("-nop"), s("-ep bypass")]);
        let doc = Doc(vec![(
            "CommandLine",
            Scalar::Str("powershell -NoP -W Hidden -Enc AAA"),
        )]);
        assert!(any.matches(&doc));
        assert!(!all.matches(&doc));
        let doc2 = Doc(vec![(
            "CommandLine",
            Scalar::Str("powershell -NOP -EP Bypass"),
        )]);
        assert!(all.matches(&doc2));
    }

    #[test]
    fn folded_contains_behaves_like_the_list() {
        let values: Vec<RuleValue> = [
            "mimikatz",
            "sekurlsa",
            "kerberos::",
            "lsadump",
            "privilege::debug",
        ]
        .map(s)
        .to_vec();
        let it = item("CommandLine|contains", &values);
        assert!(
            matches!(&it.combine, Combine::Any(t) if t.iter().any(|t| matches!(t, ValueTest::AnyContains(_))))
        );
        assert!(it.matches(&Doc(vec![(
            "CommandLine",
            Scalar::Str("x SEKURLSA::logonpasswords")
        )])));
        assert!(!it.matches(&Doc(vec![("CommandLine", Scalar::Str("notepad"))])));
    }

    #[test]
    fn null_exists_and_neq() {
        let null = item("OriginalFileName", &[RuleValue::Null]);
        assert!(null.matches(&Doc(vec![])));
        assert!(null.matches(&Doc(vec![("OriginalFileName", Scalar::Str(""))])));
        assert!(!null.matches(&Doc(vec![("OriginalFileName", Scalar::Str("x.exe"))])));
        let exists = item("Hashes|exists", &[RuleValue::Bool(true)]);
        assert!(exists.matches(&Doc(vec![("Hashes", Scalar::Null)])));
        assert!(!exists.matches(&Doc(vec![])));
        let absent = item("Hashes|exists", &[RuleValue::Bool(false)]);
        assert!(absent.matches(&Doc(vec![])));
        let neq = item("User|neq", &[s("SYSTEM")]);
        assert!(neq.matches(&Doc(vec![("User", Scalar::Str("bob"))])));
        assert!(!neq.matches(&Doc(vec![("User", Scalar::Str("system"))])));
    }

    #[test]
    fn regex_flags_and_cased() {
        let re = item("CommandLine|re", &[s(r"\s-[eE][nN][cC]\s")]);
        assert!(re.matches(&Doc(vec![("CommandLine", Scalar::Str("ps -EnC x"))])));
        let sensitive = item("CommandLine|re", &[s("abc")]);
        assert!(!sensitive.matches(&Doc(vec![("CommandLine", Scalar::Str("ABC"))])));
        let insensitive = item("CommandLine|re|i", &[s("abc")]);
        assert!(insensitive.matches(&Doc(vec![("CommandLine", Scalar::Str("xABC"))])));
        let dotall = item("x|re|s", &[s("a.b")]);
        assert!(dotall.matches(&Doc(vec![("x", Scalar::Str("a\nb"))])));
        let multi = item("x|re|m", &[s("^b$")]);
        assert!(multi.matches(&Doc(vec![("x", Scalar::Str("a\nb\nc"))])));
        let lookahead = item("x|re", &[s("a(?=b)")]);
        assert!(lookahead.matches(&Doc(vec![("x", Scalar::Str("ab"))])));
        let cased = item("x|cased", &[s("Abc")]);
        assert!(!cased.matches(&Doc(vec![("x", Scalar::Str("abc"))])));
    }

    #[test]
    fn cidr_numeric_time_and_fieldref() {
        let cidr = item("DestinationIp|cidr", &[s("10.0.0.0/8"), s("fe80::/10")]);
        assert!(cidr.matches(&Doc(vec![("DestinationIp", Scalar::Str("10.1.2.3"))])));
        assert!(cidr.matches(&Doc(vec![(
            "DestinationIp",
            Scalar::Str("::ffff:10.1.2.3")
        )])));
        assert!(cidr.matches(&Doc(vec![("DestinationIp", Scalar::Str("fe80::1"))])));
        assert!(!cidr.matches(&Doc(vec![("DestinationIp", Scalar::Str("11.1.2.3"))])));
        let gt = item("Size|gte", &[RuleValue::Int(100)]);
        assert!(gt.matches(&Doc(vec![("Size", Scalar::Str("0x64"))])));
        assert!(!gt.matches(&Doc(vec![("Size", Scalar::Int(99))])));
        let hour = item("UtcTime|hour|gte", &[RuleValue::Int(22)]);
        assert!(hour.matches(&Doc(vec![(
            "UtcTime",
            Scalar::Str("2024-05-01 23:10:00.000")
        )])));
        assert!(!hour.matches(&Doc(vec![("UtcTime", Scalar::Str("2024-05-01T08:10:00Z"))])));
        let fr = item("TargetUserName|fieldref", &[s("SubjectUserName")]);
        assert!(fr.matches(&Doc(vec![
            ("TargetUserName", Scalar::Str("Bob")),
            ("SubjectUserName", Scalar::Str("bob"))
        ])));
        assert!(!fr.matches(&Doc(vec![
            ("TargetUserName", Scalar::Str("Bob")),
            ("SubjectUserName", Scalar::Str("eve"))
        ])));
    }

    #[test]
    fn encodings_and_windash() {
        let b64 = item("CommandLine|base64offset|contains", &[s("IEX (New-Object")]);
        let encoded = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "xyIEX (New-Object Net.WebClient)",
        );
        assert!(b64.matches(&Doc(vec![(
            "CommandLine",
            Scalar::Str(Box::leak(encoded.into_boxed_str()))
        )])));
        let wide = item("x|wide|base64offset|contains", &[s("ping")]);
        let wide_b64 = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            [0x70, 0, 0x69, 0, 0x6e, 0, 0x67, 0],
        );
        assert!(wide.matches(&Doc(vec![(
            "x",
            Scalar::Str(Box::leak(wide_b64.into_boxed_str()))
        )])));
        let dash = item("CommandLine|contains|windash", &[s(" -decode ")]);
        assert!(dash.matches(&Doc(vec![(
            "CommandLine",
            Scalar::Str("certutil /decode a b")
        )])));
        assert!(dash.matches(&Doc(vec![(
            "CommandLine",
            Scalar::Str("certutil \u{2013}decode a b")
        )])));
        assert!(!dash.matches(&Doc(vec![(
            "CommandLine",
            Scalar::Str("certutil decode a b")
        )])));
    }

    #[test]
    fn keywords_search_every_string_field() {
        let kw = item("|all", &[s("failed"), s("root")]);
        assert!(kw.field.is_none());
        assert!(kw.matches(&Doc(vec![
            ("msg", Scalar::Str("Failed password")),
            ("user", Scalar::Str("ROOT"))
        ])));
        assert!(!kw.matches(&Doc(vec![("msg", Scalar::Str("Failed password"))])));
    }

    #[test]
    fn placeholders_expand_from_options() {
        let (field, mods) = parse_key("User|expand").unwrap();
        let mut options = CompileOptions::default();
        options
            .placeholders
            .insert("Admins".into(), vec!["adm_*".into()]);
        let mut notes = CompileNotes::default();
        let it =
            Item::compile(field.clone(), &mods, &[s("%Admins%")], &options, &mut notes).unwrap();
        assert!(it.matches(&Doc(vec![("User", Scalar::Str("ADM_bob"))])));
        let none = Item::compile(field, &mods, &[s("%Other%")], &options, &mut notes).unwrap();
        assert!(!none.matches(&Doc(vec![("User", Scalar::Str("%Other%"))])));
        assert_eq!(notes.unresolved_placeholders, vec!["Other"]);
    }

    #[test]
    fn required_literals_for_prefilter() {
        let sub = |t: &str| Needle::Substring(t.into());
        assert_eq!(
            item("Image|endswith", &[s("\\cmd.exe"), s("\\pwsh.exe")]).required,
            Some(vec![sub("\\cmd.exe"), sub("\\pwsh.exe")])
        );
        assert_eq!(
            item("x|contains|all", &[s("ab"), s("abcd")]).required,
            Some(vec![sub("abcd")])
        );
        assert_eq!(
            item("EventID", &[RuleValue::Int(4688), s("0x10")]).required,
            Some(vec![
                Needle::Value("4688".into()),
                Needle::Value("16".into())
            ])
        );
        assert_eq!(
            item("x", &[s("CMD.exe")]).required,
            Some(vec![Needle::Value("cmd.exe".into())])
        );
        assert_eq!(item("x|contains", &[s("12")]).required, None);
        assert_eq!(item("x|re", &[s("abc")]).required, None);
        assert_eq!(item("x", &[s("abc"), RuleValue::Null]).required, None);
        assert_eq!(item("x|neq", &[s("abc")]).required, None);
    }
}
