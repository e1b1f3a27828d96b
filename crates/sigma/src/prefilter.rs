//! The prefilter: one pass over an event's fields tells which rules can match.
//!
//! For each rule we derive a set of needles, (field, substring) or (field, whole
//! value), at least one of which must be present for the rule to match: a necessary
//! condition read off its condition tree. All substrings of a field go into one
//! case-insensitive Aho-Corasick automaton and all whole values into a hash map; one
//! pass over the event marks the rules whose needles are present, and only those (plus
//! rules with no usable needle) are evaluated in full.

use crate::condition::Condition;
use crate::document::{Document, Scalar};
use crate::item::{with_canonical, Needle};
use crate::rule::{Detection, Selection};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use rayon::prelude::*;
use std::collections::HashMap;

/// One needle: in the named field, or in any field (keywords).
pub type Need = (Option<String>, Needle);

/// Alternatives one of which must occur; `None` means no such set is known.
pub type Requirement = Option<Vec<Need>>;

/// Whole-value needles count as this many characters more selective than substrings.
const WHOLE_VALUE_BONUS: usize = 6;

/// How selective a requirement is: its weakest needle first, then fewer choices.
fn score(needs: &[Need]) -> (usize, std::cmp::Reverse<usize>) {
    let strength = |needle: &Needle| match needle {
        Needle::Substring(s) => s.len(),
        Needle::Value(v) => v.len() + WHOLE_VALUE_BONUS,
    };
    let weakest = needs.iter().map(|(_, n)| strength(n)).min().unwrap_or(0);
    (weakest, std::cmp::Reverse(needs.len()))
}

fn best(options: impl Iterator<Item = Requirement>) -> Requirement {
    options.flatten().max_by_key(|needs| score(needs))
}

fn union(mut options: impl Iterator<Item = Requirement>) -> Requirement {
    options.try_fold(Vec::new(), |mut all, needs| {
        all.extend(needs?);
        Some(all)
    })
}

fn selection_requirement(selection: &Selection) -> Requirement {
    union(selection.groups.iter().map(|group| {
        best(group.iter().map(|item| {
            item.required.as_ref().map(|needles| {
                needles
                    .iter()
                    .map(|n| (item.field.clone(), n.clone()))
                    .collect()
            })
        }))
    }))
}

fn condition_requirement(cond: &Condition, selections: &[Requirement]) -> Requirement {
    match cond {
        Condition::Selection(i) => selections[*i].clone(),
        Condition::Not(_) => None,
        Condition::And(parts) => best(parts.iter().map(|p| condition_requirement(p, selections))),
        Condition::Or(parts) => union(parts.iter().map(|p| condition_requirement(p, selections))),
        Condition::AtLeast { min: 0, .. } => None,
        Condition::AtLeast { min, of } if *min == of.len() => {
            best(of.iter().map(|i| selections[*i].clone()))
        }
        Condition::AtLeast { of, .. } => union(of.iter().map(|i| selections[*i].clone())),
    }
}

/// The necessary literals of a detection.
pub fn requirement(detection: &Detection) -> Requirement {
    let per_selection: Vec<Requirement> = detection
        .selections
        .iter()
        .map(selection_requirement)
        .collect();
    condition_requirement(&detection.condition, &per_selection)
        .map(|mut needs| {
            needs.sort();
            needs.dedup();
            needs
        })
        .filter(|needs| !needs.is_empty())
}

/// A fixed-size set of rule indices.
#[derive(Debug, Clone, Default)]
pub struct RuleBits {
    words: Vec<u64>,
}

impl RuleBits {
    pub fn new(rules: usize) -> RuleBits {
        RuleBits {
            words: vec![0; rules.div_ceil(64)],
        }
    }
    pub fn set(&mut self, rule: u32) {
        self.words[rule as usize / 64] |= 1 << (rule % 64);
    }
    pub fn get(&self, rule: u32) -> bool {
        self.words[rule as usize / 64] & (1 << (rule % 64)) != 0
    }
    pub fn clear(&mut self) {
        self.words.fill(0);
    }
}

/// Fields with at most this many literals get a DFA (fast, larger); the few fields with
/// thousands (command lines) keep the compact NFA so memory stays bounded.
const DFA_MAX_PATTERNS: usize = 300;

/// One automaton and, per pattern, the rules it stands for.
#[derive(Debug)]
struct FieldScan {
    automaton: AhoCorasick,
    rules: Vec<Vec<u32>>,
}

impl FieldScan {
    fn build(literals: HashMap<String, Vec<u32>>) -> Option<FieldScan> {
        let (patterns, rules): (Vec<String>, Vec<Vec<u32>>) = literals.into_iter().unzip();
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind((patterns.len() <= DFA_MAX_PATTERNS).then_some(AhoCorasickKind::DFA))
            .build(&patterns)
            .ok()?;
        Some(FieldScan { automaton, rules })
    }

    fn mark(&self, text: &str, marks: &mut RuleBits) {
        for found in self.automaton.find_overlapping_iter(text) {
            for &rule in &self.rules[found.pattern().as_usize()] {
                marks.set(rule);
            }
        }
    }
}

/// The compiled prefilter of a rule set.
#[derive(Debug)]
pub struct Prefilter {
    unfiltered: RuleBits,
    by_field: HashMap<String, FieldScan>,
    any_field: Option<FieldScan>,
    /// Per field, canonical whole values and the rules that need them.
    values: HashMap<String, HashMap<String, Vec<u32>>>,
    rules: usize,
}

fn add_rule(rules: &mut Vec<u32>, rule: u32) {
    if rules.last() != Some(&rule) {
        rules.push(rule);
    }
}

impl Prefilter {
    /// Builds the prefilter from each rule's requirement (index = rule index).
    pub fn build(requirements: &[Requirement]) -> Prefilter {
        let mut unfiltered = RuleBits::new(requirements.len());
        let mut field_literals: HashMap<String, HashMap<String, Vec<u32>>> = HashMap::new();
        let mut any_literals: HashMap<String, Vec<u32>> = HashMap::new();
        let mut values: HashMap<String, HashMap<String, Vec<u32>>> = HashMap::new();
        for (rule, requirement) in requirements.iter().enumerate() {
            let rule = rule as u32;
            let Some(needs) = requirement else {
                unfiltered.set(rule);
                continue;
            };
            for (field, needle) in needs {
                match (field, needle) {
                    (Some(f), Needle::Value(v)) => add_rule(
                        values
                            .entry(f.clone())
                            .or_default()
                            .entry(v.clone())
                            .or_default(),
                        rule,
                    ),
                    (Some(f), Needle::Substring(lit)) => add_rule(
                        field_literals
                            .entry(f.clone())
                            .or_default()
                            .entry(lit.to_ascii_lowercase())
                            .or_default(),
                        rule,
                    ),
                    (None, Needle::Substring(lit) | Needle::Value(lit)) => add_rule(
                        any_literals.entry(lit.to_ascii_lowercase()).or_default(),
                        rule,
                    ),
                }
            }
        }
        // The automata are independent: build them in parallel (the largest dominate).
        let built: Vec<(String, Vec<u32>, Option<FieldScan>)> = field_literals
            .into_par_iter()
            .map(|(field, literals)| {
                let rules: Vec<u32> = literals.values().flatten().copied().collect();
                (field, rules, FieldScan::build(literals))
            })
            .collect();
        let mut by_field = HashMap::new();
        for (field, rules, scan) in built {
            match scan {
                Some(scan) => {
                    by_field.insert(field, scan);
                }
                None => rules.into_iter().for_each(|r| unfiltered.set(r)),
            }
        }
        let any_field = if any_literals.is_empty() {
            None
        } else {
            FieldScan::build(any_literals)
        };
        Prefilter {
            unfiltered,
            by_field,
            any_field,
            values,
            rules: requirements.len(),
        }
    }

    /// Marks in `marks` (cleared first) every rule whose literal occurs in the document.
    pub fn mark<D: Document + ?Sized>(&self, doc: &D, marks: &mut RuleBits) {
        marks.clear();
        doc.visit_all(&mut |field, scalar| {
            if let Some(wanted) = self.values.get(field) {
                with_canonical(scalar, |value| {
                    for &rule in wanted.get(value).map(Vec::as_slice).unwrap_or_default() {
                        marks.set(rule);
                    }
                });
            }
            if let Scalar::Str(text) = scalar {
                if let Some(scan) = self.by_field.get(field) {
                    scan.mark(text, marks);
                }
                if let Some(scan) = &self.any_field {
                    scan.mark(text, marks);
                }
            }
            false
        });
    }

    /// Whether the rule must be evaluated given the marks of this event.
    pub fn may_match(&self, rule: u32, marks: &RuleBits) -> bool {
        self.unfiltered.get(rule) || marks.get(rule)
    }

    /// How many rules have no usable literal and are always evaluated.
    pub fn unfiltered_count(&self) -> usize {
        (0..self.rules as u32)
            .filter(|&r| self.unfiltered.get(r))
            .count()
    }

    /// A fresh mark set sized for this prefilter.
    pub fn new_marks(&self) -> RuleBits {
        RuleBits::new(self.rules)
    }
}
