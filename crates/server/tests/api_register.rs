//! The register's API: `/api/v1/systems` in the contract's shape, tenancy (an officer of
//! agency A gets 404 on B's system and cannot change it), roles (leaders read, inspectors
//! record findings, admins replace the catalogue), domain rules answered as 400 with
//! reasons, the audit trail, and alerts carrying their system's level.

mod api_common;

use api_common::{at, Fixture};
use reqwest::StatusCode;
use serde_json::{json, Value};
use vigil_store::db::AlertLevel;

/// Registers a system through the API; answers its id.
async fn create(f: &Fixture, token: &str, body: Value) -> String {
    let (status, system) = f.post(token, "/api/v1/systems", body).await;
    assert_eq!(status, StatusCode::CREATED, "{system}");
    system["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn systems_list_keeps_the_contract_and_each_officer_sees_only_their_agency() {
    let f = Fixture::start().await;
    let portal = create(
        &f,
        &f.tokens.admin,
        json!({
            "agency": f.a.name, "name": "Cổng dịch vụ công", "level": 3,
            "addresses": ["https://dvc.example.gov.vn", "203.0.113.10", {"address": "10.1.0.0/24", "internet_facing": false}],
            "components": ["nginx@1.24.0", "cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*"],
        }),
    )
    .await;
    // An officer registers in their own agency without naming it.
    let mail = create(
        &f,
        &f.tokens.officer_b,
        json!({"name": "Thư điện tử", "level": 2}),
    )
    .await;

    let (status, list) = f.get(&f.tokens.leader, "/api/v1/systems").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 2);
    let first = &list["systems"][0];
    for key in [
        "id",
        "name",
        "agency",
        "level",
        "dossier_status",
        "addresses",
        "components",
    ] {
        assert!(first.get(key).is_some(), "{key} missing from {first}");
    }
    let portal_json = list["systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == portal.as_str())
        .unwrap();
    assert_eq!(portal_json["agency"], f.a.name.as_str());
    assert_eq!(portal_json["level"], 3);
    assert_eq!(portal_json["dossier_status"], "draft");
    assert_eq!(
        portal_json["addresses"],
        json!(["10.1.0.0/24", "203.0.113.10", "https://dvc.example.gov.vn"])
    );
    assert_eq!(
        portal_json["components"],
        json!([
            "cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*",
            "nginx@1.24.0"
        ])
    );

    let (_, own) = f.get(&f.tokens.officer_a, "/api/v1/systems").await;
    assert_eq!(own["total"], 1);
    assert_eq!(own["systems"][0]["id"], portal.as_str());
    let (_, filtered) = f.get(&f.tokens.admin, "/api/v1/systems?level=2").await;
    assert_eq!(filtered["systems"][0]["id"], mail.as_str());
    assert_eq!(filtered["total"], 1);

    // Bad addresses and components are refused with every reason.
    let (status, refused) = f
        .post(
            &f.tokens.admin,
            "/api/v1/systems",
            json!({"agency": f.a.id, "name": "X", "level": 1, "addresses": ["10.0.0.300"], "components": ["nginx"]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["detail"].as_array().unwrap().len(), 2, "{refused}");
}

#[tokio::test]
async fn another_agencys_system_is_not_found_and_not_changed() {
    let f = Fixture::start().await;
    let b_system = create(
        &f,
        &f.tokens.officer_b,
        json!({"name": "Một cửa", "level": 3}),
    )
    .await;
    let path = format!("/api/v1/systems/{b_system}");
    let officer = &f.tokens.officer_a;

    assert_eq!(f.get(officer, &path).await.0, StatusCode::NOT_FOUND);
    let (status, _) = f.patch(officer, &path, json!({"level": 1})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = f
        .post(
            officer,
            &format!("{path}/assessments"),
            json!({"results": []}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nor can an officer register a system for another agency.
    let (status, _) = f
        .post(
            officer,
            "/api/v1/systems",
            json!({"agency": f.b.name, "name": "Giả", "level": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, unchanged) = f.get(&f.tokens.officer_b, &path).await;
    assert_eq!(unchanged["level"], 3);
    let history =
        f.db.audit_list(Some(&format!("system:{b_system}")), 10, 0)
            .await
            .unwrap();
    assert_eq!(history.len(), 1, "only the creation is in the audit log");

    // Leaders and auditors read but do not change.
    for reader in [&f.tokens.leader, &f.tokens.auditor] {
        assert_eq!(f.get(reader, &path).await.0, StatusCode::OK);
        assert_eq!(
            f.patch(reader, &path, json!({"level": 4})).await.0,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn changes_follow_the_dossier_rules_and_are_audited() {
    let f = Fixture::start().await;
    let id = create(
        &f,
        &f.tokens.officer_a,
        json!({"name": "Quản lý văn bản", "level": 3}),
    )
    .await;
    let path = format!("/api/v1/systems/{id}");
    let officer = &f.tokens.officer_a;

    let (status, refused) = f
        .patch(officer, &path, json!({"dossier_status": "approved"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let reasons = refused["detail"].to_string();
    assert!(
        reasons.contains("cannot move from draft to approved"),
        "{reasons}"
    );
    assert!(reasons.contains("số quyết định"), "{reasons}");

    for status in ["submitted", "appraised"] {
        let (code, body) = f
            .patch(officer, &path, json!({"dossier_status": status}))
            .await;
        assert_eq!(code, StatusCode::OK, "{body}");
    }
    let (code, approved) = f
        .patch(
            officer,
            &path,
            json!({"dossier_status": "approved", "decision_number": "1234/QĐ-UBND",
                   "decision_date": "2026-10-20", "approving_authority": "UBND tỉnh"}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{approved}");
    assert_eq!(approved["dossier_status"], "approved");
    assert_eq!(approved["approver_for_level"]["en"], "the system owner");

    let history =
        f.db.audit_list(Some(&format!("system:{id}")), 10, 0)
            .await
            .unwrap();
    assert_eq!(
        history
            .iter()
            .map(|r| r.action.as_str())
            .collect::<Vec<_>>(),
        [
            "system.update",
            "system.update",
            "system.update",
            "system.create"
        ]
    );
    let last = &history[0];
    let before: Value = serde_json::from_str(last.before.as_deref().unwrap()).unwrap();
    let after: Value = serde_json::from_str(last.after.as_deref().unwrap()).unwrap();
    assert_eq!(before["dossier_status"], "appraised");
    assert_eq!(after["decision_number"], "1234/QĐ-UBND");
    assert!(!last.actor.is_empty());

    // Self-assessments against the catalogue, scored.
    let (code, assessment) = f
        .post(
            officer,
            &format!("{path}/assessments"),
            json!({"results": [{"control_id": "QL.CS.1", "result": "met"}, {"control_id": "KT.M.1", "result": "partly"}]}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{assessment}");
    assert_eq!(assessment["catalogue_version"], 1);
    let (_, compliance) = f.get(&f.tokens.leader, "/api/v1/register/compliance").await;
    let percent = compliance["systems"][0]["score"]["total"]["percent"]
        .as_f64()
        .unwrap();
    assert!(
        percent > 0.0 && percent < 10.0,
        "1.5 points over the level-3 controls: {percent}"
    );
}

#[tokio::test]
async fn inspectors_record_findings_officers_report_remediation_admins_own_the_catalogue() {
    let f = Fixture::start().await;
    let (code, plan) = f
        .post(
            &f.tokens.analyst,
            "/api/v1/inspection-plans",
            json!({"year": 2026, "title": "Kế hoạch kiểm tra năm 2026"}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{plan}");
    let (code, inspection) = f
        .post(
            &f.tokens.analyst,
            "/api/v1/inspections",
            json!({"plan_id": plan["id"], "agency_id": f.a.name, "team": "Đoàn 1", "planned_date": "2026-05-04", "scope": "Toàn bộ hệ thống"}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{inspection}");
    let finding = json!({"agency_id": f.a.id, "inspection_id": inspection["id"], "control_id": "KT.MC.4",
        "severity": "high", "description": "Máy chủ web chưa vá", "deadline": "2026-06-30", "owner": "Phòng CNTT"});
    assert_eq!(
        f.post(&f.tokens.officer_a, "/api/v1/findings", finding.clone())
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (code, created) = f.post(&f.tokens.analyst, "/api/v1/findings", finding).await;
    assert_eq!(code, StatusCode::CREATED, "{created}");
    assert_eq!(created["overdue"], true, "the deadline has passed");
    let path = format!("/api/v1/findings/{}", created["id"].as_str().unwrap());

    assert_eq!(
        f.get(&f.tokens.officer_b, &path).await.0,
        StatusCode::NOT_FOUND
    );
    let verify = json!({"status": "verified", "verified_by": "Tự xác nhận"});
    assert_eq!(
        f.patch(&f.tokens.officer_a, &path, verify).await.0,
        StatusCode::FORBIDDEN
    );
    let (code, fixed) = f
        .patch(
            &f.tokens.officer_a,
            &path,
            json!({"status": "remediated", "remediation": "Đã vá"}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{fixed}");
    assert_eq!(fixed["overdue"], false);
    let (code, verified) = f
        .patch(
            &f.tokens.analyst,
            &path,
            json!({"status": "verified", "verified_by": "Đoàn 1"}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{verified}");
    let (_, dashboard) = f.get(&f.tokens.leader, "/api/v1/register/dashboard").await;
    assert_eq!(dashboard["inspections"]["2026"]["planned"], 1);
    assert_eq!(dashboard["findings"]["open"], 0);

    let (_, current) = f.get(&f.tokens.leader, "/api/v1/catalogue").await;
    let mut catalogue = current["catalogue"].clone();
    catalogue["controls"].as_array_mut().unwrap().truncate(5);
    assert_eq!(
        f.call(
            "PUT",
            Some(&f.tokens.analyst),
            "/api/v1/catalogue",
            Some(catalogue.clone())
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (code, replaced) = f
        .call(
            "PUT",
            Some(&f.tokens.admin),
            "/api/v1/catalogue",
            Some(catalogue),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{replaced}");
    assert_eq!(replaced["version"], 2);
    let (_, old) = f.get(&f.tokens.leader, "/api/v1/catalogue?version=1").await;
    assert_eq!(old["catalogue"], current["catalogue"]);
}

#[tokio::test]
async fn alerts_of_a_registered_system_carry_its_level_and_a_raised_priority() {
    let f = Fixture::start().await;
    // The fixture's alerts are attributed to system "portal" of their agency.
    let alert = f
        .add_alert(
            &f.a,
            "web-scanner",
            AlertLevel::Medium,
            "web01",
            "e1",
            at("2026-03-01T09:00:00Z"),
        )
        .await;
    let path = format!("/api/v1/alerts/{alert}");
    let (_, before) = f.get(&f.tokens.analyst, &path).await;
    assert_eq!(before["system"], "portal");
    assert_eq!(before["system_level"], Value::Null);
    assert_eq!(before["priority"], "medium");

    create(
        &f,
        &f.tokens.admin,
        json!({"agency": f.a.id, "name": "portal", "level": 4}),
    )
    .await;
    let (_, after) = f.get(&f.tokens.analyst, &path).await;
    assert_eq!(after["level"], "medium", "the rule's level stays");
    assert_eq!(after["system_level"], 4);
    assert_eq!(after["priority"], "high");
    let (_, list) = f.get(&f.tokens.analyst, "/api/v1/alerts").await;
    assert_eq!(list["alerts"][0]["system_level"], 4);
}

#[tokio::test]
async fn evidence_is_kept_with_its_sha256_and_contacts_per_agency() {
    let f = Fixture::start().await;
    let id = create(
        &f,
        &f.tokens.officer_a,
        json!({"name": "Một cửa", "level": 2}),
    )
    .await;
    let (_, assessment) = f
        .post(
            &f.tokens.officer_a,
            &format!("/api/v1/systems/{id}/assessments"),
            json!({"results": [{"control_id": "KT.DL.1", "result": "met"}]}),
        )
        .await;
    let evidence = format!(
        "/api/v1/systems/{id}/assessments/{}/evidence",
        assessment["id"].as_str().unwrap()
    );
    let upload = |token: &str, path: &str| {
        f.client
            .post(format!("{}{path}?name=sao-luu.pdf&control=KT.DL.1", f.base))
            .bearer_auth(token.to_owned())
            .body("abc")
            .send()
    };
    let response = upload(&f.tokens.officer_a, &evidence).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let kept: Value = response.json().await.unwrap();
    assert_eq!(
        kept["sha256"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(kept["size"], 3);
    let response = upload(&f.tokens.officer_b, &evidence).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let (_, listed) = f.get(&f.tokens.auditor, &evidence).await;
    assert_eq!(listed["evidence"][0]["file_name"], "sao-luu.pdf");
    assert!(listed["evidence"][0].get("content").is_none());

    let contacts = format!("/api/v1/agencies/{}/contacts", f.a.id);
    let person =
        json!({"name": "Nguyễn Văn An", "title": "Phó Giám đốc", "duty": "security_officer"});
    assert_eq!(
        f.post(&f.tokens.officer_b, &contacts, person.clone())
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (code, added) = f.post(&f.tokens.officer_a, &contacts, person).await;
    assert_eq!(code, StatusCode::CREATED, "{added}");
    let (_, list) = f.get(&f.tokens.leader, &contacts).await;
    assert_eq!(list["contacts"][0]["duty"], "security_officer");
    let audited =
        f.db.audit_list(Some(&format!("agency:{}", f.a.id)), 10, 0)
            .await
            .unwrap();
    assert_eq!(audited[0].action, "agency_contact.add");
}

#[tokio::test]
async fn the_dashboard_finds_monitoring_gaps_in_the_event_store() {
    let f = Fixture::start().await;
    // The fixture stores events of system "portal"; "Kho dữ liệu" (level 4) sends none
    // and has no address to be attributed by.
    create(
        &f,
        &f.tokens.admin,
        json!({"agency": f.a.id, "name": "portal", "level": 3, "addresses": ["203.0.113.30"]}),
    )
    .await;
    let silent = create(
        &f,
        &f.tokens.admin,
        json!({"agency": f.a.id, "name": "Kho dữ liệu", "level": 4}),
    )
    .await;
    let now = chrono::Utc::now();
    f.add_event(
        &f.a,
        now,
        &[("host.name", json!("203.0.113.30"))],
        "registered",
    );
    f.add_event(
        &f.a,
        now,
        &[("host.name", json!("8.8.4.4"))],
        "unregistered",
    );

    let (status, board) = f
        .get(&f.tokens.leader, "/api/v1/register/dashboard?days=30")
        .await;
    assert_eq!(status, StatusCode::OK, "{board}");
    let gaps = board["monitoring_gaps"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = gaps
        .iter()
        .map(|g| {
            let what = g["system_id"].as_str().or(g["address"].as_str()).unwrap();
            (g["kind"].as_str().unwrap(), what)
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("no_recent_logs", silent.as_str()),
            ("unmonitored_high_level", silent.as_str()),
            ("unregistered_internet_address", "8.8.4.4"),
        ]
    );
    assert_eq!(gaps[0]["reason"]["en"], "no logs in the last 30 days");
    assert_eq!(board["systems_by_level"]["4"], 1);
    // Another agency's officer sees none of it.
    let (_, theirs) = f
        .get(&f.tokens.officer_b, "/api/v1/register/dashboard")
        .await;
    assert_eq!(theirs["systems_total"], 0);
    assert_eq!(theirs["monitoring_gaps"], json!([]));
    let (status, _) = f
        .get(&f.tokens.leader, "/api/v1/register/dashboard?days=0")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
