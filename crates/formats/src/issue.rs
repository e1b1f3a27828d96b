//! What readers hand out besides events: where each record came from, what went wrong
//! where, and the [`RecordSink`] that receives both.

use std::fmt;
use std::path::PathBuf;
use vigil_event::Event;

/// A place in an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole (it can't be opened, or its header is damaged).
    File,
    /// An EVTX chunk, by its number in the file (0-based).
    Chunk(u64),
    /// An EVTX record, by its `EventRecordID`.
    Record(u64),
    /// An EVTX record that couldn't be read, by its byte offset in its chunk.
    ChunkOffset { chunk: Option<u64>, offset: u64 },
    /// A text line (1-based) and the byte offset where it starts.
    Line { line: u64, offset: u64 },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File => f.write_str("file"),
            Location::Chunk(n) => write!(f, "chunk {n}"),
            Location::Record(id) => write!(f, "record {id}"),
            Location::ChunkOffset {
                chunk: Some(n),
                offset,
            } => {
                write!(f, "chunk {n} offset {offset:#x}")
            }
            Location::ChunkOffset {
                chunk: None,
                offset,
            } => write!(f, "chunk offset {offset:#x}"),
            Location::Line { line, offset } => write!(f, "line {line} (byte {offset})"),
        }
    }
}

/// One problem met while reading a file. Reading goes on after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadIssue {
    pub file: PathBuf,
    pub location: Location,
    pub reason: String,
}

impl fmt::Display for ReadIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.file.display(),
            self.location,
            self.reason
        )
    }
}

impl std::error::Error for ReadIssue {}

/// Where an event was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordMeta {
    pub location: Location,
    /// Carved from unallocated EVTX space rather than read from the live log.
    pub recovered: bool,
}

/// Receives what a reader reads, in file order.
pub trait RecordSink {
    fn record(&mut self, event: Event, meta: RecordMeta);
    fn issue(&mut self, issue: ReadIssue);
}

/// A sink that keeps everything, for tests and small files.
#[derive(Debug, Default)]
pub struct Collected {
    pub events: Vec<Event>,
    pub issues: Vec<ReadIssue>,
}

impl RecordSink for Collected {
    fn record(&mut self, event: Event, _meta: RecordMeta) {
        self.events.push(event);
    }

    fn issue(&mut self, issue: ReadIssue) {
        self.issues.push(issue);
    }
}

/// How much one read produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    pub records: u64,
    pub issues: u64,
}

/// Wraps a sink to count what passes through it.
pub(crate) struct Counting<'a> {
    pub sink: &'a mut dyn RecordSink,
    pub stats: ReadStats,
}

impl<'a> Counting<'a> {
    pub fn new(sink: &'a mut dyn RecordSink) -> Self {
        Counting {
            sink,
            stats: ReadStats::default(),
        }
    }

    pub fn record(&mut self, event: Event, meta: RecordMeta) {
        self.stats.records += 1;
        self.sink.record(event, meta);
    }

    pub fn issue(&mut self, issue: ReadIssue) {
        self.stats.issues += 1;
        self.sink.issue(issue);
    }
}

/// An error and its chain of sources, joined with `": "`.
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string().trim_end_matches('.').to_owned();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        let cause_text = cause_text.trim_end_matches('.');
        if !text.ends_with(cause_text) {
            text.push_str(": ");
            text.push_str(cause_text);
        }
        source = cause.source();
    }
    text
}
