//! Flattens an arbitrary JSON object (ECS, Beats, a demo generator's flat Windows-style
//! records) into an [`Event`]: nested objects become dotted names (`process.command_line`),
//! arrays become [`Value::List`], and the timestamp comes from the first of
//! [`TIMESTAMP_FIELDS`] that parses.

use crate::{ecs_windows, suricata, text, timestamp};
use serde_json::{Map, Value as Json};
use vigil_event::{Event, Value};

/// Fields tried, in order, for the event's timestamp.
pub const TIMESTAMP_FIELDS: [&str; 5] =
    ["@timestamp", "timestamp", "TimeCreated", "UtcTime", "time"];

/// Flattens `object`, keeping its field order.
pub fn from_json_object(object: Map<String, Json>) -> Event {
    let mut event = Event::with_capacity(object.len());
    let mut name = String::new();
    flatten_into(&mut event, &mut name, object);
    event.timestamp = TIMESTAMP_FIELDS
        .iter()
        .find_map(|field| event.get(field).and_then(timestamp::from_value));
    event
}

fn flatten_into(event: &mut Event, name: &mut String, object: Map<String, Json>) {
    let prefix_len = name.len();
    for (key, value) in object {
        name.truncate(prefix_len);
        if prefix_len > 0 {
            name.push('.');
        }
        name.push_str(&key);
        match value {
            Json::Object(inner) if !inner.is_empty() => flatten_into(event, name, inner),
            other => event.push(name.as_str(), owned_value(other)),
        }
    }
    name.truncate(prefix_len);
}

/// Flattens `object` as [`from_json_object`] does, then recognises what shippers send:
/// Winlogbeat / NXLog Windows events get the EVTX names ([`ecs_windows`], times without
/// an offset read at +07:00), Suricata EVE records their aliases ([`suricata`]).
pub fn from_json_record(object: Map<String, Json>) -> Event {
    let zone = text::ParseOptions::default().timezone;
    let mut event = ecs_windows::normalise(from_json_object(object), zone);
    suricata::enrich(&mut event);
    event
}

/// Converts a JSON value by moving its strings. Arrays become lists; an object (inside an
/// array, or empty) becomes its JSON text.
pub(crate) fn owned_value(json: Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::Str(s),
        Json::Array(items) => Value::List(items.into_iter().map(owned_value).collect()),
        object @ Json::Object(_) => Value::Str(object.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn flatten(json: Json) -> Event {
        match json {
            Json::Object(map) => from_json_object(map),
            _ => panic!("test input must be an object"),
        }
    }

    #[test]
    fn nested_objects_become_dotted_names_in_order() {
        let e = flatten(json!({
            "@timestamp": "2024-05-01T10:00:00Z",
            "process": {"command_line": "whoami /all", "pid": 42, "args": ["whoami", "/all"]},
            "host": {"name": "web-1", "ip": null},
            "labels": {},
            "ok": true
        }));
        let names: Vec<&str> = e.fields().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "@timestamp",
                "process.command_line",
                "process.pid",
                "process.args",
                "host.name",
                "host.ip",
                "labels",
                "ok"
            ]
        );
        assert_eq!(e.get_str("process.command_line"), Some("whoami /all"));
        assert_eq!(e.get("process.pid"), Some(&Value::Int(42)));
        assert_eq!(
            e.get("process.args"),
            Some(&Value::List(vec!["whoami".into(), "/all".into()]))
        );
        assert_eq!(e.get("host.ip"), Some(&Value::Null));
        assert_eq!(e.get_str("labels"), Some("{}"));
        assert_eq!(e.timestamp.map(|t| t.timestamp()), Some(1_714_557_600));
    }

    #[test]
    fn flat_windows_style_record_keeps_its_names() {
        let e = flatten(json!({
            "Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1, "Computer": "ws1",
            "UtcTime": "2024-05-01 10:00:00.250", "Image": "C:\\Windows\\System32\\cmd.exe"
        }));
        assert_eq!(e.get("EventID"), Some(&Value::Int(1)));
        assert_eq!(e.get_str("Image"), Some("C:\\Windows\\System32\\cmd.exe"));
        assert_eq!(
            e.timestamp.map(|t| t.timestamp_millis()),
            Some(1_714_557_600_250)
        );
    }

    #[test]
    fn timestamp_falls_through_unparsable_fields() {
        let e = flatten(json!({"timestamp": "soon", "time": 1_700_000_000}));
        assert_eq!(e.timestamp.map(|t| t.timestamp()), Some(1_700_000_000));
        assert_eq!(flatten(json!({"msg": "x"})).timestamp, None);
    }

    #[test]
    fn objects_inside_arrays_are_kept_as_json_text() {
        let e = flatten(json!({"answers": [{"type": "A"}, 7, 1.5]}));
        assert_eq!(
            e.get("answers"),
            Some(&Value::List(vec![
                Value::Str("{\"type\":\"A\"}".into()),
                Value::Int(7),
                Value::Float(1.5)
            ]))
        );
    }
}
