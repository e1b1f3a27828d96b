//! `vigil bench ingest`: the live pipeline under load. An in-process `vigil serve` on a
//! temporary data directory receives syslog over TCP (octet-counted RFC 5424 sshd and
//! nginx lines) and Elasticsearch `_bulk` requests (Windows events of the demo
//! generator) as fast as the clients can send; the run ends when every event is committed
//! to the event store. Reported: sustained events/s (first byte sent to last event
//! committed), alerts, peak memory, and receipt-to-alert latency quantiles (from the
//! pipeline's histogram) both while saturated and in a paced run that offers half the
//! sustained rate, which is the latency an analyst sees when Vigil keeps up. A baseline run without rules comes first, so the cost of detection is
//! read as a ratio on the same machine at the same moment.

use crate::cli::{BenchIngestArgs, OutputFormat};
use crate::serve::{self, Settings};
use anyhow::{Context, Result};
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use vigil_store::db::Scope;

/// What one run measured.
#[derive(Debug, serde::Serialize)]
struct Outcome {
    name: &'static str,
    rules: usize,
    events: u64,
    seconds: f64,
    events_per_second: f64,
    send_seconds: f64,
    /// CPU time of the whole process (server and load clients, all threads) per event:
    /// the figure that other work on a shared machine hardly moves.
    cpu_us_per_event: f64,
    detections: u64,
    alerts: i64,
    /// Receipt to alert while saturated: mostly time spent queued.
    saturated_p99_ms: Option<f64>,
    /// The paced run: events/s offered, and receipt-to-alert quantiles at that rate.
    paced_rate: f64,
    latency_p50_ms: Option<f64>,
    latency_p99_ms: Option<f64>,
    peak_rss_mib: Option<f64>,
}

/// The load, rendered before the clock starts.
struct Load {
    /// Per connection: one buffer of octet-counted frames.
    syslog: Vec<Vec<u8>>,
    syslog_events: usize,
    /// `_bulk` bodies.
    bulk: Vec<String>,
    bulk_events: usize,
}

/// The RFC 5424 header (priority, version, time, host) of the `i`-th syslog message of the
/// load: the time moves a millisecond a message, the host cycles through 40 names.
fn syslog_header(priority: u8, i: usize) -> String {
    format!(
        "<{priority}>1 2026-11-23T09:{:02}:{:02}.{:03}Z web{:02}",
        (i / 60_000) % 60,
        (i / 1000) % 60,
        i % 1000,
        i % 40
    )
}

fn render_load(args: &BenchIngestArgs) -> Load {
    let syslog_events = args.events / 2;
    let connections = args.syslog_connections.max(1);
    let mut syslog = vec![Vec::new(); connections];
    for i in 0..syslog_events {
        let message = if i % 2 == 0 {
            format!(
                "{} sshd {} - - Failed password for {} from 203.0.113.{} port {} ssh2",
                syslog_header(38, i),
                1000 + i % 5000,
                ["root", "admin", "oracle", "ubuntu"][i % 4],
                i % 250,
                30_000 + i % 30_000
            )
        } else {
            format!(
                "{} nginx - - - 198.51.100.{} - - [23/Nov/2026:09:00:00 +0700] \"GET /tin-tuc/{}.html HTTP/1.1\" 200 {} \"-\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\"",
                syslog_header(190, i),
                i % 250,
                i % 9000,
                2000 + i % 50_000
            )
        };
        let buffer = &mut syslog[i % connections];
        buffer.extend_from_slice(format!("{} {message}", message.len()).as_bytes());
    }
    let bulk_events = args.events - syslog_events;
    let mut day = Vec::new();
    let mut seed = 1;
    while day.len() < bulk_events {
        day.extend(vigil_demo::generate_day(&vigil_demo::DemoConfig {
            seed,
            ..Default::default()
        }));
        seed += 1;
    }
    day.truncate(bulk_events);
    let action = json!({"create": {"_index": "winlogbeat-bench"}}).to_string();
    let bulk = day
        .chunks(args.bulk_size.max(1))
        .map(|chunk| {
            let mut body = String::new();
            for doc in chunk {
                body.push_str(&action);
                body.push('\n');
                body.push_str(&doc.to_string());
                body.push('\n');
            }
            body
        })
        .collect();
    Load {
        syslog,
        syslog_events,
        bulk,
        bulk_events,
    }
}

/// One run on a fresh data directory.
async fn run_once(
    name: &'static str,
    rules: Vec<PathBuf>,
    builtin: bool,
    load: &Load,
    args: &BenchIngestArgs,
) -> Result<Outcome> {
    let data = tempfile::tempdir()?;
    let settings = Settings {
        listen: "127.0.0.1:0".parse()?,
        syslog: Some("127.0.0.1:0".parse()?),
        rules,
        builtin_rules: builtin,
        retention_days: 0,
        refresh: Duration::from_millis(args.refresh_ms),
        ..Settings::defaults(data.path().to_owned())
    };
    let running = serve::start(&settings).await?;
    let rule_count = running.rules_loaded();
    let agency = running.db.create_agency("Bench", None, "bench").await?;
    running
        .db
        .add_source_address("127.0.0.0/8", &agency.id, Some("bench"), "bench")
        .await?;
    let token = running
        .db
        .create_token(Some(&agency.id), Scope::Ingest, None, "bench")
        .await?
        .plaintext;
    crate::bench::reset_peak_rss();

    let total = (load.syslog_events + load.bulk_events) as u64;
    let started = Instant::now();
    let cpu_started = cpu_time::ProcessTime::now();
    let mut senders = tokio::task::JoinSet::new();
    let syslog_addr = running.syslog_tcp.context("syslog tcp listener")?;
    for buffer in &load.syslog {
        let buffer = buffer.clone();
        senders.spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(syslog_addr).await?;
            for piece in buffer.chunks(256 * 1024) {
                stream.write_all(piece).await?;
            }
            stream.shutdown().await?;
            anyhow::Ok(())
        });
    }
    let client = reqwest::Client::new();
    let url = format!("http://{}/_bulk", running.http);
    let clients = args.bulk_clients.max(1);
    for part in 0..clients {
        let bodies: Vec<String> = load
            .bulk
            .iter()
            .skip(part)
            .step_by(clients)
            .cloned()
            .collect();
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        senders.spawn(async move {
            for body in bodies {
                loop {
                    let response = client
                        .post(&url)
                        .header("Authorization", format!("ApiKey {token}"))
                        .header("content-type", "application/x-ndjson")
                        .body(body.clone())
                        .send()
                        .await?;
                    match response.status().as_u16() {
                        200 => break,
                        429 | 503 => tokio::time::sleep(Duration::from_millis(200)).await,
                        other => anyhow::bail!("_bulk answered {other}"),
                    }
                }
            }
            anyhow::Ok(())
        });
    }
    while let Some(sent) = senders.join_next().await {
        sent??;
    }
    let send_seconds = started.elapsed().as_secs_f64();
    let deadline = Instant::now() + Duration::from_secs(600);
    while running.metrics.events_stored.get() < total {
        anyhow::ensure!(
            Instant::now() < deadline,
            "{} of {total} events stored after ten minutes",
            running.metrics.events_stored.get()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu_us_per_event = cpu_started.elapsed().as_secs_f64() * 1e6 / total as f64;
    let exposition = running.metrics.encode();
    let paced_rate = args
        .paced_rate
        .unwrap_or(total as f64 / seconds / 2.0)
        .max(10.0);
    let paced = paced_run(&running, &token, load, paced_rate).await?;
    let (_, alerts) = running
        .db
        .list_alerts(
            &vigil_store::db::AlertFilter::default(),
            &vigil_store::db::Tenant::All,
        )
        .await?;
    let outcome = Outcome {
        name,
        rules: rule_count,
        events: total,
        seconds,
        events_per_second: total as f64 / seconds,
        send_seconds,
        cpu_us_per_event,
        detections: running.metrics.detections.get(),
        alerts,
        saturated_p99_ms: quantile(&buckets(&exposition), 0.99).map(|s| s * 1e3),
        paced_rate,
        latency_p50_ms: quantile(&paced, 0.50).map(|s| s * 1e3),
        latency_p99_ms: quantile(&paced, 0.99).map(|s| s * 1e3),
        peak_rss_mib: crate::bench::peak_rss_mib(),
    };
    running.stop().await;
    Ok(outcome)
}

/// How long the paced run offers load.
const PACED_SECONDS: u64 = 15;
/// Ticks of the paced run per second.
const PACED_TICKS: u64 = 10;

/// Offers `_bulk` load at `rate` events/s for [`PACED_SECONDS`], waits until it is
/// stored, and returns the receipt-to-alert histogram of that run alone.
async fn paced_run(
    running: &serve::Running,
    token: &str,
    load: &Load,
    rate: f64,
) -> Result<Vec<(f64, f64)>> {
    let before = buckets(&running.metrics.encode());
    let stored_before = running.metrics.events_stored.get();
    let per_tick = ((rate / PACED_TICKS as f64).round() as usize).max(1);
    let docs: Vec<String> = load
        .bulk
        .iter()
        .flat_map(|body| body.split_inclusive('\n'))
        .collect::<Vec<_>>()
        .chunks(2)
        .map(|pair| pair.concat())
        .collect();
    let client = reqwest::Client::new();
    let url = format!("http://{}/_bulk", running.http);
    let mut tick = tokio::time::interval(Duration::from_millis(1000 / PACED_TICKS));
    let mut sent = 0u64;
    for n in 0..PACED_SECONDS * PACED_TICKS {
        tick.tick().await;
        let start = (n as usize * per_tick) % docs.len().max(1);
        let body: String = docs
            .iter()
            .cycle()
            .skip(start)
            .take(per_tick)
            .map(String::as_str)
            .collect();
        let client = client.clone();
        let (url, token) = (url.clone(), token.to_owned());
        // Each tick's request goes out on time even if an earlier one is still answered.
        tokio::spawn(async move {
            let _ = client
                .post(&url)
                .header("Authorization", format!("ApiKey {token}"))
                .header("content-type", "application/x-ndjson")
                .body(body)
                .send()
                .await;
        });
        sent += per_tick as u64;
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    while running.metrics.events_stored.get() < stored_before + sent {
        anyhow::ensure!(
            Instant::now() < deadline,
            "paced load not stored in five minutes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let after = buckets(&running.metrics.encode());
    Ok(after
        .iter()
        .zip(&before)
        .map(|(&(le, a), &(_, b))| (le, a - b))
        .collect())
}

/// The cumulative buckets of the receipt-to-alert histogram, read from the Prometheus
/// text, by upper bound.
fn buckets(exposition: &str) -> Vec<(f64, f64)> {
    let mut buckets: Vec<(f64, f64)> = exposition
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("vigil_detection_latency_seconds_bucket{le=\"")?;
            let (le, count) = rest.split_once("\"} ")?;
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().ok()?
            };
            Some((le, count.trim().parse().ok()?))
        })
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    buckets
}

/// A quantile of a cumulative histogram, by linear interpolation inside the bucket that
/// holds it.
fn quantile(buckets: &[(f64, f64)], q: f64) -> Option<f64> {
    let total = buckets.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let mut lower = (0.0, 0.0);
    for &(le, count) in buckets {
        if count >= rank {
            if le.is_infinite() {
                return Some(lower.0);
            }
            let share = (rank - lower.1) / (count - lower.1).max(1.0);
            return Some(lower.0 + (le - lower.0) * share);
        }
        lower = (le, count);
    }
    None
}

pub async fn run(args: &BenchIngestArgs) -> Result<()> {
    eprintln!("rendering {} events of load…", args.events);
    let load = render_load(args);
    let mut outcomes = Vec::new();
    if !args.no_baseline {
        eprintln!("baseline: no rules…");
        outcomes.push(run_once("baseline (no rules)", Vec::new(), false, &load, args).await?);
    }
    eprintln!("with rules…");
    outcomes.push(run_once("with rules", args.rules.clone(), true, &load, args).await?);
    match args.format {
        OutputFormat::Json | OutputFormat::Jsonl => {
            println!("{}", serde_json::to_string_pretty(&outcomes)?)
        }
        _ => print_table(&outcomes),
    }
    Ok(())
}

fn print_table(outcomes: &[Outcome]) {
    let ms = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1}"));
    println!(
        "{:<20} {:>6} {:>8} {:>7} {:>9} {:>7} {:>7} {:>8} {:>6} {:>8} {:>8} {:>8} {:>8} {:>7}",
        "RUN",
        "RULES",
        "EVENTS",
        "SECONDS",
        "EVENTS/S",
        "SEND S",
        "CPU µS",
        "DETECTED",
        "ALERTS",
        "SAT P99",
        "PACED/S",
        "P50 MS",
        "P99 MS",
        "RSS MIB"
    );
    for o in outcomes {
        println!(
            "{:<20} {:>6} {:>8} {:>7.2} {:>9.0} {:>7.2} {:>7.1} {:>8} {:>6} {:>8} {:>8.0} {:>8} {:>8} {:>7}",
            o.name,
            o.rules,
            o.events,
            o.seconds,
            o.events_per_second,
            o.send_seconds,
            o.cpu_us_per_event,
            o.detections,
            o.alerts,
            ms(o.saturated_p99_ms),
            o.paced_rate,
            ms(o.latency_p50_ms),
            ms(o.latency_p99_ms),
            o.peak_rss_mib.map_or("-".to_owned(), |v| format!("{v:.0}")),
        );
    }
    println!(
        "\nEVENTS/S: sustained at full speed (first byte sent to last event committed). \
         CPU µS: process CPU time per event (server and clients, all threads). \
         SAT P99: receipt to alert while saturated (queueing). P50/P99: receipt to alert \
         at the paced rate PACED/S."
    );
    if let [base, ruled] = outcomes {
        println!(
            "with rules / baseline throughput: {:.2}x; CPU per event {:.2}x",
            ruled.events_per_second / base.events_per_second,
            ruled.cpu_us_per_event / base.cpu_us_per_event
        );
    }
}

#[cfg(test)]
mod tests {
    use super::{buckets, quantile, syslog_header};

    #[test]
    fn syslog_headers_move_a_millisecond_a_message() {
        assert_eq!(syslog_header(38, 0), "<38>1 2026-11-23T09:00:00.000Z web00");
        assert_eq!(
            syslog_header(190, 61_001),
            "<190>1 2026-11-23T09:01:01.001Z web01"
        );
    }

    #[test]
    fn quantiles_interpolate_within_buckets() {
        let text = "vigil_detection_latency_seconds_bucket{le=\"0.01\"} 50\n\
                    vigil_detection_latency_seconds_bucket{le=\"0.1\"} 90\n\
                    vigil_detection_latency_seconds_bucket{le=\"1.0\"} 100\n\
                    vigil_detection_latency_seconds_bucket{le=\"+Inf\"} 100\n";
        assert!((quantile(&buckets(text), 0.5).unwrap() - 0.01).abs() < 1e-9);
        assert!((quantile(&buckets(text), 0.99).unwrap() - 0.91).abs() < 1e-9);
        assert_eq!(quantile(&buckets(""), 0.5), None);
    }
}
