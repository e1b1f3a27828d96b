//! What the console's rule, administration, audit and account pages read and write in
//! the state database, on SQLite and on PostgreSQL (see [`backends`]): alerts counted per
//! rule within a tenant, tokens listed without secrets, notification settings checked,
//! replaced and audited, the audit log searched, and TOTP turned off with the password.

mod backends;

use chrono::Utc;
use totp_rs::{Algorithm, Secret, TOTP};
use vigil_store::db::{
    AlertLevel, AuditFilter, Db, Detection, Error, LoginOutcome, NewUser, NotificationUpdate, Role,
    Scope, Tenant, MAX_NOTIFICATION_TARGETS,
};

use backends::on_both;

on_both!(
    alerts_are_counted_per_rule_within_the_tenant,
    tokens_are_listed_within_the_tenant,
    notification_settings_are_checked_replaced_and_audited,
    audit_records_are_found_by_actor_action_and_time,
    turning_totp_off_takes_the_password,
);

async fn alerts_are_counted_per_rule_within_the_tenant(db: Db, _url: String) {
    let a = db.create_agency("A", None, "test").await.unwrap();
    let b = db.create_agency("B", None, "test").await.unwrap();
    let raise = |rule: &str, agency: &str, host: &str| Detection {
        rule_id: rule.into(),
        rule_title: rule.into(),
        rule_author: None,
        level: AlertLevel::High,
        agency_id: agency.into(),
        system: None,
        host: host.into(),
        event_id: "e".into(),
        at: Utc::now(),
    };
    let window = chrono::Duration::minutes(15);
    for d in [
        raise("r1", &a.id, "h1"),
        raise("r1", &a.id, "h2"),
        // A repeat folds into the first alert: still two alerts of r1 in A.
        raise("r1", &a.id, "h1"),
        raise("r1", &b.id, "h1"),
        raise("r2", &b.id, "h1"),
    ] {
        db.upsert_detection(&d, window).await.unwrap();
    }
    let all = db.alert_counts_by_rule(&Tenant::All).await.unwrap();
    assert_eq!((all.get("r1"), all.get("r2")), (Some(&3), Some(&1)));
    let only_a = db
        .alert_counts_by_rule(&Tenant::Agency(a.id.clone()))
        .await
        .unwrap();
    assert_eq!((only_a.get("r1"), only_a.get("r2")), (Some(&2), None));
}

async fn tokens_are_listed_within_the_tenant(db: Db, _url: String) {
    let a = db.create_agency("A", None, "test").await.unwrap();
    let ingest = db
        .create_token(Some(&a.id), Scope::Ingest, None, "user:root")
        .await
        .unwrap();
    let api = db
        .create_token(None, Scope::Api, Some(Role::SocAnalyst), "user:root")
        .await
        .unwrap();
    let all = db.list_tokens(&Tenant::All, None).await.unwrap();
    let ids: Vec<&str> = all.iter().map(|t| t.id.as_str()).collect();
    // Newest first.
    assert_eq!(ids, [api.id.as_str(), ingest.id.as_str()]);
    assert_eq!(all[0].role.as_deref(), Some("soc_analyst"));
    assert_eq!(all[1].agency_id.as_deref(), Some(a.id.as_str()));
    assert!(all
        .iter()
        .all(|t| !t.revoked && t.created_by == "user:root"));
    let of_a = db
        .list_tokens(&Tenant::Agency(a.id.clone()), None)
        .await
        .unwrap();
    assert_eq!(of_a.len(), 1);
    db.revoke_token(&api.id, "user:root").await.unwrap();
    let one = db.list_tokens(&Tenant::All, Some(&api.id)).await.unwrap();
    assert!(one.len() == 1 && one[0].revoked);
}

async fn notification_settings_are_checked_replaced_and_audited(db: Db, _url: String) {
    let agency = db.create_agency("So Y te", None, "test").await.unwrap();
    let unset = db.notification_settings(&agency.id).await.unwrap();
    assert!(unset.emails.is_empty() && unset.updated_by.is_none());

    let update = NotificationUpdate {
        emails: vec![
            "SOC@soyte.gov.vn".into(),
            "soc@soyte.gov.vn".into(),
            " ".into(),
        ],
        webhooks: vec!["https://chat.soc.local/hook".into()],
        min_level: AlertLevel::Medium,
    };
    let saved = db
        .set_notification_settings(&agency.id, &update, "user:admin")
        .await
        .unwrap();
    assert_eq!(saved.emails, ["soc@soyte.gov.vn"]);
    assert_eq!(db.notification_settings(&agency.id).await.unwrap(), saved);
    assert_eq!(db.list_notification_settings().await.unwrap(), [saved]);

    let refused = NotificationUpdate {
        webhooks: vec!["ftp://files.local/x".into()],
        ..update.clone()
    };
    assert!(matches!(
        db.set_notification_settings(&agency.id, &refused, "user:admin")
            .await,
        Err(Error::Invalid(_))
    ));
    let too_many = NotificationUpdate {
        emails: (0..=MAX_NOTIFICATION_TARGETS)
            .map(|i| format!("a{i}@soyte.gov.vn"))
            .collect(),
        ..update.clone()
    };
    assert!(db
        .set_notification_settings(&agency.id, &too_many, "user:admin")
        .await
        .is_err());
    assert!(matches!(
        db.set_notification_settings("no-such-agency", &update, "user:admin")
            .await,
        Err(Error::NotFound(_))
    ));

    let record = &db
        .audit_list(Some(&format!("agency:{}", agency.id)), 10, 0)
        .await
        .unwrap()[0];
    assert_eq!(record.action, "notifications.update");
    assert!(record.before.as_deref().unwrap().contains("\"emails\":[]"));
    assert!(record
        .after
        .as_deref()
        .unwrap()
        .contains("soc@soyte.gov.vn"));
}

async fn audit_records_are_found_by_actor_action_and_time(db: Db, _url: String) {
    let start = Utc::now() - chrono::Duration::seconds(1);
    for (actor, action) in [
        ("user:lan", "user.update"),
        ("user:lan", "rule.disable"),
        ("user:minh", "user_x.update"),
    ] {
        db.audit_append(actor, action, "x", None, None)
            .await
            .unwrap();
    }
    let find = |filter: AuditFilter| {
        let db = db.clone();
        async move { db.audit_search(&filter, 10, 0).await.unwrap() }
    };
    let (records, total) = find(AuditFilter {
        actor: Some("user:lan".into()),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!((records.len(), total), (2, 2));
    assert_eq!(records[0].action, "rule.disable");
    // `_` in the prefix is literal: `user_x.update` does not start with `user.`.
    let (records, _) = find(AuditFilter {
        action: Some("user.".into()),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(records.len(), 1);
    let (_, total) = find(AuditFilter {
        from: Some(start),
        to: Some(start + chrono::Duration::hours(1)),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(total, 3);
    let (_, total) = find(AuditFilter {
        to: Some(start),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(total, 0);
    let (page, total) = db
        .audit_search(&AuditFilter::default(), 1, 1)
        .await
        .unwrap();
    assert_eq!((page[0].actor.as_str(), total), ("user:lan", 3));
}

async fn turning_totp_off_takes_the_password(db: Db, _url: String) {
    let new = NewUser {
        login: "minh".into(),
        display_name: String::new(),
        role: Role::SocAnalyst,
        agency_id: None,
    };
    let created = db.create_user(&new, "admin").await.unwrap();
    let (id, password) = (created.user.id, created.one_time_password);
    let enrolment = db.begin_totp(&id).await.unwrap();
    let secret = Secret::Encoded(enrolment.secret).to_bytes().unwrap();
    let code = TOTP::new(Algorithm::SHA1, 6, 1, 30, secret, None, "x".into())
        .unwrap()
        .generate_current()
        .unwrap();
    assert!(db.confirm_totp(&id, &code).await.unwrap());

    assert!(!db.disable_totp(&id, "not the password").await.unwrap());
    assert!(db.user(&id).await.unwrap().unwrap().totp_enabled);
    assert!(db.disable_totp(&id, &password).await.unwrap());
    assert!(!db.user(&id).await.unwrap().unwrap().totp_enabled);
    let login = db
        .verify_login("minh", &password, None, None)
        .await
        .unwrap();
    assert!(matches!(login, LoginOutcome::Ok(_)));
    let actions: Vec<String> = db
        .audit_list(Some(&format!("user:{id}")), 3, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(
        actions,
        ["user.login", "user.totp_disable", "user.login_failed"]
    );
}
