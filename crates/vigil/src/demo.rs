//! `vigil demo`: generate a realistic day of a province's logs with attacks in it and
//! hunt through it with the built-in rules, so a newcomer sees detections at once.

use crate::cli::{DemoArgs, HuntArgs, OutputFormat, RuleArgs};
use anyhow::{Context, Result};
use vigil_sigma::Level;

/// Runs the demo; returns the hunt's exit code.
pub fn run(args: &DemoArgs) -> Result<u8> {
    let dir = args
        .out_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("vigil-demo-{}", args.seed)));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let config = vigil_demo::DemoConfig {
        seed: args.seed,
        ..Default::default()
    };
    let path = dir.join("demo-day.jsonl");
    let events = vigil_demo::generate_day(&config);
    let file =
        std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    let mut writer = std::io::BufWriter::new(file);
    vigil_demo::write_jsonl(&mut writer, &events)
        .with_context(|| format!("writing {}", path.display()))?;
    std::io::Write::flush(&mut writer)?;
    let events = events.len();
    eprintln!(
        "Generated {events} events of {} into {}",
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
