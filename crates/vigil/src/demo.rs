//! `vigil demo`: start Vigil on a temporary data directory, replay a generated, realistic
//! day of a province's logs (Windows, Linux, web portals) with attacks in it through the
//! real HTTP ingest, and show the alerts that come out, so a newcomer sees Vigil work
//! within seconds. `--offline` instead writes the day to a file and hunts it.

use crate::cli::{DemoArgs, HuntArgs, OutputFormat, RuleArgs};
use crate::serve::{self, Settings};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use vigil_sigma::Level;
use vigil_store::db::{AlertFilter, Scope, Tenant};

/// Events per HTTP request of the replay.
const CHUNK: usize = 1_000;

fn config(seed: u64) -> vigil_demo::DemoConfig {
    vigil_demo::DemoConfig {
        seed,
        ..Default::default()
    }
}

/// Runs the demo; returns the exit code.
pub fn run(args: &DemoArgs) -> Result<u8> {
    if args.offline {
        return offline(args);
    }
    tokio::runtime::Runtime::new()?.block_on(live(args))
}

async fn live(args: &DemoArgs) -> Result<u8> {
    let data_dir = args.data_dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("vigil-demo-data-{}", std::process::id()))
    });
    let mut settings = Settings {
        listen: args.listen,
        syslog: Some("127.0.0.1:0".parse()?),
        rules: args.rules.clone(),
        // The generated day lies in the past: keep it.
        retention_days: 0,
        ..Settings::defaults(data_dir.clone())
    };
    eprintln!("Starting Vigil on {} (loading rules)…", data_dir.display());
    let running = match serve::start(&settings).await {
        Ok(r) => r,
        Err(e) if format!("{e:#}").contains("binding") => {
            settings.listen = "127.0.0.1:0".parse()?;
            serve::start(&settings).await?
        }
        Err(e) => return Err(e),
    };
    let base = format!("http://{}", running.http);
    let admin = running
        .db
        .create_token(None, Scope::Admin, None, "demo")
        .await?
        .plaintext;

    let day = vigil_demo::generate_day(&config(args.seed));
    let mut by_agency: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for event in &day {
        let agency = event["agency"].as_str().unwrap_or("Văn phòng UBND tỉnh");
        by_agency
            .entry(agency.to_owned())
            .or_default()
            .push(event.to_string());
    }
    let started = Instant::now();
    let client = reqwest::Client::new();
    let mut sends = tokio::task::JoinSet::new();
    for (name, lines) in by_agency {
        let agency = match running.db.agency_by_name(&name).await? {
            Some(a) => a,
            None => running.db.create_agency(&name, None, "demo").await?,
        };
        let token = running
            .db
            .create_token(Some(&agency.id), Scope::Ingest, None, "demo")
            .await?
            .plaintext;
        let (client, url) = (client.clone(), format!("{base}/api/v1/ingest"));
        sends.spawn(async move {
            for chunk in lines.chunks(CHUNK) {
                let response = client
                    .post(&url)
                    .bearer_auth(&token)
                    .body(chunk.join("\n"))
                    .send()
                    .await?;
                anyhow::ensure!(
                    response.status().is_success(),
                    "ingest answered {}",
                    response.status()
                );
            }
            Ok::<usize, anyhow::Error>(lines.len())
        });
    }
    let mut sent = 0;
    while let Some(done) = sends.join_next().await {
        sent += done??;
    }
    eprintln!(
        "Replayed {sent} events of {} in {:.1} s; waiting for the pipeline…",
        config(args.seed).date,
        started.elapsed().as_secs_f64()
    );
    wait_until_stored(&running, sent as u64).await?;
    // Correlation windows that close by time need the stream to go quiet briefly.
    tokio::time::sleep(Duration::from_secs(7)).await;
    print_alerts(&running.db).await?;
    if args.exit_after_replay {
        running.stop().await;
        return Ok(0);
    }
    eprintln!("\nVigil keeps running with the demo data:");
    eprintln!("  API:     {base}/api/v1/alerts   (header: Authorization: Bearer {admin})");
    eprintln!(
        "  search:  curl -H 'Authorization: Bearer {admin}' '{base}/api/v1/events?q=EventID:4625'"
    );
    eprintln!("  metrics: {base}/metrics");
    eprintln!("Press Ctrl-C to stop.");
    serve::shutdown_signal().await;
    running.stop().await;
    Ok(0)
}

async fn wait_until_stored(running: &serve::Running, sent: u64) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    while running.metrics.events_stored.get() < sent {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the pipeline stored {} of {sent} events in two minutes",
            running.metrics.events_stored.get()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

async fn print_alerts(db: &vigil_store::db::Db) -> Result<()> {
    let filter = AlertFilter {
        limit: 1000,
        ..AlertFilter::default()
    };
    let (alerts, total) = db.list_alerts(&filter, &Tenant::All).await?;
    let mut by_level: BTreeMap<String, i64> = BTreeMap::new();
    for a in &alerts {
        *by_level.entry(a.level.to_string()).or_default() += 1;
    }
    println!("{total} alerts:");
    for (level, n) in &by_level {
        println!("  {level:<14} {n}");
    }
    println!();
    println!(
        "{:<9} {:>5}  {:<28} {:<18} RULE",
        "LEVEL", "COUNT", "AGENCY", "HOST"
    );
    let mut shown = alerts.clone();
    shown.sort_by(|a, b| b.level.cmp(&a.level).then(b.count.cmp(&a.count)));
    for a in shown.iter().take(40) {
        println!(
            "{:<9} {:>5}  {} {} {}",
            a.level.to_string(),
            a.count,
            crate::output::clip(&a.agency, 28),
            crate::output::clip(&a.host, 18),
            crate::output::clip(&a.rule_title, 80)
        );
    }
    Ok(())
}

/// The day written to a file and hunted offline with the built-in rules.
fn offline(args: &DemoArgs) -> Result<u8> {
    let dir = args
        .out_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("vigil-demo-{}", args.seed)));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let config = config(args.seed);
    let path = dir.join("demo-day.jsonl");
    let events = vigil_demo::generate_day(&config);
    let file =
        std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    let mut writer = std::io::BufWriter::new(file);
    vigil_demo::write_jsonl(&mut writer, &events)
        .with_context(|| format!("writing {}", path.display()))?;
    std::io::Write::flush(&mut writer)?;
    eprintln!(
        "Generated {} events of {} into {}",
        events.len(),
        config.date,
        path.display()
    );
    eprintln!(
        "Hunting with Vigil's built-in rules{}…\n",
        if args.rules.is_empty() {
            ""
        } else {
            " and the given rule directories"
        }
    );
    let hunt = HuntArgs {
        inputs: vec![path],
        rules: RuleArgs {
            rules: args.rules.clone(),
            no_builtin_rules: false,
            min_level: Level::Low,
            status: Vec::new(),
            placeholders: None,
            mapping: None,
        },
        from: None,
        to: None,
        format: OutputFormat::Table,
        output: None,
        threads: None,
        quiet: false,
    };
    crate::hunt::run(&hunt)
}
