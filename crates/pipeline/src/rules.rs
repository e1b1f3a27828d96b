//! [`RuleCatalog`]: what the running detector has loaded, shared with the API.
//!
//! The pipeline publishes the rule list after every (re)load and counts hits per rule; the
//! API lists rules from here and, after changing a rule's enabled flag or exceptions in
//! the state database, calls [`RuleCatalog::request_reload`] so the pipeline applies the
//! change to the next batch. The [`RuleSnapshot`] in use is kept too, so a backtest
//! ([`crate::backtest`]) runs the very rules live detection runs.

use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use tokio::sync::Notify;

use crate::live_rules::RuleSnapshot;

/// The largest rule file whose text is shown.
const MAX_SOURCE_BYTES: u64 = 1024 * 1024;

/// One loaded rule as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// The rule's id (or its name, or its origin when it has neither).
    pub id: String,
    pub title: String,
    pub title_vi: Option<String>,
    pub level: String,
    pub status: Option<String>,
    pub author: Option<String>,
    pub description: Option<String>,
    pub references: Vec<String>,
    pub tags: Vec<String>,
    pub falsepositives: Vec<String>,
    pub guidance_vi: Option<String>,
    /// `detection` or `correlation`.
    pub kind: &'static str,
    /// Where it was loaded from (file path, or `builtin:<path>`).
    pub origin: String,
    pub enabled: bool,
}

/// A rule and its hit count since the process started.
#[derive(Debug, Clone, Serialize)]
pub struct RuleView {
    #[serde(flatten)]
    pub rule: RuleInfo,
    pub hits: u64,
}

#[derive(Debug, Default)]
struct Loaded {
    rules: Vec<RuleInfo>,
    by_id: HashMap<String, usize>,
}

/// The loaded rules, their hit counters, and the reload signal.
#[derive(Debug, Default)]
pub struct RuleCatalog {
    loaded: RwLock<Arc<Loaded>>,
    hits: RwLock<HashMap<String, Arc<AtomicU64>>>,
    reload: Notify,
    unsupported: RwLock<Vec<(String, String)>>,
    in_use: RwLock<Option<Arc<RuleSnapshot>>>,
}

impl RuleCatalog {
    pub fn new() -> RuleCatalog {
        RuleCatalog::default()
    }

    /// Replaces the rule list (after a load or reload) and the rules that failed to
    /// compile, as `(origin, reason)`.
    pub fn publish(&self, rules: Vec<RuleInfo>, unsupported: Vec<(String, String)>) {
        let by_id = rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        *self.loaded.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(Loaded { rules, by_id });
        *self.unsupported.write().unwrap_or_else(|p| p.into_inner()) = unsupported;
    }

    /// Publishes the rules the pipeline now detects with: their list, the rules that
    /// failed to compile, and the snapshot itself.
    pub fn publish_snapshot(&self, snapshot: Arc<RuleSnapshot>) {
        let (rules, unsupported) = snapshot.catalogue();
        self.publish(rules, unsupported);
        *self.in_use.write().unwrap_or_else(|p| p.into_inner()) = Some(snapshot);
    }

    /// The rules the pipeline detects with, once it has published them.
    pub fn in_use(&self) -> Option<Arc<RuleSnapshot>> {
        self.in_use
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The YAML text of the file a rule was loaded from (built-in or on disk), when it
    /// can be read and is not huge.
    pub fn source_of(&self, id: &str) -> Option<String> {
        let origin = self.get(id)?.rule.origin;
        if origin.starts_with("builtin:") {
            return vigil_detect::builtin_rule_files()
                .into_iter()
                .find(|(path, _)| *path == origin)
                .map(|(_, text)| text.to_owned());
        }
        let meta = std::fs::metadata(&origin).ok()?;
        if !meta.is_file() || meta.len() > MAX_SOURCE_BYTES {
            return None;
        }
        std::fs::read_to_string(&origin).ok()
    }

    fn snapshot(&self) -> Arc<Loaded> {
        self.loaded
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Every loaded rule with its hits, in load order.
    pub fn list(&self) -> Vec<RuleView> {
        let loaded = self.snapshot();
        loaded.rules.iter().map(|r| self.view(r)).collect()
    }

    /// One rule by id.
    pub fn get(&self, id: &str) -> Option<RuleView> {
        let loaded = self.snapshot();
        loaded.by_id.get(id).map(|&i| self.view(&loaded.rules[i]))
    }

    /// Rules that did not compile, as `(origin, reason)`.
    pub fn unsupported(&self) -> Vec<(String, String)> {
        self.unsupported
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Loaded rules that are enabled.
    pub fn enabled_count(&self) -> usize {
        self.snapshot().rules.iter().filter(|r| r.enabled).count()
    }

    fn view(&self, rule: &RuleInfo) -> RuleView {
        RuleView {
            rule: rule.clone(),
            hits: self.hits_of(&rule.id),
        }
    }

    /// The counter of a rule's hits (created on first use).
    pub fn counter(&self, id: &str) -> Arc<AtomicU64> {
        if let Some(c) = self.hits.read().unwrap_or_else(|p| p.into_inner()).get(id) {
            return c.clone();
        }
        self.hits
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .entry(id.to_owned())
            .or_default()
            .clone()
    }

    pub fn hits_of(&self, id: &str) -> u64 {
        self.hits
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// Asks the pipeline to re-read rule state and exceptions from the database (and the
    /// rule files from disk).
    pub fn request_reload(&self) {
        self.reload.notify_one();
    }

    /// Waits until a reload is requested.
    pub async fn reload_requested(&self) {
        self.reload.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, enabled: bool) -> RuleInfo {
        RuleInfo {
            id: id.into(),
            title: format!("rule {id}"),
            title_vi: None,
            level: "high".into(),
            status: None,
            author: None,
            description: None,
            references: vec![],
            tags: vec![],
            falsepositives: vec![],
            guidance_vi: None,
            kind: "detection",
            origin: "test".into(),
            enabled,
        }
    }

    #[test]
    fn lists_rules_with_hits_and_finds_by_id() {
        let catalog = RuleCatalog::new();
        catalog.publish(vec![rule("a", true), rule("b", false)], vec![]);
        catalog.counter("a").fetch_add(3, Ordering::Relaxed);
        assert_eq!(catalog.get("a").unwrap().hits, 3);
        assert!(!catalog.get("b").unwrap().rule.enabled);
        assert!(catalog.get("c").is_none());
        assert_eq!(catalog.enabled_count(), 1);
        assert_eq!(catalog.list().len(), 2);
    }
}
