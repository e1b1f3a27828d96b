//! Shared helpers of the console tests: reqwest clients that keep cookies and ask for
//! HTML as a browser does, reading forms' CSRF tokens, and logging a new account in
//! through the console (one-time password change included).

// Each test binary uses a different part of the helpers.
#![allow(dead_code)]

use reqwest::header::ACCEPT;
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use vigil_store::db::{Agency, NewUser, Role};

use crate::api_common::Fixture;

/// The password each test user chooses for their one-time one.
pub const PASSWORD: &str = "một mật khẩu đủ dài";

/// Hostile text a sender could put in any log field.
pub const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "\"><svg/onload=alert(1)>",
];

/// A client that keeps cookies and asks for HTML, following redirects like a browser.
pub fn browser() -> Client {
    browser_with(Policy::limited(5))
}

pub fn browser_with(redirects: Policy) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(ACCEPT, "text/html,application/xhtml+xml".parse().unwrap());
    Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .redirect(redirects)
        .build()
        .unwrap()
}

/// The value of the form's hidden `csrf` field.
pub fn csrf_of(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    let end = start + page[start..].find('"').unwrap();
    page[start..end].to_owned()
}

pub async fn get(f: &Fixture, client: &Client, path: &str) -> (StatusCode, String) {
    let response = client
        .get(format!("{}{path}", f.base))
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Posts a form to `path`; answers the status and the page.
pub async fn post(
    f: &Fixture,
    client: &Client,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let response = client
        .post(format!("{}{path}", f.base))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Fills in and sends the login form.
pub async fn submit_login(f: &Fixture, client: &Client, login: &str, password: &str) -> Response {
    let (_, form) = get(f, client, "/login").await;
    client
        .post(format!("{}/login", f.base))
        .form(&[
            ("login", login),
            ("password", password),
            ("totp", ""),
            ("csrf", &csrf_of(&form)),
        ])
        .send()
        .await
        .unwrap()
}

/// Logs in with a one-time password, changes it to [`PASSWORD`] there, and answers the
/// logged-in client.
pub async fn first_login(f: &Fixture, login: &str, one_time_password: &str) -> Client {
    let client = browser();
    let response = submit_login(f, &client, login, one_time_password).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.url().path().ends_with("/account/password"));
    let page = response.text().await.unwrap();
    // Every console page leads to the change form until the password is changed.
    let (_, again) = get(f, &client, "/alerts").await;
    assert!(again.contains("name=\"new_password\""), "{again}");
    let response = client
        .post(format!("{}/account/password", f.base))
        .form(&[
            ("current_password", one_time_password),
            ("new_password", PASSWORD),
            ("repeat_password", PASSWORD),
            ("csrf", &csrf_of(&page)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.url().path(), "/");
    client
}

/// Makes an account, logs it in through the console and changes its one-time password
/// there; answers the logged-in client.
pub async fn log_in_as(f: &Fixture, login: &str, role: Role, agency: Option<&Agency>) -> Client {
    let created =
        f.db.create_user(
            &NewUser {
                login: login.into(),
                display_name: format!("{login} display"),
                role,
                agency_id: agency.map(|a| a.id.clone()),
            },
            "test",
        )
        .await
        .unwrap();
    first_login(f, login, &created.one_time_password).await
}
