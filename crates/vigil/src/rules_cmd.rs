//! `vigil rules check` and `vigil rules test`: does every rule compile, and does every
//! regression sample trigger the rule it was recorded for.

use crate::cli::{OutputFormat, RulesTestArgs};
use crate::inputs::{self, InputFile, InputKind};
use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vigil_detect::{Detector, RuleLoad};
use vigil_event::Event;
use vigil_formats::{ReadIssue, RecordMeta, RecordSink};

#[derive(Serialize)]
struct UnsupportedOut<'a> {
    path: &'a str,
    title: Option<&'a str>,
    reason: &'a str,
}

#[derive(Serialize)]
struct CheckReport<'a> {
    total: usize,
    compiled: usize,
    correlations: usize,
    unsupported: Vec<UnsupportedOut<'a>>,
}

/// Compiles every rule under `dirs` and reports what could not be compiled and why.
/// Returns whether everything compiled.
pub fn check(dirs: &[PathBuf], format: OutputFormat) -> Result<bool> {
    // A detector, so that correlations are compiled and resolved too.
    let detector = Detector::new(RuleLoad::new(dirs.to_vec()).load()?);
    let rules = detector.rules();
    let report = CheckReport {
        total: rules.documents(),
        compiled: rules.documents() - rules.unsupported.len(),
        correlations: detector.correlations().len(),
        unsupported: rules
            .unsupported
            .iter()
            .map(|u| UnsupportedOut {
                path: &u.origin,
                title: u.title.as_deref(),
                reason: &u.reason,
            })
            .collect(),
    };
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string(&report)?),
        _ => {
            for u in &report.unsupported {
                println!("{}: {}", u.path, u.reason);
            }
            println!(
                "{} documents, {} compiled ({} correlations), {} unsupported",
                report.total,
                report.compiled,
                report.correlations,
                report.unsupported.len()
            );
        }
    }
    Ok(report.unsupported.is_empty())
}

/// One regression sample: the rule it must trigger and the file to run.
struct Sample {
    rule_id: String,
    path: PathBuf,
    match_count: Option<usize>,
}

#[derive(Serialize)]
struct Failure {
    rule_id: String,
    sample: String,
    reason: String,
}

#[derive(Serialize)]
struct TestReport {
    total: usize,
    passed: usize,
    failed: Vec<Failure>,
    /// Samples where the rule fired more often than `match_count` (a minimum, as
    /// SigmaHQ's runner treats it: worth a look, not a failure).
    more_than_expected: Vec<Failure>,
    /// Per sample, the other rules that fired on it (rule id → count).
    also_fired: BTreeMap<String, BTreeMap<String, usize>>,
}

/// Reads SigmaHQ-style `info.yml` files below `dir`.
fn samples(dir: &Path) -> Result<Vec<Sample>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .with_context(|| format!("reading {}", d.display()))?
            .collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "info.yml") {
                out.extend(samples_of_info(dir, &path)?);
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn samples_of_info(root: &Path, info: &Path) -> Result<Vec<Sample>> {
    let text = std::fs::read_to_string(info)?;
    let docs = yaml_rust2::YamlLoader::load_from_str(&text)
        .with_context(|| format!("parsing {}", info.display()))?;
    let Some(doc) = docs.first() else {
        return Ok(Vec::new());
    };
    let ids: Vec<String> = doc["rule_metadata"]
        .as_vec()
        .map(|v| {
            v.iter()
                .filter_map(|m| m["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for test in doc["regression_tests_info"]
        .as_vec()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let Some(rel) = test["path"].as_str() else {
            continue;
        };
        let rel = rel.strip_prefix("regression_data/").unwrap_or(rel);
        let match_count = test["match_count"].as_i64().map(|n| n as usize);
        for id in &ids {
            out.push(Sample {
                rule_id: id.clone(),
                path: root.join(rel),
                match_count,
            });
        }
    }
    Ok(out)
}

/// Counts rule hits per rule id over one sample.
struct CountingSink<'a> {
    detector: &'a Detector,
    worker: vigil_detect::Worker<'a>,
    counts: BTreeMap<String, usize>,
    issues: Vec<ReadIssue>,
}

impl RecordSink for CountingSink<'_> {
    fn record(&mut self, mut event: Event, _meta: RecordMeta) {
        for &hit in self.worker.detect(&mut event) {
            let id = self
                .detector
                .rules()
                .rule(hit)
                .meta
                .id
                .clone()
                .unwrap_or_default();
            *self.counts.entry(id).or_default() += 1;
        }
    }
    fn issue(&mut self, issue: ReadIssue) {
        self.issues.push(issue);
    }
}

/// Runs every regression sample and reports which did not trigger their rule.
/// Returns whether all passed.
pub fn test(args: &RulesTestArgs) -> Result<bool> {
    let detector = Detector::new(RuleLoad::new(args.rules.clone()).load()?);
    let samples = samples(&args.regression)?;
    let mut report = TestReport {
        total: samples.len(),
        passed: 0,
        failed: Vec::new(),
        more_than_expected: Vec::new(),
        also_fired: BTreeMap::new(),
    };
    for sample in &samples {
        let shown = sample
            .path
            .strip_prefix(&args.regression)
            .unwrap_or(&sample.path)
            .display()
            .to_string();
        let mut sink = CountingSink {
            detector: &detector,
            worker: detector.worker(),
            counts: BTreeMap::new(),
            issues: Vec::new(),
        };
        let file = InputFile {
            path: sample.path.clone(),
            kind: InputKind::Evtx,
            bytes: 0,
        };
        inputs::read(&file, 1, &mut sink);
        let mut counts = sink.counts;
        let fired = counts.remove(&sample.rule_id).unwrap_or(0);
        let failure = match sample.match_count {
            _ if !sink.issues.is_empty() => Some(format!("cannot read sample: {}", sink.issues[0])),
            _ if !detector.has_rule(&sample.rule_id) => {
                Some("rule not found among the loaded rules".into())
            }
            _ if fired == 0 => Some("rule did not fire".into()),
            Some(expected) if fired < expected => Some(format!(
                "rule fired {fired} times, expected at least {expected}"
            )),
            _ => None,
        };
        if let Some(expected) = sample.match_count.filter(|&e| fired > e) {
            let reason = format!("rule fired {fired} times, match_count is {expected}");
            report.more_than_expected.push(Failure {
                rule_id: sample.rule_id.clone(),
                sample: shown.clone(),
                reason,
            });
        }
        match failure {
            Some(reason) => report.failed.push(Failure {
                rule_id: sample.rule_id.clone(),
                sample: shown.clone(),
                reason,
            }),
            None => report.passed += 1,
        }
        if !counts.is_empty() {
            report.also_fired.insert(shown, counts);
        }
    }
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string(&report)?),
        _ => {
            for f in &report.failed {
                println!("FAIL {} {}: {}", f.rule_id, f.sample, f.reason);
            }
            for w in &report.more_than_expected {
                println!("note {} {}: {}", w.rule_id, w.sample, w.reason);
            }
            println!(
                "{} samples, {} passed, {} failed",
                report.total,
                report.passed,
                report.failed.len()
            );
        }
    }
    Ok(report.failed.is_empty())
}
