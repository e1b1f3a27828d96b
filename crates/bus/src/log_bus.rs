//! [`LogBus`], the embedded bus: segment files in one directory, a group-committing writer
//! thread, durable consumers, back-pressure and reclaiming of fully acknowledged segments.
//!
//! Layout of the directory:
//!
//! ```text
//! LOCK                              held (flock) while a LogBus has the directory open
//! 00000000000000000001.log          segments, named by their first sequence number
//! 00000000000000052311.log          the last one is the active segment
//! consumers/<name>.ack              one checkpoint per durable consumer
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::fs::{self, File, OpenOptions};
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread;
use std::time::Duration;

use async_trait::async_trait;
use fs4::fs_std::FileExt;
use tokio::sync::{mpsc, oneshot, watch};

use crate::checkpoint::{self, Checkpoint};
use crate::consumer::LogConsumer;
use crate::error::BusError;
use crate::record::record_len;
use crate::segment::{self, SegmentFile, SegmentStart, SEGMENT_HEADER_LEN};
use crate::writer::{Append, Writer};
use crate::{Bus, Consumer};

/// The `retry_after` hint given with [`BusError::Full`].
const RETRY_AFTER: Duration = Duration::from_millis(500);

/// Settings for [`LogBus::open`]. Start from `LogBusConfig::default()` and change fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogBusConfig {
    /// A segment is closed and a new one started once the next record would take it past
    /// this many bytes (a single larger record gets a segment of its own). Default 64 MiB.
    pub segment_bytes: u64,
    /// Publishing fails with [`BusError::Full`] while the backlog (record bytes not yet
    /// acknowledged by every consumer) would go over this. Default 1 GiB.
    pub max_backlog_bytes: u64,
    /// Larger payloads are refused with [`BusError::PayloadTooLarge`]. Default 64 MiB.
    pub max_payload_bytes: usize,
    /// Whether publish and ack wait for fsync. On by default; turning it off gives up the
    /// `kill -9` and power-loss guarantees and is only for benchmarks and tests.
    pub fsync: bool,
}

impl Default for LogBusConfig {
    fn default() -> Self {
        LogBusConfig {
            segment_bytes: 64 << 20,
            max_backlog_bytes: 1 << 30,
            max_payload_bytes: 64 << 20,
            fsync: true,
        }
    }
}

impl LogBusConfig {
    fn validate(&self) -> Result<(), BusError> {
        if self.segment_bytes <= SEGMENT_HEADER_LEN {
            return Err(BusError::Config(format!(
                "segment_bytes must be more than the {SEGMENT_HEADER_LEN}-byte segment header"
            )));
        }
        if u32::try_from(self.max_payload_bytes).is_err() {
            return Err(BusError::Config(format!(
                "max_payload_bytes must be at most {} (records store a 32-bit length)",
                u32::MAX
            )));
        }
        if self.max_backlog_bytes < record_len(self.max_payload_bytes) {
            return Err(BusError::Config(
                "max_backlog_bytes must leave room for at least one payload of max_payload_bytes"
                    .to_owned(),
            ));
        }
        Ok(())
    }
}

/// The torn tail that [`LogBus::open`] cut off the last segment: bytes of a write that was
/// interrupted (a crash or `kill -9`) before it was acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// The segment that was cut.
    pub segment: PathBuf,
    /// Its length now: every whole record before the damage is kept.
    pub kept_bytes: u64,
    /// How many bytes were removed after that.
    pub discarded_bytes: u64,
}

/// How far one durable consumer is behind the head of the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerLag {
    /// The consumer's name.
    pub name: String,
    /// The last sequence number it acknowledged (0: none yet).
    pub acked_seq: u64,
    /// Durable messages it has not acknowledged.
    pub unacked_messages: u64,
    /// Record bytes it has not acknowledged.
    pub unacked_bytes: u64,
}

/// The embedded, file-backed [`Bus`].
///
/// Publishing hands payloads to one writer thread, which appends everything pending to the
/// active segment, fsyncs once for the whole group, and only then answers the publishers,
/// so concurrent publishers share fsyncs. Consumers read the segment files by position and
/// are woken when the durable head moves. Segments are deleted once every registered
/// consumer has acknowledged past them; with no consumer registered nothing is deleted, so
/// data published before detection first starts is not lost.
///
/// Opening consumers and acknowledging run file work on Tokio's blocking pool, so use the
/// bus inside a Tokio runtime.
///
/// Only one `LogBus` may have a directory open at a time (an exclusive lock on `LOCK`).
/// Dropping it finishes pending writes, stops the writer thread and releases the lock.
/// The implementation uses positional reads and directory fsync, so it targets Unix.
pub struct LogBus {
    shared: Arc<Shared>,
    appends: Option<mpsc::UnboundedSender<Append>>,
    writer: Option<thread::JoinHandle<()>>,
    torn_tail: Option<TornTail>,
    _lock: File,
}

impl LogBus {
    /// Opens the bus stored in `dir`, creating it if needed.
    ///
    /// Checks that the segments join up, cuts a torn tail off the last segment (see
    /// [`LogBus::torn_tail`]), loads the consumers' checkpoints, deletes segments every
    /// consumer has acknowledged, and starts the writer thread.
    pub fn open(dir: &Path, config: LogBusConfig) -> Result<LogBus, BusError> {
        config.validate()?;
        let consumers_dir = dir.join("consumers");
        fs::create_dir_all(&consumers_dir)
            .map_err(BusError::io("create directory", &consumers_dir))?;
        let lock_path = dir.join("LOCK");
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(BusError::io("open", &lock_path))?;
        if !lock
            .try_lock_exclusive()
            .map_err(BusError::io("lock", &lock_path))?
        {
            return Err(BusError::Locked(dir.to_owned()));
        }

        let (segments, active, head, torn_tail) = recover_segments(dir, config.fsync)?;
        let checkpoints = checkpoint::load_all(&consumers_dir)?;
        let oldest = segments[0];
        let active_start = segments[segments.len() - 1];
        check_checkpoints(&consumers_dir, &checkpoints, oldest, head)?;

        let (head_tx, head_rx) = watch::channel(head);
        let shared = Arc::new(Shared {
            dir: dir.to_owned(),
            consumers_dir,
            config,
            head: head_rx,
            state: Mutex::new(State {
                segments: segments.into(),
                consumers: checkpoints
                    .into_iter()
                    .map(|(name, checkpoint)| {
                        let entry = ConsumerEntry {
                            checkpoint,
                            open: false,
                        };
                        (name, entry)
                    })
                    .collect(),
            }),
            floor: AtomicU64::new(oldest.base_offset),
            queued: AtomicU64::new(0),
            failure: OnceLock::new(),
            closed: AtomicBool::new(false),
        });
        shared.reclaim(&mut shared.state())?;

        let writer = Writer::new(Arc::clone(&shared), active, active_start, head, head_tx);
        let (appends, pending) = mpsc::unbounded_channel();
        let writer = thread::Builder::new()
            .name("vigil-bus-writer".to_owned())
            .spawn(move || writer.run(pending))
            .map_err(BusError::io("start writer thread for", dir))?;
        Ok(LogBus {
            shared,
            appends: Some(appends),
            writer: Some(writer),
            torn_tail,
            _lock: lock,
        })
    }

    /// What `open` cut off the end of the last segment, if it found a torn write.
    pub fn torn_tail(&self) -> Option<&TornTail> {
        self.torn_tail.as_ref()
    }

    /// Every registered consumer's position and how far it is behind.
    pub fn consumer_lags(&self) -> Vec<ConsumerLag> {
        let head = *self.shared.head.borrow();
        let state = self.shared.state();
        state
            .consumers
            .iter()
            .map(|(name, entry)| ConsumerLag {
                name: name.clone(),
                acked_seq: entry.checkpoint.acked_seq,
                // An ack racing with this read may be ahead of `head`.
                unacked_messages: (head.next_seq - 1).saturating_sub(entry.checkpoint.acked_seq),
                unacked_bytes: head
                    .end_offset
                    .saturating_sub(entry.checkpoint.acked_offset),
            })
            .collect()
    }

    /// Deletes the durable consumer `name` (which must not be open), so it no longer holds
    /// back segment deletion or counts towards the backlog.
    pub async fn remove_consumer(&self, name: &str) -> Result<(), BusError> {
        checkpoint::validate_name(name)?;
        let shared = Arc::clone(&self.shared);
        let name = name.to_owned();
        run_blocking(move || shared.remove_consumer(&name)).await?
    }
}

impl Drop for LogBus {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        // Closing the channel lets the writer finish what is queued and stop.
        self.appends = None;
        if let Some(writer) = self.writer.take() {
            // A panicked writer has already failed every publish it was given.
            let _ = writer.join();
        }
    }
}

#[async_trait]
impl Bus for LogBus {
    async fn publish(&self, payload: Vec<u8>) -> Result<u64, BusError> {
        let max = self.shared.config.max_payload_bytes;
        if payload.len() > max {
            return Err(BusError::PayloadTooLarge {
                size: payload.len(),
                max,
            });
        }
        if self.shared.failure.get().is_some() {
            return Err(self.shared.closed_error());
        }
        let appends = self.appends.as_ref().ok_or(BusError::Closed)?;
        let bytes = record_len(payload.len());
        self.shared.reserve(bytes)?;
        let (reply, answer) = oneshot::channel();
        if appends.send(Append { payload, reply }).is_err() {
            self.shared.release(bytes);
            return Err(self.shared.closed_error());
        }
        // If this future is dropped now the payload is still written; only the answer is lost.
        answer
            .await
            .unwrap_or_else(|_| Err(self.shared.closed_error()))
    }

    async fn consumer(&self, name: &str) -> Result<Box<dyn Consumer>, BusError> {
        checkpoint::validate_name(name)?;
        let shared = Arc::clone(&self.shared);
        let name = name.to_owned();
        let consumer = run_blocking(move || LogConsumer::attach(shared, name)).await??;
        Ok(Box::new(consumer))
    }

    fn backlog_bytes(&self) -> u64 {
        self.shared.backlog_bytes()
    }
}

/// Checks the segments in `dir` (creating the first one for a new bus), cuts a torn tail off
/// the last one, and returns them oldest first with the last one open for appending, the
/// durable head, and what was cut.
fn recover_segments(
    dir: &Path,
    fsync: bool,
) -> Result<(Vec<SegmentStart>, File, Head, Option<TornTail>), BusError> {
    let mut seqs = segment::list_segments(dir)?;
    if seqs.is_empty() {
        let first = SegmentStart {
            first_seq: 1,
            base_offset: 0,
        };
        drop(segment::create_segment(dir, first, fsync)?);
        seqs.push(first.first_seq);
    }
    let mut starts = Vec::with_capacity(seqs.len());
    let mut end_of_previous = None;
    // Sealed segments: each must start where the previous one ends, and hold records.
    for &seq in &seqs[..seqs.len() - 1] {
        let sealed = SegmentFile::open(dir, seq)?;
        let start = sealed.start();
        check_joins(end_of_previous, start, sealed.path())?;
        let len = fs::metadata(sealed.path())
            .map_err(BusError::io("stat", sealed.path()))?
            .len();
        if len <= SEGMENT_HEADER_LEN {
            return Err(BusError::corrupt(
                sealed.path(),
                len,
                "a sealed segment has no records",
            ));
        }
        starts.push(start);
        end_of_previous = Some(start.base_offset + (len - SEGMENT_HEADER_LEN));
    }
    let last_seq = seqs[seqs.len() - 1];
    let path = dir.join(segment::segment_file_name(last_seq));
    let mut active = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .map_err(BusError::io("open segment", &path))?;
    let start = segment::read_start(&active, &path, last_seq)?;
    check_joins(end_of_previous, start, &path)?;
    starts.push(start);

    let scan = segment::scan_tail(&active, &path, start)?;
    let torn_tail = if scan.valid_len < scan.file_len {
        active
            .set_len(scan.valid_len)
            .map_err(BusError::io("truncate torn tail of", &path))?;
        active.sync_all().map_err(BusError::io("sync", &path))?;
        Some(TornTail {
            segment: path.clone(),
            kept_bytes: scan.valid_len,
            discarded_bytes: scan.file_len - scan.valid_len,
        })
    } else {
        None
    };
    active
        .seek(SeekFrom::End(0))
        .map_err(BusError::io("seek", &path))?;
    let head = Head {
        next_seq: scan.next_seq,
        end_offset: start.base_offset + (scan.valid_len - SEGMENT_HEADER_LEN),
    };
    Ok((starts, active, head, torn_tail))
}

/// Checks that every consumer's checkpoint points into the stored log.
fn check_checkpoints(
    consumers_dir: &Path,
    checkpoints: &BTreeMap<String, Checkpoint>,
    oldest: SegmentStart,
    head: Head,
) -> Result<(), BusError> {
    for (name, cp) in checkpoints {
        let inside = oldest.base_offset <= cp.acked_offset
            && cp.acked_offset <= head.end_offset
            && oldest.first_seq <= cp.acked_seq + 1
            && cp.acked_seq < head.next_seq;
        if !inside {
            return Err(BusError::corrupt(
                consumers_dir.join(format!("{name}.ack")),
                8,
                format!(
                    "consumer {name:?} acknowledged seq {} (stream offset {}), outside the \
                     stored log (seqs {}..{}, offsets {}..{})",
                    cp.acked_seq,
                    cp.acked_offset,
                    oldest.first_seq,
                    head.next_seq,
                    oldest.base_offset,
                    head.end_offset
                ),
            ));
        }
    }
    Ok(())
}

/// Checks that a segment starts at the stream offset where the previous one ends.
fn check_joins(
    end_of_previous: Option<u64>,
    start: SegmentStart,
    path: &Path,
) -> Result<(), BusError> {
    match end_of_previous {
        Some(end) if end != start.base_offset => Err(BusError::corrupt(
            path,
            24,
            format!(
                "segment starts at stream offset {} but the previous segment ends at {end} \
                 (bytes are missing or a segment is out of place)",
                start.base_offset
            ),
        )),
        _ => Ok(()),
    }
}

/// Runs blocking file work off the async threads. A panic in `f` is passed on.
pub(crate) async fn run_blocking<T, F>(f: F) -> Result<T, BusError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(value) => Ok(value),
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(_) => Err(BusError::Closed),
    }
}

/// The durable end of the stream: what consumers may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Head {
    /// The sequence number the next published record will get.
    pub next_seq: u64,
    /// The stream offset just past the last durable record.
    pub end_offset: u64,
}

/// State shared by the bus handle, its writer thread and its consumers.
pub(crate) struct Shared {
    /// The bus directory.
    pub dir: PathBuf,
    consumers_dir: PathBuf,
    /// The configuration the bus was opened with.
    pub config: LogBusConfig,
    /// The durable head, updated by the writer after each group commit.
    pub head: watch::Receiver<Head>,
    state: Mutex<State>,
    /// The stream offset every consumer has acknowledged up to (with no consumer: the start
    /// of the oldest segment). The backlog is the durable head minus this.
    floor: AtomicU64,
    /// Record bytes accepted by `publish` and not yet durable.
    queued: AtomicU64,
    failure: OnceLock<String>,
    closed: AtomicBool,
}

struct State {
    /// Segments oldest first; the last one is the active segment.
    segments: VecDeque<SegmentStart>,
    consumers: BTreeMap<String, ConsumerEntry>,
}

struct ConsumerEntry {
    checkpoint: Checkpoint,
    /// Whether a [`LogConsumer`] handle has this consumer open.
    open: bool,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn backlog_bytes(&self) -> u64 {
        let end = self.head.borrow().end_offset;
        end.saturating_sub(self.floor.load(Ordering::SeqCst))
    }

    /// Counts `bytes` against the backlog limit for a publish, or refuses with `Full`.
    fn reserve(&self, bytes: u64) -> Result<(), BusError> {
        let limit = self.config.max_backlog_bytes;
        let mut queued = self.queued.load(Ordering::SeqCst);
        loop {
            if self.backlog_bytes() + queued + bytes > limit {
                return Err(BusError::Full {
                    retry_after: RETRY_AFTER,
                });
            }
            match self.queued.compare_exchange(
                queued,
                queued + bytes,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => return Ok(()),
                Err(now) => queued = now,
            }
        }
    }

    /// Stops counting `bytes` reserved by publishes (they are durable now, or were not sent).
    pub(crate) fn release(&self, bytes: u64) {
        self.queued.fetch_sub(bytes, Ordering::SeqCst);
    }

    /// Records the writer's fatal error; every later publish fails with it.
    pub(crate) fn fail(&self, message: String) {
        let _ = self.failure.set(message);
    }

    /// The error for an operation that found the writer gone.
    pub(crate) fn closed_error(&self) -> BusError {
        match self.failure.get() {
            Some(message) => BusError::WriterFailed(message.clone()),
            None => BusError::Closed,
        }
    }

    /// Called by the writer once a new active segment is durable.
    pub(crate) fn segment_created(&self, start: SegmentStart) {
        self.state().segments.push_back(start);
    }

    /// Opens the durable consumer `name` for one handle, registering it (positioned at the
    /// oldest stored record) if it is new. Returns its checkpoint and the segment holding
    /// the record after it.
    pub(crate) fn attach(&self, name: &str) -> Result<(Checkpoint, SegmentFile), BusError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(BusError::Closed);
        }
        let mut state = self.state();
        let checkpoint = match state.consumers.get_mut(name) {
            Some(entry) if entry.open => return Err(BusError::ConsumerInUse(name.to_owned())),
            Some(entry) => entry.checkpoint,
            None => {
                let oldest = state.segments[0];
                let checkpoint = Checkpoint {
                    acked_seq: oldest.first_seq - 1,
                    acked_offset: oldest.base_offset,
                };
                checkpoint::store(&self.consumers_dir, name, checkpoint, self.config.fsync)?;
                let entry = ConsumerEntry {
                    checkpoint,
                    open: false,
                };
                state.consumers.insert(name.to_owned(), entry);
                // The newcomer has acknowledged nothing: the floor may move back.
                self.reclaim(&mut state)?;
                checkpoint
            }
        };
        let holding = state
            .segments
            .iter()
            .rev()
            .find(|s| s.base_offset <= checkpoint.acked_offset)
            .copied()
            .unwrap_or(state.segments[0]);
        let segment = SegmentFile::open(&self.dir, holding.first_seq)?;
        if let Some(entry) = state.consumers.get_mut(name) {
            entry.open = true;
        }
        Ok((checkpoint, segment))
    }

    /// Marks consumer `name` as no longer open (its handle was dropped).
    pub(crate) fn detach(&self, name: &str) {
        if let Some(entry) = self.state().consumers.get_mut(name) {
            entry.open = false;
        }
    }

    /// Durably moves consumer `name` to `checkpoint` and deletes segments every consumer is
    /// now past.
    pub(crate) fn acknowledge(&self, name: &str, checkpoint: Checkpoint) -> Result<(), BusError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(BusError::Closed);
        }
        checkpoint::store(&self.consumers_dir, name, checkpoint, self.config.fsync)?;
        let mut state = self.state();
        if let Some(entry) = state.consumers.get_mut(name) {
            entry.checkpoint = checkpoint;
        }
        self.reclaim(&mut state)
    }

    fn remove_consumer(&self, name: &str) -> Result<(), BusError> {
        let mut state = self.state();
        match state.consumers.get(name) {
            None => return Err(BusError::UnknownConsumer(name.to_owned())),
            Some(entry) if entry.open => return Err(BusError::ConsumerInUse(name.to_owned())),
            Some(_) => {}
        }
        checkpoint::remove(&self.consumers_dir, name, self.config.fsync)?;
        state.consumers.remove(name);
        self.reclaim(&mut state)
    }

    /// Recomputes the acknowledged floor and deletes sealed segments below it.
    fn reclaim(&self, state: &mut State) -> Result<(), BusError> {
        let acked = state
            .consumers
            .values()
            .map(|entry| entry.checkpoint.acked_offset)
            .min();
        if let Some(floor) = acked {
            while state.segments.len() > 1 && state.segments[1].base_offset <= floor {
                let path = self
                    .dir
                    .join(segment::segment_file_name(state.segments[0].first_seq));
                match fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(BusError::io("delete segment", &path)(e)),
                }
                state.segments.pop_front();
            }
        }
        let floor = acked.unwrap_or(state.segments[0].base_offset);
        self.floor.store(floor, Ordering::SeqCst);
        Ok(())
    }
}
