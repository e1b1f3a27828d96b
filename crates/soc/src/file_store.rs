//! Files kept by content: each is stored once under `<root>/<first two hex digits>/<sha256>`
//! and found again by its SHA-256, which is also how evidence is cited. Files are only
//! written and read back as bytes, never opened, executed or interpreted.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// A content-addressed directory.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

/// What [`FileStore::put`] kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: String,
    pub size: u64,
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl FileStore {
    /// The store under `root` (created on the first write).
    pub fn new(root: &Path) -> FileStore {
        FileStore {
            root: root.to_owned(),
        }
    }

    /// The evidence store of a data directory.
    pub fn evidence(data_dir: &Path) -> FileStore {
        FileStore::new(&data_dir.join("evidence"))
    }

    fn path(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
        valid.then(|| {
            self.root
                .join(&sha256[..2])
                .join(sha256.to_ascii_lowercase())
        })
    }

    /// Keeps `bytes` (written to a temporary file, synced, then renamed into place, so a
    /// crash never leaves half a file under a hash).
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<StoredFile> {
        let sha256 = sha256_hex(bytes);
        let path = self
            .path(&sha256)
            .expect("a SHA-256 in hex is a valid name");
        if !path.exists() {
            let dir = path.parent().expect("files live in a subdirectory");
            std::fs::create_dir_all(dir)?;
            let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
            tmp.write_all(bytes)?;
            tmp.as_file().sync_all()?;
            tmp.persist(&path).map_err(|e| e.error)?;
        }
        Ok(StoredFile {
            sha256,
            size: bytes.len() as u64,
        })
    }

    /// The bytes kept under `sha256`, if any.
    pub fn get(&self, sha256: &str) -> std::io::Result<Option<Vec<u8>>> {
        let Some(path) = self.path(sha256) else {
            return Ok(None);
        };
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_kept_once_by_their_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        let kept = store.put(b"<script>alert(1)</script>").unwrap();
        assert_eq!(kept.size, 25);
        assert_eq!(store.put(b"<script>alert(1)</script>").unwrap(), kept);
        assert_eq!(
            store.get(&kept.sha256).unwrap().as_deref(),
            Some(&b"<script>alert(1)</script>"[..])
        );
        assert!(dir
            .path()
            .join(&kept.sha256[..2])
            .join(&kept.sha256)
            .is_file());
        assert_eq!(store.get("../../etc/passwd").unwrap(), None);
        assert_eq!(store.get(&"0".repeat(64)).unwrap(), None);
    }
}
