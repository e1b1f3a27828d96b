//! Counters and gauges of the event plane, exposed at `/metrics` in the Prometheus text
//! format: events in per source, parse failures, UDP drops, busy answers, queue depths,
//! quarantine size, and the time from receipt to alert.

use crate::intake::Source;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabel {
    source: &'static str,
}

/// Every metric of one `vigil serve` process.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    events_in: Family<SourceLabel, Counter>,
    parse_failures: Family<SourceLabel, Counter>,
    busy: Family<SourceLabel, Counter>,
    pub udp_drops: Counter,
    pub truncated: Counter,
    pub events_stored: Counter,
    pub detections: Counter,
    pub alerts_opened: Counter,
    pub intake_queue: Gauge,
    pub bus_backlog_bytes: Gauge<i64, std::sync::atomic::AtomicI64>,
    pub quarantine_size: Gauge,
    pub rules_loaded: Gauge,
    pub detection_latency: Histogram,
    pub store_commit_seconds: Histogram,
    pub last_commit_unix: Gauge<f64, AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("vigil");
        let events_in = Family::<SourceLabel, Counter>::default();
        let parse_failures = Family::<SourceLabel, Counter>::default();
        let busy = Family::<SourceLabel, Counter>::default();
        let latency_buckets = [
            0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ];
        let metrics = Metrics {
            registry: Registry::default(),
            events_in: events_in.clone(),
            parse_failures: parse_failures.clone(),
            busy: busy.clone(),
            udp_drops: Counter::default(),
            truncated: Counter::default(),
            events_stored: Counter::default(),
            detections: Counter::default(),
            alerts_opened: Counter::default(),
            intake_queue: Gauge::default(),
            bus_backlog_bytes: Gauge::default(),
            quarantine_size: Gauge::default(),
            rules_loaded: Gauge::default(),
            detection_latency: Histogram::new(latency_buckets),
            store_commit_seconds: Histogram::new(latency_buckets),
            last_commit_unix: Gauge::default(),
        };
        registry.register("events_in", "Events received, by ingest source", events_in);
        registry.register(
            "parse_failures",
            "Messages that could not be parsed and went to the quarantine, by source",
            parse_failures,
        );
        registry.register(
            "busy_rejections",
            "Batches refused because the pipeline was saturated, by source",
            busy,
        );
        registry.register(
            "udp_drops",
            "Syslog UDP datagrams dropped because the pipeline was saturated",
            metrics.udp_drops.clone(),
        );
        registry.register(
            "truncated_messages",
            "Messages cut to the size limit",
            metrics.truncated.clone(),
        );
        registry.register(
            "events_stored",
            "Events committed to the event store",
            metrics.events_stored.clone(),
        );
        registry.register(
            "detections",
            "Rule matches (before folding into alerts)",
            metrics.detections.clone(),
        );
        registry.register(
            "alerts_opened",
            "New alerts opened",
            metrics.alerts_opened.clone(),
        );
        registry.register(
            "intake_queue_depth",
            "Batches waiting between ingest and the durable log",
            metrics.intake_queue.clone(),
        );
        registry.register(
            "bus_backlog_bytes",
            "Bytes in the durable log not yet processed by every stage",
            metrics.bus_backlog_bytes.clone(),
        );
        registry.register(
            "quarantine_entries",
            "Entries in the quarantine",
            metrics.quarantine_size.clone(),
        );
        registry.register(
            "rules_loaded",
            "Detection rules currently loaded and enabled",
            metrics.rules_loaded.clone(),
        );
        registry.register(
            "detection_latency_seconds",
            "Time from receipt of an event to its alert",
            metrics.detection_latency.clone(),
        );
        registry.register(
            "store_commit_seconds",
            "Time an event-store commit takes",
            metrics.store_commit_seconds.clone(),
        );
        registry.register(
            "last_store_commit_unixtime",
            "When the event store last committed",
            metrics.last_commit_unix.clone(),
        );
        Metrics {
            registry,
            ..metrics
        }
    }

    /// Counts `n` events received from `source`.
    pub fn events_in(&self, source: Source, n: u64) {
        self.events_in
            .get_or_create(&SourceLabel {
                source: source.as_str(),
            })
            .inc_by(n);
    }

    /// Events received so far from `source`.
    pub fn events_in_total(&self, source: Source) -> u64 {
        self.events_in
            .get_or_create(&SourceLabel {
                source: source.as_str(),
            })
            .get()
    }

    pub fn parse_failure(&self, source: Source) {
        self.parse_failures
            .get_or_create(&SourceLabel {
                source: source.as_str(),
            })
            .inc();
    }

    pub fn busy(&self, source: Source) {
        self.busy
            .get_or_create(&SourceLabel {
                source: source.as_str(),
            })
            .inc();
    }

    /// The Prometheus text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_names_each_source_and_counts() {
        let m = Metrics::new();
        m.events_in(Source::Bulk, 3);
        m.events_in(Source::SyslogUdp, 2);
        m.udp_drops.inc();
        let text = m.encode();
        assert!(
            text.contains("vigil_events_in_total{source=\"bulk\"} 3"),
            "{text}"
        );
        assert!(text.contains("vigil_events_in_total{source=\"syslog_udp\"} 2"));
        assert!(text.contains("vigil_udp_drops_total 1"));
        assert_eq!(m.events_in_total(Source::Bulk), 3);
    }
}
