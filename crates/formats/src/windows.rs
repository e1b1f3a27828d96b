//! Flattens a Windows event in the JSON layout the `evtx` crate renders (`Event.System`,
//! `Event.EventData`, `Event.UserData`, with `#attributes` and `#text`) into the flat field
//! names Sigma rules use.
//!
//! - `System` becomes `Provider_Name`, `Provider_Guid`, `EventSourceName`, `EventID`
//!   (`EventID_Qualifiers` when present), `Version`, `Level`, `Task`, `Opcode`, `Keywords`,
//!   `TimeCreated`, `EventRecordID`, `ActivityID`, `RelatedActivityID`, `ProcessID`,
//!   `ThreadID`, `Channel`, `Computer` and `UserID`. Numeric ones are `Int` even when the
//!   source wrote them as text (forwarded events do). `TimeCreated` also sets the timestamp.
//! - Each named `EventData` entry becomes a field of that name; unnamed `Data` becomes
//!   `Data` (a list when there are several); `{"#text": x}` becomes `x`.
//! - `UserData` (and any other section, such as `ProcessingErrorData`) contributes its
//!   leaves by leaf name: `UserData.LogFileCleared.SubjectUserName` → `SubjectUserName`.
//! - When event data uses a `System` name (Sysmon 4 has its own `Version`), the data keeps
//!   the name and the `System` field is renamed `System_<name>`.

use crate::json_object::owned_value;
use crate::timestamp;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value as Json};
use vigil_event::{Event, Value};

/// The names `System` can produce, in the order they are emitted.
const SYSTEM_NAMES: [&str; 19] = [
    "Provider_Name",
    "Provider_Guid",
    "EventSourceName",
    "EventID",
    "EventID_Qualifiers",
    "Version",
    "Level",
    "Task",
    "Opcode",
    "Keywords",
    "TimeCreated",
    "EventRecordID",
    "ActivityID",
    "RelatedActivityID",
    "ProcessID",
    "ThreadID",
    "Channel",
    "Computer",
    "UserID",
];

/// Whether `json` is an `{"Event": {"System": {...}, ...}}` document.
pub fn is_evtx_layout(json: &Json) -> bool {
    matches!(
        json.get("Event").and_then(|e| e.get("System")),
        Some(Json::Object(_))
    )
}

/// Flattens an EVTX-layout document; gives it back unchanged when it has another shape.
pub fn from_evtx_json(json: Json) -> Result<Event, Json> {
    if !is_evtx_layout(&json) {
        return Err(json);
    }
    let mut system = SystemFields::default();
    let mut data = Vec::new();
    let mut message = None;
    if let Json::Object(root) = json {
        for (key, section) in root {
            if key != "Event" {
                continue;
            }
            let Json::Object(sections) = section else {
                continue;
            };
            for (name, body) in sections {
                match name.as_str() {
                    "System" => system.read(body),
                    "EventData" => read_event_data(body, &mut data),
                    "RenderingInfo" => message = rendered_message(body),
                    "#attributes" => {}
                    _ => read_leaves(body, &mut data),
                }
            }
        }
    }
    Ok(system.into_event(data, message))
}

#[derive(Default)]
pub(crate) struct SystemFields {
    /// Values by index into [`SYSTEM_NAMES`].
    values: [Option<Value>; SYSTEM_NAMES.len()],
    timestamp: Option<DateTime<Utc>>,
}

impl SystemFields {
    fn set(&mut self, name: &str, value: Option<Value>) {
        if let (Some(i), Some(value)) = (system_index(name), value) {
            self.values[i] = Some(value);
        }
    }

    fn read(&mut self, system: Json) {
        let Json::Object(system) = system else { return };
        for (key, value) in system {
            self.read_entry(&key, value);
        }
    }

    /// Reads one child of `System`.
    pub(crate) fn read_entry(&mut self, key: &str, value: Json) {
        match key {
            "Provider" => {
                for (attr, v) in attributes(value) {
                    match attr.as_str() {
                        "Name" => self.set("Provider_Name", text(v)),
                        "Guid" => self.set("Provider_Guid", text(v)),
                        "EventSourceName" => self.set("EventSourceName", text(v)),
                        _ => {}
                    }
                }
            }
            "EventID" => self.read_event_id(value),
            "Version" | "Level" | "Task" | "Opcode" | "EventRecordID" => {
                self.set(key, number(value))
            }
            "Keywords" | "Channel" | "Computer" => self.set(key, text(value)),
            "TimeCreated" => {
                for (attr, v) in attributes(value) {
                    if attr == "SystemTime" {
                        let value = text(v);
                        self.timestamp = value.as_ref().and_then(timestamp::from_value);
                        self.set("TimeCreated", value);
                    }
                }
            }
            "Correlation" | "Execution" | "Security" => {
                for (attr, v) in attributes(value) {
                    match attr.as_str() {
                        "ActivityID" | "RelatedActivityID" | "UserID" => self.set(&attr, text(v)),
                        "ProcessID" | "ThreadID" => self.set(&attr, number(v)),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// `EventID` is a number, or `{"#attributes": {"Qualifiers": q}, "#text": n}`.
    fn read_event_id(&mut self, value: Json) {
        match value {
            Json::Object(parts) => {
                for (part, v) in parts {
                    match part.as_str() {
                        "#text" => self.set("EventID", number(v)),
                        "#attributes" => {
                            if let Some(q) = v.get("Qualifiers") {
                                self.set("EventID_Qualifiers", number(q.clone()));
                            }
                        }
                        _ => {}
                    }
                }
            }
            other => self.set("EventID", number(other)),
        }
    }

    pub(crate) fn into_event(self, data: Vec<(String, Value)>, message: Option<String>) -> Event {
        let mut clashes = [false; SYSTEM_NAMES.len()];
        for (name, _) in &data {
            if let Some(i) = system_index(name) {
                clashes[i] = true;
            }
        }
        let message = message.filter(|_| !data.iter().any(|(name, _)| name == "Message"));
        let mut event = Event::with_capacity(SYSTEM_NAMES.len() + data.len() + 1);
        event.timestamp = self.timestamp;
        for (i, value) in self.values.into_iter().enumerate() {
            let Some(value) = value else { continue };
            if clashes[i] {
                event.push(format!("System_{}", SYSTEM_NAMES[i]), value);
            } else {
                event.push(SYSTEM_NAMES[i], value);
            }
        }
        for (name, value) in data {
            event.push(name, value);
        }
        if let Some(message) = message {
            event.push("Message", message);
        }
        event
    }
}

fn system_index(name: &str) -> Option<usize> {
    SYSTEM_NAMES.iter().position(|n| *n == name)
}

/// The `#attributes` object of an element, as owned pairs (none when absent).
fn attributes(element: Json) -> Map<String, Json> {
    match element {
        Json::Object(mut parts) => match parts.remove("#attributes") {
            Some(Json::Object(attrs)) => attrs,
            _ => Map::new(),
        },
        _ => Map::new(),
    }
}

/// A `System` number: JSON numbers and numeric text become `Int`; other text stays text.
fn number(value: Json) -> Option<Value> {
    match value {
        Json::Null => None,
        Json::String(s) => Some(match s.trim().parse::<i64>() {
            Ok(n) => Value::Int(n),
            Err(_) => Value::Str(s),
        }),
        other => Some(owned_value(other)),
    }
}

/// A `System` text value; numbers keep their type, nulls are dropped.
fn text(value: Json) -> Option<Value> {
    match value {
        Json::Null => None,
        other => Some(owned_value(other)),
    }
}

/// An element's value: its `#text` when it has one, `Null` when it has only attributes,
/// else the value itself.
fn element_value(value: Json) -> Value {
    match value {
        Json::Object(mut parts) => match parts.remove("#text") {
            Some(text) => owned_value(text),
            None if parts.keys().all(|k| k == "#attributes") => Value::Null,
            None => owned_value(Json::Object(parts)),
        },
        other => owned_value(other),
    }
}

pub(crate) fn read_event_data(body: Json, data: &mut Vec<(String, Value)>) {
    match body {
        Json::Null => {}
        Json::Object(entries) => {
            data.reserve(entries.len());
            for (name, value) in entries {
                read_event_data_entry(name, value, data);
            }
        }
        other => data.push(("Data".to_owned(), element_value(other))),
    }
}

/// One named entry of `EventData` (the template's `#attributes` are skipped).
pub(crate) fn read_event_data_entry(name: String, value: Json, data: &mut Vec<(String, Value)>) {
    if name != "#attributes" {
        data.push((name, element_value(value)));
    }
}

/// Adds the leaves under `body` by leaf name, skipping attributes and namespaces.
pub(crate) fn read_leaves(body: Json, data: &mut Vec<(String, Value)>) {
    let Json::Object(children) = body else { return };
    for (name, value) in children {
        if name == "#attributes" || name.starts_with("xmlns") {
            continue;
        }
        match value {
            Json::Object(ref parts)
                if !parts.contains_key("#text") && parts.keys().any(|k| k != "#attributes") =>
            {
                read_leaves(value, data)
            }
            leaf => data.push((name, element_value(leaf))),
        }
    }
}

pub(crate) fn rendered_message(body: Json) -> Option<String> {
    match body {
        Json::Object(mut parts) => match parts.remove("Message") {
            Some(Json::String(message)) => Some(message),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn system(channel: &str, event_id: Json) -> Json {
        json!({
            "Provider": {"#attributes": {"Name": "Test-Provider", "Guid": "{0000}"}},
            "EventID": event_id, "Version": 2, "Level": 4, "Task": 1, "Opcode": 0,
            "Keywords": "0x8000000000000000",
            "TimeCreated": {"#attributes": {"SystemTime": "2024-03-01T08:15:30.1234567Z"}},
            "EventRecordID": 77, "Correlation": null,
            "Execution": {"#attributes": {"ProcessID": 4, "ThreadID": 96}},
            "Channel": channel, "Computer": "ws1.example.test",
            "Security": {"#attributes": {"UserID": "S-1-5-18"}}
        })
    }

    fn flatten(json: Json) -> Event {
        match from_evtx_json(json) {
            Ok(event) => event,
            Err(json) => panic!("not evtx layout: {json}"),
        }
    }

    #[test]
    fn sysmon_process_creation() {
        let e = flatten(json!({"Event": {
            "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
            "System": system("Microsoft-Windows-Sysmon/Operational", json!(1)),
            "EventData": {
                "RuleName": "-", "UtcTime": "2024-03-01 08:15:30.120", "ProcessId": 5120,
                "Image": "C:\\Windows\\System32\\whoami.exe", "CommandLine": "whoami /priv",
                "ParentImage": "C:\\Windows\\System32\\cmd.exe", "TerminalSessionId": 1
            }
        }}));
        assert_eq!(e.get("EventID"), Some(&Value::Int(1)));
        assert_eq!(
            e.get_str("Channel"),
            Some("Microsoft-Windows-Sysmon/Operational")
        );
        assert_eq!(e.get_str("Provider_Name"), Some("Test-Provider"));
        assert_eq!(e.get_str("Provider_Guid"), Some("{0000}"));
        assert_eq!(e.get("ProcessID"), Some(&Value::Int(4)));
        assert_eq!(e.get("ThreadID"), Some(&Value::Int(96)));
        assert_eq!(e.get_str("UserID"), Some("S-1-5-18"));
        assert_eq!(
            e.get_str("TimeCreated"),
            Some("2024-03-01T08:15:30.1234567Z")
        );
        assert_eq!(e.get("EventRecordID"), Some(&Value::Int(77)));
        assert_eq!(e.get("ProcessId"), Some(&Value::Int(5120)));
        assert_eq!(e.get_str("CommandLine"), Some("whoami /priv"));
        assert!(!e.contains("Correlation") && !e.contains("ActivityID"));
        assert_eq!(
            e.timestamp.map(|t| t.timestamp_subsec_nanos()),
            Some(123_456_700)
        );
        // System first, then event data in source order.
        let names: Vec<&str> = e.fields().map(|(n, _)| n).collect();
        assert_eq!(names[0], "Provider_Name");
        assert_eq!(
            &names[names.len() - 7..],
            [
                "RuleName",
                "UtcTime",
                "ProcessId",
                "Image",
                "CommandLine",
                "ParentImage",
                "TerminalSessionId"
            ]
        );
    }

    #[test]
    fn security_4688_keeps_its_own_names() {
        let e = flatten(json!({"Event": {
            "System": system("Security", json!(4688)),
            "EventData": {"SubjectUserName": "WS1$", "NewProcessId": "0x1a2c",
                          "NewProcessName": "C:\\Windows\\System32\\net.exe", "ProcessId": "0x3e8",
                          "CommandLine": "net user", "ParentProcessName": "C:\\Windows\\explorer.exe"}
        }}));
        assert_eq!(e.get("EventID"), Some(&Value::Int(4688)));
        assert_eq!(
            e.get_str("NewProcessName"),
            Some("C:\\Windows\\System32\\net.exe")
        );
        assert_eq!(e.get_str("ProcessId"), Some("0x3e8"));
        assert!(!e.contains("Image"), "renames are the logsource map's job");
    }

    #[test]
    fn user_data_leaves_by_name() {
        let e = flatten(json!({"Event": {
            "System": system("Security", json!(1102)),
            "UserData": {"LogFileCleared": {
                "#attributes": {"xmlns": "http://manifests.microsoft.com/win/2004/08/windows/eventlog"},
                "SubjectUserSid": "S-1-5-21-1-2-3-500", "SubjectUserName": "admin",
                "SubjectDomainName": "CORP", "SubjectLogonId": "0x5f3a1",
                "Nested": {"Inner": {"#attributes": {"x": 1}, "#text": "deep"}, "Empty": {"#attributes": {"y": 2}}}
            }}
        }}));
        assert_eq!(e.get_str("SubjectUserName"), Some("admin"));
        assert_eq!(e.get_str("SubjectLogonId"), Some("0x5f3a1"));
        assert_eq!(e.get_str("Inner"), Some("deep"));
        assert_eq!(e.get("Empty"), Some(&Value::Null));
        assert!(!e.contains("xmlns") && !e.contains("LogFileCleared"));
    }

    #[test]
    fn unnamed_data_binary_and_qualifiers() {
        let e = flatten(json!({"Event": {
            "System": system("System", json!({"#attributes": {"Qualifiers": 16384}, "#text": 7036})),
            "EventData": {"Data": {"#text": ["Windows Update", "running"]}, "Binary": "7700750061007500"}
        }}));
        assert_eq!(e.get("EventID"), Some(&Value::Int(7036)));
        assert_eq!(e.get("EventID_Qualifiers"), Some(&Value::Int(16384)));
        assert_eq!(
            e.get("Data"),
            Some(&Value::List(vec![
                "Windows Update".into(),
                "running".into()
            ]))
        );
        assert_eq!(e.get_str("Binary"), Some("7700750061007500"));

        let single = flatten(json!({"Event": {
            "System": system("Windows PowerShell", json!(400)),
            "EventData": {"Data": {"#text": "Available"}}
        }}));
        assert_eq!(single.get_str("Data"), Some("Available"));
    }

    #[test]
    fn forwarded_text_numbers_become_ints() {
        let e = flatten(json!({"Event": {"System": {
            "Provider": {"#attributes": {"Name": "MSExchange CmdletLogs"}},
            "EventID": {"#attributes": {"Qualifiers": "16384"}, "#text": "1"},
            "Level": "4", "Task": "1", "EventRecordID": "3229", "Keywords": "0x80000000000000",
            "Channel": "MSExchange Management", "Security": null
        }, "RenderingInfo": {"Message": "Set-Mailbox ran"}}}));
        assert_eq!(e.get("EventID"), Some(&Value::Int(1)));
        assert_eq!(e.get("EventID_Qualifiers"), Some(&Value::Int(16384)));
        assert_eq!(e.get("Level"), Some(&Value::Int(4)));
        assert_eq!(e.get("EventRecordID"), Some(&Value::Int(3229)));
        assert_eq!(e.get_str("Message"), Some("Set-Mailbox ran"));
        assert!(!e.contains("UserID"));
    }

    #[test]
    fn event_data_wins_a_name_clash_with_system() {
        let e = flatten(json!({"Event": {
            "System": system("Microsoft-Windows-Sysmon/Operational", json!(4)),
            "EventData": {"State": "Started", "Version": "15.14", "SchemaVersion": "4.90"}
        }}));
        assert_eq!(e.get_str("Version"), Some("15.14"));
        assert_eq!(e.get("System_Version"), Some(&Value::Int(2)));
    }

    #[test]
    fn other_shapes_are_given_back() {
        let flat = json!({"Channel": "Security", "EventID": 4625});
        assert_eq!(from_evtx_json(flat.clone()), Err(flat));
        assert!(from_evtx_json(json!({"Event": {"System": "x"}})).is_err());
        assert!(from_evtx_json(json!([1, 2])).is_err());
    }

    #[test]
    fn nulls_and_types_in_event_data_are_kept() {
        let e = flatten(json!({"Event": {
            "System": system("Application", json!(1000)),
            "EventData": {"#attributes": {"Name": "TEMPLATE"}, "A": null, "B": true, "C": 1.5, "D": ["x", 2]}
        }}));
        assert_eq!(e.get("A"), Some(&Value::Null));
        assert_eq!(e.get("B"), Some(&Value::Bool(true)));
        assert_eq!(e.get("C"), Some(&Value::Float(1.5)));
        assert_eq!(
            e.get("D"),
            Some(&Value::List(vec!["x".into(), Value::Int(2)]))
        );
        assert!(!e.contains("#attributes") && !e.contains("Name"));
    }
}
