//! Syslog: RFC 5424 and RFC 3164 (BSD) messages parsed into [`Event`]s, and the framing a
//! TCP receiver needs to cut a byte stream into messages ([`FrameDecoder`]).
//!
//! Fields: `facility`, `severity` (names) and `log.syslog.priority`; `host`
//! (`host.hostname`); `program` (`process.name`; RFC 5424 also `appname`); `pid`
//! (`process.pid`); `msgid`; `sd.<id>.<param>` for RFC 5424 structured data; `message`
//! (the MSG part, which rules match) and `event.original` (the whole line). Timestamps
//! without an offset are read in [`ParseOptions::timezone`]; BSD timestamps, which have no
//! year, take the year that puts them closest before [`ParseOptions::reference`].

use crate::text::ParseOptions;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use vigil_event::{Event, Value};

/// Why a line is not a syslog message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyslogError {
    #[error("empty message")]
    Empty,
    #[error("bad priority {0:?}: expected <0>..<191>")]
    BadPriority(String),
    #[error("bad RFC 5424 {field}: {reason}")]
    Bad5424 { field: &'static str, reason: String },
    #[error("bad structured data at byte {offset} of the line: {reason}")]
    BadStructuredData { offset: usize, reason: &'static str },
    #[error("no BSD timestamp (`Mmm dd hh:mm:ss`) or RFC 3339 timestamp at the start")]
    NoTimestamp,
    #[error("bad timestamp {0:?}")]
    BadTimestamp(String),
    #[error("no host name after the timestamp")]
    NoHost,
}

const FACILITIES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];
const SEVERITIES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

/// Parses one syslog message, RFC 5424 when the priority is followed by a version,
/// BSD otherwise (with or without a priority, as files hold it).
pub fn parse(line: &str, options: &ParseOptions) -> Result<Event, SyslogError> {
    let text = line.trim_end_matches(['\r', '\n']);
    if text.trim().is_empty() {
        return Err(SyslogError::Empty);
    }
    let (priority, rest) = split_priority(text)?;
    let mut event = Event::with_capacity(16);
    if let Some(pri) = priority {
        push_priority(&mut event, pri);
    }
    match priority.and(version_prefix(rest)) {
        Some(body) => parse_5424_body(body, text.len() - body.len(), &mut event)?,
        None => parse_3164_body(rest, options, &mut event)?,
    }
    event.push("event.original", line.trim_end_matches(['\r', '\n']));
    Ok(event)
}

fn split_priority(text: &str) -> Result<(Option<u8>, &str), SyslogError> {
    let Some(after) = text.strip_prefix('<') else {
        return Ok((None, text));
    };
    let end = after
        .find('>')
        .filter(|&end| (1..=3).contains(&end))
        .ok_or_else(|| SyslogError::BadPriority(prefix(text, 6)))?;
    let digits = &after[..end];
    match digits.parse::<u8>() {
        Ok(pri) if pri <= 191 && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Ok((Some(pri), &after[end + 1..]))
        }
        _ => Err(SyslogError::BadPriority(prefix(text, end + 2))),
    }
}

fn prefix(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn push_priority(event: &mut Event, pri: u8) {
    let (facility, severity) = (pri >> 3, pri & 7);
    event.push("log.syslog.priority", i64::from(pri));
    event.push("facility", FACILITIES[usize::from(facility)]);
    event.push("severity", SEVERITIES[usize::from(severity)]);
}

/// The rest after `1 ` (an RFC 5424 version), if the text starts with one.
fn version_prefix(rest: &str) -> Option<&str> {
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    (1..=2).contains(&digits).then_some(())?;
    rest[digits..].strip_prefix(' ')
}

/// `body` starts `body_offset` bytes into the line (for error offsets).
fn parse_5424_body(body: &str, body_offset: usize, event: &mut Event) -> Result<(), SyslogError> {
    let mut rest = body;
    let mut header = [""; 5];
    for (slot, field) in header.iter_mut().zip(HEADER_5424) {
        let (token, after) = rest.split_once(' ').unwrap_or((rest, ""));
        if token.is_empty() {
            return Err(SyslogError::Bad5424 {
                field,
                reason: "missing".into(),
            });
        }
        *slot = token;
        rest = after;
    }
    let [time, host, app, procid, msgid] = header;
    if time != "-" {
        let t = DateTime::parse_from_rfc3339(time).map_err(|err| SyslogError::Bad5424 {
            field: "timestamp",
            reason: format!("{time:?}: {err}"),
        })?;
        event.timestamp = Some(t.with_timezone(&Utc));
    }
    push_host(event, nil(host));
    if let Some(app) = nil(app) {
        event.push("appname", app);
        push_program(event, app);
    }
    push_pid(event, nil(procid));
    if let Some(msgid) = nil(msgid) {
        event.push("msgid", msgid);
    }
    let message = if let Some(after) = rest.strip_prefix('-') {
        after
    } else if rest.starts_with('[') {
        read_structured_data(rest, body_offset + body.len() - rest.len(), event)?
    } else {
        return Err(SyslogError::Bad5424 {
            field: "structured data",
            reason: "expected `-` or `[`".into(),
        });
    };
    let message = message.strip_prefix(' ').unwrap_or(message);
    event.push(
        "message",
        message.strip_prefix('\u{feff}').unwrap_or(message),
    );
    Ok(())
}

const HEADER_5424: [&str; 5] = ["timestamp", "hostname", "app-name", "procid", "msgid"];

fn nil(token: &str) -> Option<&str> {
    (token != "-").then_some(token)
}

/// Reads `[id name="value" ...]...` into `sd.<id>.<name>` fields; returns what follows.
fn read_structured_data<'a>(
    text: &'a str,
    base: usize,
    event: &mut Event,
) -> Result<&'a str, SyslogError> {
    let bytes = text.as_bytes();
    let fail = |offset: usize, reason| SyslogError::BadStructuredData {
        offset: base + offset,
        reason,
    };
    let mut pos = 0;
    while bytes.get(pos) == Some(&b'[') {
        pos += 1;
        let id_end = pos + name_len(&bytes[pos..]);
        if id_end == pos {
            return Err(fail(pos, "empty SD-ID"));
        }
        let id = &text[pos..id_end];
        pos = id_end;
        loop {
            match bytes.get(pos) {
                Some(b']') => {
                    pos += 1;
                    break;
                }
                Some(b' ') => pos += 1,
                None => return Err(fail(pos, "unterminated element")),
                Some(_) => return Err(fail(pos, "expected a space or `]`")),
            }
            let name_end = pos + name_len(&bytes[pos..]);
            if name_end == pos {
                return Err(fail(pos, "empty parameter name"));
            }
            let name = &text[pos..name_end];
            if bytes.get(name_end..name_end + 2) != Some(b"=\"") {
                return Err(fail(name_end, "expected `=\"` after the parameter name"));
            }
            pos = name_end + 2;
            let mut value = String::new();
            let mut run = pos;
            loop {
                match bytes.get(pos) {
                    None => return Err(fail(pos, "unterminated parameter value")),
                    Some(b'"') => break,
                    Some(b'\\') if matches!(bytes.get(pos + 1), Some(b'"' | b'\\' | b']')) => {
                        value.push_str(&text[run..pos]);
                        run = pos + 1;
                        pos += 2;
                    }
                    Some(_) => pos += 1,
                }
            }
            value.push_str(&text[run..pos]);
            pos += 1;
            event.push(format!("sd.{id}.{name}"), value);
        }
    }
    Ok(&text[pos..])
}

/// Length of an SD-NAME: printable ASCII except `=`, space, `]` and `"`.
fn name_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .take_while(|&&b| b.is_ascii_graphic() && !matches!(b, b'=' | b']' | b'"'))
        .count()
}

fn parse_3164_body(
    body: &str,
    options: &ParseOptions,
    event: &mut Event,
) -> Result<(), SyslogError> {
    let (timestamp, rest) = bsd_timestamp(body, options)?;
    event.timestamp = Some(timestamp);
    let rest = rest.trim_start_matches(' ');
    let (host, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    if host.is_empty() || host.ends_with(':') {
        return Err(SyslogError::NoHost);
    }
    push_host(event, Some(host));
    let message = match split_tag(rest) {
        Some((program, pid, message)) => {
            push_program(event, program);
            push_pid(event, pid);
            message
        }
        None => rest,
    };
    event.push("message", message.trim_start_matches(' '));
    Ok(())
}

/// `prog[pid]: msg` or `prog: msg`, as (program, pid, msg).
fn split_tag(text: &str) -> Option<(&str, Option<&str>, &str)> {
    let end = text.find([':', '[', ' '])?;
    let program = &text[..end];
    if program.is_empty() || program.len() > 64 {
        return None;
    }
    let after = &text[end..];
    if let Some(message) = after.strip_prefix(':') {
        return Some((program, None, message));
    }
    let inner = after.strip_prefix('[')?;
    let close = inner.find(']')?;
    let message = inner[close + 1..]
        .strip_prefix(':')
        .unwrap_or(&inner[close + 1..]);
    Some((program, Some(&inner[..close]), message))
}

fn push_host(event: &mut Event, host: Option<&str>) {
    if let Some(host) = host {
        event.push("host", host);
        event.push("host.hostname", host);
    }
}

fn push_program(event: &mut Event, program: &str) {
    event.push("program", program);
    event.push("process.name", program);
}

fn push_pid(event: &mut Event, pid: Option<&str>) {
    let Some(pid) = pid.filter(|p| !p.is_empty()) else {
        return;
    };
    let value = pid
        .parse::<i64>()
        .map_or_else(|_| Value::from(pid), Value::Int);
    event.push("pid", value.clone());
    event.push("process.pid", value);
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Mmm dd hh:mm:ss[.fff]` (year inferred) or an RFC 3339 timestamp, and the rest.
fn bsd_timestamp<'a>(
    text: &'a str,
    options: &ParseOptions,
) -> Result<(DateTime<Utc>, &'a str), SyslogError> {
    if text.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        let (token, rest) = text.split_once(' ').unwrap_or((text, ""));
        let t = DateTime::parse_from_rfc3339(token)
            .map_err(|_| SyslogError::BadTimestamp(prefix(token, 40)))?;
        return Ok((t.with_timezone(&Utc), rest));
    }
    let month = MONTHS
        .iter()
        .position(|m| text.get(..3).is_some_and(|t| t.eq_ignore_ascii_case(m)))
        .ok_or(SyslogError::NoTimestamp)?;
    let rest = text[3..]
        .strip_prefix(' ')
        .ok_or(SyslogError::NoTimestamp)?
        .trim_start_matches(' ');
    let day_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let bad = || SyslogError::BadTimestamp(prefix(text, 20));
    let day: u32 = rest[..day_len].parse().map_err(|_| bad())?;
    let rest = rest[day_len..].strip_prefix(' ').ok_or_else(bad)?;
    let time_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_digit() || matches!(b, b':' | b'.'))
        .count();
    let time = NaiveTime::parse_from_str(&rest[..time_len], "%H:%M:%S%.f").map_err(|_| bad())?;
    let local_year = options.reference.with_timezone(&options.timezone).year();
    let at = |year: i32| {
        NaiveDate::from_ymd_opt(year, month as u32 + 1, day)
            .map(|d| NaiveDateTime::new(d, time))
            .and_then(|naive| options.timezone.from_local_datetime(&naive).single())
            .map(|t| t.with_timezone(&Utc))
    };
    // A date more than a day after the reference belongs to the year before (a December
    // line read in January); Feb 29 falls back to the last leap year.
    let latest = options.reference + chrono::Duration::days(1);
    let timestamp = (0..8)
        .filter_map(|back| at(local_year - back))
        .find(|t| *t <= latest)
        .ok_or_else(bad)?;
    Ok((timestamp, &rest[time_len..]))
}

/// How a TCP syslog stream is cut into messages: both ways are accepted on one
/// connection, message by message (RFC 6587).
///
/// - octet counting: `<len> <message>`, when a frame starts with digits and a space;
/// - LF-delimited (non-transparent framing) otherwise, a trailing CR dropped.
///
/// Memory stays bounded: a frame longer than `max_frame` is handed out cut to `max_frame`
/// bytes and flagged [`Frame::truncated`]; the rest of it is skipped as it arrives.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    max_frame: usize,
    skip: Skip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Skip {
    Nothing,
    ToNewline,
    Bytes(u64),
}

/// One message cut from a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    pub bytes: &'a [u8],
    /// The message was longer than the decoder's limit; `bytes` is its start.
    pub truncated: bool,
}

/// What [`FrameDecoder::decode`] found: complete frames, and how many bytes of the buffer
/// they (and any skipped bytes) used. Drop those bytes before the next call.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Decoded<'a> {
    pub frames: Vec<Frame<'a>>,
    pub consumed: usize,
}

/// Default frame limit: 64 KiB, as most senders cap messages well below it.
pub const DEFAULT_MAX_FRAME: usize = 64 * 1024;

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder::new(DEFAULT_MAX_FRAME)
    }
}

impl FrameDecoder {
    /// A decoder that cuts frames longer than `max_frame` bytes (at least 16).
    pub fn new(max_frame: usize) -> Self {
        FrameDecoder {
            max_frame: max_frame.max(16),
            skip: Skip::Nothing,
        }
    }

    /// The most bytes a caller needs to keep unconsumed between calls.
    pub fn max_buffered(&self) -> usize {
        self.max_frame + 21
    }

    /// Cuts the complete frames at the start of `buf`.
    pub fn decode<'a>(&mut self, buf: &'a [u8]) -> Decoded<'a> {
        let mut out = Decoded::default();
        let mut pos = 0;
        loop {
            match self.skip {
                Skip::ToNewline => match memchr(b'\n', &buf[pos..]) {
                    Some(i) => {
                        pos += i + 1;
                        self.skip = Skip::Nothing;
                    }
                    None => {
                        pos = buf.len();
                        break;
                    }
                },
                Skip::Bytes(n) => {
                    let take = n.min((buf.len() - pos) as u64);
                    pos += take as usize;
                    if take < n {
                        self.skip = Skip::Bytes(n - take);
                        break;
                    }
                    self.skip = Skip::Nothing;
                }
                Skip::Nothing => {}
            }
            while matches!(buf.get(pos), Some(b'\n' | b'\r')) {
                pos += 1;
            }
            if pos == buf.len() {
                break;
            }
            match self.next_frame(&buf[pos..]) {
                Some((frame, used)) => {
                    out.frames.push(frame);
                    pos += used;
                }
                None => break,
            }
        }
        out.consumed = pos;
        out
    }

    /// At end of stream: whatever is left (an unterminated last line) as a frame.
    pub fn finish<'a>(&mut self, rest: &'a [u8]) -> Option<Frame<'a>> {
        let skipping = self.skip != Skip::Nothing;
        self.skip = Skip::Nothing;
        let text = trim_line_end(rest);
        (!skipping && !text.is_empty()).then(|| Frame {
            bytes: &text[..text.len().min(self.max_frame)],
            truncated: text.len() > self.max_frame,
        })
    }

    fn next_frame<'a>(&mut self, buf: &'a [u8]) -> Option<(Frame<'a>, usize)> {
        let digits = buf.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > 0 && digits < 20 && buf.get(digits) == Some(&b' ') {
            let len: u64 = std::str::from_utf8(&buf[..digits]).ok()?.parse().ok()?;
            let start = digits + 1;
            let available = buf.len() - start;
            let kept = len.min(self.max_frame as u64) as usize;
            if available < kept {
                return None;
            }
            let truncated = len > kept as u64;
            if truncated {
                self.skip = Skip::Bytes(len - kept as u64);
            }
            let frame = Frame {
                bytes: &buf[start..start + kept],
                truncated,
            };
            return Some((frame, start + kept));
        }
        let window = &buf[..buf.len().min(self.max_frame + 1)];
        match memchr(b'\n', window) {
            Some(i) => Some((
                Frame {
                    bytes: trim_line_end(&buf[..i]),
                    truncated: false,
                },
                i + 1,
            )),
            None if buf.len() > self.max_frame => {
                self.skip = Skip::ToNewline;
                Some((
                    Frame {
                        bytes: &buf[..self.max_frame],
                        truncated: true,
                    },
                    self.max_frame,
                ))
            }
            None => None,
        }
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

fn trim_line_end(bytes: &[u8]) -> &[u8] {
    let mut end = bytes.len();
    while end > 0 && matches!(bytes[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    &bytes[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ParseOptions {
        ParseOptions {
            reference: Utc.with_ymd_and_hms(2024, 1, 10, 0, 0, 0).unwrap(),
            ..ParseOptions::default()
        }
    }

    fn ok(line: &str) -> Event {
        parse(line, &options()).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    fn iso(e: &Event) -> String {
        e.timestamp.map(|t| t.to_rfc3339()).unwrap_or_default()
    }

    #[test]
    fn rfc5424_with_structured_data() {
        let line = r#"<165>1 2024-05-01T10:00:00.003+07:00 fw-01.so.gov.vn evntslog 1234 ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][meta note="a \"quoted\] b"] ﻿An application event"#;
        let e = ok(line);
        assert_eq!(iso(&e), "2024-05-01T03:00:00.003+00:00");
        assert_eq!(e.get_str("facility"), Some("local4"));
        assert_eq!(e.get_str("severity"), Some("notice"));
        assert_eq!(e.get_str("host"), Some("fw-01.so.gov.vn"));
        assert_eq!(e.get_str("appname"), Some("evntslog"));
        assert_eq!(e.get_str("program"), Some("evntslog"));
        assert_eq!(e.get("pid"), Some(&Value::Int(1234)));
        assert_eq!(e.get_str("msgid"), Some("ID47"));
        assert_eq!(e.get_str("sd.exampleSDID@32473.eventID"), Some("1011"));
        assert_eq!(e.get_str("sd.meta.note"), Some("a \"quoted] b"));
        assert_eq!(e.get_str("message"), Some("An application event"));
        assert_eq!(e.get_str("event.original"), Some(line));
    }

    #[test]
    fn rfc5424_nil_values_and_no_message() {
        let e = ok("<34>1 - - - - - -");
        assert_eq!(e.timestamp, None);
        assert_eq!(e.get_str("host"), None);
        assert_eq!(e.get_str("message"), Some(""));
        assert_eq!(e.get_str("facility"), Some("auth"));
        assert_eq!(e.get_str("severity"), Some("crit"));
    }

    #[test]
    fn rfc5424_errors_say_what_is_wrong() {
        let err = |line: &str| parse(line, &options()).err().map(|e| e.to_string());
        assert_eq!(
            err("<34>1 yesterday host app - - -")
                .as_deref()
                .map(|s| s.starts_with("bad RFC 5424 timestamp")),
            Some(true)
        );
        assert_eq!(
            err(r#"<34>1 - h a - - [id p="x] msg"#).as_deref(),
            Some("bad structured data at byte 29 of the line: unterminated parameter value")
        );
        assert_eq!(
            err("<34>1 - h a - - msg").as_deref(),
            Some("bad RFC 5424 structured data: expected `-` or `[`")
        );
        assert_eq!(
            err("<34>1 - h").as_deref(),
            Some("bad RFC 5424 app-name: missing")
        );
        assert_eq!(
            err("<999>Mar  1 host x").as_deref(),
            Some("bad priority \"<999>\": expected <0>..<191>")
        );
        assert_eq!(
            err("<12 Mar")
                .as_deref()
                .map(|s| s.starts_with("bad priority")),
            Some(true)
        );
        assert_eq!(err("   ").as_deref(), Some("empty message"));
        assert_eq!(
            err("hello world").as_deref(),
            Some("no BSD timestamp (`Mmm dd hh:mm:ss`) or RFC 3339 timestamp at the start")
        );
        assert_eq!(
            err("Mar 32 10:00:00 h p: x").as_deref(),
            Some("bad timestamp \"Mar 32 10:00:00 h p:\"")
        );
        assert_eq!(
            err("Mar  3 10:00:00 ").as_deref(),
            Some("no host name after the timestamp")
        );
    }

    #[test]
    fn bsd_lines_from_files_and_the_wire() {
        let e = ok("Mar 27 13:08:09 ip-10-77-20-248 sshd[1361]: Accepted publickey for ubuntu from 85.245.107.41 port 54259 ssh2");
        // March is after the January reference, so it is last year's March, in +07:00.
        assert_eq!(iso(&e), "2023-03-27T06:08:09+00:00");
        assert_eq!(e.get_str("host"), Some("ip-10-77-20-248"));
        assert_eq!(e.get_str("program"), Some("sshd"));
        assert_eq!(e.get("process.pid"), Some(&Value::Int(1361)));
        assert!(e
            .get_str("message")
            .is_some_and(|m| m.starts_with("Accepted publickey")));
        assert_eq!(e.get_str("facility"), None);

        let e = ok("<38>Jan  9 23:59:59 web1 sudo:   alice : TTY=pts/0 ; COMMAND=/bin/ls");
        assert_eq!(iso(&e), "2024-01-09T16:59:59+00:00");
        assert_eq!(e.get_str("facility"), Some("auth"));
        assert_eq!(e.get("pid"), None);
        assert_eq!(
            e.get_str("message"),
            Some("alice : TTY=pts/0 ; COMMAND=/bin/ls")
        );

        let e = ok("2024-05-01T10:00:00.5+07:00 db1 systemd[1]: Started Session 5.");
        assert_eq!(iso(&e), "2024-05-01T03:00:00.500+00:00");
        assert_eq!(e.get_str("program"), Some("systemd"));

        let e = ok("Feb  2 01:02:03 host -- MARK --");
        assert_eq!(e.get_str("program"), None);
        assert_eq!(e.get_str("message"), Some("-- MARK --"));
    }

    #[test]
    fn octet_counted_and_lf_frames_incrementally() {
        let mut decoder = FrameDecoder::new(64);
        let stream = b"11 <34>1 - - -\n<13>Mar  1 00:00:00 h p: a\r\n5 hello12 <1";
        let out = decoder.decode(stream);
        let texts: Vec<&[u8]> = out.frames.iter().map(|f| f.bytes).collect();
        assert_eq!(
            texts,
            [&b"<34>1 - - -"[..], b"<13>Mar  1 00:00:00 h p: a", b"hello"]
        );
        assert_eq!(&stream[out.consumed..], b"12 <1");
        assert!(decoder.decode(b"12 <1").frames.is_empty());
        let out = decoder.decode(b"12 <13>abcdefg\nlast");
        assert_eq!(out.frames[0].bytes, b"<13>abcdefg\n");
        assert_eq!(out.consumed, 15);
        assert_eq!(decoder.finish(b"last").map(|f| f.bytes), Some(&b"last"[..]));
    }

    #[test]
    fn oversized_frames_are_cut_and_flagged() {
        let mut decoder = FrameDecoder::new(16);
        let long_line = [b'x'; 40];
        let out = decoder.decode(&long_line);
        assert_eq!(out.frames.len(), 1);
        assert!(out.frames[0].truncated);
        assert_eq!(out.frames[0].bytes.len(), 16);
        assert_eq!(out.consumed, 40);
        let out = decoder.decode(b"yyyy\nok\n");
        assert_eq!(
            out.frames,
            [Frame {
                bytes: b"ok",
                truncated: false
            }]
        );

        let mut stream = b"30 ".to_vec();
        stream.extend_from_slice(&[b'z'; 20]);
        let out = decoder.decode(&stream);
        assert_eq!(out.frames.len(), 1);
        assert!(out.frames[0].truncated);
        assert_eq!(out.consumed, 23);
        let out = decoder.decode(b"zzzzzzzzzz4 next");
        assert_eq!(
            out.frames,
            [Frame {
                bytes: b"next",
                truncated: false
            }]
        );
        assert_eq!(out.consumed, 16);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let line = String::from_utf8_lossy(&bytes);
            let _ = parse(&line, &options());
            let _ = parse(&format!("<13>1 {line}"), &options());
            let _ = parse(&format!("Mar  1 10:00:00 {line}"), &options());
            let mut decoder = FrameDecoder::new(32);
            let out = decoder.decode(&bytes);
            proptest::prop_assert!(out.consumed <= bytes.len());
            proptest::prop_assert!(out.frames.iter().all(|f| f.bytes.len() <= 32));
        }
    }
}
