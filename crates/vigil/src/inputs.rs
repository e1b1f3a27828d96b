//! Finding the log files under the paths a user names, and reading each with the
//! reader its format needs.

use anyhow::{bail, Result};
use std::path::{Path, PathBuf};
use vigil_formats::{read_json_path, EvtxReader, ReadStats, RecordSink};

/// The formats `hunt` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Evtx,
    Json,
}

/// One file to read.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    pub kind: InputKind,
    pub bytes: u64,
}

fn kind_of(path: &Path) -> Option<InputKind> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "evtx" => Some(InputKind::Evtx),
        "json" | "jsonl" | "ndjson" => Some(InputKind::Json),
        _ => None,
    }
}

/// Every readable file under `paths` (directories recursively, sorted). A file named
/// directly is read whatever its extension (as JSON Lines unless it ends in `.evtx`).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<InputFile>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut out)?;
        } else if path.is_file() {
            let kind = kind_of(path).unwrap_or(InputKind::Json);
            out.push(InputFile {
                path: path.clone(),
                kind,
                bytes: path.metadata()?.len(),
            });
        } else {
            bail!("{} does not exist", path.display());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<InputFile>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if let Some(kind) = kind_of(&path) {
            out.push(InputFile {
                bytes: entry.metadata()?.len(),
                path,
                kind,
            });
        }
    }
    Ok(())
}

/// Reads one file into `sink`; `evtx_threads` is the evtx parser's thread count
/// (1 when files are read in parallel).
pub fn read(file: &InputFile, evtx_threads: usize, sink: &mut dyn RecordSink) -> ReadStats {
    match file.kind {
        InputKind::Evtx => EvtxReader::new()
            .threads(evtx_threads)
            .read_path(&file.path, sink),
        InputKind::Json => read_json_path(&file.path, sink),
    }
}
