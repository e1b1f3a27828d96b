//! User accounts, logins and sessions on both backends: lock-out and its end, TOTP with
//! codes computed from the enrolled secret, session timeouts, password changes ending
//! sessions, the first admin, and an audit log that records all of it without secrets.

mod backends;

use chrono::{Duration, Utc};
use sqlx::Row;
use totp_rs::{Algorithm, Secret, TOTP};
use vigil_store::db::{
    AuditCheck, Db, Error, LoginOutcome, NewUser, Role, Tenant, UserUpdate, FIRST_ADMIN_LOGIN,
    MAX_FAILED_LOGINS, ONE_TIME_PASSWORD_CHARS,
};

use backends::on_both;

on_both!(
    logins_lock_out_and_unlock,
    totp_second_factor,
    sessions_expire_and_end_with_password_changes,
    first_admin_and_account_administration,
    audit_records_without_secrets,
);

fn new_user(login: &str, role: Role, agency_id: Option<&str>) -> NewUser {
    NewUser {
        login: login.into(),
        display_name: String::new(),
        role,
        agency_id: agency_id.map(str::to_owned),
    }
}

fn is_ok(outcome: &LoginOutcome) -> bool {
    matches!(outcome, LoginOutcome::Ok(_))
}

/// The current code of a base32 TOTP secret, as an authenticator app shows it.
fn code_now(secret: &str) -> String {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, "x".into())
        .unwrap()
        .generate_current()
        .unwrap()
}

async fn logins_lock_out_and_unlock(db: Db, _url: String) {
    let agency = db.create_agency("So Y te", None, "admin").await.unwrap();
    let created = db
        .create_user(
            &new_user("Lan.Nguyen", Role::AgencyOfficer, Some(&agency.id)),
            "admin",
        )
        .await
        .unwrap();
    let (user, password) = (created.user, created.one_time_password);
    assert_eq!(user.login, "lan.nguyen");
    assert_eq!(user.display_name, "lan.nguyen");
    assert!(user.must_change_password && !user.disabled && !user.totp_enabled);
    assert_eq!(user.tenant(), Tenant::Agency(agency.id.clone()));
    assert!(password.len() >= 16 && password.len() == ONE_TIME_PASSWORD_CHARS);

    // Any case of the login works; the wrong password and unknown logins look alike.
    match db
        .verify_login("LAN.NGUYEN", &password, None, Some("10.0.0.9"))
        .await
        .unwrap()
    {
        LoginOutcome::Ok(u) => {
            assert_eq!(u.id, user.id);
            assert!(u.last_login_at.is_some());
        }
        other => panic!("{other:?}"),
    }
    let wrong = db.verify_login("lan.nguyen", "nope", None, None).await;
    assert_eq!(wrong.unwrap(), LoginOutcome::Wrong);
    let unknown = db.verify_login("nobody", &password, None, None).await;
    assert_eq!(unknown.unwrap(), LoginOutcome::Wrong);
    let garbage = db.verify_login("bad login!", "x", None, None).await;
    assert_eq!(garbage.unwrap(), LoginOutcome::Wrong);

    // A success resets the count; then MAX_FAILED_LOGINS failures in a row lock.
    assert!(is_ok(
        &db.verify_login("lan.nguyen", &password, None, None)
            .await
            .unwrap()
    ));
    for _ in 1..MAX_FAILED_LOGINS {
        let outcome = db.verify_login("lan.nguyen", "wrong", None, None).await;
        assert_eq!(outcome.unwrap(), LoginOutcome::Wrong);
    }
    let until = match db
        .verify_login("lan.nguyen", "wrong", None, None)
        .await
        .unwrap()
    {
        LoginOutcome::Locked { until } => until,
        other => panic!("not locked: {other:?}"),
    };
    let minutes = (until - Utc::now()).num_minutes();
    assert!((14..=15).contains(&minutes), "{minutes}");
    // Even the right password is refused while locked.
    assert_eq!(
        db.verify_login("lan.nguyen", &password, None, None)
            .await
            .unwrap(),
        LoginOutcome::Locked { until }
    );
    assert!(db
        .user(&user.id)
        .await
        .unwrap()
        .unwrap()
        .locked_until
        .is_some());
    // Nor can a session of the account change the password meanwhile.
    assert!(!db
        .change_password(&user.id, &password, "a long new password")
        .await
        .unwrap());

    // Fifteen minutes later (moved back in the database) the right password works.
    let past = (Utc::now() - Duration::seconds(1)).timestamp_millis();
    sqlx::query("UPDATE users SET locked_until = $1 WHERE id = $2")
        .bind(past)
        .bind(&user.id)
        .execute(db.pool())
        .await
        .unwrap();
    assert!(is_ok(
        &db.verify_login("lan.nguyen", &password, None, None)
            .await
            .unwrap()
    ));
    let after = db.user(&user.id).await.unwrap().unwrap();
    assert_eq!(after.locked_until, None);

    // Disabled accounts say so only to the right password.
    let change = UserUpdate {
        disabled: Some(true),
        ..Default::default()
    };
    db.update_user(&user.id, &change, "admin").await.unwrap();
    assert_eq!(
        db.verify_login("lan.nguyen", &password, None, None)
            .await
            .unwrap(),
        LoginOutcome::Disabled
    );
    assert_eq!(
        db.verify_login("lan.nguyen", "wrong", None, None)
            .await
            .unwrap(),
        LoginOutcome::Wrong
    );

    // Invalid accounts are refused.
    let homeless = db
        .create_user(&new_user("minh", Role::AgencyOfficer, None), "admin")
        .await;
    assert!(matches!(homeless, Err(Error::Invalid(_))), "{homeless:?}");
    let twice = db
        .create_user(&new_user("LAN.nguyen", Role::Leader, None), "admin")
        .await;
    assert!(matches!(twice, Err(Error::Invalid(_))), "{twice:?}");
    let lost = db
        .create_user(&new_user("hoa", Role::AgencyOfficer, Some("nope")), "admin")
        .await;
    assert!(matches!(lost, Err(Error::NotFound(_))), "{lost:?}");
}

async fn totp_second_factor(db: Db, _url: String) {
    let created = db
        .create_user(&new_user("minh", Role::SocAnalyst, None), "admin")
        .await
        .unwrap();
    let (user, password) = (created.user, created.one_time_password);

    assert!(matches!(
        db.confirm_totp(&user.id, "123456").await,
        Err(Error::Invalid(_))
    ));
    let enrolment = db.begin_totp(&user.id).await.unwrap();
    assert!(
        enrolment.url.starts_with("otpauth://totp/Vigil:minh?"),
        "{}",
        enrolment.url
    );
    assert!(enrolment
        .url
        .contains(&format!("secret={}", enrolment.secret)));
    // Until confirmed, logins need no code.
    assert!(is_ok(
        &db.verify_login("minh", &password, None, None)
            .await
            .unwrap()
    ));
    let code = code_now(&enrolment.secret);
    let wrong = if code == "000000" { "000001" } else { "000000" };
    assert!(!db.confirm_totp(&user.id, wrong).await.unwrap());
    assert!(db.confirm_totp(&user.id, &code).await.unwrap());
    assert!(db.user(&user.id).await.unwrap().unwrap().totp_enabled);

    assert_eq!(
        db.verify_login("minh", &password, None, None)
            .await
            .unwrap(),
        LoginOutcome::NeedsTotp
    );
    // The code that confirmed the enrolment cannot be used again.
    assert_eq!(
        db.verify_login("minh", &password, Some(&code), None)
            .await
            .unwrap(),
        LoginOutcome::Wrong
    );
    // As if the last accepted code were minutes old: the current one logs in, once.
    sqlx::query("UPDATE users SET totp_last_step = totp_last_step - 10 WHERE id = $1")
        .bind(&user.id)
        .execute(db.pool())
        .await
        .unwrap();
    let code = code_now(&enrolment.secret);
    assert!(is_ok(
        &db.verify_login("minh", &password, Some(&code), None)
            .await
            .unwrap()
    ));
    assert_eq!(
        db.verify_login("minh", &password, Some(&code), None)
            .await
            .unwrap(),
        LoginOutcome::Wrong
    );
    // A wrong password with a right code is still wrong.
    assert_eq!(
        db.verify_login("minh", "wrong password", Some(&code), None)
            .await
            .unwrap(),
        LoginOutcome::Wrong
    );

    // An admin turns it off (lost phone).
    let off = UserUpdate {
        totp_enabled: Some(false),
        ..Default::default()
    };
    assert!(
        !db.update_user(&user.id, &off, "admin")
            .await
            .unwrap()
            .totp_enabled
    );
    assert!(is_ok(
        &db.verify_login("minh", &password, None, None)
            .await
            .unwrap()
    ));
    let on = UserUpdate {
        totp_enabled: Some(true),
        ..Default::default()
    };
    assert!(db.update_user(&user.id, &on, "admin").await.is_err());
}

async fn sessions_expire_and_end_with_password_changes(db: Db, _url: String) {
    let created = db
        .create_user(&new_user("hoa", Role::Leader, None), "admin")
        .await
        .unwrap();
    let (user, password) = (created.user, created.one_time_password);

    let first = db
        .create_session(&user.id, Some("127.0.0.1"))
        .await
        .unwrap();
    let second = db.create_session(&user.id, None).await.unwrap();
    assert_ne!(first.token, second.token);
    assert!(first.token.len() >= 43);
    let found = db.lookup_session(&first.token).await.unwrap().unwrap();
    assert_eq!(found.user.id, user.id);
    assert_eq!(found.id, first.session.id);
    assert!(found.csrf_matches(&first.session.csrf_token));
    assert!(!found.csrf_matches(&second.session.csrf_token));
    assert!(!found.csrf_matches(""));
    assert!(db.lookup_session("not a session").await.unwrap().is_none());
    assert!(db.lookup_session("").await.unwrap().is_none());

    // Only the SHA-256 of the token is stored.
    let stored: Vec<String> = sqlx::query("SELECT token_hash FROM sessions")
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("token_hash"))
        .collect();
    assert_eq!(stored.len(), 2);
    assert!(stored
        .iter()
        .all(|h| h.len() == 64 && *h != first.token && *h != second.token));

    // Logout ends one session, not the other.
    assert!(db.revoke_session(&first.token).await.unwrap());
    assert!(!db.revoke_session(&first.token).await.unwrap());
    assert!(db.lookup_session(&first.token).await.unwrap().is_none());
    assert!(db.lookup_session(&second.token).await.unwrap().is_some());

    // Idle for 31 minutes: ended. 29 minutes: alive, and the use slides it on.
    let idle = db.create_session(&user.id, None).await.unwrap();
    let minutes_ago = |m: i64| (Utc::now() - Duration::minutes(m)).timestamp_millis();
    let set_seen = |id: String, at: i64| {
        let db = db.clone();
        async move {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id)
                .execute(db.pool())
                .await
                .unwrap();
        }
    };
    set_seen(idle.session.id.clone(), minutes_ago(29)).await;
    let slid = db.lookup_session(&idle.token).await.unwrap().unwrap();
    assert!(Utc::now() - slid.last_seen_at < Duration::minutes(1));
    set_seen(idle.session.id.clone(), minutes_ago(31)).await;
    assert!(db.lookup_session(&idle.token).await.unwrap().is_none());

    // Past the absolute lifetime: ended however busy.
    let old = db.create_session(&user.id, None).await.unwrap();
    assert!(old.session.expires_at - old.session.created_at == Duration::hours(12));
    sqlx::query("UPDATE sessions SET expires_at = $1 WHERE id = $2")
        .bind(minutes_ago(1))
        .bind(&old.session.id)
        .execute(db.pool())
        .await
        .unwrap();
    assert!(db.lookup_session(&old.token).await.unwrap().is_none());

    // Password changes: policy, the current password, then every session ends.
    let third = db.create_session(&user.id, None).await.unwrap();
    let short = db.change_password(&user.id, &password, "short").await;
    assert!(matches!(short, Err(Error::Invalid(_))), "{short:?}");
    let same = db.change_password(&user.id, &password, &password).await;
    assert!(matches!(same, Err(Error::Invalid(_))), "{same:?}");
    assert!(!db
        .change_password(&user.id, "not the password", "a long new password")
        .await
        .unwrap());
    assert!(db.lookup_session(&third.token).await.unwrap().is_some());
    assert!(db
        .change_password(&user.id, &password, "mật khẩu mới đủ dài")
        .await
        .unwrap());
    assert!(db.lookup_session(&second.token).await.unwrap().is_none());
    assert!(db.lookup_session(&third.token).await.unwrap().is_none());
    assert!(
        !db.user(&user.id)
            .await
            .unwrap()
            .unwrap()
            .must_change_password
    );
    assert_eq!(
        db.verify_login("hoa", &password, None, None).await.unwrap(),
        LoginOutcome::Wrong
    );
    assert!(is_ok(
        &db.verify_login("hoa", "mật khẩu mới đủ dài", None, None)
            .await
            .unwrap()
    ));

    // A reset gives a new one-time password and ends sessions too; so does disabling.
    let fourth = db.create_session(&user.id, None).await.unwrap();
    let reset = db.reset_password(&user.id, "admin").await.unwrap();
    assert!(db.lookup_session(&fourth.token).await.unwrap().is_none());
    assert!(
        db.user(&user.id)
            .await
            .unwrap()
            .unwrap()
            .must_change_password
    );
    assert!(is_ok(
        &db.verify_login("hoa", &reset, None, None).await.unwrap()
    ));
    let fifth = db.create_session(&user.id, None).await.unwrap();
    let sixth = db.create_session(&user.id, None).await.unwrap();
    assert_eq!(db.revoke_user_sessions(&user.id, "admin").await.unwrap(), 2);
    assert!(db.lookup_session(&fifth.token).await.unwrap().is_none());
    let seventh = db.create_session(&user.id, None).await.unwrap();
    let disable = UserUpdate {
        disabled: Some(true),
        ..Default::default()
    };
    db.update_user(&user.id, &disable, "admin").await.unwrap();
    assert!(db.lookup_session(&sixth.token).await.unwrap().is_none());
    assert!(db.lookup_session(&seventh.token).await.unwrap().is_none());
    assert!(matches!(
        db.create_session(&user.id, None).await,
        Err(Error::Invalid(_))
    ));
}

async fn first_admin_and_account_administration(db: Db, _url: String) {
    let password = db.ensure_first_admin().await.unwrap().expect("first admin");
    assert!(password.len() >= 16);
    assert_eq!(db.ensure_first_admin().await.unwrap(), None);
    let admin = match db
        .verify_login(FIRST_ADMIN_LOGIN, &password, None, None)
        .await
        .unwrap()
    {
        LoginOutcome::Ok(user) => user,
        other => panic!("{other:?}"),
    };
    assert_eq!(admin.role, Role::Admin);
    assert!(admin.must_change_password);

    // The only admin can be neither demoted nor disabled.
    let demote = UserUpdate {
        role: Some(Role::Leader),
        ..Default::default()
    };
    let refused = db.update_user(&admin.id, &demote, "admin").await;
    assert!(matches!(refused, Err(Error::Invalid(_))), "{refused:?}");
    let disable = UserUpdate {
        disabled: Some(true),
        ..Default::default()
    };
    assert!(db.update_user(&admin.id, &disable, "admin").await.is_err());

    // With a second admin, the first may step down.
    let agency = db.create_agency("UBND xa A", None, "admin").await.unwrap();
    db.create_user(&new_user("second", Role::Admin, None), "admin")
        .await
        .unwrap();
    let officer = UserUpdate {
        display_name: Some("Trần Văn Admin".into()),
        role: Some(Role::AgencyOfficer),
        agency_id: Some(Some(agency.id.clone())),
        ..Default::default()
    };
    let changed = db.update_user(&admin.id, &officer, "second").await.unwrap();
    assert_eq!(
        (changed.role, changed.agency_id.as_deref()),
        (Role::AgencyOfficer, Some(agency.id.as_str()))
    );
    assert_eq!(changed.display_name, "Trần Văn Admin");
    // An officer cannot lose their agency.
    let homeless = UserUpdate {
        agency_id: Some(None),
        ..Default::default()
    };
    assert!(matches!(
        db.update_user(&admin.id, &homeless, "second").await,
        Err(Error::Invalid(_))
    ));
    let missing = db
        .update_user("nope", &UserUpdate::default(), "second")
        .await;
    assert!(matches!(missing, Err(Error::NotFound(_))), "{missing:?}");

    let logins: Vec<String> = db
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.login)
        .collect();
    assert_eq!(logins, ["admin", "second"]);
    assert_eq!(
        db.user_by_login("SECOND").await.unwrap().unwrap().role,
        Role::Admin
    );
}

async fn audit_records_without_secrets(db: Db, _url: String) {
    let created = db
        .create_user(&new_user("lan", Role::SocAnalyst, None), "admin")
        .await
        .unwrap();
    let (user, password) = (created.user, created.one_time_password);
    let new_password = "một mật khẩu rất bí mật";
    db.verify_login("lan", "wrong guess 1", None, Some("10.9.8.7"))
        .await
        .unwrap();
    db.verify_login("ghost", "wrong guess 2", None, None)
        .await
        .unwrap();
    db.verify_login("lan", &password, None, Some("10.9.8.7"))
        .await
        .unwrap();
    let session = db.create_session(&user.id, None).await.unwrap();
    assert!(db
        .change_password(&user.id, &password, new_password)
        .await
        .unwrap());
    let enrolment = db.begin_totp(&user.id).await.unwrap();
    let code = code_now(&enrolment.secret);
    assert!(db.confirm_totp(&user.id, &code).await.unwrap());
    let reset = db.reset_password(&user.id, "admin").await.unwrap();
    let change = UserUpdate {
        role: Some(Role::Auditor),
        ..Default::default()
    };
    db.update_user(&user.id, &change, "admin").await.unwrap();
    let second = db.create_session(&user.id, None).await.unwrap();
    db.revoke_session(&second.token).await.unwrap();

    let records = db.audit_list(None, 1000, 0).await.unwrap();
    let actions: Vec<&str> = records.iter().rev().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.create",
            "user.login_failed",
            "user.login_failed",
            "user.login",
            "user.change_password",
            "user.totp_begin",
            "user.totp_enable",
            "user.reset_password",
            "user.update",
            "user.logout",
        ]
    );
    let failed = records
        .iter()
        .find(|r| r.action == "user.login_failed" && r.actor == "user:lan")
        .unwrap();
    assert!(failed.after.as_deref().unwrap().contains("10.9.8.7"));
    let update = records.iter().find(|r| r.action == "user.update").unwrap();
    assert!(update.before.as_deref().unwrap().contains("soc_analyst"));
    assert!(update.after.as_deref().unwrap().contains("auditor"));

    let hash: String = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(&user.id)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get("password_hash");
    let secrets = [
        password.as_str(),
        new_password,
        reset.as_str(),
        "wrong guess",
        "$argon2",
        hash.as_str(),
        enrolment.secret.as_str(),
        session.token.as_str(),
        second.token.as_str(),
        session.session.csrf_token.as_str(),
    ];
    for record in &records {
        let text = format!(
            "{} {} {} {:?} {:?}",
            record.actor, record.action, record.object, record.before, record.after
        );
        for secret in secrets {
            assert!(!text.contains(secret), "{secret:?} in audit record {text}");
        }
    }
    assert_eq!(
        db.audit_verify().await.unwrap(),
        AuditCheck::Intact {
            records: records.len() as i64
        }
    );
}
