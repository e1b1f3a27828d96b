//! Administration, the audit log and the account page of the console, against the whole
//! app on real SQLite: admins only (404 for other roles), accounts created with a
//! one-time password shown once that then logs in, role changes, disabling and resets;
//! tokens shown once and dead once revoked; notification settings checked; every change
//! in the audit log, whose verification notices a tampered row; TOTP enrolment refused
//! with a wrong code and enabled with the right one; hostile names escaped.

mod api_common;
mod console_common;

use api_common::Fixture;
use console_common::{browser, csrf_of, first_login, get, log_in_as, post, submit_login, PAYLOADS};
use reqwest::{Client, StatusCode};
use totp_rs::{Algorithm, Secret, TOTP};
use vigil_store::db::{AlertLevel, LoginOutcome, Role, Tenant};

/// The text of the first `<code class="secret">` of a page (a one-time password, token
/// or TOTP secret shown once).
fn secret_of(page: &str) -> String {
    let start = page.find("<code class=\"secret\">").expect("a secret") + 21;
    let end = start + page[start..].find("</code>").unwrap();
    page[start..end].to_owned()
}

/// An admin logged in, and a CSRF token of theirs.
async fn admin(f: &Fixture) -> (Client, String) {
    let client = log_in_as(f, "root", Role::Admin, None).await;
    let (status, page) = get(f, &client, "/admin").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_of(&page);
    (client, csrf)
}

#[tokio::test]
async fn administration_is_for_admins_only() {
    let f = Fixture::start_app().await;
    for (login, role, agency) in [
        ("lan", Role::SocAnalyst, None),
        ("kiem", Role::Auditor, None),
        ("officer", Role::AgencyOfficer, Some(&f.a)),
    ] {
        let client = log_in_as(&f, login, role, agency).await;
        let (status, _) = get(&f, &client, "/admin").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{login}");
        let (_, home) = get(&f, &client, "/").await;
        assert!(!home.contains("href=\"/admin\""), "{home}");
        let token = csrf_of(&home);
        let form = [
            ("csrf", token.as_str()),
            ("login", "intruder"),
            ("role", "admin"),
        ];
        let (status, _) = post(&f, &client, "/admin/users", &form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{login}");
    }
    assert!(f.db.user_by_login("intruder").await.unwrap().is_none());
}

#[tokio::test]
async fn an_admin_creates_a_user_whose_one_time_password_logs_in() {
    let f = Fixture::start_app().await;
    let (root, csrf) = admin(&f).await;
    let form = [
        ("login", "Tuan"),
        ("display_name", PAYLOADS[0]),
        ("role", "agency_officer"),
        ("agency", f.a.id.as_str()),
    ];
    let (status, _) = post(&f, &root, "/admin/users", &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let mut with_csrf = form.to_vec();
    with_csrf.push(("csrf", &csrf));
    let (status, page) = post(&f, &root, "/admin/users", &with_csrf).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let shown = secret_of(&page);
    let (login, password) = shown.split_once(" · ").unwrap();
    assert_eq!(login, "tuan");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains(PAYLOADS[0]));
    // Shown once: the next view of the page does not show it.
    let (_, again) = get(&f, &root, "/admin").await;
    assert!(!again.contains(password));

    let tuan = first_login(&f, login, password).await;
    let (_, page) = get(&f, &tuan, "/").await;
    assert!(
        page.contains("So Y te") || page.contains("Tổng quan"),
        "{page}"
    );

    // A second account with the same login is refused with the reason.
    let (status, page) = post(&f, &root, "/admin/users", &with_csrf).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("exists"), "{page}");
    // An agency officer needs an agency.
    let homeless = [
        ("csrf", csrf.as_str()),
        ("login", "x"),
        ("role", "agency_officer"),
    ];
    let (status, _) = post(&f, &root, "/admin/users", &homeless).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Role change, disabling (which ends the sessions) and a password reset.
    let id = f.db.user_by_login("tuan").await.unwrap().unwrap().id;
    let path = format!("/admin/users/{id}");
    let change = [
        ("csrf", csrf.as_str()),
        ("action", "role"),
        ("role", "leader"),
        ("agency", ""),
    ];
    let (status, _) = post(&f, &root, &path, &change).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(f.db.user(&id).await.unwrap().unwrap().role, Role::Leader);
    let (status, _) = post(&f, &root, &path, &[("csrf", &csrf), ("action", "disable")]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = get(&f, &tuan, "/alerts").await;
    assert!(page.contains("name=\"password\""), "logged out: {page}");
    let response = submit_login(&f, &browser(), "tuan", console_common::PASSWORD).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    post(&f, &root, &path, &[("csrf", &csrf), ("action", "enable")]).await;
    let (status, page) = post(&f, &root, &path, &[("csrf", &csrf), ("action", "reset")]).await;
    assert_eq!(status, StatusCode::OK);
    let reset = secret_of(&page);
    first_login(&f, "tuan", &reset).await;

    let actions: Vec<String> =
        f.db.audit_list(Some(&format!("user:{id}")), 100, 0)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.actor == "user:root")
            .map(|r| r.action)
            .collect();
    assert_eq!(
        actions,
        [
            "user.reset_password",
            "user.update",
            "user.update",
            "user.update",
            "user.create"
        ]
    );
}

#[tokio::test]
async fn tokens_are_shown_once_and_die_when_revoked() {
    let f = Fixture::start_app().await;
    let (root, csrf) = admin(&f).await;
    let form = [
        ("csrf", csrf.as_str()),
        ("scope", "api"),
        ("role", "soc_analyst"),
        ("agency", ""),
    ];
    let (status, page) = post(&f, &root, "/admin/tokens", &form).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let token = secret_of(&page);
    assert!(token.starts_with("vga_"));
    let (status, _) = f.get(&token, "/api/v1/alerts").await;
    assert_eq!(status, StatusCode::OK);

    let id = token.split('_').nth(1).unwrap();
    let (_, page) = get(&f, &root, "/admin").await;
    assert!(page.contains(id) && !page.contains(&token));
    let revoke = format!("/admin/tokens/{id}/revoke");
    let (status, _) = post(&f, &root, &revoke, &[("csrf", "forged")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, page) = post(&f, &root, &revoke, &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (status, _) = f.get(&token, "/api/v1/alerts").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = post(&f, &root, "/admin/tokens/nope/revoke", &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // An ingest token without an agency is refused with the reason.
    let form = [
        ("csrf", csrf.as_str()),
        ("scope", "ingest"),
        ("role", ""),
        ("agency", ""),
    ];
    let (status, page) = post(&f, &root, "/admin/tokens", &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("needs an agency"), "{page}");
}

#[tokio::test]
async fn notification_settings_are_checked_before_they_are_kept() {
    let f = Fixture::start_app().await;
    let (root, csrf) = admin(&f).await;
    let path = format!("/admin/notifications/{}", f.a.id);
    let refused = [
        ("ftp://files.soyte.local/alerts", "soc@soyte.gov.vn"),
        ("javascript:alert(1)", "soc@soyte.gov.vn"),
        ("https://chat.soc.local/hook", "not-an-address"),
        ("https://chat.soc.local/hook", "soc@soyte.gov.vn <b>"),
    ];
    for (webhook, email) in refused {
        let form = [
            ("csrf", csrf.as_str()),
            ("emails", email),
            ("webhooks", webhook),
            ("min_level", "high"),
        ];
        let (status, page) = post(&f, &root, &path, &form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{webhook} {email}");
        assert!(page.contains("Không thực hiện được thay đổi"), "{page}");
    }
    let stored = f.db.notification_settings(&f.a.id).await.unwrap();
    assert!(stored.webhooks.is_empty() && stored.emails.is_empty());

    let form = [
        ("csrf", csrf.as_str()),
        ("emails", "SOC@soyte.gov.vn\r\nit@soyte.gov.vn, "),
        ("webhooks", "https://chat.soc.local/hook?room=1"),
        ("min_level", "medium"),
    ];
    let (status, page) = post(&f, &root, &path, &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("it@soyte.gov.vn") && page.contains("https://chat.soc.local/hook?room=1")
    );
    let stored = f.db.notification_settings(&f.a.id).await.unwrap();
    assert_eq!(stored.emails, ["soc@soyte.gov.vn", "it@soyte.gov.vn"]);
    assert_eq!(stored.min_level, AlertLevel::Medium);
    assert_eq!(stored.updated_by.as_deref(), Some("user:root"));
}

#[tokio::test]
async fn the_audit_log_lists_changes_and_its_check_notices_tampering() {
    let f = Fixture::start_app().await;
    let (root, csrf) = admin(&f).await;
    let form = [
        ("csrf", csrf.as_str()),
        ("name", PAYLOADS[3]),
        ("parent_id", ""),
    ];
    let (status, page) = post(&f, &root, "/admin/agencies", &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains(PAYLOADS[3]));

    let (status, page) = get(&f, &root, "/audit?actor=user:root&lang=en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("agency.create") && !page.contains("user.create"),
        "{page}"
    );
    // The state after the change, escaped.
    assert!(
        page.contains("&quot;&gt;&lt;svg/onload=alert(1)&gt;"),
        "{page}"
    );
    let (_, page) = get(&f, &root, "/audit?action=user.&lang=en").await;
    assert!(page.contains("user.create") && !page.contains("agency.create"));
    let (status, _) = get(&f, &root, "/audit?from=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (_, page) = get(&f, &root, "/audit/verify?lang=vi").await;
    let total = f.db.audit_list(None, 10_000, 0).await.unwrap().len();
    assert!(
        page.contains(&format!("Chuỗi nhật ký toàn vẹn ({total} bản ghi)")),
        "{page}"
    );
    sqlx::query("UPDATE audit_log SET actor = 'someone else' WHERE id = 2")
        .execute(f.db.pool())
        .await
        .unwrap();
    let (_, page) = get(&f, &root, "/audit/verify?lang=en").await;
    assert!(page.contains("The chain breaks at record #2"), "{page}");

    // Auditors read it too; analysts do not.
    let auditor = log_in_as(&f, "kiem", Role::Auditor, None).await;
    let (status, page) = get(&f, &auditor, "/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("href=\"/audit\"") && !page.contains("href=\"/admin\""));
    let analyst = log_in_as(&f, "lan", Role::SocAnalyst, None).await;
    let (status, _) = get(&f, &analyst, "/audit").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&f, &analyst, "/audit/verify").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The current code of a base32 TOTP secret, as an authenticator app shows it.
fn code_now(secret: &str) -> String {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, "x".into())
        .unwrap()
        .generate_current()
        .unwrap()
}

#[tokio::test]
async fn totp_enrolment_needs_the_right_code() {
    let f = Fixture::start_app().await;
    let lan = log_in_as(&f, "lan", Role::SocAnalyst, None).await;
    let (status, page) = get(&f, &lan, "/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("href=\"/account/password\"") && page.contains("Xác thực hai lớp đang tắt")
    );
    let csrf = csrf_of(&page);

    let (status, _) = post(&f, &lan, "/account/totp", &[("step", "begin")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, page) = post(
        &f,
        &lan,
        "/account/totp",
        &[("csrf", &csrf), ("step", "begin")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let secret = secret_of(&page);
    assert!(page.contains("src=\"data:image/svg+xml;base64,"), "{page}");
    assert!(page.contains(&format!("otpauth://totp/Vigil:lan?secret={secret}")));

    let code = code_now(&secret);
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let form = [
        ("csrf", csrf.as_str()),
        ("step", "confirm"),
        ("code", wrong),
    ];
    let (status, page) = post(&f, &lan, "/account/totp", &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("Mã xác thực không đúng"), "{page}");
    let id = f.db.user_by_login("lan").await.unwrap().unwrap().id;
    assert!(!f.db.user(&id).await.unwrap().unwrap().totp_enabled);

    let form = [
        ("csrf", csrf.as_str()),
        ("step", "confirm"),
        ("code", code.as_str()),
    ];
    let (status, page) = post(&f, &lan, "/account/totp", &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Đã bật xác thực hai lớp"), "{page}");
    assert!(f.db.user(&id).await.unwrap().unwrap().totp_enabled);
    let login =
        f.db.verify_login("lan", console_common::PASSWORD, None, None)
            .await
            .unwrap();
    assert_eq!(login, LoginOutcome::NeedsTotp);

    // Turning it off takes the password.
    let form = [
        ("csrf", csrf.as_str()),
        ("step", "disable"),
        ("password", "wrong"),
    ];
    let (status, _) = post(&f, &lan, "/account/totp", &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(f.db.user(&id).await.unwrap().unwrap().totp_enabled);
    let form = [
        ("csrf", csrf.as_str()),
        ("step", "disable"),
        ("password", console_common::PASSWORD),
    ];
    let (status, page) = post(&f, &lan, "/account/totp", &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Đã tắt xác thực hai lớp"), "{page}");
    assert!(!f.db.user(&id).await.unwrap().unwrap().totp_enabled);
    let _ = Tenant::All;
}
