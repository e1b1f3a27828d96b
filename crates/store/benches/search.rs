//! Event-store benchmark: indexes N generated events (env `VIGIL_BENCH_EVENTS`, default
//! 1,000,000) over three days into a temporary directory, then reports append throughput,
//! commit time, disk use and the latency of a field-value, a wildcard, a free-text and an
//! aggregation query. Run with `cargo bench -p vigil-store --bench search`; set
//! `VIGIL_BENCH_DIR` to keep the index somewhere other than the temp dir.

use chrono::{TimeDelta, TimeZone, Utc};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};
use vigil_event::{Event, Value};
use vigil_store::events::{EventStore, Query, StoredEvent, TantivyEventStore, TimeRange};

const HOSTS: usize = 500;
const USERS: [&str; 6] = [
    "alice",
    "bob",
    "carol",
    "dave",
    "svc_backup",
    "NT AUTHORITY\\SYSTEM",
];
const IMAGES: [&str; 5] = [
    "C:\\Windows\\System32\\svchost.exe",
    "C:\\Windows\\explorer.exe",
    "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
    "C:\\Windows\\System32\\cmd.exe",
    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
];

/// A cheap deterministic mix so events differ without a random-number crate.
fn mix(i: u64) -> u64 {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 31;
    x.wrapping_mul(0xBF58_476D_1CE4_E5B9)
}

fn event(i: usize, n: usize) -> StoredEvent {
    let r = mix(i as u64);
    let start = Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap();
    let time = start + TimeDelta::milliseconds((i as i64) * (3 * 86_400_000 / n.max(1) as i64));
    let host = format!("WS{:04}", r % HOSTS as u64);
    let user = USERS[(r >> 8) as usize % USERS.len()];
    let image = IMAGES[(r >> 16) as usize % IMAGES.len()];
    // One event in 100,000 is the needle the free-text query looks for.
    let needle = i % 100_000 == 99_999;
    let command = if needle {
        format!("{image} sekurlsa::logonpasswords mimikatz")
    } else {
        format!("{image} -k netsvcs -p -s Schedule{}", r % 97)
    };
    let mut e = Event::with_capacity(12);
    e.timestamp = Some(time);
    e.push(
        "EventID",
        Value::Int([4688, 4624, 4625, 1, 3][(r >> 24) as usize % 5]),
    );
    e.push("Computer", host.clone());
    e.push("Image", image);
    e.push("CommandLine", command.clone());
    e.push("User", user);
    e.push("ProcessId", Value::Int((r >> 32) as i64 % 65_536));
    e.push("ParentImage", IMAGES[(r >> 40) as usize % IMAGES.len()]);
    e.push(
        "SourceIp",
        format!("10.{}.{}.{}", r % 7, (r >> 3) % 255, (r >> 11) % 255),
    );
    // Winlogbeat-like context, as `_bulk` senders ship it: the store sees 20-odd fields.
    e.push("winlog.channel", "Microsoft-Windows-Sysmon/Operational");
    e.push("winlog.provider_name", "Microsoft-Windows-Sysmon");
    e.push("winlog.record_id", Value::Int(i as i64));
    e.push("winlog.computer_name", format!("{host}.so-tttt.gov.vn"));
    e.push("event.kind", "event");
    e.push("event.module", "sysmon");
    e.push("agent.type", "winlogbeat");
    e.push("agent.version", "8.15.0");
    e.push("ecs.version", "8.0.0");
    e.push(
        "ProcessGuid",
        format!("{{5770385f-{:04x}-{:08x}}}", r % 65_536, r >> 32),
    );
    e.push(
        "IntegrityLevel",
        ["High", "Medium", "System"][(r >> 44) as usize % 3],
    );
    e.push("Hashes", format!("SHA256={:016X}{:016X}", r, mix(r)));
    e.push("CurrentDirectory", "C:\\Windows\\system32\\");
    let raw = serde_json::Value::Object(e.to_json()).to_string();
    StoredEvent::received_at(
        e,
        ["so-tttt", "so-yte", "ubnd"][i % 3],
        "portal",
        "bench",
        raw,
        time,
    )
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

fn dir_bytes(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_bytes(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: usize = std::env::var("VIGIL_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let temp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("VIGIL_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| temp.path().to_owned());
    let store = TantivyEventStore::open(&dir).unwrap();
    println!(
        "event store bench: {n} events over 3 days in {}",
        dir.display()
    );

    const BATCH: usize = 10_000;
    let cpu_before = cpu_time::ProcessTime::now();
    let mut building = Duration::ZERO;
    let mut appending = Duration::ZERO;
    for start in (0..n).step_by(BATCH) {
        let (batch, built) = timed(|| {
            (start..(start + BATCH).min(n))
                .map(|i| event(i, n))
                .collect::<Vec<_>>()
        });
        building += built;
        let ((), took) = timed(|| store.append(&batch).unwrap());
        appending += took;
    }
    let ((), commit) = timed(|| store.commit().unwrap());
    let ingest = appending + commit;
    let cpu = cpu_before.elapsed();
    println!(
        "append: {:.0} events/s ({:.1} s, of which final commit {:.1} s; building events {:.1} s, not counted)",
        n as f64 / ingest.as_secs_f64(),
        ingest.as_secs_f64(),
        commit.as_secs_f64(),
        building.as_secs_f64(),
    );
    println!(
        "cpu: {:.1} µs/event for append and commit (building events included; all threads)",
        cpu.as_secs_f64() * 1e6 / n as f64
    );
    println!(
        "disk: {:.1} MiB ({:.0} bytes/event)",
        dir_bytes(&dir) as f64 / 1_048_576.0,
        dir_bytes(&dir) as f64 / n as f64
    );

    let searches = [
        ("field value", "Computer:ws0042"),
        ("field value + tenant", "User:alice AND EventID:4688"),
        ("wildcard", r"Image:*\\powershell.exe"),
        ("numeric range", "ProcessId:[1000 TO 1999]"),
        ("free text word", "mimikatz"),
        ("free text phrase", "\"sekurlsa logonpasswords\""),
        ("match all", "*"),
    ];
    for (name, text) in searches {
        let query: Query = text.parse().unwrap();
        let tenant = name.contains("tenant").then_some("so-tttt");
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..5 {
            let (result, took) =
                timed(|| store.search(&query, TimeRange::ALL, 50, 0, tenant).unwrap());
            total = result.total;
            times.push(took);
        }
        times.sort();
        println!(
            "search {name:<22} {text:<32} total {total:>9}  first {:>8.2} ms  median {:>8.2} ms",
            times_first(&times),
            times[times.len() / 2].as_secs_f64() * 1e3
        );
    }
    let all = Query::All;
    let (counts, took) = timed(|| {
        store
            .count_by("User", &all, TimeRange::ALL, None, 10)
            .unwrap()
    });
    println!(
        "count_by User (all events): {:.2} ms, {} values",
        took.as_secs_f64() * 1e3,
        counts.len()
    );
    let (buckets, took) = timed(|| {
        store
            .histogram(&all, TimeRange::ALL, TimeDelta::hours(1), None)
            .unwrap()
    });
    println!(
        "histogram 1h (all events): {:.2} ms, {} buckets",
        took.as_secs_f64() * 1e3,
        buckets.len()
    );
}

/// The slowest of the runs stands for the first (cold) one.
fn times_first(sorted: &[Duration]) -> f64 {
    sorted.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
}
