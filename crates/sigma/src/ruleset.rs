//! A compiled set of Sigma rules: loading from files and directories, meta filters
//! applied, rules indexed by logsource, and the per-event scan.
//!
//! ```
//! use vigil_sigma::{RuleSet, Logsource, ScanScratch};
//! use vigil_event::Event;
//! let mut builder = RuleSet::builder();
//! builder.add_source("title: whoami\nid: r1\nlogsource: {product: windows, category: process_creation}\n\
//!                     detection: {sel: {Image|endswith: '\\whoami.exe'}, condition: sel}\n", "inline");
//! let rules = builder.build();
//! let candidates = rules.rules_for(&[Logsource::new(Some("windows"), Some("process_creation"), None)]);
//! let mut event = Event::default();
//! event.push("Image", r"C:\Windows\System32\whoami.exe");
//! let mut scratch = rules.scratch();
//! let mut hits = Vec::new();
//! rules.scan(&event, &candidates, &mut scratch, &mut hits);
//! assert_eq!(rules.rule(hits[0]).meta.title, "whoami");
//! ```

use crate::collection::{self, DocKind};
use crate::document::Document;
use crate::item::CompileOptions;
use crate::prefilter::{self, Prefilter, RuleBits};
use crate::rule::{Filter, Logsource, Rule, RuleMeta};
use std::path::Path;
use yaml_rust2::Yaml;

/// A document that could not be loaded or compiled, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsupported {
    pub origin: String,
    pub title: Option<String>,
    pub reason: String,
}

/// A correlation document kept for the correlation engine, with its origin.
#[derive(Debug, Clone)]
pub struct CorrelationSource {
    pub origin: String,
    pub doc: Yaml,
}

/// Collects rule files, then compiles them into a [`RuleSet`].
#[derive(Default)]
pub struct RuleSetBuilder {
    options: CompileOptions,
    rules: Vec<Rule>,
    filters: Vec<(String, Filter)>,
    correlations: Vec<CorrelationSource>,
    unsupported: Vec<Unsupported>,
    documents: usize,
}

impl RuleSetBuilder {
    /// Sets placeholder values and other compile options (before adding rules).
    pub fn options(&mut self, options: CompileOptions) -> &mut Self {
        self.options = options;
        self
    }

    /// Adds a `.yml`/`.yaml` file, or every such file below a directory (sorted, so
    /// results do not depend on directory order).
    pub fn add_path(&mut self, path: &Path) -> std::io::Result<&mut Self> {
        if path.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(path)?.collect::<Result<_, _>>()?;
            entries.sort_by_key(|e| e.file_name());
            for entry in entries {
                let child = entry.path();
                let is_yaml = child.extension().is_some_and(|e| e == "yml" || e == "yaml");
                if child.is_dir() || is_yaml {
                    self.add_path(&child)?;
                }
            }
        } else {
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    self.add_source(&text, &path.display().to_string());
                }
                Err(e) => self.reject(
                    &path.display().to_string(),
                    None,
                    format!("cannot read: {e}"),
                ),
            }
        }
        Ok(self)
    }

    /// Adds the documents of one YAML text; `origin` names it in reports.
    pub fn add_source(&mut self, text: &str, origin: &str) -> &mut Self {
        let docs = match collection::documents(text) {
            Ok(docs) => docs,
            Err(e) => {
                self.reject(origin, None, e.to_string());
                return self;
            }
        };
        for doc in docs {
            let title = doc["title"].as_str().map(str::to_owned);
            let outcome = collection::kind_of(&doc).and_then(|kind| match kind {
                DocKind::Rule => {
                    Rule::compile(&doc, origin, &self.options).map(|r| self.rules.push(r))
                }
                DocKind::Filter => Filter::compile(&doc, &self.options)
                    .map(|f| self.filters.push((origin.to_owned(), f))),
                DocKind::Correlation => {
                    self.correlations.push(CorrelationSource {
                        origin: origin.to_owned(),
                        doc: doc.clone(),
                    });
                    Ok(())
                }
            });
            self.documents += 1;
            if let Err(e) = outcome {
                self.unsupported.push(Unsupported {
                    origin: origin.to_owned(),
                    title,
                    reason: e.to_string(),
                });
            }
        }
        self
    }

    fn reject(&mut self, origin: &str, title: Option<String>, reason: String) {
        self.documents += 1;
        self.unsupported.push(Unsupported {
            origin: origin.to_owned(),
            title,
            reason,
        });
    }

    /// Keeps only the rules for which `keep` is true (level, status selection). Rules
    /// that a loaded correlation refers to are always kept: the correlation needs them.
    pub fn retain(&mut self, keep: impl Fn(&RuleMeta) -> bool) -> &mut Self {
        let referenced: Vec<String> = self
            .correlations
            .iter()
            .flat_map(|c| {
                crate::rule::strings(&c.doc["correlation"]["rules"], "rules").unwrap_or_default()
            })
            .collect();
        let needed = |meta: &RuleMeta| {
            referenced
                .iter()
                .any(|r| meta.id.as_deref() == Some(r) || meta.name.as_deref() == Some(r))
        };
        self.rules.retain(|r| keep(&r.meta) || needed(&r.meta));
        self
    }

    /// Compiles the collected rules: filters attached, logsource index and prefilter built.
    pub fn build(&mut self) -> RuleSet {
        let mut rules = std::mem::take(&mut self.rules);
        let mut unsupported = std::mem::take(&mut self.unsupported);
        for (origin, filter) in std::mem::take(&mut self.filters) {
            let mut applied = 0;
            for rule in &mut rules {
                let named = |r: &str| {
                    rule.meta.id.as_deref() == Some(r) || rule.meta.name.as_deref() == Some(r)
                };
                if filter.rules.iter().any(|r| named(r)) {
                    rule.filters.push(filter.detection.clone());
                    applied += 1;
                }
            }
            if applied == 0 {
                unsupported.push(Unsupported {
                    origin,
                    title: Some(filter.meta.title.clone()),
                    reason: format!("filter names no loaded rule ({})", filter.rules.join(", ")),
                });
            }
        }
        let requirements: Vec<_> = rules
            .iter()
            .map(|r| prefilter::requirement(&r.detection))
            .collect();
        let prefilter = Prefilter::build(&requirements);
        let mut groups: Vec<(Logsource, Vec<u32>)> = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            match groups.iter_mut().find(|(ls, _)| *ls == rule.logsource) {
                Some((_, members)) => members.push(index as u32),
                None => groups.push((rule.logsource.clone(), vec![index as u32])),
            }
        }
        RuleSet {
            rules,
            groups,
            prefilter,
            unsupported,
            correlations: std::mem::take(&mut self.correlations),
            documents: self.documents,
        }
    }
}

/// Per-thread working memory for [`RuleSet::scan`].
pub struct ScanScratch {
    marks: RuleBits,
}

/// Below this many candidate rules, evaluating them directly beats the prefilter pass.
const PREFILTER_MIN_CANDIDATES: usize = 12;

/// Compiled rules ready to match events.
pub struct RuleSet {
    rules: Vec<Rule>,
    groups: Vec<(Logsource, Vec<u32>)>,
    prefilter: Prefilter,
    /// Documents that could not be compiled, with reasons.
    pub unsupported: Vec<Unsupported>,
    /// Correlation documents found, for the correlation engine.
    pub correlations: Vec<CorrelationSource>,
    documents: usize,
}

impl RuleSet {
    /// A builder to add rule files to.
    pub fn builder() -> RuleSetBuilder {
        RuleSetBuilder::default()
    }

    /// Number of documents read (rules, filters, correlations, and failures).
    pub fn documents(&self) -> usize {
        self.documents
    }

    /// The compiled rules.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// One rule by index.
    pub fn rule(&self, index: u32) -> &Rule {
        &self.rules[index as usize]
    }

    /// Rules with no literal the prefilter could use (always evaluated).
    pub fn unfiltered_rules(&self) -> usize {
        self.prefilter.unfiltered_count()
    }

    /// The distinct logsources of the rules.
    pub fn logsources(&self) -> impl Iterator<Item = &Logsource> {
        self.groups.iter().map(|(ls, _)| ls)
    }

    /// Indices (ascending) of rules in scope for an event belonging to `event_logsources`.
    /// Callers cache this per kind of event: it does not depend on field values.
    pub fn rules_for(&self, event_logsources: &[Logsource]) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .groups
            .iter()
            .filter(|(rule_ls, _)| event_logsources.iter().any(|ev| rule_ls.covers(ev)))
            .flat_map(|(_, members)| members.iter().copied())
            .collect();
        out.sort_unstable();
        out
    }

    /// Working memory for `scan`, one per thread.
    pub fn scratch(&self) -> ScanScratch {
        ScanScratch {
            marks: self.prefilter.new_marks(),
        }
    }

    /// Puts into `hits` the candidate rules that match the document.
    pub fn scan<D: Document + ?Sized>(
        &self,
        doc: &D,
        candidates: &[u32],
        scratch: &mut ScanScratch,
        hits: &mut Vec<u32>,
    ) {
        hits.clear();
        if candidates.len() < PREFILTER_MIN_CANDIDATES {
            hits.extend(
                candidates
                    .iter()
                    .copied()
                    .filter(|&r| self.rules[r as usize].matches(doc)),
            );
            return;
        }
        self.prefilter.mark(doc, &mut scratch.marks);
        for &r in candidates {
            if self.prefilter.may_match(r, &scratch.marks) && self.rules[r as usize].matches(doc) {
                hits.push(r);
            }
        }
    }
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.rules.len())
            .field("logsources", &self.groups.len())
            .field("unsupported", &self.unsupported.len())
            .finish()
    }
}
