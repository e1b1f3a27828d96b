//! Agencies, source addresses, tokens and the quarantine through the API, with the audit
//! records the changes leave.

mod api_common;

use api_common::{texts, Fixture};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn admins_create_agencies() {
    let f = Fixture::start().await;
    let t = &f.tokens.admin;
    let (status, agency) = f
        .post(
            t,
            "/api/v1/agencies",
            json!({ "name": "So Tai chinh", "parent_id": f.a.id }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{agency}");
    assert_eq!(agency["name"], "So Tai chinh");
    assert_eq!(agency["parent_id"], json!(f.a.id));
    let (_, list) = f.get(t, "/api/v1/agencies").await;
    assert_eq!(list["agencies"].as_array().unwrap().len(), 3);

    let (status, _) = f
        .post(t, "/api/v1/agencies", json!({ "name": "So Tai chinh" }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    for bad in [
        json!({ "name": "  " }),
        json!({ "name": "X", "parent_id": "nope" }),
        json!({}),
    ] {
        let (status, body) = f.post(t, "/api/v1/agencies", bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let (status, _) = f
        .post(
            &f.tokens.analyst,
            "/api/v1/agencies",
            json!({ "name": "Y" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let admin_id = f.db.verify_token(t).await.unwrap().unwrap().token_id;
    let history =
        f.db.audit_list(
            Some(&format!("agency:{}", agency["id"].as_str().unwrap())),
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].action.as_str(), history[0].actor.as_str()),
        ("agency.create", admin_id.as_str())
    );
}

#[tokio::test]
async fn source_addresses_attribute_senders_to_agencies() {
    let f = Fixture::start().await;
    let t = &f.tokens.analyst;
    let path = format!("/api/v1/agencies/{}/sources", f.a.id);
    for address in ["10.1.2.3", "10.1.0.0/16", "Mail.SoYTe.gov.vn"] {
        let (status, source) = f
            .post(t, &path, json!({ "address": address, "system": "mail" }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{source}");
        assert_eq!(source["agency_id"], json!(f.a.id));
    }
    assert!(
        tokio::time::timeout(Duration::from_secs(1), f.rules.reload_requested())
            .await
            .is_ok(),
        "the pipeline is asked to re-read the register"
    );
    let (_, list) = f.get(t, &path).await;
    let addresses = texts(&list["sources"], "address");
    assert_eq!(addresses, ["10.1.0.0/16", "10.1.2.3", "mail.soyte.gov.vn"]);
    // By name too.
    let (_, by_name) = f.get(t, "/api/v1/agencies/So%20Y%20te/sources").await;
    assert_eq!(by_name, list);

    let (status, clash) = f
        .post(
            t,
            &format!("/api/v1/agencies/{}/sources", f.b.id),
            json!({ "address": "10.1.2.3" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(clash["detail"]["agency_id"], json!(f.a.id));
    for bad in ["", "not an address", "10.0.0.0/99", "<b>x</b>"] {
        let (status, body) = f.post(t, &path, json!({ "address": bad })).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let (status, _) = f.get(t, "/api/v1/agencies/nope/sources").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, own) = f.get(&f.tokens.officer_a, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(own, list);
}

#[tokio::test]
async fn tokens_are_created_once_listed_without_secrets_and_revoked_at_once() {
    let f = Fixture::start().await;
    let t = &f.tokens.admin;
    let (status, created) = f
        .post(
            t,
            "/api/v1/tokens",
            json!({ "agency": f.b.id, "scope": "api", "role": "agency_officer" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("vga_"));
    assert_eq!(created["role"], "agency_officer");
    assert_eq!(created["agency_id"], json!(f.b.id));
    // The new token works, for agency B only.
    let (status, agencies) = f.get(&secret, "/api/v1/agencies").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(agencies["agencies"][0]["id"], json!(f.b.id));

    let (_, list) = f.get(t, "/api/v1/tokens").await;
    let tokens = list["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 8, "seven fixture tokens and the new one");
    assert_eq!(tokens[0]["id"], created["id"], "newest first");
    let text = list.to_string();
    assert!(
        !text.contains(&secret[40..]) && !text.contains("hash"),
        "no secrets listed"
    );
    for token in tokens {
        let mut keys: Vec<&str> = token
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "agency_id",
                "created_at",
                "created_by",
                "id",
                "last_used_at",
                "revoked",
                "role",
                "scope"
            ]
        );
    }
    let ingest = tokens.iter().find(|t| t["scope"] == "ingest").unwrap();
    assert_eq!(ingest["agency_id"], json!(f.a.id));

    let path = format!("/api/v1/tokens/{}", created["id"].as_str().unwrap());
    let (status, body) = f.delete(t, &path).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let (status, _) = f.get(&secret, "/api/v1/agencies").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "revocation is immediate");
    assert_eq!(f.delete(t, &path).await.0, StatusCode::NOT_FOUND);
    let (_, list) = f.get(t, "/api/v1/tokens").await;
    assert_eq!(list["tokens"][0]["revoked"], true);

    for bad in [
        json!({ "scope": "root" }),
        json!({ "scope": "api", "role": "king" }),
        json!({ "scope": "ingest" }),
        json!({ "scope": "ingest", "agency": "nowhere" }),
        json!({ "scope": "api" }),
    ] {
        let (status, body) = f.post(t, "/api/v1/tokens", bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let actions: Vec<String> =
        f.db.audit_list(
            Some(&format!("token:{}", created["id"].as_str().unwrap())),
            10,
            0,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(actions, ["token.revoke", "token.create"]);
}

#[tokio::test]
async fn quarantine_shows_raw_bytes_as_text_and_base64() {
    let f = Fixture::start().await;
    f.add_quarantine(Some(&f.a), "invalid JSON at line 1", b"{\"a\":\xff<script>")
        .await;
    f.add_quarantine(None, "unattributed", b"<13>hello").await;
    let t = &f.tokens.analyst;
    let (status, page) = f.get(t, "/api/v1/quarantine?limit=1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 2);
    assert_eq!(page["entries"].as_array().unwrap().len(), 1);
    let (_, page) = f.get(t, "/api/v1/quarantine?offset=1").await;
    let entry = &page["entries"][0];
    assert_eq!(entry["reason"], "invalid JSON at line 1");
    assert_eq!(entry["raw"], "{\"a\":\u{fffd}<script>");
    assert_eq!(entry["raw_base64"], "eyJhIjr/PHNjcmlwdD4=");
    assert_eq!(entry["size"], 14);
    assert_eq!(entry["truncated"], false);
    assert_eq!(entry["agency_id"], json!(f.a.id));
    let (_, officer_b) = f.get(&f.tokens.officer_b, "/api/v1/quarantine").await;
    assert_eq!(officer_b["total"], 0);
}
