//! The rule pages of the console, against the whole app on real SQLite and tantivy:
//! the list with alert counts and filters, enabling and disabling through the form (seen
//! by the API and audited), CSRF and role refusals, exceptions validated as the pipeline
//! compiles them, a backtest that runs the live rule over stored events within the
//! viewer's tenant, and escaping of hostile rule text.

mod api_common;
mod console_common;

use std::collections::HashMap;
use std::sync::Arc;

use api_common::{rule, Fixture};
use chrono::{Duration, Utc};
use console_common::{csrf_of, get, log_in_as, post, PAYLOADS};
use reqwest::StatusCode;
use serde_json::json;
use vigil_detect::{Detector, RuleLoad};
use vigil_pipeline::exceptions::Exceptions;
use vigil_pipeline::live_rules::RuleSnapshot;
use vigil_store::db::{AlertLevel, Role};

const POWERSHELL_RULE: &str = "\
title: Encoded PowerShell
id: 11111111-0000-4000-8000-000000000001
level: high
status: test
description: PowerShell started with an encoded command.
references: [https://attack.mitre.org/techniques/T1059/001/]
tags: [attack.execution, attack.t1059.001]
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|endswith: '\\powershell.exe', CommandLine|contains: ' -enc '}
  condition: sel
";
const POWERSHELL_ID: &str = "11111111-0000-4000-8000-000000000001";

/// Makes the pipeline's rules those of `yaml`, compiled as `vigil serve` compiles them.
fn load_live_rules(f: &Fixture, yaml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.yml");
    std::fs::write(&path, yaml).unwrap();
    let detector = Detector::new(RuleLoad::new(vec![path]).load().unwrap());
    let (exceptions, _) = Exceptions::compile(&[]);
    let snapshot = RuleSnapshot::new(Arc::new(detector), &HashMap::new(), exceptions);
    f.rules.publish_snapshot(Arc::new(snapshot));
    dir
}

fn process_fields(command_line: &str) -> Vec<(&'static str, serde_json::Value)> {
    vec![
        ("Channel", json!("Microsoft-Windows-Sysmon/Operational")),
        ("EventID", json!(1)),
        ("Computer", json!("ws01")),
        (
            "Image",
            json!("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"),
        ),
        ("CommandLine", json!(command_line)),
    ]
}

#[tokio::test]
async fn the_list_counts_alerts_and_filters() {
    let f = Fixture::start_app().await;
    let now = Utc::now();
    for host in ["h1", "h2"] {
        f.add_alert(&f.a, "proc-powershell", AlertLevel::High, host, "e", now)
            .await;
    }
    f.add_alert(&f.b, "auth-bruteforce", AlertLevel::Medium, "h", "e", now)
        .await;
    let analyst = log_in_as(&f, "lan", Role::SocAnalyst, None).await;
    let (status, page) = get(&f, &analyst, "/rules").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Suspicious PowerShell download (vi)"),
        "{page}"
    );
    // The most alerted rule comes first, with its count.
    let first = page.find("/rules/proc-powershell").unwrap();
    assert!(first < page.find("/rules/auth-bruteforce").unwrap());
    assert!(page[first..].contains("<td class=\"num\">2</td>"), "{page}");

    let (_, page) = get(&f, &analyst, "/rules?level=low").await;
    assert!(page.contains("/rules/web-scanner") && !page.contains("/rules/proc-powershell"));
    let (_, page) = get(&f, &analyst, "/rules?q=SSH&lang=en").await;
    assert!(page.contains("SSH brute force") && !page.contains("/rules/web-scanner"));

    // An agency officer counts only their agency's alerts.
    let officer = log_in_as(&f, "officer", Role::AgencyOfficer, Some(&f.b)).await;
    let (_, page) = get(&f, &officer, "/rules").await;
    let first = page.find("/rules/auth-bruteforce").unwrap();
    assert!(
        first < page.find("/rules/proc-powershell").unwrap(),
        "{page}"
    );
    assert!(page[first..].contains("<td class=\"num\">1</td>"));
    assert!(!page.contains("<td class=\"num\">2</td>"));
}

#[tokio::test]
async fn a_rule_disabled_in_the_console_is_disabled_for_the_api() {
    let f = Fixture::start_app().await;
    let analyst = log_in_as(&f, "lan", Role::SocAnalyst, None).await;
    let (status, page) = get(&f, &analyst, "/rules/web-scanner").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Tắt luật"), "{page}");
    let csrf = csrf_of(&page);

    // Without the session's token nothing changes.
    for form in [
        vec![("enabled", "false")],
        vec![("enabled", "false"), ("csrf", "x")],
    ] {
        let (status, _) = post(&f, &analyst, "/rules/web-scanner/enabled", &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (_, body) = f.get(&f.tokens.analyst, "/api/v1/rules/web-scanner").await;
    assert_eq!(body["enabled"], true);

    let form = [("csrf", csrf.as_str()), ("enabled", "false")];
    let (status, page) = post(&f, &analyst, "/rules/web-scanner/enabled", &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Bật luật") && page.contains("Đã tắt"),
        "{page}"
    );
    let (_, body) = f.get(&f.tokens.analyst, "/api/v1/rules/web-scanner").await;
    assert_eq!(body["enabled"], false);
    let audit =
        f.db.audit_list(Some("rule:web-scanner"), 1, 0)
            .await
            .unwrap();
    assert_eq!(
        (audit[0].action.as_str(), audit[0].actor.as_str()),
        ("rule.disable", "user:lan")
    );

    // A leader sees no form and may not post one; an unknown rule is not found.
    let leader = log_in_as(&f, "minh", Role::Leader, None).await;
    let (_, page) = get(&f, &leader, "/rules/web-scanner").await;
    assert!(!page.contains("/rules/web-scanner/enabled"));
    let token = csrf_of(&page);
    let form = [("csrf", token.as_str()), ("enabled", "true")];
    let (status, _) = post(&f, &leader, "/rules/web-scanner/enabled", &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = get(&f, &analyst, "/rules/no-such-rule").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn exceptions_are_checked_added_and_deleted() {
    let f = Fixture::start_app().await;
    let analyst = log_in_as(&f, "lan", Role::SocAnalyst, None).await;
    let (_, page) = get(&f, &analyst, "/rules/proc-powershell?lang=en").await;
    let csrf = csrf_of(&page);
    let path = "/rules/proc-powershell/exceptions";

    let bad = [
        ("csrf", csrf.as_str()),
        ("field", "CommandLine"),
        ("match", "regex"),
        ("pattern", "(unclosed"),
        ("agency", ""),
        ("comment", ""),
    ];
    let (status, page) = post(&f, &analyst, path, &bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("The change was refused: invalid exception pattern: invalid regex"),
        "{page}"
    );
    let (_, body) = f
        .get(
            &f.tokens.analyst,
            "/api/v1/rules/proc-powershell/exceptions",
        )
        .await;
    assert_eq!(body["exceptions"], json!([]));

    let hostile = PAYLOADS[1];
    let good = [
        ("csrf", csrf.as_str()),
        ("field", "CommandLine"),
        ("match", "wildcard"),
        ("pattern", hostile),
        ("agency", f.a.id.as_str()),
        ("comment", PAYLOADS[0]),
    ];
    let (status, page) = post(&f, &analyst, path, &good).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Exception added"), "{page}");
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!page.contains(hostile) && !page.contains(PAYLOADS[0]));
    assert!(page.contains("So Y te"));
    let (_, body) = f
        .get(
            &f.tokens.analyst,
            "/api/v1/rules/proc-powershell/exceptions",
        )
        .await;
    let exception = &body["exceptions"][0];
    assert_eq!(exception["pattern"], hostile);
    assert_eq!(exception["agency_id"], f.a.id.as_str());
    assert_eq!(exception["created_by"], "user:lan");

    // Another agency's officer does not see it; a stranger's delete is refused.
    let officer = log_in_as(&f, "officer", Role::AgencyOfficer, Some(&f.b)).await;
    let (_, page) = get(&f, &officer, "/rules/proc-powershell").await;
    assert!(!page.contains("onerror") && !page.contains("name=\"pattern\""));
    let delete = format!("{path}/{}/delete", exception["id"].as_str().unwrap());
    let (status, _) = post(&f, &officer, &delete, &[("csrf", &csrf_of(&page))]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, page) = post(&f, &analyst, &delete, &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Exception deleted"));
    let (_, body) = f
        .get(
            &f.tokens.analyst,
            "/api/v1/rules/proc-powershell/exceptions",
        )
        .await;
    assert_eq!(body["exceptions"], json!([]));
}

#[tokio::test]
async fn a_backtest_runs_the_live_rule_over_stored_events_of_the_tenant() {
    let f = Fixture::start_app().await;
    let _rules = load_live_rules(&f, POWERSHELL_RULE);
    let hour_ago = Utc::now() - Duration::hours(1);
    f.add_event(
        &f.a,
        hour_ago,
        &process_fields("powershell.exe -nop -enc SQBFAFgA"),
        "a: encoded powershell",
    );
    f.add_event(
        &f.a,
        hour_ago,
        &process_fields("powershell.exe -File backup.ps1"),
        "a: plain powershell",
    );
    f.add_event(
        &f.b,
        hour_ago,
        &process_fields("powershell.exe -enc AAAA"),
        "b: encoded powershell",
    );
    f.add_event(
        &f.a,
        Utc::now() - Duration::days(3),
        &process_fields("powershell.exe -w hidden -enc BBBB"),
        "a: older encoded powershell",
    );

    let analyst = log_in_as(&f, "lan", Role::SocAnalyst, None).await;
    let detail = format!("/rules/{POWERSHELL_ID}");
    let (_, page) = get(&f, &analyst, &detail).await;
    assert!(
        page.contains("attack.t1059.001") && page.contains("Image|endswith"),
        "{page}"
    );
    assert!(page.contains("PowerShell started with an encoded command."));

    let (status, page) = get(
        &f,
        &analyst,
        &format!("{detail}/backtest?range=24h&lang=en"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Events scanned: 3") && page.contains("<strong>2</strong>"),
        "{page}"
    );
    assert!(page.contains("a: encoded powershell") && page.contains("b: encoded powershell"));
    assert!(!page.contains("a: plain powershell") && !page.contains("older encoded"));
    for range in ["7d", "all"] {
        let path = format!("{detail}/backtest?range={range}&lang=en");
        let (_, page) = get(&f, &analyst, &path).await;
        assert!(
            page.contains("a: older encoded powershell"),
            "{range}: {page}"
        );
    }

    // An agency officer's backtest reads only their agency's events.
    let officer = log_in_as(&f, "officer", Role::AgencyOfficer, Some(&f.a)).await;
    let (_, page) = get(
        &f,
        &officer,
        &format!("{detail}/backtest?range=24h&lang=en"),
    )
    .await;
    assert!(
        page.contains("a: encoded powershell") && !page.contains("b: encoded"),
        "{page}"
    );

    let (status, _) = get(&f, &analyst, &format!("{detail}/backtest?range=forever")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = get(&f, &analyst, "/rules/nope/backtest?range=24h").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn hostile_rule_text_is_escaped() {
    let f = Fixture::start_app().await;
    let mut hostile = rule("xss", PAYLOADS[0], "high");
    hostile.title_vi = Some(PAYLOADS[2].into());
    hostile.description = Some(PAYLOADS[3].into());
    hostile.references = vec!["javascript:alert(1)".into(), PAYLOADS[1].into()];
    hostile.tags = vec![format!("attack.{}", PAYLOADS[1])];
    f.rules.publish(vec![hostile], vec![]);
    let analyst = log_in_as(&f, "lan", Role::SocAnalyst, None).await;
    let pages = [
        get(&f, &analyst, "/rules").await.1,
        get(&f, &analyst, "/rules?lang=en").await.1,
        get(&f, &analyst, "/rules/xss").await.1,
        get(&f, &analyst, "/rules/xss?lang=en").await.1,
    ];
    assert!(pages[1].contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    for page in &pages {
        for payload in PAYLOADS {
            assert!(!page.contains(payload), "unescaped {payload} in {page}");
        }
        assert!(
            !page.to_lowercase().contains("href=\"javascript:"),
            "{page}"
        );
    }
}
