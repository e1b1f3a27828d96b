//! The register's console pages against the whole app: the systems list with its filters,
//! a system's record, the dashboard's SVG charts, an agency officer kept to their own
//! agency (another agency's system is a 404 page), and hostile names escaped.

mod api_common;
mod console_common;

use api_common::Fixture;
use console_common::{get, log_in_as, PAYLOADS};
use reqwest::StatusCode;
use serde_json::json;
use vigil_store::db::Role;

async fn register(f: &Fixture, agency: &str, name: &str, level: u8) -> String {
    let (status, body) = f
        .post(
            &f.tokens.admin,
            "/api/v1/systems",
            json!({"agency": agency, "name": name, "level": level,
                   "addresses": ["https://dvc.example.gov.vn", "203.0.113.9"],
                   "components": ["nginx@1.24.0"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn leaders_see_every_system_and_the_dashboard_officers_only_their_own() {
    let f = Fixture::start_app().await;
    let a_portal = register(&f, &f.a.id, "Cổng dịch vụ công", 3).await;
    let b_mail = register(&f, &f.b.id, "Thư điện tử công vụ", 2).await;

    let leader = log_in_as(&f, "lanh.dao", Role::Leader, None).await;
    let (status, page) = get(&f, &leader, "/register").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Cổng dịch vụ công") && page.contains("Thư điện tử công vụ"));
    assert!(page.contains("href=\"/register\""), "navigation entry");
    let (_, filtered) = get(&f, &leader, "/register?level=2").await;
    assert!(filtered.contains("Thư điện tử công vụ") && !filtered.contains("Cổng dịch vụ công"));
    let (status, _) = get(&f, &leader, "/register?level=nine").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, detail) = get(
        &f,
        &leader,
        &format!("/register/systems/{a_portal}?lang=en"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(detail.contains("https://dvc.example.gov.vn") && detail.contains("nginx@1.24.0"));
    assert!(
        detail.contains("the system owner"),
        "who approves a level-3 dossier"
    );
    assert!(detail.contains("Not self-assessed"));

    let (status, board) = get(&f, &leader, "/register/dashboard?lang=vi").await;
    assert_eq!(status, StatusCode::OK);
    assert!(board.contains("<svg"), "charts are server-side SVG");
    assert!(board.contains("Hệ thống theo cấp độ"));
    assert!(board.contains("Khoảng trống giám sát"));

    let officer = log_in_as(&f, "can.bo.a", Role::AgencyOfficer, Some(&f.a)).await;
    let (_, own) = get(&f, &officer, "/register").await;
    assert!(own.contains("Cổng dịch vụ công") && !own.contains("Thư điện tử công vụ"));
    let (status, _) = get(&f, &officer, &format!("/register/systems/{b_mail}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn hostile_system_names_are_escaped() {
    let f = Fixture::start_app().await;
    let mut ids = Vec::new();
    for (i, payload) in PAYLOADS.iter().enumerate() {
        ids.push(register(&f, &f.a.id, &format!("{payload} {i}"), 1).await);
    }
    let analyst = log_in_as(&f, "phan.tich", Role::SocAnalyst, None).await;
    let mut pages = vec![get(&f, &analyst, "/register").await.1];
    for id in &ids {
        pages.push(
            get(&f, &analyst, &format!("/register/systems/{id}"))
                .await
                .1,
        );
    }
    for page in pages {
        for payload in PAYLOADS {
            assert!(!page.contains(payload), "{payload} unescaped");
        }
    }
}

#[tokio::test]
async fn inspections_and_findings_show_overdue_within_the_tenant() {
    let f = Fixture::start_app().await;
    let system = register(&f, &f.a.id, "Một cửa điện tử", 3).await;
    let analyst = &f.tokens.analyst;
    let (_, inspection) = f
        .post(
            analyst,
            "/api/v1/inspections",
            json!({"agency_id": f.a.id, "team": "Đoàn kiểm tra số 3", "planned_date": "2026-03-02", "scope": "Một cửa"}),
        )
        .await;
    for (description, deadline) in [
        ("Chưa bật nhật ký ứng dụng", "2026-01-31"),
        ("Mật khẩu quản trị yếu", "2099-01-01"),
    ] {
        let (status, body) = f
            .post(
                analyst,
                "/api/v1/findings",
                json!({"agency_id": f.a.id, "system_id": system, "inspection_id": inspection["id"],
                       "severity": "high", "description": description, "deadline": deadline, "owner": "Phòng CNTT"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    let leader = log_in_as(&f, "lanh.dao", Role::Leader, None).await;
    let (status, page) = get(&f, &leader, "/register/inspections?lang=vi").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Đoàn kiểm tra số 3") && page.contains("Một cửa điện tử"));
    assert!(page.contains("Chưa bật nhật ký ứng dụng") && page.contains("Mật khẩu quản trị yếu"));
    assert_eq!(
        page.matches("Quá hạn").count(),
        1,
        "only the finding past its deadline"
    );

    let officer_b = log_in_as(&f, "can.bo.b", Role::AgencyOfficer, Some(&f.b)).await;
    let (_, theirs) = get(&f, &officer_b, "/register/inspections").await;
    assert!(!theirs.contains("Đoàn kiểm tra số 3") && !theirs.contains("Mật khẩu quản trị yếu"));
}
