//! The register's persistence on SQLite and on PostgreSQL (see [`backends`]): systems with
//! their addresses and components within a tenant, an all-or-nothing import that creates
//! agencies, catalogue versions, self-assessments, evidence hashes, inspections and
//! findings, attribution sources from registered addresses, and alerts reading their
//! system's level — each change in the audit chain.

mod backends;

use chrono::{Duration, NaiveDate, Utc};
use vigil_store::db::{
    AddressKind, AlertLevel, AuditCheck, Component, ControlAssessment, ControlResult, Db,
    Detection, DossierStatus, FindingStatus, FindingUpdate, NewFinding, NewInspection, Severity,
    SystemAddress, SystemDetails, SystemFilter, Tenant,
};

use backends::on_both;

on_both!(
    systems_round_trip_within_their_tenant,
    imports_create_agencies_and_update_by_name,
    assessments_findings_and_evidence_are_kept,
    registered_addresses_attribute_and_raise_alerts,
);

fn portal() -> SystemDetails {
    let mut d = SystemDetails::new("Cổng dịch vụ công", 3);
    d.personal_data = true;
    d.dossier_status = DossierStatus::Approved;
    d.decision_number = Some("12/QĐ-UBND".into());
    d.decision_date = NaiveDate::from_ymd_opt(2026, 9, 1);
    d.approving_authority = Some("UBND tỉnh".into());
    d.addresses = vec![
        SystemAddress {
            address: "https://dvc.example.gov.vn:8443/portal".into(),
            kind: AddressKind::Url,
            internet_facing: true,
        },
        SystemAddress {
            address: "10.40.0.0/24".into(),
            kind: AddressKind::Cidr,
            internet_facing: false,
        },
    ];
    d.components = vec![
        Component {
            name: "nginx".into(),
            version: Some("1.24.0".into()),
            cpe: None,
        },
        Component {
            name: "http_server".into(),
            version: Some("2.4.58".into()),
            cpe: Some("cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*".into()),
        },
    ];
    d
}

async fn systems_round_trip_within_their_tenant(db: Db, _url: String) {
    let a = db.create_agency("Sở Y tế", None, "t").await.unwrap();
    let b = db.create_agency("Sở Tư pháp", None, "t").await.unwrap();
    let created = db.create_system(&a.id, &portal(), "t").await.unwrap();
    db.create_system(&b.id, &SystemDetails::new("Hộ tịch", 2), "t")
        .await
        .unwrap();
    let found = db.system(&Tenant::All, &created.id).await.unwrap().unwrap();
    assert_eq!(found, created);
    assert_eq!(found.agency, "Sở Y tế");
    let mut expected = portal();
    expected.addresses.sort_by(|x, y| x.address.cmp(&y.address));
    expected.components.sort_by(|x, y| x.name.cmp(&y.name));
    assert_eq!(found.details, expected);

    let of_b = Tenant::Agency(b.id.clone());
    assert!(db.system(&of_b, &created.id).await.unwrap().is_none());
    assert_eq!(
        db.list_systems(&of_b, &SystemFilter::default())
            .await
            .unwrap()
            .len(),
        1
    );
    let level_3 = SystemFilter {
        level: Some(3),
        ..SystemFilter::default()
    };
    assert_eq!(
        db.list_systems(&Tenant::All, &level_3).await.unwrap().len(),
        1
    );
    let returned = SystemFilter {
        dossier_status: Some(DossierStatus::Returned),
        ..SystemFilter::default()
    };
    assert!(db
        .list_systems(&Tenant::All, &returned)
        .await
        .unwrap()
        .is_empty());

    let mut changed = found.details.clone();
    changed.level = 4;
    changed.addresses.truncate(1);
    let after = db
        .update_system(&created.id, &changed, "officer")
        .await
        .unwrap();
    assert_eq!(after.details.level, 4);
    assert_eq!(after.details.addresses.len(), 1);
    // One name per agency.
    assert!(db.create_system(&a.id, &portal(), "t").await.is_err());
    assert!(matches!(
        db.audit_verify().await.unwrap(),
        AuditCheck::Intact { .. }
    ));
}

async fn imports_create_agencies_and_update_by_name(db: Db, _url: String) {
    db.create_agency("Sở Y tế", None, "t").await.unwrap();
    let rows = vec![
        ("Sở Y tế".to_owned(), portal()),
        (
            "UBND xã Tân Phú".to_owned(),
            SystemDetails::new("Một cửa", 3),
        ),
        (
            "UBND xã Tân Phú".to_owned(),
            SystemDetails::new("Thư điện tử", 1),
        ),
    ];
    let outcome = db.import_systems(&rows, "cli").await.unwrap();
    assert_eq!(
        (
            outcome.agencies_created,
            outcome.systems_created,
            outcome.systems_updated
        ),
        (1, 3, 0)
    );
    let again = db.import_systems(&rows, "cli").await.unwrap();
    assert_eq!((again.systems_created, again.systems_updated), (0, 3));
    // A failing row (an empty agency name) leaves nothing of its batch behind.
    let bad = vec![
        ("Sở Mới".to_owned(), SystemDetails::new("A", 1)),
        (" ".to_owned(), SystemDetails::new("B", 1)),
    ];
    assert!(db.import_systems(&bad, "cli").await.is_err());
    assert!(db.agency_by_name("Sở Mới").await.unwrap().is_none());
    assert_eq!(
        db.list_systems(&Tenant::All, &SystemFilter::default())
            .await
            .unwrap()
            .len(),
        3
    );
}

async fn assessments_findings_and_evidence_are_kept(db: Db, _url: String) {
    let a = db.create_agency("Sở Tài chính", None, "t").await.unwrap();
    let system = db.create_system(&a.id, &portal(), "t").await.unwrap();
    let first = db.add_catalogue_version("v1", "{}", "admin").await.unwrap();
    let second = db
        .add_catalogue_version("v2", "{\"x\":1}", "admin")
        .await
        .unwrap();
    assert_eq!((first.version, second.version), (1, 2));
    assert_eq!(
        db.catalogue_version(None).await.unwrap().unwrap().title,
        "v2"
    );
    assert_eq!(
        db.catalogue_version(Some(1))
            .await
            .unwrap()
            .unwrap()
            .body_json,
        "{}"
    );
    let results = vec![
        ControlAssessment {
            control_id: "A".into(),
            result: ControlResult::Partly,
            comment: Some("đang triển khai".into()),
        },
        ControlAssessment {
            control_id: "B".into(),
            result: ControlResult::NotApplicable,
            comment: None,
        },
    ];
    db.record_assessment(&system.id, 1, &results[..1], "t")
        .await
        .unwrap();
    let newest = db
        .record_assessment(&system.id, 2, &results, "t")
        .await
        .unwrap();
    let latest = db.list_assessments(&Tenant::All, None, true).await.unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].id, newest.id);
    assert_eq!(latest[0].results, results);
    let other = Tenant::Agency("someone else".into());
    assert!(db
        .list_assessments(&other, None, false)
        .await
        .unwrap()
        .is_empty());

    let owner = format!("assessment:{}", newest.id);
    let kept = db
        .add_evidence(&owner, Some("A"), "bien-ban.pdf", b"abc", "t")
        .await
        .unwrap();
    assert_eq!(
        kept.sha256,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(db.list_evidence(&owner).await.unwrap(), vec![kept]);

    let plan = db
        .create_inspection_plan(2026, "Kế hoạch 2026", "t")
        .await
        .unwrap();
    let inspection = db
        .create_inspection(
            &NewInspection {
                plan_id: Some(plan.id),
                agency_id: a.id.clone(),
                team: "Đoàn 1".into(),
                planned_date: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
                done_date: None,
                scope: "Cổng dịch vụ công".into(),
                system_ids: vec![system.id.clone()],
            },
            "t",
        )
        .await
        .unwrap();
    let done = db
        .complete_inspection(
            &inspection.id,
            NaiveDate::from_ymd_opt(2026, 4, 3).unwrap(),
            "t",
        )
        .await
        .unwrap();
    assert_eq!(done.inspection.system_ids, vec![system.id.clone()]);
    assert_eq!(
        db.list_inspections(&Tenant::All, None).await.unwrap(),
        vec![done]
    );
    let finding = db
        .create_finding(
            &NewFinding {
                agency_id: a.id.clone(),
                system_id: Some(system.id.clone()),
                inspection_id: Some(inspection.id),
                control_id: Some("A".into()),
                severity: Severity::Critical,
                description: "Tường lửa cho phép truy cập quản trị từ Internet".into(),
                deadline: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
                owner: "Phòng CNTT".into(),
            },
            "inspector",
        )
        .await
        .unwrap();
    assert_eq!(finding.status, FindingStatus::Open);
    let update = FindingUpdate {
        status: Some(FindingStatus::Remediated),
        remediation: Some("Đã chặn cổng quản trị".into()),
        ..FindingUpdate::default()
    };
    let fixed = db
        .update_finding(&finding.id, &update, "officer")
        .await
        .unwrap();
    assert_eq!(fixed.remediation.as_deref(), Some("Đã chặn cổng quản trị"));
    assert_eq!(fixed.finding.deadline, finding.finding.deadline);
    assert!(db.finding(&other, &finding.id).await.unwrap().is_none());
    assert_eq!(
        db.list_findings(&Tenant::Agency(a.id)).await.unwrap(),
        vec![fixed]
    );
    assert!(matches!(
        db.audit_verify().await.unwrap(),
        AuditCheck::Intact { .. }
    ));
}

async fn registered_addresses_attribute_and_raise_alerts(db: Db, _url: String) {
    let a = db.create_agency("Sở Y tế", None, "t").await.unwrap();
    db.create_system(&a.id, &portal(), "t").await.unwrap();
    let sources = db.attribution_sources().await.unwrap();
    let mut addresses: Vec<_> = sources.iter().map(|s| s.address.as_str()).collect();
    addresses.sort();
    assert_eq!(addresses, ["10.40.0.0/24", "dvc.example.gov.vn"]);
    assert!(sources
        .iter()
        .all(|s| s.system.as_deref() == Some("Cổng dịch vụ công")));

    let detection = |system: &str| Detection {
        rule_id: "r".into(),
        rule_title: "Quét web".into(),
        rule_author: None,
        level: AlertLevel::Low,
        agency_id: a.id.clone(),
        system: Some(system.into()),
        host: format!("{system}-host"),
        event_id: "e".into(),
        at: Utc::now(),
    };
    db.upsert_detection(&detection("Cổng dịch vụ công"), Duration::minutes(15))
        .await
        .unwrap();
    db.upsert_detection(&detection("không đăng ký"), Duration::minutes(15))
        .await
        .unwrap();
    let (alerts, _) = db
        .list_alerts(&Default::default(), &Tenant::All)
        .await
        .unwrap();
    let of = |system: &str| {
        alerts
            .iter()
            .find(|x| x.system.as_deref() == Some(system))
            .unwrap()
    };
    assert_eq!(of("Cổng dịch vụ công").system_level, Some(3));
    assert_eq!(of("Cổng dịch vụ công").priority, AlertLevel::Medium);
    assert_eq!(of("không đăng ký").system_level, None);
    assert_eq!(of("không đăng ký").priority, AlertLevel::Low);
}
