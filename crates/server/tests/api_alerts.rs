//! `/api/v1/alerts`: the list's exact shape, its filters and paging, the detail with
//! comments and sample events, and the workflow (transitions, 409, audit).

mod api_common;

use api_common::{at, texts, Fixture};
use reqwest::StatusCode;
use serde_json::{json, Value};
use vigil_store::db::AlertLevel;

/// The fields the alert list promises, by name.
const CONTRACT: [&str; 12] = [
    "id",
    "rule_id",
    "rule_title",
    "rule_author",
    "level",
    "agency",
    "system",
    "host",
    "count",
    "first_seen",
    "last_seen",
    "status",
];

/// Three alerts: A high (newest), A low, B medium (oldest).
async fn three_alerts(f: &Fixture) -> [String; 3] {
    let mut ids = Vec::new();
    for (agency, rule, level, host, time) in [
        (
            &f.b,
            "auth-bruteforce",
            AlertLevel::Medium,
            "mail-b",
            "2026-03-01T08:00:00Z",
        ),
        (
            &f.a,
            "web-scanner",
            AlertLevel::Low,
            "web-a",
            "2026-03-02T08:00:00Z",
        ),
        (
            &f.a,
            "proc-powershell",
            AlertLevel::High,
            "ws-a",
            "2026-03-03T08:00:00Z",
        ),
    ] {
        let t = at(time);
        let event = f.add_event(
            agency,
            t,
            &[("host", json!(host))],
            &format!("event on {host}"),
        );
        ids.push(f.add_alert(agency, rule, level, host, &event, t).await);
    }
    [ids[2].clone(), ids[1].clone(), ids[0].clone()]
}

fn ids(list: &Value) -> Vec<&str> {
    texts(&list["alerts"], "id")
}

#[tokio::test]
async fn the_list_has_the_promised_shape() {
    let f = Fixture::start().await;
    let [high, ..] = three_alerts(&f).await;
    let (status, list) = f.get(&f.tokens.analyst, "/api/v1/alerts").await;
    assert_eq!(status, StatusCode::OK);
    let mut top: Vec<&str> = list
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    top.sort_unstable();
    assert_eq!(top, ["alerts", "total"]);
    assert_eq!(list["total"], 3);
    let first = list["alerts"][0].as_object().unwrap();
    for field in CONTRACT {
        assert!(first.contains_key(field), "missing {field} in {first:?}");
    }
    assert_eq!(first["id"], json!(high));
    assert_eq!(first["rule_id"], "proc-powershell");
    assert_eq!(first["rule_title"], "title of proc-powershell");
    assert_eq!(first["rule_author"], "Vigil tests");
    assert_eq!(first["level"], "high");
    assert_eq!(first["agency"], "So Y te");
    assert_eq!(first["system"], "portal");
    assert_eq!(first["host"], "ws-a");
    assert_eq!(first["count"], 1);
    assert_eq!(first["first_seen"], "2026-03-03T08:00:00Z");
    assert_eq!(first["last_seen"], "2026-03-03T08:00:00Z");
    assert_eq!(first["status"], "new");
}

#[tokio::test]
async fn filters_and_paging() {
    let f = Fixture::start().await;
    let [high, low, medium] = three_alerts(&f).await;
    let f = &f;
    let t = &f.tokens.analyst;
    let get = |query: String| async move { f.get(t, &format!("/api/v1/alerts?{query}")).await.1 };

    assert_eq!(ids(&get("level=high".into()).await), [high.as_str()]);
    assert_eq!(
        ids(&get(format!("agency={}", f.b.id)).await),
        [medium.as_str()]
    );
    assert_eq!(
        ids(&get("agency=So%20Y%20te".into()).await),
        [high.as_str(), low.as_str()]
    );
    assert_eq!(
        ids(&get("since=2026-03-02T00:00:00Z".into()).await),
        [high.as_str(), low.as_str()]
    );
    let page = get("limit=1&offset=1".into()).await;
    assert_eq!(ids(&page), [low.as_str()]);
    assert_eq!(page["total"], 3, "total counts every match, not the page");

    f.patch(
        t,
        &format!("/api/v1/alerts/{low}"),
        json!({ "status": "closed" }),
    )
    .await;
    assert_eq!(ids(&get("status=closed".into()).await), [low.as_str()]);
    assert_eq!(get("status=new".into()).await["total"], 2);

    for bad in [
        "level=severe",
        "status=done",
        "since=yesterday",
        "limit=many",
    ] {
        let (status, body) = f.get(t, &format!("/api/v1/alerts?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(body["error"].is_string());
    }
}

#[tokio::test]
async fn the_detail_has_comments_and_sample_events() {
    let f = Fixture::start().await;
    let [high, ..] = three_alerts(&f).await;
    let t = &f.tokens.analyst;
    let path = format!("/api/v1/alerts/{high}");
    let (status, detail) = f.get(t, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["comments"], json!([]));
    let events = detail["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["raw"], "event on ws-a");
    assert_eq!(events[0]["id"], detail["sample_event_ids"][0]);

    f.patch(t, &path, json!({ "comment": "looking into it" }))
        .await;
    let (_, detail) = f.get(t, &path).await;
    assert_eq!(detail["comments"][0]["body"], "looking into it");
    let analyst_id = f.db.verify_token(t).await.unwrap().unwrap().token_id;
    assert_eq!(detail["comments"][0]["author"], json!(analyst_id));

    let (status, _) = f.get(t, "/api/v1/alerts/no-such-alert").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_workflow_moves_forward_and_refuses_impossible_moves() {
    let f = Fixture::start().await;
    let [high, ..] = three_alerts(&f).await;
    let t = &f.tokens.analyst;
    let path = format!("/api/v1/alerts/{high}");

    for (status, assignee) in [
        ("acknowledged", json!("lan")),
        ("in_progress", json!("lan")),
        ("closed", json!(null)),
    ] {
        let (code, alert) = f
            .patch(t, &path, json!({ "status": status, "assignee": assignee }))
            .await;
        assert_eq!(code, StatusCode::OK, "{alert}");
        assert_eq!(alert["status"], status);
        assert_eq!(alert["assignee"], assignee);
    }
    let (code, refused) = f.patch(t, &path, json!({ "status": "new" })).await;
    assert_eq!(code, StatusCode::CONFLICT);
    assert_eq!(
        refused["error"],
        "alert status cannot change from closed to new"
    );
    assert_eq!(refused["detail"], json!({ "from": "closed", "to": "new" }));
    let (code, reopened) = f.patch(t, &path, json!({ "status": "in_progress" })).await;
    assert_eq!(
        (code, reopened["status"].as_str()),
        (StatusCode::OK, Some("in_progress"))
    );

    for bad in [
        json!({}),
        json!({ "status": "done" }),
        json!({ "priority": 1 }),
    ] {
        let (code, body) = f.patch(t, &path, bad.clone()).await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let (code, _) = f
        .client
        .patch(format!("{}{path}", f.base))
        .bearer_auth(t)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .map(|r| (r.status(), ()))
        .unwrap();
    assert_eq!(code, StatusCode::BAD_REQUEST);

    // Every accepted change is in the audit log under the caller's token id.
    let actor = f.db.verify_token(t).await.unwrap().unwrap().token_id;
    let history =
        f.db.audit_list(Some(&format!("alert:{high}")), 100, 0)
            .await
            .unwrap();
    let updates: Vec<_> = history
        .iter()
        .filter(|r| r.action == "alert.update")
        .collect();
    assert_eq!(updates.len(), 4);
    assert!(updates.iter().all(|r| r.actor == actor));
}
