//! Web server logs: Apache / nginx / Tomcat access logs (common and combined), Apache and
//! nginx error logs, and IIS W3C extended logs.
//!
//! Access records carry the W3C names Sigma's `webserver` rules use (`c-ip`, `cs-method`,
//! `cs-uri-stem`, `cs-uri-query`, `cs-version`, `sc-status`, `sc-bytes`, `cs-referer`,
//! `cs-user-agent`, `cs-username`, `cs-host`) and the ECS ones (`source.ip`,
//! `http.request.method`, `url.path`, `url.query`, `url.original`,
//! `http.response.status_code`, `http.response.body.bytes`, `http.request.referrer`,
//! `user_agent.original`, `user.name`). A `-` value is left out. Error records carry
//! `log.level`, `message`, `source.ip` and `event.module` (`apache` / `nginx`). Every event
//! keeps its line in `event.original`.

use crate::text::ParseOptions;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use vigil_event::{Event, Value};

/// Why a line is not a web log record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebError {
    #[error("missing {0}")]
    Missing(&'static str),
    #[error("bad {field}: {text:?}")]
    Bad { field: &'static str, text: String },
    #[error("request line holds control bytes (TLS or binary data sent to a plain HTTP port?)")]
    BinaryRequest,
    #[error("{found} values for {expected} #Fields columns")]
    ColumnCount { found: usize, expected: usize },
}

fn bad(field: &'static str, text: &str) -> WebError {
    WebError::Bad {
        field,
        text: text.chars().take(40).collect(),
    }
}

/// Parses an access log line in the common or combined format (also with extra quoted
/// fields after the user agent, which are ignored).
pub fn parse_access(line: &str) -> Result<Event, WebError> {
    let original = line.trim_end_matches(['\r', '\n']);
    let mut rest = original;
    let client = next_word(&mut rest).ok_or(WebError::Missing("client address"))?;
    let _ident = next_word(&mut rest).ok_or(WebError::Missing("identity"))?;
    let user = next_word(&mut rest).ok_or(WebError::Missing("user"))?;
    rest = rest.trim_start();
    let time_text = rest
        .strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .ok_or(WebError::Missing("[time]"))?;
    rest = time_text.1;
    let time = DateTime::parse_from_str(time_text.0, "%d/%b/%Y:%H:%M:%S %z")
        .map_err(|_| bad("time", time_text.0))?;
    let request = request_field(&mut rest).ok_or(WebError::Missing("quoted request"))?;
    // A NUL inside a URL is an attack probe worth keeping; bytes where the method
    // should be are a TLS handshake or other binary sent to a plain HTTP port.
    let method_like = request
        .split(' ')
        .next()
        .is_some_and(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_uppercase()));
    if !method_like && request.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(WebError::BinaryRequest);
    }
    let status = next_word(&mut rest).ok_or(WebError::Missing("status"))?;
    let status: i64 = status
        .parse()
        .ok()
        .filter(|s| (100..1000).contains(s))
        .ok_or_else(|| bad("status", status))?;
    let bytes = next_word(&mut rest).ok_or(WebError::Missing("size"))?;
    let bytes = match bytes {
        "-" => None,
        n => Some(n.parse::<i64>().map_err(|_| bad("size", n))?),
    };
    let referer = quoted(&mut rest);
    let agent = quoted(&mut rest);

    let mut event = Event::with_capacity(24);
    event.timestamp = Some(time.with_timezone(&Utc));
    push_pair(&mut event, "c-ip", "source.ip", client);
    push_pair(&mut event, "cs-username", "user.name", user);
    push_request(&mut event, &request);
    push_int_pair(
        &mut event,
        "sc-status",
        "http.response.status_code",
        Some(status),
    );
    push_int_pair(&mut event, "sc-bytes", "http.response.body.bytes", bytes);
    if let Some(referer) = referer {
        push_pair(&mut event, "cs-referer", "http.request.referrer", &referer);
    }
    if let Some(agent) = agent {
        push_pair(&mut event, "cs-user-agent", "user_agent.original", &agent);
    }
    event.push("event.category", "web");
    event.push("event.original", original);
    Ok(event)
}

fn next_word<'a>(rest: &mut &'a str) -> Option<&'a str> {
    let text = rest.trim_start_matches(' ');
    let end = text.find(' ').unwrap_or(text.len());
    (end > 0).then(|| {
        *rest = &text[end..];
        &text[..end]
    })
}

/// The quoted request. Apache and nginx escape quotes inside it, Tomcat does not, so
/// the field ends at the first quote followed by a status code and size; without such a
/// quote it is read as an escaped [`quoted`] field.
fn request_field(rest: &mut &str) -> Option<String> {
    let text = rest.trim_start_matches(' ').strip_prefix('"')?;
    let end = text.match_indices("\" ").map(|(i, _)| i).find(|&i| {
        let mut after = &text[i + 2..];
        let status = next_word(&mut after);
        let size = next_word(&mut after);
        status.is_some_and(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
            && size.is_some_and(|s| s == "-" || s.bytes().all(|b| b.is_ascii_digit()))
    });
    match end {
        Some(end) if !text[..end].contains('\\') => {
            *rest = &text[end + 1..];
            Some(text[..end].to_owned())
        }
        _ => quoted(rest),
    }
}

/// A `"..."` field with `\"` and `\\` escapes; `None` if there is none.
fn quoted(rest: &mut &str) -> Option<String> {
    let text = rest.trim_start_matches(' ').strip_prefix('"')?;
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                *rest = &text[i + 1..];
                return Some(value);
            }
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\\'))) => value.push(e),
                Some((_, other)) => {
                    value.push('\\');
                    value.push(other);
                }
                None => value.push('\\'),
            },
            other => value.push(other),
        }
    }
    None
}

/// `METHOD URI PROTOCOL` (or `-`, or a bare URI from HTTP/0.9 and broken clients).
fn push_request(event: &mut Event, request: &str) {
    let mut parts = request.splitn(3, ' ');
    let (first, uri, version) = (parts.next(), parts.next(), parts.next());
    match (first, uri) {
        (Some(method), Some(uri)) if !method.is_empty() => {
            push_pair(event, "cs-method", "http.request.method", method);
            push_uri(event, uri);
            if let Some(version) = version {
                event.push("cs-version", version);
                let number = version.strip_prefix("HTTP/").unwrap_or(version);
                event.push("http.version", number);
            }
        }
        _ if request != "-" && !request.is_empty() => push_uri(event, request),
        _ => {}
    }
}

fn push_uri(event: &mut Event, uri: &str) {
    event.push("url.original", uri);
    let (stem, query) = match uri.split_once('?') {
        Some((stem, query)) => (stem, Some(query)),
        None => (uri, None),
    };
    push_pair(event, "cs-uri-stem", "url.path", stem);
    if let Some(query) = query.filter(|q| !q.is_empty()) {
        push_pair(event, "cs-uri-query", "url.query", query);
    }
}

fn push_pair(event: &mut Event, w3c: &str, ecs: &str, value: &str) {
    if value != "-" && !value.is_empty() {
        event.push(w3c, value);
        event.push(ecs, value);
    }
}

fn push_int_pair(event: &mut Event, w3c: &str, ecs: &str, value: Option<i64>) {
    if let Some(value) = value {
        event.push(w3c, Value::Int(value));
        event.push(ecs, Value::Int(value));
    }
}

/// Parses an Apache (2.2 or 2.4) or nginx error log line.
///
/// - Apache: `[Wed Oct 11 14:32:52.123 2000] [core:error] [pid 1:tid 2] [client 1.2.3.4:5] AH00037: text`
/// - nginx: `2024/05/01 10:00:00 [error] 1234#0: *5 text, client: 1.2.3.4, server: x`
///
/// Their times have no zone: they are read in `options.timezone`.
pub fn parse_error(line: &str, options: &ParseOptions) -> Result<Event, WebError> {
    let original = line.trim_end_matches(['\r', '\n']);
    let mut event = Event::with_capacity(10);
    if let Some(rest) = original.strip_prefix('[') {
        let (time, mut rest) = rest.split_once(']').ok_or(WebError::Missing("]"))?;
        event.timestamp = Some(local_time(time, "%a %b %d %H:%M:%S%.f %Y", options)?);
        event.push("event.module", "apache");
        let mut level = None;
        while let Some(inner) = rest.trim_start().strip_prefix('[') {
            let Some((tag, after)) = inner.split_once(']') else {
                break;
            };
            rest = after;
            if let Some(pid) = tag.strip_prefix("pid ") {
                let pid = pid.split(':').next().unwrap_or(pid);
                if let Ok(pid) = pid.parse::<i64>() {
                    event.push("process.pid", pid);
                }
            } else if let Some(client) = tag.strip_prefix("client ") {
                push_client(&mut event, client);
            } else if level.is_none() {
                level = Some(tag.rsplit(':').next().unwrap_or(tag).to_owned());
            }
        }
        let level = level.ok_or(WebError::Missing("[level]"))?;
        event.push("log.level", level);
        event.push("message", rest.trim_start());
    } else {
        let time = original.get(..19).ok_or(WebError::Missing("time"))?;
        event.timestamp = Some(local_time(time, "%Y/%m/%d %H:%M:%S", options)?);
        let rest = original[19..]
            .trim_start()
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .ok_or(WebError::Missing("[level]"))?;
        event.push("event.module", "nginx");
        event.push("log.level", rest.0);
        let text = rest.1.trim_start();
        if let Some((pid, _)) = text.split_once('#') {
            if let Ok(pid) = pid.parse::<i64>() {
                event.push("process.pid", pid);
            }
        }
        if let Some(client) = text
            .split(", ")
            .find_map(|part| part.strip_prefix("client: "))
        {
            push_client(&mut event, client);
        }
        event.push("message", text);
    }
    event.push("event.category", "web");
    event.push("event.original", original);
    Ok(event)
}

fn push_client(event: &mut Event, client: &str) {
    let ip = match client.rsplit_once(':') {
        // host:port, but not a bare IPv6 address
        Some((ip, port)) if port.parse::<u16>().is_ok() && !ip.ends_with(':') => ip,
        _ => client,
    };
    event.push("source.ip", ip.trim_matches(['[', ']']));
}

fn local_time(text: &str, format: &str, options: &ParseOptions) -> Result<DateTime<Utc>, WebError> {
    NaiveDateTime::parse_from_str(text, format)
        .ok()
        .and_then(|naive| options.timezone.from_local_datetime(&naive).single())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| bad("time", text))
}

/// IIS W3C extended log reader: `#Fields:` lines set the columns for the lines after them.
/// Before any header, IIS's default field set is assumed. Times are UTC, as IIS writes them.
#[derive(Debug, Clone)]
pub struct IisParser {
    columns: Vec<Column>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    /// The name as the header spells it.
    w3c: String,
    /// The Sigma name (`cs(User-Agent)` → `cs-user-agent`), and the ECS one if any.
    sigma: String,
    ecs: Option<&'static str>,
}

const IIS_DEFAULT_FIELDS: &str = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken";

impl Default for IisParser {
    fn default() -> Self {
        let mut parser = IisParser {
            columns: Vec::new(),
        };
        parser.set_fields(IIS_DEFAULT_FIELDS);
        parser
    }
}

impl IisParser {
    fn set_fields(&mut self, header: &str) {
        self.columns = header
            .split_whitespace()
            .map(|w3c| {
                let sigma = match w3c.strip_prefix("cs(").or_else(|| w3c.strip_prefix("sc(")) {
                    Some(inner) => format!(
                        "{}-{}",
                        &w3c[..2],
                        inner.trim_end_matches(')').to_ascii_lowercase()
                    ),
                    None => w3c.to_owned(),
                };
                let ecs = match sigma.as_str() {
                    "c-ip" => Some("source.ip"),
                    "s-ip" => Some("destination.ip"),
                    "s-port" => Some("destination.port"),
                    "cs-method" => Some("http.request.method"),
                    "cs-uri-stem" => Some("url.path"),
                    "cs-uri-query" => Some("url.query"),
                    "cs-username" => Some("user.name"),
                    "cs-user-agent" => Some("user_agent.original"),
                    "cs-referer" => Some("http.request.referrer"),
                    "sc-status" => Some("http.response.status_code"),
                    "sc-bytes" => Some("http.response.body.bytes"),
                    "cs-bytes" => Some("http.request.body.bytes"),
                    "cs-host" => Some("url.domain"),
                    "time-taken" => Some("event.duration_ms"),
                    _ => None,
                };
                Column {
                    w3c: w3c.to_owned(),
                    sigma,
                    ecs,
                }
            })
            .collect();
    }

    /// Reads one line: `Ok(None)` for a `#` directive (a `#Fields:` one changes the
    /// columns) or a blank line.
    pub fn parse_line(&mut self, line: &str) -> Result<Option<Event>, WebError> {
        let original = line.trim_end_matches(['\r', '\n']);
        if let Some(directive) = original.strip_prefix('#') {
            if let Some(fields) = directive.strip_prefix("Fields:") {
                self.set_fields(fields);
            }
            return Ok(None);
        }
        if original.trim().is_empty() {
            return Ok(None);
        }
        let values: Vec<&str> = original.split(' ').collect();
        if values.len() != self.columns.len() {
            return Err(WebError::ColumnCount {
                found: values.len(),
                expected: self.columns.len(),
            });
        }
        let mut event = Event::with_capacity(self.columns.len() * 2);
        let (mut date, mut time) = (None, None);
        for (column, value) in self.columns.iter().zip(values) {
            match column.w3c.as_str() {
                "date" => date = Some(value),
                "time" => time = Some(value),
                _ => {}
            }
            if value == "-" {
                continue;
            }
            let value: Value = match column.sigma.as_str() {
                "sc-status" | "sc-substatus" | "sc-win32-status" | "sc-bytes" | "cs-bytes"
                | "time-taken" | "s-port" => match value.parse::<i64>() {
                    Ok(n) => Value::Int(n),
                    Err(_) => return Err(bad("number", value)),
                },
                // IIS writes spaces in these as `+`.
                "cs-user-agent" | "cs-referer" | "cs-cookie" => value.replace('+', " ").into(),
                _ => value.into(),
            };
            if let Some(ecs) = column.ecs {
                event.push(ecs, value.clone());
            }
            event.push(column.sigma.as_str(), value);
        }
        if let (Some(date), Some(time)) = (date, time) {
            let stamp = format!("{date} {time}");
            let t = NaiveDateTime::parse_from_str(&stamp, "%Y-%m-%d %H:%M:%S%.f")
                .map_err(|_| bad("date time", &stamp))?;
            event.timestamp = Some(t.and_utc());
        }
        event.push("event.category", "web");
        event.push("event.module", "iis");
        event.push("event.original", original);
        Ok(Some(event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::ParseOptions;

    #[test]
    fn combined_line() {
        let line = r#"83.149.9.216 - bob [17/May/2015:10:05:03 +0000] "GET /presentations/x.png?a=1&b=../../etc/passwd HTTP/1.1" 200 203023 "http://semicomplete.com/" "Mozilla/5.0 (\"quoted\")""#;
        let e = parse_access(line).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.timestamp.map(|t| t.timestamp()), Some(1_431_857_103));
        assert_eq!(e.get_str("c-ip"), Some("83.149.9.216"));
        assert_eq!(e.get_str("source.ip"), Some("83.149.9.216"));
        assert_eq!(e.get_str("cs-username"), Some("bob"));
        assert_eq!(e.get_str("cs-method"), Some("GET"));
        assert_eq!(e.get_str("cs-uri-stem"), Some("/presentations/x.png"));
        assert_eq!(e.get_str("url.path"), Some("/presentations/x.png"));
        assert_eq!(e.get_str("cs-uri-query"), Some("a=1&b=../../etc/passwd"));
        assert_eq!(e.get_str("cs-version"), Some("HTTP/1.1"));
        assert_eq!(e.get("sc-status"), Some(&Value::Int(200)));
        assert_eq!(e.get("http.response.status_code"), Some(&Value::Int(200)));
        assert_eq!(e.get("sc-bytes"), Some(&Value::Int(203_023)));
        assert_eq!(e.get_str("cs-referer"), Some("http://semicomplete.com/"));
        assert_eq!(
            e.get_str("user_agent.original"),
            Some("Mozilla/5.0 (\"quoted\")")
        );
        assert_eq!(e.get_str("event.original"), Some(line));
    }

    #[test]
    fn common_line_with_dashes_and_an_empty_request() {
        let e = parse_access("192.168.105.83 - - [11/Jul/2018:09:31:57 +0300] \"-\" 400 -\r\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            e.timestamp.map(|t| t.to_rfc3339()).as_deref(),
            Some("2018-07-11T06:31:57+00:00")
        );
        assert_eq!(e.get_str("cs-method"), None);
        assert_eq!(e.get_str("cs-username"), None);
        assert_eq!(e.get("sc-bytes"), None);
        assert_eq!(e.get("sc-status"), Some(&Value::Int(400)));
    }

    #[test]
    fn access_errors() {
        let err = |line: &str| parse_access(line).err().map(|e| e.to_string());
        assert_eq!(
            err("1.2.3.4 - - [11/Jul/2018:09:32:02 +0300] \"\u{16}\u{3}\u{1}\0\u{1}\" 400 -")
                .as_deref(),
            Some(
                "request line holds control bytes (TLS or binary data sent to a plain HTTP port?)"
            )
        );
        assert_eq!(
            err("1.2.3.4 - - [yesterday] \"GET / HTTP/1.1\" 200 1").as_deref(),
            Some("bad time: \"yesterday\"")
        );
        assert_eq!(
            err("1.2.3.4 - - [11/Jul/2018:09:32:02 +0300] \"GET /").as_deref(),
            Some("missing quoted request")
        );
        assert_eq!(
            err("1.2.3.4 - - [11/Jul/2018:09:32:02 +0300] \"GET /\" OK 1").as_deref(),
            Some("bad status: \"OK\"")
        );
        assert_eq!(err("").as_deref(), Some("missing client address"));
        let e = parse_access(r#"10.1.1.1 - - [11/Jul/2018:09:32:27 +0300] "GET /a.dll?postdata="><script>foo</script> HTTP/1.1" 404 997"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            e.get_str("cs-uri-query"),
            Some("postdata=\"><script>foo</script>")
        );
        let e = parse_access(
            "10.1.1.1 - - [11/Jul/2018:09:32:26 +0300] \"GET /\0.jsp HTTP/1.1\" 400 -",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.get_str("cs-uri-stem"), Some("/\0.jsp"));
    }

    #[test]
    fn error_logs() {
        let options = ParseOptions::default();
        let e = parse_error("[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid 4328636416] [client 10.1.2.3:50000] AH00037: Symbolic link not allowed", &options)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            e.timestamp.map(|t| t.to_rfc3339()).as_deref(),
            Some("2000-10-11T07:32:52.123456+00:00")
        );
        assert_eq!(e.get_str("log.level"), Some("error"));
        assert_eq!(e.get_str("source.ip"), Some("10.1.2.3"));
        assert_eq!(e.get_str("event.module"), Some("apache"));
        assert_eq!(
            e.get_str("message"),
            Some("AH00037: Symbolic link not allowed")
        );
        let e = parse_error("[Sun Dec 04 04:47:44 2005] [notice] child pid 6725 exit signal Segmentation fault (11)", &options)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.get_str("log.level"), Some("notice"));
        let e = parse_error("2024/05/01 10:00:00 [error] 1234#0: *5 open() \"/x\" failed (2: No such file), client: 203.0.113.9, server: portal, request: \"GET /x HTTP/1.1\"", &options)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.get_str("event.module"), Some("nginx"));
        assert_eq!(e.get_str("source.ip"), Some("203.0.113.9"));
        assert_eq!(e.get("process.pid"), Some(&Value::Int(1234)));
        assert_eq!(
            e.timestamp.map(|t| t.to_rfc3339()).as_deref(),
            Some("2024-05-01T03:00:00+00:00")
        );
        assert!(parse_error("[nonsense", &options).is_err());
        assert!(parse_error("2024/05/01 10:00:00 error", &options).is_err());
    }

    #[test]
    fn iis_fields_drive_columns() {
        let mut iis = IisParser::default();
        assert_eq!(iis.parse_line("#Fields: date time c-ip cs-method cs-uri-stem sc-status cs(User-Agent) cs-host\r\n"), Ok(None));
        let e = iis
            .parse_line("2019-09-03 10:13:36 10.0.2.17 GET /erp/conn.aspx 200 Mozilla/5.0+(Windows) portal.gov\r\n")
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no event"));
        assert_eq!(
            e.timestamp.map(|t| t.to_rfc3339()).as_deref(),
            Some("2019-09-03T10:13:36+00:00")
        );
        assert_eq!(e.get_str("cs-user-agent"), Some("Mozilla/5.0 (Windows)"));
        assert_eq!(e.get_str("cs-host"), Some("portal.gov"));
        assert_eq!(e.get("sc-status"), Some(&Value::Int(200)));
        assert_eq!(e.get_str("url.path"), Some("/erp/conn.aspx"));
        assert_eq!(
            iis.parse_line("2019-09-03 10:13:36 10.0.2.17 GET"),
            Err(WebError::ColumnCount {
                found: 4,
                expected: 8
            })
        );
        assert!(iis
            .parse_line("2019-09-03 10:13:36 10.0.2.17 GET / OK - -")
            .is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(line in "\\PC{0,160}") {
            let options = ParseOptions::default();
            let _ = parse_access(&line);
            let _ = parse_access(&format!("1.2.3.4 - - [11/Jul/2018:09:32:02 +0300] {line}"));
            let _ = parse_error(&line, &options);
            let _ = parse_error(&format!("[{line}"), &options);
            let _ = IisParser::default().parse_line(&line);
        }
    }
}
