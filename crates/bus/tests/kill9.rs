//! `kill -9` durability: every publish the bus acknowledged is still there, byte for byte,
//! after the publishing process is killed mid-stream.
//!
//! The test runs its own test binary again as a child process (selected by an environment
//! variable). The child publishes from several tasks at once into small segments, printing
//! each sequence number as its publish returns; the parent reads those lines, kills the
//! child with SIGKILL while it is still publishing, reopens the bus and checks every
//! acknowledged message.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use vigil_bus::{Bus, LogBus, LogBusConfig};

const CHILD_DIR: &str = "VIGIL_BUS_KILL9_CHILD_DIR";
const TASKS: u64 = 4;
const PER_TASK: u64 = 5_000;
/// Acknowledgements the parent waits for before it kills the child.
const KILL_AFTER: usize = 1_500;

fn config() -> LogBusConfig {
    LogBusConfig {
        segment_bytes: 256 << 10,
        ..LogBusConfig::default()
    }
}

/// The payload task `task` publishes as its `n`th message: 100 bytes to 60 KB.
fn payload(task: u64, n: u64) -> Vec<u8> {
    let len = 100 + ((task * 7919 + n * 104_729) % 60_000) as usize;
    let mut out = format!("task {task} message {n};").into_bytes();
    out.extend((0..len).map(|i| (i as u64 ^ (n * 31 + task)) as u8));
    out
}

/// Runs as the child process of `acknowledged_publishes_survive_kill_9`; does nothing in a
/// normal test run.
#[test]
fn kill9_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let bus = Arc::new(LogBus::open(Path::new(&dir), config()).unwrap());
        let mut tasks = Vec::new();
        for task in 0..TASKS {
            let bus = Arc::clone(&bus);
            tasks.push(tokio::spawn(async move {
                for n in 0..PER_TASK {
                    let seq = bus.publish(payload(task, n)).await.unwrap();
                    println!("acked {seq} {task} {n}");
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
    });
}

/// Kills the child if the parent fails before it does so itself.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `(seq, task, n)` from a whole `acked` line (the test harness may print its own text
/// before the first one on the same line).
fn parse_ack(line: &[u8]) -> Option<(u64, u64, u64)> {
    let line = std::str::from_utf8(line).ok()?.strip_suffix('\n')?;
    let rest = &line[line.find("acked ")? + "acked ".len()..];
    let mut fields = rest.split(' ').map(|f| f.parse::<u64>());
    let ack = (
        fields.next()?.ok()?,
        fields.next()?.ok()?,
        fields.next()?.ok()?,
    );
    fields.next().is_none().then_some(ack)
}

#[test]
fn acknowledged_publishes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = KillOnDrop(
        Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "kill9_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR, dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap());
    let mut acked = Vec::new();
    let mut line = Vec::new();
    while acked.len() < KILL_AFTER {
        line.clear();
        let read = stdout.read_until(b'\n', &mut line).unwrap();
        assert!(read > 0, "the child stopped after {} acks", acked.len());
        acked.extend(parse_ack(&line));
    }
    child.0.kill().unwrap(); // SIGKILL, mid-stream
    child.0.wait().unwrap();
    // Lines still in the pipe were acknowledged before the kill too; a cut-off last line
    // (no newline) is not counted.
    loop {
        line.clear();
        if stdout.read_until(b'\n', &mut line).unwrap() == 0 {
            break;
        }
        acked.extend(parse_ack(&line));
    }
    assert!(
        acked.len() < (TASKS * PER_TASK) as usize,
        "the child finished before it was killed"
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let bus = LogBus::open(dir.path(), config()).unwrap();
        let mut consumer = bus.consumer("verify").await.unwrap();
        let mut stored = BTreeMap::new();
        while let Some((seq, payload)) = consumer
            .next_timeout(Duration::from_millis(500))
            .await
            .unwrap()
        {
            stored.insert(seq, payload);
        }
        let last = stored.len() as u64;
        assert!(
            stored.keys().copied().eq(1..=last),
            "stored sequence numbers have gaps"
        );
        for &(seq, task, n) in &acked {
            let got = stored.get(&seq);
            assert!(got.is_some(), "acknowledged seq {seq} is missing");
            assert!(
                got == Some(&payload(task, n)),
                "seq {seq} does not hold task {task} message {n}"
            );
        }
        assert_eq!(
            bus.publish(b"after the crash".to_vec()).await.unwrap(),
            last + 1
        );
        eprintln!(
            "{} acknowledged before the kill, {} stored, torn tail: {:?}",
            acked.len(),
            last,
            bus.torn_tail()
        );
    });
}
