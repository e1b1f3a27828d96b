//! Incidents over a real SQLite database: the workflow (forward only, no closing without
//! a resolution or with open tasks, reopen), tenancy, the timeline and audit trail, and
//! the reporting clocks computed in Asia/Ho_Chi_Minh time across a midnight, a month and
//! a year boundary.

use chrono::{DateTime, TimeZone, Utc};
use vigil_soc::incidents::{
    check_transition, Incident, IncidentStatus, IncidentUpdate, NewIncident, TaskUpdate,
};
use vigil_soc::reporting::{
    duties, local_text, next_deadline, DutyKind, ReportingPolicy, LOCAL_ZONE,
};
use vigil_soc::{Error, Incidents};
use vigil_store::db::{AuditCheck, Db, Severity, SystemDetails, Tenant};

async fn open() -> (tempfile::TempDir, Db, Incidents) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&format!("sqlite://{}/state.db", dir.path().display()))
        .await
        .unwrap();
    (dir, db.clone(), Incidents::new(db))
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// An incident of agency `agency_id` discovered at `detected_at`.
fn new_incident(agency_id: &str, severity: Severity, detected_at: &str) -> NewIncident {
    NewIncident {
        title: "Tấn công thay đổi giao diện cổng thông tin".into(),
        severity: Some(severity),
        agency_ids: vec![agency_id.to_owned()],
        detected_at: Some(utc(detected_at)),
        ..NewIncident::default()
    }
}

fn reasons(error: Error) -> String {
    match error {
        Error::Invalid(reasons) => reasons
            .iter()
            .map(|r| r.en.clone())
            .collect::<Vec<_>>()
            .join("; "),
        other => panic!("expected a refusal, got {other}"),
    }
}

#[tokio::test]
async fn the_workflow_moves_forward_needs_a_resolution_and_finished_tasks_and_reopens() {
    let (_dir, db, incidents) = open().await;
    let agency = db.create_agency("Sở Y tế", None, "test").await.unwrap();
    let system = db
        .create_system(&agency.id, &SystemDetails::new("Cổng thông tin", 3), "test")
        .await
        .unwrap();
    let mut new = new_incident(&agency.id, Severity::High, "2026-11-20T03:00:00Z");
    new.agency_ids.clear();
    new.system_ids = vec![system.id.clone()];
    let incident = incidents.create(&new, "user:minh").await.unwrap();
    assert_eq!(incident.status, IncidentStatus::New);
    assert_eq!(incident.agencies[0].name, "Sở Y tế", "the system's agency");
    assert_eq!(incident.systems[0].level, 3);
    let (all, id) = (Tenant::All, incident.id.clone());

    // Skipping ahead is allowed, going back is not.
    incidents
        .transition(&all, &id, IncidentStatus::Contained, None, "user:minh")
        .await
        .unwrap();
    let back = incidents
        .transition(&all, &id, IncidentStatus::Triage, None, "user:minh")
        .await
        .unwrap_err();
    assert!(reasons(back).contains("back"));
    let unresolved = incidents
        .transition(&all, &id, IncidentStatus::Closed, Some("  "), "user:minh")
        .await
        .unwrap_err();
    assert!(reasons(unresolved).contains("resolution"));

    let with_task = incidents
        .add_task(&all, &id, "Khôi phục trang", "lan", None, "user:minh")
        .await
        .unwrap();
    let task = with_task.tasks[0].id.clone();
    let open_task = incidents
        .transition(
            &all,
            &id,
            IncidentStatus::Closed,
            Some("Đã khôi phục"),
            "user:minh",
        )
        .await
        .unwrap_err();
    assert!(reasons(open_task).contains("1 tasks are still open"));
    incidents
        .update_task(
            &all,
            &id,
            &task,
            &TaskUpdate {
                done: Some(true),
                ..TaskUpdate::default()
            },
            "lan",
        )
        .await
        .unwrap();
    let closed = incidents
        .transition(
            &all,
            &id,
            IncidentStatus::Closed,
            Some("Đã khôi phục từ bản sao lưu"),
            "user:minh",
        )
        .await
        .unwrap();
    assert_eq!(closed.status, IncidentStatus::Closed);
    assert!(closed.closed_at.is_some());
    // A closed incident moves only by reopening.
    let after_close = incidents
        .transition(&all, &id, IncidentStatus::Recovered, None, "user:minh")
        .await
        .unwrap_err();
    assert!(reasons(after_close).contains("reopen"));
    let reopened = incidents
        .reopen(&all, &id, "Trang bị thay đổi lần nữa", "user:minh")
        .await
        .unwrap();
    assert_eq!(
        (reopened.status, reopened.reopened, reopened.closed_at),
        (IncidentStatus::Triage, 1, None)
    );
    assert_eq!(
        reopened.resolution, None,
        "a reopened incident needs a new resolution"
    );
    let not_closed = incidents
        .reopen(&all, &id, "again", "user:minh")
        .await
        .unwrap_err();
    assert!(reasons(not_closed).contains("only a closed incident"));

    let actions: Vec<&str> = reopened
        .timeline
        .iter()
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "created",
            "transition",
            "task",
            "task",
            "transition",
            "reopen"
        ]
    );
    let audit = db
        .audit_list(Some(&format!("incident:{id}")), 50, 0)
        .await
        .unwrap();
    assert_eq!(audit.len(), 6, "one audit record per stored change");
    assert!(matches!(
        db.audit_verify().await.unwrap(),
        AuditCheck::Intact { .. }
    ));
}

#[tokio::test]
async fn officers_reach_only_incidents_of_their_agency() {
    let (_dir, db, incidents) = open().await;
    let health = db.create_agency("Sở Y tế", None, "test").await.unwrap();
    let commune = db
        .create_agency("UBND xã Tân Phú", None, "test")
        .await
        .unwrap();
    let incident = incidents
        .create(
            &new_incident(&health.id, Severity::Medium, "2026-11-20T03:00:00Z"),
            "test",
        )
        .await
        .unwrap();
    let theirs = Tenant::Agency(commune.id.clone());
    assert!(matches!(
        incidents.get(&theirs, &incident.id).await,
        Err(Error::NotFound(_))
    ));
    assert!(incidents.list(&theirs).await.unwrap().is_empty());
    assert!(matches!(
        incidents
            .transition(&theirs, &incident.id, IncidentStatus::Triage, None, "x")
            .await,
        Err(Error::NotFound(_))
    ));
    let own = Tenant::Agency(health.id.clone());
    assert_eq!(incidents.list(&own).await.unwrap().len(), 1);

    // Widening the incident to the commune makes it theirs too.
    let widened = incidents
        .update(
            &Tenant::All,
            &incident.id,
            &IncidentUpdate {
                agency_ids: Some(vec![health.id.clone(), commune.id.clone()]),
                ..IncidentUpdate::default()
            },
            "test",
        )
        .await
        .unwrap();
    assert_eq!(widened.agencies.len(), 2);
    assert_eq!(incidents.list(&theirs).await.unwrap().len(), 1);
    let nobody = incidents
        .create(
            &NewIncident {
                title: "x".into(),
                ..NewIncident::default()
            },
            "test",
        )
        .await
        .unwrap_err();
    assert!(reasons(nobody).contains("at least one agency"));
}

/// A stored-shaped incident for the pure clock functions.
async fn stored(severity: Severity, detected_at: &str, personal_data: bool) -> Incident {
    let (_dir, db, incidents) = open().await;
    let agency = db.create_agency("Sở Tư pháp", None, "test").await.unwrap();
    let mut new = new_incident(&agency.id, severity, detected_at);
    new.personal_data_breach = personal_data;
    incidents.create(&new, "test").await.unwrap()
}

fn due(incident: &Incident, kind: DutyKind) -> String {
    duties(
        incident,
        &ReportingPolicy::default(),
        utc("2026-01-01T00:00:00Z"),
    )
    .into_iter()
    .find(|d| d.kind == kind)
    .unwrap_or_else(|| panic!("{kind:?} is not owed"))
    .due_at
    .to_rfc3339()
}

#[tokio::test]
async fn deadlines_fall_on_local_days_across_midnight_and_month_ends() {
    // 20:30 UTC on 31 January is 03:30 on 1 February in Hà Nội: the clocks run from the
    // local February day, so the 24-hour notice is due on 2 February, not 1 February.
    let incident = stored(Severity::High, "2026-01-31T20:30:00Z", false).await;
    assert_eq!(
        due(&incident, DutyKind::CyberInitialNotice),
        "2026-02-02T03:30:00+07:00"
    );
    assert_eq!(
        due(&incident, DutyKind::CyberReport),
        "2026-02-04T03:30:00+07:00"
    );
    assert_eq!(local_text(incident.detected_at), "03:30 ngày 01/02/2026");

    // 16:45 UTC on 28 February (23:45 local, the month's last day): 72 hours later is
    // 23:45 on 3 March local — across midnight and into the next month.
    let breach = stored(Severity::Medium, "2026-02-28T16:45:00Z", true).await;
    assert_eq!(
        due(&breach, DutyKind::PersonalDataBreach),
        "2026-03-03T23:45:00+07:00"
    );
    assert_eq!(
        due(&breach, DutyKind::CyberReport),
        "2026-03-03T23:45:00+07:00"
    );
    let kinds: Vec<DutyKind> = duties(&breach, &ReportingPolicy::default(), Utc::now())
        .iter()
        .map(|d| d.kind)
        .collect();
    assert_eq!(
        kinds,
        [DutyKind::CyberReport, DutyKind::PersonalDataBreach],
        "medium is reported but not serious; the breach is a second channel"
    );

    // The year's last evening: 23:10 local on 31 December 2026, due 23:10 on 1 January.
    let new_year = stored(Severity::Critical, "2026-12-31T16:10:00Z", false).await;
    assert_eq!(
        due(&new_year, DutyKind::CyberInitialNotice),
        "2027-01-01T23:10:00+07:00"
    );
    let local = LOCAL_ZONE.with_ymd_and_hms(2027, 1, 1, 23, 10, 0).unwrap();
    assert_eq!(
        next_deadline(&new_year, &ReportingPolicy::default(), Utc::now()).unwrap(),
        local.fixed_offset()
    );
}

#[tokio::test]
async fn reporting_follows_the_policy_and_sent_reports_stop_their_clock() {
    let (_dir, db, incidents) = open().await;
    let agency = db
        .create_agency("Văn phòng UBND tỉnh", None, "test")
        .await
        .unwrap();
    let low = incidents
        .create(
            &new_incident(&agency.id, Severity::Low, "2026-11-20T03:00:00Z"),
            "test",
        )
        .await
        .unwrap();
    let policy = ReportingPolicy::default();
    assert!(duties(&low, &policy, Utc::now()).is_empty());
    let strict = ReportingPolicy {
        report_from: Severity::Low,
        serious_from: Severity::Low,
    };
    assert_eq!(duties(&low, &strict, Utc::now()).len(), 2);

    let mut security = new_incident(&agency.id, Severity::Low, "2026-11-20T03:00:00Z");
    security.national_security = true;
    let security = incidents.create(&security, "test").await.unwrap();
    let clocks = duties(&security, &policy, utc("2026-11-20T03:00:01Z"));
    assert_eq!(clocks[0].kind, DutyKind::CyberImmediate);
    assert_eq!(clocks[0].due_at.to_rfc3339(), "2026-11-20T10:00:00+07:00");
    assert!(clocks[0].overdue, "immediately means now");
    assert!(clocks[0].recipients.iter().any(|r| r.vi.contains("A05")));
    assert!(clocks[0]
        .recipients
        .iter()
        .any(|r| r.vi.contains("Công an tỉnh")));

    let sent = incidents
        .record_report_sent(
            &Tenant::All,
            &security.id,
            DutyKind::CyberImmediate,
            utc("2026-11-20T03:20:00Z"),
            Some("01/TB-SOC"),
            "user:minh",
        )
        .await
        .unwrap();
    assert_eq!(
        next_deadline(&sent, &policy, Utc::now())
            .unwrap()
            .to_rfc3339(),
        "2026-11-21T10:00:00+07:00",
        "the 24-hour notice is next"
    );
    let again = incidents
        .record_report_sent(
            &Tenant::All,
            &security.id,
            DutyKind::CyberImmediate,
            Utc::now(),
            None,
            "x",
        )
        .await
        .unwrap_err();
    assert!(reasons(again).contains("already"));
    let not_owed = incidents
        .record_report_sent(
            &Tenant::All,
            &security.id,
            DutyKind::PersonalDataBreach,
            Utc::now(),
            None,
            "x",
        )
        .await
        .unwrap_err();
    assert!(reasons(not_owed).contains("does not owe"));
    assert_eq!(sent.timeline.last().unwrap().action, "report_sent");
    assert!(check_transition(&sent, IncidentStatus::Closed, None)
        .iter()
        .any(|r| r.en.contains("resolution")));
}
