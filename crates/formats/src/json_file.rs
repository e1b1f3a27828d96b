//! Reads JSON log files: JSON Lines, one object or an array of objects, or documents
//! written one after another (pretty-printed or not). Objects in the EVTX layout are
//! flattened as Windows events ([`crate::windows`]); others to dotted names
//! ([`crate::json_object`]).
//!
//! The reader works line by line and never loads more than one value at a time. A value
//! ends on the line where its brackets balance. A line that starts with `{` or `[` in its
//! first column while a value is still open starts a new value, and the open one is
//! reported as cut short; nested lines of pretty-printed JSON are indented, so this is how
//! a truncated JSON Lines record is told from a document that goes on. Each bad value is
//! one [`ReadIssue`] with its first line and byte offset; its neighbours are still read.

use crate::issue::{Counting, Location, ReadIssue, ReadStats, RecordMeta, RecordSink};
use crate::{json_object, windows};
use serde_json::{Map, Value as Json};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use vigil_event::Event;

/// Largest value the reader assembles (a whole-file array counts as one value).
const MAX_VALUE_BYTES: usize = 256 << 20;

/// The event of one JSON object, as every JSON input makes it (files here, the server's
/// ingest endpoints): an object in the EVTX layout flattened as a Windows event
/// ([`windows::from_evtx_json`]), any other to dotted names with the shippers' Windows and
/// Suricata records recognised ([`json_object::from_json_record`]).
pub fn event_from_object(object: Map<String, Json>) -> Event {
    match windows::from_evtx_json(Json::Object(object)) {
        Ok(event) => event,
        Err(Json::Object(object)) => json_object::from_json_record(object),
        // `from_evtx_json` hands back what it was given: an object.
        Err(_) => Event::default(),
    }
}

/// What kind of JSON value this is, for messages such as "expected a JSON object, found
/// a number".
pub fn kind_of(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// Reads the JSON file at `path`.
pub fn read_json_path(path: &Path, sink: &mut dyn RecordSink) -> ReadStats {
    match File::open(path) {
        Ok(file) => read_json(path, BufReader::with_capacity(1 << 18, file), sink),
        Err(err) => {
            let mut out = Counting::new(sink);
            let reason = format!("cannot open: {err}");
            out.issue(ReadIssue {
                file: path.to_owned(),
                location: Location::File,
                reason,
            });
            out.stats
        }
    }
}

/// Reads JSON from `input`; `name` is what issues call it.
pub fn read_json(name: &Path, mut input: impl BufRead, sink: &mut dyn RecordSink) -> ReadStats {
    let mut reader = ValueReader {
        name,
        out: Counting::new(sink),
        pending: Pending::default(),
    };
    let mut line = Vec::new();
    let (mut line_no, mut offset) = (0u64, 0u64);
    loop {
        line.clear();
        let read = match input.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(read) => read,
            Err(err) => {
                let location = Location::Line {
                    line: line_no + 1,
                    offset,
                };
                reader.issue(
                    location,
                    format!("read error, rest of input skipped: {err}"),
                );
                break;
            }
        };
        line_no += 1;
        let mut text = line.as_slice();
        if line_no == 1 {
            text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        }
        reader.line(
            text,
            Location::Line {
                line: line_no,
                offset,
            },
        );
        offset += read as u64;
    }
    reader.finish();
    reader.out.stats
}

/// The value being assembled from lines.
#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    /// Where the value starts; `None` when nothing is pending.
    start: Option<Location>,
    depth: i64,
    in_string: bool,
    escaped: bool,
    /// Too large: skip lines until the next value starts.
    skipping: bool,
}

impl Pending {
    /// Tracks bracket depth outside strings.
    fn scan(&mut self, text: &[u8]) {
        for &b in text {
            if self.in_string {
                match b {
                    _ if self.escaped => self.escaped = false,
                    b'\\' => self.escaped = true,
                    b'"' => self.in_string = false,
                    _ => {}
                }
            } else {
                match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => self.depth -= 1,
                    _ => {}
                }
            }
        }
    }

    fn complete(&self) -> bool {
        self.depth <= 0 && !self.in_string
    }
}

struct ValueReader<'a> {
    name: &'a Path,
    out: Counting<'a>,
    pending: Pending,
}

impl ValueReader<'_> {
    fn line(&mut self, text: &[u8], location: Location) {
        let starts_value = matches!(text.first(), Some(b'{' | b'['));
        if self.pending.start.is_some() && starts_value {
            self.cut_short(location);
        }
        if self.pending.skipping && !starts_value {
            return;
        }
        if self.pending.start.is_none() {
            if text.iter().all(u8::is_ascii_whitespace) {
                return;
            }
            self.pending = Pending {
                start: Some(location),
                ..Pending::default()
            };
        }
        if self.pending.bytes.len() + text.len() > MAX_VALUE_BYTES {
            let start = self.pending.start.unwrap_or(location);
            self.pending = Pending {
                skipping: true,
                ..Pending::default()
            };
            self.issue(
                start,
                format!("value larger than {} MiB, skipped", MAX_VALUE_BYTES >> 20),
            );
            return;
        }
        self.pending.bytes.extend_from_slice(text);
        self.pending.scan(text);
        if self.pending.complete() {
            self.emit();
        }
    }

    /// The open value never closed before `next` began.
    fn cut_short(&mut self, next: Location) {
        if let Some(start) = self.pending.start.take() {
            let next_line = match next {
                Location::Line { line, .. } => line,
                _ => 0,
            };
            self.issue(
                start,
                format!("incomplete JSON value (a new one starts on line {next_line})"),
            );
        }
        self.pending = Pending::default();
    }

    fn finish(&mut self) {
        if let Some(start) = self.pending.start.take() {
            self.issue(start, "incomplete JSON value at end of input".to_owned());
        }
    }

    fn emit(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let Some(start) = pending.start else { return };
        let first_line = match start {
            Location::Line { line, .. } => line,
            _ => 0,
        };
        for value in serde_json::Deserializer::from_slice(&pending.bytes).into_iter::<Json>() {
            match value {
                Ok(Json::Array(items)) => {
                    for item in items {
                        self.value(item, start);
                    }
                }
                Ok(value) => self.value(value, start),
                Err(err) => {
                    let text = err.to_string();
                    let position = format!(" at line {} column {}", err.line(), err.column());
                    let message = text.strip_suffix(&position).unwrap_or(&text);
                    let line = first_line + err.line() as u64 - 1;
                    self.issue(
                        start,
                        format!(
                            "invalid JSON: {message} (line {line}, column {})",
                            err.column()
                        ),
                    );
                    break;
                }
            }
        }
    }

    fn value(&mut self, value: Json, start: Location) {
        let meta = RecordMeta {
            location: start,
            recovered: false,
        };
        match value {
            Json::Object(object) => self.out.record(event_from_object(object), meta),
            other => {
                let kind = kind_of(&other);
                self.issue(start, format!("expected a JSON object, found {kind}"));
            }
        }
    }

    fn issue(&mut self, location: Location, reason: String) {
        self.out.issue(ReadIssue {
            file: self.name.to_owned(),
            location,
            reason,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Collected;
    use vigil_event::Value;

    fn read(text: &str) -> (Collected, ReadStats) {
        let mut out = Collected::default();
        let stats = read_json(Path::new("t.json"), text.as_bytes(), &mut out);
        (out, stats)
    }

    fn line_of(issue: &ReadIssue) -> u64 {
        match issue.location {
            Location::Line { line, .. } => line,
            other => panic!("not a line: {other:?}"),
        }
    }

    #[test]
    fn json_lines_with_a_bad_line_in_the_middle() {
        let text = "{\"n\": 1}\n{\"n\": 2}\n{\"n\": 3, oops}\n{\"n\": 4}\r\n\n{\"n\": 5}\n";
        let (out, stats) = read(text);
        assert_eq!(
            stats,
            ReadStats {
                records: 4,
                issues: 1
            }
        );
        let ns: Vec<_> = out.events.iter().map(|e| e.get("n").cloned()).collect();
        assert_eq!(ns, [1, 2, 4, 5].map(|n| Some(Value::Int(n))));
        let issue = &out.issues[0];
        assert_eq!(
            issue.location,
            Location::Line {
                line: 3,
                offset: 18
            }
        );
        assert!(issue.reason.contains("line 3, column"), "{}", issue.reason);
        assert_eq!(
            issue.to_string().split(": ").take(2).collect::<Vec<_>>(),
            ["t.json", "line 3 (byte 18)"]
        );
    }

    #[test]
    fn truncated_line_does_not_swallow_the_next() {
        let (out, _) = read("{\"a\": 1\n{\"a\": 2}\n[1,\n");
        assert_eq!(out.events.len(), 1);
        assert_eq!(out.events[0].get("a"), Some(&Value::Int(2)));
        assert_eq!(out.issues.iter().map(line_of).collect::<Vec<_>>(), [1, 3]);
        assert!(out.issues[0].reason.contains("new one starts on line 2"));
        assert!(out.issues[1].reason.contains("end of input"));
    }

    #[test]
    fn garbage_and_non_objects_are_issues() {
        let (out, stats) = read("hello world\n42\n\"str\"\n{\"ok\": true}\n}\n");
        assert_eq!(stats.records, 1);
        assert_eq!(
            out.issues.iter().map(line_of).collect::<Vec<_>>(),
            [1, 2, 3, 5]
        );
        assert!(out.issues[1].reason.contains("found a number"));
    }

    #[test]
    fn pretty_documents_one_after_another() {
        let text = "{\n  \"a\": {\n    \"b\": \"}{\"\n  }\n}\n{\n  \"a\": {\"b\": \"x\\\"]\"}\n}\n";
        let (out, stats) = read(text);
        assert_eq!(
            stats,
            ReadStats {
                records: 2,
                issues: 0
            }
        );
        assert_eq!(out.events[0].get_str("a.b"), Some("}{"));
        assert_eq!(out.events[1].get_str("a.b"), Some("x\"]"));
    }

    #[test]
    fn arrays_of_objects_and_a_bom() {
        let text = "\u{feff}[\n  {\"i\": 1},\n  {\"i\": 2},\n  7\n]\n";
        let (out, stats) = read(text);
        assert_eq!(
            stats,
            ReadStats {
                records: 2,
                issues: 1
            }
        );
        assert!(out.issues[0].reason.contains("found a number"));
    }

    #[test]
    fn evtx_layout_objects_are_flattened_as_windows_events() {
        let text = r#"{"Event": {"System": {"EventID": 4624, "Channel": "Security"}, "EventData": {"LogonType": 3}}}"#;
        let (out, _) = read(text);
        assert_eq!(out.events[0].get("EventID"), Some(&Value::Int(4624)));
        assert_eq!(out.events[0].get("LogonType"), Some(&Value::Int(3)));
    }

    #[test]
    fn invalid_utf8_is_an_issue() {
        let mut out = Collected::default();
        let input: &[u8] = b"{\"a\": \"\xff\"}\n{\"a\": \"ok\"}\n";
        let stats = read_json(Path::new("b.json"), input, &mut out);
        assert_eq!(
            stats,
            ReadStats {
                records: 1,
                issues: 1
            }
        );
    }

    #[test]
    fn missing_file() {
        let mut out = Collected::default();
        let stats = read_json_path(Path::new("/nonexistent/x.jsonl"), &mut out);
        assert_eq!(stats.issues, 1);
        assert_eq!(out.issues[0].location, Location::File);
    }
}
