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
use rayon::prelude::*;
use std::path::{Path, PathBuf};
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

/// What one document of a rule file became.
enum Compiled {
    Rule(Rule),
    Filter(String, Filter),
    Correlation(CorrelationSource),
    Failed(Unsupported),
}

/// Every `.yml`/`.yaml` file at or below `path`, in sorted order.
fn collect_rule_files(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !path.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(path)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let child = entry.path();
        let is_yaml = child.extension().is_some_and(|e| e == "yml" || e == "yaml");
        if child.is_dir() || is_yaml {
            collect_rule_files(&child, out)?;
        }
    }
    Ok(())
}

fn read_and_compile(path: &Path, options: &CompileOptions) -> Vec<Compiled> {
    let origin = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => compile_source(&text, &origin, options),
        Err(e) => vec![failed(&origin, None, format!("cannot read: {e}"))],
    }
}

fn failed(origin: &str, title: Option<String>, reason: String) -> Compiled {
    Compiled::Failed(Unsupported {
        origin: origin.to_owned(),
        title,
        reason,
    })
}

/// Compiles every document of one YAML text.
fn compile_source(text: &str, origin: &str, options: &CompileOptions) -> Vec<Compiled> {
    let docs = match collection::documents(text) {
        Ok(docs) => docs,
        Err(e) => return vec![failed(origin, None, e.to_string())],
    };
    docs.into_iter()
        .map(|doc| {
            let outcome = collection::kind_of(&doc).and_then(|kind| match kind {
                DocKind::Rule => Rule::compile(&doc, origin, options).map(Compiled::Rule),
                DocKind::Filter => {
                    Filter::compile(&doc, options).map(|f| Compiled::Filter(origin.to_owned(), f))
                }
                DocKind::Correlation => Ok(Compiled::Correlation(CorrelationSource {
                    origin: origin.to_owned(),
                    doc: doc.clone(),
                })),
            });
            outcome.unwrap_or_else(|e| {
                failed(
                    origin,
                    doc["title"].as_str().map(str::to_owned),
                    e.to_string(),
                )
            })
        })
        .collect()
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
    /// results do not depend on directory order). Files are compiled in parallel.
    pub fn add_path(&mut self, path: &Path) -> std::io::Result<&mut Self> {
        let mut files = Vec::new();
        collect_rule_files(path, &mut files)?;
        let options = &self.options;
        let compiled: Vec<Vec<Compiled>> = files
            .par_iter()
            .map(|file| read_and_compile(file, options))
            .collect();
        for documents in compiled {
            self.absorb(documents);
        }
        Ok(self)
    }

    /// Adds the documents of one YAML text; `origin` names it in reports.
    pub fn add_source(&mut self, text: &str, origin: &str) -> &mut Self {
        let compiled = compile_source(text, origin, &self.options);
        self.absorb(compiled);
        self
    }

    fn absorb(&mut self, documents: Vec<Compiled>) {
        self.documents += documents.len();
        for document in documents {
            match document {
                Compiled::Rule(rule) => self.rules.push(rule),
                Compiled::Filter(origin, filter) => self.filters.push((origin, filter)),
                Compiled::Correlation(source) => self.correlations.push(source),
                Compiled::Failed(unsupported) => self.unsupported.push(unsupported),
            }
        }
    }

    /// Keeps only the rules and correlations for which `keep` is true (level, status
    /// selection). What a kept correlation refers to, rules or other correlations, is
    /// always kept: the correlation needs it.
    pub fn retain(&mut self, keep: impl Fn(&RuleMeta) -> bool) -> &mut Self {
        let referenced = |c: &CorrelationSource| {
            crate::rule::strings(&c.doc["correlation"]["rules"], "rules").unwrap_or_default()
        };
        let is_named = |meta: &RuleMeta, names: &[String]| {
            names
                .iter()
                .any(|r| meta.id.as_deref() == Some(r) || meta.name.as_deref() == Some(r))
        };
        // A correlation whose attributes don't parse is kept, so compiling reports it.
        let metas: Vec<Option<RuleMeta>> = self
            .correlations
            .iter()
            .map(|c| crate::rule::parse_meta(&c.doc).ok())
            .collect();
        let mut kept: Vec<bool> = metas.iter().map(|m| m.as_ref().is_none_or(&keep)).collect();
        let mut needed: Vec<String> = Vec::new();
        let mut pending: Vec<usize> = (0..kept.len()).filter(|&i| kept[i]).collect();
        while let Some(i) = pending.pop() {
            let names = referenced(&self.correlations[i]);
            for (j, meta) in metas.iter().enumerate() {
                if !kept[j] && meta.as_ref().is_some_and(|m| is_named(m, &names)) {
                    kept[j] = true;
                    pending.push(j);
                }
            }
            needed.extend(names);
        }
        let mut index = 0;
        self.correlations.retain(|_| {
            index += 1;
            kept[index - 1]
        });
        self.rules
            .retain(|r| keep(&r.meta) || is_named(&r.meta, &needed));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::Level;

    const CHAIN: &str = "\
title: Burst then success
id: chain
level: high
correlation: {type: temporal_ordered, rules: [burst, ok], group-by: [ip], timespan: 30m}
---
title: Burst (building block)
name: burst
correlation: {type: event_count, rules: [fail], group-by: [ip], timespan: 5m, condition: {gte: 3}}
---
title: Many failures
id: many
level: medium
correlation: {type: event_count, rules: [fail2], group-by: [ip], timespan: 5m, condition: {gte: 3}}
";

    fn rule(name: &str) -> String {
        format!(
            "title: {name}\nname: {name}\nlogsource: {{product: windows}}\n\
             detection: {{sel: {{EventID: 4625}}, condition: sel}}\n"
        )
    }

    #[test]
    fn retain_drops_correlations_below_the_level_but_keeps_what_kept_ones_need() {
        let mut builder = RuleSet::builder();
        builder.add_source(CHAIN, "chain.yml");
        for name in ["fail", "ok", "fail2"] {
            builder.add_source(&rule(name), name);
        }
        builder.retain(|meta| meta.level >= Level::High);
        let titles: Vec<&str> = builder
            .correlations
            .iter()
            .filter_map(|c| c.doc["title"].as_str())
            .collect();
        assert_eq!(titles, ["Burst then success", "Burst (building block)"]);
        let rules: Vec<&str> = builder
            .rules
            .iter()
            .map(|r| r.meta.title.as_str())
            .collect();
        assert_eq!(rules, ["fail", "ok"]);
    }
}

#[cfg(test)]
mod scan_tests {
    use super::*;
    use vigil_event::Event;

    const RULES: &str = "title: Archiver\nid: rule-rar\nlogsource: {product: windows, category: process_creation}\n\
        detection: {sel: {Image|endswith: '\\rar.exe'}, condition: sel}\n---\n\
        title: Other\nid: rule-other\nlogsource: {product: windows, category: process_creation}\n\
        detection: {sel: {Image|endswith: '\\rar.exe'}, condition: sel}\n---\n\
        title: Admins may archive\nlogsource: {product: windows, category: process_creation}\n\
        filter: {rules: [rule-rar], selection: {User|startswith: 'adm_'}, condition: selection}\n";

    fn hits(rules: &RuleSet, user: &str) -> Vec<String> {
        let mut event = Event::default();
        event.push("Image", r"C:\Tools\rar.exe");
        event.push("User", user);
        let candidates = rules.rules_for(&[Logsource::new(
            Some("windows"),
            Some("process_creation"),
            None,
        )]);
        let mut out = Vec::new();
        rules.scan(&event, &candidates, &mut rules.scratch(), &mut out);
        out.iter()
            .map(|&i| rules.rule(i).meta.title.clone())
            .collect()
    }

    #[test]
    fn filters_suppress_only_the_rules_they_name() {
        let rules = RuleSet::builder().add_source(RULES, "inline").build();
        assert!(rules.unsupported.is_empty(), "{:?}", rules.unsupported);
        assert_eq!(rules.documents(), 3);
        assert_eq!(hits(&rules, "adm_bob"), vec!["Other"]);
        assert_eq!(hits(&rules, "bob"), vec!["Archiver", "Other"]);
    }

    #[test]
    fn logsource_dispatch_and_retain() {
        let mut builder = RuleSet::builder();
        builder
            .add_source(RULES, "inline")
            .retain(|m| m.id.as_deref() != Some("rule-other"));
        let rules = builder.build();
        assert_eq!(rules.rules().len(), 1);
        assert!(rules
            .rules_for(&[Logsource::new(Some("linux"), None, None)])
            .is_empty());
        assert_eq!(
            rules.rules_for(&[Logsource::new(
                Some("windows"),
                Some("process_creation"),
                Some("sysmon")
            )]),
            vec![0]
        );
    }

    #[test]
    fn broken_documents_are_reported_not_dropped() {
        let rules = RuleSet::builder().add_source("title: a\nlogsource: {product: x}\ndetection: {s: {f: 1}, condition: t}\n---\n: [\n", "bad.yml").build();
        assert_eq!(rules.unsupported.len(), 1);
        assert!(
            rules.unsupported[0].reason.contains("YAML"),
            "{}",
            rules.unsupported[0].reason
        );
        let rules = RuleSet::builder()
            .add_source(
                "title: a\nlogsource: {product: x}\ndetection: {s: {f: 1}, condition: t}\n",
                "bad.yml",
            )
            .build();
        assert!(rules.unsupported[0]
            .reason
            .contains("no selection named `t`"));
        assert_eq!(rules.unsupported[0].origin, "bad.yml");
    }
}
