//! Durable consumer positions: one small file per consumer in `<dir>/consumers/`, replaced
//! atomically (write a temporary file, fsync, rename, fsync the directory) on every ack.
//!
//! ```text
//! offset 0   "VIGILACK"
//! offset 8   u64 LE  last acknowledged sequence number (0: nothing yet)
//! offset 16  u64 LE  stream offset just past that record
//! offset 24  u32 LE  CRC-32 of bytes 8..24
//! ```
//!
//! A checkpoint file exists for every registered consumer, so a consumer that existed before
//! a restart keeps holding back segment deletion even before it is opened again.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use crate::error::BusError;
use crate::segment::sync_dir;

const MAGIC: &[u8; 8] = b"VIGILACK";
const CHECKPOINT_LEN: usize = 28;
const SUFFIX: &str = ".ack";
const TEMP_SUFFIX: &str = ".ack.tmp";
const MAX_NAME_LEN: usize = 64;

/// How far a consumer has acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Checkpoint {
    /// Every record up to and including this sequence number is acknowledged.
    pub acked_seq: u64,
    /// The stream offset just past the acknowledged record: where reading resumes.
    pub acked_offset: u64,
}

impl Checkpoint {
    fn encode(&self) -> [u8; CHECKPOINT_LEN] {
        let mut out = [0u8; CHECKPOINT_LEN];
        out[0..8].copy_from_slice(MAGIC);
        out[8..16].copy_from_slice(&self.acked_seq.to_le_bytes());
        out[16..24].copy_from_slice(&self.acked_offset.to_le_bytes());
        let crc = crc32fast::hash(&out[8..24]);
        out[24..28].copy_from_slice(&crc.to_le_bytes());
        out
    }

    fn decode(bytes: &[u8], path: &Path) -> Result<Self, BusError> {
        if bytes.len() != CHECKPOINT_LEN || &bytes[0..8] != MAGIC {
            return Err(BusError::corrupt(path, 0, "not a consumer checkpoint"));
        }
        let u64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let crc = u32::from_le_bytes([bytes[24], bytes[25], bytes[26], bytes[27]]);
        if crc != crc32fast::hash(&bytes[8..24]) {
            return Err(BusError::corrupt(path, 24, "checkpoint checksum mismatch"));
        }
        Ok(Checkpoint {
            acked_seq: u64_at(8),
            acked_offset: u64_at(16),
        })
    }
}

/// Checks that `name` can be a consumer name (and so a file name): 1 to 64 characters from
/// `A-Z a-z 0-9 _ -`, the same characters NATS JetStream accepts for durable names.
pub(crate) fn validate_name(name: &str) -> Result<(), BusError> {
    let reason = if name.is_empty() {
        "it is empty"
    } else if name.len() > MAX_NAME_LEN {
        "it is longer than 64 characters"
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        "only A-Z, a-z, 0-9, '_' and '-' are allowed"
    } else {
        return Ok(());
    };
    Err(BusError::InvalidConsumerName {
        name: name.to_owned(),
        reason,
    })
}

/// Durably replaces (or creates) the checkpoint of consumer `name` in `dir`.
pub(crate) fn store(
    dir: &Path,
    name: &str,
    checkpoint: Checkpoint,
    fsync: bool,
) -> Result<(), BusError> {
    let temp = dir.join(format!("{name}{TEMP_SUFFIX}"));
    let path = dir.join(format!("{name}{SUFFIX}"));
    let mut file = File::create(&temp).map_err(BusError::io("create checkpoint", &temp))?;
    file.write_all(&checkpoint.encode())
        .map_err(BusError::io("write checkpoint", &temp))?;
    if fsync {
        file.sync_all().map_err(BusError::io("sync", &temp))?;
    }
    fs::rename(&temp, &path).map_err(BusError::io("rename into place", &path))?;
    if fsync {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Durably removes the checkpoint of consumer `name` in `dir`.
pub(crate) fn remove(dir: &Path, name: &str, fsync: bool) -> Result<(), BusError> {
    let path = dir.join(format!("{name}{SUFFIX}"));
    fs::remove_file(&path).map_err(BusError::io("remove checkpoint", &path))?;
    if fsync {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Every consumer's checkpoint in `dir`, by name. Leftover temporary files (a crash during
/// an ack, whose previous checkpoint still stands) are removed.
pub(crate) fn load_all(dir: &Path) -> Result<BTreeMap<String, Checkpoint>, BusError> {
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(dir).map_err(BusError::io("list", dir))? {
        let entry = entry.map_err(BusError::io("list", dir))?;
        let path = entry.path();
        let Some(file_name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if file_name.ends_with(TEMP_SUFFIX) {
            fs::remove_file(&path).map_err(BusError::io("remove", &path))?;
        } else if let Some(name) = file_name.strip_suffix(SUFFIX) {
            if validate_name(name).is_ok() {
                let bytes = fs::read(&path).map_err(BusError::io("read checkpoint", &path))?;
                out.insert(name.to_owned(), Checkpoint::decode(&bytes, &path)?);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_durable_name_rules() {
        assert!(validate_name("detect").is_ok());
        assert!(validate_name("detect-2_b").is_ok());
        assert!(validate_name(&"a".repeat(64)).is_ok());
        for bad in ["", "a.b", "../x", "with space", "x/y", "é", &"a".repeat(65)] {
            assert!(
                matches!(
                    validate_name(bad),
                    Err(BusError::InvalidConsumerName { .. })
                ),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn store_then_load_round_trips_and_cleans_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoint {
            acked_seq: 9,
            acked_offset: 1234,
        };
        store(dir.path(), "detect", cp, true).unwrap();
        fs::write(dir.path().join("other.ack.tmp"), b"half written").unwrap();
        let loaded = load_all(dir.path()).unwrap();
        assert_eq!(loaded.get("detect"), Some(&cp));
        assert_eq!(loaded.len(), 1);
        assert!(!dir.path().join("other.ack.tmp").exists());
        remove(dir.path(), "detect", true).unwrap();
        assert!(load_all(dir.path()).unwrap().is_empty());
    }

    #[test]
    fn a_damaged_checkpoint_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoint {
            acked_seq: 1,
            acked_offset: 20,
        };
        store(dir.path(), "detect", cp, false).unwrap();
        let path = dir.path().join("detect.ack");
        let mut bytes = fs::read(&path).unwrap();
        bytes[10] ^= 0xff;
        fs::write(&path, bytes).unwrap();
        assert!(matches!(
            load_all(dir.path()),
            Err(BusError::Corrupt { .. })
        ));
    }
}
