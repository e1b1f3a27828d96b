//! Every EVTX file in the corpus is read, damaged ones included, and the record counts
//! agree with `EVTX-INDEX.tsv`.

mod common;

use std::path::{Path, PathBuf};
use vigil_formats::{Collected, EvtxReader, Location, ReadStats};

struct FileResult {
    relative: String,
    stats: ReadStats,
    issues: Vec<String>,
    without_system: usize,
}

fn read_all(corpus: &Path, files: &[PathBuf]) -> Vec<FileResult> {
    let reader = EvtxReader::new();
    common::parallel(files, |path| {
        let mut out = Collected::default();
        let stats = reader.read_path(path, &mut out);
        let relative = path
            .strip_prefix(corpus)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned();
        FileResult {
            relative,
            stats,
            issues: out
                .issues
                .iter()
                .map(|i| format!("{}: {}", i.location, i.reason))
                .collect(),
            without_system: out.events.iter().filter(|e| !e.contains("EventID")).count(),
        }
    })
}

#[test]
fn intact_evtx_files_read_completely() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let index = common::evtx_index(&corpus);
    let mut files = common::files_with_ext(&corpus.join("evtx"), "evtx");
    files.extend(common::files_with_ext(
        &corpus.join("sigma-regression"),
        "evtx",
    ));
    files.retain(|p| !p.to_string_lossy().contains("parser-samples"));
    assert!(files.len() > 500, "found only {} files", files.len());
    let mut failures = Vec::new();
    let mut total = 0;
    for result in read_all(&corpus, &files) {
        total += result.stats.records;
        let expected = index.get(&result.relative).map(|(records, _)| *records);
        if expected != Some(result.stats.records)
            || !result.issues.is_empty()
            || result.without_system > 0
        {
            failures.push(format!(
                "{}: read {} records (index: {expected:?}), {} without EventID, issues {:?}",
                result.relative, result.stats.records, result.without_system, result.issues
            ));
        }
    }
    println!("{} files, {total} records", files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn damaged_parser_samples_are_read_around_their_damage() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let index = common::evtx_index(&corpus);
    let files = common::files_with_ext(&corpus.join("evtx/parser-samples"), "evtx");
    assert!(files.len() >= 20, "found only {} files", files.len());
    let mut far_off = Vec::new();
    for result in read_all(&corpus, &files) {
        let (expected, failed) = index.get(&result.relative).copied().unwrap_or_default();
        println!(
            "{:<70} records {:>6} (index {expected:>6}, index failures {failed}) issues {}",
            result.relative, result.stats.records, result.stats.issues
        );
        for issue in result.issues.iter().take(5) {
            println!("    {issue}");
        }
        // The index was made by the same parser; allow a little slack for its settings.
        let slack = (expected / 100).max(2);
        if result.stats.records.abs_diff(expected) > slack {
            far_off.push(format!(
                "{}: {} records, index {expected}",
                result.relative, result.stats.records
            ));
        }
        if failed > 0 && result.stats.issues == 0 {
            far_off.push(format!(
                "{}: the index saw {failed} failures, the reader reported none",
                result.relative
            ));
        }
    }
    assert!(far_off.is_empty(), "{}", far_off.join("\n"));
}

#[test]
fn issues_name_chunks_and_records() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let path = corpus.join("evtx/parser-samples/sample_with_a_bad_chunk_magic.evtx");
    if !path.exists() {
        println!("skipped: {} missing", path.display());
        return;
    }
    let mut out = Collected::default();
    let stats = EvtxReader::new().threads(2).read_path(&path, &mut out);
    assert!(stats.records > 0);
    assert!(
        out.issues
            .iter()
            .any(|i| matches!(i.location, Location::Chunk(_))),
        "{:?}",
        out.issues
    );
    assert!(out.issues.iter().all(|i| i.file == path));
}

#[test]
fn thread_count_does_not_change_what_is_read() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let path = corpus.join("evtx/parser-samples/security.evtx");
    if !path.exists() {
        println!("skipped: {} missing", path.display());
        return;
    }
    let mut one = Collected::default();
    let mut two = Collected::default();
    EvtxReader::new().threads(1).read_path(&path, &mut one);
    EvtxReader::new().threads(2).read_path(&path, &mut two);
    assert!(one.events.len() > 2000);
    assert_eq!(one.events, two.events);
}
