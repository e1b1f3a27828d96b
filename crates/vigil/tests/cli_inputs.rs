//! End-to-end tests of `vigil hunt` on damaged input: a malformed JSON line, an EVTX file
//! with overwritten bytes, a truncated one, and the corpus' deliberately damaged parser
//! samples. Readable records around the damage are hunted, each problem is reported with
//! where it is, and the exit code says that input was skipped.

mod common;

use common::{certutil_download, corpus, run, texts, vigil, write_jsonl, Run};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Exit code of a hunt that finished but skipped some input.
const INPUT_SKIPPED: i32 = 3;

/// A multi-chunk Sysmon recording from the corpus (four chunks of records).
const MULTI_CHUNK_SAMPLE: &str =
    "evtx/attack-samples/AutomatedTestingTools/panache_sysmon_vs_EDRTestingScript.evtx";

const FILE_HEADER: usize = 4096;
const CHUNK: usize = 65_536;

fn hunt(input: &Path, extra: &[&str]) -> Run {
    run(vigil()
        .arg("hunt")
        .arg(input)
        .args(["--format", "jsonl", "-q"])
        .args(extra))
}

#[test]
fn malformed_json_line_is_reported_and_its_neighbours_hunted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("events.jsonl");
    let before = certutil_download("2026-01-01T00:00:00Z", "PC1", 1).to_string();
    let after = certutil_download("2026-01-01T00:05:00Z", "PC2", 2).to_string();
    std::fs::write(
        &path,
        format!("{before}\n{{\"EventID\": 1, \"Image\n{after}\n"),
    )
    .expect("writing input");

    let run = hunt(&path, &[]);
    run.expect_code(INPUT_SKIPPED);
    let detections = run.jsonl();
    assert_eq!(texts(&detections, "computer"), ["PC1", "PC2"]);
    let report = run
        .stderr
        .lines()
        .find(|l| l.contains("events.jsonl"))
        .unwrap_or_else(|| panic!("the file is not named:\n{}", run.stderr));
    let (_, reason) = report
        .split_once("line 2")
        .unwrap_or_else(|| panic!("the line is not named: {report}"));
    assert!(
        reason
            .trim_start_matches(|c: char| !c.is_alphabetic())
            .len()
            > 5,
        "no reason given: {report}"
    );
}

#[test]
fn clean_input_exits_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("events.jsonl");
    write_jsonl(
        &path,
        &[
            certutil_download("2026-01-01T00:00:00Z", "PC1", 1),
            certutil_download("2026-01-01T00:05:00Z", "PC2", 2),
        ],
    );
    let run = hunt(&path, &[]);
    run.expect_code(0);
    assert_eq!(run.jsonl().len(), 2);
    assert!(!run.stderr.contains("skipped"), "{}", run.stderr);
}

/// A copy of the multi-chunk sample in a temp dir, a rule that matches every record, and
/// the sample's record counts per chunk (from the chunk headers).
struct Scratch {
    dir: tempfile::TempDir,
    bytes: Vec<u8>,
    records_per_chunk: Vec<usize>,
}

impl Scratch {
    fn new(corpus: &Path) -> Scratch {
        let bytes = std::fs::read(corpus.join(MULTI_CHUNK_SAMPLE)).expect("reading the sample");
        let records_per_chunk = bytes[FILE_HEADER..]
            .chunks_exact(CHUNK)
            .take_while(|c| c.starts_with(b"ElfChnk\0"))
            .map(|c| {
                let number = |at: usize| u64::from_le_bytes(c[at..at + 8].try_into().unwrap());
                (number(16) - number(8) + 1) as usize
            })
            .collect();
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("rules")).expect("rules dir");
        std::fs::write(
            dir.path().join("rules/every_record.yml"),
            "title: Every Record\nid: 0b6a1d0e-5f37-4a57-9f1e-4d3f0c6f2a11\nstatus: test\n\
             logsource: {product: windows}\n\
             detection: {sel: {EventRecordID|exists: true}, condition: sel}\nlevel: low\n",
        )
        .expect("writing the rule");
        Scratch {
            dir,
            bytes,
            records_per_chunk,
        }
    }

    /// Writes `bytes` as an EVTX file and hunts it with the every-record rule only.
    fn hunt(&self, name: &str, bytes: &[u8]) -> Run {
        let path: PathBuf = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("writing the sample");
        let rules = self.dir.path().join("rules");
        hunt(
            &path,
            &["--no-builtin-rules", "--rules", rules.to_str().unwrap()],
        )
    }

    /// The `EventRecordID`s of the records `run` matched, ascending.
    fn record_ids(run: &Run) -> Vec<i64> {
        let mut ids: Vec<i64> = run
            .jsonl()
            .iter()
            .map(|d| d["record_id"].as_i64().expect("record id"))
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The record ids of the intact file, ascending (records are in id order).
    fn intact_ids(&self) -> Vec<i64> {
        let run = self.hunt("intact.evtx", &self.bytes);
        run.expect_code(0);
        let ids = Scratch::record_ids(&run);
        assert_eq!(ids.len(), self.records_per_chunk.iter().sum::<usize>());
        ids
    }
}

fn assert_contains_all(found: &[i64], expected: &[i64], what: &str) {
    let missing: Vec<&i64> = expected.iter().filter(|id| !found.contains(id)).collect();
    assert!(missing.is_empty(), "records {what} are lost: {missing:?}");
}

#[test]
fn overwritten_bytes_cost_only_the_damaged_records() {
    let Some(corpus) = corpus() else { return };
    let scratch = Scratch::new(&corpus);
    assert!(scratch.records_per_chunk.len() >= 3, "the sample changed");
    let intact = scratch.intact_ids();

    // Garbage in the middle of the records of the second chunk.
    let mut bytes = scratch.bytes.clone();
    let chunk = FILE_HEADER + CHUNK;
    let free = u32::from_le_bytes(bytes[chunk + 48..chunk + 52].try_into().unwrap()) as usize;
    let middle = chunk + 512 + (free - 512) / 2;
    bytes[middle..middle + 2000].fill(0xAA);
    let run = scratch.hunt("damaged.evtx", &bytes);
    run.expect_code(INPUT_SKIPPED);
    let found = Scratch::record_ids(&run);

    let first = scratch.records_per_chunk[0];
    let last = intact.len() - scratch.records_per_chunk[1] - first;
    assert_contains_all(&found, &intact[..first], "before the damage");
    assert_contains_all(&found, &intact[intact.len() - last..], "after the damage");
    assert!(found.len() < intact.len(), "nothing was lost?");
    assert!(run.stderr.contains("damaged.evtx"), "{}", run.stderr);
    assert!(run.stderr.contains("chunk 1"), "{}", run.stderr);
}

#[test]
fn truncated_file_is_reported_and_its_whole_chunks_hunted() {
    let Some(corpus) = corpus() else { return };
    let scratch = Scratch::new(&corpus);
    let intact = scratch.intact_ids();
    let whole: usize = scratch.records_per_chunk[..2].iter().sum();

    // The file ends halfway through its third chunk, or right before it.
    for (cut, place) in [
        (FILE_HEADER + 2 * CHUNK + CHUNK / 2, "chunk 2"),
        (FILE_HEADER + 2 * CHUNK, "file"),
    ] {
        let run = scratch.hunt("truncated.evtx", &scratch.bytes[..cut]);
        run.expect_code(INPUT_SKIPPED);
        let found = Scratch::record_ids(&run);
        assert_eq!(found, intact[..whole], "the records of the whole chunks");
        let report = run
            .stderr
            .lines()
            .find(|l| l.contains("truncated.evtx"))
            .unwrap_or_else(|| panic!("the truncation is not reported:\n{}", run.stderr));
        assert!(report.contains(&format!(": {place}: ")), "{report}");
        assert!(report.contains("truncated"), "{report}");
    }
}

#[test]
fn damaged_parser_samples_are_reported_without_a_panic() {
    let Some(corpus) = corpus() else { return };
    let run = hunt(&corpus.join("evtx/parser-samples"), &[]);
    run.expect_code(INPUT_SKIPPED);
    let _: Vec<Value> = run.jsonl();
    for damaged in [
        "sample_with_a_bad_chunk_magic.evtx",
        "sample-with-zero-data-size-event.evtx",
    ] {
        assert!(
            run.stderr.lines().any(|l| l.contains(damaged)),
            "{damaged} not reported:\n{}",
            run.stderr
        );
    }
    // A routine log is read without complaint.
    let routine = format!("{}security.evtx:", std::path::MAIN_SEPARATOR);
    assert!(
        !run.stderr.contains(&routine),
        "security.evtx reported:\n{}",
        run.stderr
    );
}

#[test]
fn a_missing_input_is_an_error() {
    let run = hunt(Path::new("/nonexistent/vigil-input.jsonl"), &[]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("vigil-input.jsonl"), "{}", run.stderr);
}
