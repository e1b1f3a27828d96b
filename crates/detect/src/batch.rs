//! Correlating a finished batch of rule matches, as `vigil hunt` does once every file is
//! read: matches are put in time order and replayed through a correlation engine.

use crate::{rule_key, Detection, Detector};
use vigil_event::Event;

/// A match of a rule that some correlation counts, kept until correlation runs.
#[derive(Debug, Clone)]
pub struct Observation {
    pub rule: u32,
    pub timestamp_ms: i64,
    pub event: Event,
    pub file: Option<String>,
}

impl Observation {
    /// An observation of `rule` matching `event`; events without a time count as time 0.
    pub fn new(rule: u32, event: &Event, file: Option<&str>) -> Observation {
        let timestamp_ms = event.timestamp.map_or(0, |t| t.timestamp_millis());
        Observation {
            rule,
            timestamp_ms,
            event: event.clone(),
            file: file.map(str::to_owned),
        }
    }
}

/// Runs the detector's correlation rules over `observations` (in any order) and returns
/// the detections of the correlations that alert on their own.
pub fn correlate_batch(detector: &Detector, mut observations: Vec<Observation>) -> Vec<Detection> {
    let Some(mut engine) = detector.correlation_engine() else {
        return Vec::new();
    };
    observations.sort_by_key(|o| o.timestamp_ms);
    let mut hits = Vec::new();
    for (index, o) in observations.iter().enumerate() {
        let rule = detector.rules().rule(o.rule);
        hits.extend(engine.observe(
            rule_key(rule),
            rule.meta.name.as_deref(),
            o.timestamp_ms,
            index as u64,
            &o.event,
        ));
    }
    hits.extend(engine.finish());
    hits.iter()
        .filter(|hit| hit.stands_alone)
        .map(|hit| {
            let last = hit
                .samples
                .iter()
                .max()
                .and_then(|&i| observations.get(i as usize));
            let meta = &detector.correlations()[hit.correlation].meta;
            Detection::of_correlation(
                meta,
                hit,
                last.map(|o| &o.event),
                last.and_then(|o| o.file.as_deref()),
            )
        })
        .collect()
}
