//! `POST /api/v1/ingest` over real HTTP: good and bad lines, credentials, size limits,
//! truncation and a full pipeline.

mod common;

use common::{client, Harness, Options};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use vigil_event::Value as FieldValue;
use vigil_pipeline::intake::Source;
use vigil_server::state::Limits;

async fn post_ingest(
    h: &Harness,
    token: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    let mut request = client().post(h.url("/api/v1/ingest")).body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request")
}

#[tokio::test]
async fn good_lines_are_delivered_and_bad_ones_quarantined() {
    let h = Harness::start().await;
    let body = concat!(
        r#"{"@timestamp":"2024-05-01T03:00:00Z","message":"first","host":{"name":"web1"}}"#,
        "\n",
        r#"{"a": }"#,
        "\n",
        "\r\n",
        r#"{"winlog":{"channel":"Security","event_id":4625,"computer_name":"WS01","event_data":{"TargetUserName":"admin","IpAddress":"203.0.113.7"}}}"#,
        "\r\n",
        "[1,2]\n",
        r#"{"message":"last"}"#,
    );
    let response = post_ingest(&h, Some(&h.token), body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let summary: Value = response.json().await.unwrap();
    assert_eq!(
        summary,
        json!({
            "accepted": 3,
            "rejected": 2,
            "errors": [
                {"line": 2, "reason": "expected value at column 7"},
                {"line": 5, "reason": "expected a JSON object, found an array"}
            ]
        })
    );

    let batches = h.batches();
    assert_eq!(batches.len(), 1);
    let batch = &batches[0];
    assert_eq!(batch.source, Source::Http);
    assert_eq!(batch.agency_id.as_deref(), Some(h.agency_id.as_str()));
    assert_eq!(batch.peer, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    let records = &batch.records;
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].event.get_str("host.name"), Some("web1"));
    assert!(records[0].raw.starts_with(r#"{"@timestamp""#));
    assert!(!records[0].truncated);
    // A Winlogbeat document gets the EVTX names, as `vigil hunt` gives them.
    assert_eq!(
        records[1].event.get("EventID"),
        Some(&FieldValue::Int(4625))
    );
    assert_eq!(records[1].event.get_str("TargetUserName"), Some("admin"));
    assert_eq!(records[2].event.get_str("message"), Some("last"));

    let rejected = h.wait_for_rejects(2).await;
    let reasons: Vec<&str> = rejected.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "line 2: expected value at column 7",
            "line 5: expected a JSON object, found an array"
        ]
    );
    assert_eq!(rejected[0].raw, br#"{"a": }"#);
    assert_eq!(rejected[0].agency_id.as_deref(), Some(h.agency_id.as_str()));
    assert_eq!(h.metrics.events_in_total(Source::Http), 3);
}

#[tokio::test]
async fn a_json_array_body_is_read_item_by_item() {
    let h = Harness::start().await;
    let body = r#"[{"message":"one"}, 7, {"message":"two"}]"#;
    let summary: Value = post_ingest(&h, Some(&h.token), body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        summary,
        json!({"accepted": 2, "rejected": 1, "errors": [{"item": 2, "reason": "expected a JSON object, found a number"}]})
    );
    assert_eq!(h.records().len(), 2);
}

#[tokio::test]
async fn no_valid_token_is_401_and_nothing_is_stored() {
    let h = Harness::start().await;
    let body = "{\"message\":\"x\"}\n{bad\n";
    for token in [None, Some("vgi_not_a_token"), Some("")] {
        let response = post_ingest(&h, token, body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "token {token:?}"
        );
        assert_eq!(
            response
                .headers()
                .get("www-authenticate")
                .map(|v| v.as_bytes()),
            Some(&b"Bearer"[..])
        );
        let error: Value = response.json().await.unwrap();
        assert!(
            error["error"].as_str().is_some_and(|e| e.contains("token")),
            "{error}"
        );
    }
    // A valid token without an agency cannot send events either.
    let response = post_ingest(&h, Some(&h.analyst_token), body).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(h.batches().is_empty());
    assert!(h.rejected().is_empty(), "{:?}", h.rejected());
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let h = Harness::with(Options::limits(Limits {
        max_message_bytes: 512,
        max_body_bytes: 4096,
    }))
    .await;
    let line = format!("{{\"message\":\"{}\"}}\n", "x".repeat(100));
    let big = line.repeat(50);
    let response = post_ingest(&h, Some(&h.token), big.clone()).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Small on the wire, too large once inflated.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(big.as_bytes()).unwrap();
    let packed = gz.finish().unwrap();
    assert!(packed.len() < 4096);
    let response = client()
        .post(h.url("/api/v1/ingest"))
        .bearer_auth(&h.token)
        .header("content-encoding", "gzip")
        .body(packed)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Within the limit, compressed, it is read.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(line.repeat(3).as_bytes()).unwrap();
    let response = client()
        .post(h.url("/api/v1/ingest"))
        .bearer_auth(&h.token)
        .header("content-encoding", "gzip")
        .body(gz.finish().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(h.records().len(), 3);
}

#[tokio::test]
async fn a_line_over_the_message_limit_is_cut_flagged_and_counted() {
    let h = Harness::with(Options::limits(Limits {
        max_message_bytes: 200,
        max_body_bytes: 1 << 20,
    }))
    .await;
    let long = format!(
        "{{\"host\":\"web1\",\"message\":\"{}\"}}\n{{\"{}\":1}}\n",
        "é".repeat(500),
        "k".repeat(300)
    );
    let summary: Value = post_ingest(&h, Some(&h.token), long)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["accepted"], 1);
    assert_eq!(
        summary["errors"],
        json!([{"line": 2, "reason": "truncated: message over 200 bytes"}])
    );
    let record = &h.records()[0];
    assert!(record.truncated);
    assert!(record.raw.len() <= 200 && record.raw.len() >= 198);
    assert_eq!(record.event.get_str("host"), Some("web1"));
    assert!(record
        .event
        .get_str("message")
        .is_some_and(|m| m.starts_with("éé") && m.len() < 200));
    let rejected = h.wait_for_rejects(1).await;
    assert!(rejected[0].truncated);
    assert_eq!(rejected[0].raw.len(), 200);
    assert_eq!(h.metrics.truncated.get(), 2);
}

#[tokio::test]
async fn a_full_pipeline_answers_429_with_retry_after() {
    let h = Harness::with(Options::full_pipeline()).await;
    let first = tokio::spawn({
        let (url, token) = (h.url("/api/v1/ingest"), h.token.clone());
        async move {
            client()
                .post(url)
                .bearer_auth(token)
                .body("{\"n\":1}")
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    common::wait_until(|| h.state.intake.queued() == 1).await;
    assert_eq!(h.state.intake.queued(), 1);

    let response = post_ingest(&h, Some(&h.token), "{\"n\":2}\n{oops\n").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        response.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
    assert!(h
        .metrics
        .encode()
        .contains("vigil_busy_rejections_total{source=\"http\"} 1"));

    h.release();
    assert_eq!(first.await.unwrap(), StatusCode::OK);
    let response = post_ingest(&h, Some(&h.token), "{\"n\":3}").await;
    assert_eq!(response.status(), StatusCode::OK);
    let ns: Vec<_> = h
        .records()
        .iter()
        .map(|r| r.event.get("n").cloned())
        .collect();
    assert_eq!(ns, [Some(FieldValue::Int(1)), Some(FieldValue::Int(3))]);
    // The refused request's bad line was not quarantined: its sender sends it again.
    assert!(h.rejected().is_empty());
}

#[test]
fn the_ingest_routes_merge_with_the_api() {
    let _app: axum::Router<vigil_server::state::AppState> =
        vigil_server::api::router().merge(vigil_server::ingest::router());
}
