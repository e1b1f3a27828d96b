//! Incidents and advisories over the API: the list's contract shape with reporting
//! deadlines in +07:00, tenancy (another agency's incident or advisory is 404), who may
//! change what, the workflow rules, evidence kept by SHA-256 and served only as an
//! attachment, report drafts, and the audit records every change leaves.

mod api_common;

use api_common::{at, texts, Fixture};
use reqwest::StatusCode;
use serde_json::{json, Value};
use vigil_soc::address::parse_component;
use vigil_store::db::{AlertLevel, AuditCheck, SystemDetails};

/// Registers a system of `agency_id` with `components`; answers its id.
async fn system(
    f: &Fixture,
    agency_id: &str,
    name: &str,
    level: u8,
    components: &[&str],
) -> String {
    let mut details = SystemDetails::new(name, level);
    details.components = components
        .iter()
        .map(|c| parse_component(c).unwrap())
        .collect();
    f.db.create_system(agency_id, &details, "test")
        .await
        .unwrap()
        .id
}

/// An incident of agency A from an alert on its "portal" system, discovered at
/// 16:30 UTC on 20 November 2026 (23:30 in Hà Nội), and one of B opened by hand.
async fn two_incidents(f: &Fixture) -> (String, String) {
    system(f, &f.a.id, "portal", 3, &["nginx@1.24.0"]).await;
    let event = f.add_event(&f.a, at("2026-11-20T16:30:00Z"), &[], "raw");
    let alert = f
        .add_alert(
            &f.a,
            "proc-powershell",
            AlertLevel::High,
            "web01",
            &event,
            at("2026-11-20T16:30:00Z"),
        )
        .await;
    let (status, a) = f
        .post(
            &f.tokens.analyst,
            "/api/v1/incidents",
            json!({
                "title": "Mã độc trên cổng thông tin",
                "class": "malware",
                "severity": "high",
                "alert_ids": [alert],
                "reporter": {"name": "Nguyễn Văn An", "position": "Chuyên viên SOC"},
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let (status, b) = f
        .post(
            &f.tokens.admin,
            "/api/v1/incidents",
            json!({"title": "Thư lừa đảo", "class": "phishing", "severity": "low",
                   "agency_ids": [f.b.id]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    (
        a["id"].as_str().unwrap().to_owned(),
        b["id"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn the_list_has_the_contract_shape_and_officers_see_only_their_agency() {
    let f = Fixture::start().await;
    let (a, b) = two_incidents(&f).await;

    let (status, list) = f.get(&f.tokens.leader, "/api/v1/incidents").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 2);
    let entries = list["incidents"].as_array().unwrap();
    for entry in entries {
        for key in [
            "id",
            "title",
            "status",
            "severity",
            "agencies",
            "systems",
            "opened_at",
            "report_deadline",
        ] {
            assert!(entry.get(key).is_some(), "{key} missing in {entry}");
        }
    }
    let of = |id: &str| entries.iter().find(|e| e["id"] == id).unwrap().clone();
    let first = of(&a);
    assert_eq!(first["status"], "new");
    assert_eq!(first["severity"], "high");
    assert_eq!(first["agencies"], json!(["So Y te"]));
    assert_eq!(first["systems"], json!(["portal"]));
    // High is serious: the 24-hour notice is the first deadline, in local time.
    assert_eq!(first["report_deadline"], "2026-11-21T23:30:00+07:00");
    let second = of(&b);
    assert_eq!(second["agencies"], json!(["UBND xa Binh An"]));
    assert_eq!(
        second["report_deadline"],
        Value::Null,
        "low severity owes no report"
    );

    let (_, mine) = f.get(&f.tokens.officer_b, "/api/v1/incidents").await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["incidents"][0]["id"], b.as_str());
    let (status, _) = f
        .get(&f.tokens.officer_b, &format!("/api/v1/incidents/{a}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = f
        .get(
            &f.tokens.officer_b,
            &format!("/api/v1/incidents/{a}/timeline"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, detail) = f
        .get(&f.tokens.officer_a, &format!("/api/v1/incidents/{a}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let kinds = texts(&detail["reporting"], "kind");
    assert_eq!(kinds, ["cyber_initial_notice", "cyber_report"]);
    assert_eq!(
        detail["reporting"][1]["due_at"],
        "2026-11-23T23:30:00+07:00"
    );

    // Officers, leaders and auditors read; they do not change incidents.
    for token in [&f.tokens.officer_a, &f.tokens.leader, &f.tokens.auditor] {
        let (status, _) = f
            .post(
                token,
                &format!("/api/v1/incidents/{a}/transition"),
                json!({"status": "triage"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = f
            .post(token, "/api/v1/incidents", json!({"title": "x"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_workflow_refuses_what_it_must_and_every_change_is_audited() {
    let f = Fixture::start().await;
    let (a, _) = two_incidents(&f).await;
    let path = |tail: &str| format!("/api/v1/incidents/{a}{tail}");
    let token = &f.tokens.analyst;

    let (status, _) = f
        .post(token, &path("/transition"), json!({"status": "contained"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = f
        .post(token, &path("/transition"), json!({"status": "triage"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no going back: {body}");
    let (status, body) = f
        .post(token, &path("/transition"), json!({"status": "closed"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().contains("resolution"),
        "{body}"
    );

    let (status, incident) = f
        .post(
            token,
            &path("/tasks"),
            json!({"title": "Cô lập máy chủ", "owner": "minh", "due": "2026-11-22"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let task = incident["tasks"][0]["id"].as_str().unwrap().to_owned();
    let (status, body) = f
        .post(
            token,
            &path("/transition"),
            json!({"status": "closed", "resolution": "Đã gỡ mã độc"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a task is open: {body}");
    let (status, _) = f
        .patch(
            token,
            &path(&format!("/tasks/{task}")),
            json!({"done": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, closed) = f
        .post(
            token,
            &path("/transition"),
            json!({"status": "closed", "resolution": "Đã gỡ mã độc"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["resolution"], "Đã gỡ mã độc");
    let (status, _) = f.post(token, &path("/reopen"), json!({"reason": ""})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, reopened) = f
        .post(
            token,
            &path("/reopen"),
            json!({"reason": "Phát hiện kết nối C2 mới"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reopened["status"], "triage");
    assert_eq!(reopened["reopened"], 1);
    assert_eq!(reopened["resolution"], Value::Null);

    let (_, timeline) = f.get(&f.tokens.auditor, &path("/timeline")).await;
    let actions = texts(&timeline["timeline"], "action");
    assert_eq!(
        actions,
        [
            "created",
            "transition",
            "task",
            "task",
            "transition",
            "reopen"
        ]
    );

    let audit =
        f.db.audit_list(Some(&format!("incident:{a}")), 100, 0)
            .await
            .unwrap();
    let mut audited: Vec<&str> = audit.iter().map(|r| r.action.as_str()).collect();
    audited.reverse();
    assert_eq!(
        audited,
        [
            "incident.create",
            "incident.transition",
            "incident.task",
            "incident.task",
            "incident.transition",
            "incident.reopen"
        ]
    );
    let closing = &audit[1];
    assert!(closing
        .before
        .as_deref()
        .unwrap()
        .contains("\"status\":\"contained\""));
    assert!(closing
        .after
        .as_deref()
        .unwrap()
        .contains("\"status\":\"closed\""));
    assert!(matches!(
        f.db.audit_verify().await.unwrap(),
        AuditCheck::Intact { .. }
    ));
}

#[tokio::test]
async fn evidence_is_kept_by_hash_and_only_ever_served_as_an_attachment() {
    let f = Fixture::start().await;
    let (a, _) = two_incidents(&f).await;
    let payload = b"<html><script>alert(document.cookie)</script></html>".to_vec();
    let upload = |token: &str, name: &str, body: Vec<u8>| {
        f.client
            .post(format!("{}/api/v1/incidents/{a}/evidence", f.base))
            .bearer_auth(token)
            .header("X-File-Name", name)
            .body(body)
            .send()
    };
    let response = upload(
        &f.tokens.analyst,
        "nh%E1%BA%ADt%20k%C3%BD.html",
        payload.clone(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let evidence: Value = response.json().await.unwrap();
    assert_eq!(evidence["file_name"], "nhật ký.html");
    assert_eq!(
        evidence["sha256"],
        vigil_soc::file_store::sha256_hex(&payload)
    );
    assert_eq!(evidence["size"], payload.len());
    assert!(evidence["uploaded_by"].as_str().unwrap().len() > 4);
    let id = evidence["id"].as_str().unwrap();

    let response = f
        .client
        .get(format!("{}/api/v1/incidents/{a}/evidence/{id}", f.base))
        .bearer_auth(&f.tokens.officer_a)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''nh%E1%BA%ADt%20k%C3%BD.html"),
        "{disposition}"
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), payload.as_slice());

    let (status, _) = f
        .get(
            &f.tokens.officer_b,
            &format!("/api/v1/incidents/{a}/evidence/{id}"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let refused = upload(&f.tokens.officer_a, "x.txt", b"x".to_vec())
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let too_big = upload(
        &f.tokens.analyst,
        "big.bin",
        vec![0; vigil_server::api::incidents::MAX_EVIDENCE_BYTES + 1],
    )
    .await
    .unwrap();
    assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let audit =
        f.db.audit_list(Some(&format!("incident:{a}")), 10, 0)
            .await
            .unwrap();
    assert_eq!(audit[0].action, "incident.evidence");
    assert!(audit[0]
        .after
        .as_deref()
        .unwrap()
        .contains(evidence["sha256"].as_str().unwrap()));
}

#[tokio::test]
async fn reports_are_drafted_and_sending_one_moves_the_deadline() {
    let f = Fixture::start().await;
    let (a, _) = two_incidents(&f).await;
    let response = f
        .client
        .get(format!(
            "{}/api/v1/incidents/{a}/reports?kind=cyber_report&format=text",
            f.base
        ))
        .bearer_auth(&f.tokens.leader)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = response.text().await.unwrap();
    assert!(text.starts_with("BÁO CÁO SỰ CỐ AN NINH MẠNG"), "{text}");
    assert!(text.contains("Công an tỉnh"), "{text}");
    assert!(text.contains("portal (So Y te), cấp độ 3"), "{text}");
    assert!(text.contains("Hạn gửi: 23:30 ngày 23/11/2026"), "{text}");
    assert!(text.contains("Họ và tên: Nguyễn Văn An"), "{text}");

    let (status, _) = f
        .post(
            &f.tokens.analyst,
            &format!("/api/v1/incidents/{a}/reports/personal_data_breach/sent"),
            json!({}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "no personal data was breached"
    );
    let (status, incident) = f
        .post(
            &f.tokens.analyst,
            &format!("/api/v1/incidents/{a}/reports/cyber_initial_notice/sent"),
            json!({"sent_at": "2026-11-21T02:00:00Z", "reference": "123/BC-SOC"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{incident}");
    assert_eq!(incident["report_deadline"], "2026-11-23T23:30:00+07:00");
    assert_eq!(incident["reporting"][0]["sent"]["reference"], "123/BC-SOC");
}

#[tokio::test]
async fn advisories_reach_exactly_the_matched_agencies_who_answer_only_for_themselves() {
    let f = Fixture::start().await;
    system(&f, &f.a.id, "Cổng thông tin", 3, &["nginx@1.24.0"]).await;
    system(&f, &f.b.id, "Trang xã", 2, &["nginx@1.26.1"]).await;
    let targeting = json!({"components": [{"name": "nginx", "versionEndExcluding": "1.25.3"}]});
    let (status, preview) = f
        .post(
            &f.tokens.analyst,
            "/api/v1/advisories/preview",
            json!({"targeting": targeting}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(preview["agencies"], 1);
    assert_eq!(preview["targets"][0]["agency"], "So Y te");
    assert_eq!(
        preview["targets"][0]["systems"][0]["components"],
        json!(["nginx@1.24.0"])
    );

    let (status, draft) = f
        .post(
            &f.tokens.analyst,
            "/api/v1/advisories",
            json!({"title": "Lỗ hổng nginx", "severity": "high", "guidance": "Nâng cấp nginx lên 1.25.3",
                   "due_date": "2026-12-01", "targeting": targeting}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let id = draft["id"].as_str().unwrap().to_owned();
    let (status, _) = f
        .get(&f.tokens.officer_a, &format!("/api/v1/advisories/{id}"))
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a draft is not sent to anyone yet"
    );
    let (status, _) = f
        .post(
            &f.tokens.officer_a,
            &format!("/api/v1/advisories/{id}/issue"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, issued) = f
        .post(
            &f.tokens.analyst,
            &format!("/api/v1/advisories/{id}/issue"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    assert_eq!(issued["status"], "issued");

    let (_, seen_b) = f.get(&f.tokens.officer_b, "/api/v1/advisories").await;
    assert_eq!(seen_b["total"], 0);
    let (status, _) = f
        .get(&f.tokens.officer_b, &format!("/api/v1/advisories/{id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = f
        .post(
            &f.tokens.officer_b,
            &format!("/api/v1/advisories/{id}/acknowledge"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = f
        .post(
            &f.tokens.officer_a,
            &format!("/api/v1/advisories/{id}/complete"),
            json!({"agency": f.b.id}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "an officer answers only for their agency"
    );

    let (status, acked) = f
        .post(
            &f.tokens.officer_a,
            &format!("/api/v1/advisories/{id}/acknowledge"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{acked}");
    assert_eq!(acked["targets"][0]["state"], "acknowledged");
    assert_eq!(acked["targeting"], Value::Null);
    let (_, done) = f
        .post(
            &f.tokens.officer_a,
            &format!("/api/v1/advisories/{id}/complete"),
            json!({"note": "Đã nâng cấp"}),
        )
        .await;
    assert_eq!(done["targets"][0]["state"], "completed");
    assert_eq!(done["counts"]["completed"], 1);
    let audit =
        f.db.audit_list(Some(&format!("advisory:{id}")), 10, 0)
            .await
            .unwrap();
    let actions: Vec<&str> = audit.iter().rev().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "advisory.create",
            "advisory.issue",
            "advisory.acknowledge",
            "advisory.complete"
        ]
    );
}
