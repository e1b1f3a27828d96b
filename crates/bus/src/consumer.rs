//! [`LogConsumer`], a durable consumer of a [`LogBus`](crate::LogBus).
//!
//! It reads the segment files by position, never past the durable head, a bounded batch at
//! a time (so a slow consumer never holds the backlog in memory), and sleeps on the head's
//! watch channel when it has caught up. `next` and `next_timeout` are cancel-safe: the read
//! position only moves once a read has come back, so a dropped call loses nothing.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::checkpoint::Checkpoint;
use crate::error::BusError;
use crate::log_bus::{run_blocking, Head, Shared};
use crate::record::record_len;
use crate::segment::{ReadOutcome, SegmentFile, SEGMENT_HEADER_LEN};
use crate::Consumer;

/// How many record bytes one read fetches ahead (at least one record, whatever its size).
const READ_AHEAD_BYTES: u64 = 1 << 20;

/// A durable consumer of a [`LogBus`](crate::LogBus), obtained from
/// [`Bus::consumer`](crate::Bus::consumer).
pub(crate) struct LogConsumer {
    shared: Arc<Shared>,
    name: String,
    head: watch::Receiver<Head>,
    /// Where the next read starts (after everything in `ready`).
    cursor: Cursor,
    /// Records read ahead and not yet handed out.
    ready: VecDeque<Message>,
    acked: Checkpoint,
    /// Stream offsets just past each record handed out and not yet acknowledged, for seqs
    /// `acked.acked_seq + 1 ..`.
    unacked_ends: VecDeque<u64>,
}

/// A position in the stream and the segment that holds it.
#[derive(Clone)]
struct Cursor {
    segment: SegmentFile,
    seq: u64,
    offset: u64,
}

/// What one step of [`Cursor::read`] found.
enum Step {
    /// The current segment ended; reading goes on in this one.
    Segment(SegmentFile),
    /// The payload of the record at the cursor.
    Record(Vec<u8>),
}

struct Message {
    seq: u64,
    payload: Vec<u8>,
    end_offset: u64,
}

impl LogConsumer {
    /// Opens the durable consumer `name` of the bus behind `shared` (blocking file work).
    pub(crate) fn attach(shared: Arc<Shared>, name: String) -> Result<Self, BusError> {
        let (acked, segment) = shared.attach(&name)?;
        let head = shared.head.clone();
        Ok(LogConsumer {
            head,
            cursor: Cursor {
                segment,
                seq: acked.acked_seq + 1,
                offset: acked.acked_offset,
            },
            ready: VecDeque::new(),
            acked,
            unacked_ends: VecDeque::new(),
            shared,
            name,
        })
    }

    /// The next message, waiting for one until `deadline` (forever without one).
    async fn next_until(
        &mut self,
        deadline: Option<Instant>,
    ) -> Result<Option<(u64, Vec<u8>)>, BusError> {
        loop {
            if let Some(message) = self.ready.pop_front() {
                self.unacked_ends.push_back(message.end_offset);
                return Ok(Some((message.seq, message.payload)));
            }
            if self.read_ahead().await? {
                continue;
            }
            let changed = self.head.changed();
            let woken = match deadline {
                None => changed.await,
                Some(deadline) => match tokio::time::timeout_at(deadline, changed).await {
                    Ok(woken) => woken,
                    Err(_elapsed) => return Ok(None),
                },
            };
            // The head's sender is the writer thread: gone means the bus was closed or failed.
            woken.map_err(|_| self.shared.closed_error())?;
        }
    }

    /// Reads the next batch of durable records into `ready`; false if there are none yet.
    async fn read_ahead(&mut self) -> Result<bool, BusError> {
        let end = self.head.borrow_and_update().end_offset;
        if self.cursor.offset >= end {
            return Ok(false);
        }
        let cursor = self.cursor.clone();
        let shared = Arc::clone(&self.shared);
        let (cursor, messages) = run_blocking(move || cursor.read(&shared.dir, end)).await??;
        self.cursor = cursor;
        self.ready.extend(messages);
        Ok(true)
    }
}

impl Cursor {
    /// Reads records from here up to the stream offset `end` (at most about
    /// [`READ_AHEAD_BYTES`]), moving on to the next segment file where one ends.
    ///
    /// Damage stops the read: the records before it are returned, and the next read, which
    /// starts at the damage, reports it.
    fn read(mut self, dir: &Path, end: u64) -> Result<(Cursor, Vec<Message>), BusError> {
        let mut messages = Vec::new();
        let mut bytes = 0;
        while self.offset < end && bytes < READ_AHEAD_BYTES {
            let outcome = self
                .segment
                .read_record(self.offset, self.seq, end - self.offset)
                .and_then(|outcome| match outcome {
                    ReadOutcome::EndOfSegment => self.next_segment(dir).map(Step::Segment),
                    ReadOutcome::Record(payload) => Ok(Step::Record(payload)),
                });
            match outcome {
                Err(error) if messages.is_empty() => return Err(error),
                Err(_) => break,
                Ok(Step::Segment(next)) => self.segment = next,
                Ok(Step::Record(payload)) => {
                    let len = record_len(payload.len());
                    self.offset += len;
                    bytes += len;
                    messages.push(Message {
                        seq: self.seq,
                        payload,
                        end_offset: self.offset,
                    });
                    self.seq += 1;
                }
            }
        }
        Ok((self, messages))
    }

    /// The segment that follows the current one, which ended at this cursor.
    fn next_segment(&self, dir: &Path) -> Result<SegmentFile, BusError> {
        let current = self.segment.start();
        if current.base_offset == self.offset {
            return Err(BusError::corrupt(
                self.segment.path(),
                SEGMENT_HEADER_LEN,
                format!(
                    "segment has no records but the log goes on to stream offset {}",
                    self.offset
                ),
            ));
        }
        let next = SegmentFile::open(dir, self.seq)?;
        if next.start().base_offset != self.offset {
            return Err(BusError::corrupt(
                next.path(),
                24,
                format!(
                    "segment starts at stream offset {} but the previous segment ends at {}",
                    next.start().base_offset,
                    self.offset
                ),
            ));
        }
        Ok(next)
    }
}

#[async_trait]
impl Consumer for LogConsumer {
    async fn next(&mut self) -> Result<(u64, Vec<u8>), BusError> {
        loop {
            if let Some(message) = self.next_until(None).await? {
                return Ok(message);
            }
        }
    }

    async fn next_timeout(&mut self, wait: Duration) -> Result<Option<(u64, Vec<u8>)>, BusError> {
        self.next_until(Some(Instant::now() + wait)).await
    }

    async fn ack(&mut self, seq: u64) -> Result<(), BusError> {
        let acked_seq = self.acked.acked_seq;
        if seq <= acked_seq {
            return Ok(());
        }
        let delivered = acked_seq + self.unacked_ends.len() as u64;
        if seq > delivered {
            return Err(BusError::AckBeyondDelivered { seq, delivered });
        }
        let count = (seq - acked_seq) as usize;
        let checkpoint = Checkpoint {
            acked_seq: seq,
            acked_offset: self.unacked_ends[count - 1],
        };
        let shared = Arc::clone(&self.shared);
        let name = self.name.clone();
        run_blocking(move || shared.acknowledge(&name, checkpoint)).await??;
        self.unacked_ends.drain(..count);
        self.acked = checkpoint;
        Ok(())
    }
}

impl Drop for LogConsumer {
    fn drop(&mut self) {
        self.shared.detach(&self.name);
    }
}
