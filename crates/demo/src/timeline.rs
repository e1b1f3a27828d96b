//! The records of a day as they are generated, and their final ordered JSON form.
//!
//! Generators push [`Record`]s in any order; [`Timeline::finish`] sorts them by time, numbers
//! Windows records per host and channel (`EventRecordID`) and renders flat JSON objects.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

use crate::fnv1a;
use crate::province::Host;
use crate::LabelledEvent;

/// One log record before rendering: when, which attack story (if any), and its fields.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub at: DateTime<Utc>,
    pub story: Option<&'static str>,
    fields: Vec<(&'static str, Value)>,
}

impl Record {
    /// Sets a field (later calls with the same name win when rendered).
    pub fn set(&mut self, name: &'static str, value: impl Into<Value>) -> &mut Self {
        self.fields.push((name, value.into()));
        self
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.fields
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }
}

/// All records of the day so far, tagged with the story being played.
#[derive(Debug, Default)]
pub(crate) struct Timeline {
    records: Vec<Record>,
    story: Option<&'static str>,
}

impl Timeline {
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Tags every record pushed until the next call with `story` (`None` for background).
    pub fn set_story(&mut self, story: Option<&'static str>) {
        self.story = story;
    }

    /// Starts a record on `host` with the fields every event carries.
    pub fn record(&mut self, at: DateTime<Utc>, host: &Host) -> &mut Record {
        let mut record = Record {
            at,
            story: self.story,
            fields: Vec::with_capacity(24),
        };
        record
            .set("host", host.name.as_str())
            .set("agency", host.agency.as_str());
        self.records.push(record);
        self.records.last_mut().expect("just pushed")
    }

    /// Sorts by time (ties keep generation order), numbers Windows records and renders.
    pub fn finish(mut self) -> Vec<LabelledEvent> {
        self.records.sort_by_key(|r| r.at);
        let mut record_ids: BTreeMap<(String, String), u64> = BTreeMap::new();
        self.records
            .into_iter()
            .map(|mut record| {
                if let Some(Value::String(channel)) = record.get("Channel").cloned() {
                    let computer = record
                        .get("Computer")
                        .map(Value::to_string)
                        .unwrap_or_default();
                    let next = record_ids
                        .entry((computer.clone(), channel.clone()))
                        .or_insert_with(|| first_record_id(&computer, &channel));
                    *next += 1;
                    record.set("EventRecordID", *next);
                }
                let timestamp = record.at.to_rfc3339_opts(SecondsFormat::Millis, true);
                record.set("@timestamp", timestamp);
                LabelledEvent {
                    story: record.story,
                    event: render(record.fields),
                }
            })
            .collect()
    }
}

/// Where a log's numbering stands at the start of the day: it has been running for a while.
fn first_record_id(computer: &str, channel: &str) -> u64 {
    20_000 + fnv1a(&format!("{computer}/{channel}")) % 900_000
}

/// A flat JSON object with keys in sorted order, whether or not serde_json keeps insertion
/// order, so the bytes never depend on a feature another crate turns on.
fn render(fields: Vec<(&'static str, Value)>) -> Value {
    let sorted: BTreeMap<&str, Value> = fields.into_iter().collect();
    Value::Object(
        sorted
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<Map<_, _>>(),
    )
}
