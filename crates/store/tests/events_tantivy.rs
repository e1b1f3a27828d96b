//! The event-store conformance suite against the embedded tantivy store, plus checks of
//! what only the tantivy store has (day directories, attacker text staying text).

#[macro_use]
mod events_suite;

use std::path::Path;
use vigil_event::Event;
use vigil_store::events::{EventStore, StoredEvent, TantivyEventStore, TimeRange};

fn open(dir: &Path) -> Box<dyn EventStore> {
    Box::new(TantivyEventStore::open(dir).unwrap())
}

event_store_suite!(open);

#[test]
fn one_directory_per_day() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = events_suite::filled(&open, dir.path());
    drop(store);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["2026-11-21", "2026-11-22", "2026-11-23"]);
    let store = TantivyEventStore::open(dir.path()).unwrap();
    assert_eq!(store.days(), [21, 22, 23].map(events_suite::day));
}

#[test]
fn event_text_that_looks_like_syntax_is_only_text() {
    let dir = tempfile::tempdir().unwrap();
    let store = TantivyEventStore::open(dir.path()).unwrap();
    let mut event = Event::default();
    event.push("user", "x OR agency:* OR (");
    let stored = StoredEvent::new(event, "a", "s", "http", "x OR agency:*) NOT");
    store.append(&[stored]).unwrap();
    store.commit().unwrap();
    let found = |q: &str| {
        store
            .search(&q.parse().unwrap(), TimeRange::ALL, 1, 0, Some("b"))
            .unwrap()
            .total
    };
    assert_eq!(found("*"), 0);
    let mine = |q: &str| {
        store
            .search(&q.parse().unwrap(), TimeRange::ALL, 1, 0, Some("a"))
            .unwrap()
            .total
    };
    assert_eq!(mine(r#"user:"x OR agency:* OR (""#), 1);
    assert_eq!(mine(r"user:x\ OR\ agency\:\*\ OR\ \("), 1);
    assert_eq!(mine("user:x"), 0);
}

/// Runs as a child process of `committed_events_survive_kill_9`: appends and commits, says
/// so, then keeps appending without committing until it is killed.
#[test]
fn durability_child() {
    let Some(dir) = std::env::var_os("VIGIL_DURABILITY_CHILD_DIR") else {
        return;
    };
    let store = TantivyEventStore::open(dir).unwrap();
    let events = events_suite::all_generated();
    store.append(&events[..3000]).unwrap();
    store.commit().unwrap();
    println!("committed 3000");
    for i in 3000.. {
        store.append(&[events[i % events.len()].clone()]).unwrap();
    }
}

#[test]
fn committed_events_survive_kill_9() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "durability_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("VIGIL_DURABILITY_CHILD_DIR", dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let committed = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains("committed 3000"));
    assert!(committed, "the child never committed");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let store = TantivyEventStore::open(dir.path()).unwrap();
    let total = store
        .search(&"*".parse().unwrap(), TimeRange::ALL, 0, 0, None)
        .unwrap()
        .total;
    assert_eq!(total, 3000);
}

#[test]
fn retention_drops_old_days_only_once_they_are_no_longer_written() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = events_suite::filled(&open, dir.path());
    drop(store);
    let store = TantivyEventStore::open(dir.path()).unwrap();
    let cutoff = chrono::Utc::now().date_naive() - chrono::TimeDelta::days(1);
    let old: Vec<_> = store.days().into_iter().filter(|d| *d < cutoff).collect();
    // Written just now: kept even when their dates are old.
    assert_eq!(store.retain_days(2).unwrap(), vec![]);
    // Last written a month ago: dropped once older than the period.
    let month_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(30 * 86_400);
    for day in store.days() {
        let meta = dir.path().join(day.to_string()).join("meta.json");
        std::fs::File::options()
            .write(true)
            .open(meta)
            .unwrap()
            .set_modified(month_ago)
            .unwrap();
    }
    assert_eq!(store.retain_days(2).unwrap(), old);
    assert!(store.days().iter().all(|d| *d >= cutoff));
}
