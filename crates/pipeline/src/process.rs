//! The processing stage: reads durable batches from the bus, attributes, detects,
//! correlates, folds detections into alerts, appends events to the event store, and
//! acknowledges the bus once the store has committed them.
//!
//! Alerts are written before the events are committed, so an attack shows within the
//! time detection takes, not a commit interval later. Acknowledging only after the store
//! commit means a crash loses nothing: unacknowledged batches are delivered again on
//! restart (at-least-once).

use crate::attribute::{Origin, SourceMap};
use crate::correlate::{Contribution, Correlator};
use crate::intake::IngestBatch;
use crate::live_rules::{alert_level, RuleSnapshot};
use crate::metrics::Metrics;
use crate::rules::RuleCatalog;
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use vigil_event::Event;
use vigil_store::db::{Db, Detection};
use vigil_store::events::{EventStore, StoredEvent};

/// Tuning of the processing stage.
#[derive(Debug, Clone)]
pub struct ProcessConfig {
    /// Repeats of a rule on a host within this window fold into one alert.
    pub alert_window: chrono::Duration,
    /// Longest time between event-store commits while events are arriving.
    pub commit_interval: Duration,
    /// Commit early once this many events are waiting.
    pub commit_events: usize,
}

impl Default for ProcessConfig {
    fn default() -> Self {
        ProcessConfig {
            alert_window: chrono::Duration::minutes(15),
            commit_interval: Duration::from_secs(1),
            commit_events: 100_000,
        }
    }
}

/// Shared, swappable state the stage reads per batch.
pub struct Shared {
    pub rules: RwLock<Arc<RuleSnapshot>>,
    pub sources: RwLock<Arc<SourceMap>>,
}

impl Shared {
    pub fn rules(&self) -> Arc<RuleSnapshot> {
        self.rules.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn sources(&self) -> Arc<SourceMap> {
        self.sources
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// One batch after attribution and detection.
struct Detected {
    events: Vec<StoredEvent>,
    /// Per event: the enabled rules that matched (after exceptions) and the event as the
    /// rules saw it (with its logsource's field aliases).
    matches: Vec<(Vec<u32>, Option<Event>)>,
}

/// Attributes each record and runs the rules over the batch on every core.
fn attribute_and_detect(batch: IngestBatch, rules: &RuleSnapshot, sources: &SourceMap) -> Detected {
    let IngestBatch {
        source,
        agency_id,
        peer,
        received_at,
        records,
    } = batch;
    let events: Vec<StoredEvent> = records
        .into_iter()
        .map(|record| {
            let mut event = record.event;
            if record.truncated {
                event.push(vigil_store::events::TRUNCATED_FLAG, true);
            }
            let mut stored =
                StoredEvent::received_at(event, "", "", source.as_str(), record.raw, received_at);
            let (agency, system) = sources.attribute(Origin {
                agency_id: agency_id.as_deref(),
                peer,
                host: stored.host.as_deref(),
            });
            stored.agency = agency;
            stored.system = system;
            stored
        })
        .collect();
    let matches = events
        .par_iter()
        .map_init(
            || rules.detector.worker(),
            |worker, stored| {
                let mut seen = stored.event.clone();
                let hits: Vec<u32> = worker
                    .detect(&mut seen)
                    .iter()
                    .copied()
                    .filter(|&i| rules.enabled[i as usize])
                    .filter(|&i| {
                        !rules.exceptions.suppresses(
                            &rules.rule_ids[i as usize],
                            &stored.agency,
                            &seen,
                        )
                    })
                    .collect();
                if hits.is_empty() {
                    (hits, None)
                } else {
                    (hits, Some(seen))
                }
            },
        )
        .collect();
    Detected { events, matches }
}

/// The processing stage's own state.
pub struct Processor {
    pub db: Db,
    pub store: Arc<dyn EventStore>,
    pub shared: Arc<Shared>,
    pub catalog: Arc<RuleCatalog>,
    pub metrics: Arc<Metrics>,
    pub config: ProcessConfig,
    correlator: Correlator,
    /// Events appended since the last commit.
    uncommitted: usize,
    last_commit: Instant,
    /// The snapshot the correlator's windows were built with.
    correlating_with: Option<Arc<RuleSnapshot>>,
    /// The event-store append of the previous batch, running or to be retried.
    appending: Option<PendingAppend>,
}

/// An append to the event store that runs while the next batch is detected.
struct PendingAppend {
    events: Arc<Vec<StoredEvent>>,
    /// `None` once it has failed: the next attempt starts a new task.
    task: Option<tokio::task::JoinHandle<vigil_store::events::Result<()>>>,
}

impl PendingAppend {
    fn start(store: &Arc<dyn EventStore>, events: Arc<Vec<StoredEvent>>) -> PendingAppend {
        let (store, batch) = (store.clone(), events.clone());
        PendingAppend {
            events,
            task: Some(tokio::task::spawn_blocking(move || store.append(&batch))),
        }
    }
}

impl Processor {
    pub fn new(
        db: Db,
        store: Arc<dyn EventStore>,
        shared: Arc<Shared>,
        catalog: Arc<RuleCatalog>,
        metrics: Arc<Metrics>,
        config: ProcessConfig,
    ) -> Processor {
        Processor {
            db,
            store,
            shared,
            catalog,
            metrics,
            config,
            correlator: Correlator::default(),
            uncommitted: 0,
            last_commit: Instant::now(),
            correlating_with: None,
            appending: None,
        }
    }

    fn current_rules(&mut self) -> Arc<RuleSnapshot> {
        let rules = self.shared.rules();
        if !self
            .correlating_with
            .as_ref()
            .is_some_and(|old| Arc::ptr_eq(&old.detector, &rules.detector))
        {
            // Correlation indices belong to one detector: start the windows afresh.
            self.correlator.reset();
        }
        self.correlating_with = Some(rules.clone());
        rules
    }

    /// Processes one batch: detection, alerts, and the append to the store (not yet
    /// committed).
    pub async fn process(&mut self, batch: IngestBatch) -> anyhow::Result<()> {
        let rules = self.current_rules();
        let sources = self.shared.sources();
        let received_at = batch.received_at;
        let detected = {
            let rules = rules.clone();
            tokio::task::spawn_blocking(move || attribute_and_detect(batch, &rules, &sources))
                .await?
        };
        let detections = self.detections(&rules, &detected);
        self.raise(&detections, received_at).await?;
        let count = detected.events.len();
        // The append runs while the next batch is detected; it is awaited before the next
        // append and before a commit.
        self.finish_append().await?;
        self.appending = Some(PendingAppend::start(&self.store, Arc::new(detected.events)));
        self.uncommitted += count;
        Ok(())
    }

    fn detections(&mut self, rules: &RuleSnapshot, detected: &Detected) -> Vec<Detection> {
        let mut out = Vec::new();
        for (stored, (hits, seen)) in detected.events.iter().zip(&detected.matches) {
            let Some(seen) = seen else { continue };
            let host = stored.host.clone().unwrap_or_default();
            for &rule in hits {
                let id = &rules.rule_ids[rule as usize];
                self.catalog.counter(id).fetch_add(1, Ordering::Relaxed);
                self.metrics.detections.inc();
                let meta = &rules.detector.rules().rule(rule).meta;
                if rules.detector.stands_alone(rule) {
                    out.push(Detection {
                        rule_id: id.clone(),
                        rule_title: meta.title.clone(),
                        rule_author: meta.author.clone(),
                        level: alert_level(meta.level),
                        agency_id: stored.agency.clone(),
                        system: Some(stored.system.clone()).filter(|s| !s.is_empty()),
                        host: host.clone(),
                        event_id: stored.id.to_string(),
                        at: stored.time(),
                    });
                }
                if rules.detector.feeds_correlation(rule) {
                    out.extend(self.correlator.observe(
                        rules,
                        &stored.agency,
                        rule,
                        seen,
                        stored.time().timestamp_millis(),
                        Contribution {
                            event_id: stored.id.to_string(),
                            host: host.clone(),
                            system: stored.system.clone(),
                        },
                    ));
                }
            }
        }
        out
    }

    /// Folds detections into alerts and records how long they took from receipt.
    async fn raise(
        &self,
        detections: &[Detection],
        received_at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        if detections.is_empty() {
            return Ok(());
        }
        let answers = self
            .db
            .upsert_detections(detections, self.config.alert_window)
            .await?;
        let opened = answers.iter().filter(|a| a.opened).count();
        self.metrics.alerts_opened.inc_by(opened as u64);
        let latency = (Utc::now() - received_at).num_microseconds().unwrap_or(0) as f64 / 1e6;
        for _ in detections {
            self.metrics.detection_latency.observe(latency.max(0.0));
        }
        Ok(())
    }

    /// Periodic work while the bus is quiet: correlation windows that close by time.
    pub async fn tick(&mut self) -> anyhow::Result<()> {
        let rules = self.current_rules();
        let decided = self.correlator.tick(&rules);
        self.raise(&decided, Utc::now()).await
    }

    /// Whether a commit is due.
    pub fn commit_due(&self) -> bool {
        self.uncommitted > 0
            && (self.uncommitted >= self.config.commit_events
                || self.last_commit.elapsed() >= self.config.commit_interval)
    }

    /// Commits the event store; afterwards every processed batch is durable there.
    /// Waits for the append in flight, if any. A failed append stays pending and is
    /// tried again by the next call, so no batch is acknowledged without its events.
    async fn finish_append(&mut self) -> anyhow::Result<()> {
        let Some(pending) = &mut self.appending else {
            return Ok(());
        };
        let task = match pending.task.take() {
            Some(task) => task,
            None => PendingAppend::start(&self.store, pending.events.clone())
                .task
                .expect("a started append has a task"),
        };
        match task.await? {
            Ok(()) => {
                self.appending = None;
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn commit(&mut self) -> anyhow::Result<()> {
        self.finish_append().await?;
        let started = Instant::now();
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || store.commit()).await??;
        self.metrics
            .store_commit_seconds
            .observe(started.elapsed().as_secs_f64());
        self.metrics.events_stored.inc_by(self.uncommitted as u64);
        self.metrics
            .last_commit_unix
            .set(Utc::now().timestamp_millis() as f64 / 1000.0);
        self.uncommitted = 0;
        self.last_commit = Instant::now();
        Ok(())
    }
}
