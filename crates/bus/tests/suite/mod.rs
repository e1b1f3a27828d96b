//! The behaviour every [`Bus`] backend must have, written once against the trait.
//!
//! A backend test file implements [`Backend`] and calls [`bus_suite!`] with an expression
//! that makes a fresh, empty backend; each check becomes one test. The embedded `LogBus`
//! runs it in `tests/log_bus.rs`; a JetStream backend runs the same checks.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use vigil_bus::{Bus, BusError, Consumer};

/// Limits a check needs the bus opened with.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Publishing fails with `Full` over this many unacknowledged bytes.
    pub max_backlog_bytes: u64,
    /// Larger payloads are refused.
    pub max_payload_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_backlog_bytes: 64 << 20,
            max_payload_bytes: 8 << 20,
        }
    }
}

/// One bus store under test.
#[async_trait]
pub trait Backend: Send + Sync {
    /// Opens the store. Every call opens the same store: dropping the bus and opening it
    /// again is a restart.
    async fn open(&self, limits: Limits) -> Box<dyn Bus>;
}

/// Defines one `#[tokio::test]` per check, each on a fresh backend made by `$make`.
#[macro_export]
macro_rules! bus_suite {
    ($make:expr) => {
        $crate::bus_suite!(@tests $make;
            publishes_are_consumed_in_order_with_exact_payloads,
            sequence_numbers_are_unique_under_concurrent_publishers,
            consumers_are_independent,
            acks_persist_across_reopen,
            unacknowledged_messages_are_redelivered_after_reopen,
            next_waits_for_a_publish,
            next_timeout_returns_none_when_idle,
            full_backlog_refuses_publishes_until_acked,
            backlog_follows_the_slowest_consumer,
            oversized_payload_is_refused_and_not_stored,
            ack_beyond_delivered_is_refused,
            a_consumer_is_open_through_one_handle_at_a_time,
            invalid_consumer_names_are_refused,
        );
    };
    (@tests $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let backend = $make;
                $crate::suite::$check(&backend).await;
            }
        )*
    };
}

/// A payload that names where it came from, with a length that varies with `n`.
pub fn payload(tag: &str, n: usize) -> Vec<u8> {
    let mut out = format!("{tag}:{n}:").into_bytes();
    out.extend((0..(n * 37) % 3000).map(|i| (i * 7 + n) as u8));
    out
}

async fn publish_all(bus: &dyn Bus, payloads: &[Vec<u8>]) -> Vec<u64> {
    let mut seqs = Vec::new();
    for p in payloads {
        seqs.push(bus.publish(p.clone()).await.unwrap());
    }
    seqs
}

async fn next(consumer: &mut Box<dyn Consumer>) -> (u64, Vec<u8>) {
    tokio::time::timeout(Duration::from_secs(10), consumer.next())
        .await
        .expect("no message within 10 s")
        .unwrap()
}

/// Expects the messages `seqs`, where seq `s` was published as `payloads[s - 1]`.
async fn expect_seqs(
    consumer: &mut Box<dyn Consumer>,
    payloads: &[Vec<u8>],
    seqs: std::ops::RangeInclusive<u64>,
) {
    for seq in seqs {
        let expected = &payloads[seq as usize - 1];
        assert_eq!(
            next(consumer).await,
            (seq, expected.clone()),
            "message {seq}"
        );
    }
}

async fn assert_idle(consumer: &mut Box<dyn Consumer>) {
    let got = consumer
        .next_timeout(Duration::from_millis(50))
        .await
        .unwrap();
    assert_eq!(got.map(|(seq, _)| seq), None, "expected no message");
}

pub async fn publishes_are_consumed_in_order_with_exact_payloads(backend: &dyn Backend) {
    let bus = backend.open(Limits::default()).await;
    let payloads: Vec<_> = (0..200).map(|n| payload("order", n)).collect();
    let mut consumer = bus.consumer("detect").await.unwrap();
    let seqs = publish_all(bus.as_ref(), &payloads).await;
    assert_eq!(seqs, (1..=200).collect::<Vec<u64>>());
    for (seq, expected) in seqs.iter().zip(&payloads) {
        let (got_seq, got) = next(&mut consumer).await;
        assert_eq!(got_seq, *seq);
        assert_eq!(&got, expected, "payload of seq {seq}");
    }
    assert_idle(&mut consumer).await;
    // Large payloads (bigger than any read buffer) come back whole too.
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let seq = bus.publish(big.clone()).await.unwrap();
    assert_eq!(next(&mut consumer).await, (seq, big));
    // An empty payload is a message like any other.
    let seq = bus.publish(Vec::new()).await.unwrap();
    assert_eq!(next(&mut consumer).await, (seq, Vec::new()));
}

pub async fn sequence_numbers_are_unique_under_concurrent_publishers(backend: &dyn Backend) {
    let bus: Arc<dyn Bus> = backend.open(Limits::default()).await.into();
    let mut tasks = Vec::new();
    for t in 0..8 {
        let bus = Arc::clone(&bus);
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            for n in 0..40 {
                let p = payload(&format!("task{t}"), n);
                mine.push((bus.publish(p.clone()).await.unwrap(), p));
            }
            mine
        }));
    }
    let mut published = BTreeMap::new();
    for task in tasks {
        for (seq, p) in task.await.unwrap() {
            assert!(published.insert(seq, p).is_none(), "seq {seq} given twice");
        }
    }
    assert_eq!(
        published.keys().copied().collect::<Vec<_>>(),
        (1..=320).collect::<Vec<_>>()
    );
    let mut consumer = bus.consumer("detect").await.unwrap();
    for (seq, p) in &published {
        assert_eq!(&next(&mut consumer).await, &(*seq, p.clone()));
    }
}

pub async fn consumers_are_independent(backend: &dyn Backend) {
    let payloads: Vec<_> = (0..20).map(|n| payload("ind", n)).collect();
    {
        let bus = backend.open(Limits::default()).await;
        publish_all(bus.as_ref(), &payloads).await;
        let mut fast = bus.consumer("fast").await.unwrap();
        let mut slow = bus.consumer("slow").await.unwrap();
        expect_seqs(&mut fast, &payloads, 1..=20).await;
        fast.ack(20).await.unwrap();
        expect_seqs(&mut slow, &payloads, 1..=5).await;
        slow.ack(5).await.unwrap();
        assert_idle(&mut fast).await;
    }
    let bus = backend.open(Limits::default()).await;
    let mut fast = bus.consumer("fast").await.unwrap();
    let mut slow = bus.consumer("slow").await.unwrap();
    assert_idle(&mut fast).await;
    assert_eq!(next(&mut slow).await, (6, payloads[5].clone()));
    // A consumer created later starts from the oldest stored message.
    let mut late = bus.consumer("late").await.unwrap();
    assert_eq!(next(&mut late).await, (1, payloads[0].clone()));
}

pub async fn acks_persist_across_reopen(backend: &dyn Backend) {
    let payloads: Vec<_> = (0..10).map(|n| payload("ack", n)).collect();
    {
        let bus = backend.open(Limits::default()).await;
        let mut consumer = bus.consumer("detect").await.unwrap();
        publish_all(bus.as_ref(), &payloads).await;
        for _ in 0..10 {
            next(&mut consumer).await;
        }
        consumer.ack(3).await.unwrap();
        consumer.ack(6).await.unwrap();
        consumer.ack(2).await.unwrap(); // older than the last ack: changes nothing
    }
    let bus = backend.open(Limits::default()).await;
    let mut consumer = bus.consumer("detect").await.unwrap();
    expect_seqs(&mut consumer, &payloads, 7..=10).await;
    consumer.ack(10).await.unwrap();
    let seq = bus.publish(payload("ack", 10)).await.unwrap();
    assert_eq!(seq, 11, "sequence numbers go on after a reopen");
    drop(consumer);
    drop(bus);
    let bus = backend.open(Limits::default()).await;
    let mut consumer = bus.consumer("detect").await.unwrap();
    assert_eq!(next(&mut consumer).await, (11, payload("ack", 10)));
}

pub async fn unacknowledged_messages_are_redelivered_after_reopen(backend: &dyn Backend) {
    let payloads: Vec<_> = (0..10).map(|n| payload("redo", n)).collect();
    {
        let bus = backend.open(Limits::default()).await;
        let mut consumer = bus.consumer("detect").await.unwrap();
        publish_all(bus.as_ref(), &payloads).await;
        for _ in 0..4 {
            next(&mut consumer).await;
        }
        consumer.ack(4).await.unwrap();
        for _ in 4..10 {
            next(&mut consumer).await; // processed but never acknowledged
        }
    }
    let bus = backend.open(Limits::default()).await;
    let mut consumer = bus.consumer("detect").await.unwrap();
    expect_seqs(&mut consumer, &payloads, 5..=10).await;
    assert_idle(&mut consumer).await;
}

pub async fn next_waits_for_a_publish(backend: &dyn Backend) {
    let bus: Arc<dyn Bus> = backend.open(Limits::default()).await.into();
    let mut consumer = bus.consumer("detect").await.unwrap();
    let waiting = tokio::spawn(async move { next(&mut consumer).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !waiting.is_finished(),
        "next returned before anything was published"
    );
    let seq = bus.publish(b"wake up".to_vec()).await.unwrap();
    assert_eq!(waiting.await.unwrap(), (seq, b"wake up".to_vec()));
}

pub async fn next_timeout_returns_none_when_idle(backend: &dyn Backend) {
    let bus = backend.open(Limits::default()).await;
    let mut consumer = bus.consumer("detect").await.unwrap();
    let started = std::time::Instant::now();
    let got = consumer
        .next_timeout(Duration::from_millis(100))
        .await
        .unwrap();
    assert!(got.is_none());
    assert!(started.elapsed() >= Duration::from_millis(100));
    let seq = bus.publish(b"one".to_vec()).await.unwrap();
    let got = consumer
        .next_timeout(Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(got, Some((seq, b"one".to_vec())));
}

pub async fn full_backlog_refuses_publishes_until_acked(backend: &dyn Backend) {
    let limits = Limits {
        max_backlog_bytes: 16 << 10,
        max_payload_bytes: 4 << 10,
    };
    let bus = backend.open(limits).await;
    let mut consumer = bus.consumer("detect").await.unwrap();
    let mut accepted = 0u64;
    let retry_after = loop {
        match bus.publish(vec![7u8; 1000]).await {
            Ok(seq) => {
                accepted += 1;
                assert_eq!(seq, accepted);
                assert!(accepted < 100, "the bus never filled up");
            }
            Err(BusError::Full { retry_after }) => break retry_after,
            Err(other) => panic!("unexpected error {other}"),
        }
    };
    assert!(accepted >= 10, "filled up after only {accepted} publishes");
    assert!(retry_after > Duration::ZERO);
    assert!(bus.backlog_bytes() <= limits.max_backlog_bytes);
    assert!(bus.backlog_bytes() >= accepted * 1000);
    // Still full: refusing did not free anything.
    assert!(matches!(
        bus.publish(vec![7u8; 1000]).await,
        Err(BusError::Full { .. })
    ));
    for seq in 1..=accepted {
        assert_eq!(next(&mut consumer).await.0, seq);
    }
    assert!(matches!(
        bus.publish(vec![7u8; 1000]).await,
        Err(BusError::Full { .. })
    ));
    consumer.ack(accepted).await.unwrap();
    assert_eq!(bus.backlog_bytes(), 0);
    assert_eq!(bus.publish(vec![8u8; 1000]).await.unwrap(), accepted + 1);
    assert_eq!(next(&mut consumer).await, (accepted + 1, vec![8u8; 1000]));
}

pub async fn backlog_follows_the_slowest_consumer(backend: &dyn Backend) {
    let bus = backend.open(Limits::default()).await;
    let mut fast = bus.consumer("fast").await.unwrap();
    let mut slow = bus.consumer("slow").await.unwrap();
    assert_eq!(bus.backlog_bytes(), 0);
    publish_all(bus.as_ref(), &vec![vec![1u8; 10_000]; 5]).await;
    let full = bus.backlog_bytes();
    assert!(full >= 50_000, "backlog {full}");
    for _ in 0..5 {
        next(&mut fast).await;
    }
    fast.ack(5).await.unwrap();
    assert_eq!(
        bus.backlog_bytes(),
        full,
        "the slow consumer has acknowledged nothing"
    );
    for _ in 0..2 {
        next(&mut slow).await;
    }
    slow.ack(2).await.unwrap();
    let partial = bus.backlog_bytes();
    assert!(partial < full && partial >= 30_000, "backlog {partial}");
    for _ in 2..5 {
        next(&mut slow).await;
    }
    slow.ack(5).await.unwrap();
    assert_eq!(bus.backlog_bytes(), 0);
}

pub async fn oversized_payload_is_refused_and_not_stored(backend: &dyn Backend) {
    let limits = Limits {
        max_backlog_bytes: 1 << 20,
        max_payload_bytes: 1024,
    };
    let bus = backend.open(limits).await;
    let mut consumer = bus.consumer("detect").await.unwrap();
    match bus.publish(vec![0u8; 1025]).await {
        Err(BusError::PayloadTooLarge { size, max }) => assert_eq!((size, max), (1025, 1024)),
        other => panic!("expected PayloadTooLarge, got {other:?}"),
    }
    let message = bus.publish(vec![0u8; 4096]).await.unwrap_err().to_string();
    assert!(
        message.contains("4096") && message.contains("1024"),
        "unclear error: {message}"
    );
    let seq = bus.publish(vec![1u8; 1024]).await.unwrap();
    assert_eq!(next(&mut consumer).await, (seq, vec![1u8; 1024]));
    assert_idle(&mut consumer).await;
}

pub async fn ack_beyond_delivered_is_refused(backend: &dyn Backend) {
    let bus = backend.open(Limits::default()).await;
    let mut consumer = bus.consumer("detect").await.unwrap();
    publish_all(bus.as_ref(), &[b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]).await;
    assert!(matches!(
        consumer.ack(1).await,
        Err(BusError::AckBeyondDelivered {
            seq: 1,
            delivered: 0
        })
    ));
    next(&mut consumer).await;
    next(&mut consumer).await;
    assert!(matches!(
        consumer.ack(3).await,
        Err(BusError::AckBeyondDelivered {
            seq: 3,
            delivered: 2
        })
    ));
    consumer.ack(2).await.unwrap();
    assert_eq!(next(&mut consumer).await, (3, b"c".to_vec()));
}

pub async fn a_consumer_is_open_through_one_handle_at_a_time(backend: &dyn Backend) {
    let bus = backend.open(Limits::default()).await;
    let first = bus.consumer("detect").await.unwrap();
    assert!(matches!(
        bus.consumer("detect").await.err(),
        Some(BusError::ConsumerInUse(name)) if name == "detect"
    ));
    drop(first);
    let mut again = bus.consumer("detect").await.unwrap();
    let seq = bus.publish(b"x".to_vec()).await.unwrap();
    assert_eq!(next(&mut again).await, (seq, b"x".to_vec()));
}

pub async fn invalid_consumer_names_are_refused(backend: &dyn Backend) {
    let bus = backend.open(Limits::default()).await;
    let mut seen = HashSet::new();
    for name in ["", "a b", "../etc", "a.b", "x/y"] {
        match bus.consumer(name).await {
            Err(BusError::InvalidConsumerName { name: got, .. }) => assert!(seen.insert(got)),
            Err(other) => panic!("{name:?}: unexpected error {other}"),
            Ok(_) => panic!("{name:?} was accepted"),
        }
    }
}
