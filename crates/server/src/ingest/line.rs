//! Text log lines as events, with the parsers `vigil hunt` uses for text files
//! ([`vigil_formats::LineParser`]): a syslog frame, a raw HEC line or a HEC string event
//! gives the same fields as the same line in a file.
//!
//! [`LineDecoder::decode`] tries, in order: syslog (RFC 5424 or BSD, with or without a
//! priority; auth programs such as sshd, sudo and su decoded into `user.name`,
//! `source.ip`, `event.outcome`...); a JSON object; a web access log line; a web error log
//! line; an IIS W3C line. The MSG part of a syslog message goes through the same list
//! (less syslog), so an nginx access line or a Suricata EVE record sent by syslog carries
//! the web or EVE fields next to the syslog ones. A line none of them reads is still kept:
//! an event whose `message` and `event.original` are the line. Only text that is not text
//! at all ([`text_of`]) is refused.

use super::json;
use std::borrow::Cow;
use vigil_event::Event;
use vigil_formats::{LineFormat, LineParser, ParseOptions};

/// Decodes lines of one stream (a connection, a request, a burst of datagrams). It keeps
/// the IIS `#Fields:` columns between lines, and reads zone-less times at +07:00 and
/// year-less BSD times relative to the last [`LineDecoder::refresh`].
#[derive(Debug, Clone)]
pub(crate) struct LineDecoder {
    syslog: LineParser,
    access: LineParser,
    error: LineParser,
    iis: LineParser,
}

impl Default for LineDecoder {
    fn default() -> Self {
        let options = ParseOptions::default();
        LineDecoder {
            syslog: LineParser::new(LineFormat::Syslog, options),
            access: LineParser::new(LineFormat::WebAccess, options),
            error: LineParser::new(LineFormat::WebError, options),
            iis: LineParser::new(LineFormat::Iis, options),
        }
    }
}

impl LineDecoder {
    /// Takes "now" anew as the reference for BSD timestamps (a long-lived connection
    /// calls this per batch, so a year-less timestamp is never read against a stale date).
    pub(crate) fn refresh(&mut self) {
        let options = ParseOptions::default();
        self.syslog = LineParser::new(LineFormat::Syslog, options);
        self.access = LineParser::new(LineFormat::WebAccess, options);
        self.error = LineParser::new(LineFormat::WebError, options);
    }

    /// The event of one line; `None` for a blank line or an IIS directive.
    pub(crate) fn decode(&mut self, line: &str) -> Option<Event> {
        let text = line.trim_end_matches(['\r', '\n']);
        if text.trim().is_empty() {
            return None;
        }
        if is_iis_directive(text) {
            // A `#Fields:` directive changes the columns of the lines after it.
            let _ = self.iis.parse(text);
            return None;
        }
        if let Ok(Some(mut event)) = self.syslog.parse(text) {
            if let Some(inner) = event.get_str("message").and_then(|m| self.body_event(m)) {
                merge(&mut event, inner);
            }
            return Some(event);
        }
        Some(self.body_event(text).unwrap_or_else(|| plain(text)))
    }

    /// The event of a line (or a syslog MSG) in one of the non-syslog formats.
    fn body_event(&mut self, text: &str) -> Option<Event> {
        let text = text.trim();
        if text.starts_with('{') {
            return json::parse_object(text).ok().map(json::event_from_object);
        }
        if text.is_empty() || is_iis_directive(text) {
            return None;
        }
        [&mut self.access, &mut self.error, &mut self.iis]
            .into_iter()
            .find_map(|parser| parser.parse(text).ok().flatten())
    }
}

fn is_iis_directive(text: &str) -> bool {
    ["#Fields:", "#Software:", "#Version:", "#Date:", "#Remark:"]
        .iter()
        .any(|directive| text.starts_with(directive))
}

/// Adds the fields of the decoded MSG to the syslog event; the syslog fields win, and the
/// syslog timestamp unless it has none.
fn merge(event: &mut Event, inner: Event) {
    if event.timestamp.is_none() {
        event.timestamp = inner.timestamp;
    }
    for (name, value) in inner.fields() {
        if name != "event.original" && !event.contains(name) {
            event.push(name, value.clone());
        }
    }
}

/// A line no parser reads, kept whole.
fn plain(text: &str) -> Event {
    let mut event = Event::with_capacity(2);
    event.push("message", text);
    event.push("event.original", text);
    event
}

/// The text of a message, or why it is not text: a NUL inside it, more than one byte in 20
/// a control character (tab, CR and LF aside), or more than 30% of it invalid UTF-8.
/// Trailing NULs, which some senders append, are dropped first. Other invalid UTF-8 (a
/// legacy code page) is replaced by U+FFFD and the message kept.
pub(crate) fn text_of(bytes: &[u8]) -> Result<Cow<'_, str>, String> {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let bytes = &bytes[..end];
    let controls = bytes
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f)
        .count();
    if bytes.contains(&0) || controls * 20 > bytes.len() {
        return Err(format!(
            "binary data, not text: {controls} control bytes in {} bytes",
            bytes.len()
        ));
    }
    let text = String::from_utf8_lossy(bytes);
    if let Cow::Owned(decoded) = &text {
        let invalid = decoded.matches('\u{fffd}').count();
        if invalid * 10 > decoded.chars().count() * 3 {
            return Err(format!(
                "binary data, not text: {invalid} invalid UTF-8 sequences in {} bytes",
                bytes.len()
            ));
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_event::Value;

    fn decode(line: &str) -> Event {
        LineDecoder::default()
            .decode(line)
            .unwrap_or_else(|| panic!("no event for {line:?}"))
    }

    #[test]
    fn auth_log_lines_get_the_fields_hunt_gives() {
        let e = decode("<38>1 2024-05-01T10:00:00+07:00 web1 sshd 4242 - - Failed password for invalid user admin from 203.0.113.5 port 52211 ssh2");
        assert_eq!(e.get_str("program"), Some("sshd"));
        assert_eq!(e.get_str("source.ip"), Some("203.0.113.5"));
        assert_eq!(e.get_str("user.name"), Some("admin"));
        assert_eq!(e.get_str("event.outcome"), Some("failure"));
        let e = decode("Mar  1 10:00:00 web1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/cat /etc/shadow");
        assert_eq!(e.get_str("user.name"), Some("alice"));
    }

    #[test]
    fn web_and_eve_bodies_inside_syslog_add_their_fields() {
        let e = decode(
            r#"<190>May  1 10:00:00 proxy nginx: 198.51.100.7 - - [01/May/2024:10:00:00 +0700] "GET /wp-login.php HTTP/1.1" 404 12 "-" "curl/8""#,
        );
        assert_eq!(e.get_str("program"), Some("nginx"));
        assert_eq!(e.get_str("c-ip"), Some("198.51.100.7"));
        assert_eq!(e.get_str("cs-uri-stem"), Some("/wp-login.php"));
        assert_eq!(e.get("sc-status"), Some(&Value::Int(404)));
        assert!(e
            .get_str("event.original")
            .is_some_and(|o| o.starts_with("<190>")));
        let e = decode(
            r#"<134>May  1 10:00:00 ids suricata[9]: {"event_type":"alert","src_ip":"203.0.113.9","alert":{"signature":"ET SCAN"}}"#,
        );
        assert_eq!(e.get_str("program"), Some("suricata"));
        assert_eq!(e.get_str("src_ip"), Some("203.0.113.9"));
        assert_eq!(e.get_str("alert.signature"), Some("ET SCAN"));
    }

    #[test]
    fn lines_outside_syslog_use_their_own_format_or_are_kept_whole() {
        let e = decode(
            r#"198.51.100.7 - - [01/May/2024:10:00:00 +0700] "GET / HTTP/1.1" 200 1 "-" "x""#,
        );
        assert_eq!(e.get("sc-status"), Some(&Value::Int(200)));
        let e = decode("{\"user\":{\"name\":\"bob\"}}");
        assert_eq!(e.get_str("user.name"), Some("bob"));
        let e = decode("something a device said\r\n");
        assert_eq!(e.get_str("message"), Some("something a device said"));
        assert_eq!(e.get_str("event.original"), Some("something a device said"));
        assert!(LineDecoder::default().decode("  \r\n").is_none());
    }

    #[test]
    fn iis_columns_follow_the_fields_directive() {
        let mut decoder = LineDecoder::default();
        assert!(decoder
            .decode("#Fields: date time c-ip cs-method cs-uri-stem sc-status")
            .is_none());
        let e = decoder
            .decode("2024-05-01 03:00:00 203.0.113.4 GET /owa 401")
            .unwrap();
        assert_eq!(e.get_str("c-ip"), Some("203.0.113.4"));
        assert_eq!(e.get("sc-status"), Some(&Value::Int(401)));
    }

    #[test]
    fn binary_is_refused_and_text_in_a_code_page_kept() {
        assert!(text_of(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03").is_err());
        assert!(text_of(&[0xff, 0xfe, 0x80, 0x81, 0x90, b'a']).is_err());
        assert_eq!(text_of(b"hello\0\0").as_deref(), Ok("hello"));
        assert_eq!(
            text_of(b"Ng\xf0\xe0y h\xf4m nay").as_deref(),
            Ok("Ng\u{fffd}\u{fffd}y h\u{fffd}m nay")
        );
        assert_eq!(text_of(b"tab\there").as_deref(), Ok("tab\there"));
    }

    proptest::proptest! {
        #[test]
        fn decoding_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            if let Ok(text) = text_of(&bytes) {
                let _ = LineDecoder::default().decode(&text);
            }
        }
    }
}
