//! The `EventStore` conformance suite: every implementation must pass it.
//!
//! Each check takes a function that opens a store in a directory, fills a fresh store
//! with the same generated three days of events, and compares what the store answers with
//! what a plain filter over the generated events says. Instantiate it for a backend with
//! `event_store_suite!(open_fn);`.

#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use std::path::Path;
use vigil_event::{Event, Value};
use vigil_store::events::{EventStore, Query, StoredEvent, TimeRange};

/// Opens a store kept in `dir`.
pub type Open<'a> = &'a dyn Fn(&Path) -> Box<dyn EventStore>;

pub const EVENTS: usize = 10_000;
pub const AGENCY_A: &str = "so-tttt";
pub const AGENCY_B: &str = "so-yte";
const IMAGES: [&str; 2] = [
    "C:\\Windows\\System32\\cmd.exe",
    "C:\\Program Files\\App\\app.exe",
];
const USERS: [&str; 3] = ["alice", "bob", "NT AUTHORITY\\SYSTEM"];
const EVENT_IDS: [i64; 4] = [4688, 4624, 4625, 1];

pub fn day(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, n).unwrap()
}

pub fn midnight(n: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day(n).and_hms_opt(0, 0, 0).unwrap())
}

/// Event `i` of the generated set: three days (21–23 Nov 2026), two agencies, a unique
/// time per event.
pub fn generated(i: usize) -> StoredEvent {
    let time = midnight(21 + (i % 3) as u32) + TimeDelta::seconds((i / 3) as i64 * 8);
    let event_id = EVENT_IDS[i % 4];
    let mut event = Event::default();
    event.timestamp = Some(time);
    event.push("EventID", Value::Int(event_id));
    event.push("Computer", format!("WS{:02}", i % 10));
    event.push("Image", IMAGES[(i % 8).min(1)]);
    event.push("user.name", USERS[(i / 3) % 3]);
    event.push("process.pid", Value::Int(i as i64));
    event.push("bytes", Value::Float(i as f64 * 1.5));
    let message = if i % 1000 == 7 {
        "sekurlsa::logonpasswords run by mimikatz".to_owned()
    } else if event_id == 4625 {
        format!("Đăng nhập thất bại cho {}", USERS[(i / 3) % 3])
    } else {
        "routine activity".to_owned()
    };
    event.push("message", message.clone());
    let agency = match i % 5 {
        0 => AGENCY_B,
        _ => AGENCY_A,
    };
    let systems = ["portal", "mail", "hr"];
    StoredEvent::received_at(
        event,
        agency,
        systems[i % 7 % 3],
        "syslog",
        format!("<13>{time} WS{:02} {message}", i % 10),
        time + TimeDelta::milliseconds(250),
    )
}

pub fn all_generated() -> Vec<StoredEvent> {
    (0..EVENTS).map(generated).collect()
}

/// A fresh store holding the generated events (appended in batches, committed).
pub fn filled(open: Open, dir: &Path) -> (Box<dyn EventStore>, Vec<StoredEvent>) {
    let store = open(dir);
    let events = all_generated();
    for batch in events.chunks(1000) {
        store.append(batch).unwrap();
    }
    store.commit().unwrap();
    (store, events)
}

fn q(text: &str) -> Query {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn count(events: &[StoredEvent], keep: impl Fn(&StoredEvent) -> bool) -> u64 {
    events.iter().filter(|e| keep(e)).count() as u64
}

fn int(e: &StoredEvent, name: &str) -> i64 {
    match e.event.get(name) {
        Some(Value::Int(i)) => *i,
        other => panic!("{name}: {other:?}"),
    }
}

fn text<'e>(e: &'e StoredEvent, name: &str) -> &'e str {
    e.event.get_str(name).unwrap()
}

fn total(store: &dyn EventStore, query: &str) -> u64 {
    store
        .search(&q(query), TimeRange::ALL, 0, 0, None)
        .unwrap_or_else(|e| panic!("{query}: {e}"))
        .total
}

pub fn persists_across_reopen(open: Open) {
    let dir = tempfile::tempdir().unwrap();
    let (store, events) = filled(open, dir.path());
    drop(store);
    let store = open(dir.path());
    assert_eq!(total(store.as_ref(), "*"), EVENTS as u64);
    for e in events.iter().step_by(997) {
        assert_eq!(store.get(e.id, None).unwrap().as_ref(), Some(e));
    }
}

pub fn field_searches(open: Open) {
    let dir = tempfile::tempdir().unwrap();
    let (store, ev) = filled(open, dir.path());
    let s = store.as_ref();
    assert_eq!(
        total(s, "EventID:4688"),
        count(&ev, |e| int(e, "EventID") == 4688)
    );
    assert_eq!(
        total(s, "host:ws03"),
        count(&ev, |e| text(e, "Computer") == "WS03")
    );
    assert_eq!(
        total(s, "Computer:Ws03"),
        count(&ev, |e| text(e, "Computer") == "WS03")
    );
    assert_eq!(
        total(s, "user.name:ALICE"),
        count(&ev, |e| text(e, "user.name") == "alice")
    );
    let system = count(&ev, |e| text(e, "user.name") == USERS[2]);
    assert_eq!(total(s, r#"user.name:"nt authority\\system""#), system);
    assert_eq!(total(s, r"user.name:NT\ AUTHORITY\\SYSTEM"), system);
    let cmd = count(&ev, |e| text(e, "Image").ends_with("cmd.exe"));
    assert_eq!(total(s, r"Image:*\\CMD.EXE"), cmd);
    assert_eq!(total(s, r"Image:c:\\windows\\*"), cmd);
    assert_eq!(total(s, r"Image:*\\?md.exe"), cmd);
    assert_eq!(total(s, "Image:*"), EVENTS as u64);
    assert_eq!(total(s, "NoSuchField:*"), 0);
    assert_eq!(
        total(s, "system:PORTAL"),
        count(&ev, |e| e.system == "portal")
    );
    assert_eq!(total(s, "source:syslog"), EVENTS as u64);
    assert_eq!(total(s, "EventID:4689"), 0);
}

pub fn boolean_searches(open: Open) {
    let dir = tempfile::tempdir().unwrap();
    let (store, ev) = filled(open, dir.path());
    let s = store.as_ref();
    let id = |e: &StoredEvent| int(e, "EventID");
    assert_eq!(
        total(s, "EventID:4688 AND NOT host:WS00"),
        count(&ev, |e| id(e) == 4688 && text(e, "Computer") != "WS00")
    );
    assert_eq!(
        total(s, "(EventID:4624 OR EventID:4625) -user.name:bob"),
        count(&ev, |e| matches!(id(e), 4624 | 4625)
            && text(e, "user.name") != "bob")
    );
    assert_eq!(
        total(s, "EventID:4624 user.name:bob"),
        count(&ev, |e| id(e) == 4624 && text(e, "user.name") == "bob")
    );
    assert_eq!(total(s, "NOT EventID:1"), count(&ev, |e| id(e) != 1));
    assert_eq!(
        total(s, "EventID:1 OR EventID:4688 OR host:WS01"),
        count(&ev, |e| matches!(id(e), 1 | 4688)
            || text(e, "Computer") == "WS01")
    );
}

pub fn range_searches(open: Open) {
    let dir = tempfile::tempdir().unwrap();
    let (store, ev) = filled(open, dir.path());
    let s = store.as_ref();
    let pid = |e: &StoredEvent| int(e, "process.pid");
    assert_eq!(total(s, "process.pid:[100 TO 199]"), 100);
    assert_eq!(total(s, "process.pid:{100 TO 199}"), 98);
    assert_eq!(total(s, "process.pid:>=9990"), 10);
    assert_eq!(
        total(s, "process.pid:<10 AND EventID:4688"),
        count(&ev, |e| pid(e) < 10 && int(e, "EventID") == 4688)
    );
    assert_eq!(total(s, "bytes:<15"), 10);
    assert_eq!(total(s, "bytes:[1.5 TO 3.0]"), 2);
    let from = midnight(23);
    assert_eq!(
        total(s, "@timestamp:>=2026-11-23T00:00:00Z"),
        count(&ev, |e| e.time() >= from)
    );
    assert_eq!(
        total(
            s,
            "@timestamp:[2026-11-22T06:00:00Z TO 2026-11-22T07:00:00Z}"
        ),
        count(&ev, |e| e.time() >= midnight(22) + TimeDelta::hours(6)
            && e.time() < midnight(22) + TimeDelta::hours(7))
    );
    let range = TimeRange::between(midnight(22), midnight(22) + TimeDelta::hours(12));
    let found = s.search(&q("EventID:4625"), range, 5, 0, None).unwrap();
    assert_eq!(
        found.total,
        count(&ev, |e| range.contains(e.time())
            && int(e, "EventID") == 4625)
    );
    assert!(found.events.iter().all(|e| range.contains(e.time())));
    assert!(s
        .search(&q("@timestamp:>=5"), TimeRange::ALL, 1, 0, None)
        .is_err());
    assert!(s
        .search(
            &q("EventID:>=2026-11-23T00:00:00Z"),
            TimeRange::ALL,
            1,
            0,
            None
        )
        .is_err());
}

pub fn free_text_searches(open: Open) {
    let dir = tempfile::tempdir().unwrap();
    let (store, ev) = filled(open, dir.path());
    let s = store.as_ref();
    let mimikatz = count(&ev, |e| e.raw.contains("mimikatz"));
    assert!(mimikatz > 0);
    assert_eq!(total(s, "MIMIKATZ"), mimikatz);
    assert_eq!(total(s, "logonpass*"), mimikatz);
    assert_eq!(total(s, "\"run by mimikatz\""), mimikatz);
    assert_eq!(total(s, "\"by run mimikatz\""), 0);
    let failed = count(&ev, |e| e.raw.contains("Đăng nhập"));
    assert_eq!(total(s, "\"đăng nhập thất bại\""), failed);
    assert_eq!(total(s, "\"dang nhap\""), failed);
    assert_eq!(
        total(s, "that bai bob"),
        count(&ev, |e| e.raw.contains("thất bại cho bob"))
    );
    // Free text also covers parsed field values.
    assert_eq!(
        total(s, "ws07"),
        count(&ev, |e| text(e, "Computer") == "WS07")
    );
}

pub fn pages_newest_first(open: Open) {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut ev) = filled(open, dir.path());
    ev.sort_by_key(|e| std::cmp::Reverse(e.time()));
    let all = Query::All;
    let first = store.search(&all, TimeRange::ALL, 50, 0, None).unwrap();
    assert_eq!(first.total, EVENTS as u64);
    assert_eq!(first.events, ev[..50]);
    // A page that straddles the boundary between two days.
    let per_day = count(&ev, |e| e.day() == day(23)) as usize;
    let offset = per_day - 5;
    let page = store
        .search(&all, TimeRange::ALL, 10, offset, None)
        .unwrap();
    assert_eq!(page.events, ev[offset..offset + 10]);
    let last = store
        .search(&all, TimeRange::ALL, 10, EVENTS - 3, None)
        .unwrap();
    assert_eq!(last.events, ev[EVENTS - 3..]);
    let beyond = store
        .search(&all, TimeRange::ALL, 10, EVENTS + 1, None)
        .unwrap();
    assert!(beyond.events.is_empty());
    assert_eq!(beyond.total, EVENTS as u64);
}

pub fn tenancy(open: Open) {
    let dir = tempfile::tempdir().unwrap();
    let (store, ev) = filled(open, dir.path());
    let s = store.as_ref();
    let in_a = count(&ev, |e| e.agency == AGENCY_A);
    let found = s
        .search(&Query::All, TimeRange::ALL, 500, 0, Some(AGENCY_A))
        .unwrap();
    assert_eq!(found.total, in_a);
    assert!(found.events.iter().all(|e| e.agency == AGENCY_A));
    let b_query = q(&format!("agency:{AGENCY_B} OR EventID:4688"));
    let found = s
        .search(&b_query, TimeRange::ALL, 10_000, 0, Some(AGENCY_A))
        .unwrap();
    assert!(found.events.iter().all(|e| e.agency == AGENCY_A));
    let b_event = ev.iter().find(|e| e.agency == AGENCY_B).unwrap();
    assert_eq!(s.get(b_event.id, Some(AGENCY_A)).unwrap(), None);
    assert_eq!(
        s.get(b_event.id, Some(AGENCY_B)).unwrap().as_ref(),
        Some(b_event)
    );
    let counts = s
        .count_by("agency", &Query::All, TimeRange::ALL, Some(AGENCY_A), 10)
        .unwrap();
    assert_eq!(counts, vec![(AGENCY_A.to_owned(), in_a)]);
    let histogram = s
        .histogram(
            &Query::All,
            TimeRange::ALL,
            TimeDelta::days(1),
            Some(AGENCY_B),
        )
        .unwrap();
    assert_eq!(
        histogram.iter().map(|b| b.1).sum::<u64>(),
        EVENTS as u64 - in_a
    );
    // Agency names are exact: a near miss is another tenant.
    assert_eq!(
        s.search(&Query::All, TimeRange::ALL, 1, 0, Some("SO-TTTT"))
            .unwrap()
            .total,
        0
    );
}

pub fn counts_by_field(open: Open) {
    let dir = tempfile::tempdir().unwrap();
    let (store, ev) = filled(open, dir.path());
    let s = store.as_ref();
    let by_id = s
        .count_by("EventID", &Query::All, TimeRange::ALL, None, 10)
        .unwrap();
    let mut expected: Vec<(String, u64)> = EVENT_IDS
        .iter()
        .map(|id| (id.to_string(), count(&ev, |e| int(e, "EventID") == *id)))
        .collect();
    expected.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    assert_eq!(by_id, expected);
    let hosts = s
        .count_by("host", &q("EventID:4625"), TimeRange::ALL, None, 3)
        .unwrap();
    assert_eq!(hosts.len(), 3);
    for (host, n) in &hosts {
        assert_eq!(
            *n,
            count(&ev, |e| int(e, "EventID") == 4625
                && text(e, "Computer") == host)
        );
    }
    // Values keep their case; keys are counted per value of a multi-valued field.
    let users = s
        .count_by(
            "user.name",
            &Query::All,
            TimeRange::since(midnight(23)),
            None,
            5,
        )
        .unwrap();
    assert!(users.iter().any(|(u, _)| u == "NT AUTHORITY\\SYSTEM"));
    assert_eq!(
        users.iter().map(|u| u.1).sum::<u64>(),
        count(&ev, |e| e.day() == day(23))
    );
    assert!(s
        .count_by("absent", &Query::All, TimeRange::ALL, None, 5)
        .unwrap()
        .is_empty());
}

pub fn histograms(open: Open) {
    let dir = tempfile::tempdir().unwrap();
    let (store, ev) = filled(open, dir.path());
    let s = store.as_ref();
    let daily = s
        .histogram(&Query::All, TimeRange::ALL, TimeDelta::days(1), None)
        .unwrap();
    let expected: Vec<_> = (21..24)
        .map(|d| (midnight(d), count(&ev, |e| e.day() == day(d))))
        .collect();
    assert_eq!(daily, expected);
    let range = TimeRange::between(midnight(22), midnight(23));
    let hourly = s
        .histogram(&q("EventID:4624"), range, TimeDelta::hours(1), None)
        .unwrap();
    assert_eq!(hourly.len(), 24);
    for (start, n) in &hourly {
        let end = *start + TimeDelta::hours(1);
        assert_eq!(
            *n,
            count(&ev, |e| int(e, "EventID") == 4624
                && e.time() >= *start
                && e.time() < end)
        );
    }
    assert!(hourly.iter().any(|b| b.1 == 0), "empty hours are listed");
    assert!(s
        .histogram(&Query::All, TimeRange::ALL, TimeDelta::zero(), None)
        .is_err());
}

pub fn retention_drops_old_days(open: Open) {
    let dir = tempfile::tempdir().unwrap();
    let (store, ev) = filled(open, dir.path());
    assert_eq!(store.drop_days_before(day(22)).unwrap(), vec![day(21)]);
    let left = count(&ev, |e| e.day() >= day(22));
    assert_eq!(total(store.as_ref(), "*"), left);
    let old = ev.iter().find(|e| e.day() == day(21)).unwrap();
    assert_eq!(store.get(old.id, None).unwrap(), None);
    drop(store);
    let store = open(dir.path());
    assert_eq!(total(store.as_ref(), "*"), left);
    // Late events for a dropped day start it again.
    store.append(&[generated(0)]).unwrap();
    store.commit().unwrap();
    assert_eq!(total(store.as_ref(), "*"), left + 1);
    // retain_days keeps old days that were written to within the period (an import of
    // old evidence today), and everything recent.
    let before = total(store.as_ref(), "*");
    assert_eq!(store.retain_days(2).unwrap(), Vec::<NaiveDate>::new());
    assert_eq!(total(store.as_ref(), "*"), before);
}

pub fn uncommitted_then_committed(open: Open) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.append(&[generated(1), generated(2)]).unwrap();
    store.commit().unwrap();
    assert_eq!(total(store.as_ref(), "*"), 2);
    store.append(&[generated(3)]).unwrap();
    store.commit().unwrap();
    assert_eq!(total(store.as_ref(), "*"), 3);
    assert!(
        store
            .search(&Query::All, TimeRange::ALL, 10, 0, None)
            .unwrap()
            .events
            .len()
            == 3
    );
}

/// Instantiates the suite for one backend: `event_store_suite!(open)` where
/// `open: fn(&Path) -> Box<dyn EventStore>`.
/// Edge cases of single events: ids of events dated before 1970 (whose id cannot carry
/// their time), `id:` in queries, field words whose raw text hides them, and counts of
/// values too long to keep whole.
pub fn single_event_edge_cases(open: Open) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let s = store.as_ref();
    let mut ancient = Event::default();
    ancient.timestamp = Some(Utc.with_ymd_and_hms(1969, 7, 20, 20, 17, 0).unwrap());
    ancient.push("note", "landing");
    // A JSON sender escaped the Vietnamese text: the raw text does not show its words.
    let mut escaped = Event::default();
    escaped.timestamp = Some(midnight(23));
    escaped.push("message", "Đăng nhập thất bại");
    let escaped_raw = r#"{"message":"\u0110\u0103ng nh\u1eadp th\u1ea5t b\u1ea1i"}"#;
    let long_command = format!("powershell.exe -enc {}", "A".repeat(400));
    let mut long = Event::default();
    long.timestamp = Some(midnight(23) + TimeDelta::seconds(1));
    long.push("CommandLine", long_command.clone());
    let events = [
        StoredEvent::new(ancient, AGENCY_A, "s", "import", "{\"note\":\"landing\"}"),
        StoredEvent::new(escaped, AGENCY_A, "s", "http", escaped_raw),
        StoredEvent::new(long.clone(), AGENCY_A, "s", "http", ""),
        StoredEvent::new(long, AGENCY_A, "s", "http", ""),
    ];
    s.append(&events).unwrap();
    s.commit().unwrap();
    for e in &events {
        assert_eq!(s.get(e.id, None).unwrap().as_ref(), Some(e));
        let found = s
            .search(&q(&format!("id:{}", e.id)), TimeRange::ALL, 10, 0, None)
            .unwrap();
        assert_eq!(found.events, std::slice::from_ref(e), "id:{}", e.id);
    }
    assert_eq!(total(s, "id:01ARZ3NDEKTSV4RRFFQ69G5FAV"), 0);
    assert_eq!(total(s, "\"đăng nhập thất bại\""), 1);
    assert_eq!(total(s, "CommandLine:*"), 2);
    let counts = s
        .count_by("CommandLine", &Query::All, TimeRange::ALL, None, 5)
        .unwrap();
    assert_eq!(counts.len(), 1);
    assert_eq!(counts[0].1, 2);
    assert!(long_command.starts_with(counts[0].0.trim_end_matches('…')));
    assert!(counts[0].0.len() < long_command.len());
}

#[macro_export]
macro_rules! event_store_suite {
    ($open:expr) => {
        #[test]
        fn persists_across_reopen() {
            events_suite::persists_across_reopen(&$open)
        }
        #[test]
        fn field_searches() {
            events_suite::field_searches(&$open)
        }
        #[test]
        fn boolean_searches() {
            events_suite::boolean_searches(&$open)
        }
        #[test]
        fn range_searches() {
            events_suite::range_searches(&$open)
        }
        #[test]
        fn free_text_searches() {
            events_suite::free_text_searches(&$open)
        }
        #[test]
        fn pages_newest_first() {
            events_suite::pages_newest_first(&$open)
        }
        #[test]
        fn tenancy() {
            events_suite::tenancy(&$open)
        }
        #[test]
        fn counts_by_field() {
            events_suite::counts_by_field(&$open)
        }
        #[test]
        fn histograms() {
            events_suite::histograms(&$open)
        }
        #[test]
        fn retention_drops_old_days() {
            events_suite::retention_drops_old_days(&$open)
        }
        #[test]
        fn uncommitted_then_committed() {
            events_suite::uncommitted_then_committed(&$open)
        }
        #[test]
        fn single_event_edge_cases() {
            events_suite::single_event_edge_cases(&$open)
        }
    };
}
