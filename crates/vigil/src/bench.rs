//! `vigil bench`: events per second for bare EVTX parsing and for parsing plus matching
//! the loaded rule set, measured in one run so the ratio is fair on a noisy machine,
//! with the peak memory of each phase.

use crate::cli::{BenchArgs, OutputFormat};
use crate::hunt::{hunt_files, TimeRange};
use crate::inputs::{self, InputFile};
use anyhow::Result;
use indicatif::ProgressBar;
use rayon::prelude::*;
use serde::Serialize;
use std::time::Instant;
use vigil_detect::{Detector, RuleLoad};
use vigil_event::Event;
use vigil_formats::{ReadIssue, RecordMeta, RecordSink};

/// Counts records and drops them: the cost of reading alone.
#[derive(Default)]
struct CountOnly {
    events: u64,
}

impl RecordSink for CountOnly {
    fn record(&mut self, _event: Event, _meta: RecordMeta) {
        self.events += 1;
    }
    fn issue(&mut self, _issue: ReadIssue) {}
}

/// Peak resident memory of this process since the last reset, in MiB (Linux).
pub(crate) fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Resets the peak-memory mark so the next phase is measured on its own (Linux).
pub(crate) fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

#[derive(Serialize, Debug, Clone)]
struct Phase {
    name: &'static str,
    events: u64,
    detections: usize,
    seconds_median: f64,
    events_per_second: f64,
    peak_rss_mib: Option<f64>,
}

#[derive(Serialize)]
struct Report {
    files: usize,
    bytes: u64,
    threads: usize,
    rules: usize,
    rounds: usize,
    phases: Vec<Phase>,
    /// Full hunt time over bare parsing time (the target is at most 2.5).
    hunt_over_parse: f64,
    /// Full hunt time over a hunt with no rules (parsing, classification, aliases).
    hunt_over_empty_hunt: f64,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn measure(name: &'static str, rounds: usize, mut run: impl FnMut() -> (u64, usize)) -> Phase {
    reset_peak_rss();
    let mut times = Vec::with_capacity(rounds);
    let mut last = (0, 0);
    for _ in 0..rounds {
        let start = Instant::now();
        last = run();
        times.push(start.elapsed().as_secs_f64());
    }
    let seconds = median(times);
    Phase {
        name,
        events: last.0,
        detections: last.1,
        seconds_median: seconds,
        events_per_second: last.0 as f64 / seconds.max(1e-9),
        peak_rss_mib: peak_rss_mib(),
    }
}

fn parse_only(files: &[InputFile], pool: &rayon::ThreadPool, evtx_threads: usize) -> u64 {
    pool.install(|| {
        files
            .par_iter()
            .map(|file| {
                let mut sink = CountOnly::default();
                inputs::read(file, evtx_threads, &mut sink);
                sink.events
            })
            .sum()
    })
}

fn hunt_with(detector: &Detector, files: &[InputFile], threads: usize) -> (u64, usize) {
    let hidden = ProgressBar::hidden();
    let outcomes =
        hunt_files(detector, files, TimeRange::default(), threads, &hidden).unwrap_or_default();
    (
        outcomes.iter().map(|o| o.events).sum(),
        outcomes.iter().map(|o| o.detections.len()).sum(),
    )
}

/// Runs the benchmark and prints its report.
pub fn run(args: &BenchArgs) -> Result<()> {
    let files = inputs::discover(&args.inputs)?;
    anyhow::ensure!(
        !files.is_empty(),
        "no .evtx or .json files under the given paths"
    );
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let rounds = args.rounds.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let evtx_threads = if files.len() < threads { threads } else { 1 };

    let empty = Detector::new(
        RuleLoad {
            paths: Vec::new(),
            builtin: false,
            ..args.rules.to_load()
        }
        .load()?,
    );
    let full = Detector::new(args.rules.to_load().load()?);

    // Warm the page cache so the first phase is not charged for disk reads.
    parse_only(&files, &pool, evtx_threads);
    let parse = measure("parse", rounds, || {
        (parse_only(&files, &pool, evtx_threads), 0)
    });
    let empty_hunt = measure("hunt-no-rules", rounds, || {
        hunt_with(&empty, &files, threads)
    });
    let hunt = measure("hunt", rounds, || hunt_with(&full, &files, threads));

    let report = Report {
        files: files.len(),
        bytes: files.iter().map(|f| f.bytes).sum(),
        threads,
        rules: full.rules().rules().len(),
        rounds,
        hunt_over_parse: hunt.seconds_median / parse.seconds_median.max(1e-9),
        hunt_over_empty_hunt: hunt.seconds_median / empty_hunt.seconds_median.max(1e-9),
        phases: vec![parse, empty_hunt, hunt],
    };
    match args.format {
        OutputFormat::Json | OutputFormat::Jsonl => {
            println!("{}", serde_json::to_string_pretty(&report)?)
        }
        _ => {
            println!(
                "{} files, {:.1} MB, {} threads, {} rules, median of {} rounds",
                report.files,
                report.bytes as f64 / 1e6,
                report.threads,
                report.rules,
                report.rounds
            );
            println!(
                "{:<14} {:>9} {:>11} {:>9} {:>13} {:>10}",
                "phase", "events", "detections", "seconds", "events/s", "peak MiB"
            );
            for p in &report.phases {
                println!(
                    "{:<14} {:>9} {:>11} {:>9.3} {:>13.0} {:>10}",
                    p.name,
                    p.events,
                    p.detections,
                    p.seconds_median,
                    p.events_per_second,
                    p.peak_rss_mib
                        .map(|m| format!("{m:.0}"))
                        .unwrap_or_else(|| "?".into())
                );
            }
            println!(
                "hunt / parse = {:.2}x   hunt / hunt-no-rules = {:.2}x",
                report.hunt_over_parse, report.hunt_over_empty_hunt
            );
        }
    }
    Ok(())
}
