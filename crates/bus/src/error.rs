//! The one error type every bus operation returns.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// What went wrong in a bus operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BusError {
    /// The backlog (bytes not yet acknowledged by the slowest consumer) is over the configured
    /// limit. Nothing was written; publish again after `retry_after` (a hint, not a promise).
    #[error("bus is full (backlog over the configured limit); retry after {retry_after:?}")]
    Full {
        /// How long the publisher should wait before trying again.
        retry_after: Duration,
    },
    /// The payload is larger than the configured maximum. Nothing was written.
    #[error("payload of {size} bytes is larger than the maximum of {max} bytes")]
    PayloadTooLarge {
        /// The payload's size in bytes.
        size: usize,
        /// The configured maximum payload size in bytes.
        max: usize,
    },
    /// A consumer name is empty, too long or has characters other than `A-Z a-z 0-9 _ -`.
    #[error("invalid consumer name {name:?}: {reason}")]
    InvalidConsumerName {
        /// The rejected name.
        name: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// The durable consumer is already open through another handle.
    #[error("consumer {0:?} is already open")]
    ConsumerInUse(String),
    /// No durable consumer has this name.
    #[error("no consumer is named {0:?}")]
    UnknownConsumer(String),
    /// An acknowledgement named a sequence number this consumer has not been given yet.
    #[error("cannot acknowledge seq {seq}: only messages up to seq {delivered} were delivered")]
    AckBeyondDelivered {
        /// The sequence number passed to `ack`.
        seq: u64,
        /// The last sequence number delivered to this consumer.
        delivered: u64,
    },
    /// Stored data does not read back as written: a damaged record, segment header or
    /// checkpoint. It is reported, never skipped.
    #[error("corrupt bus data in {} at byte {offset}: {reason}", path.display())]
    Corrupt {
        /// The file holding the damaged data.
        path: PathBuf,
        /// Byte offset of the damaged data within that file.
        offset: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// The configuration cannot work (for example a payload limit above the backlog limit).
    #[error("invalid bus configuration: {0}")]
    Config(String),
    /// Another bus (in this process or another one) has the directory open.
    #[error("bus directory {} is in use by another process or handle", .0.display())]
    Locked(PathBuf),
    /// An earlier write or fsync failed, so nothing more is accepted; reopen the bus.
    #[error("the bus stopped accepting writes after an I/O failure: {0}")]
    WriterFailed(String),
    /// The bus was closed (dropped) while this operation needed it.
    #[error("the bus is closed")]
    Closed,
    /// A file-system operation failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// What was being done, for example "sync" or "open segment".
        op: &'static str,
        /// The file or directory it was done to.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

impl BusError {
    /// Wraps an I/O error with the operation and path it came from.
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| BusError::Io { op, path, source }
    }

    /// A [`BusError::Corrupt`] for `path` at `offset`.
    pub(crate) fn corrupt(
        path: impl Into<PathBuf>,
        offset: u64,
        reason: impl Into<String>,
    ) -> Self {
        BusError::Corrupt {
            path: path.into(),
            offset,
            reason: reason.into(),
        }
    }
}
