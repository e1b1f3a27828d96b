//! The Elasticsearch-compatible API with real clients: Python's official `elasticsearch`
//! client (installed with pip when missing), curl with a gzip `_bulk` body, and the
//! calls shippers make at start-up.

mod common;

use common::{client, have, run, run_ok, Harness};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::io::Write;
use std::process::Command;
use vigil_event::Value as FieldValue;
use vigil_pipeline::intake::Source;

const PYTHON_CLIENT: &str = r#"
import json, sys
from elasticsearch import Elasticsearch, helpers

url, token = sys.argv[1], sys.argv[2]
es = Elasticsearch(url, api_key=token, request_timeout=60)

info = es.info()
assert info["version"]["number"] == "8.11.0", info
assert info["tagline"] == "You Know, for Search", info
assert es.ping()

one = es.index(index="winlogbeat-8.11.0", document={
    "@timestamp": "2024-05-01T03:00:00.000Z",
    "winlog": {"channel": "Security", "event_id": 4688, "computer_name": "WS01",
               "event_data": {"NewProcessName": "C:\\Windows\\System32\\whoami.exe"}},
})
assert one["result"] == "created" and one["_index"] == "winlogbeat-8.11.0", one

mixed = es.bulk(operations=[
    {"create": {"_index": "logs-app-default"}},
    {"message": "good one", "@timestamp": "2024-05-01T03:00:01Z"},
    {"index": {"_index": "logs-app-default", "_id": "given-id"}},
    '{"message": "broken',
    {"index": {"_index": "logs-app-default"}},
    {"message": "good two"},
])
statuses = [next(iter(item.values()))["status"] for item in mixed["items"]]
assert mixed["errors"] is True and statuses == [201, 400, 201], mixed
bad = mixed["items"][1]["index"]
assert bad["_id"] == "given-id" and bad["error"]["type"] == "document_parsing_exception", bad

def docs():
    for i in range(1000):
        yield {
            "_index": "winlogbeat-8.11.0",
            "_source": {
                "@timestamp": "2024-05-01T03:%02d:%02d.000Z" % (i // 60 % 60, i % 60),
                "event": {"code": "4625", "kind": "event"},
                "host": {"name": "WS%02d" % (i % 7)},
                "winlog": {
                    "channel": "Security",
                    "event_id": 4625,
                    "record_id": 10000 + i,
                    "provider_name": "Microsoft-Windows-Security-Auditing",
                    "computer_name": "WS%02d.so.gov.vn" % (i % 7),
                    "event_data": {"TargetUserName": "user%d" % i, "IpAddress": "203.0.113.%d" % (i % 250), "LogonType": "3"},
                },
            },
        }

ok, errors = helpers.bulk(es, docs(), chunk_size=300)
assert ok == 1000 and errors == [], (ok, errors)
print(json.dumps({"bulk_ok": ok}))
"#;

/// Makes `python3 -c "import elasticsearch"` work, installing the client if needed;
/// `false` when it cannot.
async fn python_client_ready() -> bool {
    let importable = || {
        let mut c = Command::new("python3");
        c.args(["-c", "import elasticsearch, sys; sys.exit(0 if elasticsearch.__versionstr__.startswith('8.') else 1)"]);
        c
    };
    if !have("python3") {
        return false;
    }
    if run(importable()).await.status.success() {
        return true;
    }
    let mut pip = Command::new("python3");
    pip.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--user",
        "--break-system-packages",
        "elasticsearch>=8,<9",
    ]);
    run(pip).await;
    run(importable()).await.status.success()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_elasticsearch_client_indexes_and_bulks() {
    if !python_client_ready().await {
        println!("skipped: python elasticsearch client not installed");
        return;
    }
    let h = Harness::start().await;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("client.py");
    std::fs::write(&script, PYTHON_CLIENT).unwrap();
    let mut python = Command::new("python3");
    python.arg(&script).arg(&h.base).arg(&h.token);
    let out = run_ok(python).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"bulk_ok\": 1000"));

    let records = h.wait_for_records(1003).await;
    assert_eq!(records.len(), 1003);
    assert!(h
        .batches()
        .iter()
        .all(|b| b.source == Source::Bulk && b.agency_id.as_deref() == Some(h.agency_id.as_str())));
    let first = &records[0].event;
    assert_eq!(first.get("EventID"), Some(&FieldValue::Int(4688)));
    assert_eq!(
        first.get_str("NewProcessName"),
        Some("C:\\Windows\\System32\\whoami.exe")
    );
    assert_eq!(first.get_str("vigil.index"), Some("winlogbeat-8.11.0"));
    assert_eq!(
        records[1].event.get_str("vigil.index"),
        Some("logs-app-default")
    );
    let last = &records[1002].event;
    assert_eq!(last.get("EventID"), Some(&FieldValue::Int(4625)));
    assert_eq!(last.get_str("Channel"), Some("Security"));
    assert_eq!(last.get_str("TargetUserName"), Some("user999"));
    assert_eq!(last.get("EventRecordID"), Some(&FieldValue::Int(10999)));

    let rejected = h.wait_for_rejects(1).await;
    assert_eq!(rejected.len(), 1);
    assert!(
        rejected[0].reason.starts_with("line 4: "),
        "{}",
        rejected[0].reason
    );
    assert_eq!(rejected[0].raw, br#"{"message": "broken"#);
    assert_eq!(h.metrics.events_in_total(Source::Bulk), 1003);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_sends_a_gzip_bulk_body() {
    let Some(h) = Harness::start_needing("curl", "curl").await else {
        return;
    };
    let mut ndjson = String::new();
    for i in 0..200 {
        ndjson.push_str("{\"create\":{\"_index\":\"filebeat-8.11.0\"}}\n");
        ndjson.push_str(&format!(
            "{{\"@timestamp\":\"2024-05-01T03:00:00Z\",\"message\":\"Mar  1 10:00:00 web1 sshd[{i}]: Failed password for root from 198.51.100.{} port 22 ssh2\",\"log\":{{\"file\":{{\"path\":\"/var/log/auth.log\"}}}}}}\n",
            i % 200
        ));
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(ndjson.as_bytes()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("bulk.ndjson.gz");
    std::fs::write(&body, gz.finish().unwrap()).unwrap();

    let mut curl = Command::new("curl");
    curl.args(["-sS", "-i", "-X", "POST"])
        .arg(h.url("/_bulk?filter_path=errors,items.*.error,items.*.status"))
        .arg("-H")
        .arg(format!("Authorization: ApiKey {}", h.token))
        .args([
            "-H",
            "Content-Type: application/x-ndjson",
            "-H",
            "Content-Encoding: gzip",
        ])
        .arg("--data-binary")
        .arg(format!("@{}", body.display()));
    let out = run(curl).await;
    let text = String::from_utf8_lossy(&out.stdout);
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("x-elastic-product: elasticsearch"),
        "{head}"
    );
    let answer: Value = serde_json::from_str(body).unwrap();
    assert_eq!(answer["errors"], false);
    assert_eq!(answer["items"].as_array().map(Vec::len), Some(200));
    assert_eq!(answer["items"][0]["create"]["status"], 201);
    assert_eq!(answer["items"][0]["create"]["_index"], "filebeat-8.11.0");

    let records = h.wait_for_records(200).await;
    assert_eq!(records.len(), 200);
    assert_eq!(
        records[5].event.get_str("log.file.path"),
        Some("/var/log/auth.log")
    );
}

#[tokio::test]
async fn start_up_calls_are_answered_with_the_product_header() {
    let h = Harness::start().await;
    let calls = [
        (Method::GET, "/"),
        (Method::HEAD, "/"),
        (Method::GET, "/_license?human=false"),
        (Method::GET, "/_xpack"),
        (Method::GET, "/_nodes"),
        (Method::GET, "/_nodes/http"),
        (Method::GET, "/_nodes/_local/http,settings"),
        (Method::GET, "/_cluster/health"),
        (
            Method::GET,
            "/_cluster/health/logs-x?wait_for_status=yellow",
        ),
        (Method::HEAD, "/_index_template/filebeat-8.11.0"),
        (Method::GET, "/_index_template/filebeat-8.11.0"),
        (Method::PUT, "/_index_template/filebeat-8.11.0"),
        (Method::GET, "/_component_template/logs-settings"),
        (Method::HEAD, "/_template/logstash"),
        (Method::PUT, "/_template/logstash"),
        (Method::GET, "/_ilm/policy/filebeat"),
        (Method::PUT, "/_ilm/policy/filebeat"),
        (
            Method::PUT,
            "/_ingest/pipeline/filebeat-8.11.0-system-auth-pipeline",
        ),
        (
            Method::GET,
            "/_ingest/pipeline/filebeat-8.11.0-system-auth-pipeline",
        ),
        (Method::GET, "/_data_stream/logs-generic-default"),
        (Method::PUT, "/_data_stream/logs-generic-default"),
        (Method::HEAD, "/logs-x"),
        (Method::GET, "/logs-x"),
        (Method::PUT, "/%3Clogstash-%7Bnow%2Fd%7D-000001%3E"),
        (Method::HEAD, "/_alias/logstash"),
        (Method::POST, "/logs-x/_refresh"),
        (Method::POST, "/_refresh"),
    ];
    for (method, path) in calls {
        let response = client()
            .request(method.clone(), h.url(path))
            .header("authorization", format!("ApiKey {}", h.token))
            .header("content-type", "application/json")
            .body(if method == Method::PUT {
                "{\"index_patterns\":[\"x-*\"]}"
            } else {
                ""
            })
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{method} {path}");
        assert_eq!(
            response
                .headers()
                .get("x-elastic-product")
                .map(|v| v.as_bytes()),
            Some(&b"Elasticsearch"[..]),
            "{method} {path}"
        );
        if method != Method::HEAD {
            let body: Value = response.json().await.unwrap();
            assert!(body.is_object(), "{method} {path}: {body}");
        }
    }
    let info: Value = client()
        .get(h.url("/"))
        .basic_auth("elastic", Some(&h.token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["version"]["number"], "8.11.0");
    assert_eq!(info["version"]["build_flavor"], "default");
    assert_eq!(info["tagline"], "You Know, for Search");
}

#[tokio::test]
async fn refusals_are_elasticsearch_errors() {
    let h = Harness::start().await;
    let response = client().get(h.url("/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response
            .headers()
            .get("x-elastic-product")
            .map(|v| v.as_bytes()),
        Some(&b"Elasticsearch"[..])
    );
    let challenges: Vec<_> = response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(challenges.iter().any(|c| c == "ApiKey"), "{challenges:?}");
    assert!(
        challenges.iter().any(|c| c.starts_with("Basic")),
        "{challenges:?}"
    );
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["type"], "security_exception");
    assert_eq!(error["status"], 401);

    let bulk = "{\"index\":{\"_index\":\"x\"}}\n{\"m\":1}\n";
    let response = client()
        .post(h.url("/_bulk"))
        .header("authorization", "ApiKey bm9wZTpub3BlCg==")
        .body(bulk)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = client()
        .post(h.url("/_bulk"))
        .bearer_auth(&h.analyst_token)
        .body(bulk)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // An action line that cannot be read fails the request; the body goes to the quarantine.
    let response = client()
        .post(h.url("/logs-x/_bulk"))
        .bearer_auth(&h.token)
        .body("{\"index\":{}}\n{\"m\":1}\n{\"upsert_everything\":{}}\n{\"m\":2}\n")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["type"], "illegal_argument_exception");
    assert!(error["error"]["reason"]
        .as_str()
        .is_some_and(|r| r.starts_with("Malformed action/metadata line [3]")));
    let rejected = h.wait_for_rejects(1).await;
    assert!(rejected[0].raw.starts_with(b"{\"index\":{}}"));
    assert!(
        h.batches().is_empty(),
        "nothing of the malformed request is stored"
    );

    // An empty request, and a `_doc` that is not JSON.
    let response = client()
        .post(h.url("/_bulk"))
        .bearer_auth(&h.token)
        .body("\n")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = client()
        .post(h.url("/logs-x/_doc"))
        .bearer_auth(&h.token)
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["type"], "document_parsing_exception");
    let response = client()
        .put(h.url("/logs-x/_create/abc"))
        .bearer_auth(&h.token)
        .body("{\"m\":3}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["_id"], "abc");
    assert_eq!(created["result"], "created");
    assert_eq!(h.records().len(), 1);
}
