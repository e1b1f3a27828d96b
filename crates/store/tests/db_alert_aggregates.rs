//! The alert aggregates behind the console's dashboard and live queue (grouped counts,
//! counts per level over time, the opened-after cursor), on SQLite and PostgreSQL; see
//! [`backends`].

mod backends;

use chrono::{DateTime, Duration, Utc};
use vigil_store::db::{
    AlertBucket, AlertCriteria, AlertGroup, AlertLevel, AlertStatus, AlertUpdate, Db, Detection,
    Tenant,
};

use backends::on_both;

on_both!(
    grouped_counts_respect_criteria_and_tenant,
    counts_over_time_are_bucketed_per_level,
    the_cursor_yields_only_newer_alerts,
);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// A detection of `rule` on `host` at `time`, without a system.
fn detection(agency_id: &str, rule: &str, level: AlertLevel, host: &str, time: &str) -> Detection {
    Detection {
        rule_id: rule.into(),
        rule_title: format!("Title of {rule}"),
        rule_author: None,
        level,
        agency_id: agency_id.into(),
        system: None,
        host: host.into(),
        event_id: format!("{rule}-{host}"),
        at: at(time),
    }
}

/// Opens one alert (each call a distinct rule, agency and host, so nothing folds).
async fn raise(
    db: &Db,
    agency_id: &str,
    rule: &str,
    level: AlertLevel,
    host: &str,
    time: &str,
) -> String {
    db.upsert_detection(
        &detection(agency_id, rule, level, host, time),
        Duration::minutes(15),
    )
    .await
    .unwrap()
    .alert_id
}

async fn grouped_counts_respect_criteria_and_tenant(db: Db, _url: String) {
    let a = db.create_agency("Sở Y tế", None, "test").await.unwrap();
    let b = db.create_agency("UBND xã B", None, "test").await.unwrap();
    let t = "2026-11-20T08:00:00Z";
    raise(&db, &a.id, "r1", AlertLevel::High, "web01", t).await;
    raise(&db, &a.id, "r1", AlertLevel::High, "web02", t).await;
    raise(&db, &a.id, "r2", AlertLevel::Low, "web01", t).await;
    let closed = raise(&db, &b.id, "r1", AlertLevel::High, "db01", t).await;
    raise(&db, &b.id, "r3", AlertLevel::Critical, "db01", t).await;
    let close = AlertUpdate {
        status: Some(AlertStatus::Closed),
        ..AlertUpdate::default()
    };
    db.update_alert(&closed, &Tenant::All, &close, "analyst")
        .await
        .unwrap();

    let all = AlertCriteria::default();
    let rules = db
        .count_alerts_by(AlertGroup::Rule, &all, 10, &Tenant::All)
        .await
        .unwrap();
    let rules: Vec<_> = rules
        .iter()
        .map(|c| (c.key.as_str(), c.label.as_str(), c.count))
        .collect();
    assert_eq!(
        rules,
        [
            ("r1", "Title of r1", 3),
            ("r2", "Title of r2", 1),
            ("r3", "Title of r3", 1)
        ]
    );

    let open = AlertCriteria {
        open_only: true,
        ..AlertCriteria::default()
    };
    let agencies = db
        .count_alerts_by(AlertGroup::Agency, &open, 10, &Tenant::All)
        .await
        .unwrap();
    assert_eq!(agencies.len(), 2);
    assert_eq!(
        (agencies[0].key.as_str(), agencies[0].label.as_str()),
        (a.id.as_str(), "Sở Y tế")
    );
    assert_eq!((agencies[0].count, agencies[1].count), (3, 1));

    // `top` cuts the list; ties go by key.
    let hosts = db
        .count_alerts_by(AlertGroup::Host, &all, 1, &Tenant::All)
        .await
        .unwrap();
    assert_eq!(hosts.len(), 1);
    assert_eq!((hosts[0].key.as_str(), hosts[0].count), ("db01", 2));

    // An officer of A counts only A's alerts, whatever the criteria ask for.
    let only_a = Tenant::Agency(a.id.clone());
    let levels = db
        .count_alerts_by(AlertGroup::Level, &all, 10, &only_a)
        .await
        .unwrap();
    let levels: Vec<_> = levels.iter().map(|c| (c.key.as_str(), c.count)).collect();
    assert_eq!(levels, [("high", 2), ("low", 1)]);
    let theirs = AlertCriteria {
        agency: Some(b.id.clone()),
        ..AlertCriteria::default()
    };
    assert!(db
        .count_alerts_by(AlertGroup::Level, &theirs, 10, &only_a)
        .await
        .unwrap()
        .is_empty());

    // Criteria narrow the page of alerts as they narrow the counts.
    let web01 = AlertCriteria {
        host: Some("web01".into()),
        rule_id: Some("r1".into()),
        ..AlertCriteria::default()
    };
    let (page, total) = db.find_alerts(&web01, 10, 0, &Tenant::All).await.unwrap();
    assert_eq!((page.len(), total), (1, 1));
    assert_eq!(page[0].host, "web01");

    // Only alerts with a system count by system.
    let portal = Detection {
        system: Some("Cổng dịch vụ công".into()),
        ..detection(&a.id, "r4", AlertLevel::Low, "web03", t)
    };
    db.upsert_detection(&portal, Duration::minutes(15))
        .await
        .unwrap();
    let systems = db
        .count_alerts_by(AlertGroup::System, &all, 10, &Tenant::All)
        .await
        .unwrap();
    let systems: Vec<_> = systems
        .iter()
        .map(|c| (c.key.as_str(), c.label.as_str(), c.count))
        .collect();
    assert_eq!(systems, [("Cổng dịch vụ công", "Sở Y tế", 1)]);
    let on_portal = AlertCriteria {
        system: Some("Cổng dịch vụ công".into()),
        ..AlertCriteria::default()
    };
    let (page, _) = db
        .find_alerts(&on_portal, 10, 0, &Tenant::All)
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].host, "web03");
}

async fn counts_over_time_are_bucketed_per_level(db: Db, _url: String) {
    let a = db.create_agency("A", None, "test").await.unwrap();
    // The last one is before the window and not counted.
    for (rule, level, time) in [
        ("r1", AlertLevel::High, "2026-11-20T08:10:00Z"),
        ("r2", AlertLevel::High, "2026-11-20T08:50:00Z"),
        ("r3", AlertLevel::Low, "2026-11-20T08:59:59Z"),
        ("r4", AlertLevel::High, "2026-11-20T10:00:00Z"),
        ("r5", AlertLevel::High, "2026-11-19T10:00:00Z"),
    ] {
        raise(&db, &a.id, rule, level, "h1", time).await;
    }

    let window = AlertCriteria {
        since: Some(at("2026-11-20T00:00:00Z")),
        until: Some(at("2026-11-21T00:00:00Z")),
        ..AlertCriteria::default()
    };
    let buckets = db
        .count_alerts_over_time(&window, Duration::hours(1), &Tenant::All)
        .await
        .unwrap();
    let bucket = |time: &str, level, count| AlertBucket {
        start: at(time),
        level,
        count,
    };
    assert_eq!(
        buckets,
        [
            bucket("2026-11-20T08:00:00Z", AlertLevel::High, 2),
            bucket("2026-11-20T08:00:00Z", AlertLevel::Low, 1),
            bucket("2026-11-20T10:00:00Z", AlertLevel::High, 1),
        ]
    );
    let other = Tenant::Agency("someone else".into());
    assert!(db
        .count_alerts_over_time(&window, Duration::hours(1), &other)
        .await
        .unwrap()
        .is_empty());
}

async fn the_cursor_yields_only_newer_alerts(db: Db, _url: String) {
    let a = db.create_agency("A", None, "test").await.unwrap();
    let b = db.create_agency("B", None, "test").await.unwrap();
    let t = "2026-11-20T08:00:00Z";
    assert_eq!(db.latest_alert_id(&Tenant::All).await.unwrap(), None);
    let first = raise(&db, &a.id, "r1", AlertLevel::High, "h1", t).await;
    let cursor = db.latest_alert_id(&Tenant::All).await.unwrap();
    assert_eq!(cursor.as_deref(), Some(first.as_str()));

    let second = raise(&db, &a.id, "r2", AlertLevel::Low, "h1", t).await;
    let theirs = raise(&db, &b.id, "r3", AlertLevel::High, "h1", t).await;
    let third = raise(&db, &a.id, "r4", AlertLevel::High, "h1", t).await;
    let any = AlertCriteria::default();
    let ids = |alerts: Vec<vigil_store::db::Alert>| -> Vec<String> {
        alerts.into_iter().map(|a| a.id).collect()
    };
    let new = db
        .alerts_opened_after(cursor.as_deref(), &any, 10, &Tenant::All)
        .await
        .unwrap();
    assert_eq!(ids(new), [second.as_str(), &theirs, &third]);

    // Within A only, and only high ones.
    let only_a = Tenant::Agency(a.id.clone());
    let high = AlertCriteria {
        level: Some(AlertLevel::High),
        ..AlertCriteria::default()
    };
    let new = db
        .alerts_opened_after(cursor.as_deref(), &high, 10, &only_a)
        .await
        .unwrap();
    assert_eq!(ids(new), [third.as_str()]);
    assert_eq!(
        db.latest_alert_id(&only_a).await.unwrap().as_deref(),
        Some(third.as_str())
    );
    let none = db
        .alerts_opened_after(Some(&third), &any, 10, &only_a)
        .await
        .unwrap();
    assert!(none.is_empty());
}
