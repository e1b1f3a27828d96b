//! The Splunk HEC-compatible API, for senders with a Splunk output (Splunk's own logging
//! libraries, Fluent Bit, Vector, OpenTelemetry, NXLog): `Authorization: Splunk <token>`
//! (or `?token=`), answers in HEC's `{"text", "code"}` terms.
//!
//! - `POST /services/collector[/event[/1.0]]`: one or more JSON envelopes written one after
//!   another (newlines between them optional): `{"time", "host", "source", "sourcetype",
//!   "index", "event", "fields"}`. A string `event` is a log line, read as text log lines
//!   are ([`LineDecoder`]); an object `event` is a JSON event ([`json::event_from_object`]).
//!   `time` (epoch seconds; values past year 5138 are taken as milliseconds) sets the
//!   event's time; `fields` are added under their own names where the event has none.
//!   Envelopes before a bad one are stored; the bad one and everything after it go to the
//!   quarantine, and the answer is 400 with its `invalid-event-number` (0-based), as Splunk
//!   answers.
//! - `POST /services/collector/raw[/1.0]`: text, one event per line; `?host=`,
//!   `?source=`, `?sourcetype=`, `?index=` apply to every line (`X-Splunk-Request-Channel`
//!   and `?channel=` are accepted; acknowledgements are off).
//! - `GET /services/collector/health[/1.0]`: `{"text":"HEC is healthy","code":17}`.
//!
//! Metadata lands in the event as `host` / `host.hostname` (when the event has no host),
//! `splunk.source`, `splunk.sourcetype` and `vigil.index`.

use super::batch::{BatchBuilder, Position, Wait};
use super::extract::{Body, Sender};
use super::json;
use super::line::LineDecoder;
use super::respond::{hec_reply, Hec, Refused};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use vigil_event::{Event, Value};
use vigil_pipeline::intake::Source;

/// The HEC routes.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/services/collector", post(event))
        .route("/services/collector/event", post(event))
        .route("/services/collector/event/1.0", post(event))
        .route("/services/collector/raw", post(raw))
        .route("/services/collector/raw/1.0", post(raw))
        .route("/services/collector/health", get(health))
        .route("/services/collector/health/1.0", get(health))
        .route("/services/collector/ack", post(ack))
}

/// Metadata given for the whole request (query parameters) or per envelope.
#[derive(Debug, Default, Clone, Deserialize)]
struct Meta {
    host: Option<String>,
    source: Option<String>,
    sourcetype: Option<String>,
    index: Option<String>,
}

impl Meta {
    /// This envelope's metadata, falling back to the request's.
    fn of_envelope(envelope: &Map<String, Json>, request: &Meta) -> Meta {
        let text = |name: &str, fallback: &Option<String>| {
            envelope
                .get(name)
                .and_then(Json::as_str)
                .map(str::to_owned)
                .or_else(|| fallback.clone())
        };
        Meta {
            host: text("host", &request.host),
            source: text("source", &request.source),
            sourcetype: text("sourcetype", &request.sourcetype),
            index: text("index", &request.index),
        }
    }

    fn apply(&self, event: &mut Event) {
        if let Some(host) = &self.host {
            if !event.contains("host") {
                event.push("host", host.as_str());
                event.push("host.hostname", host.as_str());
            }
        }
        for (name, value) in [
            ("splunk.source", &self.source),
            ("splunk.sourcetype", &self.sourcetype),
            ("vigil.index", &self.index),
        ] {
            if let Some(value) = value {
                event.set(name, value.as_str());
            }
        }
    }
}

/// How a request ended, in HEC's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Success,
    NoData,
    Invalid { number: usize, fault: Fault },
}

/// Why an envelope was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Format,
    EventRequired,
    EventBlank,
}

impl Fault {
    fn code(self) -> u16 {
        match self {
            Fault::Format => 6,
            Fault::EventRequired => 12,
            Fault::EventBlank => 13,
        }
    }

    fn text(self) -> &'static str {
        match self {
            Fault::Format => "Invalid data format",
            Fault::EventRequired => "Event field is required",
            Fault::EventBlank => "Event field cannot be blank",
        }
    }
}

impl Outcome {
    fn respond(self) -> Response {
        match self {
            Outcome::Success => hec_reply(StatusCode::OK, 0, "Success", None),
            Outcome::NoData => hec_reply(StatusCode::BAD_REQUEST, 5, "No data", None),
            Outcome::Invalid { number, fault } => hec_reply(
                StatusCode::BAD_REQUEST,
                fault.code(),
                fault.text(),
                Some(("invalid-event-number", number)),
            ),
        }
    }
}

async fn event(
    State(state): State<AppState>,
    sender: Sender<Hec>,
    Query(meta): Query<Meta>,
    Body(body, ..): Body<Hec>,
) -> Result<Response, Refused<Hec>> {
    ingest(&state, sender, meta, body, read_envelopes).await
}

async fn raw(
    State(state): State<AppState>,
    sender: Sender<Hec>,
    Query(meta): Query<Meta>,
    Body(body, ..): Body<Hec>,
) -> Result<Response, Refused<Hec>> {
    ingest(&state, sender, meta, body, read_lines).await
}

/// Reads `body` into one batch with `read` (off the async workers), hands the batch to the
/// pipeline and answers with how the reading ended.
async fn ingest(
    state: &AppState,
    sender: Sender<Hec>,
    meta: Meta,
    body: Bytes,
    read: fn(&[u8], &Meta, &mut BatchBuilder) -> Outcome,
) -> Result<Response, Refused<Hec>> {
    let mut batch = sender.batch(Source::Hec, &state.limits);
    let (batch, outcome) = super::off_runtime(move || {
        let outcome = read(&body, &meta, &mut batch);
        (batch, outcome)
    })
    .await?;
    batch.submit(&state.intake, Wait::No).await?;
    Ok(outcome.respond())
}

/// Stores the envelopes of `body` up to the first bad one.
fn read_envelopes(body: &[u8], meta: &Meta, batch: &mut BatchBuilder) -> Outcome {
    let mut decoder = LineDecoder::default();
    let mut stream = serde_json::Deserializer::from_slice(body).into_iter::<IgnoredAny>();
    let mut number = 0;
    loop {
        let start = stream.byte_offset();
        let at = Some(Position {
            what: "event",
            number,
        });
        let end = match stream.next() {
            None => break,
            Some(Ok(_)) => stream.byte_offset(),
            Some(Err(err)) => {
                let reason = format!("invalid JSON: {}", json::describe(&err));
                batch.reject_raw(at, &reason, &body[start..]);
                return Outcome::Invalid {
                    number,
                    fault: Fault::Format,
                };
            }
        };
        let mut fault = Fault::Format;
        let stored = match std::str::from_utf8(&body[start..end]) {
            Ok(text) => batch
                .push_json(text.trim(), at, |envelope| {
                    to_event(envelope, meta, &mut decoder).map_err(|f| {
                        fault = f;
                        f.text().to_owned()
                    })
                })
                .is_ok(),
            Err(err) => {
                let reason = format!("invalid UTF-8 at byte {}", err.valid_up_to());
                batch.reject_raw(at, &reason, &body[start..]);
                false
            }
        };
        if !stored {
            if end < body.len() {
                let reason = format!("after invalid event {number}");
                batch.reject_raw(None, &reason, &body[end..]);
            }
            return Outcome::Invalid { number, fault };
        }
        number += 1;
    }
    if number == 0 {
        Outcome::NoData
    } else {
        Outcome::Success
    }
}

/// The event of one envelope.
fn to_event(
    mut envelope: Map<String, Json>,
    request: &Meta,
    decoder: &mut LineDecoder,
) -> Result<Event, Fault> {
    let mut event = match envelope.remove("event") {
        None => return Err(Fault::EventRequired),
        Some(Json::Null) => return Err(Fault::EventBlank),
        Some(Json::String(text)) => decoder.decode(&text).ok_or(Fault::EventBlank)?,
        Some(Json::Object(object)) => json::event_from_object(object),
        Some(other) => decoder
            .decode(&other.to_string())
            .ok_or(Fault::EventBlank)?,
    };
    if let Some(time) = envelope.get("time").and_then(epoch) {
        event.timestamp = Some(time);
    }
    Meta::of_envelope(&envelope, request).apply(&mut event);
    if let Some(Json::Object(fields)) = envelope.remove("fields") {
        for (name, value) in fields {
            if !event.contains(&name) {
                event.push(name, Value::from_json(&value));
            }
        }
    }
    Ok(event)
}

/// Seconds past which a HEC `time` is read as milliseconds (year 5138).
const MILLIS_THRESHOLD: f64 = 1e11;

/// A HEC `time`: epoch seconds, as a number or a string, with a fraction.
fn epoch(value: &Json) -> Option<DateTime<Utc>> {
    let mut seconds = match value {
        Json::Number(n) => n.as_f64()?,
        Json::String(text) => text.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    if seconds > MILLIS_THRESHOLD {
        seconds /= 1000.0;
    }
    let whole = seconds.trunc();
    DateTime::from_timestamp(whole as i64, ((seconds - whole) * 1e9) as u32)
}

/// Stores the lines of a raw `body`, one event per line, with the request's metadata.
/// Blank lines are skipped; a body of only blank lines has no data (and leaves the batch
/// empty).
fn read_lines(body: &[u8], meta: &Meta, batch: &mut BatchBuilder) -> Outcome {
    let mut decoder = LineDecoder::default();
    let mut lines = 0;
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        let at = Some(Position {
            what: "line",
            number: i + 1,
        });
        match batch.push_line(line, false, &mut decoder, at) {
            Ok(Some(event)) => {
                meta.apply(event);
                lines += 1;
            }
            Ok(None) => {}
            Err(_) => lines += 1,
        }
    }
    if lines == 0 {
        Outcome::NoData
    } else {
        Outcome::Success
    }
}

async fn health() -> Response {
    hec_reply(StatusCode::OK, 17, "HEC is healthy", None)
}

async fn ack() -> Response {
    hec_reply(StatusCode::BAD_REQUEST, 14, "ACK is disabled", None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Limits;

    fn read(body: &str) -> (Outcome, BatchBuilder) {
        let mut batch = BatchBuilder::new(Source::Hec, Some("a".into()), None, &Limits::default());
        let meta = Meta {
            sourcetype: Some("linux_secure".into()),
            ..Meta::default()
        };
        (read_envelopes(body.as_bytes(), &meta, &mut batch), batch)
    }

    #[test]
    fn concatenated_envelopes_without_newlines() {
        let (outcome, batch) = read(
            r#"{"event":"Mar  1 10:00:00 web1 sshd[7]: Failed password for root from 198.51.100.9 port 4242 ssh2","time":1714557600.5}{"event":{"user":"bob"},"host":"h2","fields":{"env":"prod"}}"#,
        );
        assert_eq!(outcome, Outcome::Success);
        assert_eq!(batch.len(), 2);
    }

    #[test]
    fn the_first_bad_envelope_is_numbered() {
        let (outcome, batch) = read(r#"{"event":"a"} {"time":1} {"event":"c"}"#);
        assert_eq!(
            outcome,
            Outcome::Invalid {
                number: 1,
                fault: Fault::EventRequired
            }
        );
        assert_eq!(
            batch.len(),
            3,
            "one stored, the bad one and the rest quarantined"
        );
        let (outcome, _) = read(r#"{"event":"a"}{"event": }"#);
        assert_eq!(
            outcome,
            Outcome::Invalid {
                number: 1,
                fault: Fault::Format
            }
        );
        assert_eq!(
            read(r#"{"event":""}"#).0,
            Outcome::Invalid {
                number: 0,
                fault: Fault::EventBlank
            }
        );
        assert_eq!(read("  \n").0, Outcome::NoData);
    }

    #[test]
    fn envelope_fields_and_time_reach_the_event() {
        let envelope = json::parse_object(
            r#"{"event":{"msg":"x"},"time":"1714557600.25","host":"web1","index":"main","fields":{"env":"prod","msg":"not this"}}"#,
        )
        .unwrap();
        let e = to_event(envelope, &Meta::default(), &mut LineDecoder::default()).unwrap();
        assert_eq!(
            e.timestamp.map(|t| t.timestamp_millis()),
            Some(1_714_557_600_250)
        );
        assert_eq!(e.get_str("host"), Some("web1"));
        assert_eq!(e.get_str("vigil.index"), Some("main"));
        assert_eq!(e.get_str("env"), Some("prod"));
        assert_eq!(e.get_str("msg"), Some("x"));
        assert_eq!(
            epoch(&Json::from(1_714_557_600_000_i64)),
            epoch(&Json::from(1_714_557_600))
        );
    }
}
