//! The on-disk record: a 16-byte header followed by the payload.
//!
//! ```text
//! offset 0   u32 LE  payload length
//! offset 4   u32 LE  CRC-32 of the sequence number's 8 bytes followed by the payload
//! offset 8   u64 LE  sequence number
//! offset 16  payload
//! ```
//!
//! The checksum covers the sequence number as well as the payload, so a damaged header is
//! caught as surely as a damaged payload.

/// Bytes in a record header.
pub(crate) const RECORD_HEADER_LEN: usize = 16;

/// Bytes a record with a payload of `payload_len` bytes takes in a segment.
pub(crate) fn record_len(payload_len: usize) -> u64 {
    (RECORD_HEADER_LEN + payload_len) as u64
}

/// A decoded record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecordHeader {
    /// Payload length in bytes.
    pub len: u32,
    /// CRC-32 of the sequence number and the payload.
    pub crc: u32,
    /// Sequence number.
    pub seq: u64,
}

impl RecordHeader {
    /// The header for `payload` stored as `seq`. The caller guarantees the payload fits a u32.
    pub(crate) fn new(seq: u64, payload: &[u8]) -> Self {
        RecordHeader {
            len: payload.len() as u32,
            crc: checksum(seq, payload),
            seq,
        }
    }

    /// The header's 16 bytes.
    pub(crate) fn encode(&self) -> [u8; RECORD_HEADER_LEN] {
        let mut out = [0u8; RECORD_HEADER_LEN];
        out[0..4].copy_from_slice(&self.len.to_le_bytes());
        out[4..8].copy_from_slice(&self.crc.to_le_bytes());
        out[8..16].copy_from_slice(&self.seq.to_le_bytes());
        out
    }

    /// Reads a header from its 16 bytes (any bytes decode; [`Self::matches`] says whether
    /// they belong with a payload).
    pub(crate) fn decode(bytes: &[u8; RECORD_HEADER_LEN]) -> Self {
        let word = |range: std::ops::Range<usize>| {
            let mut b = [0u8; 4];
            b.copy_from_slice(&bytes[range]);
            u32::from_le_bytes(b)
        };
        let mut seq = [0u8; 8];
        seq.copy_from_slice(&bytes[8..16]);
        RecordHeader {
            len: word(0..4),
            crc: word(4..8),
            seq: u64::from_le_bytes(seq),
        }
    }

    /// Whether `payload` is the one this header was written for.
    pub(crate) fn matches(&self, payload: &[u8]) -> bool {
        payload.len() == self.len as usize && checksum(self.seq, payload) == self.crc
    }
}

fn checksum(seq: u64, payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&seq.to_le_bytes());
    hasher.update(payload);
    hasher.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_matches_its_payload() {
        let header = RecordHeader::new(42, b"hello");
        let decoded = RecordHeader::decode(&header.encode());
        assert_eq!(decoded, header);
        assert_eq!(decoded.len, 5);
        assert!(decoded.matches(b"hello"));
    }

    #[test]
    fn checksum_catches_a_changed_payload_or_sequence_number() {
        let header = RecordHeader::new(7, b"payload");
        assert!(!header.matches(b"paylaod"));
        assert!(!header.matches(b"payload!"));
        let moved = RecordHeader { seq: 8, ..header };
        assert!(!moved.matches(b"payload"));
    }

    #[test]
    fn zeroed_bytes_are_not_a_valid_empty_record() {
        let header = RecordHeader::decode(&[0u8; RECORD_HEADER_LEN]);
        assert!(!header.matches(b""));
    }
}
