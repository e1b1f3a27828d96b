//! Backtesting a rule: running one detection rule, compiled and dispatched exactly as live
//! detection runs it, over events the store already holds, to see what it would have
//! caught, and which of those its exceptions silence, before it is enabled or tuned.
//!
//! [`backtest`] takes any events; [`backtest_stored`] reads them from an [`EventStore`]
//! page by page, newest first, up to a cap, so a long range costs bounded memory.

use chrono::Utc;
use vigil_detect::Worker;
use vigil_store::events::{EventStore, Query, StoreError, StoredEvent, TimeRange};

use crate::live_rules::RuleSnapshot;

/// Events read from the store per search.
const PAGE: usize = 1_000;

/// One event the rule matched.
#[derive(Debug, Clone)]
pub struct BacktestMatch {
    pub event: StoredEvent,
    /// Whether an exception of the rule silences this match (it would raise no alert).
    pub suppressed: bool,
}

/// What a backtest found.
#[derive(Debug, Clone, Default)]
pub struct Backtest {
    /// Events the rule was run on.
    pub scanned: usize,
    /// Events it matched, silenced ones included.
    pub matched: usize,
    /// Matches an exception silences.
    pub suppressed: usize,
    /// The first matches met (newest first when read from the store), at most `keep`.
    pub samples: Vec<BacktestMatch>,
    /// Whether the cap stopped the scan before the end of the range.
    pub capped: bool,
}

/// Why a backtest could not run.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    /// No loaded detection rule has this id (correlation rules match sequences, not
    /// single events, and cannot be backtested this way).
    #[error("no detection rule {0:?} is loaded")]
    UnknownRule(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A backtest in progress: the rule's index in the detector and a detection worker.
struct Run<'r> {
    rules: &'r RuleSnapshot,
    rule_id: &'r str,
    index: u32,
    worker: Worker<'r>,
    keep: usize,
    found: Backtest,
}

impl<'r> Run<'r> {
    fn new(
        rules: &'r RuleSnapshot,
        rule_id: &'r str,
        keep: usize,
    ) -> Result<Run<'r>, BacktestError> {
        let index = rules
            .rule_ids
            .iter()
            .position(|id| id == rule_id)
            .ok_or_else(|| BacktestError::UnknownRule(rule_id.to_owned()))?;
        Ok(Run {
            rules,
            rule_id,
            index: index as u32,
            worker: rules.detector.worker(),
            keep,
            found: Backtest::default(),
        })
    }

    fn check(&mut self, stored: StoredEvent) {
        self.found.scanned += 1;
        // The rule sees the event as live detection does: with its logsource's aliases.
        let mut seen = stored.event.clone();
        if !self.worker.detect(&mut seen).contains(&self.index) {
            return;
        }
        let suppressed = self
            .rules
            .exceptions
            .suppresses(self.rule_id, &stored.agency, &seen);
        self.found.matched += 1;
        self.found.suppressed += usize::from(suppressed);
        if self.found.samples.len() < self.keep {
            self.found.samples.push(BacktestMatch {
                event: stored,
                suppressed,
            });
        }
    }
}

/// Runs detection rule `rule_id` of `rules` over `events`, keeping the first `keep`
/// matches.
pub fn backtest(
    rules: &RuleSnapshot,
    rule_id: &str,
    events: impl IntoIterator<Item = StoredEvent>,
    keep: usize,
) -> Result<Backtest, BacktestError> {
    let mut run = Run::new(rules, rule_id, keep)?;
    for event in events {
        run.check(event);
    }
    Ok(run.found)
}

/// Runs detection rule `rule_id` over the stored events of `range` (limited to `tenant`
/// when given), newest first, reading at most `cap` events; keeps the first `keep`
/// matches. An open range ends now, so events arriving meanwhile do not shift the pages.
/// Blocking: call it off the async threads.
pub fn backtest_stored(
    rules: &RuleSnapshot,
    rule_id: &str,
    store: &dyn EventStore,
    range: TimeRange,
    tenant: Option<&str>,
    cap: usize,
    keep: usize,
) -> Result<Backtest, BacktestError> {
    let mut run = Run::new(rules, rule_id, keep)?;
    let range = TimeRange {
        to: Some(range.to.unwrap_or_else(Utc::now)),
        ..range
    };
    let mut offset = 0;
    loop {
        let want = PAGE.min(cap - offset);
        let page = store.search(&Query::All, range, want, offset, tenant)?;
        let read = page.events.len();
        for event in page.events {
            run.check(event);
        }
        offset += read;
        let more = (offset as u64) < page.total;
        if read == 0 || !more {
            break;
        }
        if offset >= cap {
            run.found.capped = true;
            break;
        }
    }
    Ok(run.found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exceptions::Exceptions;
    use chrono::{DateTime, Duration};
    use std::collections::HashMap;
    use std::sync::Arc;
    use vigil_detect::{Detector, RuleLoad};
    use vigil_event::Event;
    use vigil_store::db::{MatchKind, RuleException};
    use vigil_store::events::TantivyEventStore;

    const RULE_ID: &str = "11111111-0000-4000-8000-000000000002";

    const RULES: &str = "\
title: Failed logon
id: 11111111-0000-4000-8000-000000000002
level: low
logsource: {product: windows, service: security}
detection: {sel: {EventID: 4625}, condition: sel}
---
title: Burst
correlation: {type: event_count, rules: [11111111-0000-4000-8000-000000000002], group-by: [IpAddress], timespan: 5m, condition: {gte: 3}}
";

    /// The rules, with an exception that silences failed logons from 10.0.0.9 in agency a.
    fn snapshot(dir: &std::path::Path) -> RuleSnapshot {
        let path = dir.join("rules.yml");
        std::fs::write(&path, RULES).unwrap();
        let detector = Detector::new(RuleLoad::new(vec![path]).load().unwrap());
        let exception = RuleException {
            id: "x".into(),
            rule_id: RULE_ID.into(),
            agency_id: Some("a".into()),
            field: "IpAddress".into(),
            match_kind: MatchKind::Cidr,
            pattern: "10.0.0.9".into(),
            comment: None,
            created_by: "test".into(),
            created_at: DateTime::UNIX_EPOCH,
        };
        let (exceptions, bad) = Exceptions::compile(&[exception]);
        assert!(bad.is_empty());
        RuleSnapshot::new(Arc::new(detector), &HashMap::new(), exceptions)
    }

    fn logon(agency: &str, event_id: i64, ip: &str, minutes_ago: i64) -> StoredEvent {
        let mut e = Event::default();
        e.timestamp = Some(Utc::now() - Duration::minutes(minutes_ago));
        e.push("Channel", "Security");
        e.push("EventID", event_id);
        e.push("Computer", "dc01");
        e.push("IpAddress", ip);
        StoredEvent::new(
            e,
            agency,
            "ad",
            "syslog_udp",
            format!("{event_id} from {ip}"),
        )
    }

    fn day_of_logons() -> Vec<StoredEvent> {
        vec![
            logon("a", 4625, "10.0.0.5", 1),
            logon("a", 4624, "10.0.0.5", 2),
            logon("a", 4625, "10.0.0.9", 3),
            logon("b", 4625, "10.0.0.9", 4),
            logon("b", 4624, "10.0.0.7", 5),
        ]
    }

    #[test]
    fn the_live_rule_finds_its_events_and_exceptions_are_marked() {
        let dir = tempfile::tempdir().unwrap();
        let rules = snapshot(dir.path());
        let found = backtest(&rules, RULE_ID, day_of_logons(), 2).unwrap();
        assert_eq!((found.scanned, found.matched, found.suppressed), (5, 3, 1));
        assert_eq!(found.samples.len(), 2);
        assert!(found
            .samples
            .iter()
            .all(|m| m.event.raw.starts_with("4625")));
        // Only agency a's exception applies: b's match from the same address is not silenced.
        let all = backtest(&rules, RULE_ID, day_of_logons(), 10).unwrap();
        let silenced: Vec<&str> = all
            .samples
            .iter()
            .filter(|m| m.suppressed)
            .map(|m| m.event.agency.as_str())
            .collect();
        assert_eq!(silenced, ["a"]);
        assert!(matches!(
            backtest(&rules, "no-such-rule", day_of_logons(), 1),
            Err(BacktestError::UnknownRule(_))
        ));
        // A correlation is not a detection rule.
        assert!(backtest(&rules, "Burst", day_of_logons(), 1).is_err());
    }

    #[test]
    fn stored_events_are_read_in_pages_up_to_the_cap_and_within_the_tenant() {
        let dir = tempfile::tempdir().unwrap();
        let rules = snapshot(dir.path());
        let store = TantivyEventStore::open(dir.path().join("events")).unwrap();
        store.append(&day_of_logons()).unwrap();
        store.commit().unwrap();
        let last_hour = TimeRange::since(Utc::now() - Duration::hours(1));

        let found = backtest_stored(&rules, RULE_ID, &store, last_hour, None, 100, 10).unwrap();
        assert_eq!((found.scanned, found.matched, found.capped), (5, 3, false));
        // Newest first.
        assert_eq!(found.samples[0].event.raw, "4625 from 10.0.0.5");

        let capped = backtest_stored(&rules, RULE_ID, &store, last_hour, None, 2, 10).unwrap();
        assert_eq!(
            (capped.scanned, capped.matched, capped.capped),
            (2, 1, true)
        );

        let only_b =
            backtest_stored(&rules, RULE_ID, &store, last_hour, Some("b"), 100, 10).unwrap();
        assert_eq!(
            (only_b.scanned, only_b.matched, only_b.suppressed),
            (2, 1, 0)
        );

        let long_ago = TimeRange::between(
            Utc::now() - Duration::days(30),
            Utc::now() - Duration::days(29),
        );
        let none = backtest_stored(&rules, RULE_ID, &store, long_ago, None, 100, 10).unwrap();
        assert_eq!(none.scanned, 0);
    }
}
