//! SigmaHQ's regression samples come as an `.evtx` and a `.json` of the same records.
//! Read through the EVTX reader and the JSON reader, the two give the same events.

mod common;

use vigil_event::Value;
use vigil_formats::{read_json_path, Collected, EvtxReader};

/// Equal up to how the tool that wrote the JSON files spelled things: GUIDs upper case
/// without braces, text with trailing white space trimmed (and one sample's path in
/// another letter case).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(a), Value::Str(b)) => {
            let guid = |s: &str| {
                s.trim_matches(|c| c == '{' || c == '}')
                    .to_ascii_lowercase()
            };
            a.trim_end().eq_ignore_ascii_case(b.trim_end())
                || (b.starts_with('{') && guid(a) == guid(b))
        }
        (Value::List(a), Value::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_value(a, b))
        }
        _ => a == b,
    }
}

#[test]
fn json_twins_flatten_like_their_evtx() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let jsons = common::files_with_ext(&corpus.join("sigma-regression"), "json");
    assert!(jsons.len() > 150, "found only {} json samples", jsons.len());
    let reader = EvtxReader::new();
    let mismatches: Vec<String> = common::parallel(&jsons, |json_path| {
        let evtx_path = json_path.with_extension("evtx");
        if !evtx_path.exists() {
            return None;
        }
        let (mut from_json, mut from_evtx) = (Collected::default(), Collected::default());
        read_json_path(json_path, &mut from_json);
        reader.read_path(&evtx_path, &mut from_evtx);
        let name = json_path
            .strip_prefix(&corpus)
            .unwrap_or(json_path)
            .display()
            .to_string();
        if !from_json.issues.is_empty() || !from_evtx.issues.is_empty() {
            return Some(format!(
                "{name}: issues {:?} / {:?}",
                from_json.issues, from_evtx.issues
            ));
        }
        if from_json.events.len() != from_evtx.events.len() {
            return Some(format!(
                "{name}: {} json events, {} evtx events",
                from_json.events.len(),
                from_evtx.events.len()
            ));
        }
        for (i, (a, b)) in from_json.events.iter().zip(&from_evtx.events).enumerate() {
            let (Some(ta), Some(tb)) = (a.timestamp, b.timestamp) else {
                return Some(format!("{name} #{i}: no timestamp"));
            };
            // The JSON files were written with microseconds; EVTX has 100 ns ticks.
            if (ta - tb).num_microseconds().is_none_or(|us| us.abs() > 1) {
                return Some(format!("{name} #{i}: timestamps {ta} and {tb}"));
            }
            let names_a: Vec<&str> = a.fields().map(|(n, _)| n).collect();
            let names_b: Vec<&str> = b.fields().map(|(n, _)| n).collect();
            if names_a != names_b {
                return Some(format!("{name} #{i}: fields {names_a:?} and {names_b:?}"));
            }
            for ((field, va), (_, vb)) in a.fields().zip(b.fields()) {
                if field != "TimeCreated" && !same_value(va, vb) {
                    return Some(format!(
                        "{name} #{i}: {field} is {va:?} in json, {vb:?} in evtx"
                    ));
                }
            }
        }
        None
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} differ:\n{}",
        mismatches.len(),
        jsons.len(),
        mismatches.join("\n")
    );
}
