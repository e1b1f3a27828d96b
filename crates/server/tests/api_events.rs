//! `/api/v1/events`: search in the query language with time range and paging, one event,
//! counts by field and histograms.

mod api_common;

use api_common::{at, texts, Fixture};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Six events of agency A over two days; answers their ids, oldest first.
fn six_events(f: &Fixture) -> Vec<String> {
    let rows = [
        (
            "2026-03-01T10:00:00Z",
            "web01",
            4625,
            "Failed password for root",
        ),
        (
            "2026-03-01T10:03:00Z",
            "web01",
            4625,
            "Failed password for admin",
        ),
        (
            "2026-03-01T10:07:00Z",
            "web02",
            4624,
            "Accepted password for lan",
        ),
        (
            "2026-03-01T11:30:00Z",
            "ws-01",
            4688,
            "powershell -enc AAAA",
        ),
        (
            "2026-03-02T09:00:00Z",
            "web01",
            4625,
            "Failed password for test",
        ),
        ("2026-03-02T09:01:00Z", "web02", 4688, "cmd.exe /c whoami"),
    ];
    rows.iter()
        .map(|(time, host, id, raw)| {
            f.add_event(
                &f.a,
                at(time),
                &[
                    ("host", json!(host)),
                    ("EventID", json!(id)),
                    ("message", json!(raw)),
                ],
                raw,
            )
        })
        .collect()
}

fn event_ids(page: &Value) -> Vec<&str> {
    texts(&page["events"], "id")
}

#[tokio::test]
async fn search_with_query_time_range_and_paging() {
    let f = Fixture::start().await;
    let ids = six_events(&f);
    let t = &f.tokens.analyst;

    let (status, all) = f.get(t, "/api/v1/events").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["total"], 6);
    // Newest first.
    assert_eq!(event_ids(&all)[0], ids[5]);

    let (_, failed) = f.get(t, "/api/v1/events?q=EventID:4625").await;
    assert_eq!(failed["total"], 3);
    let (_, web01) = f
        .get(
            t,
            "/api/v1/events?q=EventID:4625%20AND%20host:web01&from=2026-03-02T00:00:00Z",
        )
        .await;
    assert_eq!(event_ids(&web01), [ids[4].as_str()]);
    let (_, phrase) = f.get(t, "/api/v1/events?q=%22accepted%20password%22").await;
    assert_eq!(event_ids(&phrase), [ids[2].as_str()]);
    let (_, range) = f
        .get(
            t,
            "/api/v1/events?from=2026-03-01T10:00:00Z&to=2026-03-01T10:07:00Z",
        )
        .await;
    assert_eq!(range["total"], 2, "to is exclusive");

    let (_, page) = f.get(t, "/api/v1/events?limit=2&offset=1").await;
    assert_eq!(event_ids(&page), [ids[4].as_str(), ids[3].as_str()]);
    assert_eq!(page["total"], 6);

    let event = &page["events"][0];
    assert_eq!(event["time"], "2026-03-02T09:00:00Z");
    assert_eq!(event["agency"], json!(f.a.id));
    assert_eq!(event["system"], "portal");
    assert_eq!(event["host"], "web01");
    assert_eq!(event["source"], "syslog_udp");
    assert!(event["received_at"].is_string());
    assert_eq!(event["fields"]["EventID"], 4625);
    assert_eq!(event["raw"], "Failed password for test");
}

#[tokio::test]
async fn bad_queries_say_where() {
    let f = Fixture::start().await;
    let t = &f.tokens.analyst;
    let (status, body) = f.get(t, "/api/v1/events?q=EventID:4625%20AND%20(").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid query");
    assert!(body["detail"]["position"].as_u64().unwrap() >= 16, "{body}");
    assert!(body["detail"]["message"].is_string());
    for bad in [
        "from=yesterday",
        "from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z",
        "limit=-1",
    ] {
        let (status, body) = f.get(t, &format!("/api/v1/events?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
}

#[tokio::test]
async fn one_event_by_id() {
    let f = Fixture::start().await;
    let ids = six_events(&f);
    let t = &f.tokens.analyst;
    let (status, event) = f.get(t, &format!("/api/v1/events/{}", ids[3])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(event["raw"], "powershell -enc AAAA");
    assert_eq!(event["fields"]["host"], "ws-01");
    for missing in ["01JNZZZZZZZZZZZZZZZZZZZZZZ", "not-an-id"] {
        let (status, _) = f.get(t, &format!("/api/v1/events/{missing}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }
}

#[tokio::test]
async fn counts_by_field_and_histograms() {
    let f = Fixture::start().await;
    six_events(&f);
    let t = &f.tokens.analyst;

    let (status, counts) = f.get(t, "/api/v1/events/count?field=host").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(counts["field"], "host");
    assert_eq!(
        counts["counts"],
        json!([
            { "value": "web01", "count": 3 },
            { "value": "web02", "count": 2 },
            { "value": "ws-01", "count": 1 },
        ])
    );
    let (_, top) = f
        .get(t, "/api/v1/events/count?field=host&q=EventID:4625&top=1")
        .await;
    assert_eq!(top["counts"], json!([{ "value": "web01", "count": 3 }]));
    let (status, _) = f.get(t, "/api/v1/events/count").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "field is required");

    let (status, hist) = f
        .get(
            t,
            "/api/v1/events/histogram?interval=1h&from=2026-03-01T10:00:00Z&to=2026-03-01T12:00:00Z",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hist["interval"], "1h");
    assert_eq!(
        hist["buckets"],
        json!([
            { "time": "2026-03-01T10:00:00Z", "count": 3 },
            { "time": "2026-03-01T11:00:00Z", "count": 1 },
        ])
    );
    let (_, daily) = f
        .get(t, "/api/v1/events/histogram?interval=1d&q=host:web*")
        .await;
    assert_eq!(
        daily["buckets"],
        json!([
            { "time": "2026-03-01T00:00:00Z", "count": 3 },
            { "time": "2026-03-02T00:00:00Z", "count": 2 },
        ])
    );
    let (status, body) = f.get(t, "/api/v1/events/histogram?interval=7m").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["detail"]["interval"], "7m");
}
