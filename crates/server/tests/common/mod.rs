//! Shared set-up of the ingest and syslog tests: a real state database (SQLite in a temp
//! dir) with an agency and its ingest token, a real tantivy event store, the ingest routes
//! served by axum on 127.0.0.1:0, and a stand-in for the pipeline that drains the intake
//! and answers every batch Ok (keeping batches and quarantined input for assertions). The
//! stand-in can be held shut, so the intake fills up, and released.

// Each test binary uses a different part of the harness.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tempfile::TempDir;
use tokio::sync::watch;
use vigil_pipeline::intake::{IngestBatch, Intake, IntakeMessage, Record, Rejected};
use vigil_pipeline::metrics::Metrics;
use vigil_pipeline::rules::RuleCatalog;
use vigil_server::auth::TokenCache;
use vigil_server::state::{AppState, Limits};
use vigil_store::db::{Db, Role, Scope};
use vigil_store::events::TantivyEventStore;

/// How the harness starts.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Intake channel capacity.
    pub capacity: usize,
    /// Start with the pipeline stand-in not draining the intake.
    pub held: bool,
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            capacity: 64,
            held: false,
            limits: Limits::default(),
        }
    }
}

impl Options {
    /// A pipeline that is full: the intake holds one batch and is not drained until
    /// [`Harness::release`].
    pub fn full_pipeline() -> Options {
        Options {
            capacity: 1,
            held: true,
            ..Options::default()
        }
    }

    /// The default set-up with other size limits.
    pub fn limits(limits: Limits) -> Options {
        Options {
            limits,
            ..Options::default()
        }
    }
}

/// A running ingest server over fresh storage.
pub struct Harness {
    pub state: AppState,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    pub agency_id: String,
    /// An ingest token of the agency.
    pub token: String,
    /// A valid token without an agency (a SOC analyst's API token).
    pub analyst_token: String,
    pub metrics: Arc<Metrics>,
    delivered: Arc<Mutex<Vec<IngestBatch>>>,
    quarantined: Arc<Mutex<Vec<Rejected>>>,
    gate: watch::Sender<bool>,
    _dir: TempDir,
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::with(Options::default()).await
    }

    /// The harness of a test that runs `program`; `None`, after saying
    /// `skipped: {what} not installed`, when `program` cannot be run.
    pub async fn start_needing(program: &str, what: &str) -> Option<Harness> {
        if !have(program) {
            println!("skipped: {what} not installed");
            return None;
        }
        Some(Harness::start().await)
    }

    pub async fn with(options: Options) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open(&format!("sqlite://{}/state.db", dir.path().display()))
            .await
            .expect("state db");
        let agency = db
            .create_agency("Sở Thông tin và Truyền thông", None, "test")
            .await
            .expect("agency");
        let token = db
            .create_token(Some(&agency.id), Scope::Ingest, None, "test")
            .await
            .expect("ingest token")
            .plaintext;
        let analyst_token = db
            .create_token(None, Scope::Api, Some(Role::SocAnalyst), "test")
            .await
            .expect("analyst token")
            .plaintext;
        let events = TantivyEventStore::open(dir.path().join("events")).expect("event store");
        let metrics = Arc::new(Metrics::new());
        let (intake, mut rx) = Intake::new(options.capacity, metrics.clone());
        let state = AppState {
            overview_cache: Default::default(),
            db,
            events: Arc::new(events),
            intake,
            metrics: metrics.clone(),
            limits: options.limits,
            auth: Arc::new(TokenCache::default()),
            rules: Arc::new(RuleCatalog::new()),
        };

        let delivered = Arc::new(Mutex::new(Vec::new()));
        let quarantined = Arc::new(Mutex::new(Vec::new()));
        let (gate, mut open) = watch::channel(!options.held);
        tokio::spawn({
            let delivered = delivered.clone();
            let quarantined = quarantined.clone();
            async move {
                while open.wait_for(|open| *open).await.is_ok() {
                    match rx.recv().await {
                        Some(IntakeMessage::Batch(batch, done)) => {
                            delivered.lock().unwrap().push(batch);
                            let _ = done.send(Ok(()));
                        }
                        Some(IntakeMessage::Reject(rejected)) => {
                            quarantined.lock().unwrap().push(rejected)
                        }
                        None => break,
                    }
                }
            }
        });

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let app = vigil_server::ingest::router().with_state(state.clone());
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .expect("serve");
        });
        Harness {
            state,
            base: format!("http://{addr}"),
            agency_id: agency.id,
            token,
            analyst_token,
            metrics,
            delivered,
            quarantined,
            gate,
            _dir: dir,
        }
    }

    /// Lets the pipeline stand-in drain the intake.
    pub fn release(&self) {
        let _ = self.gate.send(true);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Batches answered so far.
    pub fn batches(&self) -> Vec<IngestBatch> {
        self.delivered.lock().unwrap().clone()
    }

    /// Records of every batch answered so far.
    pub fn records(&self) -> Vec<Record> {
        self.batches()
            .into_iter()
            .flat_map(|batch| batch.records)
            .collect()
    }

    /// Input sent to the quarantine so far.
    pub fn rejected(&self) -> Vec<Rejected> {
        self.quarantined.lock().unwrap().clone()
    }

    /// Waits (up to 20 s) until at least `n` records were delivered.
    pub async fn wait_for_records(&self, n: usize) -> Vec<Record> {
        wait_until(|| self.records().len() >= n).await;
        let records = self.records();
        assert!(
            records.len() >= n,
            "expected {n} records, got {}: {records:#?}",
            records.len()
        );
        records
    }

    /// Waits (up to 20 s) until at least `n` rejects were quarantined.
    pub async fn wait_for_rejects(&self, n: usize) -> Vec<Rejected> {
        wait_until(|| self.rejected().len() >= n).await;
        let rejected = self.rejected();
        assert!(
            rejected.len() >= n,
            "expected {n} rejects, got {rejected:#?}"
        );
        rejected
    }
}

/// Polls `done` every 20 ms for up to 20 s.
pub async fn wait_until(mut done: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An HTTP client for the tests.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Whether `program` can be run (`program --version` succeeds).
pub fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Runs a command off the async workers and returns its output.
pub async fn run(mut command: Command) -> Output {
    let shown = format!("{command:?}");
    tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("command task")
        .unwrap_or_else(|err| panic!("cannot run {shown}: {err}"))
}

/// Runs a command like [`run`] and asserts that it succeeded, showing its output if not.
pub async fn run_ok(command: Command) -> Output {
    let shown = format!("{command:?}");
    let out = run(command).await;
    assert!(
        out.status.success(),
        "{shown} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A small deterministic random generator (xorshift64*), so a failing fuzz case repeats.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}
