//! Writes a demo day as JSON lines, with an optional file of ground-truth story labels.
//!
//! `cargo run -p vigil-demo --example write_day -- day.jsonl [seed] [events] [labels.txt]`
//! The labels file has one line per event: the story id, or `-` for background.

use std::fs::File;
use std::io::{BufWriter, Write};
use vigil_demo::{generate_labelled_day, write_jsonl, DemoConfig};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(output) = args.first() else {
        eprintln!("usage: write_day OUTPUT.jsonl [SEED] [EVENTS] [LABELS.txt]");
        std::process::exit(2);
    };
    let mut config = DemoConfig::default();
    if let Some(seed) = args.get(1) {
        config.seed = seed.parse().expect("SEED is an integer");
    }
    if let Some(events) = args.get(2) {
        config.events_target = events.parse().expect("EVENTS is an integer");
    }
    let day = generate_labelled_day(&config);
    let events: Vec<_> = day.iter().map(|labelled| labelled.event.clone()).collect();
    write_jsonl(BufWriter::new(File::create(output)?), &events)?;
    if let Some(labels) = args.get(3) {
        let mut out = BufWriter::new(File::create(labels)?);
        for labelled in &day {
            writeln!(out, "{}", labelled.story.unwrap_or("-"))?;
        }
        out.flush()?;
    }
    eprintln!("wrote {} events to {output}", events.len());
    Ok(())
}
