//! The register's domain rules over a real SQLite database: compliance arithmetic,
//! catalogue versions, the dossier lifecycle, findings and overdue tracking, tenancy,
//! monitoring gaps and the audit trail.

use chrono::{Duration, NaiveDate};
use std::collections::HashSet;
use vigil_soc::address::parse_address;
use vigil_soc::catalogue::{Control, ControlGroup, ControlKind};
use vigil_soc::gaps::{GapKind, Observations};
use vigil_soc::{Catalogue, Error, Register};
use vigil_store::db::{
    ControlAssessment, ControlResult, Db, DossierStatus, FindingStatus, FindingUpdate, NewFinding,
    NewInspection, Severity, SystemDetails, Tenant,
};

async fn open() -> (tempfile::TempDir, Db, Register) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&format!("sqlite://{}/state.db", dir.path().display()))
        .await
        .unwrap();
    (dir, db.clone(), Register::new(db))
}

fn group(code: &str, kind: ControlKind) -> ControlGroup {
    ControlGroup {
        code: code.into(),
        kind,
        vi: code.into(),
        en: code.into(),
    }
}

fn control(id: &str, group: &str, levels: &[u8]) -> Control {
    Control {
        id: id.into(),
        group: group.into(),
        levels: levels.to_vec(),
        vi: id.into(),
        en: id.into(),
    }
}

/// Network: A (all levels), B (all), C (levels 3–5); policy: D (all).
fn small_catalogue() -> Catalogue {
    Catalogue {
        title: "thử nghiệm / test".into(),
        groups: vec![
            group("network", ControlKind::Technical),
            group("policy", ControlKind::Management),
        ],
        controls: vec![
            control("A", "network", &[1, 2, 3, 4, 5]),
            control("B", "network", &[1, 2, 3, 4, 5]),
            control("C", "network", &[3, 4, 5]),
            control("D", "policy", &[1, 2, 3, 4, 5]),
        ],
    }
}

fn answer(id: &str, result: ControlResult) -> ControlAssessment {
    ControlAssessment {
        control_id: id.into(),
        result,
        comment: None,
    }
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[tokio::test]
async fn compliance_counts_met_one_partly_half_skips_not_applicable_and_pools_systems() {
    let (_dir, db, register) = open().await;
    let agency = db.create_agency("Sở Y tế", None, "t").await.unwrap();
    let (version, _) = register
        .replace_catalogue(small_catalogue(), "admin")
        .await
        .unwrap();
    assert_eq!(
        version, 1,
        "replacing on an empty database is the first version"
    );
    let low = register
        .create_system(&agency.id, &SystemDetails::new("Cổng thông tin", 1), "t")
        .await
        .unwrap();
    let high = register
        .create_system(&agency.id, &SystemDetails::new("Một cửa điện tử", 3), "t")
        .await
        .unwrap();
    use ControlResult::*;
    // Level 1 needs A, B, D: A met (1) + B partly (0.5), D not applicable → 1.5 / 2.
    register
        .record_assessment(
            &Tenant::All,
            &low.id,
            &[
                answer("A", Met),
                answer("B", Partly),
                answer("D", NotApplicable),
            ],
            "t",
        )
        .await
        .unwrap();
    // Level 3 needs A, B, C, D: A met, B not met, C unanswered (= not met), D partly
    // → 1.5 / 4.
    register
        .record_assessment(
            &Tenant::All,
            &high.id,
            &[answer("A", Met), answer("B", NotMet), answer("D", Partly)],
            "t",
        )
        .await
        .unwrap();
    let compliance = register.compliance(&Tenant::All).await.unwrap();
    let score = |id: &str| {
        compliance
            .systems
            .iter()
            .find(|s| s.system_id == id)
            .and_then(|s| s.score.as_ref())
            .map(|s| s.total.percent())
            .unwrap()
    };
    assert_eq!(score(&low.id), Some(75.0));
    assert_eq!(score(&high.id), Some(37.5));
    let rollup = &compliance.rollup;
    // Pooled: (1.5 + 1.5) / (2 + 4).
    assert_eq!(rollup.by_agency["Sở Y tế"].percent(), Some(50.0));
    assert_eq!(rollup.by_level[&1].percent(), Some(75.0));
    assert_eq!(rollup.by_level[&3].percent(), Some(37.5));
    // Network: low A 1 + B 0.5, high A 1 + B 0 + C 0 → 2.5 / 5; policy: high D 0.5 / 1.
    assert_eq!(rollup.by_group["network"].percent(), Some(50.0));
    assert_eq!(rollup.by_group["policy"].percent(), Some(50.0));
    assert_eq!(compliance.unassessed, 0);

    // An unknown or repeated control is refused, nothing recorded.
    let refused = register
        .record_assessment(
            &Tenant::All,
            &low.id,
            &[answer("Z", Met), answer("A", Met), answer("A", Met)],
            "t",
        )
        .await;
    match refused {
        Err(Error::Invalid(reasons)) => assert_eq!(reasons.len(), 2, "{reasons:?}"),
        other => panic!("expected invalid, got {other:?}"),
    }
    assert_eq!(
        db.list_assessments(&Tenant::All, Some(&low.id), false)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn catalogue_versions_keep_old_assessments_meaning() {
    let (_dir, db, register) = open().await;
    let (first, builtin) = register.catalogue(None).await.unwrap();
    assert_eq!(
        (first, builtin.clone()),
        (1, Catalogue::builtin()),
        "shipped catalogue seeds version 1"
    );
    let (second, _) = register
        .replace_catalogue(small_catalogue(), "admin")
        .await
        .unwrap();
    assert_eq!(second, 2);
    let agency = db.create_agency("Sở Tư pháp", None, "t").await.unwrap();
    let system = register
        .create_system(&agency.id, &SystemDetails::new("Lý lịch tư pháp", 1), "t")
        .await
        .unwrap();
    let assessment = register
        .record_assessment(
            &Tenant::All,
            &system.id,
            &[answer("A", ControlResult::Met)],
            "t",
        )
        .await
        .unwrap();
    assert_eq!(assessment.catalogue_version, 2);
    let before = register.compliance(&Tenant::All).await.unwrap().systems[0].clone();

    // Version 3 drops A and adds E: the old assessment is still scored against version 2.
    let mut third = small_catalogue();
    third.controls.retain(|c| c.id != "A");
    third.controls.push(control("E", "policy", &[1]));
    assert_eq!(
        register.replace_catalogue(third, "admin").await.unwrap().0,
        3
    );
    let after = register.compliance(&Tenant::All).await.unwrap().systems[0].clone();
    assert_eq!(after.catalogue_version, Some(2));
    assert_eq!(after.score, before.score);
    // A = 1 of A, B, D → 33.3 %.
    assert_eq!(after.score.unwrap().total.percent(), Some(33.3));

    // An incoherent catalogue is refused and makes no version.
    let mut broken = small_catalogue();
    broken.controls[0].group = "vật lý".into();
    assert!(matches!(
        register.replace_catalogue(broken, "admin").await,
        Err(Error::Invalid(_))
    ));
    assert_eq!(register.catalogue(None).await.unwrap().0, 3);
    assert_eq!(register.catalogue(Some(1)).await.unwrap().1, builtin);
}

#[tokio::test]
async fn dossiers_move_step_by_step_and_approval_needs_its_decision() {
    let (_dir, db, register) = open().await;
    let agency = db
        .create_agency("Văn phòng UBND tỉnh", None, "t")
        .await
        .unwrap();
    let system = register
        .create_system(&agency.id, &SystemDetails::new("Quản lý văn bản", 3), "t")
        .await
        .unwrap();
    let mut details = system.details.clone();
    let change = |status: DossierStatus, details: &mut SystemDetails| {
        details.dossier_status = status;
        details.clone()
    };

    // Draft cannot jump to approved, and an approval without its decision is refused.
    let jump = change(DossierStatus::Approved, &mut details);
    match register
        .update_system(&Tenant::All, &system.id, &jump, "t")
        .await
    {
        Err(Error::Invalid(reasons)) => {
            let text: Vec<String> = reasons.iter().map(|r| r.en.clone()).collect();
            assert!(
                text.iter()
                    .any(|t| t.contains("cannot move from draft to approved")),
                "{text:?}"
            );
            assert!(
                text.iter().any(|t| t.contains("decision number")),
                "{text:?}"
            );
        }
        other => panic!("expected invalid, got {other:?}"),
    }
    for status in [DossierStatus::Submitted, DossierStatus::Appraised] {
        let next = change(status, &mut details);
        register
            .update_system(&Tenant::All, &system.id, &next, "t")
            .await
            .unwrap();
    }
    let approve = change(DossierStatus::Approved, &mut details);
    let refused = register
        .update_system(&Tenant::All, &system.id, &approve, "t")
        .await;
    assert!(
        matches!(refused, Err(Error::Invalid(ref r)) if r.len() == 3),
        "{refused:?}"
    );
    details.decision_number = Some("123/QĐ-UBND".into());
    details.decision_date = Some(date("2026-09-15"));
    details.approving_authority = Some("Chủ tịch UBND tỉnh".into());
    let approved = register
        .update_system(&Tenant::All, &system.id, &details, "t")
        .await
        .unwrap();
    assert_eq!(approved.details.dossier_status, DossierStatus::Approved);

    // Approved never goes back to submitted; re-classification starts from draft.
    let back = change(DossierStatus::Submitted, &mut details);
    assert!(register
        .update_system(&Tenant::All, &system.id, &back, "t")
        .await
        .is_err());
    let redo = change(DossierStatus::Draft, &mut details);
    register
        .update_system(&Tenant::All, &system.id, &redo, "t")
        .await
        .unwrap();

    // Levels 1–2: the specialised unit appraises and approves in one step.
    let mut small = SystemDetails::new("Trang tin nội bộ", 2);
    small.dossier_status = DossierStatus::Submitted;
    let small_system = register
        .create_system(&agency.id, &small, "t")
        .await
        .unwrap();
    small.dossier_status = DossierStatus::Approved;
    small.decision_number = Some("45/QĐ-VP".into());
    small.decision_date = Some(date("2026-10-01"));
    small.approving_authority = Some("Phòng An ninh mạng".into());
    register
        .update_system(&Tenant::All, &small_system.id, &small, "t")
        .await
        .unwrap();

    // State secrets need level 3 or more.
    let mut secret = SystemDetails::new("Mạng LAN độc lập", 2);
    secret.state_secrets = true;
    assert!(register
        .create_system(&agency.id, &secret, "t")
        .await
        .is_err());

    // Every change is audited with the state before and after.
    let history = db
        .audit_list(Some(&format!("system:{}", system.id)), 100, 0)
        .await
        .unwrap();
    let updates: Vec<_> = history
        .iter()
        .filter(|r| r.action == "system.update")
        .collect();
    assert_eq!(updates.len(), 4, "submitted, appraised, approved, draft");
    let last = updates[0];
    assert!(last
        .before
        .as_deref()
        .unwrap()
        .contains("\"dossier_status\":\"approved\""));
    assert!(last
        .after
        .as_deref()
        .unwrap()
        .contains("\"dossier_status\":\"draft\""));
}

#[tokio::test]
async fn other_agencies_systems_are_not_found() {
    let (_dir, db, register) = open().await;
    let a = db.create_agency("Sở A", None, "t").await.unwrap();
    let b = db.create_agency("Sở B", None, "t").await.unwrap();
    let system = register
        .create_system(&b.id, &SystemDetails::new("Hệ thống của B", 2), "t")
        .await
        .unwrap();
    let officer_of_a = Tenant::Agency(a.id.clone());
    let edit = register
        .update_system(&officer_of_a, &system.id, &system.details, "officer")
        .await;
    assert!(matches!(edit, Err(Error::NotFound(_))), "{edit:?}");
    let assess = register
        .record_assessment(&officer_of_a, &system.id, &[], "officer")
        .await;
    assert!(matches!(assess, Err(Error::NotFound(_))), "{assess:?}");
    assert!(register
        .visible_system(&Tenant::Agency(b.id), &system.id)
        .await
        .is_ok());
}

#[tokio::test]
async fn findings_are_overdue_after_their_deadline_until_remediated_and_verified() {
    let (_dir, db, register) = open().await;
    let agency = db
        .create_agency("UBND xã Tân Phú", None, "t")
        .await
        .unwrap();
    let today = date("2026-11-23");
    let plan = db
        .create_inspection_plan(2026, "Kế hoạch kiểm tra 2026", "t")
        .await
        .unwrap();
    let inspection = db
        .create_inspection(
            &NewInspection {
                plan_id: Some(plan.id.clone()),
                agency_id: agency.id.clone(),
                team: "Đoàn kiểm tra số 1".into(),
                planned_date: date("2026-06-10"),
                done_date: None,
                scope: "Hệ thống một cửa".into(),
                system_ids: vec![],
            },
            "t",
        )
        .await
        .unwrap();
    db.complete_inspection(&inspection.id, date("2026-06-12"), "t")
        .await
        .unwrap();
    db.create_inspection(
        &NewInspection {
            plan_id: Some(plan.id),
            agency_id: agency.id.clone(),
            team: "Đoàn kiểm tra số 2".into(),
            planned_date: date("2026-12-01"),
            done_date: None,
            scope: "Mạng nội bộ".into(),
            system_ids: vec![],
        },
        "t",
    )
    .await
    .unwrap();
    let finding = |deadline: NaiveDate| NewFinding {
        agency_id: agency.id.clone(),
        system_id: None,
        inspection_id: Some(inspection.id.clone()),
        control_id: Some("KT.MC.4".into()),
        severity: Severity::High,
        description: "Máy chủ chưa cập nhật bản vá".into(),
        deadline,
        owner: "Bộ phận CNTT".into(),
    };
    let late = register
        .record_finding(
            &Tenant::All,
            &finding(today - Duration::days(1)),
            "inspector",
        )
        .await
        .unwrap();
    let due_today = register
        .record_finding(&Tenant::All, &finding(today), "inspector")
        .await
        .unwrap();
    let dashboard = |register: Register| async move {
        register
            .dashboard(&Tenant::All, today, &Observations::default())
            .await
            .unwrap()
    };
    let d = dashboard(register.clone()).await;
    assert_eq!((d.findings.open, d.findings.overdue), (2, 1));
    assert_eq!(d.inspections[&2026].planned, 2);
    assert_eq!(d.inspections[&2026].done, 1);
    assert!(vigil_soc::findings::is_overdue(&late, today));
    assert!(!vigil_soc::findings::is_overdue(&due_today, today));

    // Remediated needs its remediation described; verified needs a verifier.
    let remediated = FindingUpdate {
        status: Some(FindingStatus::Remediated),
        ..FindingUpdate::default()
    };
    assert!(register
        .update_finding(&Tenant::All, &late.id, &remediated, "officer")
        .await
        .is_err());
    let remediated = FindingUpdate {
        remediation: Some("Đã cập nhật bản vá tháng 11".into()),
        ..remediated
    };
    register
        .update_finding(&Tenant::All, &late.id, &remediated, "officer")
        .await
        .unwrap();
    let d = dashboard(register.clone()).await;
    assert_eq!(
        (d.findings.open, d.findings.overdue),
        (1, 0),
        "remediated is not overdue"
    );
    let verified = FindingUpdate {
        status: Some(FindingStatus::Verified),
        ..FindingUpdate::default()
    };
    assert!(register
        .update_finding(&Tenant::All, &late.id, &verified, "inspector")
        .await
        .is_err());
    let verified = FindingUpdate {
        verified_by: Some("Đoàn kiểm tra số 1".into()),
        ..verified
    };
    let done = register
        .update_finding(&Tenant::All, &late.id, &verified, "inspector")
        .await
        .unwrap();
    assert_eq!(done.status, FindingStatus::Verified);
    // A verified finding is closed for good.
    let reopen = FindingUpdate {
        status: Some(FindingStatus::Open),
        ..FindingUpdate::default()
    };
    assert!(register
        .update_finding(&Tenant::All, &late.id, &reopen, "officer")
        .await
        .is_err());
}

#[tokio::test]
async fn monitoring_gaps_name_silent_unmonitored_and_unregistered() {
    let (_dir, db, register) = open().await;
    let agency = db.create_agency("Sở Tài chính", None, "t").await.unwrap();
    let mut portal = SystemDetails::new("Cổng dịch vụ", 3);
    portal
        .addresses
        .push(parse_address("203.0.113.10").unwrap());
    let portal = register
        .create_system(&agency.id, &portal, "t")
        .await
        .unwrap();
    let bare = register
        .create_system(&agency.id, &SystemDetails::new("Kho dữ liệu", 4), "t")
        .await
        .unwrap();
    let seen = Observations {
        systems_with_logs: HashSet::from([(agency.id.clone(), "Cổng dịch vụ".to_owned())]),
        hosts: vec![
            "203.0.113.10".into(),
            "198.51.100.7".into(),
            "8.8.4.4".into(),
            "10.0.0.5".into(),
            "web01".into(),
        ],
        window_days: 7,
    };
    let gaps = register
        .dashboard(&Tenant::All, date("2026-11-23"), &seen)
        .await
        .unwrap()
        .monitoring_gaps;
    let of = |kind: GapKind| gaps.iter().filter(move |g| g.kind == kind);
    let silent: Vec<_> = of(GapKind::NoRecentLogs)
        .map(|g| g.system_id.clone().unwrap())
        .collect();
    assert_eq!(silent, vec![bare.id.clone()]);
    let unmonitored: Vec<_> = of(GapKind::UnmonitoredHighLevel)
        .map(|g| g.system_id.clone().unwrap())
        .collect();
    assert_eq!(unmonitored, vec![bare.id]);
    // 198.51.100.7 is documentation space and 10.0.0.5 private: only 8.8.4.4 is a
    // public address nobody registered.
    let unregistered: Vec<_> = of(GapKind::UnregisteredInternetAddress)
        .map(|g| g.address.clone().unwrap())
        .collect();
    assert_eq!(unregistered, vec!["8.8.4.4".to_owned()]);
    assert!(!gaps
        .iter()
        .any(|g| g.system_id.as_deref() == Some(portal.id.as_str())));
}

#[tokio::test]
async fn an_agencys_systems_have_distinct_names() {
    let (_dir, db, register) = open().await;
    let a = db.create_agency("Sở A", None, "t").await.unwrap();
    let b = db.create_agency("Sở B", None, "t").await.unwrap();
    let portal = SystemDetails::new("Cổng thông tin", 2);
    let first = register.create_system(&a.id, &portal, "t").await.unwrap();
    // Another agency may use the same name; the same agency may not.
    register.create_system(&b.id, &portal, "t").await.unwrap();
    let twin = register.create_system(&a.id, &portal, "t").await;
    assert!(
        matches!(twin, Err(Error::Invalid(ref r)) if r[0].en.contains("already has")),
        "{twin:?}"
    );
    let other = register
        .create_system(&a.id, &SystemDetails::new("Thư điện tử", 1), "t")
        .await
        .unwrap();
    let mut renamed = other.details.clone();
    renamed.name = "Cổng thông tin".into();
    assert!(register
        .update_system(&Tenant::All, &other.id, &renamed, "t")
        .await
        .is_err());
    // Saving a system under its own name is no conflict.
    register
        .update_system(&Tenant::All, &first.id, &first.details, "t")
        .await
        .unwrap();
}

#[tokio::test]
async fn an_import_keeps_what_its_file_has_no_column_for() {
    let (_dir, db, register) = open().await;
    let agency = db.create_agency("Sở Y tế", None, "t").await.unwrap();
    let mut recorded = SystemDetails::new("Bệnh án điện tử", 3);
    recorded.purpose = Some("Quản lý hồ sơ bệnh án".into());
    recorded.decision_number = Some("77/QĐ-SYT".into());
    recorded.addresses = vec![parse_address("203.0.113.20").unwrap()];
    recorded.addresses[0].internet_facing = false;
    register
        .create_system(&agency.id, &recorded, "t")
        .await
        .unwrap();

    let cells = |rows: &[&[&str]]| -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    };
    // The contract's columns without `components`: level and status change, the
    // addresses are restated, everything else stays.
    let rows = vigil_soc::parse_register(&cells(&[
        &[
            "agency",
            "system_name",
            "level",
            "dossier_status",
            "addresses",
        ],
        &[
            "Sở Y tế",
            "Bệnh án điện tử",
            "4",
            "submitted",
            "203.0.113.20; emr.example.gov.vn",
        ],
    ]))
    .unwrap();
    let outcome = register.import(&rows, "cli").await.unwrap();
    assert_eq!(outcome.systems_updated, 1);
    let after = &db
        .list_systems(&Tenant::All, &Default::default())
        .await
        .unwrap()[0]
        .details;
    assert_eq!(
        (after.level, after.dossier_status),
        (4, DossierStatus::Submitted)
    );
    assert_eq!(after.purpose.as_deref(), Some("Quản lý hồ sơ bệnh án"));
    assert_eq!(after.decision_number.as_deref(), Some("77/QĐ-SYT"));
    let facing: Vec<(&str, bool)> = after
        .addresses
        .iter()
        .map(|a| (a.address.as_str(), a.internet_facing))
        .collect();
    assert_eq!(
        facing,
        [("203.0.113.20", false), ("emr.example.gov.vn", true)],
        "a known address keeps its flag, a new one is inferred"
    );
}
