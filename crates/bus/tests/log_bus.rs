//! The embedded `LogBus` against the shared bus suite, plus what only a file-backed bus has:
//! segment rotation and deletion, torn-tail recovery, damage reports, the directory lock
//! and configuration checks.

mod suite;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use suite::{Backend, Limits};
use vigil_bus::{Bus, BusError, Consumer, ConsumerLag, LogBus, LogBusConfig};

/// A `LogBus` in its own temporary directory.
struct LogBusBackend {
    dir: tempfile::TempDir,
}

impl LogBusBackend {
    fn new() -> Self {
        LogBusBackend {
            dir: tempfile::tempdir().unwrap(),
        }
    }
}

#[async_trait]
impl Backend for LogBusBackend {
    async fn open(&self, limits: Limits) -> Box<dyn Bus> {
        let config = LogBusConfig {
            max_backlog_bytes: limits.max_backlog_bytes,
            max_payload_bytes: limits.max_payload_bytes,
            ..LogBusConfig::default()
        };
        Box::new(LogBus::open(self.dir.path(), config).unwrap())
    }
}

bus_suite!(LogBusBackend::new());

/// Record bytes of a 1000-byte payload: 16-byte header + payload.
const RECORD: u64 = 1016;

/// Four 1000-byte payloads fill a segment exactly (32-byte header + 4 records).
fn small_segments() -> LogBusConfig {
    LogBusConfig {
        segment_bytes: 32 + 4 * RECORD,
        ..LogBusConfig::default()
    }
}

fn numbered(n: u64) -> Vec<u8> {
    let mut payload = vec![(n % 256) as u8; 1000];
    payload[..8].copy_from_slice(&n.to_le_bytes());
    payload
}

fn segment_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".log"))
        .collect();
    names.sort();
    names
}

fn segment_path(dir: &Path, first_seq: u64) -> PathBuf {
    dir.join(format!("{first_seq:020}.log"))
}

async fn publish_numbered(bus: &LogBus, seqs: std::ops::RangeInclusive<u64>) {
    for n in seqs {
        assert_eq!(bus.publish(numbered(n)).await.unwrap(), n);
    }
}

async fn expect_numbered(consumer: &mut Box<dyn Consumer>, seqs: std::ops::RangeInclusive<u64>) {
    for n in seqs {
        let got = tokio::time::timeout(Duration::from_secs(10), consumer.next())
            .await
            .expect("no message within 10 s")
            .unwrap();
        assert_eq!(got, (n, numbered(n)), "message {n}");
    }
}

async fn assert_idle(consumer: &mut Box<dyn Consumer>) {
    let got = consumer
        .next_timeout(Duration::from_millis(50))
        .await
        .unwrap();
    assert_eq!(got.map(|(seq, _)| seq), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn segments_rotate_and_are_deleted_once_every_consumer_is_past_them() {
    let dir = tempfile::tempdir().unwrap();
    let bus = LogBus::open(dir.path(), small_segments()).unwrap();
    let mut fast = bus.consumer("fast").await.unwrap();
    let mut slow = bus.consumer("slow").await.unwrap();
    publish_numbered(&bus, 1..=18).await;
    let all = [1, 5, 9, 13, 17].map(|s| format!("{s:020}.log")).to_vec();
    assert_eq!(segment_files(dir.path()), all);

    expect_numbered(&mut fast, 1..=18).await;
    fast.ack(18).await.unwrap();
    assert_eq!(
        segment_files(dir.path()),
        all,
        "slow still needs every segment"
    );

    expect_numbered(&mut slow, 1..=10).await;
    slow.ack(7).await.unwrap();
    assert_eq!(
        segment_files(dir.path()),
        all[1..],
        "segment 1..=4 is acknowledged by both"
    );
    slow.ack(8).await.unwrap();
    assert_eq!(
        segment_files(dir.path()),
        all[2..],
        "seq 8 ends segment 5..=8"
    );

    // A consumer registered before a restart holds back deletion while it is closed.
    drop((fast, slow));
    drop(bus);
    let bus = LogBus::open(dir.path(), small_segments()).unwrap();
    assert_eq!(segment_files(dir.path()), all[2..]);
    let mut fast = bus.consumer("fast").await.unwrap();
    assert_idle(&mut fast).await;
    let mut slow = bus.consumer("slow").await.unwrap();
    expect_numbered(&mut slow, 9..=18).await;
    // The active segment is never deleted, even when everything in it is acknowledged.
    slow.ack(18).await.unwrap();
    assert_eq!(segment_files(dir.path()), all[4..]);
    assert_eq!(bus.backlog_bytes(), 0);
    // A new consumer starts at the oldest message still stored, and is behind by all of it.
    let mut late = bus.consumer("late").await.unwrap();
    assert_eq!(bus.backlog_bytes(), 2 * RECORD);
    expect_numbered(&mut late, 17..=18).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_deleted_without_consumers_and_removing_one_releases_segments() {
    let dir = tempfile::tempdir().unwrap();
    let bus = LogBus::open(dir.path(), small_segments()).unwrap();
    publish_numbered(&bus, 1..=12).await;
    assert_eq!(segment_files(dir.path()).len(), 3);
    assert_eq!(
        bus.backlog_bytes(),
        12 * RECORD,
        "with no consumer everything is backlog"
    );

    let mut done = bus.consumer("done").await.unwrap();
    let idle = bus.consumer("idle").await.unwrap();
    expect_numbered(&mut done, 1..=12).await;
    done.ack(12).await.unwrap();
    assert!(matches!(
        bus.remove_consumer("idle").await,
        Err(BusError::ConsumerInUse(_))
    ));
    drop(idle);
    assert_eq!(
        segment_files(dir.path()).len(),
        3,
        "idle has acknowledged nothing"
    );
    assert_eq!(bus.backlog_bytes(), 12 * RECORD);
    bus.remove_consumer("idle").await.unwrap();
    assert_eq!(segment_files(dir.path()).len(), 1);
    assert_eq!(bus.backlog_bytes(), 0);
    assert!(matches!(
        bus.remove_consumer("idle").await,
        Err(BusError::UnknownConsumer(_))
    ));
    assert_eq!(
        bus.consumer_lags(),
        vec![ConsumerLag {
            name: "done".to_owned(),
            acked_seq: 12,
            unacked_messages: 0,
            unacked_bytes: 0,
        }]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_lags_count_unacknowledged_messages_and_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let bus = LogBus::open(dir.path(), small_segments()).unwrap();
    let mut a = bus.consumer("a").await.unwrap();
    let _b = bus.consumer("b").await.unwrap();
    publish_numbered(&bus, 1..=6).await;
    expect_numbered(&mut a, 1..=2).await;
    a.ack(2).await.unwrap();
    let lags = bus.consumer_lags();
    assert_eq!(lags.len(), 2);
    assert_eq!((lags[0].name.as_str(), lags[0].acked_seq), ("a", 2));
    assert_eq!(
        (lags[0].unacked_messages, lags[0].unacked_bytes),
        (4, 4 * RECORD)
    );
    assert_eq!(
        (lags[1].unacked_messages, lags[1].unacked_bytes),
        (6, 6 * RECORD)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_tails_live_publishes_across_rotations() {
    let dir = tempfile::tempdir().unwrap();
    let bus = Arc::new(LogBus::open(dir.path(), small_segments()).unwrap());
    let mut consumer = bus.consumer("detect").await.unwrap();
    let reader = tokio::spawn(async move {
        expect_numbered(&mut consumer, 1..=120).await;
        consumer.ack(120).await.unwrap();
    });
    let publisher = {
        let bus = Arc::clone(&bus);
        tokio::spawn(async move { publish_numbered(&bus, 1..=120).await })
    };
    publisher.await.unwrap();
    reader.await.unwrap();
    assert_eq!(segment_files(dir.path()), vec![format!("{:020}.log", 117)]);
}

/// Publishes 1..=10 in 1000-byte payloads into one segment, closes the bus, damages the
/// segment with `damage`, reopens, and checks that `kept` messages survive and publishing
/// goes on after them.
async fn recover_after(damage: impl FnOnce(&Path), kept: u64, discarded: u64) {
    let dir = tempfile::tempdir().unwrap();
    {
        let bus = LogBus::open(dir.path(), LogBusConfig::default()).unwrap();
        publish_numbered(&bus, 1..=10).await;
        assert!(bus.torn_tail().is_none());
    }
    let segment = segment_path(dir.path(), 1);
    damage(&segment);
    let bus = LogBus::open(dir.path(), LogBusConfig::default()).unwrap();
    let torn = bus.torn_tail().expect("a torn tail was reported");
    assert_eq!(torn.segment, segment);
    assert_eq!(torn.kept_bytes, 32 + kept * RECORD);
    assert_eq!(torn.discarded_bytes, discarded);
    assert_eq!(fs::metadata(&segment).unwrap().len(), 32 + kept * RECORD);
    let mut consumer = bus.consumer("detect").await.unwrap();
    expect_numbered(&mut consumer, 1..=kept).await;
    publish_numbered(&bus, kept + 1..=kept + 3).await;
    expect_numbered(&mut consumer, kept + 1..=kept + 3).await;
    drop(consumer);
    drop(bus);
    let bus = LogBus::open(dir.path(), LogBusConfig::default()).unwrap();
    assert!(bus.torn_tail().is_none(), "the repair was durable");
}

fn append(path: &Path, bytes: &[u8]) {
    let mut file = OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(bytes).unwrap();
}

fn cut(path: &Path, bytes: u64) {
    let file = OpenOptions::new().write(true).open(path).unwrap();
    let len = file.metadata().unwrap().len();
    file.set_len(len - bytes).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_after_the_last_record_is_cut() {
    recover_after(|p| append(p, b"not a record at all, just noise"), 10, 31).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zeroed_tail_is_cut() {
    recover_after(|p| append(p, &[0u8; 4096]), 10, 4096).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_written_last_record_is_cut() {
    recover_after(|p| cut(p, 500), 9, RECORD - 500).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_written_record_header_is_cut() {
    recover_after(|p| cut(p, RECORD - 7), 9, 7).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_last_record_with_a_bad_checksum_is_cut() {
    let flip_last_byte = |p: &Path| {
        let mut bytes = fs::read(p).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x55;
        fs::write(p, bytes).unwrap();
    };
    recover_after(flip_last_byte, 9, RECORD).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damage_in_an_older_segment_is_reported_with_file_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    {
        let bus = LogBus::open(dir.path(), small_segments()).unwrap();
        publish_numbered(&bus, 1..=10).await;
    }
    // Flip one payload byte of seq 3, in the middle of sealed segment 1..=4.
    let sealed = segment_path(dir.path(), 1);
    let record_3 = 32 + 2 * RECORD;
    let mut bytes = fs::read(&sealed).unwrap();
    bytes[(record_3 + 16 + 500) as usize] ^= 1;
    fs::write(&sealed, bytes).unwrap();

    let bus = LogBus::open(dir.path(), small_segments()).unwrap();
    let mut consumer = bus.consumer("detect").await.unwrap();
    expect_numbered(&mut consumer, 1..=2).await;
    for _ in 0..2 {
        // Reported every time, never skipped.
        match consumer.next().await {
            Err(BusError::Corrupt {
                path,
                offset,
                reason,
            }) => {
                assert_eq!(path, sealed);
                assert_eq!(offset, record_3);
                assert!(reason.contains("checksum"), "{reason}");
            }
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sealed_segment_missing_bytes_fails_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let bus = LogBus::open(dir.path(), small_segments()).unwrap();
        publish_numbered(&bus, 1..=10).await;
    }
    cut(&segment_path(dir.path(), 5), 100);
    match LogBus::open(dir.path(), small_segments()) {
        Err(BusError::Corrupt { path, reason, .. }) => {
            assert_eq!(path, segment_path(dir.path(), 9));
            assert!(reason.contains("previous segment ends"), "{reason}");
        }
        Err(other) => panic!("expected Corrupt, got {other}"),
        Ok(_) => panic!("opened a bus with a damaged sealed segment"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_segment_fails_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let bus = LogBus::open(dir.path(), small_segments()).unwrap();
        publish_numbered(&bus, 1..=10).await;
    }
    fs::remove_file(segment_path(dir.path(), 5)).unwrap();
    assert!(matches!(
        LogBus::open(dir.path(), small_segments()),
        Err(BusError::Corrupt { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_past_the_stored_log_fails_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let bus = LogBus::open(dir.path(), LogBusConfig::default()).unwrap();
        let mut consumer = bus.consumer("detect").await.unwrap();
        publish_numbered(&bus, 1..=5).await;
        expect_numbered(&mut consumer, 1..=5).await;
        consumer.ack(5).await.unwrap();
    }
    // The segments are lost; the consumer's checkpoint still says it acknowledged seq 5.
    fs::remove_file(segment_path(dir.path(), 1)).unwrap();
    match LogBus::open(dir.path(), LogBusConfig::default()) {
        Err(BusError::Corrupt { path, reason, .. }) => {
            assert_eq!(path, dir.path().join("consumers").join("detect.ack"));
            assert!(reason.contains("acknowledged seq 5"), "{reason}");
        }
        Err(other) => panic!("expected Corrupt, got {other}"),
        Ok(_) => panic!("opened a bus whose consumer is past its end"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_created_segment_is_discarded() {
    let dir = tempfile::tempdir().unwrap();
    {
        let bus = LogBus::open(dir.path(), small_segments()).unwrap();
        publish_numbered(&bus, 1..=4).await;
    }
    // A crash during rotation leaves the next segment's temporary file.
    let temp = dir.path().join(format!("{:020}.log.tmp", 5));
    fs::write(&temp, b"VIGILSEG").unwrap();
    let bus = LogBus::open(dir.path(), small_segments()).unwrap();
    assert!(!temp.exists());
    publish_numbered(&bus, 5..=6).await;
    let mut consumer = bus.consumer("detect").await.unwrap();
    expect_numbered(&mut consumer, 1..=6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_is_open_by_one_bus_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let bus = LogBus::open(dir.path(), LogBusConfig::default()).unwrap();
    assert!(matches!(
        LogBus::open(dir.path(), LogBusConfig::default()),
        Err(BusError::Locked(_))
    ));
    drop(bus);
    LogBus::open(dir.path(), LogBusConfig::default()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_of_a_closed_bus_drains_what_is_stored_then_reports_closed() {
    let dir = tempfile::tempdir().unwrap();
    let bus = LogBus::open(dir.path(), LogBusConfig::default()).unwrap();
    let mut consumer = bus.consumer("detect").await.unwrap();
    publish_numbered(&bus, 1..=2).await;
    drop(bus);
    expect_numbered(&mut consumer, 1..=2).await;
    assert!(matches!(consumer.next().await, Err(BusError::Closed)));
    assert!(matches!(consumer.ack(2).await, Err(BusError::Closed)));
}

#[test]
fn impossible_configurations_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bad = [
        LogBusConfig {
            segment_bytes: 16,
            ..LogBusConfig::default()
        },
        LogBusConfig {
            max_payload_bytes: 1 << 20,
            max_backlog_bytes: 1 << 19,
            ..LogBusConfig::default()
        },
        LogBusConfig {
            max_payload_bytes: u32::MAX as usize + 1,
            max_backlog_bytes: u64::MAX,
            ..LogBusConfig::default()
        },
    ];
    for config in bad {
        assert!(
            matches!(
                LogBus::open(dir.path(), config.clone()),
                Err(BusError::Config(_))
            ),
            "{config:?} was accepted"
        );
    }
}
