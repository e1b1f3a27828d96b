//! The streaming engine: routes rule matches to the correlations that reference them,
//! puts them in event-time order, decides windows and feeds hits to chained correlations.

use super::rule::{CorrelationRule, CorrelationType};
use super::window::{Aggregate, Burst, Contribution, EventRefs, FieldValue, Window};
use crate::document::{scalar_text, Document, Scalar};
use crate::error::{Result, SigmaError};
use crate::rule::Level;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::io::Write;

/// Ends each group-by value inside a group key. The byte never occurs in UTF-8 text,
/// so distinct value lists always give distinct keys.
const KEY_END: u8 = 0xFF;

/// Default number of event references a hit carries.
const DEFAULT_SAMPLES: usize = 10;

/// A correlation whose condition held for one group within one window.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationHit {
    /// Index of the correlation among those the engine was built with.
    pub correlation: usize,
    pub id: Option<String>,
    pub title: String,
    pub level: Level,
    pub author: Option<String>,
    /// False when every correlation referencing this one has `generate: false`: the hit
    /// then only feeds those correlations and is not an alert of its own.
    pub stands_alone: bool,
    /// Group-by fields (or aliases) and their values, in `group-by` order. A field an
    /// event lacks has the empty value.
    pub group: Vec<(String, String)>,
    pub aggregate: Aggregate,
    /// Timestamps of the oldest and newest contributing events.
    pub first_ms: i64,
    pub last_ms: i64,
    /// Event time at which the correlation was decided: the newest contributing event
    /// for conditions decided early, the end of the window for those decided at close.
    /// A chained correlation sees the hit at this time.
    pub decided_ms: i64,
    /// References (ids, or names where a correlation has no id) of the rules whose
    /// events contributed, in the correlation's `rules` order.
    pub rules: Vec<String>,
    /// The callers' references of up to [`CorrelationEngine::with_max_samples`]
    /// contributing events, oldest first, with the oldest event of every contributing
    /// rule among them. Hits of chained correlations contribute their own samples.
    pub samples: Vec<u64>,
}

/// A hit reads as a document of its group-by values, which is how a correlation that
/// references this one sees it.
impl Document for CorrelationHit {
    fn visit_field(&self, name: &str, visit: &mut dyn FnMut(Scalar<'_>) -> bool) -> Option<bool> {
        self.group
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| visit(Scalar::Str(value)))
    }

    fn visit_all(&self, visit: &mut dyn FnMut(&str, Scalar<'_>) -> bool) -> bool {
        self.group
            .iter()
            .any(|(field, value)| visit(field, Scalar::Str(value)))
    }
}

/// Counters for monitoring an engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CorrelationStats {
    /// Groups with events in a window or waiting to join one.
    pub groups: usize,
    /// Contributions held in windows or waiting for their time to come.
    pub held: usize,
    /// Observations ignored because they arrived after their time had been decided.
    pub late: u64,
}

/// Sigma correlations over a stream of rule matches.
///
/// # Time
///
/// Matches are handled in event-time order. [`observe`](Self::observe) holds each match
/// until the newest timestamp seen (or [`advance`](Self::advance)d to) is `lateness`
/// past it, so matches arriving out of order by up to `lateness` give exactly the hits
/// of sorted input. A match older than what was already decided is counted in
/// [`CorrelationStats::late`] and ignored. The default `lateness` is the longest
/// timespan of the engine's correlations; a live pipeline that wants hits without delay
/// sets it lower with [`with_lateness`](Self::with_lateness).
///
/// # Windows
///
/// Per correlation and group, a window is any time range `[t, t + timespan)`: events
/// combine when the newest is less than `timespan` after the oldest.
///
/// - A condition of lower bounds only (`gt`, `gte`) on an aggregate that only grows
///   (`event_count`, `value_count`, `value_sum` of non-negative values, `temporal`,
///   `temporal_ordered`) is decided early: the hit comes at the event that makes it
///   hold, over the events of the last `timespan`.
/// - Any other condition (`lt`, `lte`, `eq`, `neq`, and every `value_avg` or
///   `value_percentile`) is decided at close: each window anchored at an event is judged
///   once it has run its full `timespan`, when events joined it since the last judged.
///
/// A hit consumes the window's events: later events start afresh, so one burst of
/// matches gives one hit (and a burst twice the threshold, two).
///
/// `temporal_ordered` counts the longest chain of referenced rules seen in their listed
/// order (equal timestamps in arrival order); its hit reports the events from the start
/// of that chain. `value_percentile` compares, for each value of the field, the
/// percentage of the window's events that carry it; the hit names the rarest value that
/// satisfies the condition (with `lte: 1`: a value seen in at most 1% of the events).
///
/// Memory is bounded by the matches within `lateness + timespan` of the newest event:
/// a window drops each event when it leaves the span, and a group without events is
/// dropped.
#[derive(Debug)]
pub struct CorrelationEngine {
    correlations: Vec<Compiled>,
    /// Rule id (and name) → the correlations and sources it feeds.
    routes: HashMap<String, Vec<Route>>,
    /// Per correlation: the correlations and sources its hits feed.
    chained: Vec<Vec<Route>>,
    /// Ids of detection rules that only feed correlations with `generate: false`.
    silenced: HashSet<String>,
    state: Runtime,
}

#[derive(Debug, Clone, Copy)]
struct Route {
    correlation: usize,
    source: usize,
}

/// A correlation with its references resolved.
#[derive(Debug)]
struct Compiled {
    rule: CorrelationRule,
    sources: Vec<Source>,
    stands_alone: bool,
}

/// One referenced rule of a correlation, with its aliases resolved.
#[derive(Debug)]
struct Source {
    /// Reported in hits.
    id: String,
    /// The event fields read for the correlation's group-by entries.
    group_fields: Vec<String>,
    /// The event field read for the condition.
    value_field: Option<String>,
}

/// What a correlation reference points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Target<'a> {
    Rule(&'a str),
    Correlation(usize),
}

impl CorrelationEngine {
    /// Builds an engine over `correlations`, resolving their `rules:` references against
    /// the other correlations (ids and names) and the `known` detection rules
    /// (`(id, name)` pairs).
    pub fn new<'a>(
        correlations: Vec<CorrelationRule>,
        known: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    ) -> Result<CorrelationEngine> {
        let known: Vec<(&str, Option<&str>)> = known.into_iter().collect();
        let targets = resolve(&correlations, &known)?;
        check_acyclic(&correlations, &targets)?;
        let sources = correlations
            .iter()
            .zip(&targets)
            .map(|(rule, targets)| sources(rule, targets, &known, &correlations))
            .collect::<Result<Vec<_>>>()?;

        let mut routes: HashMap<String, Vec<Route>> = HashMap::new();
        let mut chained = vec![Vec::new(); correlations.len()];
        // Per target: whether some correlation referencing it has `generate: true`.
        let mut generated: HashMap<Target, bool> = HashMap::new();
        for (correlation, (rule, targets)) in correlations.iter().zip(&targets).enumerate() {
            for (source, &target) in targets.iter().enumerate() {
                let route = Route {
                    correlation,
                    source,
                };
                match target {
                    Target::Rule(id) => {
                        routes.entry(id.to_owned()).or_default().push(route);
                        for name in known_names(&known, id).filter(|name| *name != id) {
                            routes.entry(name.to_owned()).or_default().push(route);
                        }
                    }
                    Target::Correlation(referenced) => chained[referenced].push(route),
                }
                *generated.entry(target).or_default() |= rule.generate;
            }
        }
        let silenced = generated
            .iter()
            .filter_map(|(target, generated)| match target {
                Target::Rule(id) if !generated => Some((*id).to_owned()),
                _ => None,
            })
            .collect();
        let correlations: Vec<Compiled> = correlations
            .into_iter()
            .zip(sources)
            .enumerate()
            .map(|(index, (rule, sources))| Compiled {
                rule,
                sources,
                stands_alone: generated
                    .get(&Target::Correlation(index))
                    .copied()
                    .unwrap_or(true),
            })
            .collect();
        let lateness = correlations
            .iter()
            .map(|c| c.rule.timespan.millis())
            .max()
            .unwrap_or(0);
        Ok(CorrelationEngine {
            state: Runtime::new(correlations.len(), lateness),
            correlations,
            routes,
            chained,
            silenced,
        })
    }

    /// Sets how far (ms) behind the newest timestamp a match may arrive and still be
    /// placed exactly; hits are delayed by as much. Negative values count as zero.
    pub fn with_lateness(mut self, lateness_ms: i64) -> CorrelationEngine {
        self.state.lateness = lateness_ms.max(0);
        self
    }

    /// Sets how many event references a hit carries (default 10).
    pub fn with_max_samples(mut self, max: usize) -> CorrelationEngine {
        self.state.max_samples = max;
        self
    }

    /// The correlation a hit's `correlation` index names.
    pub fn rule(&self, correlation: usize) -> Option<&CorrelationRule> {
        self.correlations.get(correlation).map(|c| &c.rule)
    }

    /// Whether matches of the detection rule `rule_id` alert on their own: false when the
    /// rule only feeds correlations that have `generate: false`.
    pub fn stands_alone(&self, rule_id: &str) -> bool {
        !self.silenced.contains(rule_id)
    }

    /// Records that the detection rule `rule_id` (or, when no correlation knows that id,
    /// `rule_name`) matched `event`, which happened at `timestamp_ms`. `event_ref` is the
    /// caller's own reference to the event (an offset, a row id); hits hand it back in
    /// their samples. Returns the hits decided meanwhile.
    pub fn observe(
        &mut self,
        rule_id: &str,
        rule_name: Option<&str>,
        timestamp_ms: i64,
        event_ref: u64,
        event: &dyn Document,
    ) -> Vec<CorrelationHit> {
        let routes = self
            .routes
            .get(rule_id)
            .or_else(|| self.routes.get(rule_name?));
        if let Some(routes) = routes {
            if timestamp_ms < self.state.clock {
                self.state.late += 1;
                return Vec::new();
            }
            for &route in routes {
                self.state.enqueue(
                    &self.correlations,
                    route,
                    timestamp_ms,
                    EventRefs::One(event_ref),
                    event,
                );
            }
        }
        self.advance(timestamp_ms)
    }

    /// Moves event time to at least `now_ms` (e.g. the wall clock of a live pipeline that
    /// has gone quiet) and returns the hits decided meanwhile.
    pub fn advance(&mut self, now_ms: i64) -> Vec<CorrelationHit> {
        self.state.watermark = self.state.watermark.max(now_ms);
        self.run_until(self.state.watermark.saturating_sub(self.state.lateness))
    }

    /// Ends the stream: decides every open window and returns the hits. The engine is
    /// then empty and can take a new stream.
    pub fn finish(&mut self) -> Vec<CorrelationHit> {
        let hits = self.run_until(i64::MAX);
        self.state.watermark = i64::MIN;
        self.state.clock = i64::MIN;
        hits
    }

    /// Current counters. Walks every group: for monitoring, not for each event.
    pub fn stats(&self) -> CorrelationStats {
        let windows: usize = self
            .state
            .groups
            .iter()
            .flat_map(Groups::live)
            .map(|g| g.window.len())
            .sum();
        let waiting = self
            .state
            .agenda
            .iter()
            .filter(|Reverse(e)| matches!(e.task, Task::Release(_)))
            .count();
        CorrelationStats {
            groups: self.state.groups.iter().map(|g| g.index.len()).sum(),
            held: windows + waiting,
            late: self.state.late,
        }
    }

    /// Runs what is due up to event time `until`, feeding hits to chained correlations.
    fn run_until(&mut self, until: i64) -> Vec<CorrelationHit> {
        let mut hits = Vec::new();
        while let Some(entry) = self.state.pop_due(until) {
            let Some(hit) = self.state.run(&self.correlations, entry) else {
                continue;
            };
            for &route in &self.chained[hit.correlation] {
                let refs = EventRefs::Many(hit.samples.clone().into_boxed_slice());
                self.state
                    .enqueue(&self.correlations, route, hit.decided_ms, refs, &hit);
            }
            hits.push(hit);
        }
        hits
    }
}

/// The names the `known` detection rules give the rule `id`.
fn known_names<'k: 'i, 'i>(
    known: &'i [(&'k str, Option<&'k str>)],
    id: &'i str,
) -> impl Iterator<Item = &'k str> + 'i {
    known
        .iter()
        .filter(move |(k, _)| *k == id)
        .filter_map(|(_, name)| *name)
}

/// Resolves each correlation's references: first against the correlations' ids and
/// names, then against the known rules' ids, then their names.
fn resolve<'k>(
    correlations: &[CorrelationRule],
    known: &[(&'k str, Option<&'k str>)],
) -> Result<Vec<Vec<Target<'k>>>> {
    let mut by_reference: HashMap<&str, usize> = HashMap::new();
    for (index, rule) in correlations.iter().enumerate() {
        for reference in [&rule.meta.id, &rule.meta.name].into_iter().flatten() {
            if let Some(other) = by_reference
                .insert(reference, index)
                .filter(|&other| other != index)
            {
                return Err(SigmaError::Correlation(format!(
                    "`{}` and `{}` are both called `{reference}`",
                    correlations[other].meta.title, rule.meta.title
                )));
            }
        }
    }
    let mut unknown = Vec::new();
    let mut resolved = Vec::with_capacity(correlations.len());
    for rule in correlations {
        let mut targets = Vec::with_capacity(rule.rules.len());
        for reference in &rule.rules {
            if let Some(&index) = by_reference.get(reference.as_str()) {
                targets.push(Target::Correlation(index));
            } else if let Some(&(id, _)) = known.iter().find(|(id, _)| id == reference) {
                targets.push(Target::Rule(id));
            } else {
                let mut named = known
                    .iter()
                    .filter(|(_, name)| *name == Some(reference.as_str()));
                match (named.next(), named.next()) {
                    (Some(&(id, _)), None) => targets.push(Target::Rule(id)),
                    (Some(&(first, _)), Some(&(second, _))) => {
                        return Err(SigmaError::Correlation(format!(
                            "`{}` references `{reference}`, the name of both rule {first} and rule {second}",
                            rule.meta.title
                        )));
                    }
                    (None, _) => unknown.push(format!("`{reference}` (in `{}`)", rule.meta.title)),
                }
            }
        }
        resolved.push(targets);
    }
    if !unknown.is_empty() {
        return Err(SigmaError::Correlation(format!(
            "unknown rules referenced: {}",
            unknown.join(", ")
        )));
    }
    for (rule, targets) in correlations.iter().zip(&resolved) {
        for (i, target) in targets.iter().enumerate() {
            if let Some(first) = targets[..i].iter().position(|earlier| earlier == target) {
                return Err(SigmaError::Correlation(format!(
                    "`{}` references one rule twice, as `{}` and `{}`",
                    rule.meta.title, rule.rules[first], rule.rules[i]
                )));
            }
        }
    }
    Ok(resolved)
}

/// Fails when correlations reference each other in a cycle, naming it.
fn check_acyclic(correlations: &[CorrelationRule], targets: &[Vec<Target>]) -> Result<()> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    fn visit(
        index: usize,
        targets: &[Vec<Target>],
        marks: &mut [Mark],
        path: &mut Vec<usize>,
    ) -> bool {
        match marks[index] {
            Mark::Done => return false,
            Mark::OnPath => {
                path.push(index);
                return true;
            }
            Mark::New => {}
        }
        marks[index] = Mark::OnPath;
        path.push(index);
        for target in &targets[index] {
            if let Target::Correlation(next) = *target {
                if visit(next, targets, marks, path) {
                    return true;
                }
            }
        }
        path.pop();
        marks[index] = Mark::Done;
        false
    }
    let mut marks = vec![Mark::New; correlations.len()];
    let mut path = Vec::new();
    for index in 0..correlations.len() {
        if visit(index, targets, &mut marks, &mut path) {
            let start = path
                .iter()
                .position(|&i| Some(&i) == path.last())
                .unwrap_or(0);
            let titles: Vec<String> = path[start..]
                .iter()
                .map(|&i| format!("`{}`", correlations[i].meta.title))
                .collect();
            return Err(SigmaError::Correlation(format!(
                "correlations reference each other in a cycle: {}",
                titles.join(" → ")
            )));
        }
    }
    Ok(())
}

/// The sources of one correlation: what hits report for each referenced rule, and the
/// event fields its group-by entries and condition field read, through the aliases.
fn sources(
    rule: &CorrelationRule,
    targets: &[Target],
    known: &[(&str, Option<&str>)],
    correlations: &[CorrelationRule],
) -> Result<Vec<Source>> {
    // Each source's reported id, and every name aliases may use for it.
    let named: Vec<(String, Vec<&str>)> = rule
        .rules
        .iter()
        .zip(targets)
        .map(|(reference, &target)| {
            let (id, mut names): (&str, Vec<&str>) = match target {
                Target::Rule(id) => (id, known_names(known, id).collect()),
                Target::Correlation(index) => {
                    let meta = &correlations[index].meta;
                    let names: Vec<&str> = [&meta.id, &meta.name]
                        .into_iter()
                        .flatten()
                        .map(String::as_str)
                        .collect();
                    (names.first().copied().unwrap_or(reference), names)
                }
            };
            names.extend([reference.as_str(), id]);
            (id.to_owned(), names)
        })
        .collect();
    for (alias, per_rule) in &rule.aliases {
        if let Some(stranger) = per_rule.keys().find(|name| {
            !named
                .iter()
                .any(|(_, names)| names.contains(&name.as_str()))
        }) {
            return Err(SigmaError::Correlation(format!(
                "`{}`: alias `{alias}` names rule `{stranger}`, which the correlation does not reference",
                rule.meta.title
            )));
        }
    }
    let field = |names: &[&str], field: &str| -> String {
        let aliased = rule
            .aliases
            .get(field)
            .and_then(|per_rule| names.iter().find_map(|name| per_rule.get(*name)));
        aliased.map_or(field, String::as_str).to_owned()
    };
    Ok(named
        .iter()
        .map(|(id, names)| Source {
            id: id.clone(),
            group_fields: rule.group_by.iter().map(|g| field(names, g)).collect(),
            value_field: rule.condition.field.as_deref().map(|f| field(names, f)),
        })
        .collect())
}

impl Compiled {
    fn hit(
        &self,
        correlation: usize,
        key: &[u8],
        burst: Burst,
        max_samples: usize,
    ) -> CorrelationHit {
        let values = key
            .split(|&b| b == KEY_END)
            .map(|value| String::from_utf8_lossy(value).into_owned());
        let mut contributed = vec![false; self.sources.len()];
        for event in &burst.events {
            contributed[event.source] = true;
        }
        let meta = &self.rule.meta;
        CorrelationHit {
            correlation,
            id: meta.id.clone(),
            title: meta.title.clone(),
            level: meta.level,
            author: meta.author.clone(),
            stands_alone: self.stands_alone,
            group: self.rule.group_by.iter().cloned().zip(values).collect(),
            first_ms: burst.events.first().map_or(burst.decided_ms, |e| e.ts),
            last_ms: burst.events.last().map_or(burst.decided_ms, |e| e.ts),
            decided_ms: burst.decided_ms,
            rules: self
                .sources
                .iter()
                .zip(contributed)
                .filter(|(_, c)| *c)
                .map(|(s, _)| s.id.clone())
                .collect(),
            samples: burst.samples(self.sources.len(), max_samples),
            aggregate: burst.aggregate,
        }
    }
}

/// The mutable side of the engine: groups, the event-time agenda and the clocks.
#[derive(Debug)]
struct Runtime {
    /// Per correlation.
    groups: Vec<Groups>,
    agenda: BinaryHeap<Reverse<Entry>>,
    /// Orders entries of equal time by arrival.
    seq: u64,
    /// Newest event time seen.
    watermark: i64,
    /// Event time of the last entry run: nothing older can still be placed.
    clock: i64,
    lateness: i64,
    max_samples: usize,
    /// Scratch buffer for group keys.
    key: Vec<u8>,
    late: u64,
}

/// Something to do at an event time.
#[derive(Debug)]
struct Entry {
    at: i64,
    seq: u64,
    correlation: usize,
    slot: usize,
    task: Task,
}

#[derive(Debug)]
enum Task {
    /// Close the group's windows anchored at events up to `at - timespan`.
    Close,
    /// Add a contribution to the group's window.
    Release(Contribution),
}

impl Entry {
    /// Time first; at equal times closes come first, as a window `[t, t + span)` ends
    /// before an event at `t + span`; then arrival.
    fn order(&self) -> (i64, bool, u64) {
        (self.at, matches!(self.task, Task::Release(_)), self.seq)
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.order() == other.order()
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.order().cmp(&other.order())
    }
}

impl Runtime {
    fn new(correlations: usize, lateness: i64) -> Runtime {
        Runtime {
            groups: (0..correlations).map(|_| Groups::default()).collect(),
            agenda: BinaryHeap::new(),
            seq: 0,
            watermark: i64::MIN,
            clock: i64::MIN,
            lateness,
            max_samples: DEFAULT_SAMPLES,
            key: Vec::new(),
            late: 0,
        }
    }

    /// Reads the group key and the condition value of `event` for `route`, and schedules
    /// its contribution at `ts`.
    fn enqueue(
        &mut self,
        correlations: &[Compiled],
        route: Route,
        ts: i64,
        refs: EventRefs,
        event: &dyn Document,
    ) {
        let compiled = &correlations[route.correlation];
        let source = &compiled.sources[route.source];
        self.key.clear();
        for field in &source.group_fields {
            push_key_part(&mut self.key, event, field);
        }
        let groups = &mut self.groups[route.correlation];
        let slot = groups.slot_for(&self.key, || Window::new(&compiled.rule));
        let group = groups.slots[slot]
            .as_mut()
            .expect("slot_for returns a live slot");
        group.in_flight += 1;
        let value = match source.value_field.as_deref() {
            Some(field) => read_value(compiled.rule.kind, event, field, &group.window),
            None => FieldValue::Absent,
        };
        self.seq += 1;
        let contribution = Contribution {
            ts,
            source: route.source,
            value,
            refs,
        };
        self.agenda.push(Reverse(Entry {
            at: ts,
            seq: self.seq,
            correlation: route.correlation,
            slot,
            task: Task::Release(contribution),
        }));
    }

    fn pop_due(&mut self, until: i64) -> Option<Entry> {
        if self.agenda.peek()?.0.at > until {
            return None;
        }
        let Reverse(entry) = self.agenda.pop()?;
        self.clock = entry.at;
        Some(entry)
    }

    /// Runs one entry: adds a contribution or closes windows, then schedules the group's
    /// next close, or drops the group when nothing is left of it.
    fn run(&mut self, correlations: &[Compiled], entry: Entry) -> Option<CorrelationHit> {
        let compiled = &correlations[entry.correlation];
        let groups = &mut self.groups[entry.correlation];
        let group = groups.slots.get_mut(entry.slot)?.as_mut()?;
        let burst = match entry.task {
            Task::Release(contribution) => {
                group.in_flight -= 1;
                group.window.push(contribution, &compiled.rule)
            }
            // A close scheduled for an earlier front of the window, or for a group
            // since dropped, has nothing to do.
            Task::Close if group.timer != Some(entry.at) => return None,
            Task::Close => group.window.close(entry.at, &compiled.rule),
        };
        let hit =
            burst.map(|burst| compiled.hit(entry.correlation, &group.key, burst, self.max_samples));
        match group.window.closes_at(compiled.rule.timespan.millis()) {
            Some(at) if group.timer != Some(at) => {
                group.timer = Some(at);
                self.seq += 1;
                self.agenda.push(Reverse(Entry {
                    at,
                    seq: self.seq,
                    correlation: entry.correlation,
                    slot: entry.slot,
                    task: Task::Close,
                }));
            }
            Some(_) => {}
            None if group.in_flight == 0 => groups.remove(entry.slot),
            None => group.timer = None,
        }
        hit
    }
}

/// One correlation's groups, in slots that agenda entries point at.
#[derive(Debug, Default)]
struct Groups {
    index: HashMap<Box<[u8]>, usize>,
    slots: Vec<Option<Group>>,
    free: Vec<usize>,
}

#[derive(Debug)]
struct Group {
    key: Box<[u8]>,
    window: Window,
    /// Time of the scheduled close of the window anchored at the oldest event.
    timer: Option<i64>,
    /// Contributions scheduled but not yet in the window.
    in_flight: usize,
}

impl Groups {
    fn slot_for(&mut self, key: &[u8], window: impl FnOnce() -> Window) -> usize {
        if let Some(&slot) = self.index.get(key) {
            return slot;
        }
        let group = Group {
            key: key.into(),
            window: window(),
            timer: None,
            in_flight: 0,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some(group);
                slot
            }
            None => {
                self.slots.push(Some(group));
                self.slots.len() - 1
            }
        };
        self.index.insert(key.into(), slot);
        slot
    }

    fn remove(&mut self, slot: usize) {
        if let Some(group) = self.slots[slot].take() {
            self.index.remove(&group.key);
            self.free.push(slot);
        }
    }

    fn live(&self) -> impl Iterator<Item = &Group> {
        self.slots.iter().flatten()
    }
}

/// Appends the first value of `field` (empty when absent) and the key separator.
fn push_key_part(key: &mut Vec<u8>, event: &dyn Document, field: &str) {
    event.visit_field(field, &mut |scalar| {
        // Spelled as `scalar_text` spells them; writing to a Vec cannot fail.
        let _ = match scalar {
            Scalar::Str(text) => key.write_all(text.as_bytes()),
            Scalar::Null => Ok(()),
            Scalar::Bool(b) => write!(key, "{b}"),
            Scalar::Int(i) => write!(key, "{i}"),
            Scalar::Float(x) => write!(key, "{x}"),
        };
        true
    });
    key.push(KEY_END);
}

/// The first value of the condition field as the correlation type reads it: a number for
/// sums and averages (text parsed, anything else ignored), text otherwise.
fn read_value(
    kind: CorrelationType,
    event: &dyn Document,
    field: &str,
    window: &Window,
) -> FieldValue {
    let mut value = FieldValue::Absent;
    event.visit_field(field, &mut |scalar| {
        value = match (kind, scalar) {
            (_, Scalar::Null) => FieldValue::Absent,
            (CorrelationType::ValueSum | CorrelationType::ValueAvg, scalar) => {
                let number = match scalar {
                    Scalar::Int(i) => Some(i as f64),
                    Scalar::Float(x) => Some(x),
                    Scalar::Str(text) => text.trim().parse().ok(),
                    _ => None,
                };
                number
                    .filter(|x: &f64| x.is_finite())
                    .map_or(FieldValue::Absent, FieldValue::Number)
            }
            (_, Scalar::Str(text)) => FieldValue::Text(window.intern(text)),
            (_, scalar) => FieldValue::Text(window.intern(&scalar_text(scalar))),
        };
        true
    });
    value
}
