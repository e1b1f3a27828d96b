//! Streaming correlation, one engine per agency so that no window ever mixes two
//! agencies' events (tenancy holds for correlations too).
//!
//! Event time drives the windows. When an agency's stream goes quiet, its event time is
//! carried forward by the wall-clock time that has passed, so windows that are decided at
//! close still close within seconds in a live pipeline, and a replayed old day is not cut
//! short by the present date.

use crate::live_rules::{alert_level, correlation_id, RuleSnapshot};
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};
use vigil_detect::rule_key;
use vigil_event::Event;
use vigil_sigma::correlation::{CorrelationEngine, CorrelationHit};
use vigil_store::db::Detection;

/// Quiet time after which an agency's event time is carried forward.
const QUIET: Duration = Duration::from_secs(1);
/// How far out of time order a match may arrive and still count exactly. It is also how
/// long correlation hits wait, so it is kept short: live senders deliver in order within
/// seconds, and each agency has its own engine.
const LATENESS_MS: i64 = 3_000;
/// Contributing events remembered for naming a hit's host and sample event.
const SAMPLES_KEPT: usize = 200_000;

/// What a correlation hit needs to know about a contributing event.
#[derive(Debug, Clone)]
pub struct Contribution {
    pub event_id: String,
    pub host: String,
    pub system: String,
}

struct AgencyStream {
    engine: CorrelationEngine,
    newest_ms: i64,
    last_seen: Instant,
}

/// Every agency's correlation engine.
#[derive(Default)]
pub struct Correlator {
    streams: HashMap<String, AgencyStream>,
    samples: VecDeque<(u64, Contribution)>,
    next_ref: u64,
}

impl Correlator {
    /// Forgets every window (after the rules changed).
    pub fn reset(&mut self) {
        self.streams.clear();
    }

    /// Feeds one match of detection rule `rule` (an index of the snapshot's detector) and
    /// returns the alerts decided meanwhile.
    pub fn observe(
        &mut self,
        rules: &RuleSnapshot,
        agency: &str,
        rule: u32,
        event: &Event,
        time_ms: i64,
        contribution: Contribution,
    ) -> Vec<Detection> {
        let event_ref = self.next_ref;
        let Some(stream) = Self::stream(&mut self.streams, rules, agency) else {
            return Vec::new();
        };
        let r = rules.detector.rules().rule(rule);
        stream.newest_ms = stream.newest_ms.max(time_ms);
        stream.last_seen = Instant::now();
        let hits = stream.engine.observe(
            rule_key(r),
            r.meta.name.as_deref(),
            time_ms,
            event_ref,
            event,
        );
        self.next_ref += 1;
        self.samples.push_back((event_ref, contribution));
        if self.samples.len() > SAMPLES_KEPT {
            self.samples.pop_front();
        }
        self.alerts(rules, agency, hits)
    }

    /// Carries quiet agencies' event time forward and returns the alerts decided.
    pub fn tick(&mut self, rules: &RuleSnapshot) -> Vec<Detection> {
        let mut decided = Vec::new();
        for (agency, stream) in &mut self.streams {
            let quiet = stream.last_seen.elapsed();
            if quiet >= QUIET {
                let now = stream.newest_ms + quiet.as_millis() as i64;
                decided.push((agency.clone(), stream.engine.advance(now)));
            }
        }
        decided
            .into_iter()
            .flat_map(|(agency, hits)| self.alerts(rules, &agency, hits))
            .collect()
    }

    fn stream<'a>(
        streams: &'a mut HashMap<String, AgencyStream>,
        rules: &RuleSnapshot,
        agency: &str,
    ) -> Option<&'a mut AgencyStream> {
        if !streams.contains_key(agency) {
            let engine = rules
                .detector
                .correlation_engine()?
                .with_lateness(LATENESS_MS);
            streams.insert(
                agency.to_owned(),
                AgencyStream {
                    engine,
                    newest_ms: i64::MIN / 2,
                    last_seen: Instant::now(),
                },
            );
        }
        streams.get_mut(agency)
    }

    fn sample(&self, event_ref: u64) -> Option<&Contribution> {
        let at = self
            .samples
            .binary_search_by_key(&event_ref, |(r, _)| *r)
            .ok()?;
        Some(&self.samples[at].1)
    }

    fn alerts(
        &self,
        rules: &RuleSnapshot,
        agency: &str,
        hits: Vec<CorrelationHit>,
    ) -> Vec<Detection> {
        hits.into_iter()
            .filter(|hit| hit.stands_alone && rules.correlation_enabled[hit.correlation])
            .map(|hit| {
                let meta = &rules.detector.correlations()[hit.correlation].meta;
                let last = hit.samples.iter().max().and_then(|&r| self.sample(r));
                let group: Vec<String> = hit
                    .group
                    .iter()
                    .map(|(field, value)| format!("{field}={value}"))
                    .collect();
                Detection {
                    rule_id: correlation_id(meta),
                    rule_title: meta.title.clone(),
                    rule_author: meta.author.clone(),
                    level: alert_level(hit.level),
                    agency_id: agency.to_owned(),
                    system: last.map(|c| c.system.clone()).filter(|s| !s.is_empty()),
                    // The group names what the correlation is about when no host does.
                    host: last
                        .map(|c| c.host.clone())
                        .filter(|h| !h.is_empty())
                        .unwrap_or_else(|| group.join(" ")),
                    event_id: last.map(|c| c.event_id.clone()).unwrap_or_default(),
                    at: chrono::DateTime::from_timestamp_millis(hit.last_ms)
                        .unwrap_or_else(chrono::Utc::now),
                }
            })
            .collect()
    }
}
