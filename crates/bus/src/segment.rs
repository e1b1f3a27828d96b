//! Segment files: their names, the header each one starts with, creating one durably,
//! reading records back by position, and finding the torn tail of the last one after a crash.
//!
//! A segment is `<dir>/<first seq, 20 digits>.log`:
//!
//! ```text
//! offset 0   "VIGILSEG"
//! offset 8   u32 LE  format version (1)
//! offset 12  u32 LE  CRC-32 of bytes 16..32
//! offset 16  u64 LE  sequence number of the first record
//! offset 24  u64 LE  stream offset of the first record
//! offset 32  records (see `record`)
//! ```
//!
//! The stream offset counts record bytes from the start of the bus, across segments, so a
//! consumer's position survives the deletion of older segments. Segment `k + 1` starts at
//! the stream offset where segment `k` ends, which lets [`open`](crate::LogBus::open) check
//! that no sealed segment lost bytes without reading it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::BusError;
use crate::record::{RecordHeader, RECORD_HEADER_LEN};

/// Bytes in a segment header.
pub(crate) const SEGMENT_HEADER_LEN: u64 = 32;
const SEGMENT_MAGIC: &[u8; 8] = b"VIGILSEG";
const SEGMENT_VERSION: u32 = 1;
const SEGMENT_SUFFIX: &str = ".log";
const TEMP_SUFFIX: &str = ".tmp";

/// Where a segment starts: its first sequence number and the stream offset of its first
/// record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SegmentStart {
    pub first_seq: u64,
    pub base_offset: u64,
}

impl SegmentStart {
    fn encode(&self) -> [u8; SEGMENT_HEADER_LEN as usize] {
        let mut out = [0u8; SEGMENT_HEADER_LEN as usize];
        out[0..8].copy_from_slice(SEGMENT_MAGIC);
        out[8..12].copy_from_slice(&SEGMENT_VERSION.to_le_bytes());
        out[16..24].copy_from_slice(&self.first_seq.to_le_bytes());
        out[24..32].copy_from_slice(&self.base_offset.to_le_bytes());
        let crc = crc32fast::hash(&out[16..32]);
        out[12..16].copy_from_slice(&crc.to_le_bytes());
        out
    }

    fn decode(bytes: &[u8; SEGMENT_HEADER_LEN as usize], path: &Path) -> Result<Self, BusError> {
        let corrupt = |offset, reason: &str| BusError::corrupt(path, offset, reason);
        if &bytes[0..8] != SEGMENT_MAGIC {
            return Err(corrupt(0, "not a bus segment (bad magic)"));
        }
        let u32_at = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let u64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let version = u32_at(8);
        if version != SEGMENT_VERSION {
            return Err(corrupt(
                8,
                &format!("unsupported segment format version {version}"),
            ));
        }
        if u32_at(12) != crc32fast::hash(&bytes[16..32]) {
            return Err(corrupt(12, "segment header checksum mismatch"));
        }
        Ok(SegmentStart {
            first_seq: u64_at(16),
            base_offset: u64_at(24),
        })
    }
}

/// The file name of the segment whose first record is `first_seq`.
pub(crate) fn segment_file_name(first_seq: u64) -> String {
    format!("{first_seq:020}{SEGMENT_SUFFIX}")
}

/// The first sequence number named by a segment file name, or `None` for any other file.
fn parse_segment_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(SEGMENT_SUFFIX)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The first sequence numbers of the segments in `dir`, oldest first. Half-created segments
/// (`*.log.tmp`, left by a crash during rotation) are removed.
pub(crate) fn list_segments(dir: &Path) -> Result<Vec<u64>, BusError> {
    let mut seqs = Vec::new();
    for entry in fs::read_dir(dir).map_err(BusError::io("list", dir))? {
        let entry = entry.map_err(BusError::io("list", dir))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(seq) = parse_segment_file_name(name) {
            seqs.push(seq);
        } else if name
            .strip_suffix(TEMP_SUFFIX)
            .and_then(parse_segment_file_name)
            .is_some()
        {
            fs::remove_file(entry.path()).map_err(BusError::io("remove", entry.path()))?;
        }
    }
    seqs.sort_unstable();
    Ok(seqs)
}

/// Makes a directory's entries (created, renamed files) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), BusError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(BusError::io("sync directory", dir))
}

/// Creates the segment that starts at `start`, returning it open for appending.
///
/// The header is written to a temporary file, synced, and renamed into place (then the
/// directory is synced), so a `.log` file always has a whole header.
pub(crate) fn create_segment(
    dir: &Path,
    start: SegmentStart,
    fsync: bool,
) -> Result<File, BusError> {
    let path = dir.join(segment_file_name(start.first_seq));
    let temp = dir.join(format!(
        "{}{TEMP_SUFFIX}",
        segment_file_name(start.first_seq)
    ));
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&temp)
        .map_err(BusError::io("create segment", &temp))?;
    file.write_all(&start.encode())
        .map_err(BusError::io("write segment header", &temp))?;
    if fsync {
        file.sync_all().map_err(BusError::io("sync", &temp))?;
    }
    fs::rename(&temp, &path).map_err(BusError::io("rename into place", &path))?;
    if fsync {
        sync_dir(dir)?;
    }
    Ok(file)
}

/// What [`SegmentFile::read_record`] found at an offset.
pub(crate) enum ReadOutcome {
    /// The segment has no more bytes: the next record is in the next segment.
    EndOfSegment,
    /// The payload of a whole, checksummed record with the expected sequence number.
    Record(Vec<u8>),
}

/// A segment opened for reading by position (shared by clones, so a blocking read can own it).
#[derive(Clone)]
pub(crate) struct SegmentFile {
    file: Arc<File>,
    path: PathBuf,
    start: SegmentStart,
}

impl SegmentFile {
    /// Opens the segment in `dir` that starts at `first_seq`, checking its header.
    pub(crate) fn open(dir: &Path, first_seq: u64) -> Result<Self, BusError> {
        let path = dir.join(segment_file_name(first_seq));
        let file = File::open(&path).map_err(BusError::io("open segment", &path))?;
        let start = read_start(&file, &path, first_seq)?;
        Ok(SegmentFile {
            file: Arc::new(file),
            path,
            start,
        })
    }

    /// Where this segment starts.
    pub(crate) fn start(&self) -> SegmentStart {
        self.start
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the record at stream offset `offset` (in this segment), which must be `seq`.
    /// At most `available` bytes of durable data follow `offset`; a record claiming more is
    /// corrupt.
    pub(crate) fn read_record(
        &self,
        offset: u64,
        seq: u64,
        available: u64,
    ) -> Result<ReadOutcome, BusError> {
        let pos = SEGMENT_HEADER_LEN + (offset - self.start.base_offset);
        let mut header = [0u8; RECORD_HEADER_LEN];
        let got =
            read_full_at(&self.file, &mut header, pos).map_err(BusError::io("read", &self.path))?;
        if got == 0 {
            return Ok(ReadOutcome::EndOfSegment);
        }
        if got < RECORD_HEADER_LEN {
            return Err(BusError::corrupt(
                &self.path,
                pos,
                "truncated record header",
            ));
        }
        let header = RecordHeader::decode(&header);
        let len = u64::from(header.len);
        if RECORD_HEADER_LEN as u64 + len > available {
            return Err(BusError::corrupt(
                &self.path,
                pos,
                format!("record length {len} runs past the end of the written data"),
            ));
        }
        let mut payload = vec![0u8; header.len as usize];
        let got = read_full_at(&self.file, &mut payload, pos + RECORD_HEADER_LEN as u64)
            .map_err(BusError::io("read", &self.path))?;
        if got < payload.len() {
            return Err(BusError::corrupt(
                &self.path,
                pos,
                "truncated record payload",
            ));
        }
        if !header.matches(&payload) {
            return Err(BusError::corrupt(
                &self.path,
                pos,
                "record checksum mismatch",
            ));
        }
        if header.seq != seq {
            return Err(BusError::corrupt(
                &self.path,
                pos,
                format!("expected seq {seq}, found seq {}", header.seq),
            ));
        }
        Ok(ReadOutcome::Record(payload))
    }
}

/// Reads and checks the header of an open segment file, whose name says it starts at
/// `first_seq`.
pub(crate) fn read_start(
    file: &File,
    path: &Path,
    first_seq: u64,
) -> Result<SegmentStart, BusError> {
    let mut bytes = [0u8; SEGMENT_HEADER_LEN as usize];
    let got = read_full_at(file, &mut bytes, 0).map_err(BusError::io("read", path))?;
    if got < bytes.len() {
        return Err(BusError::corrupt(path, 0, "truncated segment header"));
    }
    let start = SegmentStart::decode(&bytes, path)?;
    if start.first_seq != first_seq {
        return Err(BusError::corrupt(
            path,
            16,
            format!("header says the first record is seq {}", start.first_seq),
        ));
    }
    Ok(start)
}

/// Reads into `buf` from `pos` until it is full or the file ends; returns the bytes read.
fn read_full_at(file: &File, buf: &mut [u8], pos: u64) -> io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], pos + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// The whole records at the start of the last segment, found by [`scan_tail`].
#[derive(Debug)]
pub(crate) struct TailScan {
    /// The sequence number the next record must have.
    pub next_seq: u64,
    /// File length covering the header and every whole record.
    pub valid_len: u64,
    /// The file's length before any repair.
    pub file_len: u64,
}

/// Reads the last segment from the start and finds where its whole, checksummed,
/// in-sequence records end. Anything after that is the torn tail of a write that was never
/// acknowledged.
pub(crate) fn scan_tail(
    file: &File,
    path: &Path,
    start: SegmentStart,
) -> Result<TailScan, BusError> {
    let file_len = file.metadata().map_err(BusError::io("stat", path))?.len();
    let mut reader = BufReader::with_capacity(1 << 20, file);
    reader
        .seek(SeekFrom::Start(SEGMENT_HEADER_LEN))
        .map_err(BusError::io("seek", path))?;
    let mut pos = SEGMENT_HEADER_LEN;
    let mut seq = start.first_seq;
    let mut payload = Vec::new();
    while file_len - pos >= RECORD_HEADER_LEN as u64 {
        let mut bytes = [0u8; RECORD_HEADER_LEN];
        reader
            .read_exact(&mut bytes)
            .map_err(BusError::io("read", path))?;
        let header = RecordHeader::decode(&bytes);
        let total = RECORD_HEADER_LEN as u64 + u64::from(header.len);
        if header.seq != seq || total > file_len - pos {
            break;
        }
        payload.resize(header.len as usize, 0);
        reader
            .read_exact(&mut payload)
            .map_err(BusError::io("read", path))?;
        if !header.matches(&payload) {
            break;
        }
        pos += total;
        seq += 1;
    }
    Ok(TailScan {
        next_seq: seq,
        valid_len: pos,
        file_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_sort_by_sequence_number_and_parse_back() {
        assert_eq!(segment_file_name(1), "00000000000000000001.log");
        assert_eq!(
            parse_segment_file_name(&segment_file_name(123_456)),
            Some(123_456)
        );
        assert_eq!(parse_segment_file_name("123.log"), None);
        assert_eq!(parse_segment_file_name("0000000000000000000x.log"), None);
        assert_eq!(
            parse_segment_file_name("00000000000000000001.log.tmp"),
            None
        );
        assert!(segment_file_name(9) < segment_file_name(10));
    }

    #[test]
    fn header_round_trips_and_rejects_damage() {
        let start = SegmentStart {
            first_seq: 17,
            base_offset: 4096,
        };
        let path = Path::new("x.log");
        let mut bytes = start.encode();
        assert_eq!(SegmentStart::decode(&bytes, path).unwrap(), start);
        bytes[20] ^= 1;
        assert!(matches!(
            SegmentStart::decode(&bytes, path),
            Err(BusError::Corrupt { offset: 12, .. })
        ));
        bytes[0] = b'X';
        assert!(matches!(
            SegmentStart::decode(&bytes, path),
            Err(BusError::Corrupt { offset: 0, .. })
        ));
    }
}
