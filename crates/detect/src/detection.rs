//! [`Detection`]: one rule hit, the shape that `hunt` output and `serve` alerts share.
//! It keeps the rule's author, as the Detection Rule License of SigmaHQ rules requires.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value as Json};
use vigil_event::{Event, Value};
use vigil_sigma::correlation::CorrelationHit;
use vigil_sigma::{Level, RuleMeta};

/// What produced a detection.
#[derive(Debug, Clone, PartialEq)]
pub enum DetectionKind {
    /// A detection rule matched one event.
    Event,
    /// A correlation rule's condition held over several events.
    Correlation {
        /// Group-by field values, in group-by order.
        group: Vec<(String, String)>,
        /// The aggregate (event count, distinct values, sum, ...).
        value: f64,
        /// The rules whose matches contributed.
        rules: Vec<String>,
        first_seen: Option<DateTime<Utc>>,
    },
}

/// One detection.
#[derive(Debug, Clone)]
pub struct Detection {
    pub rule_id: String,
    pub rule_title: String,
    pub rule_title_vi: Option<String>,
    pub guidance_vi: Option<String>,
    pub rule_author: String,
    pub level: Level,
    pub tags: Vec<String>,
    pub timestamp: Option<DateTime<Utc>>,
    pub computer: Option<String>,
    pub channel: Option<String>,
    pub event_id: Option<i64>,
    pub record_id: Option<i64>,
    /// The file the event was read from (hunt) or its source (serve).
    pub file: Option<String>,
    pub kind: DetectionKind,
    /// The matched event (for correlations, the last contributing one, if kept).
    pub event: Option<Event>,
}

/// Host name fields, in the order they are looked for.
const COMPUTER_FIELDS: [&str; 4] = ["Computer", "host.name", "hostname", "host"];

fn text_field(event: &Event, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| event.get(n))
        .map(|v| v.to_string())
        .filter(|s| !s.is_empty())
}

fn int_field(event: &Event, name: &str) -> Option<i64> {
    match event.get(name)? {
        Value::Int(i) => Some(*i),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Detection {
    /// A detection of `rule` on `event`.
    pub fn of_event(rule: &RuleMeta, event: &Event, file: Option<&str>) -> Detection {
        Detection {
            rule_id: rule.id.clone().unwrap_or_default(),
            rule_title: rule.title.clone(),
            rule_title_vi: rule.title_vi.clone(),
            guidance_vi: rule.guidance_vi.clone(),
            rule_author: rule.author.clone().unwrap_or_default(),
            level: rule.level,
            tags: rule.tags.clone(),
            timestamp: event.timestamp,
            computer: text_field(event, &COMPUTER_FIELDS),
            channel: text_field(event, &["Channel"]),
            event_id: int_field(event, "EventID"),
            record_id: int_field(event, "EventRecordID"),
            file: file.map(str::to_owned),
            kind: DetectionKind::Event,
            event: Some(event.clone()),
        }
    }

    /// A detection of a correlation rule; `last_event` is its latest contributing event,
    /// when the caller kept it.
    pub fn of_correlation(
        rule: &RuleMeta,
        hit: &CorrelationHit,
        last_event: Option<&Event>,
        file: Option<&str>,
    ) -> Detection {
        let at = |ms: i64| DateTime::from_timestamp_millis(ms);
        let base = match last_event {
            Some(event) => Detection::of_event(rule, event, file),
            None => Detection::of_event(rule, &Event::default(), file),
        };
        Detection {
            level: hit.level,
            timestamp: at(hit.last_ms),
            kind: DetectionKind::Correlation {
                group: hit.group.clone(),
                value: hit.aggregate.number(),
                rules: hit.rules.clone(),
                first_seen: at(hit.first_ms),
            },
            ..base
        }
    }

    /// The detection as one JSON object (the JSON Lines output and API shape).
    pub fn to_json(&self) -> Json {
        let mut out = Map::new();
        out.insert("rule_id".into(), json!(self.rule_id));
        out.insert("rule_title".into(), json!(self.rule_title));
        out.insert("rule_title_vi".into(), json!(self.rule_title_vi));
        out.insert("guidance_vi".into(), json!(self.guidance_vi));
        out.insert("rule_author".into(), json!(self.rule_author));
        out.insert("level".into(), json!(self.level.as_str()));
        out.insert(
            "timestamp".into(),
            json!(self
                .timestamp
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))),
        );
        out.insert("computer".into(), json!(self.computer));
        out.insert("channel".into(), json!(self.channel));
        out.insert("event_id".into(), json!(self.event_id));
        out.insert("record_id".into(), json!(self.record_id));
        out.insert("file".into(), json!(self.file));
        out.insert("tags".into(), json!(self.tags));
        if let DetectionKind::Correlation {
            group,
            value,
            rules,
            first_seen,
        } = &self.kind
        {
            let group: Map<String, Json> =
                group.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            out.insert("correlation".into(), json!({
                "group": group,
                "count": value,
                "rules": rules,
                "first_seen": first_seen.map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true)),
            }));
        }
        if let Some(event) = &self.event {
            out.insert("event".into(), Json::Object(event.to_json()));
        }
        Json::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_detection_carries_rule_and_event_facts() {
        let meta = RuleMeta {
            title: "Whoami".into(),
            id: Some("r1".into()),
            author: Some("A. Author".into()),
            level: Level::High,
            ..Default::default()
        };
        let mut event = Event::default();
        event.push("Computer", "PC1");
        event.push("Channel", "Security");
        event.push("EventID", Value::Int(4688));
        event.push("EventRecordID", "77");
        let d = Detection::of_event(&meta, &event, Some("a.evtx"));
        let j = d.to_json();
        assert_eq!(j["rule_author"], "A. Author");
        assert_eq!(j["level"], "high");
        assert_eq!(j["computer"], "PC1");
        assert_eq!(j["event_id"], 4688);
        assert_eq!(j["record_id"], 77);
        assert_eq!(j["event"]["Channel"], "Security");
        assert!(j.get("correlation").is_none());
    }
}
