//! Real recorded events, flattened and renamed: a Sysmon process creation, a Security
//! 4688 with its Sigma aliases, a log-cleared event (UserData) and an event whose data
//! is unnamed.

mod common;

use vigil_event::{Event, Value};
use vigil_formats::{Collected, EvtxReader, LogsourceKey, LogsourceMap};

/// The first event from the attack recordings for which `wanted` holds.
fn find(wanted: impl Fn(&Event) -> bool) -> Option<Event> {
    let corpus = common::corpus()?;
    let reader = EvtxReader::new();
    let mut files = common::files_with_ext(&corpus.join("evtx/attack-samples"), "evtx");
    files.extend(common::files_with_ext(
        &corpus.join("evtx/hayabusa-samples"),
        "evtx",
    ));
    for file in files {
        let mut out = Collected::default();
        reader.read_path(&file, &mut out);
        if let Some(event) = out.events.into_iter().find(|e| wanted(e)) {
            return Some(event);
        }
    }
    panic!("no such event in the corpus");
}

fn is(e: &Event, channel: &str, event_id: i64) -> bool {
    e.get_str("Channel") == Some(channel) && e.get("EventID") == Some(&Value::Int(event_id))
}

fn text<'e>(e: &'e Event, field: &str) -> &'e str {
    e.get_str(field)
        .unwrap_or_else(|| panic!("no text field {field} in {e:?}"))
}

#[test]
fn sysmon_process_creation() {
    let Some(mut e) = find(|e| is(e, "Microsoft-Windows-Sysmon/Operational", 1)) else {
        return;
    };
    for field in [
        "Image",
        "CommandLine",
        "ParentImage",
        "User",
        "ProcessGuid",
        "UtcTime",
        "Provider_Name",
        "Computer",
    ] {
        assert!(!text(&e, field).is_empty(), "{field}");
    }
    assert!(matches!(e.get("ProcessId"), Some(Value::Int(_))));
    assert!(e.timestamp.is_some());
    let map = LogsourceMap::embedded();
    let class = map.class(map.apply_renames(&mut e));
    assert!(class.covers(&LogsourceKey::new(
        Some("windows"),
        Some("process_creation"),
        None
    )));
    assert!(e.contains("Security_UserID") || !e.contains("UserID"));
}

#[test]
fn security_4688_gets_sigma_names() {
    let Some(mut e) = find(|e| is(e, "Security", 4688)) else {
        return;
    };
    let new_process = text(&e, "NewProcessName").to_owned();
    let map = LogsourceMap::embedded();
    let class = map.class(map.apply_renames(&mut e));
    assert!(class.covers(&LogsourceKey::new(
        Some("windows"),
        Some("process_creation"),
        None
    )));
    assert!(class.covers(&LogsourceKey::new(Some("windows"), None, Some("security"))));
    assert_eq!(text(&e, "Image"), new_process);
    assert_eq!(text(&e, "NewProcessName"), new_process);
    assert!(e.contains("ParentProcessId") && e.contains("LogonId"));
}

#[test]
fn log_cleared_user_data() {
    let Some(e) = find(|e| is(e, "Security", 1102)) else {
        return;
    };
    assert!(!text(&e, "SubjectUserName").is_empty());
    assert!(e.contains("SubjectLogonId") && e.contains("SubjectDomainName"));
    assert!(!e.contains("LogFileCleared") && !e.contains("xmlns"));
}

#[test]
fn unnamed_data_becomes_a_list() {
    let Some(e) = find(|e| is(e, "Windows PowerShell", 400)) else {
        return;
    };
    let Some(Value::List(items)) = e.get("Data") else {
        panic!("Data is not a list: {e:?}")
    };
    assert!(
        items
            .iter()
            .any(|v| v.as_str().is_some_and(|s| s.contains("HostApplication="))),
        "{items:?}"
    );
    let map = LogsourceMap::embedded();
    let class = map.class(map.classify(&e));
    assert!(class.covers(&LogsourceKey::new(
        Some("windows"),
        Some("ps_classic_start"),
        None
    )));
}
