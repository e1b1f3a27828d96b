//! The console in a real browser: headless Chromium (Debian's `chromium`) driven over
//! WebDriver (`chromedriver`, through `fantoccini`) against a `vigil serve` child process.
//!
//! Every role logs in with its one-time password, is made to change it, and then sees what
//! it may and is refused what it may not; an analyst acknowledges an alert and runs a
//! search; everyone reads the register, an agency officer only their own agency's systems;
//! events whose fields carry XSS payloads (and a system registered under such a name)
//! show as text on every page, and nothing of them becomes markup or runs. Screenshots of the main pages are saved under
//! `target/tmp/browser-screenshots/` as test artefacts.
//!
//! Without Chromium and ChromeDriver the test prints `skipped: chromium not found`;
//! `.ci/run` installs both.

mod common;

use common::encoded_powershell;
use common::server::{admin, free_port, Server};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const AGENCY_A: &str = "Sở Y tế";
const AGENCY_B: &str = "Sở Tài chính";
const NEW_PASSWORD: &str = "Mật-khẩu-mới-2026!";
const SYSTEM_A: &str = "Cổng thông tin Sở Y tế";
/// A registered name is text someone typed: it must stay text too.
const SYSTEM_B: &str = "Hệ thống kế toán <img src=x onerror=window.__xss=5>";

/// Field values that would run script if a page put them into its markup unescaped.
const PAYLOAD_HOST: &str = r#"SYT-PC01"><img src=x onerror="window.__xss=1">"#;
const PAYLOAD_SCRIPT: &str = "<script>window.__xss=2</script>";
const PAYLOAD_SVG: &str = r#"<svg onload="window.__xss=3"></svg>"#;
const PAYLOAD_URL: &str = "javascript:window.__xss=4";

/// Counts what an unescaped payload would have added to a page, and whether any ran.
const INJECTION_PROBE: &str = r#"
    const injected = document.querySelectorAll(
        'img[src="x"], img[onerror], svg[onload], a[href^="javascript:"]').length
        + [...document.scripts].filter(s => !s.src).length;
    return { injected, ran: window.__xss !== undefined };
"#;

/// A ChromeDriver process on a free port.
struct Driver {
    process: Child,
    port: u16,
}

impl Driver {
    fn start() -> Option<Driver> {
        if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
            return None;
        }
        let port = free_port();
        let process = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(Driver { process, port })
    }

    /// A new browser (its own profile, so no cookies carry over).
    async fn browser(&self) -> Client {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1366,900", "--lang=vi"],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a Chromium session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Where screenshots go (kept after the test for people and CI to look at).
fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(browser: &Client, name: &str) {
    let png = browser.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).unwrap();
}

/// The page's visible text.
async fn text(browser: &Client) -> String {
    browser
        .find(Locator::Css("body"))
        .await
        .expect("a body")
        .text()
        .await
        .expect("body text")
}

/// Opens `path` and checks that nothing an event carried became markup or ran there.
async fn visit_safely(browser: &Client, base: &str, path: &str) -> String {
    browser.goto(&format!("{base}{path}")).await.expect(path);
    let probe = browser
        .execute(INJECTION_PROBE, vec![])
        .await
        .expect("probe");
    assert_eq!(probe["injected"], 0, "{path}: injected markup");
    assert_eq!(probe["ran"], false, "{path}: a payload ran");
    assert!(
        browser.get_alert_text().await.is_err(),
        "{path}: a dialog opened"
    );
    text(browser).await
}

/// Waits for the browser to arrive at `path` after a form was sent (the submit returns
/// before the next page has loaded), and fails with what the page says otherwise.
async fn arrive_at(browser: &Client, path: &str, context: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = browser.current_url().await.unwrap();
        let ready = browser
            .execute("return document.readyState", vec![])
            .await
            .unwrap();
        if url.path() == path && ready == "complete" {
            return;
        }
        if Instant::now() > deadline {
            panic!(
                "{context}: at {} instead of {path}: {}",
                url.path(),
                text(browser).await
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The `lang` of the page's `<html>`.
async fn page_language(browser: &Client) -> Option<String> {
    let html = browser.find(Locator::Css("html")).await.unwrap();
    html.attr("lang").await.unwrap()
}

/// Logs in with a one-time password, changes it as the console demands, and lands on the
/// overview.
async fn log_in(browser: &Client, base: &str, login: &str, password: &str) {
    browser.goto(&format!("{base}/login")).await.unwrap();
    let lang = page_language(browser).await;
    assert_eq!(lang.as_deref(), Some("vi"), "the login page is Vietnamese");
    let form = browser
        .form(Locator::Css("form[action='/login']"))
        .await
        .unwrap();
    form.set_by_name("login", login).await.unwrap();
    form.set_by_name("password", password).await.unwrap();
    form.submit().await.unwrap();
    arrive_at(
        browser,
        "/account/password",
        &format!("{login}: one-time password"),
    )
    .await;
    let form = browser
        .form(Locator::Css("form[action='/account/password']"))
        .await
        .unwrap();
    form.set_by_name("current_password", password)
        .await
        .unwrap();
    form.set_by_name("new_password", NEW_PASSWORD)
        .await
        .unwrap();
    form.set_by_name("repeat_password", NEW_PASSWORD)
        .await
        .unwrap();
    form.submit().await.unwrap();
    arrive_at(browser, "/", &format!("{login}: after the password change")).await;
}

/// The encoded-PowerShell process creation of the end-to-end tests, with payloads in the
/// fields the console shows.
fn attack_event(host: &str) -> Value {
    let mut event = encoded_powershell(host);
    let command = format!(
        "{} {PAYLOAD_SCRIPT}",
        event["CommandLine"].as_str().unwrap()
    );
    event["CommandLine"] = command.into();
    event["ParentImage"] = PAYLOAD_URL.into();
    event["User"] = PAYLOAD_SVG.into();
    event
}

fn ingest(server: &Server, token: &str, event: &Value) {
    let response = server
        .client
        .post(server.url("/api/v1/ingest"))
        .bearer_auth(token)
        .body(format!("{event}\n"))
        .send()
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
}

/// The alert raised for `host`.
fn alert_on(server: &Server, token: &str, host: &str) -> Value {
    let answer = server.wait_for("/api/v1/alerts?limit=100", token, 60, |v| {
        v["alerts"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x["host"] == host))
    });
    answer["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["host"] == host)
        .cloned()
        .unwrap()
}

#[test]
fn console_in_a_real_browser() {
    let Some(driver) = Driver::start() else {
        println!("skipped: chromium not found ({CHROMIUM}, {CHROMEDRIVER})");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    for agency in [AGENCY_A, AGENCY_B] {
        admin(data, &["agency", "add", agency]);
    }
    let ingest_a = admin(
        data,
        &["token", "create", "--agency", AGENCY_A, "--scope", "ingest"],
    );
    let ingest_b = admin(
        data,
        &["token", "create", "--agency", AGENCY_B, "--scope", "ingest"],
    );
    let api = admin(
        data,
        &["token", "create", "--scope", "api", "--role", "soc_analyst"],
    );
    let users: Vec<(&str, String)> = [
        ("quantri", vec!["--role", "admin"]),
        ("phantich", vec!["--role", "soc_analyst"]),
        ("lanhdao", vec!["--role", "leader"]),
        (
            "canbo",
            vec!["--role", "agency_officer", "--agency", AGENCY_A],
        ),
        ("kiemtoan", vec!["--role", "auditor"]),
    ]
    .into_iter()
    .map(|(login, role)| {
        let mut args = vec!["user", "add", login];
        args.extend(role);
        (login, admin(data, &args))
    })
    .collect();

    let register = data.join("he-thong.csv");
    std::fs::write(
        &register,
        format!(
            "agency,system_name,level,dossier_status,addresses,components\n\
             {AGENCY_A},{SYSTEM_A},3,submitted,10.20.0.0/24;syt.example.gov.vn,nginx@1.24.0\n\
             {AGENCY_B},{SYSTEM_B},2,draft,10.30.0.5,postgresql@15.4\n"
        ),
    )
    .unwrap();
    admin(data, &["register", "import", register.to_str().unwrap()]);

    let server = Server::start(data, &[]);
    let base = server.url("");
    let base = base.as_str();
    let host_b = "STC-PC02";
    ingest(&server, &ingest_a, &attack_event(PAYLOAD_HOST));
    ingest(&server, &ingest_b, &attack_event(host_b));
    let alert_a = alert_on(&server, &api, PAYLOAD_HOST);
    let alert_b = alert_on(&server, &api, host_b);
    let (id_a, id_b) = (
        alert_a["id"].as_str().unwrap(),
        alert_b["id"].as_str().unwrap(),
    );

    let systems = server.get_json("/api/v1/systems", &api);
    let system_id = |name: &str| {
        systems["systems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("{name} not in {systems}"))["id"]
            .to_string()
            .trim_matches('"')
            .to_owned()
    };
    let scene = Scene {
        base,
        users: &users,
        alert_a: id_a,
        alert_b: id_b,
        host_b,
        system_a: system_id(SYSTEM_A),
        system_b: system_id(SYSTEM_B),
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(every_role(&driver, &scene));
    let now = server.get_json(&format!("/api/v1/alerts/{id_a}"), &api);
    assert_eq!(now["status"], "acknowledged", "{now}");
}

/// What the test set up, for the browser to check against.
struct Scene<'a> {
    base: &'a str,
    users: &'a [(&'a str, String)],
    alert_a: &'a str,
    alert_b: &'a str,
    host_b: &'a str,
    system_a: String,
    system_b: String,
}

/// The register: everyone reads it, an agency officer only their own agency's systems.
async fn register_pages(browser: &Client, scene: &Scene<'_>, login: &str) {
    let base = scene.base;
    let list = visit_safely(browser, base, "/register").await;
    screenshot(browser, &format!("{login}-register")).await;
    assert!(list.contains(SYSTEM_A), "{login}: {list}");
    let officer = login == "canbo";
    assert_eq!(
        list.contains("Hệ thống kế toán"),
        !officer,
        "{login}: register"
    );
    let own = visit_safely(
        browser,
        base,
        &format!("/register/systems/{}", scene.system_a),
    )
    .await;
    assert!(
        own.contains("nginx") && own.contains("10.20.0.0/24"),
        "{own}"
    );
    let other = visit_safely(
        browser,
        base,
        &format!("/register/systems/{}", scene.system_b),
    )
    .await;
    assert_eq!(
        other.contains("Không tìm thấy"),
        officer,
        "{login}: {other}"
    );
    visit_safely(browser, base, "/register/dashboard").await;
    assert!(
        browser.find(Locator::Css("svg")).await.is_ok(),
        "dashboard charts"
    );
    screenshot(browser, &format!("{login}-register-dashboard")).await;
}

/// Each role logs in and visits every main page: what it sees, what it is refused,
/// screenshots, and no payload anywhere turned into markup. The analyst also works an
/// alert and searches (one login per user: the console allows ten attempts a minute).
async fn every_role(driver: &Driver, scene: &Scene<'_>) {
    let Scene {
        base,
        alert_a: id_a,
        alert_b: id_b,
        host_b,
        ..
    } = *scene;
    for (login, password) in scene.users {
        let browser = driver.browser().await;
        log_in(&browser, base, login, password).await;
        let overview = visit_safely(&browser, base, "/").await;
        assert!(!overview.is_empty());
        screenshot(&browser, &format!("{login}-overview")).await;

        let queue = visit_safely(&browser, base, "/alerts").await;
        screenshot(&browser, &format!("{login}-alerts")).await;
        assert!(
            queue.contains(PAYLOAD_HOST),
            "{login}: the host shows as text"
        );
        let sees_b = queue.contains(host_b);
        let b_detail = visit_safely(&browser, base, &format!("/alerts/{id_b}")).await;
        if *login == "canbo" {
            assert!(!sees_b, "an agency officer sees another agency's alert");
            assert!(b_detail.contains("Không tìm thấy"), "{b_detail}");
        } else {
            assert!(sees_b, "{login} sees every agency");
            assert!(b_detail.contains(host_b));
        }

        let detail = visit_safely(&browser, base, &format!("/alerts/{id_a}")).await;
        screenshot(&browser, &format!("{login}-alert-detail")).await;
        assert!(detail.contains(PAYLOAD_HOST));
        let can_work = browser.find(Locator::Css("select#status")).await.is_ok();
        assert_eq!(
            can_work,
            matches!(*login, "quantri" | "phantich" | "canbo"),
            "{login}: the status form"
        );

        let search = visit_safely(&browser, base, "/search?q=EventID%3A1&range=24h").await;
        screenshot(&browser, &format!("{login}-search")).await;
        assert!(search.contains("SYT-PC01"), "{login}: search");
        assert_eq!(
            search.contains(host_b),
            *login != "canbo",
            "{login}: search"
        );

        let rules = visit_safely(&browser, base, "/rules").await;
        assert!(!rules.is_empty());
        screenshot(&browser, &format!("{login}-rules")).await;

        let admin_page = visit_safely(&browser, base, "/admin").await;
        assert_eq!(
            admin_page.contains("Không tìm thấy"),
            *login != "quantri",
            "{login}: administration"
        );
        if *login == "quantri" {
            screenshot(&browser, "admin-administration").await;
        }
        let audit = visit_safely(&browser, base, "/audit").await;
        let audit_allowed = matches!(*login, "quantri" | "kiemtoan");
        assert_eq!(
            !audit.contains("Không tìm thấy"),
            audit_allowed,
            "{login}: audit"
        );
        if audit_allowed {
            screenshot(&browser, &format!("{login}-audit")).await;
        }
        register_pages(&browser, scene, login).await;
        if *login == "phantich" {
            analyst_works_an_alert(&browser, base, id_a, host_b).await;
        }
        browser.close().await.unwrap();
    }
}

/// The analyst, switching to English, acknowledges agency A's alert through the form and
/// runs a search typed into the search form.
async fn analyst_works_an_alert(browser: &Client, base: &str, id_a: &str, host_b: &str) {
    browser.goto(&format!("{base}/?lang=en")).await.unwrap();
    browser.goto(&format!("{base}/alerts")).await.unwrap();
    let lang = page_language(browser).await;
    assert_eq!(lang.as_deref(), Some("en"), "?lang=en is remembered");
    browser
        .goto(&format!("{base}/alerts/{id_a}"))
        .await
        .unwrap();
    let form = browser
        .form(Locator::Css(&format!("form[action='/alerts/{id_a}']")))
        .await
        .unwrap();
    form.set_by_name("status", "acknowledged").await.unwrap();
    form.set_by_name("comment", "Đã tiếp nhận, đang xác minh máy SYT-PC01")
        .await
        .unwrap();
    form.submit().await.unwrap();
    arrive_at(browser, &format!("/alerts/{id_a}"), "the status form").await;
    let page = visit_safely(browser, base, &format!("/alerts/{id_a}")).await;
    assert!(page.contains("Đã tiếp nhận, đang xác minh máy SYT-PC01"));

    // A search typed into the form: results, a histogram, and an event page with the raw
    // text, all inert.
    browser.goto(&format!("{base}/search")).await.unwrap();
    let form = browser.form(Locator::Css("form.search")).await.unwrap();
    form.set_by_name("q", "powershell").await.unwrap();
    form.submit().await.unwrap();
    arrive_at(browser, "/search", "the search form").await;
    let url = browser.current_url().await.unwrap();
    let path = format!("/search?{}", url.query().unwrap_or_default());
    let results = visit_safely(browser, base, &path).await;
    assert!(results.contains(host_b), "{results}");
    assert!(
        browser.find(Locator::Css("svg")).await.is_ok(),
        "a histogram"
    );
    let event_link = browser
        .find(Locator::Css("a[href^='/search/event/']"))
        .await
        .expect("a link to an event")
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let event = visit_safely(browser, base, &event_link).await;
    screenshot(browser, "phantich-event").await;
    assert!(event.contains("powershell.exe"), "{event}");
}
