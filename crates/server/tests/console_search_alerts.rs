//! The analysts' console pages over HTTP, against the whole app on real SQLite and
//! tantivy: event search (tenancy, query errors, histogram, columns, event detail, CSV
//! export with formula defusing), the overview's charts and silent-collector warning, and
//! the alert queue (filters, live updates over server-sent events, bulk changes with
//! their audit records and tenancy, the alert's rule and triggering events). Hostile log
//! text must come out escaped on every one of them.

mod api_common;
mod console_common;

use std::time::Duration;

use api_common::Fixture;
use chrono::{TimeDelta, Utc};
use console_common::{csrf_of, get, log_in_as, post, PAYLOADS};
use reqwest::{Client, StatusCode};
use serde_json::json;
use vigil_store::db::{AlertLevel, AlertStatus, Role, Tenant};

/// Hostile text beyond [`PAYLOADS`]: attribute breaking and script URLs.
const MORE_PAYLOADS: &[&str] = &["\" onmouseover=\"alert(1)", "javascript:alert(1)"];

/// Asserts that nothing a log could carry became markup: no payload verbatim, no script
/// but the console's own files, no `javascript:` link.
fn assert_escaped(page: &str) {
    for payload in PAYLOADS.iter().chain(MORE_PAYLOADS.iter().take(1)) {
        assert!(!page.contains(payload), "unescaped {payload} in {page}");
    }
    let scripts = page.matches("<script").count();
    assert_eq!(
        scripts,
        page.matches("<script src=\"/assets/").count(),
        "{page}"
    );
    assert!(
        !page.to_lowercase().contains("href=\"javascript:"),
        "{page}"
    );
}

/// Stores an event of agency `a` (or `b`) a few minutes ago; answers its id.
fn recent_event(f: &Fixture, of_b: bool, minutes_ago: i64, fields: serde_json::Value) -> String {
    let agency = if of_b { &f.b } else { &f.a };
    let fields: Vec<(&str, serde_json::Value)> = fields
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let raw = format!("raw line {}", serde_json::to_string(&fields).unwrap());
    f.add_event(
        agency,
        Utc::now() - TimeDelta::minutes(minutes_ago),
        &fields,
        &raw,
    )
}

#[tokio::test]
async fn search_finds_only_the_viewers_agency_with_a_histogram_and_columns() {
    let f = Fixture::start_app().await;
    let mine = recent_event(
        &f,
        false,
        30,
        json!({ "host.name": "web01", "user.name": "alice", "EventID": 4625 }),
    );
    let theirs = recent_event(
        &f,
        true,
        30,
        json!({ "host.name": "db01", "user.name": "alice", "EventID": 4625 }),
    );
    let old = recent_event(
        &f,
        false,
        3 * 24 * 60,
        json!({ "host.name": "old01", "user.name": "alice" }),
    );

    let officer = log_in_as(&f, "officer", Role::AgencyOfficer, Some(&f.a)).await;
    let (status, page) = get(&f, &officer, "/search?q=user.name:alice").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("/search/event/{mine}")), "{page}");
    assert!(page.contains("web01") && page.contains("So Y te"));
    assert!(!page.contains(&theirs) && !page.contains("db01"), "{page}");
    // The default window is the last 24 hours; a wider one finds the old event.
    assert!(!page.contains("old01"));
    let (_, page) = get(&f, &officer, "/search?q=user.name:alice&range=7d").await;
    assert!(page.contains(&old) && page.contains("old01"));
    // Naming the other agency in the query finds nothing for an officer.
    let (_, page) = get(&f, &officer, &format!("/search?q=agency:{}", f.b.id)).await;
    assert!(!page.contains(&theirs), "{page}");
    let (status, _) = get(&f, &officer, &format!("/search/event/{theirs}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, page) = get(&f, &officer, &format!("/search/event/{mine}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("&quot;user.name&quot;: &quot;alice&quot;"),
        "{page}"
    );
    assert!(page.contains("raw line"));

    // An analyst sees both, with a histogram of the matches and the chosen columns.
    let analyst = log_in_as(&f, "analyst", Role::SocAnalyst, None).await;
    let (_, page) = get(
        &f,
        &analyst,
        "/search?q=EventID:4625&range=1h&columns=user.name,host,EventID",
    )
    .await;
    assert!(page.contains(&mine) && page.contains(&theirs), "{page}");
    assert!(page.contains("<svg class=\"chart columns\""), "{page}");
    assert!(page.contains("class=\"fill-events\""));
    assert!(
        page.contains("<th>user.name</th><th>Máy</th><th>EventID</th>"),
        "{page}"
    );

    // A query that does not parse says why, with 400.
    let (status, page) = get(&f, &analyst, "/search?q=(EventID:1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("query error at column"), "{page}");
    let (status, _) = get(&f, &analyst, "/search?from=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn csv_export_defuses_formulas_quotes_separators_and_keeps_tenancy() {
    let f = Fixture::start_app().await;
    recent_event(
        &f,
        false,
        5,
        json!({
            "host.name": "web01",
            "cmd": "=cmd|' /C calc'!A0",
            "note": "a, b\nc \"quoted\"",
        }),
    );
    recent_event(
        &f,
        true,
        5,
        json!({ "host.name": "db01", "cmd": "+theirs" }),
    );
    let officer = log_in_as(&f, "officer", Role::AgencyOfficer, Some(&f.a)).await;
    let response = officer
        .get(format!(
            "{}/search/export.csv?q=cmd:*&range=1h&columns=host,cmd,note",
            f.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let text = response.text().await.unwrap();
    assert_eq!(
        text,
        "\u{feff}Máy,cmd,note\nweb01,'=cmd|' /C calc'!A0,\"a, b\nc \"\"quoted\"\"\"\n"
    );
    assert!(!text.contains("theirs") && !text.contains("db01"));
}

#[tokio::test]
async fn hostile_event_fields_are_escaped_in_search_event_alert_and_csv() {
    let f = Fixture::start_app().await;
    let mut ids = Vec::new();
    for (i, payload) in PAYLOADS.iter().chain(MORE_PAYLOADS).enumerate() {
        let mut fields = json!({
            "host.name": format!("javascript:alert({i})"),
            "message": payload,
            "EventID": 4688,
        });
        fields[*payload] = json!("as a field name");
        ids.push(recent_event(&f, false, 10, fields));
    }
    let alert = f
        .add_alert(
            &f.a,
            "proc-powershell",
            AlertLevel::High,
            "javascript:alert(0)",
            &ids[0],
            Utc::now(),
        )
        .await;
    let analyst = log_in_as(&f, "analyst", Role::SocAnalyst, None).await;
    let (_, page) = get(
        &f,
        &analyst,
        "/search?q=EventID:4688&columns=time,host,message,summary,raw",
    )
    .await;
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert_escaped(&page);
    for id in &ids {
        let (status, page) = get(&f, &analyst, &format!("/search/event/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_escaped(&page);
    }
    let (_, page) = get(&f, &analyst, &format!("/alerts/{alert}")).await;
    assert!(
        page.contains(&format!("/search/event/{}", ids[0])),
        "{page}"
    );
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt; EventID=4688"),
        "{page}"
    );
    assert_escaped(&page);

    let csv = analyst
        .get(format!(
            "{}/search/export.csv?q=EventID:4688&columns=message,host",
            f.base
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv.lines().count(),
        1 + PAYLOADS.len() + MORE_PAYLOADS.len()
    );
    // Quoted where the CSV needs it: the attribute-breaking payload has quotes.
    assert!(csv.contains("\"\"\" onmouseover=\"\"alert(1)\""), "{csv}");
    assert!(csv.contains("<script>alert(1)</script>,javascript:alert(0)"));
}

#[tokio::test]
async fn the_overview_draws_charts_and_warns_of_silent_collectors() {
    let f = Fixture::start_app().await;
    let now = Utc::now();
    f.add_alert(
        &f.a,
        "proc-powershell",
        AlertLevel::High,
        "web01",
        "e1",
        now,
    )
    .await;
    f.add_alert(
        &f.a,
        "auth-bruteforce",
        AlertLevel::Medium,
        "web01",
        "e2",
        now,
    )
    .await;
    f.add_alert(&f.b, "web-scanner", AlertLevel::Low, "portal-b", "e3", now)
        .await;
    let analyst = log_in_as(&f, "analyst", Role::SocAnalyst, None).await;
    let (status, page) = get(&f, &analyst, "/").await;
    assert_eq!(status, StatusCode::OK);
    // Stacked columns of alerts by level, bars by agency, rule and host.
    assert!(page.contains("<svg class=\"chart columns\""), "{page}");
    assert!(page.contains("class=\"fill-high\"") && page.contains("class=\"fill-low\""));
    assert!(page.matches("<svg class=\"chart bars\"").count() >= 3);
    assert!(page.contains("title of proc-powershell") && page.contains("web01 · So Y te"));
    assert!(page.contains(&format!("href=\"/alerts?agency={}\"", f.a.id)));
    assert!(page.contains("portal · So Y te") && page.contains("href=\"/alerts?system=portal\""));
    let (_, filtered) = get(
        &f,
        &analyst,
        "/alerts?system=portal&agency=UBND%20xa%20Binh%20An",
    )
    .await;
    assert!(filtered.contains("portal-b") && !filtered.contains(">web01<"));
    // Agency A has an ingest token and has sent nothing: a warning, prominently.
    let warning = |page: &str| {
        page.find("class=\"warning\"")
            .map(|at| page[at..at + page[at..].find("</div>").unwrap()].to_owned())
    };
    let shown = warning(&page).expect("a silence warning");
    assert!(
        shown.contains("So Y te") && !shown.contains("Binh An"),
        "{shown}"
    );
    let (_, page) = get(&f, &analyst, "/?lang=en&span=24h&silence=15m").await;
    assert!(
        page.contains("Agencies that sent nothing for 15 minutes: "),
        "{page}"
    );

    // Once A sends, the warning goes and its rate shows.
    recent_event(&f, false, 1, json!({ "host.name": "web01" }));
    let (_, page) = get(&f, &analyst, "/").await;
    assert_eq!(warning(&page), None, "{page}");
    assert!(page.contains("syslog_udp"), "{page}");

    // An officer of B sees neither A's alerts nor its collector.
    let officer = log_in_as(&f, "officer-b", Role::AgencyOfficer, Some(&f.b)).await;
    let (_, page) = get(&f, &officer, "/").await;
    assert!(
        !page.contains("So Y te") && !page.contains("web01"),
        "{page}"
    );
    assert!(page.contains("portal-b"));
}

#[tokio::test]
async fn the_queue_filters_and_its_detail_shows_the_rule() {
    let f = Fixture::start_app().await;
    let now = Utc::now();
    let powershell = f
        .add_alert(
            &f.a,
            "proc-powershell",
            AlertLevel::High,
            "web01",
            "e1",
            now,
        )
        .await;
    let brute = f
        .add_alert(
            &f.a,
            "auth-bruteforce",
            AlertLevel::Medium,
            "web02",
            "e2",
            now,
        )
        .await;
    let analyst = log_in_as(&f, "analyst", Role::SocAnalyst, None).await;
    // Rows link to their alert (the newest id is also the live stream's cursor).
    let (powershell_row, brute_row) = (
        format!("href=\"/alerts/{powershell}\""),
        format!("href=\"/alerts/{brute}\""),
    );
    let (_, page) = get(&f, &analyst, "/alerts?rule=proc-powershell&status=open").await;
    assert!(
        page.contains(&powershell_row) && !page.contains(&brute_row),
        "{page}"
    );
    let (_, page) = get(&f, &analyst, "/alerts?host=web02").await;
    assert!(!page.contains(&powershell_row) && page.contains(&brute_row));
    let (status, _) = get(&f, &analyst, "/alerts?status=shut").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The live stream and the bulk form are there.
    let (_, page) = get(&f, &analyst, "/alerts").await;
    assert!(
        page.contains("data-stream=\"/alerts/stream?after="),
        "{page}"
    );
    assert!(page.contains("<script src=\"/assets/alerts.js?v="));
    assert!(page.contains("action=\"/alerts/bulk\""));
    let script = analyst
        .get(format!("{}/assets/alerts.js", f.base))
        .send()
        .await
        .unwrap();
    assert!(script.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert!(script.text().await.unwrap().contains("EventSource"));

    let (_, page) = get(&f, &analyst, &format!("/alerts/{powershell}")).await;
    assert!(
        page.contains("Suspicious PowerShell download (vi)"),
        "{page}"
    );
    assert!(page.contains("<code>execution</code>"), "{page}");
    let alert =
        f.db.get_alert(&powershell, &Tenant::All)
            .await
            .unwrap()
            .unwrap();
    let from = (alert.first_seen - TimeDelta::minutes(15)).to_rfc3339();
    let around = format!(
        "/search?q=host%3A%22web01%22&amp;from={}",
        from.replace(':', "%3A").replace('+', "%2B")
    );
    assert!(page.contains(&around), "{around} in {page}");
}

/// Opens the live stream as `client` (resuming after the alert `resume`, as a browser
/// that reconnects does), says so on `opened`, and gathers what it sends until `done`
/// says the text is complete, for at most ten seconds; answers the text.
async fn read_stream(
    f: &Fixture,
    client: &Client,
    resume: Option<&str>,
    opened: tokio::sync::oneshot::Sender<()>,
    done: impl Fn(&str) -> bool,
) -> String {
    let mut request = client
        .get(format!("{}/alerts/stream", f.base))
        .header("accept", "text/event-stream");
    if let Some(id) = resume {
        request = request.header("last-event-id", id);
    }
    let mut response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    opened.send(()).unwrap();
    let mut text = String::new();
    let gathering = async {
        while let Some(chunk) = response.chunk().await.unwrap() {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if done(&text) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), gathering).await;
    text
}

#[tokio::test]
async fn the_live_stream_sends_new_alerts_of_the_viewers_agency() {
    let f = Fixture::start_app().await;
    let now = Utc::now();
    let before = f
        .add_alert(&f.b, "web-scanner", AlertLevel::Low, "old", "e0", now)
        .await;
    let officer = log_in_as(&f, "officer-b", Role::AgencyOfficer, Some(&f.b)).await;
    let (opened, ready) = tokio::sync::oneshot::channel();
    let adding = async {
        ready.await.unwrap();
        let theirs = f
            .add_alert(
                &f.a,
                "proc-powershell",
                AlertLevel::High,
                "a-host",
                "e1",
                now,
            )
            .await;
        let mine = f
            .add_alert(
                &f.b,
                "proc-powershell",
                AlertLevel::High,
                "b-<host>",
                "e2",
                now,
            )
            .await;
        (theirs, mine)
    };
    let mine_sent = |text: &str| text.contains("b-&lt;host&gt;");
    let (text, (theirs, mine)) =
        tokio::join!(read_stream(&f, &officer, None, opened, mine_sent), adding);
    assert!(text.contains("event: alert"), "{text}");
    assert!(text.contains(&format!("id: {mine}")), "{text}");
    assert!(text.contains(&format!("href=\"/alerts/{mine}\"")), "{text}");
    assert!(text.contains("name=\"id\""), "officers may select: {text}");
    assert!(
        !text.contains(&theirs) && !text.contains("a-host"),
        "{text}"
    );
    assert!(!text.contains(&before), "only new alerts: {text}");
    assert!(!text.contains("b-<host>"));

    // A browser that reconnects with the last id it saw gets what came after it.
    let (opened, _ready) = tokio::sync::oneshot::channel();
    let text = read_stream(&f, &officer, Some(&before), opened, mine_sent).await;
    assert!(text.contains(&format!("id: {mine}")), "{text}");
    assert!(!text.contains(&format!("id: {before}")) && !text.contains(&theirs));
}

#[tokio::test]
async fn bulk_changes_each_alert_with_an_audit_record() {
    let f = Fixture::start_app().await;
    let now = Utc::now();
    let mut ids = Vec::new();
    for host in ["h1", "h2", "h3"] {
        ids.push(
            f.add_alert(&f.a, "auth-bruteforce", AlertLevel::Medium, host, "e", now)
                .await,
        );
    }
    let untouched = f
        .add_alert(&f.a, "auth-bruteforce", AlertLevel::Medium, "h4", "e", now)
        .await;
    let analyst = log_in_as(&f, "lan", Role::SocAnalyst, None).await;
    let (_, page) = get(&f, &analyst, "/alerts").await;
    let csrf = csrf_of(&page);
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("action", "close"),
        ("comment", "đóng hàng loạt"),
    ];
    form.extend(ids.iter().map(|id| ("id", id.as_str())));
    let (status, page) = post(&f, &analyst, "/alerts/bulk", &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Số cảnh báo đã thay đổi: 3"), "{page}");
    for id in &ids {
        let alert = f.db.get_alert(id, &Tenant::All).await.unwrap().unwrap();
        assert_eq!(alert.status, AlertStatus::Closed);
        let records =
            f.db.audit_list(Some(&format!("alert:{id}")), 10, 0)
                .await
                .unwrap();
        assert!(
            records
                .iter()
                .any(|r| r.action == "alert.update" && r.actor == "user:lan"),
            "{records:?}"
        );
        let comments = f.db.alert_comments(id, &Tenant::All).await.unwrap();
        assert_eq!(comments[0].body, "đóng hàng loạt");
    }
    let alert =
        f.db.get_alert(&untouched, &Tenant::All)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(alert.status, AlertStatus::New);

    // Closing again cannot happen: left unchanged and counted.
    let (_, page) = post(&f, &analyst, "/alerts/bulk", &form).await;
    assert!(page.contains("Số cảnh báo đã thay đổi: 0"), "{page}");
    // Without the session's token nothing changes.
    let forged = [("action", "acknowledge"), ("id", untouched.as_str())];
    let (status, _) = post(&f, &analyst, "/alerts/bulk", &forged).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Assigning is for those who may assign.
    let assign = [
        ("csrf", csrf.as_str()),
        ("action", "assign"),
        ("assignee", "minh"),
        ("id", untouched.as_str()),
    ];
    let (status, _) = post(&f, &analyst, "/alerts/bulk", &assign).await;
    assert_eq!(status, StatusCode::OK);
    let alert =
        f.db.get_alert(&untouched, &Tenant::All)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(alert.assignee.as_deref(), Some("minh"));
}

#[tokio::test]
async fn an_officer_cannot_bulk_close_another_agencys_alert() {
    let f = Fixture::start_app().await;
    let now = Utc::now();
    let own = f
        .add_alert(&f.a, "r1", AlertLevel::High, "a-host", "e1", now)
        .await;
    let other = f
        .add_alert(&f.b, "r1", AlertLevel::High, "b-host", "e2", now)
        .await;
    let officer = log_in_as(&f, "officer", Role::AgencyOfficer, Some(&f.a)).await;
    let (_, page) = get(&f, &officer, "/alerts").await;
    assert!(
        !page.contains("name=\"assignee\""),
        "officers do not assign"
    );
    let csrf = csrf_of(&page);
    let form = [
        ("csrf", csrf.as_str()),
        ("action", "close"),
        ("id", own.as_str()),
        ("id", other.as_str()),
    ];
    let (status, page) = post(&f, &officer, "/alerts/bulk", &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Số cảnh báo đã thay đổi: 1"), "{page}");
    let status_of = |id: String| {
        let db = f.db.clone();
        async move {
            db.get_alert(&id, &Tenant::All)
                .await
                .unwrap()
                .unwrap()
                .status
        }
    };
    assert_eq!(status_of(own.clone()).await, AlertStatus::Closed);
    assert_eq!(status_of(other.clone()).await, AlertStatus::New);
    let records =
        f.db.audit_list(Some(&format!("alert:{other}")), 10, 0)
            .await
            .unwrap();
    assert!(records.iter().all(|r| r.action != "alert.update"));
    // Nor may an officer assign, and a leader may not change anything.
    let assign = [
        ("csrf", csrf.as_str()),
        ("action", "assign"),
        ("id", own.as_str()),
    ];
    let (status, _) = post(&f, &officer, "/alerts/bulk", &assign).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let leader = log_in_as(&f, "leader", Role::Leader, None).await;
    let (_, page) = get(&f, &leader, "/alerts").await;
    assert!(!page.contains("action=\"/alerts/bulk\""));
    let form = [
        ("csrf", csrf_of(&page)),
        ("action", "close".into()),
        ("id", other.clone()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _) = post(&f, &leader, "/alerts/bulk", &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(other).await, AlertStatus::New);
}
