//! The events of one group that can still combine within a correlation's time span, and
//! the running aggregate over them.
//!
//! Events join a [`Window`] in timestamp order (the engine reorders them first). The
//! window always holds the events of the last `timespan` before the newest one; the
//! oldest event anchors the candidate window `[oldest, oldest + timespan)`.

use super::rule::{CorrelationRule, CorrelationType};
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;

/// The caller's references to the events behind one contribution: one event, or the
/// samples of a correlation hit that feeds a chained correlation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EventRefs {
    One(u64),
    Many(Box<[u64]>),
}

impl EventRefs {
    fn as_slice(&self) -> &[u64] {
        match self {
            EventRefs::One(event) => std::slice::from_ref(event),
            EventRefs::Many(events) => events,
        }
    }
}

/// The condition field's value in one event, as the correlation type reads it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldValue {
    Absent,
    Text(Arc<str>),
    Number(f64),
}

/// One matched event (or chained hit) as a correlation sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Contribution {
    pub ts: i64,
    /// Index of the referenced rule in the correlation's `rules`.
    pub source: usize,
    pub value: FieldValue,
    pub refs: EventRefs,
}

/// What a correlation found in one window.
#[derive(Debug, Clone, PartialEq)]
pub enum Aggregate {
    /// `event_count`: events in the window.
    Events(u64),
    /// `value_count`: distinct values of the condition field.
    DistinctValues(u64),
    /// `value_sum`: sum of the numeric values of the condition field.
    Sum(f64),
    /// `value_avg`: their average.
    Average(f64),
    /// `value_percentile`: a value of the condition field and the percentage of the
    /// window's events (those that carry the field) that have it.
    Share { value: String, percent: f64 },
    /// `temporal`: distinct referenced rules seen; `temporal_ordered`: referenced rules
    /// seen in the order they are listed.
    Rules(u64),
}

impl Aggregate {
    /// The number the condition was compared with.
    pub fn number(&self) -> f64 {
        match self {
            Aggregate::Events(n) | Aggregate::DistinctValues(n) | Aggregate::Rules(n) => *n as f64,
            Aggregate::Sum(x) | Aggregate::Average(x) => *x,
            Aggregate::Share { percent, .. } => *percent,
        }
    }
}

impl fmt::Display for Aggregate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Aggregate::Events(n) => write!(f, "{n} events"),
            Aggregate::DistinctValues(n) => write!(f, "{n} distinct values"),
            Aggregate::Sum(x) => write!(f, "sum {x}"),
            Aggregate::Average(x) => write!(f, "average {x}"),
            Aggregate::Share { value, percent } => write!(f, "`{value}` in {percent}% of events"),
            Aggregate::Rules(n) => write!(f, "{n} rules"),
        }
    }
}

/// Running state from which the aggregate is read without rescanning the window.
#[derive(Debug)]
enum Tally {
    /// `event_count`: the window's length is the count.
    Events,
    /// `value_count`, `value_percentile`: events per distinct value, and their total.
    Values {
        counts: HashMap<Arc<str>, u32>,
        total: u32,
    },
    /// `value_sum`, `value_avg`: over the events with a numeric value.
    Numbers { sum: f64, count: u32 },
    /// `temporal`: events per referenced rule.
    Rules(Vec<u32>),
    /// `temporal_ordered`: `starts[rule * n + length - 1]` is the latest timestamp at
    /// which a chain of `length` rules, in listed order and ending with `rule`, starts.
    /// A chain is in the window when its start is.
    Chains { n: usize, starts: Vec<Option<i64>> },
}

impl Tally {
    fn new(kind: CorrelationType, n: usize) -> Tally {
        match kind {
            CorrelationType::EventCount => Tally::Events,
            CorrelationType::ValueCount | CorrelationType::ValuePercentile => Tally::Values {
                counts: HashMap::new(),
                total: 0,
            },
            CorrelationType::ValueSum | CorrelationType::ValueAvg => {
                Tally::Numbers { sum: 0.0, count: 0 }
            }
            CorrelationType::Temporal => Tally::Rules(vec![0; n]),
            CorrelationType::TemporalOrdered => Tally::Chains {
                n,
                starts: vec![None; n * n],
            },
        }
    }

    fn add(&mut self, event: &Contribution) {
        match (self, &event.value) {
            (Tally::Values { counts, total }, FieldValue::Text(value)) => {
                *counts.entry(Arc::clone(value)).or_insert(0) += 1;
                *total += 1;
            }
            (Tally::Numbers { sum, count }, FieldValue::Number(x)) => {
                *sum += x;
                *count += 1;
            }
            (Tally::Rules(seen), _) => seen[event.source] += 1,
            (Tally::Chains { n, starts }, _) => {
                let (n, rule) = (*n, event.source);
                // Extend the latest chains ending with an earlier-listed rule; rows of
                // earlier rules are not written here, so the order of lengths is free.
                for length in 2..=rule + 1 {
                    let best = (0..rule)
                        .filter_map(|before| starts[before * n + length - 2])
                        .max();
                    let slot = &mut starts[rule * n + length - 1];
                    *slot = (*slot).max(best);
                }
                starts[rule * n] = Some(event.ts);
            }
            _ => {}
        }
    }

    /// Takes out the oldest event. Chains need nothing: they are judged by their start.
    fn remove(&mut self, event: &Contribution) {
        match (self, &event.value) {
            (Tally::Values { counts, total }, FieldValue::Text(value)) => {
                if let Some(count) = counts.get_mut(value) {
                    *count -= 1;
                    if *count == 0 {
                        counts.remove(value);
                    }
                }
                *total -= 1;
            }
            (Tally::Numbers { sum, count }, FieldValue::Number(x)) => {
                *count -= 1;
                // Restart from an exact zero rather than carry rounding errors along.
                *sum = if *count == 0 { 0.0 } else { *sum - x };
            }
            (Tally::Rules(seen), _) => seen[event.source] -= 1,
            _ => {}
        }
    }

    fn clear(&mut self) {
        match self {
            Tally::Events => {}
            Tally::Values { counts, total } => {
                counts.clear();
                *total = 0;
            }
            Tally::Numbers { sum, count } => {
                *sum = 0.0;
                *count = 0;
            }
            Tally::Rules(seen) => seen.fill(0),
            Tally::Chains { starts, .. } => starts.fill(None),
        }
    }

    /// The aggregate over a window of `len` events starting at `oldest`, when it
    /// satisfies the rule's condition, with the timestamp from which events contribute.
    fn satisfied(
        &self,
        rule: &CorrelationRule,
        len: usize,
        oldest: i64,
    ) -> Option<(Aggregate, i64)> {
        let holds = |x: f64| rule.condition.holds(x);
        let aggregate = match self {
            Tally::Events => Aggregate::Events(len as u64),
            Tally::Values { counts, total } => match rule.kind {
                CorrelationType::ValuePercentile => {
                    return Self::rarest_share(counts, *total, holds).map(|share| (share, oldest));
                }
                _ => Aggregate::DistinctValues(counts.len() as u64),
            },
            Tally::Numbers { count: 0, .. } => return None,
            Tally::Numbers { sum, count } => match rule.kind {
                CorrelationType::ValueAvg => Aggregate::Average(sum / f64::from(*count)),
                _ => Aggregate::Sum(*sum),
            },
            Tally::Rules(seen) => Aggregate::Rules(seen.iter().filter(|&&n| n > 0).count() as u64),
            Tally::Chains { n, starts } => {
                let (length, start) = (1..=*n)
                    .rev()
                    .find_map(|length| {
                        let in_window = (0..*n).filter_map(|rule| starts[rule * n + length - 1]);
                        in_window
                            .filter(|&start| start >= oldest)
                            .max()
                            .map(|start| (length, start))
                    })
                    .unwrap_or((0, oldest));
                return holds(length as f64).then_some((Aggregate::Rules(length as u64), start));
            }
        };
        holds(aggregate.number()).then_some((aggregate, oldest))
    }

    /// The least frequent value whose share satisfies the condition (ties: the first in
    /// text order, so the result does not depend on hashing).
    fn rarest_share(
        counts: &HashMap<Arc<str>, u32>,
        total: u32,
        holds: impl Fn(f64) -> bool,
    ) -> Option<Aggregate> {
        let share = |count: u32| 100.0 * f64::from(count) / f64::from(total);
        let (value, count) = counts
            .iter()
            .filter(|(_, &count)| holds(share(count)))
            .min_by(|(a, ca), (b, cb)| ca.cmp(cb).then_with(|| a.cmp(b)))?;
        Some(Aggregate::Share {
            value: value.to_string(),
            percent: share(*count),
        })
    }
}

/// Events of one group that a hit took, with what was found in them.
#[derive(Debug)]
pub(crate) struct Burst {
    pub aggregate: Aggregate,
    /// Event time at which the window was decided.
    pub decided_ms: i64,
    /// The contributing events, oldest first.
    pub events: Vec<Contribution>,
}

impl Burst {
    /// Up to `max` event references, oldest first, with a place kept for the oldest
    /// event of every contributing rule.
    pub fn samples(&self, rules: usize, max: usize) -> Vec<u64> {
        let mut seen = vec![false; rules];
        let mut firsts: Vec<usize> = Vec::new();
        for (i, event) in self.events.iter().enumerate() {
            if !seen[event.source] && !event.refs.as_slice().is_empty() {
                seen[event.source] = true;
                firsts.push(i);
            }
        }
        firsts.truncate(max);
        let mut spare = max - firsts.len();
        let mut firsts = firsts.into_iter().peekable();
        let mut samples = Vec::with_capacity(max);
        for (i, event) in self.events.iter().enumerate() {
            let refs = event.refs.as_slice();
            let first = usize::from(firsts.next_if_eq(&i).is_some());
            let extra = spare.min(refs.len() - first);
            samples.extend_from_slice(&refs[..first + extra]);
            spare -= extra;
            if spare == 0 && firsts.peek().is_none() {
                break;
            }
        }
        samples
    }
}

/// One group's events within the time span, oldest first.
#[derive(Debug)]
pub(crate) struct Window {
    events: VecDeque<Contribution>,
    tally: Tally,
    /// Whether an event joined since the window anchored at the oldest event was last
    /// decided. Windows decided at close are judged only then: a window that gained
    /// nothing holds a subset of one already judged.
    fresh: bool,
}

impl Window {
    pub fn new(rule: &CorrelationRule) -> Window {
        Window {
            events: VecDeque::new(),
            tally: Tally::new(rule.kind, rule.rules.len()),
            fresh: false,
        }
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// When the window anchored at the oldest event closes.
    pub fn closes_at(&self, span: i64) -> Option<i64> {
        self.events
            .front()
            .map(|oldest| oldest.ts.saturating_add(span))
    }

    /// Shares the text of a value this window already counts instead of copying it.
    pub fn intern(&self, text: &str) -> Arc<str> {
        match &self.tally {
            Tally::Values { counts, .. } => counts
                .get_key_value(text)
                .map(|(value, _)| Arc::clone(value)),
            _ => None,
        }
        .unwrap_or_else(|| Arc::from(text))
    }

    /// Adds an event no older than those present; returns a burst when the correlation
    /// is decided early and its condition now holds.
    pub fn push(&mut self, event: Contribution, rule: &CorrelationRule) -> Option<Burst> {
        debug_assert!(self.events.back().is_none_or(|last| last.ts <= event.ts));
        let ts = event.ts;
        self.tally.add(&event);
        self.events.push_back(event);
        self.fresh = true;
        if rule.decides_early() {
            self.take_if_satisfied(rule, ts)
        } else {
            None
        }
    }

    /// Closes every window anchored at an event with `ts + span <= now`: a correlation
    /// decided at close judges it (when it gained events since last judged), then the
    /// anchoring event leaves.
    pub fn close(&mut self, now: i64, rule: &CorrelationRule) -> Option<Burst> {
        let (span, early) = (rule.timespan.millis(), rule.decides_early());
        while let Some(closes_at) = self.closes_at(span).filter(|&at| at <= now) {
            if self.fresh && !early {
                self.fresh = false;
                if let Some(burst) = self.take_if_satisfied(rule, closes_at) {
                    return Some(burst);
                }
            }
            if let Some(oldest) = self.events.pop_front() {
                self.tally.remove(&oldest);
            }
        }
        None
    }

    /// When the condition holds, consumes the window's events into a burst.
    fn take_if_satisfied(&mut self, rule: &CorrelationRule, decided_ms: i64) -> Option<Burst> {
        let oldest = self.events.front()?.ts;
        let (aggregate, start) = self.tally.satisfied(rule, self.events.len(), oldest)?;
        let events = self
            .events
            .drain(..)
            .filter(|event| event.ts >= start)
            .collect();
        self.tally.clear();
        self.fresh = false;
        Some(Burst {
            aggregate,
            decided_ms,
            events,
        })
    }
}
