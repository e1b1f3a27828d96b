//! Case records (incidents and advisories) on SQLite and on PostgreSQL (see
//! [`backends`]): stored with their agencies, read only within a tenant that they
//! involve, changed in one audited write that a refusal leaves untouched, deleted with
//! an audit record, and the audit chain intact afterwards.

mod backends;

use chrono::{TimeZone, Utc};
use serde_json::json;
use vigil_store::db::{new_record_id, AuditCheck, CaseKind, CaseRecord, Db, Error, Tenant};

use backends::on_both;

on_both!(records_live_within_their_agencies_and_every_change_is_audited);

fn record(agency_ids: Vec<String>, title: &str, day: u32) -> CaseRecord {
    let at = Utc.with_ymd_and_hms(2026, 11, day, 8, 0, 0).unwrap();
    CaseRecord {
        id: new_record_id(),
        title: title.into(),
        status: "new".into(),
        severity: "high".into(),
        opened_at: at,
        updated_at: at,
        agency_ids,
        body: json!({ "title": title, "tasks": [], "note": "Sự cố \"mã độc\" <b>" }),
    }
}

async fn records_live_within_their_agencies_and_every_change_is_audited(db: Db, _url: String) {
    let health = db.create_agency("Sở Y tế", None, "test").await.unwrap();
    let commune = db
        .create_agency("UBND xã Tân Phú", None, "test")
        .await
        .unwrap();
    let first = record(vec![health.id.clone()], "Mã độc", 20);
    let both = record(
        vec![health.id.clone(), commune.id.clone(), health.id.clone()],
        "DDoS",
        21,
    );
    for r in [&first, &both] {
        db.insert_case_record(CaseKind::Incident, r, "user:minh", "incident.create")
            .await
            .unwrap();
    }
    let advisory = record(Vec::new(), "Lỗ hổng nginx", 22);
    db.insert_case_record(
        CaseKind::Advisory,
        &advisory,
        "user:minh",
        "advisory.create",
    )
    .await
    .unwrap();

    let all = db
        .list_case_records(CaseKind::Incident, &Tenant::All)
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(),
        ["DDoS", "Mã độc"],
        "newest first, advisories apart"
    );
    assert_eq!(all[0].agency_ids.len(), 2, "each agency once");
    assert_eq!(all[1], first);
    let commune_sees = db
        .list_case_records(CaseKind::Incident, &Tenant::Agency(commune.id.clone()))
        .await
        .unwrap();
    assert_eq!(commune_sees.len(), 1);
    let hidden = db
        .case_record(
            CaseKind::Incident,
            &Tenant::Agency(commune.id.clone()),
            &first.id,
        )
        .await
        .unwrap();
    assert!(hidden.is_none());
    assert!(db
        .list_case_records(CaseKind::Advisory, &Tenant::Agency(health.id.clone()))
        .await
        .unwrap()
        .is_empty());

    // A refused change stores nothing; an accepted one stores and audits before/after.
    let refused = db
        .update_case_record(
            CaseKind::Incident,
            &Tenant::All,
            &first.id,
            "user:minh",
            "incident.transition",
            |_| Err::<CaseRecord, Error>(Error::Invalid("no".into())),
        )
        .await;
    assert!(matches!(refused, Err(Error::Invalid(_))));
    let outside = db
        .update_case_record(
            CaseKind::Incident,
            &Tenant::Agency(commune.id.clone()),
            &first.id,
            "x",
            "incident.transition",
            Ok::<CaseRecord, Error>,
        )
        .await;
    assert!(matches!(outside, Err(Error::NotFound(_))));
    let changed = db
        .update_case_record(
            CaseKind::Incident,
            &Tenant::Agency(health.id.clone()),
            &first.id,
            "user:minh",
            "incident.transition",
            |mut r| {
                r.status = "triage".into();
                r.body["status"] = json!("triage");
                r.agency_ids.push(commune.id.clone());
                Ok::<_, Error>(r)
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.status, "triage");
    let stored = db
        .case_record(
            CaseKind::Incident,
            &Tenant::Agency(commune.id.clone()),
            &first.id,
        )
        .await
        .unwrap()
        .expect("now involves the commune");
    assert_eq!(stored.body["status"], "triage");
    assert_eq!(stored.body["note"], "Sự cố \"mã độc\" <b>");

    db.delete_case_record(
        CaseKind::Advisory,
        &Tenant::All,
        &advisory.id,
        "user:minh",
        "advisory.delete",
    )
    .await
    .unwrap();
    assert!(db
        .case_record(CaseKind::Advisory, &Tenant::All, &advisory.id)
        .await
        .unwrap()
        .is_none());

    let history = db
        .audit_list(Some(&format!("incident:{}", first.id)), 10, 0)
        .await
        .unwrap();
    let actions: Vec<&str> = history.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["incident.transition", "incident.create"]);
    assert!(history[0].before.as_deref().unwrap().contains("\"tasks\""));
    assert!(history[0].after.as_deref().unwrap().contains("triage"));
    let deleted = db
        .audit_list(Some(&format!("advisory:{}", advisory.id)), 10, 0)
        .await
        .unwrap();
    assert_eq!(deleted[0].action, "advisory.delete");
    assert!(deleted[0].after.is_none());
    assert!(matches!(
        db.audit_verify().await.unwrap(),
        AuditCheck::Intact { .. }
    ));
}
