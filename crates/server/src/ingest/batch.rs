//! [`BatchBuilder`]: how every ingest path (an HTTP body, a syslog connection, a burst of
//! datagrams) turns what arrived into [`Record`]s of one [`IngestBatch`] and [`Rejected`]
//! entries for the quarantine, and hands them to the pipeline.
//!
//! One rule for size, everywhere: a message longer than
//! [`Limits::max_message_bytes`](crate::state::Limits) is cut to it (at a character
//! boundary) and flagged `truncated`. A cut JSON document is [salvaged](json::salvage)
//! as far as it can be; a cut document nothing can be salvaged from goes to the quarantine
//! as "truncated: message over N bytes". Each cut message counts once in
//! `metrics.truncated`.
//!
//! Rejects reach the quarantine only after the batch is accepted: a sender told "busy"
//! sends the same request again, and its bad lines are then quarantined once.

use super::json;
use super::line::{self, LineDecoder};
use crate::state::Limits;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value as Json};
use std::fmt;
use std::net::IpAddr;
use vigil_event::Event;
use vigil_pipeline::intake::{IngestBatch, Intake, Record, Rejected, Source, SubmitError};

/// Where a message was in what arrived ("line 7", "event 2"), for reject reasons.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Position {
    pub what: &'static str,
    pub number: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.what, self.number)
    }
}

/// How to hand a batch over when the pipeline is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Wait for room (TCP: the sender is slowed down by not reading its socket).
    ForRoom,
    /// Answer busy at once (HTTP: 429 and `Retry-After`; UDP: counted drops).
    No,
}

/// What a submitted batch held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Submitted {
    pub accepted: usize,
    pub rejected: usize,
}

/// The records and rejects of one sender, on their way to one batch.
#[derive(Debug)]
pub(crate) struct BatchBuilder {
    source: Source,
    agency_id: Option<String>,
    peer: Option<IpAddr>,
    max_message: usize,
    received_at: DateTime<Utc>,
    records: Vec<Record>,
    rejects: Vec<Rejected>,
    truncated: u64,
}

impl BatchBuilder {
    /// An empty batch from `peer`, as `agency_id` (`None` for syslog, which carries no
    /// credential: the pipeline attributes it by `peer`).
    pub(crate) fn new(
        source: Source,
        agency_id: Option<String>,
        peer: Option<IpAddr>,
        limits: &Limits,
    ) -> Self {
        BatchBuilder {
            source,
            agency_id,
            peer,
            max_message: limits.max_message_bytes,
            received_at: Utc::now(),
            records: Vec::new(),
            rejects: Vec::new(),
            truncated: 0,
        }
    }

    /// An empty batch from the same sender, to fill while this one is handed over.
    pub(crate) fn next(&self) -> Self {
        BatchBuilder {
            agency_id: self.agency_id.clone(),
            records: Vec::new(),
            rejects: Vec::new(),
            truncated: 0,
            received_at: Utc::now(),
            ..*self
        }
    }

    /// Messages taken so far, good or bad.
    pub(crate) fn len(&self) -> usize {
        self.records.len() + self.rejects.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A JSON document (a line of JSON Lines, a `_bulk` source, a HEC envelope) made into
    /// an event by `to_event`; the reason when it is refused (it then goes to the
    /// quarantine, with `at` in front of the reason).
    pub(crate) fn push_json(
        &mut self,
        text: &str,
        at: Option<Position>,
        to_event: impl FnOnce(Map<String, Json>) -> Result<Event, String>,
    ) -> Result<&mut Event, String> {
        let (kept, truncated) = cut(text, self.max_message);
        let object = if truncated {
            json::salvage(kept)
                .ok_or_else(|| format!("truncated: message over {} bytes", self.max_message))
        } else {
            json::parse_object(kept)
        };
        match object.and_then(to_event) {
            Ok(event) => Ok(self.record(event, kept, truncated)),
            Err(reason) => {
                self.reject(at, &reason, kept.as_bytes(), text.len(), truncated);
                Err(reason)
            }
        }
    }

    /// A text message (a syslog frame or datagram, a raw HEC line), decoded by `decoder`;
    /// `cut_by_framer` when the framing already cut it. `Ok(None)` for a blank line.
    pub(crate) fn push_line(
        &mut self,
        bytes: &[u8],
        cut_by_framer: bool,
        decoder: &mut LineDecoder,
        at: Option<Position>,
    ) -> Result<Option<&mut Event>, String> {
        let text = match line::text_of(bytes) {
            Ok(text) => text,
            Err(reason) => {
                let (kept, cut_here) = cut_bytes(bytes, self.max_message);
                let truncated = cut_by_framer || cut_here;
                self.reject(at, &reason, kept, bytes.len(), truncated);
                return Err(reason);
            }
        };
        let (kept, cut_here) = cut(&text, self.max_message);
        match decoder.decode(kept) {
            Some(event) => Ok(Some(self.record(event, kept, cut_by_framer || cut_here))),
            None => Ok(None),
        }
    }

    /// Sends `raw` to the quarantine with `reason`.
    pub(crate) fn reject_raw(&mut self, at: Option<Position>, reason: &str, raw: &[u8]) {
        let (kept, truncated) = cut_bytes(raw, self.max_message);
        self.reject(at, reason, kept, raw.len(), truncated);
    }

    fn record(&mut self, event: Event, raw: &str, truncated: bool) -> &mut Event {
        self.truncated += u64::from(truncated);
        self.records.push(Record {
            event,
            raw: raw.to_owned(),
            truncated,
        });
        let last = self.records.len() - 1;
        &mut self.records[last].event
    }

    fn reject(
        &mut self,
        at: Option<Position>,
        reason: &str,
        kept: &[u8],
        size: usize,
        truncated: bool,
    ) {
        self.truncated += u64::from(truncated);
        self.rejects.push(Rejected {
            source: self.source,
            agency_id: self.agency_id.clone(),
            peer: self.peer,
            reason: match at {
                Some(at) => format!("{at}: {reason}"),
                None => reason.to_owned(),
            },
            raw: kept.to_vec(),
            size,
            truncated,
        });
    }

    /// Hands the records to the pipeline (`Ok` once durable), then the rejects to the
    /// quarantine, and counts them. A busy answer is counted in `metrics.busy`.
    pub(crate) async fn submit(
        self,
        intake: &Intake,
        wait: Wait,
    ) -> Result<Submitted, SubmitError> {
        let metrics = intake.metrics();
        let submitted = Submitted {
            accepted: self.records.len(),
            rejected: self.rejects.len(),
        };
        if !self.records.is_empty() {
            let batch = IngestBatch {
                source: self.source,
                agency_id: self.agency_id,
                peer: self.peer,
                received_at: self.received_at,
                records: self.records,
            };
            let answer = match wait {
                Wait::ForRoom => intake.submit(batch).await,
                Wait::No => intake.try_submit(batch).await,
            };
            if let Err(err) = answer {
                if matches!(err, SubmitError::Busy { .. }) {
                    metrics.busy(self.source);
                }
                return Err(err);
            }
            metrics.events_in(self.source, submitted.accepted as u64);
        }
        metrics.truncated.inc_by(self.truncated);
        for rejected in self.rejects {
            intake.reject(rejected).await;
        }
        Ok(submitted)
    }
}

/// `text` cut to at most `max` bytes at a character boundary, and whether it was cut.
pub(crate) fn cut(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

fn cut_bytes(bytes: &[u8], max: usize) -> (&[u8], bool) {
    (&bytes[..bytes.len().min(max)], bytes.len() > max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use vigil_pipeline::intake::IntakeMessage;
    use vigil_pipeline::metrics::Metrics;

    fn builder(max: usize) -> BatchBuilder {
        let limits = Limits {
            max_message_bytes: max,
            max_body_bytes: 1 << 20,
        };
        BatchBuilder::new(Source::Http, Some("a1".into()), None, &limits)
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        assert_eq!(cut("héllo", 2), ("h", true));
        assert_eq!(cut("héllo", 3), ("hé", true));
        assert_eq!(cut("hi", 2), ("hi", false));
    }

    #[test]
    fn long_json_is_cut_salvaged_and_flagged() {
        let mut b = builder(40);
        let doc = format!(r#"{{"host":"h1","message":"{}"}}"#, "x".repeat(100));
        let event = b
            .push_json(&doc, None, |o| Ok(json::event_from_object(o)))
            .unwrap();
        assert_eq!(event.get_str("host"), Some("h1"));
        assert_eq!(b.records[0].raw.len(), 40);
        assert!(b.records[0].truncated);

        let doc = format!(r#"{{"{}":1}}"#, "k".repeat(100));
        let reason = b
            .push_json(
                &doc,
                Some(Position {
                    what: "line",
                    number: 2,
                }),
                |o| Ok(json::event_from_object(o)),
            )
            .unwrap_err();
        assert_eq!(reason, "truncated: message over 40 bytes");
        assert_eq!(
            b.rejects[0].reason,
            "line 2: truncated: message over 40 bytes"
        );
        assert_eq!((b.rejects[0].raw.len(), b.rejects[0].size), (40, doc.len()));
        assert_eq!(b.truncated, 2);
    }

    #[tokio::test]
    async fn rejects_follow_an_accepted_batch_and_busy_keeps_them() {
        let metrics = Arc::new(Metrics::new());
        let (intake, mut rx) = Intake::new(1, metrics.clone());
        let mut decoder = LineDecoder::default();
        let mut b = builder(1000);
        b.push_line(b"hello", false, &mut decoder, None).unwrap();
        b.reject_raw(None, "bad", b"\x00\x01");
        let answer = tokio::spawn(async move {
            let first = rx.recv().await;
            let Some(IntakeMessage::Batch(batch, done)) = first else {
                panic!("expected the batch first, got {first:?}");
            };
            assert_eq!(batch.records.len(), 1);
            done.send(Ok(())).unwrap();
            matches!(rx.recv().await, Some(IntakeMessage::Reject(r)) if r.reason == "bad")
        });
        let submitted = b.submit(&intake, Wait::No).await.unwrap();
        assert_eq!(
            submitted,
            Submitted {
                accepted: 1,
                rejected: 1
            }
        );
        assert!(answer.await.unwrap());
        assert_eq!(metrics.events_in_total(Source::Http), 1);

        let (intake, _rx) = Intake::new(1, metrics.clone());
        let mut filler = builder(1000);
        filler.push_line(b"a", false, &mut decoder, None).unwrap();
        let first = tokio::spawn({
            let intake = intake.clone();
            async move { filler.submit(&intake, Wait::No).await }
        });
        while intake.queued() == 0 {
            tokio::task::yield_now().await;
        }
        let mut b = builder(1000);
        b.push_line(b"b", false, &mut decoder, None).unwrap();
        assert!(matches!(
            b.submit(&intake, Wait::No).await,
            Err(SubmitError::Busy { .. })
        ));
        assert!(metrics
            .encode()
            .contains("vigil_busy_rejections_total{source=\"http\"} 1"));
        first.abort();
    }
}
