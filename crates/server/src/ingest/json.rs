//! JSON documents as events, the way `vigil hunt` reads JSON files: objects in the EVTX
//! JSON layout are flattened as Windows events, others to dotted names with Winlogbeat /
//! NXLog Windows events renamed to EVTX names and Suricata EVE records given their aliases
//! ([`event_from_object`], the file reader's own function). Also the one-line wording of
//! JSON errors and the salvage of a document cut at the size limit ([`salvage`]).

use serde_json::{Map, Value as Json};

pub(crate) use vigil_formats::json_file::{event_from_object, kind_of};

/// Parses `text` as one JSON object.
pub(crate) fn parse_object(text: &str) -> Result<Map<String, Json>, String> {
    match serde_json::from_str::<Json>(text) {
        Ok(Json::Object(object)) => Ok(object),
        Ok(other) => Err(format!("expected a JSON object, found {}", kind_of(&other))),
        Err(err) => Err(describe(&err)),
    }
}

/// A JSON error as "expected value at column 3" (the line is the caller's to say).
pub(crate) fn describe(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let position = format!(" at line {} column {}", err.line(), err.column());
    let message = text.strip_suffix(&position).unwrap_or(&text);
    if err.line() > 1 {
        format!("{message} at line {} column {}", err.line(), err.column())
    } else {
        format!("{message} at column {}", err.column())
    }
}

/// Deepest nesting [`salvage`] follows (serde_json's own recursion limit).
const MAX_DEPTH: usize = 128;

/// Rebuilds what can be kept of a JSON object cut at an arbitrary byte: first by closing
/// the open string (minus a half-written escape) and the open brackets, so a long message
/// field keeps its start; failing that, by going back to the last comma and closing the
/// brackets open there, so the complete fields before it are kept. `None` when neither
/// gives an object.
pub(crate) fn salvage(cut: &str) -> Option<Map<String, Json>> {
    let scan = Scan::of(cut)?;
    let mut text = String::with_capacity(cut.len() + scan.open.len() + 1);
    text.push_str(&cut[..scan.keep]);
    if scan.in_string {
        text.push('"');
    }
    close(&mut text, &scan.open);
    if let Ok(Json::Object(object)) = serde_json::from_str(&text) {
        return Some(object);
    }
    let (comma, open) = scan.last_comma?;
    text.clear();
    text.push_str(&cut[..comma]);
    close(&mut text, &open);
    match serde_json::from_str(&text) {
        Ok(Json::Object(object)) => Some(object),
        _ => None,
    }
}

fn close(text: &mut String, open: &[u8]) {
    text.extend(open.iter().rev().map(|&closer| char::from(closer)));
}

/// Where a cut document stands at its end.
struct Scan {
    /// Closing brackets of the open arrays and objects, outermost first.
    open: Vec<u8>,
    in_string: bool,
    /// Bytes to keep: all, less an escape sequence cut in half.
    keep: usize,
    /// The last comma outside strings and the brackets open there.
    last_comma: Option<(usize, Vec<u8>)>,
}

impl Scan {
    fn of(text: &str) -> Option<Scan> {
        let bytes = text.as_bytes();
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
        if bytes[start] != b'{' {
            return None;
        }
        let mut scan = Scan {
            open: Vec::new(),
            in_string: false,
            keep: bytes.len(),
            last_comma: None,
        };
        let mut i = start;
        while i < bytes.len() {
            let b = bytes[i];
            if scan.in_string {
                match b {
                    b'\\' => {
                        let len = if bytes.get(i + 1) == Some(&b'u') {
                            6
                        } else {
                            2
                        };
                        if i + len > bytes.len() {
                            scan.keep = i;
                            break;
                        }
                        i += len;
                        continue;
                    }
                    b'"' => scan.in_string = false,
                    _ => {}
                }
            } else {
                match b {
                    b'"' => scan.in_string = true,
                    b'{' => scan.open.push(b'}'),
                    b'[' => scan.open.push(b']'),
                    b'}' | b']' => {
                        scan.open.pop()?;
                    }
                    b',' => scan.last_comma = Some((i, scan.open.clone())),
                    _ => {}
                }
                if scan.open.len() > MAX_DEPTH {
                    return None;
                }
            }
            i += 1;
        }
        Some(scan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_event::Value;

    fn salvaged(text: &str) -> Option<String> {
        salvage(text).map(|object| Json::Object(object).to_string())
    }

    #[test]
    fn cut_message_keeps_its_start_and_the_fields_before() {
        assert_eq!(
            salvaged(r#"{"host":"h1","message":"a very long mess"#).as_deref(),
            Some(r#"{"host":"h1","message":"a very long mess"}"#)
        );
        assert_eq!(
            salvaged(r#"{"a":{"b":[1,2,{"c":"x\"y"#).as_deref(),
            Some(r#"{"a":{"b":[1,2,{"c":"x\"y"}]}}"#)
        );
    }

    #[test]
    fn half_escapes_are_dropped() {
        assert_eq!(salvaged(r#"{"m":"ab\"#).as_deref(), Some(r#"{"m":"ab"}"#));
        assert_eq!(
            salvaged(r#"{"m":"ab\u00"#).as_deref(),
            Some(r#"{"m":"ab"}"#)
        );
    }

    #[test]
    fn a_cut_key_or_value_falls_back_to_the_last_comma() {
        assert_eq!(
            salvaged(r#"{"a":1,"b":{"c":2,"de"#).as_deref(),
            Some(r#"{"a":1,"b":{"c":2}}"#)
        );
        assert_eq!(salvaged(r#"{"a":1,"b":tr"#).as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(salvaged(r#"{"a":"#), None);
        assert_eq!(salvaged("[1,2,3"), None);
        assert_eq!(salvaged("not json"), None);
    }

    #[test]
    fn errors_name_the_column() {
        assert_eq!(
            parse_object("{\"a\": }").unwrap_err(),
            "expected value at column 7"
        );
        assert_eq!(
            parse_object("[1]").unwrap_err(),
            "expected a JSON object, found an array"
        );
    }

    #[test]
    fn shipper_documents_are_normalised_as_hunt_does() {
        let winlogbeat = parse_object(
            r#"{"@timestamp":"2024-05-01T03:00:00Z","winlog":{"channel":"Security","event_id":"4625","computer_name":"WS01","event_data":{"TargetUserName":"admin"}}}"#,
        )
        .unwrap();
        let event = event_from_object(winlogbeat);
        assert_eq!(event.get("EventID"), Some(&Value::Int(4625)));
        assert_eq!(event.get_str("Channel"), Some("Security"));
        assert_eq!(event.get_str("TargetUserName"), Some("admin"));
        let evtx = parse_object(
            r#"{"Event":{"System":{"EventID":4688,"Channel":"Security"},"EventData":{"NewProcessName":"C:\\x.exe"}}}"#,
        )
        .unwrap();
        let event = event_from_object(evtx);
        assert_eq!(event.get("EventID"), Some(&Value::Int(4688)));
        assert_eq!(event.get_str("NewProcessName"), Some("C:\\x.exe"));
    }

    proptest::proptest! {
        #[test]
        fn salvage_never_panics(text in "\\PC{0,80}") {
            let _ = salvage(&text);
            let _ = salvage(&format!("{{\"m\":\"{text}"));
        }

        #[test]
        fn every_cut_of_a_document_salvages_to_an_object_or_nothing(cut in 0usize..120) {
            let doc = r#"{"a":1,"b":"x\"y\u00e9z","c":[1,{"d":null}],"e":{"f":true,"g":"long text here"}}"#;
            let mut end = cut.min(doc.len());
            while !doc.is_char_boundary(end) {
                end -= 1;
            }
            if let Some(object) = salvage(&doc[..end]) {
                proptest::prop_assert!(object.len() <= 4);
            }
        }
    }
}
