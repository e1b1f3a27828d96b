//! `/api/v1/rules`: listing from the catalogue with filters, enable/disable (database
//! state, audit, reload signal) and exceptions (validation, listing, deletion).

mod api_common;

use std::time::Duration;

use api_common::{texts, Fixture};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Whether the pipeline was asked to reload (consumes the request).
async fn reload_requested(f: &Fixture) -> bool {
    tokio::time::timeout(Duration::from_millis(500), f.rules.reload_requested())
        .await
        .is_ok()
}

fn rule_ids(list: &Value) -> Vec<&str> {
    texts(&list["rules"], "id")
}

#[tokio::test]
async fn the_list_comes_from_the_catalogue_with_filters() {
    let f = Fixture::start().await;
    let t = &f.tokens.leader;
    let (status, list) = f.get(t, "/api/v1/rules").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 3);
    let first = &list["rules"][0];
    for field in [
        "id",
        "title",
        "title_vi",
        "level",
        "status",
        "kind",
        "enabled",
        "hits",
        "exceptions",
    ] {
        assert!(first.get(field).is_some(), "missing {field}: {first}");
    }
    assert_eq!(first["kind"], "detection");
    assert_eq!(first["exceptions"], 0);

    f.rules
        .counter("auth-bruteforce")
        .fetch_add(7, std::sync::atomic::Ordering::Relaxed);
    let (_, brute) = f.get(t, "/api/v1/rules?q=BRUTE").await;
    assert_eq!(rule_ids(&brute), ["auth-bruteforce"]);
    assert_eq!(brute["rules"][0]["hits"], 7);
    let (_, vi) = f.get(t, "/api/v1/rules?q=scanner%20(vi)").await;
    assert_eq!(rule_ids(&vi), ["web-scanner"]);
    let (_, low) = f.get(t, "/api/v1/rules?level=low").await;
    assert_eq!(rule_ids(&low), ["web-scanner"]);
    let (_, page) = f.get(t, "/api/v1/rules?limit=1&offset=1").await;
    assert_eq!(
        (rule_ids(&page), &page["total"]),
        (vec!["auth-bruteforce"], &json!(3))
    );

    let (_, one) = f.get(t, "/api/v1/rules/proc-powershell").await;
    assert_eq!(one["title"], "Suspicious PowerShell download");
    assert_eq!(one["origin"], "builtin:proc-powershell.yml");
    assert_eq!(one["tags"], json!(["attack.execution"]));
    assert_eq!(one["exceptions"], json!([]));
    let (status, _) = f.get(t, "/api/v1/rules/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, unsupported) = f.get(t, "/api/v1/rules/unsupported").await;
    assert_eq!(
        unsupported,
        json!({ "total": 1, "unsupported": [{ "origin": "rules/broken.yml", "reason": "unknown modifier |foo" }] })
    );
}

#[tokio::test]
async fn enable_and_disable_store_audit_and_signal_a_reload() {
    let f = Fixture::start().await;
    let t = &f.tokens.analyst;
    assert!(!reload_requested(&f).await, "nothing changed yet");

    let (status, rule) = f
        .post(t, "/api/v1/rules/web-scanner/disable", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{rule}");
    assert_eq!(rule["enabled"], false);
    assert!(reload_requested(&f).await);
    let states = f.db.rule_states().await.unwrap();
    assert_eq!(states.len(), 1);
    assert_eq!(
        (states[0].rule_id.as_str(), states[0].enabled),
        ("web-scanner", false)
    );
    let actor = f.db.verify_token(t).await.unwrap().unwrap().token_id;
    assert_eq!(states[0].updated_by, actor);

    let (_, disabled) = f.get(t, "/api/v1/rules?enabled=false").await;
    assert_eq!(rule_ids(&disabled), ["web-scanner"]);
    let (_, detail) = f.get(t, "/api/v1/rules/web-scanner").await;
    assert_eq!(detail["enabled"], false);

    let (_, rule) = f
        .post(t, "/api/v1/rules/web-scanner/enable", json!({}))
        .await;
    assert_eq!(rule["enabled"], true);
    assert!(reload_requested(&f).await);
    assert!(f.db.rule_states().await.unwrap()[0].enabled);
    let history =
        f.db.audit_list(Some("rule:web-scanner"), 10, 0)
            .await
            .unwrap();
    let actions: Vec<&str> = history.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["rule.enable", "rule.disable"]);
    assert!(history.iter().all(|r| r.actor == actor));

    let (status, _) = f.post(t, "/api/v1/rules/nope/disable", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        !reload_requested(&f).await,
        "a refused change signals nothing"
    );
}

#[tokio::test]
async fn exceptions_are_validated_listed_and_deleted() {
    let f = Fixture::start().await;
    let t = &f.tokens.analyst;
    let path = "/api/v1/rules/proc-powershell/exceptions";

    for (body, reason) in [
        (
            json!({ "field": "CommandLine", "match": "regex", "pattern": "(unclosed" }),
            "invalid regex",
        ),
        (
            json!({ "field": "source.ip", "match": "cidr", "pattern": "10.0.0.0/33" }),
            "invalid CIDR",
        ),
        (
            json!({ "field": "host", "match": "equals", "pattern": "" }),
            "pattern is empty",
        ),
    ] {
        let (status, answer) = f.post(t, path, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["error"], "invalid exception pattern");
        assert!(
            answer["detail"].as_str().unwrap().contains(reason),
            "{answer}"
        );
    }
    for body in [
        json!({ "field": "host", "match": "fuzzy", "pattern": "x" }),
        json!({ "field": " ", "match": "equals", "pattern": "x" }),
        json!({ "field": "host", "match": "equals", "pattern": "x", "agency": "nowhere" }),
        json!({ "field": "host", "pattern": "x" }),
    ] {
        let (status, answer) = f.post(t, path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
    }
    assert!(
        !reload_requested(&f).await,
        "refused exceptions signal nothing"
    );

    let (status, everywhere) = f
        .post(t, path, json!({ "field": "CommandLine", "match": "regex", "pattern": "^backup\\.ps1", "comment": "nightly backup" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{everywhere}");
    assert_eq!(everywhere["match_kind"], "regex");
    assert_eq!(everywhere["agency_id"], Value::Null);
    assert!(reload_requested(&f).await);
    let (status, for_b) = f
        .post(t, path, json!({ "field": "source.ip", "match": "cidr", "pattern": "10.20.0.0/16", "agency": f.b.name }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{for_b}");
    assert_eq!(for_b["agency_id"], json!(f.b.id));
    assert!(reload_requested(&f).await);

    let (_, listed) = f.get(t, path).await;
    assert_eq!(listed["exceptions"].as_array().unwrap().len(), 2);
    let (_, rules) = f.get(t, "/api/v1/rules?q=powershell").await;
    assert_eq!(rules["rules"][0]["exceptions"], 2);
    // An officer of A sees the exception for everyone, not B's.
    let (_, officer_view) = f.get(&f.tokens.officer_a, path).await;
    assert_eq!(officer_view["exceptions"], json!([everywhere]));

    let one = format!("{path}/{}", for_b["id"].as_str().unwrap());
    let (status, body) = f.delete(t, &one).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    assert!(reload_requested(&f).await);
    let (status, _) = f.delete(t, &one).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let wrong_rule = format!(
        "/api/v1/rules/web-scanner/exceptions/{}",
        everywhere["id"].as_str().unwrap()
    );
    assert_eq!(f.delete(t, &wrong_rule).await.0, StatusCode::NOT_FOUND);
    assert_eq!(f.db.rule_exceptions(None).await.unwrap().len(), 1);

    let actions: Vec<String> =
        f.db.audit_list(None, 100, 0)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .filter(|a| a.starts_with("rule_exception"))
            .collect();
    assert_eq!(
        actions,
        [
            "rule_exception.delete",
            "rule_exception.add",
            "rule_exception.add"
        ]
    );
    assert_eq!(
        f.post(
            t,
            "/api/v1/rules/nope/exceptions",
            json!({ "field": "a", "match": "equals", "pattern": "b" })
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
}
