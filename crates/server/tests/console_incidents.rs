//! The incidents' console pages against the whole app: the list with the next report
//! deadline in Hà Nội time, one incident's record with its duties, tasks, evidence link
//! and timeline, an agency officer kept to incidents of their agency (another is a 404
//! page), and hostile titles and file names escaped.

mod api_common;
mod console_common;

use api_common::Fixture;
use console_common::{get, log_in_as, PAYLOADS};
use reqwest::StatusCode;
use serde_json::json;
use vigil_store::db::Role;

async fn open(f: &Fixture, title: &str, agency_id: &str, severity: &str) -> String {
    let (status, body) = f
        .post(
            &f.tokens.analyst,
            "/api/v1/incidents",
            json!({"title": title, "severity": severity, "agency_ids": [agency_id],
                   "detected_at": "2026-11-20T16:30:00Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn incidents_are_listed_with_local_deadlines_and_officers_see_only_theirs() {
    let f = Fixture::start_app().await;
    let a = open(&f, "Mã độc trên cổng thông tin", &f.a.id, "high").await;
    let b = open(&f, "Thư lừa đảo gửi xã", &f.b.id, "low").await;
    let (status, _) = f
        .post(
            &f.tokens.analyst,
            &format!("/api/v1/incidents/{a}/tasks"),
            json!({"title": "Cô lập máy chủ web", "owner": "minh", "due": "2026-11-21"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let leader = log_in_as(&f, "lanh.dao", Role::Leader, None).await;
    let (status, page) = get(&f, &leader, "/incidents").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Mã độc trên cổng thông tin") && page.contains("Thư lừa đảo gửi xã"));
    assert!(page.contains("href=\"/incidents\""), "navigation entry");
    // 16:30 UTC is 23:30 in Hà Nội; the high incident's 24-hour notice is due the next day.
    assert!(page.contains("2026-11-21 23:30"), "{page}");

    let (status, record) = get(&f, &leader, &format!("/incidents/{a}")).await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "Nghĩa vụ báo cáo",
        "Thông báo ban đầu sự cố an ninh mạng nghiêm trọng",
        "2026-11-23 23:30",
        "Cô lập máy chủ web",
        "Quá hạn",
        "Công an tỉnh",
    ] {
        assert!(record.contains(text), "{text} missing");
    }
    let (_, english) = get(&f, &leader, &format!("/incidents/{a}?lang=en")).await;
    assert!(
        english.contains("Reporting duties") && english.contains("Ministry of Public Security")
    );

    let officer = log_in_as(&f, "can.bo.xa", Role::AgencyOfficer, Some(&f.b)).await;
    let (_, theirs) = get(&f, &officer, "/incidents").await;
    assert!(theirs.contains("Thư lừa đảo gửi xã") && !theirs.contains("Mã độc trên cổng"));
    let (status, _) = get(&f, &officer, &format!("/incidents/{a}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&f, &officer, &format!("/incidents/{b}")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn hostile_titles_and_file_names_stay_text() {
    let f = Fixture::start_app().await;
    let mut ids = Vec::new();
    for payload in PAYLOADS {
        let id = open(&f, payload, &f.a.id, "medium").await;
        let uploaded = f
            .client
            .post(format!("{}/api/v1/incidents/{id}/evidence", f.base))
            .query(&[("name", format!("{payload}.html"))])
            .bearer_auth(&f.tokens.analyst)
            .body(payload.as_bytes().to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(uploaded.status(), StatusCode::CREATED);
        ids.push(id);
    }
    let analyst = log_in_as(&f, "phan.tich", Role::SocAnalyst, None).await;
    let mut pages = vec![get(&f, &analyst, "/incidents").await.1];
    for id in &ids {
        pages.push(get(&f, &analyst, &format!("/incidents/{id}")).await.1);
    }
    for page in &pages {
        for payload in PAYLOADS {
            assert!(!page.contains(payload), "{payload} unescaped");
        }
        assert!(page.contains("&lt;"), "escaped text shown");
    }
}

#[tokio::test]
async fn advisories_show_each_agency_its_own_answer_and_escalation() {
    let f = Fixture::start_app().await;
    for (agency, name, nginx) in [
        (&f.a, "Cổng thông tin", "1.24.0"),
        (&f.b, "Trang xã", "1.22.1"),
    ] {
        let (status, body) = f
            .post(
                &f.tokens.admin,
                "/api/v1/systems",
                json!({"agency": agency.id, "name": name, "level": 2,
                       "components": [format!("nginx@{nginx}")]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, advisory) = f
        .post(
            &f.tokens.analyst,
            "/api/v1/advisories",
            json!({"title": "Lỗ hổng nginx <b>", "severity": "critical",
                   "guidance": "Nâng cấp nginx", "due_date": "2026-11-01",
                   "targeting": {"components": [{"name": "nginx"}]}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{advisory}");
    let id = advisory["id"].as_str().unwrap();
    let (status, _) = f
        .post(
            &f.tokens.analyst,
            &format!("/api/v1/advisories/{id}/issue"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = f
        .post(
            &f.tokens.officer_a,
            &format!("/api/v1/advisories/{id}/acknowledge"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let analyst = log_in_as(&f, "phan.tich", Role::SocAnalyst, None).await;
    let (status, page) = get(&f, &analyst, "/advisories").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Lỗ hổng nginx &lt;b&gt;"), "{page}");
    assert!(page.contains("Cổng thông tin") && page.contains("Trang xã"));
    assert!(page.contains("Đã tiếp nhận") && page.contains("Quá hạn chưa tiếp nhận"));
    let officer = log_in_as(&f, "can.bo.xa", Role::AgencyOfficer, Some(&f.b)).await;
    let (_, theirs) = get(&f, &officer, "/advisories").await;
    assert!(theirs.contains("Trang xã") && !theirs.contains("Cổng thông tin"));
    assert!(theirs.contains("Quá hạn chưa tiếp nhận") && !theirs.contains("Đã tiếp nhận"));
}
