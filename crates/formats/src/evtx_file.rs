//! Reads Windows `.evtx` files into flattened events, reporting each damaged chunk or
//! record as a [`ReadIssue`] and reading on.
//!
//! Records are rendered to JSON and flattened ([`crate::evtx_json`]) on the `evtx` crate's
//! worker threads, so the sink receives finished events in file order. One
//! [`EvtxReader`] holds one parser configuration and can read any number of files, from
//! any number of threads.

use crate::evtx_json;
use crate::issue::{error_chain, Counting, Location, ReadIssue, ReadStats, RecordMeta, RecordSink};
use evtx::err::{EvtxError, SerializationError};
use evtx::{EvtxParser, EvtxRecord, ParserSettings};
use std::io::{Read, Seek};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use vigil_event::Event;

/// Reads EVTX files. Cheap to clone; `Sync`.
#[derive(Debug, Clone)]
pub struct EvtxReader {
    settings: ParserSettings,
    check_checksums: bool,
}

impl Default for EvtxReader {
    fn default() -> Self {
        Self::new()
    }
}

impl EvtxReader {
    /// One parsing thread, checksums checked (and reported, never used to drop records),
    /// no carving of deleted records.
    pub fn new() -> Self {
        EvtxReader {
            settings: ParserSettings::new()
                .num_threads(1)
                .indent(false)
                .separate_json_attributes(false)
                .validate_checksums(false),
            check_checksums: true,
        }
    }

    /// Threads that parse the chunks of one file (0: one per core). Keep 1 when the caller
    /// already reads several files in parallel.
    pub fn threads(mut self, threads: usize) -> Self {
        self.settings = self.settings.num_threads(threads);
        self
    }

    /// Whether to verify chunk CRC32s first and report mismatches. The records of a chunk
    /// that fails are read all the same.
    pub fn check_checksums(mut self, check: bool) -> Self {
        self.check_checksums = check;
        self
    }

    /// Whether to also carve stale records from unallocated space (cleared logs, chunk
    /// slack). Carved events have [`RecordMeta::recovered`] set.
    pub fn recover_records(mut self, recover: bool) -> Self {
        self.settings = self.settings.recover_records(recover);
        self
    }

    /// Reads the file at `path`. Problems, including a file that can't be opened, go to
    /// the sink as issues.
    pub fn read_path(&self, path: &Path, sink: &mut dyn RecordSink) -> ReadStats {
        let mut out = Counting::new(sink);
        let len = std::fs::metadata(path).map_or(0, |m| m.len());
        match EvtxParser::from_path(path) {
            Ok(parser) => self.read_parser(path, len, parser, &mut out),
            Err(err) => out.issue(file_issue(path, error_chain(&err))),
        }
        out.stats
    }

    /// Reads an EVTX file held in memory; `name` is what issues call it.
    pub fn read_bytes(&self, name: &Path, bytes: Vec<u8>, sink: &mut dyn RecordSink) -> ReadStats {
        let mut out = Counting::new(sink);
        let len = bytes.len() as u64;
        match EvtxParser::from_buffer(bytes) {
            Ok(parser) => self.read_parser(name, len, parser, &mut out),
            Err(err) => out.issue(file_issue(name, error_chain(&err))),
        }
        out.stats
    }

    /// Reads every record of `parser`, whose file is `len` bytes long.
    fn read_parser<T: Read + Seek>(
        &self,
        file: &Path,
        len: u64,
        parser: EvtxParser<T>,
        out: &mut Counting<'_>,
    ) {
        let mut parser = parser.with_configuration(self.settings.clone());
        let header = parser.header();
        if !header.validate_checksum() {
            let reason = format!(
                "file header CRC32 mismatch (stored {:#010x}, computed {:#010x})",
                header.checksum, header.computed_checksum
            );
            out.issue(file_issue(file, reason));
        }
        if let Some(issue) = truncation_issue(file, len, header.chunk_count) {
            out.issue(issue);
        }
        // A bug in the parser must not take the caller down with it: whatever was read
        // before a panic has been delivered, and the panic becomes an issue.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if self.check_checksums {
                report_checksums(file, &mut parser, out);
            }
            for item in parser.serialized_records(convert) {
                match item {
                    Ok(Ok((event, meta))) => out.record(event, meta),
                    Ok(Err((location, reason))) => out.issue(ReadIssue {
                        file: file.to_owned(),
                        location,
                        reason,
                    }),
                    Err(err) => out.issue(ReadIssue {
                        file: file.to_owned(),
                        location: error_location(&err),
                        reason: error_chain(&err),
                    }),
                }
            }
        }));
        if let Err(panic) = outcome {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            out.issue(file_issue(
                file,
                format!("the evtx parser panicked: {message}"),
            ));
        }
    }
}

const FILE_HEADER_BYTES: u64 = 4096;
const CHUNK_BYTES: u64 = 65_536;

/// The parser silently stops at a chunk cut short by the end of the file, so a truncated
/// file is recognised here: it ends inside a chunk, or holds fewer whole chunks than its
/// header declares.
fn truncation_issue(file: &Path, len: u64, declared_chunks: u16) -> Option<ReadIssue> {
    let body = len.checked_sub(FILE_HEADER_BYTES)?;
    let (whole, partial) = (body / CHUNK_BYTES, body % CHUNK_BYTES);
    let (location, reason) = if partial > 0 {
        let reason = format!(
            "file is truncated: it ends {partial} bytes into chunk {whole} \
             (of {CHUNK_BYTES}); the records of that chunk are not read"
        );
        (Location::Chunk(whole), reason)
    } else if u64::from(declared_chunks) > whole {
        let reason = format!(
            "file is truncated: its header declares {declared_chunks} chunks, it holds {whole}"
        );
        (Location::File, reason)
    } else {
        return None;
    };
    Some(ReadIssue {
        file: file.to_owned(),
        location,
        reason,
    })
}

/// A record flattened into an event, or where and why it couldn't be.
type Converted = Result<(Event, RecordMeta), (Location, String)>;

/// Runs on the parser's worker threads: render one record to JSON and flatten it.
/// Carved records that fail are dropped as noise (by returning the parser's error, which
/// its iterator skips for carved records); live ones become issues.
fn convert(record: evtx::err::Result<EvtxRecord<'_>>) -> evtx::err::Result<Converted> {
    let record = record?;
    let location = Location::Record(record.event_record_id);
    let recovered = record.recovered;
    let rendered = match record.into_json_bytes() {
        Ok(rendered) => rendered,
        Err(err) if recovered => return Err(err),
        Err(err) => return Ok(Err((location, error_chain(&err)))),
    };
    match evtx_json::from_evtx_json_bytes(&rendered.data) {
        Ok(event) => Ok(Ok((
            event,
            RecordMeta {
                location,
                recovered,
            },
        ))),
        Err(err) if recovered => Err(EvtxError::from(SerializationError::from(err))),
        Err(err) => Ok(Err((
            location,
            format!("cannot flatten the rendered record: {err}"),
        ))),
    }
}

/// Reports chunks whose header or records fail their CRC32.
fn report_checksums<T: Read + Seek>(
    file: &Path,
    parser: &mut EvtxParser<T>,
    out: &mut Counting<'_>,
) {
    // Chunks that can't be read at all are reported by the main pass.
    for chunk in parser.chunks().flatten() {
        let what = match (
            chunk.validate_header_checksum(),
            chunk.validate_data_checksum(),
        ) {
            (true, true) => continue,
            (false, true) => "header",
            (true, false) => "records",
            (false, false) => "header and records",
        };
        let location = chunk.number.map_or(Location::File, Location::Chunk);
        let reason = format!("chunk {what} CRC32 mismatch; its records are read anyway");
        out.issue(ReadIssue {
            file: file.to_owned(),
            location,
            reason,
        });
    }
}

fn error_location(err: &EvtxError) -> Location {
    match err {
        EvtxError::FailedToParseChunk { chunk_id, .. } => Location::Chunk(*chunk_id),
        EvtxError::FailedToParseRecord { record_id, .. } => Location::Record(*record_id),
        EvtxError::FailedToReadRecordAt { chunk, offset, .. } => Location::ChunkOffset {
            chunk: *chunk,
            offset: *offset,
        },
        _ => Location::File,
    }
}

fn file_issue(file: &Path, reason: String) -> ReadIssue {
    ReadIssue {
        file: file.to_owned(),
        location: Location::File,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Collected;

    #[test]
    fn missing_file_is_one_issue() {
        let mut out = Collected::default();
        let stats = EvtxReader::new().read_path(Path::new("/nonexistent/x.evtx"), &mut out);
        assert_eq!(
            stats,
            ReadStats {
                records: 0,
                issues: 1
            }
        );
        assert_eq!(out.issues[0].location, Location::File);
        assert!(
            out.issues[0].reason.contains("x.evtx"),
            "{}",
            out.issues[0].reason
        );
    }

    #[test]
    fn garbage_bytes_are_one_issue() {
        let mut out = Collected::default();
        let stats = EvtxReader::new().threads(2).read_bytes(
            Path::new("junk.evtx"),
            b"not an evtx file".to_vec(),
            &mut out,
        );
        assert_eq!(stats.records, 0);
        assert_eq!(stats.issues, 1);
        assert_eq!(out.issues[0].file, Path::new("junk.evtx"));
    }

    #[test]
    fn truncation_is_reported_where_the_file_ends() {
        let file = Path::new("t.evtx");
        let inside = truncation_issue(file, 4096 + 2 * 65_536 + 100, 4).unwrap();
        assert_eq!(inside.location, Location::Chunk(2));
        assert!(inside.reason.contains("truncated"), "{}", inside.reason);
        let at_boundary = truncation_issue(file, 4096 + 2 * 65_536, 4).unwrap();
        assert!(at_boundary.reason.contains("declares 4 chunks, it holds 2"));
        assert_eq!(truncation_issue(file, 4096 + 4 * 65_536, 4), None);
        assert_eq!(truncation_issue(file, 4096 + 5 * 65_536, 4), None);
    }

    #[test]
    fn reader_is_shareable_across_threads() {
        fn assert_sync<T: Send + Sync>() {}
        assert_sync::<EvtxReader>();
    }
}
