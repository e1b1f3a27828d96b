//! The rules the pipeline runs, as one immutable [`RuleSnapshot`] swapped whole on change:
//! the compiled detector, which rules are enabled, and the compiled exceptions.
//!
//! Rule files are re-read when their directory changes ([`RuleFiles::changed`] compares a
//! fingerprint of paths, sizes and modification times; polling works on every file system,
//! network shares included). Enabled flags and exceptions are re-read from the state
//! database when the API says they changed.

use crate::exceptions::Exceptions;
use crate::rules::RuleInfo;
use anyhow::Result;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use vigil_detect::{rule_key, Detector, RuleLoad};
use vigil_sigma::RuleMeta;
use vigil_store::db::{AlertLevel, Db};

/// The id under which a rule's alerts, hits, state and exceptions are kept.
pub fn alert_rule_id(meta: &RuleMeta, fallback: &str) -> String {
    meta.id.clone().unwrap_or_else(|| fallback.to_owned())
}

/// A Sigma level as an alert level.
pub fn alert_level(level: vigil_sigma::Level) -> AlertLevel {
    level.as_str().parse().unwrap_or(AlertLevel::Medium)
}

/// What one batch is detected with.
#[derive(Debug)]
pub struct RuleSnapshot {
    pub detector: Arc<Detector>,
    /// Alert id of each detection rule, by rule index.
    pub rule_ids: Vec<String>,
    /// Whether each detection rule is enabled, by rule index.
    pub enabled: Vec<bool>,
    /// Whether each correlation rule is enabled, by correlation index.
    pub correlation_enabled: Vec<bool>,
    pub exceptions: Exceptions,
}

impl RuleSnapshot {
    /// Combines a detector with the enabled flags (rules without a flag are enabled) and
    /// the exceptions.
    pub fn new(
        detector: Arc<Detector>,
        states: &HashMap<String, bool>,
        exceptions: Exceptions,
    ) -> RuleSnapshot {
        let rule_ids: Vec<String> = detector
            .rules()
            .rules()
            .iter()
            .map(|r| alert_rule_id(&r.meta, rule_key(r)))
            .collect();
        let enabled = rule_ids
            .iter()
            .map(|id| states.get(id).copied().unwrap_or(true))
            .collect();
        let correlation_enabled = detector
            .correlations()
            .iter()
            .map(|c| correlation_id(&c.meta))
            .map(|id| states.get(&id).copied().unwrap_or(true))
            .collect();
        RuleSnapshot {
            detector,
            rule_ids,
            enabled,
            correlation_enabled,
            exceptions,
        }
    }

    /// The catalogue entries of every rule, for the API.
    pub fn catalogue(&self) -> (Vec<RuleInfo>, Vec<(String, String)>) {
        let rules = self.detector.rules();
        let mut list: Vec<RuleInfo> = rules
            .rules()
            .iter()
            .enumerate()
            .map(|(i, r)| {
                info(
                    &r.meta,
                    &self.rule_ids[i],
                    &r.origin,
                    "detection",
                    self.enabled[i],
                )
            })
            .collect();
        list.extend(
            self.detector
                .correlations()
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    info(
                        &c.meta,
                        &correlation_id(&c.meta),
                        "",
                        "correlation",
                        self.correlation_enabled[i],
                    )
                }),
        );
        let unsupported = rules
            .unsupported
            .iter()
            .map(|u| (u.origin.clone(), u.reason.clone()))
            .collect();
        (list, unsupported)
    }
}

/// The alert id of a correlation rule: its id, else its name, else its title.
pub fn correlation_id(meta: &RuleMeta) -> String {
    meta.id
        .clone()
        .or_else(|| meta.name.clone())
        .unwrap_or_else(|| meta.title.clone())
}

fn info(meta: &RuleMeta, id: &str, origin: &str, kind: &'static str, enabled: bool) -> RuleInfo {
    RuleInfo {
        id: id.to_owned(),
        title: meta.title.clone(),
        title_vi: meta.title_vi.clone(),
        level: meta.level.as_str().to_owned(),
        status: meta.status.clone(),
        author: meta.author.clone(),
        description: meta.description.clone(),
        references: meta.references.clone(),
        tags: meta.tags.clone(),
        falsepositives: meta.falsepositives.clone(),
        guidance_vi: meta.guidance_vi.clone(),
        kind,
        origin: origin.to_owned(),
        enabled,
    }
}

/// Reads the enabled flags and exceptions from the database.
pub async fn rule_settings(db: &Db) -> Result<(HashMap<String, bool>, Exceptions)> {
    let states = db
        .rule_states()
        .await?
        .into_iter()
        .map(|s| (s.rule_id, s.enabled))
        .collect();
    let (exceptions, bad) = Exceptions::compile(&db.rule_exceptions(None).await?);
    for b in bad {
        tracing::warn!("rule exception left out: {b}");
    }
    Ok((states, exceptions))
}

/// The rule files on disk and how to compile them.
pub struct RuleFiles {
    load: RuleLoad,
    fingerprint: u64,
}

impl RuleFiles {
    pub fn new(load: RuleLoad) -> RuleFiles {
        let fingerprint = fingerprint(&load.paths);
        RuleFiles { load, fingerprint }
    }

    /// Compiles the rules (blocking: run it off the async threads).
    pub fn compile(&self) -> Result<Detector> {
        Ok(Detector::new(self.load.load()?))
    }

    /// Whether any rule file was added, removed or modified since the last call (or
    /// since [`RuleFiles::new`]).
    pub fn changed(&mut self) -> bool {
        let now = fingerprint(&self.load.paths);
        let changed = now != self.fingerprint;
        self.fingerprint = now;
        changed
    }
}

/// A hash of every file's path, size and modification time under `paths`.
fn fingerprint(paths: &[PathBuf]) -> u64 {
    let mut files: Vec<(PathBuf, u64, Option<std::time::SystemTime>)> = paths
        .iter()
        .flat_map(|p| walkdir::WalkDir::new(p).follow_links(true))
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_type().is_file())
        .filter_map(|entry| {
            let meta = entry.metadata().ok()?;
            Some((entry.into_path(), meta.len(), meta.modified().ok()))
        })
        .collect();
    files.sort();
    let mut hasher = DefaultHasher::new();
    files.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_changes_when_a_rule_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let rule = dir.path().join("a.yml");
        std::fs::write(&rule, "title: a\n").unwrap();
        let mut files = RuleFiles::new(RuleLoad::new(vec![dir.path().to_owned()]));
        assert!(!files.changed());
        std::fs::write(&rule, "title: a longer\n").unwrap();
        assert!(files.changed());
        assert!(!files.changed());
        std::fs::write(dir.path().join("b.yml"), "title: b\n").unwrap();
        assert!(files.changed());
    }
}
