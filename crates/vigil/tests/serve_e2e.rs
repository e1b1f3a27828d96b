//! End-to-end tests of `vigil serve`: the binary is started as a child process on a fresh
//! data directory and real clients talk to it — curl for JSON Lines and Splunk HEC,
//! util-linux `logger` for syslog, Python's official `elasticsearch` client for `_bulk` —
//! each sending real-looking attack logs; the tests then ask the REST API for the alert
//! and the stored events. A `kill -9` test checks that acknowledged events survive.

mod common;

use common::encoded_powershell;
use common::server::{admin, Server};
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

/// A data directory with one agency, its ingest token and an all-seeing API token.
struct Setup {
    dir: tempfile::TempDir,
    agency: String,
    ingest: String,
    api: String,
}

fn setup(agency: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let id = admin(dir.path(), &["agency", "add", agency]);
    let ingest = admin(
        dir.path(),
        &["token", "create", "--agency", agency, "--scope", "ingest"],
    );
    let api = admin(
        dir.path(),
        &["token", "create", "--scope", "api", "--role", "soc_analyst"],
    );
    Setup {
        dir,
        agency: id,
        ingest,
        api,
    }
}

fn curl(args: &[&str], body: &str) -> (i32, String) {
    let mut child = Command::new("curl")
        .args(["-s", "-o", "-", "-w", "\n%{http_code}"])
        .args(args)
        .args(["--data-binary", "@-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("curl is installed");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.trim().parse().unwrap(), body.to_owned())
}

/// Sends a message with util-linux `logger` to the server's syslog port: `transport` says
/// how, `message` is the tag and other options, then the text.
fn logger(server: &Server, transport: &[&str], message: &[&str]) {
    let status = Command::new("logger")
        .args(["--server", "127.0.0.1", "--port"])
        .arg(server.syslog_port.to_string())
        .args(transport)
        .args(message)
        .status()
        .unwrap();
    assert!(status.success());
}

fn total(server: &Server, token: &str, query: &str) -> u64 {
    server.get_json(&events_path(query), token)["total"]
        .as_u64()
        .unwrap()
}

/// The event search that counts the events matching `query`.
fn events_path(query: &str) -> String {
    format!("/api/v1/events?q={}&limit=1", urlencode(query))
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Polls until at least `at_least` stored events match `query` (panicking after `secs`),
/// and returns how many do.
fn wait_at_least(server: &Server, token: &str, query: &str, at_least: u64, secs: u64) -> u64 {
    let answer = server.wait_for(&events_path(query), token, secs, |answer| {
        answer["total"].as_u64().unwrap() >= at_least
    });
    answer["total"].as_u64().unwrap()
}

/// Waits until exactly the `expected` events sent match `query`.
fn wait_total(server: &Server, token: &str, query: &str, expected: u64) {
    let n = wait_at_least(server, token, query, expected, 60);
    assert_eq!(n, expected, "{query}: more events than sent");
}

#[test]
fn json_lines_over_http_raise_an_alert_and_a_wrong_token_stores_nothing() {
    let s = setup("Sở Y tế");
    let server = Server::start(s.dir.path(), &[]);
    let url = server.url("/api/v1/ingest");
    let body = format!("{}\nnot json at all\n", encoded_powershell("SYT-PC007"));
    let (code, answer) = curl(
        &["-H", &format!("Authorization: Bearer {}", s.ingest), &url],
        &body,
    );
    assert_eq!(code, 200, "{answer}");
    let answer: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(
        (answer["accepted"].as_u64(), answer["rejected"].as_u64()),
        (Some(1), Some(1))
    );

    let alert = server.wait_for_alert(&s.api, "Base64-Encoded");
    assert_eq!(alert["host"], "SYT-PC007");
    assert_eq!(alert["agency"], "Sở Y tế");
    assert_eq!(alert["level"], "high");
    assert_eq!(alert["status"], "new");
    for key in [
        "id",
        "rule_id",
        "rule_title",
        "rule_author",
        "system",
        "count",
        "first_seen",
        "last_seen",
    ] {
        assert!(alert.get(key).is_some(), "alert lacks {key}: {alert}");
    }
    wait_total(&server, &s.api, "Computer:SYT-PC007", 1);

    // The bad line is in the quarantine with its reason.
    let quarantine = server.get_json("/api/v1/quarantine", &s.api);
    let entries = quarantine["entries"]
        .as_array()
        .or(quarantine["quarantine"].as_array())
        .expect("quarantine list");
    assert!(
        entries
            .iter()
            .any(|e| e.to_string().contains("not json at all")),
        "{quarantine}"
    );

    // A wrong token: 401 and nothing stored.
    let (code, _) = curl(
        &["-H", "Authorization: Bearer vgi_forged.secret", &url],
        &encoded_powershell("FORGED-PC").to_string(),
    );
    assert_eq!(code, 401);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(total(&server, &s.api, "Computer:FORGED-PC"), 0);
    let listed = admin(s.dir.path(), &["agency", "list"]);
    assert!(
        listed.contains(&format!("{}\tSở Y tế", s.agency)),
        "{listed}"
    );
}

#[test]
fn syslog_from_logger_is_attributed_by_address_and_correlated() {
    let s = setup("UBND xã Tân Lập");
    admin(
        s.dir.path(),
        &[
            "source",
            "add",
            "127.0.0.1",
            "--agency",
            "UBND xã Tân Lập",
            "--system",
            "Cổng thông tin xã",
        ],
    );
    let server = Server::start(s.dir.path(), &[]);
    // Twelve failed root passwords over TCP (RFC 5424, octet counting), as sshd writes them.
    for i in 0..12 {
        let message = format!(
            "Failed password for root from 203.0.113.50 port {} ssh2",
            40000 + i
        );
        logger(
            &server,
            &["--tcp", "--octet-count", "--rfc5424"],
            &["--tag", "sshd", "--id=4242", "-p", "auth.info", &message],
        );
    }
    // And one over UDP in BSD format.
    logger(
        &server,
        &["--udp", "--rfc3164"],
        &[
            "--tag",
            "sshd",
            "Invalid user oracle from 203.0.113.51 port 50000",
        ],
    );

    wait_total(&server, &s.api, "\"Failed password\"", 12);
    wait_total(&server, &s.api, "oracle", 1);
    let alert = server.wait_for_alert(&s.api, "SSH Password Brute Force");
    assert_eq!(
        alert["agency"], "UBND xã Tân Lập",
        "attributed by the sender's address"
    );
    assert_eq!(alert["system"], "Cổng thông tin xã");
    let events = server.get_json("/api/v1/events?q=oracle&limit=1", &s.api);
    let event = &events["events"][0];
    assert_eq!(event["source"], "syslog_udp");
    assert!(event.to_string().contains("203.0.113.51"), "{event}");
}

#[test]
fn python_elasticsearch_client_ships_winlogbeat_documents() {
    if Command::new("python3")
        .args(["-c", "import elasticsearch"])
        .status()
        .map_or(true, |s| !s.success())
    {
        println!("skipped: python elasticsearch client not installed");
        return;
    }
    let s = setup("Sở Tài chính");
    let server = Server::start(s.dir.path(), &[]);
    let script = r#"
import sys, datetime
from elasticsearch import Elasticsearch, helpers
url, token = sys.argv[1], sys.argv[2]
es = Elasticsearch(url, api_key=token, request_timeout=60)
info = es.info()
assert info["version"]["number"].startswith("8."), info
now = datetime.datetime.now(datetime.timezone.utc).isoformat()
def doc(i, command):
    return {"@timestamp": now, "host": {"name": "STC-FS01"},
            "winlog": {"channel": "Microsoft-Windows-Sysmon/Operational", "event_id": 1,
                       "computer_name": "STC-FS01.stc.local", "record_id": i,
                       "event_data": {"Image": "C:\\Windows\\System32\\vssadmin.exe",
                                      "CommandLine": command,
                                      "ParentImage": "C:\\Windows\\System32\\cmd.exe"}},
            "event": {"code": "1", "provider": "Microsoft-Windows-Sysmon"}}
ok, errors = helpers.bulk(es, ({"_index": "winlogbeat-8.11.0", "_source": doc(i, "vssadmin list shadows")} for i in range(1000)), raise_on_error=False)
assert ok == 1000 and not errors, (ok, errors)
response = es.bulk(operations=[
    {"create": {"_index": "winlogbeat-8.11.0"}}, doc(5000, "vssadmin.exe delete shadows /all /quiet"),
])
assert not response["errors"], response
print("sent")
"#;
    let out = Command::new("python3")
        .args(["-c", script, &server.url(""), &s.ingest])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_total(&server, &s.api, "Image:*vssadmin.exe", 1001);
    let alert = server.wait_for_alert(&s.api, "Shadow Copies");
    assert_eq!(alert["agency"], "Sở Tài chính");
    assert_eq!(alert["level"], "critical");
}

#[test]
fn splunk_hec_events_and_raw_lines_arrive() {
    let s = setup("Sở Giáo dục và Đào tạo");
    let server = Server::start(s.dir.path(), &[]);
    let auth = format!("Authorization: Splunk {}", s.ingest);
    let line = "Nov 23 10:00:01 sgd-web01 sshd[811]: Accepted password for root from 198.51.100.9 port 51000 ssh2";
    let body = format!(
        "{}{}",
        json!({"event": line, "host": "sgd-web01", "sourcetype": "linux_secure"}),
        json!({"event": encoded_powershell("SGD-PC018"), "sourcetype": "XmlWinEventLog"})
    );
    let (code, answer) = curl(
        &["-H", &auth, &server.url("/services/collector/event")],
        &body,
    );
    assert_eq!((code, answer.contains("Success")), (200, true), "{answer}");
    let (code, _) = curl(
        &["-H", &auth, &server.url("/services/collector/raw?sourcetype=linux_secure&host=sgd-web02")],
        "Nov 23 10:00:02 sgd-web02 sshd[812]: Failed password for invalid user admin from 198.51.100.9 port 51001 ssh2\n",
    );
    assert_eq!(code, 200);
    // As Splunk answers: 401 without a token, 403 for a wrong one.
    let (code, _) = curl(&[&server.url("/services/collector/event")], &body);
    assert_eq!(code, 401);
    let (code, answer) = curl(
        &[
            "-H",
            "Authorization: Splunk wrong",
            &server.url("/services/collector/event"),
        ],
        &body,
    );
    assert_eq!(code, 403, "{answer}");

    server.wait_for_alert(&s.api, "Base64-Encoded");
    wait_total(&server, &s.api, "\"Accepted password\"", 1);
    wait_total(&server, &s.api, "\"invalid user admin\"", 1);
    let metrics = server
        .client
        .get(server.url("/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains("vigil_events_in_total{source=\"hec\"} 3"),
        "{metrics}"
    );
}

#[test]
fn acknowledged_events_survive_kill_9() {
    let s = setup("Sở Khoa học và Công nghệ");
    let mut server = Server::start(s.dir.path(), &[]);
    let url = server.url("/api/v1/ingest");
    let token = s.ingest.clone();
    // Send batches from a thread, counting those acknowledged, and kill mid-stream.
    let acked = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let sender = {
        let acked = acked.clone();
        std::thread::spawn(move || {
            let client = reqwest::blocking::Client::new();
            for batch in 0..10_000u64 {
                let body: String = (0..200)
                    .map(|i| {
                        json!({"@timestamp": chrono::Utc::now().to_rfc3339(), "message": format!("durability batch {batch} line {i}"), "Computer": "SKHCN-APP01"}).to_string() + "\n"
                    })
                    .collect();
                match client.post(&url).bearer_auth(&token).body(body).send() {
                    Ok(r) if r.status().is_success() => {
                        acked.fetch_add(200, std::sync::atomic::Ordering::SeqCst);
                    }
                    _ => return,
                }
            }
        })
    };
    while acked.load(std::sync::atomic::Ordering::SeqCst) < 20_000 {
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill();
    sender.join().unwrap();
    let acknowledged = acked.load(std::sync::atomic::Ordering::SeqCst);
    server.restart();
    // More than acknowledged may be stored (a batch killed before its answer), not fewer.
    wait_at_least(&server, &s.api, "Computer:SKHCN-APP01", acknowledged, 120);
}

#[test]
fn import_sends_evidence_files_into_the_running_store() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let s = setup("Văn phòng UBND tỉnh");
    let server = Server::start(s.dir.path(), &[]);
    let file = corpus.join("logs");
    let out = common::vigil()
        .arg("import")
        .arg(&file)
        .args(["--agency", "Văn phòng UBND tỉnh", "--url", &server.url("")])
        .arg("--data-dir")
        .arg(s.dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(3),
        "{stderr}"
    );
    let sent: u64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("imported ")?.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no import summary: {stderr}"));
    assert!(sent > 1000, "{stderr}");
    wait_total(&server, &s.api, "source:import", sent);
}
