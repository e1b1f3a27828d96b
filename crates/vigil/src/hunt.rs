//! `vigil hunt`: sweep log files with the rule set on all cores, print detections in
//! time order, and finish with a summary of what was read and found.

use crate::cli::{HuntArgs, RuleArgs};
use crate::inputs::{self, InputFile};
use crate::output;
use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};
use vigil_detect::{correlate_batch, Detection, Detector, Observation, RuleLoad};
use vigil_event::Event;
use vigil_formats::{ReadIssue, RecordMeta, RecordSink};
use vigil_sigma::Level;

/// Exit code when the hunt finished but some input could not be read.
pub const EXIT_INPUT_SKIPPED: u8 = 3;

impl RuleArgs {
    /// The load settings these arguments describe.
    pub fn to_load(&self) -> RuleLoad {
        RuleLoad {
            paths: self.rules.clone(),
            builtin: !self.no_builtin_rules,
            min_level: self.min_level,
            statuses: self.status.clone(),
            placeholders: self.placeholders.clone(),
            mapping: self.mapping.clone(),
        }
    }
}

/// A half-open time range events must fall in.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimeRange {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl TimeRange {
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<TimeRange> {
        Ok(TimeRange {
            from: from.map(parse_time).transpose()?,
            to: to.map(parse_time).transpose()?,
        })
    }

    /// Whether an event is in range (events without a time are kept unless a range is set).
    fn contains(&self, event: &Event) -> bool {
        if self.from.is_none() && self.to.is_none() {
            return true;
        }
        event
            .timestamp
            .is_some_and(|t| self.from.is_none_or(|f| t >= f) && self.to.is_none_or(|e| t < e))
    }
}

fn parse_time(text: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("`{text}` is neither RFC 3339 nor YYYY-MM-DD"))?;
    Ok(day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

/// What hunting one file produced.
#[derive(Default)]
pub struct FileOutcome {
    pub detections: Vec<Detection>,
    /// Matches of rules that correlations count, for the correlation pass.
    pub observations: Vec<Observation>,
    pub events: u64,
    pub issues: Vec<ReadIssue>,
}

/// Receives one file's events and runs them through a detection worker.
struct HuntSink<'a> {
    worker: vigil_detect::Worker<'a>,
    detector: &'a Detector,
    range: TimeRange,
    file: String,
    outcome: FileOutcome,
}

impl RecordSink for HuntSink<'_> {
    fn record(&mut self, mut event: Event, _meta: RecordMeta) {
        self.outcome.events += 1;
        if !self.range.contains(&event) {
            return;
        }
        let hits = self.worker.detect(&mut event);
        for &hit in hits {
            if self.detector.feeds_correlation(hit) {
                self.outcome
                    .observations
                    .push(Observation::new(hit, &event, Some(&self.file)));
            }
            if self.detector.stands_alone(hit) {
                let rule = self.detector.rules().rule(hit);
                self.outcome.detections.push(Detection::of_event(
                    &rule.meta,
                    &event,
                    Some(&self.file),
                ));
            }
        }
    }

    fn issue(&mut self, issue: ReadIssue) {
        self.outcome.issues.push(issue);
    }
}

/// Hunts one file.
pub fn hunt_file(
    detector: &Detector,
    file: &InputFile,
    range: TimeRange,
    evtx_threads: usize,
) -> FileOutcome {
    let mut sink = HuntSink {
        worker: detector.worker(),
        detector,
        range,
        file: file.path.display().to_string(),
        outcome: FileOutcome::default(),
    };
    inputs::read(file, evtx_threads, &mut sink);
    sink.outcome
}

/// Hunts all files on `threads` threads; results in input order.
pub fn hunt_files(
    detector: &Detector,
    files: &[InputFile],
    range: TimeRange,
    threads: usize,
    progress: &ProgressBar,
) -> Result<Vec<FileOutcome>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    // Few large files: let the evtx parser use the cores; many files: one core each.
    let evtx_threads = if files.len() < threads { threads } else { 1 };
    Ok(pool.install(|| {
        files
            .par_iter()
            .map(|file| {
                let outcome = hunt_file(detector, file, range, evtx_threads);
                progress.inc(file.bytes);
                outcome
            })
            .collect()
    }))
}

/// Runs `vigil hunt`; returns the process exit code.
pub fn run(args: &HuntArgs) -> Result<u8> {
    let started = Instant::now();
    let range = TimeRange::parse(args.from.as_deref(), args.to.as_deref())?;
    let detector = Detector::new(args.rules.to_load().load()?);
    for u in &detector.rules().unsupported {
        eprintln!("rule not loaded: {}: {}", u.origin, u.reason);
    }
    let files = inputs::discover(&args.inputs)?;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let progress = progress_bar(files.iter().map(|f| f.bytes).sum(), args.quiet);
    let outcomes = hunt_files(&detector, &files, range, threads, &progress)?;
    progress.finish_and_clear();

    let mut detections: Vec<Detection> = Vec::new();
    let mut observations: Vec<Observation> = Vec::new();
    let mut issues: Vec<ReadIssue> = Vec::new();
    let mut events = 0u64;
    for outcome in outcomes {
        events += outcome.events;
        detections.extend(outcome.detections);
        observations.extend(outcome.observations);
        issues.extend(outcome.issues);
    }
    detections.extend(correlate_batch(&detector, observations));
    detections.sort_by(|a, b| {
        (a.timestamp, &a.file, a.record_id).cmp(&(b.timestamp, &b.file, b.record_id))
    });

    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            let mut writer = std::io::BufWriter::new(file);
            output::write(&mut writer, &detections, args.format)?;
            writer.flush()?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut writer = std::io::BufWriter::new(stdout.lock());
            output::write(&mut writer, &detections, args.format)?;
            writer.flush()?;
        }
    }
    for issue in &issues {
        eprintln!("skipped: {issue}");
    }
    if !args.quiet {
        let summary = Summary {
            files: files.len(),
            events,
            issues: issues.len(),
            rules: detector.rules().rules().len(),
            elapsed: started.elapsed(),
        };
        summary.print(&detections);
    }
    Ok(if issues.is_empty() {
        0
    } else {
        EXIT_INPUT_SKIPPED
    })
}

fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({eta})",
    ) {
        bar.set_style(style);
    }
    bar
}

/// The closing summary of a hunt.
struct Summary {
    files: usize,
    events: u64,
    issues: usize,
    rules: usize,
    elapsed: Duration,
}

fn top<'a>(items: impl Iterator<Item = &'a str>, n: usize) -> Vec<(&'a str, usize)> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for item in items {
        *counts.entry(item).or_default() += 1;
    }
    let mut list: Vec<_> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    list.truncate(n);
    list
}

impl Summary {
    fn print(&self, detections: &[Detection]) {
        let secs = self.elapsed.as_secs_f64();
        eprintln!();
        eprintln!("── Hunt summary ──");
        eprintln!(
            "files {}  events {}  rules {}  skipped input problems {}  time {:.2}s ({:.0} events/s)",
            self.files,
            self.events,
            self.rules,
            self.issues,
            secs,
            self.events as f64 / secs.max(1e-9)
        );
        let by_level: Vec<String> = Level::ALL
            .iter()
            .rev()
            .map(|l| {
                format!(
                    "{} {}",
                    l.as_str(),
                    detections.iter().filter(|d| d.level == *l).count()
                )
            })
            .collect();
        eprintln!("detections {}: {}", detections.len(), by_level.join(", "));
        eprintln!("top rules:");
        for (title, n) in top(detections.iter().map(|d| d.rule_title.as_str()), 10) {
            eprintln!("  {n:>6}  {}", output::terminal_safe(title));
        }
        eprintln!("top computers:");
        for (host, n) in top(detections.iter().filter_map(|d| d.computer.as_deref()), 10) {
            eprintln!("  {n:>6}  {}", output::terminal_safe(host));
        }
    }
}
