//! Sysmon for Linux events as they arrive in syslog: Microsoft's SysmonForLinux writes each
//! event under the program name `sysmon`, its message one line of Windows event XML
//! (`<Event><System>…</System><EventData><Data Name="Image">/usr/bin/curl</Data>…`).
//!
//! [`parse`] reads that XML with `quick-xml` into the layout the `evtx` crate renders
//! and flattens it with [`crate::windows::from_evtx_json`], so a Linux Sysmon event has
//! the names a Windows Sysmon event read from an `.evtx` file has: `Provider_Name`,
//! `EventID`, `Channel` (`Linux-Sysmon/Operational`), `Computer`, `EventRecordID`,
//! `ProcessID`, `ThreadID`, `UserID` (Sysmon for Linux spells it `UserId`), `TimeCreated`
//! (also the event's timestamp), and each `EventData` value under its `Name`: `Image`,
//! `CommandLine`, `ParentImage`, `User`, `DestinationIp`, `TargetFilename`… Values stay
//! text, with XML entities (`&amp;`, `&quot;`, `&#10;`) resolved; an empty value is null.
//!
//! [`decode`] does this for a parsed syslog event whose `message` is such XML
//! ([`is_event_xml`]), whatever its program name: the Sysmon fields are added next to the
//! syslog ones (`host`, `program`, `message` stay), and the event takes Sysmon's
//! timestamp, which has a zone, a year and sub-second precision where BSD syslog has
//! none. XML that is not well formed, or was cut short by a syslog size limit, is a
//! [`SysmonXmlError`] and leaves the event as it was.
//!
//! ```
//! use vigil_formats::sysmon_linux;
//!
//! let xml = r#"<Event><System><EventID>1</EventID><Channel>Linux-Sysmon/Operational</Channel></System><EventData><Data Name="CommandLine">sh -c &quot;id&quot;</Data></EventData></Event>"#;
//! let event = sysmon_linux::parse(xml).unwrap();
//! assert_eq!(event.get_str("CommandLine"), Some("sh -c \"id\""));
//! ```

use crate::windows;
use quick_xml::encoding::Decoder;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event as XmlEvent};
use quick_xml::{Reader, XmlVersion};
use serde_json::{Map, Value as Json};
use vigil_event::Event;

/// Deepest element nesting read; a Sysmon event is three deep.
const MAX_DEPTH: usize = 16;

/// Why a message that looks like a Sysmon event could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SysmonXmlError {
    #[error("bad Sysmon event XML at byte {offset}: {reason}")]
    Xml { offset: u64, reason: String },
    #[error("Sysmon event XML ends before </Event> (cut short by a message size limit?)")]
    Truncated,
    #[error("not a Sysmon event: the root element is <{0}>, not <Event>")]
    NotAnEvent(String),
    #[error("Sysmon event has no <System> section")]
    NoSystem,
    #[error("Sysmon event XML nests deeper than {MAX_DEPTH} elements")]
    TooDeep,
}

/// Whether `message` is an event in Windows event XML: it starts with `<Event>` or
/// `<Event ` (attributes such as `xmlns` follow).
pub fn is_event_xml(message: &str) -> bool {
    message
        .trim_start()
        .strip_prefix("<Event")
        .is_some_and(|rest| rest.starts_with(['>', ' ', '\t']))
}

/// Adds the Sysmon fields of `event`'s `message` to it when the message is a Sysmon event.
/// `Ok(false)`: the message is not event XML, nothing done. `Err`: it looks like event
/// XML but does not read; the event is unchanged and stays a plain syslog message.
pub fn decode(event: &mut Event) -> Result<bool, SysmonXmlError> {
    let Some(message) = event.get_str("message").filter(|m| is_event_xml(m)) else {
        return Ok(false);
    };
    let sysmon = parse(message)?;
    if sysmon.timestamp.is_some() {
        event.timestamp = sysmon.timestamp;
    }
    for (name, value) in sysmon.fields() {
        // The syslog fields (host, program, message...) keep their values.
        if !event.contains(name) {
            event.push(name, value.clone());
        }
    }
    Ok(true)
}

/// One event in Windows event XML as a flat event with the EVTX reader's field names
/// (see the module docs). Text after `</Event>` is ignored.
pub fn parse(xml: &str) -> Result<Event, SysmonXmlError> {
    let root = read_root(xml)?;
    if root.name != "Event" {
        return Err(SysmonXmlError::NotAnEvent(root.name));
    }
    if !root.children.iter().any(|c| c.name == "System") {
        return Err(SysmonXmlError::NoSystem);
    }
    let mut document = Map::new();
    document.insert("Event".into(), root.into_event_json());
    windows::from_evtx_json(Json::Object(document)).map_err(|_| SysmonXmlError::NoSystem)
}

/// An XML element as read: local name, attributes, child elements, and its text (the
/// text of an element with children is dropped when converting).
#[derive(Debug, Default)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Element>,
    text: String,
}

/// Reads the first element of `xml` and everything in it.
fn read_root(xml: &str) -> Result<Element, SysmonXmlError> {
    let mut reader = Reader::from_str(xml);
    let decoder = reader.decoder();
    // quick-xml's errors know where they are; ours are at the end of the markup just read.
    let bad = |reader: &Reader<&[u8]>, reason: String| SysmonXmlError::Xml {
        offset: reader.buffer_position(),
        reason,
    };
    let mut open: Vec<Element> = Vec::new();
    loop {
        let event = reader.read_event().map_err(|err| SysmonXmlError::Xml {
            offset: reader.error_position(),
            reason: err.to_string(),
        })?;
        match event {
            XmlEvent::Start(start) => {
                if open.len() >= MAX_DEPTH {
                    return Err(SysmonXmlError::TooDeep);
                }
                open.push(element(&start, decoder).map_err(|r| bad(&reader, r))?);
            }
            XmlEvent::Empty(start) => {
                let element = element(&start, decoder).map_err(|r| bad(&reader, r))?;
                match open.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Ok(element),
                }
            }
            XmlEvent::End(_) => {
                let Some(element) = open.pop() else {
                    return Err(bad(&reader, "end tag without a start tag".into()));
                };
                match open.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Ok(element),
                }
            }
            XmlEvent::Text(text) => {
                let text = text.decode().map_err(|err| bad(&reader, err.to_string()))?;
                match open.last_mut() {
                    Some(element) => element.text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err(bad(&reader, "text before the root element".into())),
                }
            }
            XmlEvent::CData(data) => {
                let text = data.decode().map_err(|err| bad(&reader, err.to_string()))?;
                if let Some(element) = open.last_mut() {
                    element.text.push_str(&text);
                }
            }
            XmlEvent::GeneralRef(reference) => {
                let resolved = resolve(&reference).map_err(|r| bad(&reader, r))?;
                match open.last_mut() {
                    Some(element) => element.text.push_str(&resolved),
                    None => return Err(bad(&reader, "text before the root element".into())),
                }
            }
            XmlEvent::Decl(_) | XmlEvent::PI(_) | XmlEvent::Comment(_) | XmlEvent::DocType(_) => {}
            XmlEvent::Eof if open.is_empty() => {
                return Err(bad(&reader, "no element".into()));
            }
            XmlEvent::Eof => return Err(SysmonXmlError::Truncated),
        }
    }
}

/// A start tag as an element with its attributes, entities resolved.
fn element(start: &BytesStart<'_>, decoder: Decoder) -> Result<Element, String> {
    let name = decoder
        .decode(start.local_name().as_ref())
        .map_err(|err| err.to_string())?
        .into_owned();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|err| err.to_string())?;
        let key = decoder
            .decode(attribute.key.local_name().as_ref())
            .map_err(|err| err.to_string())?
            .into_owned();
        let value = attribute
            .decoded_and_normalized_value(XmlVersion::Implicit1_0, decoder)
            .map_err(|err| err.to_string())?
            .into_owned();
        attributes.push((key, value));
    }
    Ok(Element {
        name,
        attributes,
        ..Element::default()
    })
}

/// The text of `&name;` or `&#n;`: the five XML entities and character references.
fn resolve(reference: &BytesRef<'_>) -> Result<String, String> {
    if let Some(c) = reference
        .resolve_char_ref()
        .map_err(|err| err.to_string())?
    {
        return Ok(c.to_string());
    }
    let name = reference.decode().map_err(|err| err.to_string())?;
    resolve_predefined_entity(&name)
        .map(str::to_owned)
        .ok_or_else(|| format!("unknown entity &{name};"))
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// `<Event>` as the `evtx` crate renders it: `System` and `EventData` as objects,
    /// other sections (`UserData`) as plain elements.
    fn into_event_json(self) -> Json {
        let mut sections = Map::new();
        for section in self.children {
            let name = section.name.clone();
            let json = match name.as_str() {
                "System" => section.into_system_json(),
                "EventData" => section.into_event_data_json(),
                _ => section.into_json(),
            };
            sections.insert(name, json);
        }
        Json::Object(sections)
    }

    /// `System`: an object of its children. Sysmon for Linux writes `<Security UserId>`
    /// where Windows writes `UserID`.
    fn into_system_json(self) -> Json {
        let mut children = Map::new();
        for mut child in self.children {
            for (key, _) in &mut child.attributes {
                if key == "UserId" {
                    *key = "UserID".into();
                }
            }
            children.insert(child.name.clone(), child.into_json());
        }
        Json::Object(children)
    }

    /// `EventData`: each `<Data Name="N">v</Data>` as `"N": v` (null when empty), unnamed
    /// `Data` as `{"#text": v}` or `{"#text": [v, …]}`, other children as elements.
    fn into_event_data_json(self) -> Json {
        let mut data = Map::new();
        let mut unnamed = Vec::new();
        for child in self.children {
            if child.name != "Data" {
                data.insert(child.name.clone(), child.into_json());
                continue;
            }
            let value = (!child.text.is_empty()).then(|| Json::String(child.text.clone()));
            match child.attribute("Name") {
                Some(name) => {
                    data.insert(name.to_owned(), value.unwrap_or(Json::Null));
                }
                None => unnamed.extend(value),
            }
        }
        let text = match unnamed.len() {
            0 => None,
            1 => unnamed.pop(),
            _ => Some(Json::Array(unnamed)),
        };
        if let Some(text) = text {
            data.insert(
                "Data".into(),
                Json::Object(Map::from_iter([("#text".into(), text)])),
            );
        }
        Json::Object(data)
    }

    /// Any element: its text alone; `#attributes` (and `#text`) when it has attributes;
    /// its children by name when it has some; null when it has nothing.
    fn into_json(self) -> Json {
        let attributes = (!self.attributes.is_empty()).then(|| {
            Json::Object(
                self.attributes
                    .into_iter()
                    .map(|(key, value)| (key, Json::String(value)))
                    .collect(),
            )
        });
        let mut object = Map::new();
        if let Some(attributes) = attributes {
            object.insert("#attributes".into(), attributes);
        }
        if self.children.is_empty() {
            let text = (!self.text.is_empty()).then_some(Json::String(self.text));
            return match (object.is_empty(), text) {
                (true, None) => Json::Null,
                (true, Some(text)) => text,
                (false, text) => {
                    if let Some(text) = text {
                        object.insert("#text".into(), text);
                    }
                    Json::Object(object)
                }
            };
        }
        for child in self.children {
            object.insert(child.name.clone(), child.into_json());
        }
        Json::Object(object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{LineFormat, LineParser, ParseOptions};
    use crate::{LogsourceKey, LogsourceMap};
    use chrono::{TimeZone, Utc};
    use vigil_event::Value;

    const PROVIDER: &str =
        r#"<Provider Name="Linux-Sysmon" Guid="{ff032593-a8d3-4f13-b0d6-01fc615a0f97}"/>"#;

    /// A Sysmon for Linux event as the daemon writes it, with `data` as its EventData.
    fn event_xml(event_id: u32, record_id: u32, data: &[(&str, &str)]) -> String {
        let data: String = data
            .iter()
            .map(|(name, value)| format!(r#"<Data Name="{name}">{value}</Data>"#))
            .collect();
        format!(
            "<Event><System>{PROVIDER}<EventID>{event_id}</EventID><Version>5</Version>\
             <Level>4</Level><Task>{event_id}</Task><Opcode>0</Opcode>\
             <Keywords>0x8000000000000000</Keywords>\
             <TimeCreated SystemTime=\"2026-11-23T09:15:02.123456000Z\"/>\
             <EventRecordID>{record_id}</EventRecordID><Correlation/>\
             <Execution ProcessID=\"812\" ThreadID=\"812\"/>\
             <Channel>Linux-Sysmon/Operational</Channel><Computer>web01</Computer>\
             <Security UserId=\"0\"/></System><EventData>{data}</EventData></Event>"
        )
    }

    fn process_creation() -> String {
        event_xml(
            1,
            4711,
            &[
                ("RuleName", "-"),
                ("UtcTime", "2026-11-23 09:15:02.123"),
                ("ProcessGuid", "{4a1f6c2e-0b7d-6571-6d3a-9f2c00000000}"),
                ("ProcessId", "4242"),
                ("Image", "/usr/bin/curl"),
                ("FileVersion", "-"),
                ("Description", "-"),
                (
                    "CommandLine",
                    "curl -s http://203.0.113.9/x.sh?a=1&amp;b=&quot;2&quot; -o /tmp/&lt;x&gt;",
                ),
                ("CurrentDirectory", "/tmp"),
                ("User", "root"),
                ("LogonId", "0"),
                ("Hashes", ""),
                ("ParentProcessId", "4200"),
                ("ParentImage", "/usr/bin/bash"),
                ("ParentCommandLine", "bash"),
                ("ParentUser", "root"),
            ],
        )
    }

    fn syslog_line(xml: &str) -> String {
        format!("Nov 23 16:15:02 web01 sysmon: {xml}")
    }

    fn parse_ok(xml: &str) -> Event {
        parse(xml).unwrap_or_else(|err| panic!("{err}: {xml}"))
    }

    #[test]
    fn process_creation_gets_the_evtx_names() {
        let e = parse_ok(&process_creation());
        assert_eq!(e.get("EventID"), Some(&Value::Int(1)));
        assert_eq!(e.get_str("Channel"), Some("Linux-Sysmon/Operational"));
        assert_eq!(e.get_str("Computer"), Some("web01"));
        assert_eq!(e.get_str("Provider_Name"), Some("Linux-Sysmon"));
        assert_eq!(
            e.get_str("Provider_Guid"),
            Some("{ff032593-a8d3-4f13-b0d6-01fc615a0f97}")
        );
        assert_eq!(e.get("EventRecordID"), Some(&Value::Int(4711)));
        assert_eq!(e.get("Version"), Some(&Value::Int(5)));
        assert_eq!(e.get("ProcessID"), Some(&Value::Int(812)));
        assert_eq!(e.get("ThreadID"), Some(&Value::Int(812)));
        assert_eq!(e.get_str("UserID"), Some("0"));
        assert_eq!(e.get_str("Keywords"), Some("0x8000000000000000"));
        assert_eq!(
            e.get_str("TimeCreated"),
            Some("2026-11-23T09:15:02.123456000Z")
        );
        assert_eq!(
            e.timestamp,
            Utc.with_ymd_and_hms(2026, 11, 23, 9, 15, 2)
                .single()
                .map(|t| t + chrono::Duration::microseconds(123_456))
        );
        assert_eq!(e.get_str("Image"), Some("/usr/bin/curl"));
        assert_eq!(
            e.get_str("CommandLine"),
            Some(r#"curl -s http://203.0.113.9/x.sh?a=1&b="2" -o /tmp/<x>"#)
        );
        assert_eq!(e.get_str("ProcessId"), Some("4242"));
        assert_eq!(e.get_str("User"), Some("root"));
        assert_eq!(e.get_str("ParentImage"), Some("/usr/bin/bash"));
        assert_eq!(e.get_str("ParentCommandLine"), Some("bash"));
        assert_eq!(e.get("Hashes"), Some(&Value::Null), "empty data is null");
        assert!(!e.contains("Correlation") && !e.contains("Data"));
        // System first, then the event data in source order, as from an .evtx file.
        let names: Vec<&str> = e.fields().map(|(n, _)| n).collect();
        assert_eq!(names[0], "Provider_Name");
        assert_eq!(names[names.len() - 1], "ParentUser");
    }

    #[test]
    fn network_connection_with_entities() {
        let xml = event_xml(
            3,
            4712,
            &[
                ("RuleName", "-"),
                ("UtcTime", "2026-11-23 09:15:03.001"),
                ("ProcessId", "4242"),
                ("Image", "/usr/bin/curl"),
                ("User", "root"),
                ("Protocol", "tcp"),
                ("Initiated", "true"),
                ("SourceIsIpv6", "false"),
                ("SourceIp", "10.20.0.15"),
                ("SourceHostname", "-"),
                ("SourcePort", "51522"),
                ("DestinationIsIpv6", "false"),
                ("DestinationIp", "203.0.113.9"),
                ("DestinationHostname", "cdn&#45;x&#x2E;example"),
                ("DestinationPort", "80"),
                ("DestinationPortName", "&apos;http&apos;"),
            ],
        );
        let e = parse_ok(&xml);
        assert_eq!(e.get("EventID"), Some(&Value::Int(3)));
        assert_eq!(e.get_str("DestinationIp"), Some("203.0.113.9"));
        assert_eq!(e.get_str("DestinationPort"), Some("80"));
        assert_eq!(e.get_str("DestinationHostname"), Some("cdn-x.example"));
        assert_eq!(e.get_str("DestinationPortName"), Some("'http'"));
        assert_eq!(e.get_str("Initiated"), Some("true"));
    }

    #[test]
    fn file_create_with_a_namespace_and_entities_in_attributes() {
        let xml = event_xml(
            11,
            4713,
            &[
                ("RuleName", "-"),
                ("UtcTime", "2026-11-23 09:15:04.500"),
                ("ProcessGuid", "{4a1f6c2e-0b7d-6571-6d3a-9f2c00000000}"),
                ("ProcessId", "4242"),
                ("Image", "/usr/bin/curl"),
                ("TargetFilename", "/tmp/a &amp; b.sh"),
                ("CreationUtcTime", "2026-11-23 09:15:04.500"),
                ("User", "www-data"),
            ],
        )
        .replacen(
            "<Event>",
            "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>",
            1,
        )
        .replacen(r#"Name="Linux-Sysmon""#, r#"Name="Linux&#45;Sysmon""#, 1);
        let e = parse_ok(&xml);
        assert_eq!(e.get("EventID"), Some(&Value::Int(11)));
        assert_eq!(e.get_str("Provider_Name"), Some("Linux-Sysmon"));
        assert_eq!(e.get_str("TargetFilename"), Some("/tmp/a & b.sh"));
        assert_eq!(e.get_str("User"), Some("www-data"));
        assert!(!e.contains("xmlns"));
    }

    #[test]
    fn malformed_xml_is_an_error_with_a_reason() {
        let whole = process_creation();
        let cut = &whole[..whole.len() / 2];
        assert_eq!(parse(cut), Err(SysmonXmlError::Truncated));
        let err = |xml: &str| parse(xml).err().map(|e| e.to_string()).unwrap_or_default();
        let mismatched = err(&whole.replace("</EventID>", "</EventId>"));
        assert!(
            mismatched.starts_with("bad Sysmon event XML at byte ")
                && mismatched.contains("EventId"),
            "{mismatched}"
        );
        let entity = err(&whole.replace("&amp;", "&nbsp;"));
        assert!(entity.contains("unknown entity &nbsp;"), "{entity}");
        let attribute = err(&whole.replace("ProcessID=\"812\"", "ProcessID=812"));
        assert!(attribute.starts_with("bad Sysmon event XML"), "{attribute}");
        assert_eq!(
            parse("<Event><EventData/></Event>"),
            Err(SysmonXmlError::NoSystem)
        );
        assert_eq!(
            parse("<Events/>"),
            Err(SysmonXmlError::NotAnEvent("Events".into()))
        );
        let deep = format!("<Event>{}", "<a>".repeat(MAX_DEPTH));
        assert_eq!(parse(&deep), Err(SysmonXmlError::TooDeep));
    }

    #[test]
    fn syslog_lines_keep_their_fields_and_gain_sysmon_ones() {
        let mut parser = LineParser::new(LineFormat::Syslog, ParseOptions::default());
        let line = syslog_line(&process_creation());
        let e = parser.parse(&line).ok().flatten().expect("a syslog event");
        assert_eq!(e.get_str("host"), Some("web01"));
        assert_eq!(e.get_str("program"), Some("sysmon"));
        assert!(e
            .get_str("message")
            .is_some_and(|m| m.starts_with("<Event>")));
        assert_eq!(e.get_str("event.original"), Some(line.as_str()));
        assert_eq!(e.get_str("Computer"), Some("web01"));
        assert_eq!(e.get_str("Image"), Some("/usr/bin/curl"));
        assert_eq!(
            e.timestamp.map(|t| t.to_rfc3339()),
            Some("2026-11-23T09:15:02.123456+00:00".into()),
            "Sysmon's own time, not the zone-less syslog one"
        );

        // Cut short by a 1 KiB syslog limit: kept as the plain syslog message it is.
        let cut = &line[..1024];
        let e = parser.parse(cut).ok().flatten().expect("a syslog event");
        assert_eq!(e.get_str("program"), Some("sysmon"));
        assert!(!e.contains("Channel") && !e.contains("Image"));
        let mut copy = e.clone();
        assert_eq!(decode(&mut copy), Err(SysmonXmlError::Truncated));
        assert_eq!(copy, e);

        // Other messages are left alone.
        let mut other = parser
            .parse("Nov 23 16:15:02 web01 app: <Eventful> day")
            .ok()
            .flatten()
            .expect("a syslog event");
        assert_eq!(decode(&mut other), Ok(false));
        assert!(is_event_xml("  <Event xmlns='x'><System/></Event>"));
        assert!(!is_event_xml("<EventData>"));
    }

    #[test]
    fn classified_as_linux_sysmon_logsources() {
        let map = LogsourceMap::embedded();
        let mut parser = LineParser::new(LineFormat::Syslog, ParseOptions::default());
        let mut class_of = |xml: String| {
            let e = parser
                .parse(&syslog_line(&xml))
                .ok()
                .flatten()
                .expect("a syslog event");
            map.class(map.classify(&e)).clone()
        };
        // A rule's logsource: product and category, no service (as SigmaHQ's Linux rules).
        let rule = |product, category| LogsourceKey::new(Some(product), category, None);

        let process = class_of(process_creation());
        assert!(process.covers(&rule("linux", Some("process_creation"))));
        assert!(process.covers(&rule("linux", None)));
        assert!(!process.covers(&rule("windows", Some("process_creation"))));
        assert!(!process.covers(&rule("linux", Some("network_connection"))));

        let network = class_of(event_xml(3, 1, &[("DestinationIp", "203.0.113.9")]));
        assert!(network.covers(&rule("linux", Some("network_connection"))));
        assert!(!network.covers(&rule("linux", Some("process_creation"))));
        let file = class_of(event_xml(11, 1, &[("TargetFilename", "/tmp/x")]));
        assert!(file.covers(&rule("linux", Some("file_event"))));
        assert!(!file.covers(&rule("windows", None)));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_mangled_events(cut in 0usize..2000, byte in 0u8..128) {
            let mut xml = process_creation().into_bytes();
            let at = cut % xml.len();
            xml[at] = byte;
            let xml = String::from_utf8_lossy(&xml);
            let _ = parse(&xml);
            let _ = parse(&xml[..at]);
        }
    }
}
