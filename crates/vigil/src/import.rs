//! `vigil import`: sends evidence files (EVTX, JSON, plain logs) into a running
//! `vigil serve` through its HTTP ingest, so imported events are detected, attributed and
//! stored exactly like live ones (the running server owns the event store).

use crate::cli::ImportArgs;
use crate::config::DataDir;
use crate::inputs::{discover, read};
use anyhow::{bail, Context, Result};
use chrono::SecondsFormat;
use vigil_event::Event;
use vigil_formats::Collected;
use vigil_store::db::Scope;

/// Events per HTTP request.
const CHUNK: usize = 2_000;

/// One event as a JSON line the ingest endpoint reads back into the same event.
pub fn event_line(event: &Event) -> String {
    let mut object = event.to_json();
    if let Some(t) = event.timestamp {
        object.insert(
            "@timestamp".into(),
            t.to_rfc3339_opts(SecondsFormat::Millis, true).into(),
        );
    }
    serde_json::Value::Object(object).to_string()
}

pub async fn run(args: &ImportArgs) -> Result<u8> {
    let token = match &args.token {
        Some(t) => t.clone(),
        None => {
            let db = DataDir::new(&args.data.data_dir).db().await?;
            let agency = crate::admin::agency_id(&db, &args.agency).await?;
            db.create_token(Some(&agency), Scope::Ingest, None, "cli import")
                .await?
                .plaintext
        }
    };
    let files = discover(&args.inputs)?;
    let client = reqwest::Client::new();
    let url = format!(
        "{}/api/v1/ingest?source=import",
        args.url.trim_end_matches('/')
    );
    let (mut sent, mut skipped) = (0u64, 0u64);
    for file in files {
        let path = file.path.clone();
        let collected = tokio::task::spawn_blocking(move || {
            let mut sink = Collected::default();
            read(&file, 1, &mut sink);
            sink
        })
        .await?;
        for issue in &collected.issues {
            eprintln!("{}: skipped: {issue}", path.display());
        }
        skipped += collected.issues.len() as u64;
        for chunk in collected.events.chunks(CHUNK) {
            let body: String = chunk.iter().map(|e| event_line(e) + "\n").collect();
            let response = client
                .post(&url)
                .bearer_auth(&token)
                .header("content-type", "application/x-ndjson")
                .body(body)
                .send()
                .await
                .with_context(|| format!("sending to {url}"))?;
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            if !status.is_success() {
                bail!("{url} answered {status}: {text}");
            }
            sent += chunk.len() as u64;
        }
        eprintln!("{}: sent", path.display());
    }
    eprintln!("imported {sent} events ({skipped} records skipped)");
    Ok(u8::from(skipped > 0) * 3)
}
