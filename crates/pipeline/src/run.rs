//! [`Pipeline::start`]: wires the stages together and runs them as tokio tasks.
//!
//! ```text
//! ingest ──Intake──▶ journal ──Bus (durable)──▶ process ──▶ alerts (state db)
//!                      │                            └────▶ event store (commit, then ack)
//!                      └──▶ quarantine
//! rules watcher: rule files changed / API asked → new RuleSnapshot swapped in
//! ```

use crate::attribute::{SourceMap, UNREGISTERED_AGENCY};
use crate::intake::{IngestBatch, Intake, IntakeMessage, Rejected, SubmitError};
use crate::live_rules::{rule_settings, RuleFiles, RuleSnapshot};
use crate::metrics::Metrics;
use crate::process::{ProcessConfig, Processor, Shared};
use crate::rules::RuleCatalog;
use anyhow::{Context, Result};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use vigil_bus::{Bus, BusError};
use vigil_detect::RuleLoad;
use vigil_store::db::{Db, NewQuarantine};
use vigil_store::events::EventStore;

/// The bus consumer name of the processing stage.
const CONSUMER: &str = "process";
/// How often rule files are checked for changes.
const RULE_POLL: Duration = Duration::from_secs(2);
/// How often the register of source addresses is re-read.
const SOURCES_REFRESH: Duration = Duration::from_secs(30);
/// Longest a quiet processing stage waits before periodic work.
const IDLE_TICK: Duration = Duration::from_millis(200);
/// Pause between attempts at a batch whose processing failed.
const RETRY_PAUSE: Duration = Duration::from_secs(1);
/// Quarantined input is kept up to this many bytes per entry.
pub const QUARANTINE_MAX_BYTES: usize = 64 * 1024;

/// Everything the pipeline needs.
pub struct PipelineConfig {
    pub rules: RuleLoad,
    pub process: ProcessConfig,
    /// Batches that may wait between ingest and the bus.
    pub intake_capacity: usize,
    /// Days of events kept; older days are deleted once a day (0 keeps everything).
    pub retention_days: u32,
}

/// A running pipeline.
pub struct Pipeline {
    pub intake: Intake,
    pub catalog: Arc<RuleCatalog>,
    pub metrics: Arc<Metrics>,
    shutdown: watch::Sender<bool>,
    /// Processing, the rules watcher and housekeeping.
    tasks: Vec<JoinHandle<()>>,
}

impl Pipeline {
    /// Loads the rules, then starts every stage. Returns once rules are loaded and the
    /// intake is open.
    pub async fn start(
        db: Db,
        store: Arc<dyn EventStore>,
        bus: Arc<dyn Bus>,
        metrics: Arc<Metrics>,
        config: PipelineConfig,
    ) -> Result<Pipeline> {
        let unregistered = match db.agency_by_name(UNREGISTERED_AGENCY).await? {
            Some(a) => a.id,
            None => {
                db.create_agency(UNREGISTERED_AGENCY, None, "system")
                    .await?
                    .id
            }
        };
        let catalog = Arc::new(RuleCatalog::new());
        let files = RuleFiles::new(config.rules.clone());
        let (files, detector) = tokio::task::spawn_blocking(move || {
            let detector = files.compile();
            (files, detector)
        })
        .await?;
        let detector = Arc::new(detector.context("loading rules")?);
        let (states, exceptions) = rule_settings(&db).await?;
        let snapshot = Arc::new(RuleSnapshot::new(detector, &states, exceptions));
        publish(&catalog, &metrics, &snapshot);
        let sources = Arc::new(SourceMap::new(
            &db.attribution_sources().await?,
            &unregistered,
        ));
        let shared = Arc::new(Shared {
            rules: RwLock::new(snapshot),
            sources: RwLock::new(sources),
        });

        let (intake, intake_rx) = Intake::new(config.intake_capacity, metrics.clone());
        let (shutdown, shutdown_rx) = watch::channel(false);
        tokio::spawn(journal(intake_rx, bus.clone(), db.clone(), metrics.clone()));
        let consumer = bus.consumer(CONSUMER).await?;
        let processor = Processor::new(
            db.clone(),
            store.clone(),
            shared.clone(),
            catalog.clone(),
            metrics.clone(),
            config.process,
        );
        let processing = tokio::spawn(process_loop(processor, consumer, bus.clone(), shutdown_rx));
        let watcher = tokio::spawn(until_shutdown(
            shutdown.subscribe(),
            watch_rules(
                files,
                db.clone(),
                shared,
                catalog.clone(),
                metrics.clone(),
                unregistered,
            ),
        ));
        let keeper = tokio::spawn(until_shutdown(
            shutdown.subscribe(),
            housekeeping(db, store, metrics.clone(), config.retention_days),
        ));
        Ok(Pipeline {
            intake,
            catalog,
            metrics,
            shutdown,
            tasks: vec![processing, watcher, keeper],
        })
    }

    /// Stops taking batches from the bus, commits what was processed, and returns once
    /// every stage has let go of the stores.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Runs `task` until the pipeline shuts down (dropping what it holds).
async fn until_shutdown(
    mut shutdown: watch::Receiver<bool>,
    task: impl std::future::Future<Output = ()>,
) {
    tokio::select! {
        _ = task => {}
        _ = shutdown.wait_for(|stop| *stop) => {}
    }
}

fn publish(catalog: &RuleCatalog, metrics: &Metrics, snapshot: &Arc<RuleSnapshot>) {
    catalog.publish_snapshot(snapshot.clone());
    metrics.rules_loaded.set(catalog.enabled_count() as i64);
}

/// Makes each batch durable on the bus and answers its sender; keeps rejects.
async fn journal(
    mut rx: mpsc::Receiver<IntakeMessage>,
    bus: Arc<dyn Bus>,
    db: Db,
    metrics: Arc<Metrics>,
) {
    while let Some(message) = rx.recv().await {
        metrics.intake_queue.set(rx.len() as i64);
        match message {
            IntakeMessage::Batch(batch, answer) => {
                let bus = bus.clone();
                let metrics = metrics.clone();
                // Publishing concurrently lets the bus share one disk sync among batches.
                tokio::spawn(async move {
                    let result = publish_batch(&*bus, &batch).await;
                    if let Err(SubmitError::Busy { .. }) = &result {
                        metrics.busy(batch.source);
                    }
                    let _ = answer.send(result);
                });
            }
            IntakeMessage::Reject(rejected) => {
                if let Err(e) = quarantine(&db, &rejected).await {
                    tracing::error!("quarantine write failed: {e}");
                }
            }
        }
    }
}

async fn publish_batch(bus: &dyn Bus, batch: &IngestBatch) -> Result<(), SubmitError> {
    let payload = postcard::to_stdvec(batch).map_err(|e| SubmitError::Failed(e.to_string()))?;
    match bus.publish(payload).await {
        Ok(_) => Ok(()),
        Err(BusError::Full { retry_after }) => Err(SubmitError::Busy { retry_after }),
        Err(e) => Err(SubmitError::Failed(e.to_string())),
    }
}

async fn quarantine(db: &Db, rejected: &Rejected) -> Result<()> {
    let source = match rejected.peer {
        Some(peer) => format!("{} {peer}", rejected.source.as_str()),
        None => rejected.source.as_str().to_owned(),
    };
    let cut = rejected.raw.len().min(QUARANTINE_MAX_BYTES);
    db.add_quarantine(&NewQuarantine {
        source: &source,
        agency_id: rejected.agency_id.as_deref(),
        reason: &rejected.reason,
        raw: &rejected.raw[..cut],
        truncated: rejected.truncated || cut < rejected.raw.len(),
        size: rejected.size.max(rejected.raw.len()),
    })
    .await?;
    Ok(())
}

/// Reads the bus, processes, commits and acknowledges until shut down.
async fn process_loop(
    mut processor: Processor,
    mut consumer: Box<dyn vigil_bus::Consumer>,
    bus: Arc<dyn Bus>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut unacked: Option<u64> = None;
    loop {
        if *shutdown.borrow() {
            break;
        }
        let next = tokio::select! {
            next = consumer.next_timeout(IDLE_TICK) => next,
            _ = shutdown.changed() => break,
        };
        match next {
            Ok(Some((seq, payload))) => {
                if !process_until_done(&mut processor, seq, &payload, &shutdown).await {
                    // Shutting down mid-retry: the batch stays unacknowledged for next time.
                    break;
                }
                unacked = Some(seq);
            }
            Ok(None) => {
                if let Err(e) = processor.tick().await {
                    tracing::error!("correlation tick failed: {e:#}");
                }
            }
            Err(e) => {
                tracing::error!("bus read failed: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        processor
            .metrics
            .bus_backlog_bytes
            .set(bus.backlog_bytes() as i64);
        let quiet_with_work = unacked.is_some() && processor.commit_due();
        if quiet_with_work {
            commit_and_ack(&mut processor, &mut *consumer, &mut unacked).await;
        }
    }
    commit_and_ack(&mut processor, &mut *consumer, &mut unacked).await;
}

/// Processes one batch, retrying while the state database or event store fails (the bus
/// keeps everything behind it meanwhile). Returns `false` when shut down before success.
async fn process_until_done(
    processor: &mut Processor,
    seq: u64,
    payload: &[u8],
    shutdown: &watch::Receiver<bool>,
) -> bool {
    loop {
        let batch = match postcard::from_bytes::<IngestBatch>(payload) {
            Ok(batch) => batch,
            Err(e) => {
                tracing::error!("batch {seq} is unreadable and skipped: {e}");
                return true;
            }
        };
        match processor.process(batch).await {
            Ok(()) => return true,
            Err(e) => tracing::error!("batch {seq} failed, retrying: {e:#}"),
        }
        if *shutdown.borrow() {
            return false;
        }
        tokio::time::sleep(RETRY_PAUSE).await;
    }
}

async fn commit_and_ack(
    processor: &mut Processor,
    consumer: &mut dyn vigil_bus::Consumer,
    unacked: &mut Option<u64>,
) {
    let Some(seq) = *unacked else { return };
    match processor.commit().await {
        Ok(()) => match consumer.ack(seq).await {
            Ok(()) => *unacked = None,
            Err(e) => tracing::error!("bus ack failed: {e}"),
        },
        Err(e) => tracing::error!("event store commit failed: {e:#}"),
    }
}

/// Swaps in new rules when files change or the API asks, and refreshes the register of
/// source addresses.
async fn watch_rules(
    mut files: RuleFiles,
    db: Db,
    shared: Arc<Shared>,
    catalog: Arc<RuleCatalog>,
    metrics: Arc<Metrics>,
    unregistered: String,
) {
    let mut poll = tokio::time::interval(RULE_POLL);
    let mut since_sources = Duration::ZERO;
    loop {
        let asked = tokio::select! {
            _ = catalog.reload_requested() => true,
            _ = poll.tick() => false,
        };
        since_sources += RULE_POLL;
        if asked || since_sources >= SOURCES_REFRESH {
            since_sources = Duration::ZERO;
            match db.attribution_sources().await {
                Ok(list) => {
                    *shared.sources.write().unwrap_or_else(|p| p.into_inner()) =
                        Arc::new(SourceMap::new(&list, &unregistered));
                }
                Err(e) => tracing::error!("reading source addresses failed: {e}"),
            }
        }
        let recompile = files.changed();
        if !asked && !recompile {
            continue;
        }
        let detector = if recompile {
            let (back, compiled) = tokio::task::spawn_blocking(move || {
                let compiled = files.compile();
                (files, compiled)
            })
            .await
            .expect("rule compilation panicked");
            files = back;
            match compiled {
                Ok(d) => Arc::new(d),
                Err(e) => {
                    tracing::error!("rules not reloaded, keeping the running set: {e:#}");
                    continue;
                }
            }
        } else {
            shared.rules().detector.clone()
        };
        match rule_settings(&db).await {
            Ok((states, exceptions)) => {
                let snapshot = Arc::new(RuleSnapshot::new(detector, &states, exceptions));
                publish(&catalog, &metrics, &snapshot);
                *shared.rules.write().unwrap_or_else(|p| p.into_inner()) = snapshot;
                tracing::info!(recompiled = recompile, "rules reloaded");
            }
            Err(e) => tracing::error!("reading rule settings failed: {e}"),
        }
    }
}

/// Keeps gauges fresh and applies retention once a day.
async fn housekeeping(
    db: Db,
    store: Arc<dyn EventStore>,
    metrics: Arc<Metrics>,
    retention_days: u32,
) {
    let mut every = tokio::time::interval(Duration::from_secs(10));
    let mut last_retention: Option<chrono::NaiveDate> = None;
    loop {
        every.tick().await;
        if let Ok(n) = db.count_quarantine(&vigil_store::db::Tenant::All).await {
            metrics.quarantine_size.set(n);
        }
        let today = chrono::Utc::now().date_naive();
        if retention_days > 0 && last_retention != Some(today) {
            last_retention = Some(today);
            let store = store.clone();
            match tokio::task::spawn_blocking(move || store.retain_days(retention_days)).await {
                Ok(Ok(dropped)) if !dropped.is_empty() => {
                    tracing::info!(?dropped, "retention deleted old days")
                }
                Ok(Err(e)) => tracing::error!("retention failed: {e}"),
                _ => {}
            }
        }
    }
}
