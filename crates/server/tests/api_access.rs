//! Authentication, roles and tenancy across the API: who gets 401, 403 and 404, and that
//! an agency officer only ever sees their own agency's data.

mod api_common;

use api_common::{at, concrete, Fixture, PUBLIC_ROUTES, ROUTES};
use reqwest::StatusCode;
use serde_json::json;
use vigil_server::api::{ApiOptions, MetricsAccess};
use vigil_store::db::AlertLevel;

#[tokio::test]
async fn every_route_refuses_missing_and_invalid_tokens() {
    let f = Fixture::start().await;
    let forged = "vga_0123456789abcdef0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    for (method, template) in ROUTES {
        let path = concrete(template, "x");
        for token in [None, Some(""), Some("nonsense"), Some(forged)] {
            let body = (*method != "GET" && *method != "DELETE").then(|| json!({}));
            let (status, answer) = f.call(method, token, &path, body).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {token:?}"
            );
            assert_eq!(
                answer["error"], "missing or invalid token",
                "{method} {path}"
            );
        }
    }
    let response = f
        .client
        .get(format!("{}/api/v1/alerts", f.base))
        .send()
        .await
        .unwrap();
    assert!(response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    for (method, path) in PUBLIC_ROUTES {
        let (status, _) = f.call(method, None, path, None).await;
        assert_eq!(status, StatusCode::OK, "{method} {path} is public");
    }
}

#[tokio::test]
async fn every_token_form_of_the_auth_module_is_accepted() {
    use base64::Engine;
    let f = Fixture::start().await;
    let token = &f.tokens.analyst;
    let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
    let url = format!("{}/api/v1/agencies", f.base);
    let forms = [
        f.client
            .get(&url)
            .header("Authorization", format!("ApiKey {token}")),
        f.client.get(&url).header(
            "Authorization",
            format!("Basic {}", b64(format!("soc:{token}"))),
        ),
        f.client.get(format!("{url}?token={token}")),
    ];
    for request in forms {
        assert_eq!(request.send().await.unwrap().status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn ingest_tokens_cannot_read() {
    let f = Fixture::start().await;
    for path in [
        "/api/v1/events",
        "/api/v1/alerts",
        "/api/v1/rules",
        "/api/v1/quarantine",
    ] {
        let (status, body) = f.get(&f.tokens.ingest_a, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(body["error"].as_str().unwrap().contains("ingest"), "{body}");
    }
}

#[tokio::test]
async fn an_agency_officer_sees_only_their_agency() {
    let f = Fixture::start().await;
    let t = at("2026-03-02T08:00:00Z");
    let event_a = f.add_event(&f.a, t, &[("user", json!("lan"))], "login lan");
    let event_b = f.add_event(&f.b, t, &[("user", json!("minh"))], "login minh");
    let alert_a = f
        .add_alert(
            &f.a,
            "auth-bruteforce",
            AlertLevel::High,
            "web-a",
            &event_a,
            t,
        )
        .await;
    let alert_b = f
        .add_alert(
            &f.b,
            "auth-bruteforce",
            AlertLevel::High,
            "web-b",
            &event_b,
            t,
        )
        .await;
    f.add_quarantine(Some(&f.a), "bad json", b"{oops-a").await;
    f.add_quarantine(Some(&f.b), "bad json", b"{oops-b").await;
    f.add_quarantine(None, "unattributed syslog", b"<13>x")
        .await;
    let officer = &f.tokens.officer_a;

    let (_, alerts) = f.get(officer, "/api/v1/alerts").await;
    assert_eq!(alerts["total"], 1);
    assert_eq!(alerts["alerts"][0]["id"], json!(alert_a));
    // Filtering by the other agency does not widen the view.
    let (_, alerts) = f
        .get(officer, &format!("/api/v1/alerts?agency={}", f.b.id))
        .await;
    assert_eq!(alerts["total"], 0);

    let (_, events) = f.get(officer, "/api/v1/events").await;
    assert_eq!(events["total"], 1);
    assert_eq!(events["events"][0]["id"], json!(event_a));
    let (_, events) = f
        .get(officer, &format!("/api/v1/events?q=agency:{}", f.b.id))
        .await;
    assert_eq!(events["total"], 0);
    let (_, counts) = f.get(officer, "/api/v1/events/count?field=user").await;
    assert_eq!(counts["counts"], json!([{ "value": "lan", "count": 1 }]));
    let (_, hist) = f.get(officer, "/api/v1/events/histogram?interval=1d").await;
    let total: u64 = hist["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 1);

    let (_, quarantine) = f.get(officer, "/api/v1/quarantine").await;
    assert_eq!(quarantine["total"], 1);
    assert_eq!(quarantine["entries"][0]["raw"], "{oops-a");

    let (_, agencies) = f.get(officer, "/api/v1/agencies").await;
    assert_eq!(agencies["agencies"].as_array().unwrap().len(), 1);
    assert_eq!(agencies["agencies"][0]["id"], json!(f.a.id));

    // Another agency's objects are not found, whatever the verb.
    for path in [
        format!("/api/v1/alerts/{alert_b}"),
        format!("/api/v1/events/{event_b}"),
        format!("/api/v1/agencies/{}/sources", f.b.id),
    ] {
        let (status, body) = f.get(officer, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(body["error"].as_str().unwrap().ends_with("not found"));
    }
    let (status, _) = f
        .patch(
            officer,
            &format!("/api/v1/alerts/{alert_b}"),
            json!({ "status": "closed" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, still) = f
        .get(&f.tokens.analyst, &format!("/api/v1/alerts/{alert_b}"))
        .await;
    assert_eq!(still["status"], "new");

    // Their own alert they may work, but not assign.
    let (status, own) = f
        .patch(
            officer,
            &format!("/api/v1/alerts/{alert_a}"),
            json!({ "status": "acknowledged", "comment": "checking" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!(own["status"], "acknowledged");
    let (status, _) = f
        .patch(
            officer,
            &format!("/api/v1/alerts/{alert_a}"),
            json!({ "assignee": "lan" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn soc_roles_see_every_agency() {
    let f = Fixture::start().await;
    let t = at("2026-03-02T08:00:00Z");
    for agency in [&f.a, &f.b] {
        let event = f.add_event(agency, t, &[("user", json!("x"))], "x");
        f.add_alert(agency, "web-scanner", AlertLevel::Low, "h", &event, t)
            .await;
        f.add_quarantine(Some(agency), "bad", b"?").await;
    }
    for token in [
        &f.tokens.analyst,
        &f.tokens.leader,
        &f.tokens.auditor,
        &f.tokens.admin,
    ] {
        assert_eq!(f.get(token, "/api/v1/alerts").await.1["total"], 2);
        assert_eq!(f.get(token, "/api/v1/events").await.1["total"], 2);
        assert_eq!(f.get(token, "/api/v1/quarantine").await.1["total"], 2);
        assert_eq!(
            f.get(token, "/api/v1/agencies").await.1["agencies"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }
}

#[tokio::test]
async fn read_only_roles_cannot_write() {
    let f = Fixture::start().await;
    let t = at("2026-03-02T08:00:00Z");
    let event = f.add_event(&f.a, t, &[], "x");
    let alert = f
        .add_alert(&f.a, "web-scanner", AlertLevel::Low, "h", &event, t)
        .await;
    let writes = [
        (
            "PATCH",
            format!("/api/v1/alerts/{alert}"),
            json!({ "status": "closed" }),
        ),
        (
            "POST",
            "/api/v1/rules/web-scanner/disable".to_owned(),
            json!({}),
        ),
        (
            "POST",
            "/api/v1/rules/web-scanner/exceptions".to_owned(),
            json!({ "field": "host", "match": "equals", "pattern": "h" }),
        ),
        (
            "POST",
            format!("/api/v1/agencies/{}/sources", f.a.id),
            json!({ "address": "10.0.0.1" }),
        ),
        (
            "POST",
            "/api/v1/agencies".to_owned(),
            json!({ "name": "Moi" }),
        ),
        (
            "POST",
            "/api/v1/tokens".to_owned(),
            json!({ "scope": "api", "role": "leader" }),
        ),
    ];
    for token in [&f.tokens.leader, &f.tokens.auditor] {
        for (method, path, body) in &writes {
            let (status, answer) = f.call(method, Some(token), path, Some(body.clone())).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {answer}");
        }
    }
    // Officers may work alerts but not tune rules or administer.
    for (method, path, body) in &writes[1..] {
        let (status, _) = f
            .call(method, Some(&f.tokens.officer_a), path, Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
    }
    let (status, _) = f.get(&f.tokens.analyst, "/api/v1/tokens").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "tokens are for admins");
    let (_, alert) = f
        .get(&f.tokens.admin, &format!("/api/v1/alerts/{alert}"))
        .await;
    assert_eq!(alert["status"], "new");
}

#[tokio::test]
async fn metrics_are_open_on_loopback_and_can_require_a_token() {
    let f = Fixture::start().await;
    f.metrics.udp_drops.inc();
    let response = f
        .client
        .get(format!("{}/metrics", f.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("vigil_udp_drops_total 1"));

    let f = Fixture::start_with(ApiOptions {
        metrics: MetricsAccess::Token,
    })
    .await;
    assert_eq!(
        f.call("GET", None, "/metrics", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        f.get(&f.tokens.ingest_a, "/metrics").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(f.get(&f.tokens.auditor, "/metrics").await.0, StatusCode::OK);
}
