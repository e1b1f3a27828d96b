//! The handoff between ingest endpoints and the pipeline: a bounded channel of parsed
//! batches, each answered once it is durable, and of rejected input for the quarantine.
//!
//! The channel is the back-pressure point: when it is full, [`Intake::try_submit`] answers
//! [`SubmitError::Busy`] at once (HTTP turns that into 429 with `Retry-After`, UDP counts a
//! drop) while [`Intake::submit`] waits for room (TCP stops reading the socket).

use crate::metrics::Metrics;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use vigil_event::Event;

/// How a batch arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    SyslogUdp,
    SyslogTcp,
    SyslogTls,
    /// `POST /api/v1/ingest` (JSON Lines).
    Http,
    /// Elasticsearch-compatible `_bulk`.
    Bulk,
    /// Splunk HEC-compatible `/services/collector`.
    Hec,
    /// `vigil import` of files.
    Import,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::SyslogUdp => "syslog_udp",
            Source::SyslogTcp => "syslog_tcp",
            Source::SyslogTls => "syslog_tls",
            Source::Http => "http",
            Source::Bulk => "bulk",
            Source::Hec => "hec",
            Source::Import => "import",
        }
    }

    pub const ALL: [Source; 7] = [
        Source::SyslogUdp,
        Source::SyslogTcp,
        Source::SyslogTls,
        Source::Http,
        Source::Bulk,
        Source::Hec,
        Source::Import,
    ];
}

/// One parsed log record and the text it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub event: Event,
    /// The original text as received (cut to the size limit when `truncated`).
    pub raw: String,
    /// Whether the message was longer than the limit and was cut.
    pub truncated: bool,
}

/// Records that arrived together from one sender.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestBatch {
    pub source: Source,
    /// The agency the sender authenticated as; `None` when the protocol carries no
    /// credential (syslog), and the pipeline attributes the batch by `peer`.
    pub agency_id: Option<String>,
    /// The sender's address.
    pub peer: Option<IpAddr>,
    pub received_at: DateTime<Utc>,
    pub records: Vec<Record>,
}

/// Input that could not be parsed, kept in the quarantine with its reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub source: Source,
    pub agency_id: Option<String>,
    pub peer: Option<IpAddr>,
    pub reason: String,
    /// What arrived, cut to the quarantine's size limit.
    pub raw: Vec<u8>,
    /// The original size in bytes.
    pub size: usize,
    pub truncated: bool,
}

/// Why a batch was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    /// The pipeline is saturated: try again after the given time.
    #[error("pipeline is busy, retry after {retry_after:?}")]
    Busy { retry_after: Duration },
    /// The pipeline could not make the batch durable (or is shutting down).
    #[error("pipeline failed: {0}")]
    Failed(String),
}

/// What the pipeline receives from ingest.
#[derive(Debug)]
pub enum IntakeMessage {
    /// A batch to make durable; the answer goes back on the sender.
    Batch(IngestBatch, oneshot::Sender<Result<(), SubmitError>>),
    Reject(Rejected),
}

/// How long a busy sender is told to wait.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The ingest side of the handoff; cheap to clone.
#[derive(Debug, Clone)]
pub struct Intake {
    tx: mpsc::Sender<IntakeMessage>,
    metrics: Arc<Metrics>,
}

impl Intake {
    /// A handoff holding at most `capacity` messages in flight; the receiver is the
    /// pipeline's.
    pub fn new(capacity: usize, metrics: Arc<Metrics>) -> (Intake, mpsc::Receiver<IntakeMessage>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (Intake { tx, metrics }, rx)
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Submits a batch, waiting for room when the channel is full; `Ok` once the batch
    /// is durable.
    pub async fn submit(&self, batch: IngestBatch) -> Result<(), SubmitError> {
        let (done, answer) = oneshot::channel();
        self.tx
            .send(IntakeMessage::Batch(batch, done))
            .await
            .map_err(|_| SubmitError::Failed("pipeline stopped".into()))?;
        Self::await_answer(answer).await
    }

    /// Submits a batch unless the channel is full, in which case it answers
    /// [`SubmitError::Busy`] at once; `Ok` once the batch is durable.
    pub async fn try_submit(&self, batch: IngestBatch) -> Result<(), SubmitError> {
        let (done, answer) = oneshot::channel();
        match self.tx.try_send(IntakeMessage::Batch(batch, done)) {
            Ok(()) => Self::await_answer(answer).await,
            Err(mpsc::error::TrySendError::Full(_)) => Err(SubmitError::Busy {
                retry_after: RETRY_AFTER,
            }),
            Err(mpsc::error::TrySendError::Closed(_)) => {
                Err(SubmitError::Failed("pipeline stopped".into()))
            }
        }
    }

    async fn await_answer(
        answer: oneshot::Receiver<Result<(), SubmitError>>,
    ) -> Result<(), SubmitError> {
        answer
            .await
            .unwrap_or_else(|_| Err(SubmitError::Failed("pipeline stopped".into())))
    }

    /// Sends rejected input to the quarantine (waits for room: rejects are never dropped).
    pub async fn reject(&self, rejected: Rejected) {
        self.metrics.parse_failure(rejected.source);
        let _ = self.tx.send(IntakeMessage::Reject(rejected)).await;
    }

    /// Messages waiting in the channel.
    pub fn queued(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }
}
