//! [`Detector`]: compiled rules plus logsource dispatch, and the per-thread [`Worker`]
//! that runs one event through them.

use crate::load::Loaded;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use vigil_event::Event;
use vigil_formats::{ClassId, LogsourceKey, LogsourceMap};
use vigil_sigma::correlation::{CorrelationEngine, CorrelationRule};
use vigil_sigma::{Logsource, Rule, RuleSet, ScanScratch, Unsupported};

/// Compiled rules and the mapping that says which of them an event is in scope of.
#[derive(Debug)]
pub struct Detector {
    rules: RuleSet,
    logsources: LogsourceMap,
    /// Candidate rules per event class, shared by all workers.
    candidates: RwLock<HashMap<ClassId, Arc<[u32]>>>,
    /// Correlation rules that compiled and resolved.
    correlations: Vec<CorrelationRule>,
    /// Per rule: whether its matches alert on their own (`generate: false` silences
    /// rules that only feed correlations).
    stands_alone: Vec<bool>,
    /// Per rule: whether some correlation counts its matches.
    feeds_correlation: Vec<bool>,
}

/// The key a correlation uses for a rule: its id, else its name, else its origin.
pub fn rule_key(rule: &Rule) -> &str {
    rule.meta
        .id
        .as_deref()
        .or(rule.meta.name.as_deref())
        .unwrap_or(&rule.origin)
}

/// Parses the correlation documents and checks each one against the rules and the
/// correlations it refers to; failures go to `unsupported`. A broken correlation costs
/// only itself and the correlations built on it, never the others.
fn compile_correlations(rules: &mut RuleSet) -> Vec<CorrelationRule> {
    let mut parsed = Vec::new();
    let mut failures = Vec::new();
    for source in &rules.correlations {
        match CorrelationRule::from_yaml(&source.doc) {
            Ok(rule) => parsed.push((source.origin.clone(), rule)),
            Err(e) => failures.push(Unsupported {
                origin: source.origin.clone(),
                title: source.doc["title"].as_str().map(str::to_owned),
                reason: e.to_string(),
            }),
        }
    }
    let known = known_rules(rules);
    let verdicts: Vec<Option<String>> = (0..parsed.len())
        .map(|i| {
            let needed = with_references(&parsed, i)
                .into_iter()
                .map(|j| parsed[j].1.clone())
                .collect();
            CorrelationEngine::new(needed, known.iter().copied())
                .err()
                .map(|e| e.to_string())
        })
        .collect();
    let mut compiled = Vec::new();
    for ((origin, rule), verdict) in parsed.into_iter().zip(verdicts) {
        match verdict {
            None => compiled.push(rule),
            Some(reason) => failures.push(Unsupported {
                origin,
                title: Some(rule.meta.title.clone()),
                reason,
            }),
        }
    }
    rules.unsupported.extend(failures);
    compiled
}

/// Indices of correlation `index` and of the correlations it refers to, directly or
/// through others, in their original order.
fn with_references(parsed: &[(String, CorrelationRule)], index: usize) -> Vec<usize> {
    let mut out = vec![index];
    let mut next = 0;
    while let Some(&current) = out.get(next) {
        let references = &parsed[current].1.rules;
        for (j, (_, other)) in parsed.iter().enumerate() {
            let named = references.iter().any(|r| {
                other.meta.id.as_deref() == Some(r) || other.meta.name.as_deref() == Some(r)
            });
            if named && !out.contains(&j) {
                out.push(j);
            }
        }
        next += 1;
    }
    out.sort_unstable();
    out
}

fn known_rules(rules: &RuleSet) -> Vec<(&str, Option<&str>)> {
    rules
        .rules()
        .iter()
        .map(|r| (rule_key(r), r.meta.name.as_deref()))
        .collect()
}

fn sigma_logsource(key: &LogsourceKey) -> Logsource {
    Logsource::new(
        key.product.as_deref(),
        key.category.as_deref(),
        key.service.as_deref(),
    )
}

impl Detector {
    pub fn new(loaded: Loaded) -> Detector {
        let mut rules = loaded.rules;
        let correlations = compile_correlations(&mut rules);
        let engine = CorrelationEngine::new(correlations.clone(), known_rules(&rules)).ok();
        let referenced: Vec<&str> = correlations
            .iter()
            .flat_map(|c| c.rules.iter().map(String::as_str))
            .collect();
        let stands_alone = rules
            .rules()
            .iter()
            .map(|r| engine.as_ref().is_none_or(|e| e.stands_alone(rule_key(r))))
            .collect();
        let feeds_correlation = rules
            .rules()
            .iter()
            .map(|r| {
                referenced
                    .iter()
                    .any(|x| *x == rule_key(r) || Some(*x) == r.meta.name.as_deref())
            })
            .collect();
        Detector {
            rules,
            logsources: loaded.logsources,
            candidates: RwLock::new(HashMap::new()),
            correlations,
            stands_alone,
            feeds_correlation,
        }
    }

    /// A fresh correlation engine over this detector's correlation rules (one per
    /// stream of events), or `None` when there are none.
    pub fn correlation_engine(&self) -> Option<CorrelationEngine> {
        if self.correlations.is_empty() {
            return None;
        }
        CorrelationEngine::new(self.correlations.clone(), known_rules(&self.rules)).ok()
    }

    /// Whether matches of rule `index` alert on their own.
    pub fn stands_alone(&self, index: u32) -> bool {
        self.stands_alone[index as usize]
    }

    /// Whether some correlation counts matches of rule `index`.
    pub fn feeds_correlation(&self, index: u32) -> bool {
        self.feeds_correlation[index as usize]
    }

    /// The loaded correlation rules.
    pub fn correlations(&self) -> &[CorrelationRule] {
        &self.correlations
    }

    /// The compiled rules.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Whether a rule with this id (or name) is loaded.
    pub fn has_rule(&self, id: &str) -> bool {
        self.rules
            .rules()
            .iter()
            .any(|r| r.meta.id.as_deref() == Some(id) || r.meta.name.as_deref() == Some(id))
    }

    /// A worker for one thread.
    pub fn worker(&self) -> Worker<'_> {
        Worker {
            detector: self,
            scratch: self.rules.scratch(),
            local: HashMap::new(),
            hits: Vec::new(),
        }
    }

    fn candidates_for(&self, class: ClassId) -> Arc<[u32]> {
        if let Some(found) = self
            .candidates
            .read()
            .ok()
            .and_then(|c| c.get(&class).cloned())
        {
            return found;
        }
        let keys: Vec<Logsource> = self
            .logsources
            .class(class)
            .keys()
            .iter()
            .map(sigma_logsource)
            .collect();
        let list: Arc<[u32]> = self.rules.rules_for(&keys).into();
        if let Ok(mut cache) = self.candidates.write() {
            cache.insert(class, list.clone());
        }
        list
    }
}

/// Per-thread matching state: scratch memory and a local copy of the class cache.
pub struct Worker<'a> {
    detector: &'a Detector,
    scratch: ScanScratch,
    local: HashMap<ClassId, Arc<[u32]>>,
    hits: Vec<u32>,
}

impl Worker<'_> {
    /// Classifies the event, adds the field aliases its logsource needs, and returns
    /// the indices of the rules that match it (valid until the next call).
    pub fn detect(&mut self, event: &mut Event) -> &[u32] {
        let class = self.detector.logsources.classify(event);
        self.detector.logsources.class(class).apply_renames(event);
        let candidates = match self.local.get(&class) {
            Some(list) => list.clone(),
            None => {
                let list = self.detector.candidates_for(class);
                self.local.insert(class, list.clone());
                list
            }
        };
        self.detector
            .rules
            .scan(event, &candidates, &mut self.scratch, &mut self.hits);
        &self.hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RuleLoad;

    const RULES: &str = "\
title: Failed logon
name: failed
logsource: {product: windows, service: security}
detection: {sel: {EventID: 4625}, condition: sel}
---
title: Burst
name: burst
correlation: {type: event_count, rules: [failed], group-by: [IpAddress], timespan: 5m, condition: {gte: 3}}
---
title: Burst then more
correlation: {type: temporal, rules: [burst, failed], group-by: [IpAddress], timespan: 5m}
---
title: Broken
name: broken
correlation: {type: event_count, rules: [no_such_rule], group-by: [IpAddress], timespan: 5m, condition: {gte: 3}}
---
title: Built on broken
correlation: {type: temporal, rules: [broken, failed], group-by: [IpAddress], timespan: 5m}
";

    #[test]
    fn a_broken_correlation_costs_only_itself_and_what_builds_on_it() {
        let dir = std::env::temp_dir().join(format!("vigil-detector-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rules.yml");
        std::fs::write(&path, RULES).unwrap();
        let detector = Detector::new(RuleLoad::new(vec![path.clone()]).load().unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
        let compiled: Vec<&str> = detector
            .correlations()
            .iter()
            .map(|c| c.meta.title.as_str())
            .collect();
        assert_eq!(compiled, ["Burst", "Burst then more"]);
        let rejected: Vec<(&str, &str)> = detector
            .rules()
            .unsupported
            .iter()
            .map(|u| (u.origin.as_str(), u.title.as_deref().unwrap_or("")))
            .collect();
        let origin = path.display().to_string();
        assert_eq!(
            rejected,
            [
                (origin.as_str(), "Broken"),
                (origin.as_str(), "Built on broken")
            ]
        );
        assert!(detector.rules().unsupported[0]
            .reason
            .contains("no_such_rule"));
        assert!(detector.correlation_engine().is_some());
    }
}
