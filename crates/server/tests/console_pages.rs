//! The web console over HTTP, with reqwest clients that keep cookies and ask for HTML as
//! a browser does, against the whole app (`vigil_server::app`) on real SQLite and
//! tantivy: languages, logging in (one-time password change included), refusals, CSRF,
//! tenancy of agency officers, escaping of hostile log text, security headers, and
//! `GET /` shared with the Elasticsearch-compatible API.

mod api_common;
mod console_common;

use api_common::{at, Fixture};
use console_common::{browser, browser_with, csrf_of, get, log_in_as, submit_login, PAYLOADS};
use reqwest::header::{ACCEPT, CONTENT_SECURITY_POLICY, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Response, StatusCode};
use vigil_store::db::{AlertLevel, Detection, Role};

fn sets_session_cookie(response: &Response) -> bool {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .any(|v| v.to_str().unwrap().starts_with("vigil_session="))
}

#[tokio::test]
async fn the_login_page_is_vietnamese_unless_english_is_chosen() {
    let f = Fixture::start_app().await;
    let client = browser();
    let response = client
        .get(format!("{}/login", f.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    let page = response.text().await.unwrap();
    assert!(page.contains("<html lang=\"vi\">"), "{page}");
    assert!(page.contains("Mật khẩu") && !page.contains("Password"));

    let (_, page) = get(&f, &client, "/login?lang=en").await;
    assert!(page.contains("<html lang=\"en\">") && page.contains("Password"));
    // The choice is remembered.
    let (_, page) = get(&f, &client, "/login").await;
    assert!(page.contains("<html lang=\"en\">"));
    let (_, page) = get(&f, &client, "/login?lang=vi").await;
    assert!(page.contains("<html lang=\"vi\">"));

    // The stylesheet is embedded and cached for long.
    let css = client
        .get(format!("{}/assets/console.css?v=1", f.base))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    assert!(css.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert!(css.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age=31536000"));
}

#[tokio::test]
async fn a_user_logs_in_sees_the_overview_and_logs_out() {
    let f = Fixture::start_app().await;
    f.add_alert(
        &f.a,
        "r1",
        AlertLevel::High,
        "web01",
        "e1",
        at("2026-03-01T08:00:00Z"),
    )
    .await;
    let client = log_in_as(&f, "lan", Role::SocAnalyst, None).await;
    let (status, page) = get(&f, &client, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Tổng quan") && page.contains("So Y te"),
        "{page}"
    );
    assert!(page.contains("lan display"));
    // Analysts have no administration section.
    assert!(!page.contains("href=\"/admin\""));
    // A reload within half a minute shows the same figures, taken at the same time,
    // even after a new alert: the dashboard is not recomputed on every view.
    let taken_at = |page: &str| {
        let start = page
            .find("Số liệu tính lúc")
            .expect("when the figures were taken");
        page[start..start + 60].to_owned()
    };
    f.add_alert(
        &f.a,
        "r2",
        AlertLevel::Critical,
        "web02",
        "e2",
        at("2026-03-01T09:00:00Z"),
    )
    .await;
    let (_, again) = get(&f, &client, "/").await;
    assert_eq!(taken_at(&again), taken_at(&page));
    // Another language is its own dashboard.
    let (_, english) = get(&f, &client, "/?lang=en").await;
    assert!(english.contains("Figures taken at"), "{english}");

    let response = client
        .post(format!("{}/logout", f.base))
        .form(&[("csrf", csrf_of(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.url().path(), "/login");
    let plain = browser_with(Policy::none());
    let response = plain.get(format!("{}/", f.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/login");
    let (_, page) = get(&f, &client, "/alerts").await;
    assert!(page.contains("name=\"password\""), "logged out: {page}");
}

#[tokio::test]
async fn a_wrong_password_shows_an_error_and_sets_no_cookie() {
    let f = Fixture::start_app().await;
    let _ = log_in_as(&f, "minh", Role::Leader, None).await;
    let client = browser();
    let response = submit_login(&f, &client, "minh", "not the password").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(!sets_session_cookie(&response));
    let page = response.text().await.unwrap();
    assert!(page.contains("Sai tên đăng nhập"), "{page}");
    let (_, page) = get(&f, &client, "/alerts").await;
    assert!(page.contains("name=\"password\""));
}

#[tokio::test]
async fn posts_without_the_csrf_token_are_refused() {
    let f = Fixture::start_app().await;
    let id = f
        .add_alert(
            &f.a,
            "r1",
            AlertLevel::Low,
            "h",
            "e1",
            at("2026-03-01T08:00:00Z"),
        )
        .await;
    // The login form, without its token or with a token the browser does not hold.
    let client = browser();
    let response = client
        .post(format!("{}/login", f.base))
        .form(&[("login", "x"), ("password", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = browser()
        .post(format!("{}/login", f.base))
        .form(&[("login", "x"), ("password", "y"), ("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let client = log_in_as(&f, "hoa", Role::SocAnalyst, None).await;
    for form in [
        vec![("status", "closed")],
        vec![("status", "closed"), ("csrf", "nope")],
    ] {
        let response = client
            .post(format!("{}/alerts/{id}", f.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    let response = client
        .post(format!("{}/logout", f.base))
        .form(&[("csrf", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (_, page) = get(&f, &client, &format!("/alerts/{id}")).await;
    assert!(page.contains("Mới"), "unchanged: {page}");
}

#[tokio::test]
async fn agency_officers_see_and_work_only_their_agency() {
    let f = Fixture::start_app().await;
    let t = at("2026-03-01T08:00:00Z");
    let own = f
        .add_alert(&f.a, "r1", AlertLevel::High, "a-host", "e1", t)
        .await;
    let other = f
        .add_alert(&f.b, "r2", AlertLevel::Critical, "b-host", "e2", t)
        .await;
    let client = log_in_as(&f, "officer", Role::AgencyOfficer, Some(&f.a)).await;

    let (_, page) = get(&f, &client, "/alerts").await;
    assert!(page.contains(&own) && page.contains("a-host"));
    assert!(!page.contains(&other) && !page.contains("b-host") && !page.contains("Binh An"));
    let (_, page) = get(&f, &client, &format!("/alerts?agency={}", f.b.id)).await;
    assert!(!page.contains(&other));
    let (_, page) = get(&f, &client, "/").await;
    assert!(!page.contains("Binh An"), "{page}");
    let (status, _) = get(&f, &client, &format!("/alerts/{other}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&f, &client, "/admin").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Their own alert they can work, with the session's token.
    let (status, page) = get(&f, &client, &format!("/alerts/{own}")).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_of(&page);
    let response = client
        .post(format!("{}/alerts/{own}", f.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("status", "acknowledged"),
            ("comment", "đã xem <b>x</b>"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains("Đã tiếp nhận") && page.contains("đã xem &lt;b&gt;x&lt;/b&gt;"));
    // Another agency's alert is not found for changes either.
    let response = client
        .post(format!("{}/alerts/{other}", f.base))
        .form(&[("csrf", csrf.as_str()), ("status", "closed")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let alert =
        f.db.get_alert(&other, &vigil_store::db::Tenant::All)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(alert.status.as_str(), "new");

    // Leaders read but may not change.
    let leader = log_in_as(&f, "leader", Role::Leader, None).await;
    let (_, page) = get(&f, &leader, &format!("/alerts/{other}")).await;
    assert!(page.contains("b-host") && !page.contains("name=\"comment\""));
    let response = leader
        .post(format!("{}/alerts/{other}", f.base))
        .form(&[("csrf", csrf_of(&page).as_str()), ("status", "closed")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn hostile_log_text_is_escaped_on_every_page() {
    let f = Fixture::start_app().await;
    let t = at("2026-03-01T08:00:00Z");
    let mut ids = Vec::new();
    for (i, payload) in PAYLOADS.iter().enumerate() {
        let detection = Detection {
            rule_id: format!("xss-{i}"),
            rule_title: format!("rule {payload}"),
            rule_author: None,
            level: AlertLevel::High,
            agency_id: f.a.id.clone(),
            system: Some(payload.to_string()),
            host: format!("javascript:alert({i}){payload}"),
            event_id: format!("e{i}"),
            at: t,
        };
        let upserted =
            f.db.upsert_detection(&detection, chrono::Duration::minutes(10))
                .await
                .unwrap();
        ids.push(upserted.alert_id);
    }
    let client = log_in_as(&f, "analyst", Role::SocAnalyst, None).await;
    let mut pages = vec![
        get(&f, &client, "/alerts").await.1,
        get(&f, &client, "/").await.1,
    ];
    for id in &ids {
        let (_, page) = get(&f, &client, &format!("/alerts/{id}")).await;
        let response = client
            .post(format!("{}/alerts/{id}", f.base))
            .form(&[("csrf", csrf_of(&page).as_str()), ("comment", PAYLOADS[0])])
            .send()
            .await
            .unwrap();
        pages.push(response.text().await.unwrap());
    }
    assert!(pages[0].contains("rule &lt;script&gt;alert(1)&lt;/script&gt;"));
    for page in &pages {
        for payload in PAYLOADS {
            assert!(!page.contains(payload), "unescaped {payload} in {page}");
        }
        // The only scripts are the console's own files.
        let scripts = page.matches("<script").count();
        assert_eq!(
            scripts,
            page.matches("<script src=\"/assets/").count(),
            "{page}"
        );
        assert!(!page.to_lowercase().contains("href=\"javascript:"));
    }
}

#[tokio::test]
async fn the_root_is_the_console_for_browsers_and_cluster_info_for_elastic_clients() {
    let f = Fixture::start_app().await;
    let plain = browser_with(Policy::none());
    let response = plain.get(format!("{}/", f.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/login");
    assert!(response.headers().contains_key(CONTENT_SECURITY_POLICY));

    let client = log_in_as(&f, "root", Role::Admin, None).await;
    let (status, page) = get(&f, &client, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<html lang=\"vi\">") && page.contains("href=\"/admin\""));

    // Elasticsearch clients keep their answer, with or without a cookie.
    for accept in ["application/json", "*/*"] {
        let response = client
            .get(format!("{}/", f.base))
            .header(ACCEPT, accept)
            .basic_auth("elastic", Some(&f.tokens.ingest_a))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["x-elastic-product"], "Elasticsearch");
        let info: serde_json::Value = response.json().await.unwrap();
        assert_eq!(info["tagline"], "You Know, for Search");
    }
    let response = reqwest::Client::new()
        .head(format!("{}/", f.base))
        .basic_auth("elastic", Some(&f.tokens.ingest_a))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}
