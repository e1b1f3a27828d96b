//! Plain-text log files: which line format a file holds ([`detect_format`]) and reading it
//! line by line with that format's parser ([`read_text_path`]). Each line that does not
//! parse is one [`ReadIssue`] with its line number; the lines around it are still read.

use crate::issue::{Counting, Location, ReadIssue, ReadStats, RecordMeta, RecordSink};
use crate::web::IisParser;
use crate::{auth, read_json_path, syslog, sysmon_linux, web};
use chrono::{DateTime, FixedOffset, Utc};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use vigil_event::Event;

/// How to read times that carry no zone or no year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// The zone of timestamps written without an offset (BSD syslog, error logs).
    pub timezone: FixedOffset,
    /// "Now" for year inference: a BSD timestamp takes the latest year that does not put
    /// it more than a day after this (for a file, its modification time).
    pub reference: DateTime<Utc>,
}

/// Seconds east of UTC of the deployments' local zone, Asia/Ho_Chi_Minh (+07:00, no DST).
pub const DEFAULT_UTC_OFFSET_SECS: i32 = 7 * 3600;

impl Default for ParseOptions {
    /// +07:00, reference now.
    fn default() -> Self {
        ParseOptions {
            timezone: FixedOffset::east_opt(DEFAULT_UTC_OFFSET_SECS)
                .expect("+07:00 is a valid offset"),
            reference: Utc::now(),
        }
    }
}

/// The line formats Vigil reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineFormat {
    /// RFC 5424 or BSD syslog (auth.log, messages, secure), auth programs and Sysmon for
    /// Linux events decoded.
    Syslog,
    /// Apache / nginx / Tomcat access log, common or combined.
    WebAccess,
    /// Apache or nginx error log.
    WebError,
    /// IIS W3C extended log.
    Iis,
    /// JSON Lines (handed to the JSON reader).
    Json,
    /// None of these.
    Unknown,
}

/// Lines [`detect_format`] looks at when reading a file.
pub const DETECT_LINES: usize = 32;

/// Guesses the format of a file from its first lines: IIS by its `#Software`/`#Fields`
/// directives, JSON by a leading `{`, otherwise the parser that reads the most of them
/// (at least half of the non-blank lines).
pub fn detect_format(lines: &[&str]) -> LineFormat {
    let lines: Vec<&str> = lines
        .iter()
        .map(|l| l.trim_end_matches(['\r', '\n']))
        .filter(|l| !l.trim().is_empty())
        .collect();
    let Some(first) = lines.first() else {
        return LineFormat::Unknown;
    };
    let first = first.trim_start_matches('\u{feff}');
    if first.starts_with("#Software: Microsoft Internet Information Services")
        || lines.iter().any(|l| l.starts_with("#Fields: "))
    {
        return LineFormat::Iis;
    }
    if first.starts_with('{') {
        return LineFormat::Json;
    }
    let options = ParseOptions::default();
    let candidates = [
        LineFormat::WebAccess,
        LineFormat::WebError,
        LineFormat::Syslog,
    ];
    let score = |format: LineFormat| {
        let mut parser = LineParser::new(format, options);
        lines
            .iter()
            .filter(|l| matches!(parser.parse(l), Ok(Some(_))))
            .count()
    };
    candidates
        .into_iter()
        .map(|format| (score(format), format))
        .filter(|&(n, _)| n > 0 && n * 2 >= lines.len())
        .max_by_key(|&(n, format)| (n, std::cmp::Reverse(format as u8)))
        .map_or(LineFormat::Unknown, |(_, format)| format)
}

/// Parses lines of one format, keeping what the format needs between lines (IIS columns).
#[derive(Debug, Clone)]
pub struct LineParser {
    format: LineFormat,
    options: ParseOptions,
    iis: IisParser,
}

impl LineParser {
    pub fn new(format: LineFormat, options: ParseOptions) -> Self {
        LineParser {
            format,
            options,
            iis: IisParser::default(),
        }
    }

    pub fn format(&self) -> LineFormat {
        self.format
    }

    /// One line: `Ok(None)` for lines that hold no record (blank lines, IIS directives),
    /// `Err` with the reason for lines that do not parse.
    pub fn parse(&mut self, line: &str) -> Result<Option<Event>, String> {
        if line.trim().is_empty() {
            return Ok(None);
        }
        match self.format {
            LineFormat::Syslog => syslog::parse(line, &self.options)
                .map(|mut event| {
                    auth::decode(&mut event);
                    // Sysmon XML that does not read leaves a plain syslog message.
                    let _ = sysmon_linux::decode(&mut event);
                    Some(event)
                })
                .map_err(|e| e.to_string()),
            LineFormat::WebAccess => web::parse_access(line).map(Some).map_err(|e| e.to_string()),
            LineFormat::WebError => web::parse_error(line, &self.options)
                .map(Some)
                .map_err(|e| e.to_string()),
            LineFormat::Iis => self.iis.parse_line(line).map_err(|e| e.to_string()),
            LineFormat::Json => Err("JSON is read by the JSON reader".into()),
            LineFormat::Unknown => Err("unknown line format".into()),
        }
    }
}

/// Reads the text log at `path`: detects its format from its first lines and parses it
/// line by line. BSD syslog years are inferred from the file's modification time.
pub fn read_text_path(path: &Path, sink: &mut dyn RecordSink) -> ReadStats {
    let mut options = ParseOptions::default();
    if let Ok(modified) = std::fs::metadata(path).and_then(|m| m.modified()) {
        options.reference = modified.into();
    }
    read_text_path_with(path, options, sink)
}

/// [`read_text_path`] with explicit options.
pub fn read_text_path_with(
    path: &Path,
    options: ParseOptions,
    sink: &mut dyn RecordSink,
) -> ReadStats {
    let file_issue = |sink: &mut dyn RecordSink, reason: String| {
        let mut out = Counting::new(sink);
        out.issue(ReadIssue {
            file: path.to_owned(),
            location: Location::File,
            reason,
        });
        out.stats
    };
    let format = match sniff_path(path) {
        Ok(format) => format,
        Err(err) => return file_issue(sink, format!("cannot read: {err}")),
    };
    match format {
        LineFormat::Json => read_json_path(path, sink),
        LineFormat::Unknown => file_issue(sink, "not a log format Vigil reads".into()),
        format => match File::open(path) {
            Ok(file) => read_text(
                path,
                BufReader::with_capacity(1 << 18, file),
                LineParser::new(format, options),
                sink,
            ),
            Err(err) => file_issue(sink, format!("cannot open: {err}")),
        },
    }
}

/// The format of the file at `path`, from its first [`DETECT_LINES`] lines.
pub fn sniff_path(path: &Path) -> std::io::Result<LineFormat> {
    let mut input = BufReader::new(File::open(path)?);
    let mut lines = Vec::new();
    let mut line = Vec::new();
    let mut total = 0;
    while lines.len() < DETECT_LINES && total < 256 * 1024 {
        line.clear();
        let read = input.read_until(b'\n', &mut line)?;
        if read == 0 {
            break;
        }
        total += read;
        lines.push(String::from_utf8_lossy(&line).into_owned());
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    Ok(detect_format(&refs))
}

/// Reads lines from `input` with `parser`; `name` is what issues call the input.
pub fn read_text(
    name: &Path,
    mut input: impl BufRead,
    mut parser: LineParser,
    sink: &mut dyn RecordSink,
) -> ReadStats {
    let mut out = Counting::new(sink);
    let mut line = Vec::new();
    let (mut line_no, mut offset) = (0u64, 0u64);
    loop {
        line.clear();
        let location = Location::Line {
            line: line_no + 1,
            offset,
        };
        let read = match input.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(read) => read,
            Err(err) => {
                out.issue(ReadIssue {
                    file: name.to_owned(),
                    location,
                    reason: format!("read error, rest of input skipped: {err}"),
                });
                break;
            }
        };
        line_no += 1;
        offset += read as u64;
        let mut bytes = line.as_slice();
        if line_no == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let text = String::from_utf8_lossy(bytes);
        match parser.parse(&text) {
            Ok(Some(event)) => out.record(
                event,
                RecordMeta {
                    location,
                    recovered: false,
                },
            ),
            Ok(None) => {}
            Err(reason) => out.issue(ReadIssue {
                file: name.to_owned(),
                location,
                reason,
            }),
        }
    }
    out.stats
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Collected;

    #[test]
    fn detects_each_format() {
        let syslog = [
            "Mar 27 13:06:56 ip-10-77-20-248 sshd[1291]: Server listening on 0.0.0.0 port 22.",
            "<34>1 2024-05-01T10:00:00Z h app - - - x",
        ];
        assert_eq!(detect_format(&syslog), LineFormat::Syslog);
        let access = [
            r#"1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "curl""#,
            "garbage",
        ];
        assert_eq!(detect_format(&access), LineFormat::WebAccess);
        let error = ["[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties"];
        assert_eq!(detect_format(&error), LineFormat::WebError);
        assert_eq!(
            detect_format(&["#Software: Microsoft Internet Information Services 10.0\r\n"]),
            LineFormat::Iis
        );
        assert_eq!(
            detect_format(&["{\"event_type\": \"alert\"}"]),
            LineFormat::Json
        );
        assert_eq!(
            detect_format(&["Apache License", "Version 2.0, January 2004"]),
            LineFormat::Unknown
        );
        assert_eq!(detect_format(&[]), LineFormat::Unknown);
    }

    #[test]
    fn bad_lines_are_issues_with_line_numbers() {
        let text = "Mar  1 10:00:00 h sshd[1]: Invalid user x from 10.0.0.1\nnot syslog at all\n\nMar  1 10:00:01 h su: ok\n";
        let mut out = Collected::default();
        let parser = LineParser::new(LineFormat::Syslog, ParseOptions::default());
        let stats = read_text(Path::new("t.log"), text.as_bytes(), parser, &mut out);
        assert_eq!((stats.records, stats.issues), (2, 1));
        assert_eq!(
            out.issues[0].location,
            Location::Line {
                line: 2,
                offset: 56
            }
        );
        assert_eq!(out.events[0].get_str("source.ip"), Some("10.0.0.1"));
    }
}
