//! Reading a file with the reader its name calls for: `.evtx` with [`EvtxReader`],
//! `.json`, `.jsonl` and `.ndjson` as JSON ([`read_json_path`]), anything else as a text
//! log whose format is detected from its first lines ([`read_text_path`]).

use crate::issue::{ReadIssue, ReadStats, RecordMeta, RecordSink};
use crate::{read_json_path, read_text_path, EvtxReader};
use std::path::Path;
use vigil_event::Event;

/// Whether `path` names an EVTX file (by extension, any case).
pub fn is_evtx(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("evtx"))
}

/// Whether `path` names a JSON file (`.json`, `.jsonl`, `.ndjson`, any case).
pub fn is_json(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| {
            ["json", "jsonl", "ndjson"]
                .iter()
                .any(|j| ext.eq_ignore_ascii_case(j))
        })
}

/// Reads `path` into `sink`: EVTX files with a single-threaded [`EvtxReader`], JSON files
/// as JSON, others as text logs (whose detected format may be JSON Lines too).
pub fn read_path(path: &Path, sink: &mut dyn RecordSink) -> ReadStats {
    if is_evtx(path) {
        EvtxReader::new().read_path(path, sink)
    } else if is_json(path) {
        read_json_path(path, sink)
    } else {
        read_text_path(path, sink)
    }
}

/// Reads `path` (as [`read_path`] does), handing each event to `on_event`. Fails with the
/// first issue when there was any; the events read before and after it were still handed
/// over.
pub fn read_events(path: &Path, on_event: &mut dyn FnMut(Event)) -> Result<ReadStats, ReadIssue> {
    struct Sink<'a> {
        on_event: &'a mut dyn FnMut(Event),
        first_issue: Option<ReadIssue>,
    }
    impl RecordSink for Sink<'_> {
        fn record(&mut self, event: Event, _meta: RecordMeta) {
            (self.on_event)(event);
        }
        fn issue(&mut self, issue: ReadIssue) {
            self.first_issue.get_or_insert(issue);
        }
    }
    let mut sink = Sink {
        on_event,
        first_issue: None,
    };
    let stats = read_path(path, &mut sink);
    match sink.first_issue {
        Some(issue) => Err(issue),
        None => Ok(stats),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn dispatches_on_extension_and_reports_the_first_issue() {
        assert!(is_evtx(Path::new("a/Security.EVTX")));
        assert!(!is_evtx(Path::new("a/events.jsonl")));
        let mut file = tempfile::Builder::new()
            .suffix(".jsonl")
            .tempfile()
            .unwrap_or_else(|e| panic!("{e}"));
        let written = file.write_all(b"{\"a\": 1}\nnot json\n{\"a\": 2}\n");
        assert!(written.is_ok());
        let mut seen = 0;
        let result = read_events(file.path(), &mut |_| seen += 1);
        assert_eq!(seen, 2);
        assert!(result.is_err_and(|issue| issue.reason.contains("invalid JSON")));
        let missing = read_events(Path::new("/nonexistent/a.evtx"), &mut |_| {});
        assert!(missing.is_err());
        let mut log = tempfile::Builder::new()
            .suffix(".log")
            .tempfile()
            .unwrap_or_else(|e| panic!("{e}"));
        let written =
            log.write_all(b"Mar  1 10:00:00 web1 sshd[7]: Invalid user x from 10.0.0.1\n");
        assert!(written.is_ok());
        let mut programs = Vec::new();
        let result = read_events(log.path(), &mut |e| {
            programs.push(e.get_str("program").map(str::to_owned))
        });
        assert!(result.is_ok());
        assert_eq!(programs, [Some("sshd".to_owned())]);
    }
}
