//! Finding the log files under the paths a user names, and reading each with the
//! reader its format needs.

use anyhow::{bail, Result};
use std::path::{Path, PathBuf};
use vigil_formats::{
    read_json_path, read_text_path, text, EvtxReader, LineFormat, ReadStats, RecordSink,
};

/// The formats `hunt` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Evtx,
    Json,
    /// A text log (syslog, web access/error, IIS), its format detected from its first lines.
    Text,
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
        "log" | "txt" => Some(InputKind::Text),
        _ => None,
    }
}

/// The kind of a file found while walking a directory: by extension, and for `.log`,
/// `.txt` and extension-less files only when their first lines are a known log format
/// (so READMEs and licences are passed over).
fn walked_kind(path: &Path) -> Option<InputKind> {
    let kind = match path.extension() {
        None => InputKind::Text,
        Some(_) => kind_of(path)?,
    };
    if kind != InputKind::Text {
        return Some(kind);
    }
    match text::sniff_path(path) {
        Ok(LineFormat::Unknown) | Err(_) => None,
        Ok(LineFormat::Json) => Some(InputKind::Json),
        Ok(_) => Some(InputKind::Text),
    }
}

/// Every readable file under `paths` (directories recursively, sorted). A file named
/// directly is read whatever its extension: `.evtx` as EVTX, `.json`/`.jsonl`/`.ndjson` as
/// JSON, anything else as a text log whose format is detected (JSON Lines included).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<InputFile>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut out)?;
        } else if path.is_file() {
            let kind = kind_of(path).unwrap_or(InputKind::Text);
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
        } else if let Some(kind) = walked_kind(&path) {
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
        InputKind::Text => read_text_path(&file.path, sink),
    }
}
