//! Throughput of the embedded `LogBus` with fsync on: publishing 64 KiB batches from 1, 8
//! and 64 concurrent publishers (group commit shares fsyncs between them), and consuming
//! with one consumer that acknowledges every 64 messages. A last line publishes with fsync
//! off, to show how much of the cost is the disk's sync rather than the bus.
//!
//! ```text
//! cargo bench -p vigil-bus --bench publish
//! ```
//!
//! `VIGIL_BUS_BENCH_MESSAGES` sets the messages per run (default 2000, 125 MiB);
//! `VIGIL_BUS_BENCH_DIR` sets where the bus files go (default: the target directory's
//! temporary folder, on the same disk as the build, never a RAM disk where fsync is free).
//! It prints figures and asserts nothing about them.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use vigil_bus::{Bus, LogBus, LogBusConfig};

const PAYLOAD_BYTES: usize = 64 << 10;
const ACK_EVERY: u64 = 64;

fn main() {
    let messages: u64 = std::env::var("VIGIL_BUS_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let root = std::env::var_os("VIGIL_BUS_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")));
    std::fs::create_dir_all(&root).expect("create the bench directory");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("start a tokio runtime");

    println!(
        "LogBus, fsync on, {messages} x {} KiB payloads per run, files under {}",
        PAYLOAD_BYTES >> 10,
        root.display()
    );
    for publishers in [1, 8, 64] {
        let dir = tempfile::tempdir_in(&root).expect("create a temporary bus directory");
        let bus =
            Arc::new(LogBus::open(dir.path(), LogBusConfig::default()).expect("open the bus"));
        let elapsed = runtime.block_on(publish(&bus, publishers, messages));
        report(
            &format!("publish, {publishers:>2} publishers"),
            messages,
            elapsed,
        );
        if publishers == 1 {
            let elapsed = runtime.block_on(consume(&bus, messages));
            report("consume, 1 consumer    ", messages, elapsed);
        }
    }
    // For comparison only: how much of the cost above is the disk's sync.
    let dir = tempfile::tempdir_in(&root).expect("create a temporary bus directory");
    let config = LogBusConfig {
        fsync: false,
        ..LogBusConfig::default()
    };
    let bus = Arc::new(LogBus::open(dir.path(), config).expect("open the bus"));
    let elapsed = runtime.block_on(publish(&bus, 8, messages));
    report("publish,  8 publishers, fsync OFF", messages, elapsed);
}

/// Publishes `messages` payloads split over `publishers` concurrent tasks.
async fn publish(bus: &Arc<LogBus>, publishers: u64, messages: u64) -> Duration {
    let started = Instant::now();
    let tasks: Vec<_> = (0..publishers)
        .map(|p| {
            let bus = Arc::clone(bus);
            let count = messages / publishers + u64::from(p < messages % publishers);
            tokio::spawn(async move {
                for n in 0..count {
                    let payload = vec![(p + n) as u8; PAYLOAD_BYTES];
                    bus.publish(payload).await.expect("publish");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("publisher task");
    }
    started.elapsed()
}

/// Reads `messages` messages with a new consumer, acknowledging every [`ACK_EVERY`].
async fn consume(bus: &LogBus, messages: u64) -> Duration {
    let started = Instant::now();
    let mut consumer = bus.consumer("bench").await.expect("open consumer");
    let mut bytes = 0;
    for _ in 0..messages {
        let (seq, payload) = consumer.next().await.expect("next");
        bytes += payload.len();
        if seq % ACK_EVERY == 0 || seq == messages {
            consumer.ack(seq).await.expect("ack");
        }
    }
    assert_eq!(
        bytes,
        messages as usize * PAYLOAD_BYTES,
        "consumed every byte"
    );
    started.elapsed()
}

fn report(what: &str, messages: u64, elapsed: Duration) {
    let secs = elapsed.as_secs_f64();
    let mib = (messages * PAYLOAD_BYTES as u64) as f64 / (1u64 << 20) as f64;
    println!(
        "{what}: {:>8.1} MiB/s  {:>9.0} batches/s  ({:.2} s)",
        mib / secs,
        messages as f64 / secs,
        secs
    );
}
