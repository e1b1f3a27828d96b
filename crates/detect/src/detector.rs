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

/// Parses the correlation documents and checks that they resolve against the rules;
/// failures go to `unsupported`.
fn compile_correlations(rules: &mut RuleSet) -> Vec<CorrelationRule> {
    let mut parsed = Vec::new();
    let mut failures = Vec::new();
    for source in &rules.correlations {
        match CorrelationRule::from_yaml(&source.doc) {
            Ok(rule) => parsed.push(rule),
            Err(e) => failures.push(Unsupported {
                origin: source.origin.clone(),
                title: source.doc["title"].as_str().map(str::to_owned),
                reason: e.to_string(),
            }),
        }
    }
    rules.unsupported.extend(failures);
    match CorrelationEngine::new(parsed.clone(), known_rules(rules)) {
        Ok(_) => parsed,
        Err(e) => {
            let reason = e.to_string();
            let failed = parsed.iter().map(|c| Unsupported {
                origin: String::new(),
                title: Some(c.meta.title.clone()),
                reason: reason.clone(),
            });
            rules.unsupported.extend(failed.collect::<Vec<_>>());
            Vec::new()
        }
    }
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
