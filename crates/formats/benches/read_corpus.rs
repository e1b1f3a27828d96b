//! Throughput of reading every `.evtx` under the corpus's `evtx/` folder: the baseline the
//! detection benchmarks compare against. Run with `cargo bench -p vigil-formats`.
//!
//! Prints wall time and records per second for: one file at a time with one parser thread,
//! one file at a time with the parser's threads, and files in parallel (one thread each);
//! then reading with and without classifying and renaming each event.

use std::path::PathBuf;
use std::time::{Duration, Instant};
use vigil_event::Event;
use vigil_formats::{EvtxReader, LogsourceMap, ReadStats, RecordMeta, RecordSink};

/// Counts records and drops them, so only reading is measured.
#[derive(Default)]
struct Count(ReadStats);

impl RecordSink for Count {
    fn record(&mut self, _event: Event, _meta: RecordMeta) {
        self.0.records += 1;
    }
    fn issue(&mut self, _issue: vigil_formats::ReadIssue) {
        self.0.issues += 1;
    }
}

/// Classifies and renames each event, then drops it.
struct Classify<'a> {
    map: &'a LogsourceMap,
    count: Count,
}

impl RecordSink for Classify<'_> {
    fn record(&mut self, mut event: Event, meta: RecordMeta) {
        self.map.apply_renames(&mut event);
        self.count.record(event, meta);
    }
    fn issue(&mut self, issue: vigil_formats::ReadIssue) {
        self.count.issue(issue);
    }
}

fn evtx_files() -> Option<(Vec<PathBuf>, u64)> {
    let root = vigil_formats::corpus_dir()?.join("evtx");
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .map(walkdir::DirEntry::into_path)
        .filter(|p| vigil_formats::is_evtx(p))
        .collect();
    files.sort();
    let bytes = files
        .iter()
        .filter_map(|p| p.metadata().ok())
        .map(|m| m.len())
        .sum();
    Some((files, bytes))
}

fn report(label: &str, stats: ReadStats, bytes: u64, took: Duration) {
    let secs = took.as_secs_f64();
    println!(
        "{label:<34} {:>7} records {:>4} issues {:>8.1} ms {:>9.0} records/s {:>6.1} MB/s",
        stats.records,
        stats.issues,
        secs * 1e3,
        stats.records as f64 / secs,
        bytes as f64 / secs / 1e6
    );
}

fn sequential(files: &[PathBuf], reader: &EvtxReader) -> ReadStats {
    let mut count = Count::default();
    for file in files {
        reader.read_path(file, &mut count);
    }
    count.0
}

fn parallel_files(files: &[PathBuf], threads: usize) -> ReadStats {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let reader = EvtxReader::new();
    let parts: Vec<ReadStats> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut count = Count::default();
                    while let Some(file) =
                        files.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                    {
                        reader.read_path(file, &mut count);
                    }
                    count.0
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    parts.iter().fold(ReadStats::default(), |a, b| ReadStats {
        records: a.records + b.records,
        issues: a.issues + b.issues,
    })
}

fn main() {
    let Some((files, bytes)) = evtx_files() else {
        println!("skipped: corpus not found");
        return;
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{} files, {:.1} MB, {cores} cores",
        files.len(),
        bytes as f64 / 1e6
    );
    // Warm the page cache so the first measurement is not a disk measurement.
    sequential(&files, &EvtxReader::new().check_checksums(false));

    for round in 1..=2 {
        println!("round {round}");
        let reader = EvtxReader::new();
        let start = Instant::now();
        let stats = sequential(&files, &reader);
        report(
            "files in turn, 1 parser thread",
            stats,
            bytes,
            start.elapsed(),
        );

        let reader = EvtxReader::new().check_checksums(false);
        let start = Instant::now();
        let stats = sequential(&files, &reader);
        report(
            "  same, checksums not checked",
            stats,
            bytes,
            start.elapsed(),
        );

        let reader = EvtxReader::new().threads(cores);
        let start = Instant::now();
        let stats = sequential(&files, &reader);
        report(
            &format!("files in turn, {cores} parser threads"),
            stats,
            bytes,
            start.elapsed(),
        );

        let start = Instant::now();
        let stats = parallel_files(&files, cores);
        report(
            &format!("{cores} files at once, 1 thread each"),
            stats,
            bytes,
            start.elapsed(),
        );
    }

    // Classification as a pipeline does it: on each event as it is read, while it is
    // still in cache.
    let map = LogsourceMap::embedded();
    let reader = EvtxReader::new().check_checksums(false);
    let start = Instant::now();
    let read_only = sequential(&files, &reader);
    let read_took = start.elapsed();
    let mut classify = Classify {
        map: &map,
        count: Count::default(),
    };
    let start = Instant::now();
    for file in &files {
        reader.read_path(file, &mut classify);
    }
    let both_took = start.elapsed();
    report("read only", read_only, bytes, read_took);
    report(
        "read + classify + rename",
        classify.count.0,
        bytes,
        both_took,
    );
    println!("{} classes", map.class_count());
}
