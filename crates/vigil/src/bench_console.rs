//! `vigil bench console`: how fast the console's pages render when the stores are big.
//!
//! The event store is filled directly (generated demo events spread over the last ten
//! days, three agencies), then `vigil serve` starts on that data directory and the state
//! database receives the alerts (distinct hosts, so none fold, spread over thirty days).
//! An admin's session then asks for every main page several times; the first answer
//! (cold caches) and the median and slowest of the rest are reported, as seen by an HTTP
//! client on loopback, so they include the server's whole work for the page.
//!
//! Filling ten million events takes minutes; `--data-dir` keeps a filled directory for the
//! next run, which then only adds what is missing.

use crate::cli::{BenchConsoleArgs, OutputFormat};
use crate::serve::{self, Settings};
use anyhow::{Context, Result};
use chrono::{TimeDelta, Utc};
use serde::Serialize;
use std::time::Instant;
use vigil_store::db::{AlertFilter, AlertLevel, Db, Detection, NewUser, Role, Tenant};
use vigil_store::events::{EventStore, Query, StoredEvent, TantivyEventStore, TimeRange};

/// The agencies the generated data belongs to.
const AGENCIES: [&str; 3] = ["Sở Y tế", "Sở Tài chính", "UBND xã Hòa Bình"];
/// Alerts and events written per transaction or append.
const BATCH: usize = 20_000;

/// One page's timings, in milliseconds.
#[derive(Debug, Serialize)]
struct PageTiming {
    page: String,
    status: u16,
    bytes: usize,
    first_ms: f64,
    median_ms: f64,
    max_ms: f64,
}

pub async fn run(args: &BenchConsoleArgs) -> Result<()> {
    let temp = tempfile::tempdir()?;
    let data = args
        .data_dir
        .clone()
        .unwrap_or_else(|| temp.path().to_owned());
    let events_added = fill_events(&data, args.events)?;
    let settings = Settings {
        listen: "127.0.0.1:0".parse()?,
        syslog: None,
        retention_days: 0,
        ..Settings::defaults(data.clone())
    };
    let running = serve::start(&settings).await?;
    let agencies = ensure_agencies(&running.db).await?;
    let alerts_added = fill_alerts(&running.db, &agencies, args.alerts).await?;
    let cookie = admin_session(&running.db).await?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let base = format!("http://{}", running.http);
    let (_, alerts) = running
        .db
        .list_alerts(&AlertFilter::default(), &Tenant::All)
        .await?;
    let some_alert = running
        .db
        .latest_alert_id(&Tenant::All)
        .await?
        .context("no alert stored")?;
    eprintln!(
        "{alerts} alerts ({alerts_added} added), events: {events_added} added; timing pages…"
    );
    let pages = [
        "/".to_owned(),
        "/alerts".to_owned(),
        "/alerts?level=high&status=new".to_owned(),
        format!("/alerts/{some_alert}"),
        "/search".to_owned(),
        "/search?q=EventID%3A4625&range=7d".to_owned(),
        "/search?q=powershell&range=7d".to_owned(),
        "/rules".to_owned(),
        "/audit".to_owned(),
    ];
    let mut timings = Vec::new();
    for page in pages {
        timings.push(time_page(&client, &base, &page, &cookie, args.rounds.max(2)).await?);
    }
    running.stop().await;
    match args.format {
        OutputFormat::Json | OutputFormat::Jsonl => {
            println!("{}", serde_json::to_string_pretty(&timings)?)
        }
        _ => {
            println!(
                "{:<40} {:>6} {:>9} {:>9} {:>9} {:>9}",
                "PAGE", "STATUS", "BYTES", "FIRST MS", "MEDIAN MS", "MAX MS"
            );
            for t in &timings {
                println!(
                    "{:<40} {:>6} {:>9} {:>9.1} {:>9.1} {:>9.1}",
                    t.page, t.status, t.bytes, t.first_ms, t.median_ms, t.max_ms
                );
            }
        }
    }
    Ok(())
}

/// Adds generated events until the store holds `target`; answers how many were added.
fn fill_events(data: &std::path::Path, target: usize) -> Result<usize> {
    let store = TantivyEventStore::open(data.join("events"))?;
    let held = store.search(&Query::All, TimeRange::ALL, 0, 0, None)?.total as usize;
    let missing = target.saturating_sub(held);
    let now = Utc::now();
    let spread_ms = TimeDelta::days(10).num_milliseconds();
    let mut template = Vec::new();
    let mut seed = 1;
    let mut added = 0;
    while added < missing {
        if template.is_empty() {
            template = vigil_demo::generate_day(&vigil_demo::DemoConfig {
                seed,
                ..Default::default()
            });
            seed += 1;
        }
        let take = BATCH.min(missing - added).min(template.len());
        let batch: Vec<StoredEvent> = template
            .drain(..take)
            .enumerate()
            .filter_map(|(k, doc)| {
                let serde_json::Value::Object(object) = doc else {
                    return None;
                };
                let i = (held + added + k) as i64;
                let mut event = vigil_formats::json_file::event_from_object(object.clone());
                let at = now - TimeDelta::milliseconds(i * 7_919 % spread_ms);
                event.timestamp = Some(at);
                let raw = serde_json::Value::Object(object).to_string();
                let agency = AGENCIES[i as usize % AGENCIES.len()];
                Some(StoredEvent::received_at(event, agency, "", "bulk", raw, at))
            })
            .collect();
        added += take;
        store.append(&batch)?;
        if added % 1_000_000 < take {
            store.commit()?;
            eprintln!("events: {added} of {missing} added");
        }
    }
    store.commit()?;
    Ok(added)
}

/// The ids of the benchmark's agencies, creating those that are missing.
async fn ensure_agencies(db: &Db) -> Result<Vec<String>> {
    let known = db.list_agencies().await?;
    let mut ids = Vec::new();
    for name in AGENCIES {
        match known.iter().find(|a| a.name == name) {
            Some(a) => ids.push(a.id.clone()),
            None => ids.push(db.create_agency(name, None, "bench").await?.id),
        }
    }
    Ok(ids)
}

/// Adds alerts (each on its own host, so none fold) until there are `target`.
async fn fill_alerts(db: &Db, agencies: &[String], target: usize) -> Result<usize> {
    let held = db
        .list_alerts(&AlertFilter::default(), &Tenant::All)
        .await?
        .1 as usize;
    let missing = target.saturating_sub(held);
    let now = Utc::now();
    let levels = [
        AlertLevel::Low,
        AlertLevel::Medium,
        AlertLevel::High,
        AlertLevel::Critical,
    ];
    let mut added = 0;
    while added < missing {
        let batch: Vec<Detection> = (added..(added + BATCH).min(missing))
            .map(|k| {
                let i = held + k;
                Detection {
                    rule_id: format!("bench-rule-{:03}", i % 300),
                    rule_title: format!("Quy tắc thử nghiệm số {}", i % 300),
                    rule_author: None,
                    level: levels[i % levels.len()],
                    agency_id: agencies[i % agencies.len()].clone(),
                    system: None,
                    host: format!("WS{i:08}"),
                    event_id: vigil_store::events::id_for(now).to_string(),
                    at: now - TimeDelta::seconds((i as i64 * 2_593) % (30 * 86_400)),
                }
            })
            .collect();
        db.upsert_detections(&batch, TimeDelta::hours(1)).await?;
        added += batch.len();
        if added % 200_000 < batch.len() {
            eprintln!("alerts: {added} of {missing} added");
        }
    }
    Ok(added)
}

/// A session cookie of a fresh admin who has already chosen a password.
async fn admin_session(db: &Db) -> Result<String> {
    let login = format!("bench{}", Utc::now().timestamp_millis());
    let created = db
        .create_user(
            &NewUser {
                login,
                display_name: String::new(),
                role: Role::Admin,
                agency_id: None,
            },
            "bench",
        )
        .await?;
    let password = "một mật khẩu đo hiệu năng";
    db.change_password(&created.user.id, &created.one_time_password, password)
        .await?;
    let session = db.create_session(&created.user.id, None).await?;
    Ok(format!("vigil_session={}", session.token))
}

async fn time_page(
    client: &reqwest::Client,
    base: &str,
    page: &str,
    cookie: &str,
    rounds: usize,
) -> Result<PageTiming> {
    let mut times = Vec::with_capacity(rounds);
    let (mut status, mut bytes) = (0, 0);
    for _ in 0..rounds {
        let started = Instant::now();
        let response = client
            .get(format!("{base}{page}"))
            .header("cookie", cookie)
            .header("accept", "text/html")
            .send()
            .await?;
        status = response.status().as_u16();
        bytes = response.bytes().await?.len();
        times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let first_ms = times[0];
    let mut warm = times[1..].to_vec();
    warm.sort_by(f64::total_cmp);
    Ok(PageTiming {
        page: page.to_owned(),
        status,
        bytes,
        first_ms,
        median_ms: warm[warm.len() / 2],
        max_ms: *warm.last().unwrap_or(&first_ms),
    })
}
