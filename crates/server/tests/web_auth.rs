//! Console logins over HTTP, with reqwest clients that keep cookies like a browser: the
//! cookie's flags, the API accepting the session, CSRF on every cookie-authenticated
//! change, logout, one-time passwords, TOTP, lock-out and the per-address rate limit,
//! tenancy of agency officers, and user administration by role.

mod api_common;

use api_common::{at, texts, Fixture};
use reqwest::header::{CACHE_CONTROL, COOKIE, RETRY_AFTER, SET_COOKIE};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use totp_rs::{Algorithm, Secret, TOTP};
use vigil_server::web_auth::{WebAuthOptions, CSRF_HEADER};
use vigil_store::db::{Agency, AlertLevel, NewUser, Role};

/// The password every test user is given after their one-time one.
const PASSWORD: &str = "một mật khẩu đủ dài";

/// A fixture whose rate limit stays out of the way of tests about something else.
async fn fixture() -> Fixture {
    Fixture::start_with_web_auth(WebAuthOptions {
        login_attempts_per_minute: 1000,
        ..WebAuthOptions::default()
    })
    .await
}

/// A user with [`PASSWORD`] (the one-time password already changed).
async fn user(f: &Fixture, login: &str, role: Role, agency: Option<&Agency>) -> String {
    let created =
        f.db.create_user(
            &NewUser {
                login: login.into(),
                display_name: String::new(),
                role,
                agency_id: agency.map(|a| a.id.clone()),
            },
            "test",
        )
        .await
        .unwrap();
    assert!(f
        .db
        .change_password(&created.user.id, &created.one_time_password, PASSWORD)
        .await
        .unwrap());
    created.user.id
}

/// A client that keeps cookies, as a browser does.
fn browser() -> Client {
    Client::builder().cookie_store(true).build().unwrap()
}

/// Sends a request; answers the status and the body as JSON (`Null` when empty).
async fn send(
    f: &Fixture,
    client: &Client,
    method: Method,
    path: &str,
    csrf: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = client.request(method, format!("{}{path}", f.base));
    if let Some(csrf) = csrf {
        request = request.header(CSRF_HEADER, csrf);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, value)
}

/// Logs `client` in; answers the status and body.
async fn login(f: &Fixture, client: &Client, login: &str, password: &str) -> (StatusCode, Value) {
    let body = json!({ "login": login, "password": password });
    send(f, client, Method::POST, "/api/v1/session", None, Some(body)).await
}

/// Logs a browser in as `login` and answers it with the session's CSRF token.
async fn logged_in(f: &Fixture, login_name: &str) -> (Client, String) {
    let client = browser();
    let (status, body) = login(f, &client, login_name, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    (client, csrf)
}

#[tokio::test]
async fn a_session_cookie_works_like_a_token_with_csrf_on_changes() {
    let f = fixture().await;
    let created =
        f.db.create_user(
            &NewUser {
                login: "Lan".into(),
                display_name: "Nguyễn Thị Lan".into(),
                role: Role::SocAnalyst,
                agency_id: None,
            },
            "test",
        )
        .await
        .unwrap();
    let alert = f
        .add_alert(
            &f.a,
            "proc-powershell",
            AlertLevel::High,
            "web01",
            "e1",
            at("2026-03-02T08:00:00Z"),
        )
        .await;

    // The cookie's flags, seen on the raw answer.
    let raw = Client::new();
    let response = raw
        .post(format!("{}/api/v1/session", f.base))
        .json(&json!({ "login": "lan", "password": created.one_time_password }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("vigil_session="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.split("; ").any(|f| f == flag), "{flag} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["must_change_password"], true);
    assert_eq!(body["user"]["display_name"], "Nguyễn Thị Lan");
    assert!(body["user"].get("password_hash").is_none());

    // Behind a TLS proxy the cookie is Secure.
    let response = raw
        .post(format!("{}/api/v1/session", f.base))
        .header("X-Forwarded-Proto", "https")
        .json(&json!({ "login": "lan", "password": created.one_time_password }))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.ends_with("; Secure"), "{cookie}");

    // A one-time password only lets the session change it.
    let client = browser();
    let (status, body) = login(&f, &client, "lan", &created.one_time_password).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    let (status, body) = send(&f, &client, Method::GET, "/api/v1/alerts", None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = send(&f, &client, Method::GET, "/api/v1/session", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let totp = Some(json!({}));
    let (status, _) = send(
        &f,
        &client,
        Method::POST,
        "/api/v1/session/totp",
        Some(&csrf),
        totp,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let change = json!({ "current_password": created.one_time_password, "new_password": PASSWORD });
    let path = "/api/v1/session/password";
    let (status, body) = send(&f, &client, Method::POST, path, None, Some(change.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "missing or invalid CSRF token");
    let short = json!({ "current_password": created.one_time_password, "new_password": "short" });
    let (status, _) = send(&f, &client, Method::POST, path, Some(&csrf), Some(short)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = send(&f, &client, Method::POST, path, Some(&csrf), Some(change)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["must_change_password"], false);
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();

    // Reads work with the cookie alone.
    let (status, body) = send(&f, &client, Method::GET, "/api/v1/alerts", None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 1);
    let (status, body) = send(&f, &client, Method::GET, "/api/v1/session", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (body["user"]["login"].as_str(), body["csrf_token"].as_str()),
        (Some("lan"), Some(csrf.as_str()))
    );

    // Changes need the CSRF token: none and a wrong one are 403, the right one works.
    let path = format!("/api/v1/alerts/{alert}");
    let ack = json!({ "status": "acknowledged", "comment": "đang xem" });
    for token in [None, Some("forged")] {
        let (status, body) =
            send(&f, &client, Method::PATCH, &path, token, Some(ack.clone())).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{token:?}");
        assert_eq!(body["error"], "missing or invalid CSRF token");
    }
    let (status, body) = send(&f, &client, Method::PATCH, &path, Some(&csrf), Some(ack)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "acknowledged");
    let history =
        f.db.audit_list(Some(&format!("alert:{alert}")), 10, 0)
            .await
            .unwrap();
    assert_eq!(history[0].actor, "user:lan");

    // A bearer token wins over the cookie and needs no CSRF token.
    let response = client
        .patch(format!("{}{path}", f.base))
        .bearer_auth(&f.tokens.analyst)
        .json(&json!({ "comment": "qua token" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    // Logout needs the CSRF token too, then the old cookie is worthless.
    let (status, _) = send(&f, &client, Method::GET, "/api/v1/session", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(&f, &client, Method::DELETE, "/api/v1/session", None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let session_cookie = {
        // A second browser, its cookie handled by hand so it can be replayed.
        let response = raw
            .post(format!("{}/api/v1/session", f.base))
            .json(&json!({ "login": "lan", "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        let set = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        let csrf: Value = response.json().await.unwrap();
        (
            set.split(';').next().unwrap().to_owned(),
            csrf["csrf_token"].as_str().unwrap().to_owned(),
        )
    };
    let (cookie, cookie_csrf) = session_cookie;
    let with_cookie = |method: Method, path: &str| {
        raw.request(method, format!("{}{path}", f.base))
            .header(COOKIE, cookie.clone())
    };
    assert_eq!(
        with_cookie(Method::GET, "/api/v1/alerts")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let response = with_cookie(Method::DELETE, "/api/v1/session")
        .header(CSRF_HEADER, &cookie_csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cleared = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.starts_with("vigil_session=; Max-Age=0"),
        "{cleared}"
    );
    assert_eq!(
        with_cookie(Method::GET, "/api/v1/alerts")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    // The other browser's session is still alive.
    let (status, _) = send(&f, &client, Method::GET, "/api/v1/alerts", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<String> =
        f.db.audit_list(None, 100, 0)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect();
    assert!(actions.contains(&"user.logout".to_owned()));
    assert!(actions.contains(&"user.change_password".to_owned()));
}

#[tokio::test]
async fn officer_sessions_see_only_their_agency() {
    let f = fixture().await;
    user(&f, "officer.a", Role::AgencyOfficer, Some(&f.a)).await;
    let t = at("2026-03-02T08:00:00Z");
    let mine = f
        .add_alert(&f.a, "auth-bruteforce", AlertLevel::Medium, "mail", "e1", t)
        .await;
    let theirs = f
        .add_alert(&f.b, "auth-bruteforce", AlertLevel::Medium, "mail", "e2", t)
        .await;
    f.add_event(&f.a, t, &[("EventID", json!(4625))], "a");
    f.add_event(&f.b, t, &[("EventID", json!(4625))], "b");

    let (client, csrf) = logged_in(&f, "officer.a").await;
    let (status, body) = send(&f, &client, Method::GET, "/api/v1/alerts", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 1);
    assert_eq!(body["alerts"][0]["id"], mine.as_str());
    let (status, body) = send(&f, &client, Method::GET, "/api/v1/events", None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 1);
    let path = format!("/api/v1/alerts/{theirs}");
    let (status, _) = send(&f, &client, Method::GET, &path, None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let note = json!({ "comment": "của tôi?" });
    let (status, _) = send(
        &f,
        &client,
        Method::PATCH,
        &path,
        Some(&csrf),
        Some(note.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let path = format!("/api/v1/alerts/{mine}");
    let (status, _) = send(&f, &client, Method::PATCH, &path, Some(&csrf), Some(note)).await;
    assert_eq!(status, StatusCode::OK);
    // Officers administer nothing.
    let (status, _) = send(&f, &client, Method::GET, "/api/v1/users", None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn logins_are_rate_limited_per_address() {
    let f = Fixture::start().await;
    user(&f, "hoa", Role::Leader, None).await;
    let client = browser();
    for attempt in 0..10 {
        let (status, body) = login(&f, &client, "nobody", "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
        assert_eq!(body["error"], "wrong login, password or code");
    }
    // The eleventh attempt in the minute is refused, even with the right password.
    let response = client
        .post(format!("{}/api/v1/session", f.base))
        .json(&json!({ "login": "hoa", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(response.headers().get(SET_COOKIE).is_none());
}

#[tokio::test]
async fn failed_logins_lock_the_account() {
    let f = fixture().await;
    user(&f, "minh", Role::SocAnalyst, None).await;
    let client = browser();
    for _ in 0..4 {
        let (status, _) = login(&f, &client, "minh", "wrong password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = login(&f, &client, "minh", "wrong password").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "account locked");
    assert!(body["detail"]["locked_until"].is_string());
    let response = client
        .post(format!("{}/api/v1/session", f.base))
        .json(&json!({ "login": "minh", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let wait: u64 = response.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((800..=900).contains(&wait), "{wait}");

    // Disabled accounts are told so (only with the right password).
    let id = user(&f, "tuan", Role::Auditor, None).await;
    let (client, _) = logged_in(&f, "tuan").await;
    let disable = json!({ "disabled": true });
    let (status, _) = f
        .patch(&f.tokens.admin, &format!("/api/v1/users/{id}"), disable)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(&f, &client, Method::GET, "/api/v1/alerts", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "disabling ends sessions");
    let (status, body) = login(&f, &client, "tuan", PASSWORD).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("account disabled"))
    );
}

#[tokio::test]
async fn totp_enrolment_and_login_with_a_code() {
    let f = fixture().await;
    let id = user(&f, "lan", Role::SocAnalyst, None).await;
    let (client, csrf) = logged_in(&f, "lan").await;
    let path = "/api/v1/session/totp";
    let (status, body) = send(
        &f,
        &client,
        Method::POST,
        path,
        Some(&csrf),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let url = body["otpauth_url"].as_str().unwrap();
    assert!(url.starts_with("otpauth://totp/Vigil:lan?"), "{url}");
    let secret = body["secret"].as_str().unwrap().to_owned();
    let code = || {
        let bytes = Secret::Encoded(secret.clone()).to_bytes().unwrap();
        TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, "lan".into())
            .unwrap()
            .generate_current()
            .unwrap()
    };
    let (status, _) = send(
        &f,
        &client,
        Method::POST,
        path,
        None,
        Some(json!({ "code": code() })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let (status, body) = send(
        &f,
        &client,
        Method::POST,
        path,
        Some(&csrf),
        Some(json!({ "code": "12345x" })),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("wrong code"))
    );
    let (status, body) = send(
        &f,
        &client,
        Method::POST,
        path,
        Some(&csrf),
        Some(json!({ "code": code() })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["totp_enabled"], true);

    // From now on a login needs a code.
    let other = browser();
    let (status, body) = login(&f, &other, "lan", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["detail"]["totp_required"], true);
    // As if the confirming code were minutes old, so the current one is fresh.
    sqlx::query("UPDATE users SET totp_last_step = totp_last_step - 10 WHERE id = $1")
        .bind(&id)
        .execute(f.db.pool())
        .await
        .unwrap();
    let with_code = json!({ "login": "lan", "password": PASSWORD, "totp": code() });
    let (status, body) = send(
        &f,
        &other,
        Method::POST,
        "/api/v1/session",
        None,
        Some(with_code.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["totp_enabled"], true);
    // The same code does not work twice.
    let (status, _) = send(
        &f,
        &browser(),
        Method::POST,
        "/api/v1/session",
        None,
        Some(with_code),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn admins_manage_users_and_other_roles_cannot() {
    let f = fixture().await;
    user(&f, "boss", Role::Admin, None).await;
    user(&f, "leader", Role::Leader, None).await;

    // A leader, by session or by token, creates nobody.
    let new = json!({ "login": "officer.b", "role": "agency_officer", "agency": f.b.name });
    let (leader, leader_csrf) = logged_in(&f, "leader").await;
    let (status, _) = send(
        &f,
        &leader,
        Method::POST,
        "/api/v1/users",
        Some(&leader_csrf),
        Some(new.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = f.post(&f.tokens.leader, "/api/v1/users", new.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(&f, &leader, Method::GET, "/api/v1/users", None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The admin's session does, with its CSRF token; the answer is not cached.
    let (admin, csrf) = logged_in(&f, "boss").await;
    let response = admin
        .post(format!("{}/api/v1/users", f.base))
        .header(CSRF_HEADER, &csrf)
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
    let created: Value = response.json().await.unwrap();
    let one_time = created["one_time_password"].as_str().unwrap().to_owned();
    assert!(one_time.len() >= 16);
    let officer_id = created["user"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["user"]["agency_id"], f.b.id.as_str());
    assert_eq!(created["user"]["must_change_password"], true);
    let record = &f
        .db
        .audit_list(Some(&format!("user:{officer_id}")), 1, 0)
        .await
        .unwrap()[0];
    assert_eq!(
        (record.action.as_str(), record.actor.as_str()),
        ("user.create", "user:boss")
    );
    assert!(!record.after.as_deref().unwrap().contains(&one_time));

    // Invalid accounts are refused.
    let (status, _) = f
        .post(
            &f.tokens.admin,
            "/api/v1/users",
            json!({ "login": "x", "role": "agency_officer" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = f
        .post(
            &f.tokens.admin,
            "/api/v1/users",
            json!({ "login": "x", "role": "root" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = f.post(&f.tokens.admin, "/api/v1/users", new.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "duplicate login");

    // Admins and auditors list; nobody sees hashes.
    let (status, body) = f.get(&f.tokens.auditor, "/api/v1/users").await;
    assert_eq!(status, StatusCode::OK);
    let logins = texts(&body["users"], "login");
    assert_eq!(logins, ["boss", "leader", "officer.b"]);
    assert!(!body.to_string().contains("argon2"));
    let (status, _) = f
        .post(
            &f.tokens.auditor,
            "/api/v1/users",
            json!({ "login": "y", "role": "leader" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The new officer logs in with the one-time password, changes it, sees agency B.
    let officer = browser();
    let (status, body) = login(&f, &officer, "officer.b", &one_time).await;
    assert_eq!(status, StatusCode::OK);
    let officer_csrf = body["csrf_token"].as_str().unwrap().to_owned();
    let change = json!({ "current_password": one_time, "new_password": PASSWORD });
    let (status, _) = send(
        &f,
        &officer,
        Method::POST,
        "/api/v1/session/password",
        Some(&officer_csrf),
        Some(change),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = send(&f, &officer, Method::GET, "/api/v1/agencies", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["agencies"].as_array().unwrap().len(), 1, "{body}");

    // PATCH: move to agency A; a reset ends the session and gives a new one-time password.
    let path = format!("/api/v1/users/{officer_id}");
    let (status, body) = send(
        &f,
        &admin,
        Method::PATCH,
        &path,
        Some(&csrf),
        Some(json!({ "agency": f.a.name, "display_name": "Cán bộ A" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["agency_id"].as_str(), body["display_name"].as_str()),
        (Some(f.a.id.as_str()), Some("Cán bộ A"))
    );
    let (status, _) = send(
        &f,
        &admin,
        Method::PATCH,
        &path,
        Some(&csrf),
        Some(json!({ "agency": null })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "officers need an agency");
    let (status, _) = send(
        &f,
        &admin,
        Method::PATCH,
        "/api/v1/users/nope",
        Some(&csrf),
        Some(json!({ "disabled": true })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let reset = format!("{path}/reset-password");
    let (status, _) = send(&f, &admin, Method::POST, &reset, None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let (status, body) = send(&f, &admin, Method::POST, &reset, Some(&csrf), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fresh = body["one_time_password"].as_str().unwrap();
    assert_ne!(fresh, one_time);
    let (status, _) = send(&f, &officer, Method::GET, "/api/v1/agencies", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a reset ends sessions");
    let (status, body) = login(&f, &browser(), "officer.b", fresh).await;
    assert_eq!(
        (status, body["must_change_password"].as_bool()),
        (StatusCode::OK, Some(true))
    );
}
