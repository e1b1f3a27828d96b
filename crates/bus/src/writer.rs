//! The writer thread: group commit for [`LogBus`](crate::LogBus).
//!
//! Publishers send their payload with a reply channel. The thread takes everything that is
//! waiting, appends it to the active segment (starting a new segment when the active one is
//! full), makes it durable with one `fdatasync`, moves the durable head (which wakes the
//! consumers), and only then answers each publisher with its sequence number. While one
//! group is being synced the next one queues up, so concurrent publishers share fsyncs.
//!
//! After a write or sync error the thread fails the group, records the error (every later
//! publish returns it) and stops: whether the failed bytes reached the disk is unknown, and
//! reopening the bus is what sorts that out (a torn tail is cut, whole records are kept).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch};

use crate::error::BusError;
use crate::log_bus::{Head, Shared};
use crate::record::{record_len, RecordHeader};
use crate::segment::{self, SegmentStart, SEGMENT_HEADER_LEN};

/// A group stops growing once it holds this many bytes; the rest waits for the next fsync.
const GROUP_COMMIT_BYTES: u64 = 32 << 20;
/// Write buffer for the active segment (large payloads bypass it).
const WRITE_BUFFER_BYTES: usize = 1 << 20;

/// One publish waiting for the writer.
pub(crate) struct Append {
    /// The payload to store.
    pub payload: Vec<u8>,
    /// Receives the sequence number once the payload is durable, or the error.
    pub reply: oneshot::Sender<Result<u64, BusError>>,
}

/// Owns the active segment and the durable head.
pub(crate) struct Writer {
    shared: Arc<Shared>,
    out: BufWriter<File>,
    path: PathBuf,
    segment_len: u64,
    head: Head,
    head_tx: watch::Sender<Head>,
}

impl Writer {
    /// A writer appending to `active`, the segment starting at `start`, positioned at its
    /// end, which is the durable `head`.
    pub(crate) fn new(
        shared: Arc<Shared>,
        active: File,
        start: SegmentStart,
        head: Head,
        head_tx: watch::Sender<Head>,
    ) -> Self {
        let path = shared.dir.join(segment::segment_file_name(start.first_seq));
        Writer {
            segment_len: SEGMENT_HEADER_LEN + (head.end_offset - start.base_offset),
            shared,
            out: BufWriter::with_capacity(WRITE_BUFFER_BYTES, active),
            path,
            head,
            head_tx,
        }
    }

    /// Commits groups of appends until every sender is gone or a write fails.
    pub(crate) fn run(mut self, mut pending: mpsc::UnboundedReceiver<Append>) {
        let mut group = Vec::new();
        while let Some(first) = pending.blocking_recv() {
            let mut bytes = record_len(first.payload.len());
            group.push(first);
            while bytes < GROUP_COMMIT_BYTES {
                match pending.try_recv() {
                    Ok(next) => {
                        bytes += record_len(next.payload.len());
                        group.push(next);
                    }
                    Err(_) => break,
                }
            }
            match self.commit(&group) {
                Ok(first_seq) => {
                    for (seq, append) in (first_seq..).zip(group.drain(..)) {
                        // A publisher that stopped waiting still had its payload stored.
                        let _ = append.reply.send(Ok(seq));
                    }
                }
                Err(error) => {
                    let message = error.to_string();
                    self.shared.fail(message.clone());
                    for append in group.drain(..) {
                        let _ = append
                            .reply
                            .send(Err(BusError::WriterFailed(message.clone())));
                    }
                    // Dropping `pending` fails the publishes still queued.
                    return;
                }
            }
        }
    }

    /// Appends a group, makes it durable and publishes the new head. Returns the first
    /// sequence number of the group.
    fn commit(&mut self, group: &[Append]) -> Result<u64, BusError> {
        let first_seq = self.head.next_seq;
        let mut head = self.head;
        let mut bytes = 0;
        for append in group {
            let len = record_len(append.payload.len());
            let segment_has_records = self.segment_len > SEGMENT_HEADER_LEN;
            if segment_has_records && self.segment_len + len > self.shared.config.segment_bytes {
                self.rotate(head)?;
            }
            let header = RecordHeader::new(head.next_seq, &append.payload);
            self.out
                .write_all(&header.encode())
                .and_then(|()| self.out.write_all(&append.payload))
                .map_err(BusError::io("append to", &self.path))?;
            self.segment_len += len;
            head.next_seq += 1;
            head.end_offset += len;
            bytes += len;
        }
        self.flush_and_sync()?;
        self.head = head;
        self.head_tx.send_replace(head);
        self.shared.release(bytes);
        Ok(first_seq)
    }

    fn flush_and_sync(&mut self) -> Result<(), BusError> {
        self.out
            .flush()
            .map_err(BusError::io("append to", &self.path))?;
        if self.shared.config.fsync {
            self.out
                .get_ref()
                .sync_data()
                .map_err(BusError::io("sync", &self.path))?;
        }
        Ok(())
    }

    /// Seals the active segment (all of it durable) and starts a new one at `head`.
    fn rotate(&mut self, head: Head) -> Result<(), BusError> {
        self.flush_and_sync()?;
        let start = SegmentStart {
            first_seq: head.next_seq,
            base_offset: head.end_offset,
        };
        let file = segment::create_segment(&self.shared.dir, start, self.shared.config.fsync)?;
        self.out = BufWriter::with_capacity(WRITE_BUFFER_BYTES, file);
        self.path = self
            .shared
            .dir
            .join(segment::segment_file_name(start.first_seq));
        self.segment_len = SEGMENT_HEADER_LEN;
        self.shared.segment_created(start);
        Ok(())
    }
}
