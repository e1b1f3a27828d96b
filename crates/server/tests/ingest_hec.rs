//! The Splunk HEC-compatible API with curl, as HEC senders call it.

mod common;

use common::{client, run, Harness};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::process::Command;
use std::time::Duration;
use vigil_event::Value as FieldValue;
use vigil_pipeline::intake::Source;

/// `curl` posting `body` to `path` with `headers`: (status, JSON answer).
async fn curl(h: &Harness, path: &str, headers: &[String], body: &str) -> (u16, Value) {
    let mut command = Command::new("curl");
    command
        .args(["-sS", "-w", "\n%{http_code}", "-X", "POST"])
        .arg(h.url(path));
    for header in headers {
        command.arg("-H").arg(header);
    }
    command.arg("--data-binary").arg(body);
    let out = run(command).await;
    let text = String::from_utf8_lossy(&out.stdout);
    let (answer, status) = text.rsplit_once('\n').expect("status line");
    let answer = serde_json::from_str(answer)
        .unwrap_or_else(|err| panic!("{path}: not JSON ({err}): {answer:?}"));
    (status.trim().parse().expect("status"), answer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concatenated_events_with_and_without_newlines() {
    let Some(h) = Harness::start_needing("curl", "curl").await else {
        return;
    };
    let auth = format!("Authorization: Splunk {}", h.token);
    let body = concat!(
        r#"{"time":1714532400,"host":"web1","source":"/var/log/auth.log","sourcetype":"linux_secure","event":"May  1 10:00:00 web1 sshd[812]: Failed password for invalid user oracle from 198.51.100.23 port 50122 ssh2"}"#,
        r#"{"event":{"action":"login","user":{"name":"bob"}},"index":"app","fields":{"env":"prod"}}"#,
        "\n",
        r#"{"event":"plain words from a device"}"#,
    );
    let (status, answer) = curl(
        &h,
        "/services/collector/event",
        std::slice::from_ref(&auth),
        body,
    )
    .await;
    assert_eq!(
        (status, answer),
        (200, json!({"text": "Success", "code": 0}))
    );

    let records = h.wait_for_records(3).await;
    let sshd = &records[0].event;
    assert_eq!(sshd.get_str("program"), Some("sshd"));
    assert_eq!(sshd.get_str("source.ip"), Some("198.51.100.23"));
    assert_eq!(sshd.get_str("user.name"), Some("oracle"));
    assert_eq!(sshd.get_str("event.outcome"), Some("failure"));
    assert_eq!(sshd.get_str("splunk.sourcetype"), Some("linux_secure"));
    assert_eq!(sshd.get_str("splunk.source"), Some("/var/log/auth.log"));
    assert_eq!(sshd.timestamp.map(|t| t.timestamp()), Some(1_714_532_400));
    let app = &records[1].event;
    assert_eq!(app.get_str("user.name"), Some("bob"));
    assert_eq!(app.get_str("vigil.index"), Some("app"));
    assert_eq!(app.get_str("env"), Some("prod"));
    assert_eq!(
        records[2].event.get_str("message"),
        Some("plain words from a device")
    );
    assert_eq!(h.batches()[0].source, Source::Hec);

    // The other spellings of the event endpoint.
    for path in ["/services/collector", "/services/collector/event/1.0"] {
        let (status, _) = curl(&h, path, std::slice::from_ref(&auth), r#"{"event":"x"}"#).await;
        assert_eq!(status, 200, "{path}");
    }
    assert_eq!(h.metrics.events_in_total(Source::Hec), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_lines_take_their_metadata_from_the_query() {
    let Some(h) = Harness::start_needing("curl", "curl").await else {
        return;
    };
    let headers = [
        format!("Authorization: Splunk {}", h.token),
        "X-Splunk-Request-Channel: 0f3c56a8-5c3e-4c7a-9e39-6b1b4f1b7a11".to_owned(),
    ];
    let body = "May  1 10:00:00 db1 sudo:   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id\n\
                198.51.100.7 - - [01/May/2024:10:00:00 +0700] \"GET /admin HTTP/1.1\" 403 12 \"-\" \"curl/8.5\"\n\n";
    let (status, answer) = curl(
        &h,
        "/services/collector/raw?sourcetype=linux_secure&host=db1&index=main",
        &headers,
        body,
    )
    .await;
    assert_eq!(
        (status, answer),
        (200, json!({"text": "Success", "code": 0}))
    );
    let records = h.wait_for_records(2).await;
    assert_eq!(records[0].event.get_str("user.name"), Some("alice"));
    assert_eq!(
        records[0].event.get_str("splunk.sourcetype"),
        Some("linux_secure")
    );
    assert_eq!(records[0].event.get_str("vigil.index"), Some("main"));
    assert_eq!(
        records[1].event.get("sc-status"),
        Some(&FieldValue::Int(403))
    );
    assert_eq!(records[1].event.get_str("host"), Some("db1"));

    let (status, answer) = curl(&h, "/services/collector/raw", &headers, "\n\n").await;
    assert_eq!(
        (status, answer),
        (400, json!({"text": "No data", "code": 5}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_or_missing_token_stores_nothing() {
    let Some(h) = Harness::start_needing("curl", "curl").await else {
        return;
    };
    let body = r#"{"event":"x"}"#;
    let (status, answer) = curl(
        &h,
        "/services/collector/event",
        &["Authorization: Splunk 00000000-0000-0000-0000-000000000000".to_owned()],
        body,
    )
    .await;
    assert_eq!(
        (status, answer),
        (403, json!({"text": "Invalid token", "code": 4}))
    );
    let (status, answer) = curl(&h, "/services/collector/event", &[], body).await;
    assert_eq!(
        (status, answer),
        (401, json!({"text": "Token is required", "code": 2}))
    );
    let (status, _) = curl(&h, "/services/collector/raw?token=nope", &[], "line").await;
    assert_eq!(status, 403);
    // `?token=` with a good token works too.
    let (status, _) = curl(
        &h,
        &format!("/services/collector/raw?token={}", h.token),
        &[],
        "line",
    )
    .await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(h.records().len(), 1);
    assert!(h.rejected().is_empty());
}

#[tokio::test]
async fn health_and_the_number_of_the_first_bad_event() {
    let h = Harness::start().await;
    let health: Value = client()
        .get(h.url("/services/collector/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health, json!({"text": "HEC is healthy", "code": 17}));

    let response = client()
        .post(h.url("/services/collector/event"))
        .header("authorization", format!("Splunk {}", h.token))
        .body(r#"{"event":"one"}{"event":"two"}{"event":"three"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(
        answer,
        json!({"text": "Invalid data format", "code": 6, "invalid-event-number": 2})
    );
    assert_eq!(h.wait_for_records(2).await.len(), 2);
    let rejected = h.wait_for_rejects(1).await;
    assert!(
        rejected[0].reason.starts_with("event 2: invalid JSON"),
        "{}",
        rejected[0].reason
    );

    let response = client()
        .post(h.url("/services/collector/event"))
        .header("authorization", format!("Splunk {}", h.token))
        .body(r#"{"host":"h"}"#)
        .send()
        .await
        .unwrap();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(
        answer,
        json!({"text": "Event field is required", "code": 12, "invalid-event-number": 0})
    );
}
