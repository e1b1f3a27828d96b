//! One suite for the state database, run on SQLite (temp dir) and on PostgreSQL (a fresh
//! schema per test in `postgres://postgres@127.0.0.1:5432/test`, or `VIGIL_TEST_PG`);
//! see [`backends`].

mod backends;

use chrono::{Duration, Utc};
use sqlx::Row;
use vigil_store::db::{
    AlertFilter, AlertLevel, AlertStatus, AlertUpdate, AuditCheck, Db, Detection, Error, MatchKind,
    NewQuarantine, NewRuleException, Role, Scope, Tenant,
};

use backends::on_both;

on_both!(
    migrations_are_idempotent,
    tokens_verify_and_revoke,
    alerts_fold_within_window,
    alerts_fold_within_one_batch,
    alerts_respect_tenancy,
    alert_status_workflow,
    audit_chain_detects_tampering,
    quarantine_keeps_bytes,
    rules_state_and_exceptions,
);

fn detection(agency_id: &str, host: &str, event: &str, at: chrono::DateTime<Utc>) -> Detection {
    Detection {
        rule_id: "5b0e6f2c-rule".into(),
        rule_title: "Suspicious encoded PowerShell".into(),
        rule_author: Some("vigil tests".into()),
        level: AlertLevel::High,
        agency_id: agency_id.into(),
        system: Some("portal".into()),
        host: host.into(),
        event_id: event.into(),
        at,
    }
}

async fn migrations_are_idempotent(db: Db, url: String) {
    let applied = |db: Db| async move {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM _sqlx_migrations")
            .fetch_one(db.pool())
            .await
            .unwrap()
            .get("n");
        n
    };
    let first = applied(db.clone()).await;
    assert!(first >= 2, "{first} migrations applied");
    db.migrate().await.unwrap();
    db.create_agency("So Noi vu", None, "admin").await.unwrap();
    db.close().await;
    let again = Db::open(&url).await.unwrap();
    again.migrate().await.unwrap();
    assert_eq!(again.list_agencies().await.unwrap().len(), 1);
    assert_eq!(applied(again.clone()).await, first);
    again.close().await;
}

async fn tokens_verify_and_revoke(db: Db, _url: String) {
    let agency = db.create_agency("So Y te", None, "admin").await.unwrap();
    assert!(db.agency_by_name("So Y te").await.unwrap().is_some());
    let ingest = db
        .create_token(Some(&agency.id), Scope::Ingest, None, "admin")
        .await
        .unwrap();
    let who = db
        .verify_token(&ingest.plaintext)
        .await
        .unwrap()
        .expect("valid token");
    assert_eq!(who.agency_id.as_deref(), Some(agency.id.as_str()));
    assert_eq!(who.scope, Scope::Ingest);
    assert_eq!(who.tenant(), Tenant::Agency(agency.id.clone()));

    let api = db
        .create_token(None, Scope::Api, Some(Role::SocAnalyst), "admin")
        .await
        .unwrap();
    let who = db.verify_token(&api.plaintext).await.unwrap().unwrap();
    assert_eq!(
        (who.scope, who.role, who.tenant()),
        (Scope::Api, Some(Role::SocAnalyst), Tenant::All)
    );

    // Right id, wrong secret; garbage; and an ingest id presented as an api token.
    let (head, _) = ingest.plaintext.rsplit_once('_').unwrap();
    let wrong = format!("{head}_{}", "A".repeat(43));
    assert_eq!(db.verify_token(&wrong).await.unwrap(), None);
    assert_eq!(db.verify_token("Bearer nonsense").await.unwrap(), None);
    let swapped = ingest.plaintext.replacen("vgi_", "vga_", 1);
    assert_eq!(db.verify_token(&swapped).await.unwrap(), None);

    assert!(db.revoke_token(&ingest.id, "admin").await.unwrap());
    assert_eq!(db.verify_token(&ingest.plaintext).await.unwrap(), None);
    assert!(!db.revoke_token(&ingest.id, "admin").await.unwrap());
    assert!(db.verify_token(&api.plaintext).await.unwrap().is_some());

    // Only hashes are stored.
    let stored: String = sqlx::query("SELECT token_hash FROM ingest_tokens")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get("token_hash");
    assert!(!ingest.plaintext.contains(&stored) && stored.len() == 64);

    assert!(matches!(
        db.create_token(None, Scope::Ingest, None, "admin").await,
        Err(Error::Invalid(_))
    ));
}

async fn alerts_fold_within_window(db: Db, _url: String) {
    let agency = db.create_agency("UBND xa A", None, "admin").await.unwrap();
    let window = Duration::minutes(10);
    let t0 = Utc::now() - Duration::hours(1);
    let first = db
        .upsert_detection(&detection(&agency.id, "web01", "e0", t0), window)
        .await
        .unwrap();
    assert!(first.opened);
    for i in 1..15 {
        let at = t0 + Duration::seconds(30 * i);
        let up = db
            .upsert_detection(
                &detection(&agency.id, "web01", &format!("e{i}"), at),
                window,
            )
            .await
            .unwrap();
        assert_eq!(
            (up.alert_id.as_str(), up.opened, up.count),
            (first.alert_id.as_str(), false, i + 1)
        );
    }
    // Another host is another alert.
    let other = db
        .upsert_detection(&detection(&agency.id, "db01", "x", t0), window)
        .await
        .unwrap();
    assert!(other.opened);

    let alert = db
        .get_alert(&first.alert_id, &Tenant::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alert.count, 15);
    assert_eq!(alert.sample_event_ids.len(), vigil_store::db::SAMPLE_CAP);
    assert_eq!(alert.first_seen.timestamp_millis(), t0.timestamp_millis());
    assert_eq!(
        alert.last_seen.timestamp_millis(),
        (t0 + Duration::seconds(420)).timestamp_millis()
    );
    assert_eq!(alert.agency, "UBND xa A");

    // Past the window: a new alert.
    let late = t0 + Duration::seconds(420) + Duration::minutes(11);
    let next = db
        .upsert_detection(&detection(&agency.id, "web01", "late", late), window)
        .await
        .unwrap();
    assert!(next.opened);
    assert_ne!(next.alert_id, first.alert_id);

    // A closed alert absorbs nothing, even inside the window.
    let close = AlertUpdate {
        status: Some(AlertStatus::Closed),
        ..Default::default()
    };
    db.update_alert(&next.alert_id, &Tenant::All, &close, "analyst")
        .await
        .unwrap();
    let again = db
        .upsert_detection(
            &detection(&agency.id, "web01", "again", late + Duration::seconds(5)),
            window,
        )
        .await
        .unwrap();
    assert!(again.opened);
}

async fn alerts_fold_within_one_batch(db: Db, _url: String) {
    let agency = db.create_agency("So Y te", None, "admin").await.unwrap();
    let t0 = Utc::now() - Duration::hours(2);
    let batch: Vec<Detection> = (0..6)
        .map(|i| {
            let host = if i % 2 == 0 { "web01" } else { "web02" };
            detection(
                &agency.id,
                host,
                &format!("b{i}"),
                t0 + Duration::seconds(i),
            )
        })
        .collect();
    let answers = db
        .upsert_detections(&batch, Duration::minutes(10))
        .await
        .unwrap();
    let opened: Vec<bool> = answers.iter().map(|u| u.opened).collect();
    assert_eq!(opened, [true, true, false, false, false, false]);
    assert_eq!(answers[4].alert_id, answers[0].alert_id);
    assert_eq!(answers[5].count, 3);
    let (alerts, total) = db
        .list_alerts(&AlertFilter::default(), &Tenant::All)
        .await
        .unwrap();
    assert_eq!((alerts.len(), total), (2, 2));
}

async fn alerts_respect_tenancy(db: Db, _url: String) {
    let a = db
        .create_agency("So Tai chinh", None, "admin")
        .await
        .unwrap();
    let b = db
        .create_agency("So Cong thuong", None, "admin")
        .await
        .unwrap();
    let now = Utc::now();
    let w = Duration::minutes(5);
    let mine = db
        .upsert_detection(&detection(&a.id, "h1", "1", now), w)
        .await
        .unwrap();
    let mut d = detection(&a.id, "h2", "2", now);
    d.level = AlertLevel::Low;
    db.upsert_detection(&d, w).await.unwrap();
    let theirs = db
        .upsert_detection(&detection(&b.id, "h1", "3", now), w)
        .await
        .unwrap();

    let only_a = Tenant::Agency(a.id.clone());
    let (alerts, total) = db
        .list_alerts(&AlertFilter::default(), &only_a)
        .await
        .unwrap();
    assert_eq!(total, 2);
    assert!(alerts.iter().all(|x| x.agency_id == a.id));
    assert!(db
        .get_alert(&theirs.alert_id, &only_a)
        .await
        .unwrap()
        .is_none());
    assert!(db
        .get_alert(&mine.alert_id, &only_a)
        .await
        .unwrap()
        .is_some());
    let sneaky = AlertFilter {
        agency: Some(b.name.clone()),
        ..Default::default()
    };
    assert_eq!(db.list_alerts(&sneaky, &only_a).await.unwrap().1, 0);
    let change = AlertUpdate {
        comment: Some("mine now".into()),
        ..Default::default()
    };
    assert!(db
        .update_alert(&theirs.alert_id, &only_a, &change, "officer")
        .await
        .unwrap()
        .is_none());

    let (_, total) = db
        .list_alerts(&AlertFilter::default(), &Tenant::All)
        .await
        .unwrap();
    assert_eq!(total, 3);
    let by_name = AlertFilter {
        agency: Some(b.name.clone()),
        ..Default::default()
    };
    assert_eq!(db.list_alerts(&by_name, &Tenant::All).await.unwrap().1, 1);
    let high = AlertFilter {
        level: Some(AlertLevel::High),
        ..Default::default()
    };
    assert_eq!(db.list_alerts(&high, &Tenant::All).await.unwrap().1, 2);
    let future = AlertFilter {
        since: Some(now + Duration::minutes(1)),
        ..Default::default()
    };
    assert_eq!(db.list_alerts(&future, &Tenant::All).await.unwrap().1, 0);
    let page = AlertFilter {
        limit: 1,
        offset: 1,
        ..Default::default()
    };
    let (alerts, total) = db.list_alerts(&page, &Tenant::All).await.unwrap();
    assert_eq!((alerts.len(), total), (1, 3));
}

async fn alert_status_workflow(db: Db, _url: String) {
    let a = db.create_agency("So GD&DT", None, "admin").await.unwrap();
    let up = db
        .upsert_detection(
            &detection(&a.id, "h", "1", Utc::now()),
            Duration::minutes(5),
        )
        .await
        .unwrap();
    let id = up.alert_id;
    let ack = AlertUpdate {
        status: Some(AlertStatus::Acknowledged),
        assignee: Some(Some("lan".into())),
        comment: Some("looking".into()),
    };
    let alert = db
        .update_alert(&id, &Tenant::All, &ack, "lan")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (alert.status, alert.assignee.as_deref()),
        (AlertStatus::Acknowledged, Some("lan"))
    );

    let back = AlertUpdate {
        status: Some(AlertStatus::New),
        ..Default::default()
    };
    let err = db
        .update_alert(&id, &Tenant::All, &back, "lan")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidTransition { .. }), "{err}");

    for status in [AlertStatus::InProgress, AlertStatus::FalsePositive] {
        let change = AlertUpdate {
            status: Some(status),
            ..Default::default()
        };
        db.update_alert(&id, &Tenant::All, &change, "lan")
            .await
            .unwrap();
    }
    let done = AlertUpdate {
        assignee: Some(None),
        comment: Some("benign admin script".into()),
        ..Default::default()
    };
    let alert = db
        .update_alert(&id, &Tenant::All, &done, "lan")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (alert.status, alert.assignee),
        (AlertStatus::FalsePositive, None)
    );

    let comments = db.alert_comments(&id, &Tenant::All).await.unwrap();
    let bodies: Vec<&str> = comments.iter().map(|c| c.body.as_str()).collect();
    assert_eq!(bodies, ["looking", "benign admin script"]);
    let history = db
        .audit_list(Some(&format!("alert:{id}")), 100, 0)
        .await
        .unwrap();
    assert_eq!(history.len(), 5, "open + four updates");
    assert!(history[..4].iter().all(|r| r.action == "alert.update"));
    assert_eq!(history[4].action, "alert.open");
}

async fn audit_chain_detects_tampering(db: Db, _url: String) {
    assert_eq!(
        db.audit_verify().await.unwrap(),
        AuditCheck::Intact { records: 0 }
    );
    let a = db
        .create_agency("So Xay dung", None, "admin")
        .await
        .unwrap();
    db.create_token(Some(&a.id), Scope::Ingest, None, "admin")
        .await
        .unwrap();
    db.set_rule_enabled("r1", false, "lan").await.unwrap();
    let after = serde_json::json!({ "ip": "10.1.2.3" });
    let rec = db
        .audit_append("lan", "login", "user:lan", None, Some(&after))
        .await
        .unwrap();
    assert_eq!(rec.id, 4);
    assert_eq!(
        db.audit_verify().await.unwrap(),
        AuditCheck::Intact { records: 4 }
    );

    // Someone rewrites who disabled the rule.
    sqlx::query("UPDATE audit_log SET actor = 'nobody' WHERE id = 3")
        .execute(db.pool())
        .await
        .unwrap();
    match db.audit_verify().await.unwrap() {
        AuditCheck::Broken { id, .. } => assert_eq!(id, 3),
        ok => panic!("tampering not seen: {ok:?}"),
    }
    sqlx::query("UPDATE audit_log SET actor = 'lan' WHERE id = 3")
        .execute(db.pool())
        .await
        .unwrap();
    assert_eq!(
        db.audit_verify().await.unwrap(),
        AuditCheck::Intact { records: 4 }
    );

    // Deleting a record is seen too.
    sqlx::query("DELETE FROM audit_log WHERE id = 2")
        .execute(db.pool())
        .await
        .unwrap();
    match db.audit_verify().await.unwrap() {
        AuditCheck::Broken { id, .. } => assert_eq!(id, 2),
        ok => panic!("deletion not seen: {ok:?}"),
    }
}

async fn quarantine_keeps_bytes(db: Db, _url: String) {
    let a = db.create_agency("So Tu phap", None, "admin").await.unwrap();
    let raw: Vec<u8> = (0..=255u8).chain([0, 0xff, 0xfe, b'\n']).collect();
    let entry = NewQuarantine {
        source: "syslog-udp 10.0.0.5:514",
        agency_id: Some(&a.id),
        reason: "not RFC 5424 or 3164",
        raw: &raw,
        truncated: true,
        size: 70_000,
    };
    let id = db.add_quarantine(&entry).await.unwrap();
    let orphan = NewQuarantine {
        agency_id: None,
        raw: b"{bad json",
        truncated: false,
        size: 9,
        ..entry
    };
    db.add_quarantine(&orphan).await.unwrap();

    assert_eq!(db.count_quarantine(&Tenant::All).await.unwrap(), 2);
    let only_a = Tenant::Agency(a.id.clone());
    assert_eq!(db.count_quarantine(&only_a).await.unwrap(), 1);
    let listed = db.list_quarantine(&only_a, 10, 0).await.unwrap();
    assert_eq!(listed.len(), 1);
    let got = &listed[0];
    assert_eq!(
        (got.id.as_str(), got.raw.as_slice()),
        (id.as_str(), raw.as_slice())
    );
    assert_eq!((got.size, got.truncated), (70_000, true));
    assert_eq!(got.reason, "not RFC 5424 or 3164");
}

async fn rules_state_and_exceptions(db: Db, _url: String) {
    let a = db.create_agency("So KH&CN", None, "admin").await.unwrap();
    db.set_rule_enabled("r1", false, "lan").await.unwrap();
    db.set_rule_enabled("r1", true, "minh").await.unwrap();
    db.set_rule_enabled("r2", false, "minh").await.unwrap();
    let states = db.rule_states().await.unwrap();
    let flags: Vec<(&str, bool, &str)> = states
        .iter()
        .map(|s| (s.rule_id.as_str(), s.enabled, s.updated_by.as_str()))
        .collect();
    assert_eq!(flags, [("r1", true, "minh"), ("r2", false, "minh")]);

    let ex = db
        .add_rule_exception(
            &NewRuleException {
                rule_id: "r1".into(),
                agency_id: Some(a.id.clone()),
                field: "User".into(),
                match_kind: MatchKind::Equals,
                pattern: "svc_backup".into(),
                comment: Some("nightly backup job".into()),
            },
            "lan",
        )
        .await
        .unwrap();
    assert_eq!(
        db.rule_exceptions(Some("r1")).await.unwrap(),
        std::slice::from_ref(&ex)
    );
    assert!(db.rule_exceptions(Some("r2")).await.unwrap().is_empty());
    assert_eq!(db.rule_exceptions(None).await.unwrap().len(), 1);
    assert!(db.delete_rule_exception(&ex.id, "lan").await.unwrap());
    assert!(!db.delete_rule_exception(&ex.id, "lan").await.unwrap());
    assert!(db.rule_exceptions(None).await.unwrap().is_empty());
    assert!(matches!(
        db.audit_verify().await.unwrap(),
        AuditCheck::Intact { records: 6 }
    ));
}
