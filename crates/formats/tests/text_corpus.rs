//! The text log parsers against the real logs in the corpus (`logs/auth`, `logs/web`).

mod common;

use std::path::Path;
use vigil_event::Value;
use vigil_formats::{detect_format, read_text_path, text, Collected, LineFormat, Location};

fn read(path: &Path) -> Collected {
    let mut out = Collected::default();
    read_text_path(path, &mut out);
    out
}

fn sniffed(path: &Path) -> LineFormat {
    text::sniff_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn auth_log_parses_completely_and_sshd_failures_have_source_ip() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let path = corpus.join("logs/auth/elastic-examples/auth.log");
    assert_eq!(sniffed(&path), LineFormat::Syslog);
    let out = read(&path);
    let lines = std::fs::read_to_string(&path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    assert!(out.issues.is_empty(), "{:?}", out.issues.first());
    assert_eq!(out.events.len(), lines);
    let sshd_failures: Vec<_> = out
        .events
        .iter()
        .filter(|e| e.get_str("program") == Some("sshd"))
        .filter(|e| {
            e.get_str("message").is_some_and(|m| {
                m.starts_with("Failed ")
                    || m.starts_with("Invalid user ")
                    || m.contains("invalid user")
            })
        })
        .collect();
    let with_ip = sshd_failures
        .iter()
        .filter(|e| e.get("source.ip").is_some())
        .count();
    println!(
        "auth.log: {} lines, {} sshd failed/invalid-user lines, {} with source.ip",
        lines,
        sshd_failures.len(),
        with_ip
    );
    assert!(!sshd_failures.is_empty());
    // Only sshd's `input_userauth_request: invalid user x [preauth]` has no address.
    let without_ip: Vec<_> = sshd_failures
        .iter()
        .filter(|e| e.get("source.ip").is_none())
        .filter_map(|e| e.get_str("message"))
        .filter(|m| !m.starts_with("input_userauth_request: invalid user "))
        .collect();
    assert!(without_ip.is_empty(), "{without_ip:?}");
    assert!(with_ip > 800);
    let sudo = out.events.iter().find(|e| e.get_str("command").is_some());
    assert!(sudo.is_some_and(|e| e.get_str("user.effective.name") == Some("root")));
    assert!(out.events.iter().all(|e| e.timestamp.is_some()));
}

#[test]
fn apache_access_log_parses_fully() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let path = corpus.join("logs/web/elastic-examples/apache_logs");
    assert_eq!(sniffed(&path), LineFormat::WebAccess);
    let out = read(&path);
    assert!(out.issues.is_empty(), "{:?}", out.issues.first());
    assert_eq!(out.events.len(), 10_000);
    assert!(out
        .events
        .iter()
        .all(|e| e.get("sc-status").is_some() && e.timestamp.is_some()));
}

#[test]
fn tomcat_binary_request_is_an_issue_and_its_neighbours_parse() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let path = corpus
        .join("logs/web/evtx-attack-samples/web_attack_and_isp_webshell_localhost_access_log.txt");
    assert_eq!(sniffed(&path), LineFormat::WebAccess);
    let out = read(&path);
    let bad_lines: Vec<u64> = out
        .issues
        .iter()
        .filter_map(|i| match i.location {
            Location::Line { line, .. } => Some(line),
            _ => None,
        })
        .collect();
    println!(
        "tomcat: {} events, issues on lines {bad_lines:?}",
        out.events.len()
    );
    assert_eq!(bad_lines, [27], "{:?}", out.issues);
    assert!(!bad_lines.contains(&26) && !bad_lines.contains(&28));
    assert!(out
        .issues
        .iter()
        .any(|i| i.reason.contains("control bytes")));
    let traversal = out
        .events
        .iter()
        .filter(|e| {
            e.get_str("event.original")
                .is_some_and(|o| o.contains("../"))
        })
        .count();
    assert!(traversal > 0);
}

#[test]
fn iis_log_honours_its_fields_header() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let path = corpus.join("logs/web/evtx-attack-samples/Tunna_rdp_tunnel_IIS.log");
    assert_eq!(sniffed(&path), LineFormat::Iis);
    let out = read(&path);
    assert!(out.issues.is_empty(), "{:?}", out.issues.first());
    let first = &out.events[0];
    assert_eq!(first.get_str("cs-uri-stem"), Some("/erp/conn.aspx"));
    assert_eq!(
        first.get_str("cs-uri-query"),
        Some("proxy&port=3389&ip=127.0.0.1")
    );
    assert_eq!(first.get_str("c-ip"), Some("10.0.2.17"));
    assert_eq!(first.get("sc-status"), Some(&Value::Int(200)));
    assert_eq!(
        first.timestamp.map(|t| t.to_rfc3339()).as_deref(),
        Some("2019-09-03T10:13:36+00:00")
    );
}

#[test]
fn licence_texts_are_not_logs() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let path = corpus.join("logs/auth/elastic-examples/LICENSE");
    assert_eq!(sniffed(&path), LineFormat::Unknown);
    assert_eq!(detect_format(&[""]), LineFormat::Unknown);
}
