//! Advisory targeting against a province-sized register (12 agencies, 360 systems made
//! here) — by security level, by agency, by component name and version range, by CPE with
//! wildcards, and by several criteria at once — compared with what the test knows it
//! put in the register; then issuing, answering and escalation at the end of the due
//! day in Hà Nội time.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use vigil_soc::address::parse_component;
use vigil_soc::advisories::{
    local_today, AdvisoryTarget, AdvisoryUpdate, NewAdvisory, TargetState, Targeting,
};
use vigil_soc::cpe::ComponentCriterion;
use vigil_soc::version::VersionRange;
use vigil_soc::{Advisories, Error};
use vigil_store::db::{Db, Severity, SystemDetails, Tenant};

const AGENCIES: usize = 12;
const SYSTEMS_PER_AGENCY: usize = 30;

/// nginx versions in the register, and whether 1.20.0 ≤ v < 1.25.3.
const NGINX: [(&str, bool); 6] = [
    ("1.18.0", false),
    ("1.20.2", true),
    ("1.22.1", true),
    ("1.24.0", true),
    ("1.25.3", false),
    ("1.26.1", false),
];
/// Apache httpd versions in the register, and whether v ≤ 2.4.57.
const HTTPD: [(&str, bool); 5] = [
    ("2.4.49", true),
    ("2.4.54", true),
    ("2.4.57", true),
    ("2.4.58", false),
    ("2.4.62", false),
];

/// What the test put in the register about system `i`.
#[derive(Debug, Clone)]
struct Planted {
    agency: String,
    name: String,
    level: u8,
    nginx_vulnerable: bool,
    httpd_vulnerable: bool,
    windows_2019: bool,
}

fn agency_name(a: usize) -> String {
    format!("Cơ quan {a:02}")
}

/// Builds system `i` of agency `a`: its level and components cycle so every
/// combination occurs.
fn plant(a: usize, i: usize) -> (Planted, SystemDetails) {
    let n = a * SYSTEMS_PER_AGENCY + i;
    let level = (1 + n % 5) as u8;
    let mut planted = Planted {
        agency: agency_name(a),
        name: format!("Hệ thống {i:02}"),
        level,
        nginx_vulnerable: false,
        httpd_vulnerable: false,
        windows_2019: false,
    };
    let components: Vec<String> = match n % 6 {
        0 => {
            let (v, vulnerable) = NGINX[(n / 6) % NGINX.len()];
            planted.nginx_vulnerable = vulnerable;
            vec![format!("nginx@{v}"), "PostgreSQL@15.4".into()]
        }
        1 => {
            let (v, vulnerable) = HTTPD[(n / 6) % HTTPD.len()];
            planted.httpd_vulnerable = vulnerable;
            vec![format!("cpe:2.3:a:apache:http_server:{v}:*:*:*:*:*:*:*")]
        }
        2 => {
            planted.windows_2019 = true;
            vec![
                "Microsoft IIS@10.0".into(),
                "cpe:2.3:o:microsoft:windows_server_2019:-:*:*:*:*:*:*:*".into(),
            ]
        }
        3 => {
            let (v, vulnerable) = NGINX[(n / 6) % NGINX.len()];
            planted.nginx_vulnerable = vulnerable;
            vec![format!("cpe:2.3:a:f5:nginx:{v}:*:*:*:*:*:*:*")]
        }
        4 => vec!["cpe:2.3:o:microsoft:windows_server_2022:-:*:*:*:*:*:*:*".into()],
        _ => Vec::new(),
    };
    let mut details = SystemDetails::new(&planted.name, level);
    details.components = components
        .iter()
        .map(|c| parse_component(c).unwrap())
        .collect();
    (planted, details)
}

struct Province {
    _dir: tempfile::TempDir,
    db: Db,
    advisories: Advisories,
    planted: Vec<Planted>,
}

async fn province() -> Province {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&format!("sqlite://{}/state.db", dir.path().display()))
        .await
        .unwrap();
    let mut planted = Vec::new();
    let mut rows = Vec::new();
    for a in 0..AGENCIES {
        for i in 0..SYSTEMS_PER_AGENCY {
            let (p, details) = plant(a, i);
            rows.push((p.agency.clone(), details));
            planted.push(p);
        }
    }
    db.import_systems(&rows, "test").await.unwrap();
    Province {
        _dir: dir,
        advisories: Advisories::new(db.clone()),
        db,
        planted,
    }
}

/// `agency / system` of every system the targets list.
fn reached(targets: &[AdvisoryTarget]) -> BTreeSet<String> {
    targets
        .iter()
        .flat_map(|t| {
            t.systems
                .iter()
                .map(move |s| format!("{} / {}", t.agency, s.name))
        })
        .collect()
}

fn expected(planted: &[Planted], keep: impl Fn(&Planted) -> bool) -> BTreeSet<String> {
    planted
        .iter()
        .filter(|p| keep(p))
        .map(|p| format!("{} / {}", p.agency, p.name))
        .collect()
}

fn criterion(cpe: Option<&str>, name: Option<&str>, range: VersionRange) -> ComponentCriterion {
    ComponentCriterion {
        cpe: cpe.map(str::to_owned),
        name: name.map(str::to_owned),
        range,
    }
}

#[tokio::test]
async fn targeting_reaches_exactly_the_matching_systems_of_hundreds() {
    let p = province().await;
    assert_eq!(p.planted.len(), AGENCIES * SYSTEMS_PER_AGENCY);

    // By level.
    let by_level = Targeting {
        levels: vec![4, 5],
        ..Targeting::default()
    };
    let targets = p.advisories.preview(&by_level).await.unwrap();
    let want = expected(&p.planted, |s| s.level >= 4);
    assert_eq!(want.len(), 144);
    assert_eq!(reached(&targets), want);
    assert!(targets
        .iter()
        .all(|t| t.systems.iter().all(|s| s.components.is_empty())));

    // By agency: every system of those agencies, and nothing else.
    let agencies = p.db.list_agencies().await.unwrap();
    let chosen: Vec<String> = agencies
        .iter()
        .filter(|a| a.name == agency_name(3) || a.name == agency_name(7))
        .map(|a| a.id.clone())
        .collect();
    let by_agency = Targeting {
        agency_ids: chosen,
        ..Targeting::default()
    };
    let targets = p.advisories.preview(&by_agency).await.unwrap();
    assert_eq!(
        targets
            .iter()
            .map(|t| t.agency.as_str())
            .collect::<Vec<_>>(),
        ["Cơ quan 03", "Cơ quan 07"]
    );
    assert_eq!(
        reached(&targets),
        expected(&p.planted, |s| s.agency == agency_name(3)
            || s.agency == agency_name(7))
    );

    // By component name and version range: nginx written as name@version or as CPE.
    let nginx = Targeting {
        components: vec![criterion(
            None,
            Some("nginx"),
            VersionRange {
                version_start_including: Some("1.20.0".into()),
                version_end_excluding: Some("1.25.3".into()),
                ..VersionRange::default()
            },
        )],
        ..Targeting::default()
    };
    let targets = p.advisories.preview(&nginx).await.unwrap();
    let want = expected(&p.planted, |s| s.nginx_vulnerable);
    assert!(want.len() > 50, "{}", want.len());
    assert_eq!(reached(&targets), want);
    let some = targets[0].systems[0].components.join(" ");
    assert!(some.contains("nginx"), "{some}");

    // By CPE with a version range.
    let httpd = Targeting {
        components: vec![criterion(
            Some("cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*"),
            None,
            VersionRange {
                version_end_including: Some("2.4.57".into()),
                ..VersionRange::default()
            },
        )],
        ..Targeting::default()
    };
    let targets = p.advisories.preview(&httpd).await.unwrap();
    assert_eq!(
        reached(&targets),
        expected(&p.planted, |s| s.httpd_vulnerable)
    );

    // By CPE with a wildcard vendor and the NA version: Windows Server 2019, not 2022.
    let windows = Targeting {
        components: vec![criterion(
            Some("cpe:2.3:o:*:windows_server_2019:-:*:*:*:*:*:*:*"),
            None,
            VersionRange::default(),
        )],
        ..Targeting::default()
    };
    let targets = p.advisories.preview(&windows).await.unwrap();
    let want = expected(&p.planted, |s| s.windows_2019);
    assert_eq!(want.len(), 60);
    assert_eq!(reached(&targets), want);

    // Several kinds at once must all hold: level 3 systems with a vulnerable nginx.
    let both = Targeting {
        levels: vec![3],
        ..nginx.clone()
    };
    let targets = p.advisories.preview(&both).await.unwrap();
    let want = expected(&p.planted, |s| s.level == 3 && s.nginx_vulnerable);
    assert!(!want.is_empty());
    assert_eq!(reached(&targets), want);
    let agencies_reached: BTreeSet<&str> = targets.iter().map(|t| t.agency.as_str()).collect();
    let agencies_expected: BTreeSet<&str> = p
        .planted
        .iter()
        .filter(|s| s.level == 3 && s.nginx_vulnerable)
        .map(|s| s.agency.as_str())
        .collect();
    assert_eq!(agencies_reached, agencies_expected);

    for bad in [
        Targeting::default(),
        Targeting {
            levels: vec![6],
            ..Targeting::default()
        },
        Targeting {
            components: vec![criterion(Some("cpe:2.3:a"), None, VersionRange::default())],
            ..Targeting::default()
        },
    ] {
        assert!(matches!(
            p.advisories.preview(&bad).await,
            Err(Error::Invalid(_))
        ));
    }
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

#[tokio::test]
async fn unacknowledged_targets_escalate_once_the_local_due_day_is_over() {
    let p = province().await;
    let due = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let new = NewAdvisory {
        title: "Lỗ hổng Apache HTTP Server".into(),
        severity: Severity::High,
        description: String::new(),
        guidance: "Nâng cấp lên 2.4.58 trở lên".into(),
        due_date: due,
        targeting: Targeting {
            components: vec![criterion(
                Some("cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*"),
                None,
                VersionRange {
                    version_end_including: Some("2.4.57".into()),
                    ..VersionRange::default()
                },
            )],
            ..Targeting::default()
        },
        cves: vec!["CVE-2026-30001".into()],
        references: Vec::new(),
    };
    let draft = p.advisories.create(&new, "user:minh").await.unwrap();
    let agencies_of_draft = draft.targets.len();
    assert!(agencies_of_draft > 3);
    let some_agency = draft.targets[0].agency_id.clone();
    assert!(
        p.advisories
            .get(&Tenant::Agency(some_agency.clone()), &draft.id)
            .await
            .is_err(),
        "a draft reaches nobody yet"
    );
    let issued = p.advisories.issue(&draft.id, "user:minh").await.unwrap();
    assert_eq!(issued.targets.len(), agencies_of_draft);
    let retarget = AdvisoryUpdate {
        targeting: Some(Targeting {
            levels: vec![1],
            ..Targeting::default()
        }),
        ..AdvisoryUpdate::default()
    };
    assert!(p
        .advisories
        .update(&issued.id, &retarget, "x")
        .await
        .is_err());
    assert!(p.advisories.delete_draft(&issued.id, "x").await.is_err());
    let agency_view = p
        .advisories
        .get(&Tenant::Agency(some_agency.clone()), &issued.id)
        .await
        .unwrap();
    assert_eq!(agency_view.id, issued.id);

    // The first agency acknowledges; the second completes; the rest stay silent.
    let answering = &issued.targets[1].agency_id;
    p.advisories
        .acknowledge(
            &Tenant::Agency(some_agency.clone()),
            &issued.id,
            &some_agency,
            "officer",
        )
        .await
        .unwrap();
    let elsewhere = p
        .advisories
        .acknowledge(
            &Tenant::Agency(some_agency.clone()),
            &issued.id,
            answering,
            "officer",
        )
        .await;
    assert!(
        matches!(elsewhere, Err(Error::NotFound(_))),
        "only for their own agency"
    );
    let answered = p
        .advisories
        .complete(
            &Tenant::All,
            &issued.id,
            answering,
            Some("Đã nâng cấp"),
            "user:minh",
        )
        .await
        .unwrap();

    // 23:59:59 on the due day in Hà Nội is still in time; one second later is not.
    let last_second = utc("2026-11-30T16:59:59Z");
    let next_day = utc("2026-11-30T17:00:00Z");
    assert_eq!(local_today(last_second), due);
    assert!(p
        .advisories
        .escalations(last_second)
        .await
        .unwrap()
        .is_empty());
    let escalations = p.advisories.escalations(next_day).await.unwrap();
    assert_eq!(escalations.len(), 1);
    let (advisory, escalated) = &escalations[0];
    assert_eq!(escalated.len(), agencies_of_draft - 2);
    assert!(escalated
        .iter()
        .all(|t| t.agency_id != some_agency && &t.agency_id != answering));
    let today = local_today(next_day);
    let states: BTreeMap<&str, TargetState> = advisory
        .targets
        .iter()
        .map(|t| (t.agency_id.as_str(), advisory.target_state(t, today)))
        .collect();
    assert_eq!(states[some_agency.as_str()], TargetState::Acknowledged);
    assert_eq!(states[answering.as_str()], TargetState::Completed);
    assert_eq!(
        answered.targets[1].note.as_deref(),
        Some("Đã nâng cấp"),
        "the completion note is kept"
    );
    assert_eq!(
        advisory.target_state(&advisory.targets[2], local_today(last_second)),
        TargetState::Pending
    );
}
