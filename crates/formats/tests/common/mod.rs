//! Helpers shared by the corpus tests: finding the corpus and the files in it.
#![allow(dead_code)] // each test file uses some of them

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The corpus, or `None` after printing the skip notice.
pub fn corpus() -> Option<PathBuf> {
    let dir = vigil_formats::corpus_dir();
    if dir.is_none() {
        println!("skipped: corpus not found");
    }
    dir
}

/// Files under `root` whose name ends in `.{ext}`, sorted.
pub fn files_with_ext(root: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case(ext)))
        .collect();
    files.sort();
    files
}

/// `EVTX-INDEX.tsv`: record and failed-record counts by path relative to the corpus.
pub fn evtx_index(corpus: &Path) -> HashMap<String, (u64, u64)> {
    let text = std::fs::read_to_string(corpus.join("EVTX-INDEX.tsv")).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let path = cols.next()?.to_owned();
            let records = cols.next()?.parse().ok()?;
            let failed = cols.next()?.parse().ok()?;
            Some((path, (records, failed)))
        })
        .collect()
}

/// Runs `work` over `items` on two threads (the machines this runs on have two cores).
pub fn parallel<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let half = items.len().div_ceil(2).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(half)
            .map(|part| s.spawn(|| part.iter().map(&work).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}
