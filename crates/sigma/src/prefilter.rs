//! The literal prefilter: one multi-pattern pass per field tells which rules can match.
//!
//! For each rule we derive a set of (field, literal) pairs at least one of which must
//! occur in an event for the rule to match (a necessary condition read off its
//! condition tree). All literals of a field go into one case-insensitive Aho-Corasick
//! automaton; scanning an event's string fields once marks the rules whose literals are
//! present, and only those (plus rules with no usable literal) are evaluated in full.

use crate::condition::Condition;
use crate::document::{Document, Scalar};
use crate::rule::{Detection, Selection};
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::HashMap;

/// One literal that must occur: in the named field, or in any field (keywords).
pub type Need = (Option<String>, String);

/// Alternatives one of which must occur; `None` means no such set is known.
pub type Requirement = Option<Vec<Need>>;

/// How selective a requirement is: longer shortest literal first, then fewer choices.
fn score(needs: &[Need]) -> (usize, std::cmp::Reverse<usize>) {
    let shortest = needs.iter().map(|(_, lit)| lit.len()).min().unwrap_or(0);
    (shortest, std::cmp::Reverse(needs.len()))
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
            item.required.as_ref().map(|lits| lits.iter().map(|l| (item.field.clone(), l.clone())).collect())
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
        Condition::AtLeast { min, of } if *min == of.len() => best(of.iter().map(|i| selections[*i].clone())),
        Condition::AtLeast { of, .. } => union(of.iter().map(|i| selections[*i].clone())),
    }
}

/// The necessary literals of a detection.
pub fn requirement(detection: &Detection) -> Requirement {
    let per_selection: Vec<Requirement> = detection.selections.iter().map(selection_requirement).collect();
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
        RuleBits { words: vec![0; rules.div_ceil(64)] }
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
    rules: usize,
}

impl Prefilter {
    /// Builds the prefilter from each rule's requirement (index = rule index).
    pub fn build(requirements: &[Requirement]) -> Prefilter {
        let mut unfiltered = RuleBits::new(requirements.len());
        let mut field_literals: HashMap<String, HashMap<String, Vec<u32>>> = HashMap::new();
        let mut any_literals: HashMap<String, Vec<u32>> = HashMap::new();
        for (rule, requirement) in requirements.iter().enumerate() {
            let rule = rule as u32;
            let Some(needs) = requirement else {
                unfiltered.set(rule);
                continue;
            };
            for (field, literal) in needs {
                let target = match field {
                    Some(f) => field_literals.entry(f.clone()).or_default(),
                    None => &mut any_literals,
                };
                let rules = target.entry(literal.to_ascii_lowercase()).or_default();
                if rules.last() != Some(&rule) {
                    rules.push(rule);
                }
            }
        }
        let mut by_field = HashMap::new();
        for (field, literals) in field_literals {
            match FieldScan::build(literals.clone()) {
                Some(scan) => {
                    by_field.insert(field, scan);
                }
                None => literals.values().flatten().for_each(|&r| unfiltered.set(r)),
            }
        }
        let any_field = if any_literals.is_empty() { None } else { FieldScan::build(any_literals) };
        Prefilter { unfiltered, by_field, any_field, rules: requirements.len() }
    }

    /// Marks in `marks` (cleared first) every rule whose literal occurs in the document.
    pub fn mark<D: Document + ?Sized>(&self, doc: &D, marks: &mut RuleBits) {
        marks.clear();
        doc.visit_all(&mut |field, scalar| {
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
        (0..self.rules as u32).filter(|&r| self.unfiltered.get(r)).count()
    }

    /// A fresh mark set sized for this prefilter.
    pub fn new_marks(&self) -> RuleBits {
        RuleBits::new(self.rules)
    }
}
