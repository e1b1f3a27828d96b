//! Windows events that arrive as JSON from a shipper rather than as EVTX: Winlogbeat / ECS
//! (`winlog.channel`, `winlog.event_id`, `winlog.event_data.*`, `host.name`) and NXLog
//! (`Channel`, `EventID`, `Hostname`, `SourceName`, data fields at the top level). Both
//! are rewritten to the flat names [`crate::windows`] gives EVTX records (`Channel`,
//! `EventID` as an integer, `Computer`, `Provider_Name`, `EventRecordID`, then each
//! event-data field by its own name), so a Sigma rule gives the same answer on a live
//! event and on the EVTX file it came from. Fields with no EVTX counterpart stay as they
//! are, after those.

use crate::timestamp;
use chrono::{FixedOffset, NaiveDateTime, TimeZone, Utc};
use vigil_event::{Event, Value};

/// `(source name, EVTX name)` for Winlogbeat's `winlog.*` fields.
const WINLOGBEAT: [(&str, &str); 10] = [
    ("winlog.provider_name", "Provider_Name"),
    ("winlog.provider_guid", "Provider_Guid"),
    ("winlog.event_id", "EventID"),
    ("winlog.version", "Version"),
    ("winlog.record_id", "EventRecordID"),
    ("winlog.process.pid", "ProcessID"),
    ("winlog.process.thread.id", "ThreadID"),
    ("winlog.channel", "Channel"),
    ("winlog.computer_name", "Computer"),
    ("winlog.user.identifier", "UserID"),
];

/// `(source name, EVTX name)` for NXLog's `im_msvistalog` fields.
const NXLOG: [(&str, &str); 6] = [
    ("SourceName", "Provider_Name"),
    ("ProviderGuid", "Provider_Guid"),
    ("RecordNumber", "EventRecordID"),
    ("Hostname", "Computer"),
    ("ExecutionProcessID", "ProcessID"),
    ("ExecutionThreadID", "ThreadID"),
];

/// Numeric EVTX fields, integers even when the shipper wrote text.
const NUMERIC: [&str; 5] = [
    "EventID",
    "Version",
    "EventRecordID",
    "ProcessID",
    "ThreadID",
];

/// Rewrites a flattened Winlogbeat or NXLog record; other events come back unchanged.
/// `timezone` reads NXLog's `EventTime`, which has no offset.
pub fn normalise(event: Event, timezone: FixedOffset) -> Event {
    if event.contains("winlog.channel") || event.contains("winlog.event_id") {
        rewrite(
            event,
            &WINLOGBEAT,
            &["winlog.event_data.", "winlog.user_data."],
            None,
        )
    } else if event.contains("Channel")
        && event.contains("EventID")
        && (event.contains("Hostname") || event.contains("SourceName"))
    {
        rewrite(event, &NXLOG, &[], Some(timezone))
    } else {
        event
    }
}

fn rewrite(
    source: Event,
    renames: &[(&str, &str)],
    data_prefixes: &[&str],
    nxlog_zone: Option<FixedOffset>,
) -> Event {
    let mut event = Event::with_capacity(source.len() + 4);
    event.timestamp = source.timestamp;
    for (from, to) in renames {
        if let Some(value) = source.get(from) {
            event.push(*to, numeric(to, value.clone()));
        }
    }
    if !event.contains("Computer") {
        if let Some(host) = source.get("host.name") {
            event.push("Computer", host.clone());
        }
    }
    for (name, value) in source.fields() {
        if let Some(field) = data_prefixes.iter().find_map(|p| name.strip_prefix(p)) {
            event.push(field, value.clone());
        }
    }
    for (name, value) in source.fields() {
        let renamed = renames.iter().any(|(from, _)| *from == name);
        let data = data_prefixes.iter().any(|p| name.starts_with(p));
        if !renamed && !data && !event.contains(name) {
            event.push(name, numeric(name, value.clone()));
        }
    }
    if let Some(zone) = nxlog_zone {
        let local = event
            .get_str("EventTime")
            .and_then(|t| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok())
            .and_then(|naive| zone.from_local_datetime(&naive).single());
        if let Some(t) = local {
            event.timestamp = Some(t.with_timezone(&Utc));
        }
    }
    if event.timestamp.is_none() {
        event.timestamp = event.get("@timestamp").and_then(timestamp::from_value);
    }
    event
}

fn numeric(name: &str, value: Value) -> Value {
    match value {
        Value::Str(text) if NUMERIC.contains(&name) => {
            text.trim().parse().map_or(Value::Str(text), Value::Int)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use crate::json_object::from_json_record;
    use serde_json::json;
    use vigil_event::{Event, Value};

    fn record(json: serde_json::Value) -> Event {
        match json {
            serde_json::Value::Object(map) => from_json_record(map),
            _ => panic!("object expected"),
        }
    }

    #[test]
    fn winlogbeat_and_nxlog_give_evtx_names() {
        let beat = record(json!({"@timestamp": "2024-05-01T03:00:00.000Z",
            "host": {"name": "dc01.so.local"}, "message": "An account was created",
            "winlog": {"channel": "Security", "event_id": "4720", "provider_name": "Microsoft-Windows-Security-Auditing",
                "record_id": 991, "computer_name": "DC01.so.local",
                "event_data": {"TargetUserName": "backup$", "SubjectUserName": "admin"}}}));
        let nx = record(
            json!({"EventTime": "2024-05-01 10:00:00", "Hostname": "DC01.so.local", "EventID": 4720,
            "SourceName": "Microsoft-Windows-Security-Auditing", "Channel": "Security", "RecordNumber": 991,
            "TargetUserName": "backup$", "SubjectUserName": "admin", "Message": "An account was created"}),
        );
        for e in [&beat, &nx] {
            assert_eq!(e.get_str("Channel"), Some("Security"));
            assert_eq!(e.get("EventID"), Some(&Value::Int(4720)));
            assert_eq!(e.get("EventRecordID"), Some(&Value::Int(991)));
            assert_eq!(e.get_str("Computer"), Some("DC01.so.local"));
            assert_eq!(
                e.get_str("Provider_Name"),
                Some("Microsoft-Windows-Security-Auditing")
            );
            assert_eq!(e.get_str("TargetUserName"), Some("backup$"));
            assert_eq!(e.timestamp.map(|t| t.timestamp()), Some(1_714_532_400));
        }
        assert_eq!(beat.get("winlog.event_data.TargetUserName"), None);
        assert_eq!(beat.get_str("host.name"), Some("dc01.so.local"));
        let other = record(json!({"EventID": 1, "msg": "x"}));
        assert_eq!(other.get("Computer"), None);
    }
}
