//! The durable bus between ingest and detection.
//!
//! Ingest publishes batches (opaque byte payloads it serialized itself) and is answered only
//! once a batch is on disk, so a batch acknowledged to a sender survives `kill -9`. Detection
//! reads the stream through durable, named consumers that acknowledge positions and resume
//! after their last acknowledgement on restart (at-least-once). The model is the one NATS
//! JetStream has — a persisted stream with durable consumers — so a JetStream backend can
//! implement the same [`Bus`] trait for scale-out.
//!
//! [`LogBus`] is the embedded implementation: segment files in a directory, group commit
//! (concurrent publishers share one fsync), back-pressure through [`BusError::Full`] when the
//! unacknowledged backlog is over a limit, and deletion of segments every consumer is past.
//!
//! ```
//! use vigil_bus::{Bus, LogBus, LogBusConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), vigil_bus::BusError> {
//! let dir = tempfile::tempdir().unwrap();
//! let bus = LogBus::open(dir.path(), LogBusConfig::default())?;
//! let mut detect = bus.consumer("detect").await?;
//!
//! let seq = bus.publish(b"a serialized batch".to_vec()).await?;
//!
//! let (got, payload) = detect.next().await?;
//! assert_eq!((got, payload.as_slice()), (seq, &b"a serialized batch"[..]));
//! detect.ack(got).await?; // after a restart, "detect" resumes after `got`
//! # Ok(())
//! # }
//! ```

mod checkpoint;
mod consumer;
mod error;
mod log_bus;
mod record;
mod segment;
mod writer;

use std::time::Duration;

use async_trait::async_trait;

pub use error::BusError;
pub use log_bus::{ConsumerLag, LogBus, LogBusConfig, TornTail};

/// A persisted stream of payloads with durable named consumers.
///
/// Sequence numbers start at 1 and increase by one per payload. Object-safe, so a server can
/// hold an `Arc<dyn Bus>` and not know which backend it has.
#[async_trait]
pub trait Bus: Send + Sync {
    /// Appends one payload; returns its sequence number once it is durable.
    ///
    /// Fails with [`BusError::Full`] when the backlog (bytes not yet acknowledged by the
    /// slowest consumer) is over the configured limit — back-pressure, never a silent drop —
    /// and with [`BusError::PayloadTooLarge`] for a payload over the configured maximum.
    async fn publish(&self, payload: Vec<u8>) -> Result<u64, BusError>;

    /// Opens (or creates) the durable consumer `name`, positioned after its last ack.
    ///
    /// A new consumer starts at the oldest stored message. Names are 1 to 64 characters from
    /// `A-Z a-z 0-9 _ -`, and a consumer can be open through one handle at a time.
    async fn consumer(&self, name: &str) -> Result<Box<dyn Consumer>, BusError>;

    /// Bytes published but not yet acknowledged by every consumer.
    fn backlog_bytes(&self) -> u64;
}

/// One handle on a durable consumer: reads the stream in order and acknowledges positions.
#[async_trait]
pub trait Consumer: Send {
    /// The next message (seq, payload), waiting until one is published.
    async fn next(&mut self) -> Result<(u64, Vec<u8>), BusError>;

    /// Like [`Consumer::next`] but returns `None` if nothing arrives within `wait` (lets
    /// callers do periodic work).
    async fn next_timeout(&mut self, wait: Duration) -> Result<Option<(u64, Vec<u8>)>, BusError>;

    /// Everything up to and including `seq` is processed; persisted (checkpoint file, fsync,
    /// atomic rename) so a restart resumes after it.
    ///
    /// Acknowledging an already acknowledged seq does nothing; acknowledging a seq this
    /// handle has not delivered yet fails with [`BusError::AckBeyondDelivered`].
    async fn ack(&mut self, seq: u64) -> Result<(), BusError>;
}
